//! Switching the interface to Turkish on the release build: the header, the page and the
//! document language change, and the choice survives a reload.

use crate::harness::{app_url, testid, wait_for, wait_for_model, wait_for_text, with_browser};

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn switching_to_turkish_translates_and_persists() {
    with_browser(&["--lang=en-US"], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        wait_for_text(&client, &testid("nav-predict"), "Predict").await?;
        wait_for(&client, &testid("lang-toggle"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, &testid("nav-predict"), "Tahmin").await?;
        wait_for_text(&client, &testid("nav-dashboard"), "Pano").await?;
        wait_for_text(&client, &testid("predict"), "Tahmin et").await?;
        wait_for(&client, "html[lang=\"tr\"]").await?;
        client.refresh().await?;
        wait_for_model(&client).await?;
        wait_for_text(&client, &testid("nav-predict"), "Tahmin").await?;
        wait_for(&client, &testid("lang-toggle"))
            .await?
            .click()
            .await?;
        wait_for_text(&client, &testid("nav-predict"), "Predict").await?;
        wait_for(&client, "html[lang=\"en\"]").await?;
        Ok(())
    })
    .await;
}
