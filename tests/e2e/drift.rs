//! The dashboard's drift panel, as a person uses it: a Batch run of training rows (the values
//! not kept) shows no feature drifted against the training reference the app fetches; after
//! clearing the log, the same rows with three features shifted show exactly those three
//! drifted, with the banner off (3 of 41 is not half); a distance threshold set high clears
//! them and is still set after a reload.

use std::io::Read;

use fantoccini::Client;
use serde_json::Value;

use crate::harness::{
    app_url, attr_now, click, testid, wait_for, wait_for_attr, wait_for_model, with_browser,
};

/// The shifted features and how, as tests/it/drift_log.rs shifts them.
const SHIFTED: [&str; 3] = [
    "days_since_prior_order",
    "order_hour_of_day",
    "user_total_orders",
];

fn training_sample() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/drift/training_sample.csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("training sample"))
        .read_to_string(&mut text)
        .expect("gzip");
    text
}

fn shifted(csv: &str) -> String {
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    let names: Vec<&str> = header.split(',').collect();
    let mut out = format!("{header}\n");
    for line in lines {
        let cells: Vec<String> = line
            .split(',')
            .zip(&names)
            .map(|(cell, name)| match (*name, cell.parse::<f64>()) {
                ("days_since_prior_order", Ok(v)) => (v + 10.0).to_string(),
                ("order_hour_of_day", Ok(v)) => ((v + 9.0) % 24.0).to_string(),
                ("user_total_orders", Ok(v)) => (v * 3.0).to_string(),
                _ => cell.to_owned(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Scores `csv` on the Batch page (the bundled model; values not kept, the page's default)
/// and waits until the dashboard counts its rows.
async fn log_batch(
    client: &Client,
    csv: &str,
    name: &str,
    rows: usize,
) -> Result<(), fantoccini::error::CmdError> {
    let file = std::env::temp_dir().join(format!("drift-{name}-{}.csv", std::process::id()));
    std::fs::write(&file, csv).expect("batch file");
    client.goto(&app_url("/batch")).await?;
    wait_for_model(client).await?;
    wait_for(client, &testid("batch-file"))
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    wait_for_attr(
        client,
        &testid("batch-results"),
        "data-rows",
        &rows.to_string(),
    )
    .await?;
    client.goto(&app_url("/dashboard")).await?;
    wait_for_attr(
        client,
        &testid("total-predictions"),
        "data-value",
        &rows.to_string(),
    )
    .await?;
    let _ = std::fs::remove_file(&file);
    Ok(())
}

/// Every drift row's feature, method and verdict, read in one step once the panel is ready.
async fn drift_rows(
    client: &Client,
) -> Result<Vec<(String, String, String)>, fantoccini::error::CmdError> {
    wait_for_attr(client, &testid("drift-panel"), "data-state", "ready").await?;
    let rows = client
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0])).map(row => \
               [row.dataset.feature, row.dataset.method, row.dataset.drifted]);",
            vec![Value::String(testid("drift-row"))],
        )
        .await?;
    Ok(rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let cell = |i: usize| row[i].as_str().unwrap_or_default().to_owned();
            (cell(0), cell(1), cell(2))
        })
        .collect())
}

fn drifted(rows: &[(String, String, String)]) -> Vec<String> {
    let mut names: Vec<String> = rows
        .iter()
        .filter(|(_, _, drifted)| drifted == "true")
        .map(|(feature, _, _)| feature.clone())
        .collect();
    names.sort();
    names
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn the_drift_panel_finds_no_drift_in_training_rows_and_exactly_the_shifted_features() {
    with_browser(&[], |client| async move {
        let sample = training_sample();
        log_batch(&client, &sample, "calm", 3014).await?;
        let rows = drift_rows(&client).await?;
        assert_eq!(rows.len(), 41, "one row per feature");
        assert_eq!(drifted(&rows), Vec::<String>::new());
        wait_for_attr(
            &client,
            &testid("drift-summary"),
            "data-dataset-drift",
            "false",
        )
        .await?;
        wait_for_attr(&client, &testid("drift-coverage"), "data-compared", "3014").await?;
        wait_for_attr(
            &client,
            &testid("prediction-drift"),
            "data-drifted",
            "false",
        )
        .await?;
        assert_eq!(
            attr_now(&client, &testid("drift-banner"), "class").await?,
            None
        );

        click(&client, &testid("clear-log")).await?;
        click(&client, &testid("confirm-clear")).await?;
        wait_for_attr(&client, &testid("total-predictions"), "data-value", "0").await?;

        log_batch(&client, &shifted(&sample), "shifted", 3014).await?;
        let rows = drift_rows(&client).await?;
        let mut expected: Vec<String> = SHIFTED.iter().map(|name| name.to_string()).collect();
        expected.sort();
        assert_eq!(drifted(&rows), expected);
        for (feature, method, _) in &rows {
            if SHIFTED.contains(&feature.as_str()) {
                assert_eq!(
                    method, "wasserstein",
                    "{feature}: more than 1,000 reference rows"
                );
            }
        }
        // Most drifted first.
        let first: Vec<&str> = rows[..3]
            .iter()
            .map(|(feature, _, _)| feature.as_str())
            .collect();
        for feature in SHIFTED {
            assert!(first.contains(&feature), "{feature} in {first:?}");
        }
        let share: f64 = attr_now(&client, &testid("drift-summary"), "data-share")
            .await?
            .unwrap_or_default()
            .parse()
            .expect("share");
        assert!((share - 3.0 / 41.0).abs() < 1e-12, "{share}");
        wait_for_attr(
            &client,
            &testid("drift-summary"),
            "data-dataset-drift",
            "false",
        )
        .await?;

        // A threshold above every score: nothing drifts, and the setting survives a reload.
        client
            .execute(
                "const input = document.querySelector(arguments[0]); input.value = '100'; \
                 input.dispatchEvent(new Event('change', { bubbles: true })); return true;",
                vec![Value::String(testid("drift-threshold-distance"))],
            )
            .await?;
        wait_for_attr(
            &client,
            "[data-testid=\"drift-row\"][data-feature=\"days_since_prior_order\"]",
            "data-drifted",
            "false",
        )
        .await?;
        client.refresh().await?;
        let rows = drift_rows(&client).await?;
        assert_eq!(drifted(&rows), Vec::<String>::new());
        let kept = client
            .execute(
                "return document.querySelector(arguments[0]).value;",
                vec![Value::String(testid("drift-threshold-distance"))],
            )
            .await?;
        assert_eq!(kept.as_str(), Some("100"));
        Ok(())
    })
    .await;
}
