//! Shipping: the app embedded in a cross-site iframe and driven through its postMessage API,
//! the storage-blocked fallback inside that iframe, and offline use through the service worker
//! after the server is stopped. All through the production nginx config and its CSP.

use std::time::Duration;

use fantoccini::error::CmdError;
use fantoccini::Client;
use serde_json::{json, Value};

use crate::harness::{
    base_origin, base_url, free_port, testid, wait_for, wait_for_model, with_browser, OwnServer,
    WAIT,
};

/// The parent page on another origin (`E2E_PARENT_URL`, e.g. http://localhost:8082).
fn parent_url() -> String {
    let url = std::env::var("E2E_PARENT_URL").unwrap_or_default();
    assert!(
        !url.is_empty(),
        "E2E_PARENT_URL is not set: run scripts/dev.sh test"
    );
    url.trim_end_matches('/').to_owned()
}

/// The first row of LightGBM's reference file as `{feature: number | null}` and its probability.
fn reference_request() -> (serde_json::Map<String, Value>, f64) {
    let path = format!("{}/models/reference.csv", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(&path).expect("read models/reference.csv");
    let headers = reader.headers().expect("header").clone();
    let record = reader
        .records()
        .next()
        .expect("a reference row")
        .expect("row");
    let mut features = serde_json::Map::new();
    let mut probability = None;
    for (name, cell) in headers.iter().zip(record.iter()) {
        if name == "probability" {
            probability = Some(cell.parse::<f64>().expect("LightGBM's probability"));
        } else if cell.is_empty() {
            features.insert(name.to_owned(), Value::Null);
        } else {
            let value: f64 = cell.parse().expect("a number");
            features.insert(name.to_owned(), json!(value));
        }
    }
    (features, probability.expect("a probability column"))
}

/// Messages the parent has received so far.
async fn received(client: &Client) -> Result<Vec<Value>, CmdError> {
    let value = client
        .execute("return window.received || [];", vec![])
        .await?;
    Ok(value.as_array().cloned().unwrap_or_default())
}

/// Waits for the first received message matching `wanted`, returns its data.
async fn wait_for_message(
    client: &Client,
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Result<Value, CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(found) = received(client)
            .await?
            .into_iter()
            .find(|m| wanted(&m["data"]))
        {
            return Ok(found);
        }
        if std::time::Instant::now() > deadline {
            panic!(
                "the parent never received {what}; got {:?}",
                received(client).await?
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn ask(client: &Client, message: Value) -> Result<(), CmdError> {
    client
        .execute("window.ask(arguments[0]);", vec![message])
        .await?;
    Ok(())
}

fn of_id(id: &'static str) -> impl Fn(&Value) -> bool {
    move |data: &Value| data["id"] == json!(id)
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn embedded_app_answers_the_parent_exactly_and_logs_with_source_embed() {
    let (features, lightgbm_probability) = reference_request();
    with_browser(&[], |client| async move {
        let app = base_url();
        client
            .goto(&format!("{}/embed-parent.html?app={app}", parent_url()))
            .await?;
        let ready =
            wait_for_message(&client, "reorder:ready", |d| d["type"] == "reorder:ready").await?;
        assert_eq!(
            ready["origin"],
            json!(base_origin()),
            "the announcement comes from the app's origin"
        );
        let names = ready["data"]["features"]
            .as_array()
            .expect("feature names")
            .clone();
        assert_eq!(
            names.len(),
            features.len(),
            "the parent learns every feature name"
        );

        ask(
            &client,
            json!({"type": "reorder:predict", "id": "row-0", "features": features}),
        )
        .await?;
        let reply = wait_for_message(&client, "the prediction", of_id("row-0")).await?;
        let data = &reply["data"];
        assert_eq!(data["type"], json!("reorder:prediction"), "{data}");
        let probability = data["probability"].as_f64().expect("a probability");
        assert_eq!(
            probability.to_bits(),
            lightgbm_probability.to_bits(),
            "embedded prediction {probability} vs LightGBM {lightgbm_probability}"
        );
        let threshold = data["threshold"].as_f64().expect("threshold");
        assert_eq!(data["is_reorder"], json!(probability >= threshold));
        assert_eq!(data["model_sha256"].as_str().map(str::len), Some(64));

        let mut incomplete = features.clone();
        let dropped = incomplete.keys().next().cloned().expect("a feature");
        incomplete.remove(&dropped);
        ask(
            &client,
            json!({"type": "reorder:predict", "id": "bad", "features": incomplete}),
        )
        .await?;
        let error = wait_for_message(&client, "the refusal", of_id("bad")).await?;
        assert_eq!(error["data"]["type"], json!("reorder:error"));
        let message = error["data"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.contains(&dropped),
            "the error names {dropped}: {message}"
        );

        ask(&client, json!({"type": "reorder:history", "id": "log"})).await?;
        let refused = wait_for_message(&client, "the log refusal", of_id("log")).await?;
        assert_eq!(
            refused["data"]["type"],
            json!("reorder:error"),
            "the log is not readable"
        );

        // The app's own dashboard, in the same (partitioned) storage, shows the embed record.
        client.execute("window.openDashboard();", vec![]).await?;
        client.clone().enter_frame(1).await?;
        wait_for(
            &client,
            &format!("{}[data-value=\"1\"]", testid("total-predictions")),
        )
        .await?;
        let recent = wait_for(&client, &testid("recent-predictions")).await?;
        let text = recent.text().await?.to_lowercase();
        assert!(
            text.contains("embed"),
            "the record's source is embed: {text}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn embedded_app_ignores_parents_outside_its_allow_list() {
    with_browser(&[], |client| async move {
        let app = base_url();
        client
            .goto(&format!(
                "{}/embed-parent.html?app={app}&extra=%26parent_origins%3Dhttps://allowed.example",
                parent_url()
            ))
            .await?;
        client.clone().enter_frame(0).await?;
        wait_for_model(&client).await?;
        client.clone().enter_parent_frame().await?;
        ask(
            &client,
            json!({"type": "reorder:predict", "id": "x", "features": {}}),
        )
        .await?;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let messages = received(&client).await?;
        assert!(
            messages.is_empty(),
            "a parent outside the allow-list gets nothing: {messages:?}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn embedded_app_with_blocked_storage_shows_the_banner_and_still_predicts() {
    let (features, lightgbm_probability) = reference_request();
    with_blocked_third_party_storage(|client| async move {
        let app = base_url();
        client
            .goto(&format!("{}/embed-parent.html?app={app}", parent_url()))
            .await?;
        wait_for_message(&client, "reorder:ready", |d| d["type"] == "reorder:ready").await?;
        ask(
            &client,
            json!({"type": "reorder:predict", "id": "r", "features": features}),
        )
        .await?;
        let reply = wait_for_message(&client, "the prediction", of_id("r")).await?;
        let probability = reply["data"]["probability"]
            .as_f64()
            .expect("a probability");
        assert_eq!(probability.to_bits(), lightgbm_probability.to_bits());
        client.clone().enter_frame(0).await?;
        wait_for(
            &client,
            &format!("{}[data-state=\"memory\"]", testid("storage-banner")),
        )
        .await?;
        Ok(())
    })
    .await;
}

/// A fresh browser whose profile blocks site storage (cookies, IndexedDB, localStorage), as a
/// browser or user that refuses storage to embedded sites does. (Blocking only third-party
/// cookies no longer blocks an iframe's storage in Chromium: it is partitioned instead.)
async fn with_blocked_third_party_storage<F, Fut>(body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Result<(), CmdError>>,
{
    let prefs = json!({"profile.default_content_setting_values.cookies": 2});
    crate::harness::with_browser_prefs(&[], Some(prefs), body).await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn app_loads_predicts_and_logs_offline_after_the_server_stops() {
    let dist = std::env::var("E2E_DIST_DIR").expect("E2E_DIST_DIR");
    let mut server = OwnServer::start(std::path::Path::new(&dist), free_port());
    let page = server.url("/");
    with_browser(&[], |client| async move {
        client.goto(&page).await?;
        wait_for_model(&client).await?;
        // Wait until the service worker has installed this build and controls the page.
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let controlled = client
                .execute(
                    "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
                    vec![],
                )
                .await?;
            if controlled == json!(true) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no service worker took control"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server.stop();
        client.refresh().await?;
        wait_for_model(&client).await?;
        wait_for(&client, &testid("predict")).await?.click().await?;
        wait_for(
            &client,
            &format!("{}[data-state=\"saved\"]", testid("log-status")),
        )
        .await?;
        client.goto(&format!("{page}dashboard")).await?;
        wait_for(
            &client,
            &format!("{}[data-value=\"1\"]", testid("total-predictions")),
        )
        .await?;
        Ok(())
    })
    .await;
}
