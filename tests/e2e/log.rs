//! The prediction log seen from the pages, on the release build: every press and every demo
//! shopper lands in the log, survives a reload, is counted by the dashboard, exports as a valid
//! CSV with one row per prediction; and with storage blocked the app says so and still predicts.

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::harness::{
    app_url, capture_downloads, first_download_text, testid, wait_for, wait_for_attr,
    wait_for_model, with_browser, with_browser_prefs,
};

/// Presses Predict once and returns the logged decision (1/0).
async fn predict_once(client: &Client) -> Result<u32, fantoccini::error::CmdError> {
    wait_for(client, &testid("predict")).await?.click().await?;
    wait_for(
        client,
        &format!("{}[data-state=\"saved\"]", testid("log-status")),
    )
    .await?;
    let decision = wait_for(client, &testid("decision"))
        .await?
        .attr("data-value")
        .await?;
    Ok(if decision.as_deref() == Some("1") {
        1
    } else {
        0
    })
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn logged_predictions_survive_a_reload_and_the_dashboard_counts_them() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        let mut positives = predict_once(&client).await?;
        wait_for(&client, &testid("clear-all"))
            .await?
            .click()
            .await?;
        wait_for(&client, &testid("probability")).await?;
        positives += predict_once(&client).await?;
        let mut total = 2usize;

        wait_for(&client, &testid("nav-demo"))
            .await?
            .click()
            .await?;
        let select = wait_for(&client, &testid("demo-user")).await?;
        select.select_by_index(1).await?;
        wait_for(&client, &testid("demo-score"))
            .await?
            .click()
            .await?;
        wait_for(
            &client,
            &format!("{}[data-state=\"saved\"]", testid("demo-log-status")),
        )
        .await?;
        let ranking = wait_for(&client, &testid("demo-ranking")).await?;
        for row in ranking.find_all(Locator::Css(&testid("demo-row"))).await? {
            total += 1;
            let decision = row
                .find(Locator::Css(&testid("demo-decision")))
                .await?
                .attr("data-value")
                .await?;
            if decision.as_deref() == Some("1") {
                positives += 1;
            }
        }

        for round in ["before reload", "after reload"] {
            client.goto(&app_url("/dashboard")).await?;
            wait_for_attr(
                &client,
                &testid("total-predictions"),
                "data-value",
                &total.to_string(),
            )
            .await?;
            let rate = wait_for(&client, &testid("positive-rate"))
                .await?
                .attr("data-value")
                .await?;
            let rate: f64 = rate.and_then(|rate| rate.parse().ok()).unwrap_or(f64::NAN);
            let expected = positives as f64 / total as f64;
            assert!(
                (rate - expected).abs() < 1e-12,
                "{round}: positive rate {rate}, expected {positives}/{total}"
            );
            client.refresh().await?;
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn dashboard_exports_a_valid_csv_with_every_prediction() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        wait_for(&client, &testid("user-id"))
            .await?
            .send_keys("7")
            .await?;
        wait_for(&client, &testid("product-id"))
            .await?
            .send_keys("196")
            .await?;
        predict_once(&client).await?;
        predict_once(&client).await?;
        wait_for(&client, &testid("nav-dashboard"))
            .await?
            .click()
            .await?;
        wait_for_attr(&client, &testid("total-predictions"), "data-value", "2").await?;
        // Keep a copy of what the page hands to the browser's download.
        capture_downloads(&client).await?;
        wait_for(&client, &testid("export-csv"))
            .await?
            .click()
            .await?;
        let csv_text = first_download_text(&client).await?;
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let headers = reader
            .headers()
            .expect("the export has a header row")
            .clone();
        for column in ["probability", "source", "user_id", "product_id"] {
            assert!(
                headers.iter().any(|name| name == column),
                "the export has column {column}: {headers:?}"
            );
        }
        let rows: Vec<csv::StringRecord> = reader
            .records()
            .collect::<Result<_, _>>()
            .expect("every export row parses");
        assert_eq!(rows.len(), 2, "one CSV row per prediction");
        let user_column = headers
            .iter()
            .position(|name| name == "user_id")
            .expect("user_id column");
        let product_column = headers
            .iter()
            .position(|name| name == "product_id")
            .expect("product_id column");
        for row in &rows {
            assert_eq!(&row[user_column], "7");
            assert_eq!(&row[product_column], "196");
            assert_eq!(row.len(), headers.len(), "every row has every column");
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn with_storage_blocked_the_banner_shows_and_predicting_still_works() {
    let block_site_storage = json!({ "profile.default_content_setting_values.cookies": 2 });
    with_browser_prefs(&[], Some(block_site_storage), |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        wait_for(
            &client,
            &format!("{}[data-state=\"memory\"]", testid("storage-banner")),
        )
        .await?;
        predict_once(&client).await?;
        wait_for(&client, &testid("lang-toggle"))
            .await?
            .click()
            .await?;
        wait_for(&client, "html[lang=\"tr\"]").await?;
        wait_for(&client, &testid("nav-dashboard"))
            .await?
            .click()
            .await?;
        wait_for_attr(&client, &testid("total-predictions"), "data-value", "1").await?;
        Ok(())
    })
    .await;
}
