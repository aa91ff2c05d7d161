//! A returning user's log from an older version of the app, at a realistic size: 100,000
//! predictions written the way schema v2 stored them (tests/e2e/fixtures/seed_v2_log.js, straight
//! into IndexedDB), then the current release build starts on them. The upgrade must keep every
//! record with every value and the dashboard must show the numbers of what was written. The
//! expected rows are recomputed here from the generator's formulas, not read back from the app.

use std::time::{Duration, Instant};

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::Locator;
use serde_json::json;

use crate::harness::{app_url, capture_downloads, first_download_text, testid, with_browser};

const RECORDS: u64 = 100_000;
const START_MS: i64 = 1_700_000_000_000;
const SPAN_MS: i64 = 60 * 24 * 3600 * 1000;
const SOURCES: [&str; 3] = ["manual", "demo", "embed"];

/// The bundled model's feature names and threshold (what the seeded records were scored with).
fn bundle_names_and_threshold() -> (Vec<String>, f64) {
    let text = std::fs::read_to_string(format!("{}/assets/model.json", env!("CARGO_MANIFEST_DIR")))
        .expect("read assets/model.json");
    let bundle: serde_json::Value = serde_json::from_str(&text).expect("bundle json");
    let names = bundle["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["name"].as_str().or(f.as_str()).expect("name").to_owned())
        .collect();
    (names, bundle["threshold"].as_f64().expect("threshold"))
}

/// Record `i`'s probability, as the seed script computes it.
fn probability(i: u64) -> f64 {
    ((i * 7919) % 10007) as f64 / 10007.0
}

/// Record `i`'s value of feature `j`, or `None` for a missing value, as the seed script writes it.
fn feature_value(i: u64, j: u64) -> Option<f64> {
    (!(i + j).is_multiple_of(13)).then(|| ((i * 31 + j * 17) % 1000) as f64 / 10.0)
}

/// The cells of record `i`'s CSV row (id = i + 1) in the export's column order for `header`
/// (every column but `created_at_utc`, checked apart as a date format).
fn expected_row(i: u64, threshold: f64, header: &[&str], names: &[String]) -> Vec<String> {
    let p = probability(i);
    header
        .iter()
        .map(|column| match *column {
            "id" => (i + 1).to_string(),
            "created_at_ms" => (START_MS + (i as i64 * SPAN_MS) / RECORDS as i64).to_string(),
            "created_at_utc" => String::new(),
            "source" => SOURCES[(i % 3) as usize].to_owned(),
            "user_id" => (1 + i % 500).to_string(),
            "product_id" => (1 + i % 5000).to_string(),
            "probability" => p.to_string(),
            "is_reorder" => u8::from(p >= threshold).to_string(),
            "threshold" => threshold.to_string(),
            "model_sha256" => "0".repeat(64),
            "missing_features" => (0..names.len() as u64)
                .filter(|&j| feature_value(i, j).is_none())
                .count()
                .to_string(),
            name => {
                let j = names
                    .iter()
                    .position(|n| n == name)
                    .expect("a feature column") as u64;
                feature_value(i, j)
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            }
        })
        .collect()
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn a_v2_log_of_100k_predictions_upgrades_keeping_every_record_and_the_dashboards_numbers() {
    let (names, threshold) = bundle_names_and_threshold();
    let seed = include_str!("fixtures/seed_v2_log.js");
    with_browser(&[], |client| async move {
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(600)),
                Some(Duration::from_secs(120)),
                None,
            ))
            .await?;
        // A page of the app's origin that does not start the app.
        client.goto(&app_url("/manifest.webmanifest")).await?;
        let seeded = client
            .execute_async(
                seed,
                vec![
                    json!(RECORDS),
                    json!(names),
                    json!("0".repeat(64)),
                    json!(threshold),
                    json!(START_MS),
                ],
            )
            .await?;
        assert!(seeded.get("error").is_none(), "seeding failed: {seeded}");
        assert_eq!(seeded["count"], json!(RECORDS));

        let started = Instant::now();
        client.goto(&app_url("/dashboard")).await?;
        let total = testid("total-predictions");
        let shown = loop {
            if let Ok(element) = client.find(Locator::Css(&total)).await {
                if let Some(value) = element.attr("data-value").await?.filter(|v| !v.is_empty()) {
                    break value;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "the dashboard showed no numbers within 5 minutes of starting on the v2 log"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        println!(
            "upgrade of {RECORDS} v2 records: navigation -> dashboard numbers {:.1} s",
            started.elapsed().as_secs_f64()
        );
        assert_eq!(shown, RECORDS.to_string());
        let positives = (0..RECORDS)
            .filter(|&i| probability(i) >= threshold)
            .count();
        let sum: f64 = (0..RECORDS).map(probability).sum();
        let read = |id: &'static str| {
            let client = client.clone();
            async move {
                let value = client
                    .find(Locator::Css(&testid(id)))
                    .await?
                    .attr("data-value")
                    .await?
                    .unwrap_or_default();
                Ok::<f64, fantoccini::error::CmdError>(value.parse().expect("a number"))
            }
        };
        let rate = read("positive-rate").await?;
        assert!(
            (rate - positives as f64 / RECORDS as f64).abs() < 1e-12,
            "positive rate {rate}, written {positives} of {RECORDS}"
        );
        let mean = read("mean-probability").await?;
        assert!(
            (mean - sum / RECORDS as f64).abs() < 1e-9,
            "mean probability {mean}, written {}",
            sum / RECORDS as f64
        );

        // Every record, every value: the export against the generator's formulas.
        capture_downloads(&client).await?;
        client
            .find(Locator::Css(&testid("export-csv")))
            .await?
            .click()
            .await?;
        let csv = first_download_text(&client).await?;
        let mut lines = csv.split("\r\n").filter(|line| !line.is_empty());
        let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
        let mut expected_names: Vec<&str> = names.iter().map(String::as_str).collect();
        expected_names.sort_unstable();
        assert_eq!(&header[11..], &expected_names[..], "feature columns");
        let mut rows = 0u64;
        for (i, line) in lines.enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            let mut expected = expected_row(i as u64, threshold, &header, &names);
            expected[2] = cells[2].to_owned();
            assert_eq!(cells, expected, "row {} of the export", i + 1);
            assert!(
                cells[2].len() >= 16 && cells[2].as_bytes()[4] == b'-',
                "created_at_utc `{}`",
                cells[2]
            );
            rows += 1;
        }
        assert_eq!(rows, RECORDS, "rows in the export");
        Ok(())
    })
    .await;
}
