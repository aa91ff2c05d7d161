//! Start-up on the release build when the model cannot be downloaded: the status turns to
//! `error` with a retry button, and once the network is back a retry loads the model. The
//! download is blocked through chromedriver's DevTools passthrough (`Network.setBlockedURLs`).

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
