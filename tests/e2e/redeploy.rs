//! A redeploy while people have the app: a visitor's service worker installed build A; the Space
//! is redeployed with build B whose data files differ; the visitor reloads, online, several
//! times, then offline once. Every online reload must show B working (its own model, no error),
//! the offline one A (its worker's whole build), and the "new version" bar must take the tab to
//! B's worker. Build A is B's dist/ with a different model bundle under
//! the plain name and another precache version, which is what an older build looks like to B's
//! page: before data files were fetched by content-addressed names, A's worker answered B's
//! request for `/assets/model.json` with A's file, and B refused it on every reload.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::harness::{free_port, testid, wait_for, wait_for_model, with_browser, OwnServer, WAIT};

/// Copies `from` into `to` (files and folders).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Build A: B's files, another model bundle under the plain name (its compressed copies
/// removed so nginx cannot serve B's), and another precache version, so A's worker is another
/// worker with another cache.
fn older_build(dist: &Path) -> PathBuf {
    let older = std::env::temp_dir().join(format!("reorder-e2e-build-a-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&older);
    copy_tree(dist, &older);
    let other_bundle = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model/none_missing.txt"),
    )
    .expect("a different file");
    std::fs::write(older.join("assets/model.json"), other_bundle).expect("write");
    for suffix in [".gz", ".br"] {
        let _ = std::fs::remove_file(older.join(format!("assets/model.json{suffix}")));
    }
    let worker = std::fs::read_to_string(older.join("sw.js")).expect("sw.js");
    let marker = "{\"version\":\"";
    assert!(
        worker.contains(marker),
        "the build's precache list is in sw.js"
    );
    std::fs::write(
        older.join("sw.js"),
        worker.replacen(marker, "{\"version\":\"a-", 1),
    )
    .expect("write sw.js");
    for suffix in [".gz", ".br"] {
        let _ = std::fs::remove_file(older.join(format!("sw.js{suffix}")));
    }
    older
}

async fn controlled(client: &fantoccini::Client) -> Result<bool, fantoccini::error::CmdError> {
    Ok(client
        .execute(
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
            vec![],
        )
        .await?
        == json!(true))
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_redeploy_with_a_new_model_works_on_every_reload_and_the_update_bar_moves_to_it() {
    let dist = PathBuf::from(std::env::var("E2E_DIST_DIR").expect("E2E_DIST_DIR"));
    let older = older_build(&dist);
    let port = free_port();
    let mut server = OwnServer::start(&older, port);
    let page = server.url("/");
    with_browser(&[], |client| async move {
        client.goto(&page).await?;
        wait_for_model(&client).await?;
        let deadline = std::time::Instant::now() + WAIT;
        while !controlled(&client).await? {
            assert!(
                std::time::Instant::now() < deadline,
                "build A's worker never took control"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // The redeploy: the same origin now serves build B.
        server.stop();
        let mut server_b = OwnServer::start(&dist, port);
        for reload in 1..=3 {
            client.refresh().await?;
            let status = wait_for_model(&client).await?;
            assert_eq!(
                status.attr("data-state").await?.as_deref(),
                Some("ready"),
                "reload {reload} after the redeploy"
            );
            wait_for(&client, &testid("probability")).await?;
        }
        // Offline now: A's worker still controls the tab and serves A's build, whole, which works.
        server_b.stop();
        client.refresh().await?;
        let status = wait_for_model(&client).await?;
        assert_eq!(
            status.attr("data-state").await?.as_deref(),
            Some("ready"),
            "offline reload"
        );
        wait_for(&client, &testid("probability")).await?;
        let _server_b = OwnServer::start(&dist, port);
        client.refresh().await?;
        wait_for_model(&client).await?;
        // B's worker is waiting: the bar offers it, and the tab reloads under it, still working.
        wait_for(&client, &testid("update-available"))
            .await?
            .find(fantoccini::Locator::Css("button"))
            .await?
            .click()
            .await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let status = wait_for_model(&client).await?;
        assert_eq!(status.attr("data-state").await?.as_deref(), Some("ready"));
        wait_for(&client, &testid("probability")).await?;
        Ok(())
    })
    .await;
    let _ = std::fs::remove_dir_all(older);
}
