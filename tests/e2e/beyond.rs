//! Beyond the seed, in the browser: a labelled file of real rows scored on the Batch page (bad
//! rows listed, good rows scored bit-exactly as LightGBM, threshold metrics), and a LightGBM
//! model of one's own converted and used in the browser.

use std::path::PathBuf;

use fantoccini::Client;
use serde_json::Value;

use crate::harness::{app_url, testid, wait_for, wait_for_model, with_browser, WAIT};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// The fixture's good rows: LightGBM's probability and the real label.
fn fixture_rows() -> Vec<(f64, bool)> {
    let path = fixture("tests/e2e/fixtures/beyond/batch_labelled.csv");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .expect("the batch fixture exists");
    let headers = reader.headers().expect("header").clone();
    let probability = headers.iter().position(|h| h == "lightgbm_probability").expect("column");
    let label = headers.iter().position(|h| h == "reordered").expect("column");
    let first = headers.iter().position(|h| h == "user_total_orders").expect("column");
    reader
        .records()
        .map(|record| record.expect("the fixture is CSV"))
        // The bad rows, worked out by hand: a short row, a label of 2, a word for a number.
        .filter(|record| record.len() == headers.len())
        .filter(|record| &record[label] == "0" || &record[label] == "1")
        .filter(|record| record[first].parse::<f64>().is_ok())
        .map(|record| {
            (
                record[probability].parse::<f64>().expect("a probability"),
                &record[label] == "1",
            )
        })
        .collect()
}

fn model_threshold() -> f64 {
    std::fs::read_to_string(fixture("models/best_threshold.txt"))
        .expect("threshold file")
        .trim()
        .parse()
        .expect("a number")
}

/// (TP, FP, FN, TN) with `probability >= threshold` predicted positive, counted here.
fn counts(rows: &[(f64, bool)], threshold: f64) -> [usize; 4] {
    let mut counts = [0; 4];
    for &(probability, label) in rows {
        let predicted = probability >= threshold;
        let slot = match (predicted, label) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => 3,
        };
        counts[slot] += 1;
    }
    counts
}

async fn attr(client: &Client, css: &str, name: &str) -> Result<String, fantoccini::error::CmdError> {
    Ok(wait_for(client, css).await?.attr(name).await?.unwrap_or_default())
}

async fn shown_counts(client: &Client) -> Result<[usize; 4], fantoccini::error::CmdError> {
    let mut shown = [0; 4];
    for (slot, id) in ["batch-tp", "batch-fp", "batch-fn", "batch-tn"].iter().enumerate() {
        let text = wait_for(client, &testid(id)).await?.text().await?;
        shown[slot] = text.trim().parse().expect("a count");
    }
    Ok(shown)
}

async fn wait_for_counts(client: &Client, expected: [usize; 4]) -> Result<(), fantoccini::error::CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = shown_counts(client).await?;
        if shown == expected {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            panic!("the confusion matrix shows {shown:?}, expected {expected:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_labelled_file_is_scored_with_bad_rows_listed_and_metrics_shown() {
    let rows = fixture_rows();
    assert_eq!(rows.len(), 300, "the fixture has 300 good rows");
    let threshold = model_threshold();
    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        client
            .execute(
                "window.exportedBlobs = []; const create = URL.createObjectURL; \
                 URL.createObjectURL = function (blob) { window.exportedBlobs.push(blob); return create.call(URL, blob); }; \
                 return true;",
                vec![],
            )
            .await?;
        let path = fixture("tests/e2e/fixtures/beyond/batch_labelled.csv");
        wait_for(&client, &testid("batch-file"))
            .await?
            .send_keys(&path.display().to_string())
            .await?;
        let results = wait_for(&client, &testid("batch-results")).await?;
        assert_eq!(results.attr("data-rows").await?.as_deref(), Some("300"));
        assert_eq!(attr(&client, &testid("batch-errors"), "data-count").await?, "3");
        let mut lines = Vec::new();
        for error in client.find_all(fantoccini::Locator::Css(&testid("batch-error"))).await? {
            lines.push(error.attr("data-line").await?.unwrap_or_default());
        }
        assert_eq!(lines, vec!["13", "54", "125"], "bad rows are listed by line");

        // Good rows are scored exactly as LightGBM did: the preview and the whole download.
        let preview = client.find_all(fantoccini::Locator::Css(&testid("batch-probability"))).await?;
        assert_eq!(preview.len(), 20);
        for (cell, (expected, _)) in preview.iter().zip(&rows) {
            let shown: f64 = cell.attr("data-value").await?.unwrap_or_default().parse().expect("f64");
            assert_eq!(shown, *expected);
        }
        wait_for(&client, &testid("batch-download")).await?.click().await?;
        let text = client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const poll = () => window.exportedBlobs.length ? window.exportedBlobs[0].text().then(done) : setTimeout(poll, 50); \
                 poll();",
                vec![],
            )
            .await?;
        let Value::String(csv_text) = text else { panic!("the download is text, got {text}") };
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let headers = reader.headers().expect("a header row").clone();
        let names: Vec<&str> = headers.iter().collect();
        assert_eq!(names, vec!["user_id", "product_id", "lightgbm_probability", "reordered", "probability", "is_reorder"]);
        let downloaded: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows parse");
        assert_eq!(downloaded.len(), 300);
        for record in &downloaded {
            let lightgbm: f64 = record[2].parse().expect("f64");
            let ours: f64 = record[4].parse().expect("f64");
            assert_eq!(ours, lightgbm, "row {:?}", record);
            assert_eq!(&record[5], if ours >= threshold { "1" } else { "0" });
        }

        // Metrics at the model's threshold, then at a threshold tried for the view only.
        assert_eq!(attr(&client, &testid("batch-f1-model-threshold"), "data-value").await?, threshold.to_string());
        wait_for(&client, &testid("batch-pr-curve")).await?;
        wait_for_counts(&client, counts(&rows, threshold)).await?;
        let [tp, fp, fn_, _] = counts(&rows, threshold);
        let f1: f64 = attr(&client, &testid("batch-f1"), "data-value").await?.parse().expect("f64");
        assert_eq!(f1, 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64);
        let input = wait_for(&client, &testid("batch-threshold")).await?;
        input.clear().await?;
        input.send_keys("0.5\u{E004}").await?;
        wait_for_counts(&client, counts(&rows, 0.5)).await?;
        wait_for(&client, &testid("batch-threshold-reset")).await?.click().await?;
        wait_for_counts(&client, counts(&rows, threshold)).await?;

        // Every scored row is in the log, with source batch.
        wait_for(&client, &testid("nav-dashboard")).await?.click().await?;
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let total = attr(&client, &testid("total-predictions"), "data-value").await?;
            if total == "300" {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the dashboard counts {total}, expected 300");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_file_without_a_feature_column_is_refused_naming_it() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        let path = fixture("tests/fixtures/model/reject_categorical.txt");
        wait_for(&client, &testid("batch-file"))
            .await?
            .send_keys(&path.display().to_string())
            .await?;
        let message = wait_for(&client, &testid("batch-failed")).await?.text().await?;
        assert!(message.contains("missing feature column `user_total_orders`"), "{message}");
        Ok(())
    })
    .await;
}
