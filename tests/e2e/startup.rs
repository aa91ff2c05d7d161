//! Start-up on the release build: index.html's loading layer is the page's first largest paint
//! (the app mounts only after it) and leaves when the app mounts, under the app's own stylesheet, and says so when the app's code
//! cannot be downloaded; when the model cannot be downloaded the status turns to `error` with a
//! retry button, and once the network is back a retry loads the model. Downloads are blocked
//! through chromedriver's DevTools passthrough (`Network.setBlockedURLs`).

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use serde_json::{json, Value};

use crate::harness::{app_url, testid, wait_for, wait_for_model, with_browser};

/// One Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct DevToolsCommand {
    method: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevToolsCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.method, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn block_urls(client: &Client, patterns: &[&str]) -> Result<(), fantoccini::error::CmdError> {
    client
        .issue_cmd(DevToolsCommand {
            method: "Network.enable",
            params: json!({}),
        })
        .await?;
    client
        .issue_cmd(DevToolsCommand {
            method: "Network.setBlockedURLs",
            params: json!({ "urls": patterns }),
        })
        .await?;
    Ok(())
}

/// Installed before any script of the page runs: every largest-contentful-paint entry with the
/// id its element had when it was painted (kept by the entry after the element has left).
const LARGEST_PAINTS: &str = "window.__largestPaints = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.__largestPaints.push({ at: entry.startTime, size: entry.size, id: entry.id });
  }
}).observe({ type: 'largest-contentful-paint', buffered: true });";

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn the_loading_layer_is_painted_first_and_leaves_when_the_app_mounts() {
    // Lighthouse's phone viewport. Whether the layer stays the largest paint there depends on how
    // fast the app mounts (a fast machine mounts it before the browser reports a paint), so that
    // is measured by bench/scripts/lighthouse.sh; what holds on any machine is the order: the
    // first paint is the layer's, before the app's code could have run.
    with_browser(&["--window-size=412,823"], |client| async move {
        client
            .issue_cmd(DevToolsCommand {
                method: "Page.addScriptToEvaluateOnNewDocument",
                params: json!({ "source": LARGEST_PAINTS }),
            })
            .await?;
        for path in ["/", "/dashboard", "/demo"] {
            client.goto(&app_url(path)).await?;
            wait_for_model(&client).await?;
            wait_for(&client, &testid("site-header")).await?;
            let boot_left = client
                .execute("return document.getElementById('boot') === null;", vec![])
                .await?;
            assert_eq!(boot_left, json!(true), "{path}: #boot left when the app mounted");
            // The app's stylesheet, added by the loader after the first paint, applies.
            let header_background = client
                .execute(
                    "return getComputedStyle(document.querySelector('.site-header')).backgroundColor;",
                    vec![],
                )
                .await?;
            assert_eq!(header_background, json!("rgb(10, 107, 61)"), "{path}");
            let paints = client
                .execute("return window.__largestPaints;", vec![])
                .await?;
            let paints = paints.as_array().expect("a list of paints");
            let first = paints
                .first()
                .unwrap_or_else(|| panic!("{path}: no largest paint reported"));
            let id = first["id"].as_str().unwrap_or_default();
            assert!(
                id.starts_with("boot-"),
                "{path}: the first largest paint is not the loading layer's: {paints:?}"
            );
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn app_code_that_cannot_be_downloaded_is_said_on_the_loading_layer() {
    with_browser(&[], |client| async move {
        // A first visit makes the page and its origin known, so the block applies to the load.
        client.goto(&app_url("/model")).await?;
        wait_for(&client, &testid("site-header")).await?;
        block_urls(&client, &["*/instacart-reorder-*.js"]).await?;
        client.goto(&app_url("/")).await?;
        let said = wait_for(&client, &testid("boot-error"))
            .await?
            .text()
            .await?;
        assert!(
            said.contains("could not start") && said.contains("Reload"),
            "the loading layer explains: {said}"
        );
        let header = client
            .find_all(fantoccini::Locator::Css(".site-header"))
            .await?;
        assert!(header.is_empty(), "the app did not mount");
        block_urls(&client, &[]).await?;
        client.refresh().await?;
        wait_for_model(&client).await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn failed_model_download_shows_the_error_screen_and_retry_recovers() {
    with_browser(&[], |client| async move {
        // A first visit makes the page and its origin known, so the block applies to the load.
        client.goto(&app_url("/model")).await?;
        wait_for(&client, &testid("site-header")).await?;
        // The bundle is fetched by its content-addressed name (`/assets/model-<hash>.json`).
        let bundle = instacart_reorder::asset_urls::MODEL_URL;
        block_urls(&client, &[&format!("*{bundle}")]).await?;
        client.goto(&app_url("/model")).await?;
        wait_for(
            &client,
            &format!("{}[data-state=\"error\"]", testid("model-status")),
        )
        .await?;
        let details = wait_for(&client, &testid("model-error"))
            .await?
            .text()
            .await?;
        assert!(
            details.contains(bundle),
            "the error names the file: {details}"
        );
        block_urls(&client, &[]).await?;
        wait_for(&client, &testid("model-retry"))
            .await?
            .click()
            .await?;
        wait_for_model(&client).await?;
        wait_for(&client, &testid("model-trees")).await?;
        Ok(())
    })
    .await;
}
