//! The Batch page scores in its Web Worker on the release build behind the production server
//! (CSP `worker-src 'self'`, the worker's files served as Trunk writes them), and when no worker
//! can start, or the one that starts speaks another protocol version (another build's), it scores
//! the same file on the main thread with the same result. The own-model page converts its
//! `model.txt` in the same worker, and on the main thread when none can be used, accepting and
//! refusing models with the same words either way; the history page reads an order history
//! there too, with the same shoppers or the same error either way.

use fantoccini::Client;
use sha2::Digest;

use crate::harness::{app_url, testid, wait_for, wait_for_model, with_browser};

/// A stand-in for `Worker` that says it is ready in protocol version 0, in a well-formed envelope
/// (so only the version check can refuse it), and ignores the rest.
const OLD_WORKER: &str = "window.Worker = class {     constructor() { setTimeout(() => this.onmessage && this.onmessage({ data: {         json: '{\"protocol_version\":0,\"message\":{\"type\":\"ready\"}}',         numbers: new Float64Array(0), bytes: new Uint8Array(0), ids: new BigUint64Array(0) } }), 10); }     postMessage() {} terminate() {} };";

/// Scores the labelled fixture on a fresh Batch page, opened (within the app) after running
/// `setup`, so the worker the page starts as it opens meets it; returns where it was scored.
async fn scored_in(client: &Client, setup: &str) -> Result<String, fantoccini::error::CmdError> {
    client.goto(&app_url("/")).await?;
    wait_for_model(client).await?;
    client.execute(setup, vec![]).await?;
    wait_for(client, &testid("nav-batch"))
        .await?
        .click()
        .await?;
    wait_for(client, &testid("page-batch")).await?;
    wait_for(client, &testid("batch-file"))
        .await?
        .send_keys(&labelled_fixture())
        .await?;
    let results = wait_for(client, &testid("batch-results")).await?;
    assert_eq!(results.attr("data-rows").await?.as_deref(), Some("300"));
    Ok(results.attr("data-scored-in").await?.unwrap_or_default())
}

/// Converts the model fixture `name` on a fresh own-model page after running `setup` there;
/// returns where it was converted and what the page then shows: the error, or the model's sha256.
async fn converted_in(
    client: &Client,
    setup: &str,
    name: &str,
) -> Result<(String, String), fantoccini::error::CmdError> {
    client.goto(&app_url("/own-model")).await?;
    wait_for_model(client).await?;
    client.execute(setup, vec![]).await?;
    let input = wait_for(client, &testid("own-model-file")).await?;
    input.clear().await?;
    let path = format!("{}/tests/fixtures/model/{name}", env!("CARGO_MANIFEST_DIR"));
    input.send_keys(&path).await?;
    wait_for(client, &testid("own-model-use"))
        .await?
        .click()
        .await?;
    let form = wait_for(
        client,
        "[data-testid=\"own-model-form\"][data-converted-in]:not([data-converted-in=\"\"])",
    )
    .await?;
    let place = form.attr("data-converted-in").await?.unwrap_or_default();
    let shown = if name.starts_with("reject_") {
        wait_for(client, &testid("own-model-error"))
            .await?
            .text()
            .await?
    } else {
        wait_for(client, &testid("own-model-sha256"))
            .await?
            .text()
            .await?
    };
    Ok((place, shown.trim().to_owned()))
}

/// Uploads the order-history file at `path` on a fresh history page after running `setup`
/// there; returns where it was read and what the page then shows: the error, or the number of
/// shoppers.
async fn parsed_in(
    client: &Client,
    setup: &str,
    path: &str,
) -> Result<(String, String), fantoccini::error::CmdError> {
    client.goto(&app_url("/history")).await?;
    let input = wait_for(client, &testid("history-file")).await?;
    client.execute(setup, vec![]).await?;
    input.send_keys(path).await?;
    let card = wait_for(
        client,
        "[data-testid=\"history-upload\"][data-parsed-in]:not([data-parsed-in=\"\"])",
    )
    .await?;
    let place = card.attr("data-parsed-in").await?.unwrap_or_default();
    let shown = if path.ends_with("binary.csv") {
        wait_for(client, &testid("history-error"))
            .await?
            .text()
            .await?
    } else {
        let shoppers = wait_for(client, &testid("history-shoppers")).await?;
        shoppers.attr("data-count").await?.unwrap_or_default()
    };
    Ok((place, shown.trim().to_owned()))
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

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn the_page_keeps_a_worker_ready_for_each_next_file() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        let page = |state: &str| format!("[data-testid=\"page-batch\"][data-scorer=\"{state}\"]");
        for _ in 0..2 {
            wait_for(&client, &page("ready")).await?;
            wait_for(&client, &testid("batch-file"))
                .await?
                .send_keys(&labelled_fixture())
                .await?;
            // The run has the worker; once it is over, the next file's worker is started.
            wait_for(&client, &page("ready")).await?;
            let results = wait_for(&client, &testid("batch-results")).await?;
            assert_eq!(results.attr("data-rows").await?.as_deref(), Some("300"));
            assert_eq!(
                results.attr("data-scored-in").await?.as_deref(),
                Some("worker")
            );
        }
        // A browser without workers: the page says so before a file is chosen.
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        client
            .execute(
                "window.Worker = function () { throw new Error('no workers here'); };",
                vec![],
            )
            .await?;
        wait_for(&client, &testid("nav-batch"))
            .await?
            .click()
            .await?;
        wait_for(&client, &page("unavailable")).await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn the_worker_converts_an_own_model_and_the_page_takes_over_when_it_cannot() {
    let model_txt = std::fs::read(format!(
        "{}/tests/fixtures/model/none_missing.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("model fixture");
    let sha: String = sha2::Sha256::digest(&model_txt)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    with_browser(&[], |client| async move {
        let (place, refusal) = converted_in(&client, "", "reject_zero_count.txt").await?;
        assert_eq!(place, "worker");
        assert!(refusal.contains("has a `leaf_count` of 0"), "{refusal}");
        assert_eq!(
            converted_in(&client, "", "none_missing.txt").await?,
            ("worker".to_owned(), sha.clone())
        );
        let no_workers = "window.Worker = function () { throw new Error('no workers here'); };";
        for setup in [no_workers, OLD_WORKER] {
            assert_eq!(
                converted_in(&client, setup, "reject_zero_count.txt").await?,
                ("page".to_owned(), refusal.clone())
            );
            assert_eq!(
                converted_in(&client, setup, "none_missing.txt").await?,
                ("page".to_owned(), sha.clone())
            );
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn the_worker_reads_an_order_history_and_the_page_takes_over_when_it_cannot() {
    let root = env!("CARGO_MANIFEST_DIR");
    let binary = std::env::temp_dir().join(format!("{}-orders_binary.csv", std::process::id()));
    std::fs::write(&binary, b"order_id,user_id\n\xff\xff\n").expect("write a fixture");
    let files = [
        format!("{root}/tests/e2e/fixtures/uploads/order_lines_sample.csv"),
        format!("{root}/tests/fixtures/order_exports/orders.json"),
        binary.display().to_string(),
    ];
    with_browser(&[], |client| async move {
        let mut in_worker = Vec::new();
        for path in &files {
            let (place, shown) = parsed_in(&client, "", path).await?;
            assert_eq!(place, "worker", "{path}");
            in_worker.push(shown);
        }
        assert_eq!(in_worker[1], "1", "an export is one person");
        assert!(
            in_worker[2].contains("orders_binary.csv"),
            "{}",
            in_worker[2]
        );
        let no_workers = "window.Worker = function () { throw new Error('no workers here'); };";
        for setup in [no_workers, OLD_WORKER] {
            for (path, shown) in files.iter().zip(&in_worker) {
                assert_eq!(
                    parsed_in(&client, setup, path).await?,
                    ("page".to_owned(), shown.clone()),
                    "{path}"
                );
            }
        }
        Ok(())
    })
    .await;
}

/// A stand-in for `Worker` that starts as this build's worker does (ready, in this protocol
/// version), then dies at the first message it is sent, as a worker out of memory or at a wasm
/// trap does (an `error` event on the `Worker`).
fn dying_worker() -> String {
    let version = instacart_reorder::worker_protocol::PROTOCOL_VERSION;
    format!(
        "window.Worker = class {{ constructor() {{ setTimeout(() => this.onmessage && this.onmessage({{ data: {{ \
         json: '{{\"protocol_version\":{version},\"message\":{{\"type\":\"ready\"}}}}', numbers: new Float64Array(0), \
         bytes: new Uint8Array(0), ids: new BigUint64Array(0) }} }}), 10); }} \
         postMessage() {{ setTimeout(() => this.onerror && this.onerror(new ErrorEvent('error', \
         {{ message: 'RuntimeError: unreachable' }})), 10); }} terminate() {{}} }};"
    )
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_worker_that_dies_mid_job_is_the_jobs_failure_and_never_redone_on_the_page() {
    let root = env!("CARGO_MANIFEST_DIR");
    with_browser(&[], |client| async move {
        let dying = dying_worker();

        // The own model's conversion.
        client.goto(&app_url("/own-model")).await?;
        wait_for_model(&client).await?;
        client.execute(&dying, vec![]).await?;
        wait_for(&client, &testid("own-model-file"))
            .await?
            .send_keys(&format!("{root}/tests/fixtures/model/none_missing.txt"))
            .await?;
        wait_for(&client, &testid("own-model-use"))
            .await?
            .click()
            .await?;
        let form = wait_for(
            &client,
            "[data-testid=\"own-model-form\"][data-converted-in]:not([data-converted-in=\"\"])",
        )
        .await?;
        assert_eq!(
            form.attr("data-converted-in").await?.as_deref(),
            Some("worker")
        );
        let said = wait_for(&client, &testid("own-model-error"))
            .await?
            .text()
            .await?;
        assert!(
            said.contains("converting the model stopped") && said.contains("unreachable"),
            "{said}"
        );
        let status = wait_for(&client, &testid("own-model-status")).await?;
        assert_eq!(
            status.attr("data-state").await?.as_deref(),
            Some("none"),
            "not converted on the page"
        );

        // The order history's reading.
        client.goto(&app_url("/history")).await?;
        let input = wait_for(&client, &testid("history-file")).await?;
        client.execute(&dying, vec![]).await?;
        input
            .send_keys(&format!(
                "{root}/tests/e2e/fixtures/uploads/order_lines_sample.csv"
            ))
            .await?;
        let card = wait_for(
            &client,
            "[data-testid=\"history-upload\"][data-parsed-in]:not([data-parsed-in=\"\"])",
        )
        .await?;
        assert_eq!(
            card.attr("data-parsed-in").await?.as_deref(),
            Some("worker")
        );
        let said = wait_for(&client, &testid("history-error"))
            .await?
            .text()
            .await?;
        assert!(
            said.contains("reading the order history stopped") && said.contains("unreachable"),
            "{said}"
        );

        // A batch run.
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        client.execute(&dying, vec![]).await?;
        wait_for(&client, &testid("nav-batch"))
            .await?
            .click()
            .await?;
        wait_for(
            &client,
            "[data-testid=\"page-batch\"][data-scorer=\"ready\"]",
        )
        .await?;
        wait_for(&client, &testid("batch-file"))
            .await?
            .send_keys(&labelled_fixture())
            .await?;
        let said = wait_for(&client, &testid("batch-failed"))
            .await?
            .text()
            .await?;
        assert!(said.contains("unreachable"), "{said}");
        Ok(())
    })
    .await;
}
