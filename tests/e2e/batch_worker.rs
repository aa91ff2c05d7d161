//! The Batch page scores in its Web Worker on the release build behind the production server
//! (CSP `worker-src 'self'`, the worker's files served as Trunk writes them), and when no worker
//! can start, or the one that starts speaks another protocol version (another build's), it scores
//! the same file on the main thread with the same result.

use fantoccini::Client;

use crate::harness::{app_url, testid, wait_for, wait_for_model, with_browser};

/// A stand-in for `Worker` that says it is ready in protocol version 0 and ignores the rest.
const OLD_WORKER: &str = "window.Worker = class {     constructor() { setTimeout(() => this.onmessage && this.onmessage({ data: {         json: '{\"type\":\"ready\",\"protocol_version\":0}',         numbers: new Float64Array(0), bytes: new Uint8Array(0) } }), 10); }     postMessage() {} terminate() {} };";

/// Scores the labelled fixture on a fresh Batch page after running `setup` there; returns
/// where it was scored.
async fn scored_in(client: &Client, setup: &str) -> Result<String, fantoccini::error::CmdError> {
    client.goto(&app_url("/batch")).await?;
    wait_for_model(client).await?;
    client.execute(setup, vec![]).await?;
    wait_for(client, &testid("batch-file"))
        .await?
        .send_keys(&labelled_fixture())
        .await?;
    let results = wait_for(client, &testid("batch-results")).await?;
    assert_eq!(results.attr("data-rows").await?.as_deref(), Some("300"));
    Ok(results.attr("data-scored-in").await?.unwrap_or_default())
}

fn labelled_fixture() -> String {
    format!(
        "{}/tests/e2e/fixtures/uploads/batch_labelled.csv",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn the_worker_scores_the_file_and_the_page_takes_over_when_it_cannot() {
    with_browser(&[], |client| async move {
        assert_eq!(scored_in(&client, "").await?, "worker");
        let no_workers = "window.Worker = function () { throw new Error('no workers here'); };";
        assert_eq!(scored_in(&client, no_workers).await?, "page");
        assert_eq!(scored_in(&client, OLD_WORKER).await?, "page");
        Ok(())
    })
    .await;
}
