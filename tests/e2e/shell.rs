//! The app shell on the release build: header, footer, every route by clicking and by direct
//! URL, and the not-found view for unknown paths.

use crate::harness::{app_url, testid, wait_for, wait_for_path, with_browser};

/// (navigation link, the page it shows, its path)
const ROUTES: [(&str, &str, &str); 4] = [
    ("nav-demo", "page-demo", "/demo"),
    ("nav-dashboard", "page-dashboard", "/dashboard"),
    ("nav-model", "page-model", "/model"),
    ("nav-predict", "page-predict", "/"),
];

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn shell_navigates_every_route_by_clicking() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for(&client, &testid("site-header")).await?;
        wait_for(&client, &testid("site-footer")).await?;
        wait_for(&client, &testid("page-predict")).await?;
        for (link, page, path) in ROUTES {
            wait_for(&client, &testid(link)).await?.click().await?;
            wait_for(&client, &testid(page)).await?;
            wait_for_path(&client, path).await?;
            let current_link = format!("{}[aria-current=\"page\"]", testid(link));
            wait_for(&client, &current_link).await?;
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn shell_opens_every_route_by_direct_url() {
    with_browser(&[], |client| async move {
        for (_, page, path) in ROUTES {
            client.goto(&app_url(path)).await?;
            wait_for(&client, &testid("site-header")).await?;
            wait_for(&client, &testid(page)).await?;
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn shell_shows_not_found_inside_the_shell_for_unknown_paths() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/no/such/page")).await?;
        wait_for(&client, &testid("page-not-found")).await?;
        wait_for(&client, &testid("site-header")).await?;
        wait_for(&client, &testid("nav-model"))
            .await?
            .click()
            .await?;
        wait_for(&client, &testid("page-model")).await?;
        wait_for_path(&client, "/model").await?;
        Ok(())
    })
    .await;
}
