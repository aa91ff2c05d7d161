//! The Predict page on the release build: a prediction on the page equals LightGBM's own
//! probability for the same row, bit for bit (rows of the committed reference file, whose
//! probabilities LightGBM printed), missing cells stay missing, bad input is refused at the
//! field and not logged.

use fantoccini::error::CmdError;
use fantoccini::Client;
use serde_json::{json, Value};

use crate::harness::{app_url, testid, wait_for, wait_for_model, with_browser, WAIT};

/// LightGBM's reference rows: one column per feature (empty = missing) and `probability`.
fn reference_path() -> String {
    std::env::var("E2E_REFERENCE_CSV")
        .unwrap_or_else(|_| format!("{}/models/reference.csv", env!("CARGO_MANIFEST_DIR")))
}

/// How many reference rows the page scores: the file's first rows, then those with the most
/// missing cells.
const FIRST_ROWS: usize = 20;
const MISSING_HEAVY_ROWS: usize = 10;

struct ReferenceRow {
    cells: Vec<(String, String)>,
    probability: f64,
    missing: usize,
}

/// The first rows and the rows with the most missing cells.
fn reference_rows() -> Vec<ReferenceRow> {
    let path = reference_path();
    let mut reader = csv::Reader::from_path(&path)
        .unwrap_or_else(|error| panic!("read the reference rows {path}: {error}"));
    let headers = reader.headers().expect("reference header").clone();
    let probability_column = headers
        .iter()
        .position(|name| name == "probability")
        .expect("the reference file has a probability column");
    let mut rows: Vec<ReferenceRow> = reader
        .records()
        .map(|record| {
            let record = record.expect("reference row");
            let cells: Vec<(String, String)> = headers
                .iter()
                .zip(record.iter())
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect();
            let probability: f64 = record[probability_column]
                .parse()
                .expect("LightGBM's probability is a number");
            let missing = record.iter().filter(|cell| cell.is_empty()).count();
            ReferenceRow {
                cells,
                probability,
                missing,
            }
        })
        .collect();
    assert!(!rows.is_empty(), "{path} has no rows");
    let mut chosen: Vec<ReferenceRow> = Vec::new();
    let first_rows: Vec<ReferenceRow> = rows.drain(..rows.len().min(FIRST_ROWS)).collect();
    chosen.extend(first_rows);
    rows.sort_by_key(|row| std::cmp::Reverse(row.missing));
    chosen.extend(rows.into_iter().take(MISSING_HEAVY_ROWS));
    chosen
}

/// Sets every feature input from the row; fails if the page has an input the row lacks.
async fn fill_features(client: &Client, row: &ReferenceRow) -> Result<(), CmdError> {
    let values: serde_json::Map<String, Value> = row
        .cells
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    let outcome = client
        .execute(
            r#"
            const values = arguments[0];
            const inputs = document.querySelectorAll('input[data-testid^="feature-"]');
            if (inputs.length === 0) { return 'the page has no feature inputs'; }
            for (const input of inputs) {
                const name = input.dataset.testid.slice('feature-'.length);
                if (!(name in values)) { return 'no reference column for feature ' + name; }
                input.value = values[name];
                input.dispatchEvent(new Event('input', { bubbles: true }));
            }
            return 'ok';
            "#,
            vec![Value::Object(values)],
        )
        .await?;
    assert_eq!(outcome, json!("ok"), "filling the form failed");
    Ok(())
}

/// Waits until `data-value` of `css` parses to exactly `expected` (same bits).
async fn wait_for_exact_value(client: &Client, css: &str, expected: f64) -> Result<(), CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = wait_for(client, css)
            .await?
            .attr("data-value")
            .await?
            .unwrap_or_default();
        let parsed: Option<f64> = shown.parse().ok();
        if parsed.map(f64::to_bits) == Some(expected.to_bits()) {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            panic!(
                "{css} shows data-value {shown:?}; LightGBM printed {expected:?} (bits must match)"
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn wait_for_log_state(client: &Client, state: &str) -> Result<(), CmdError> {
    wait_for(
        client,
        &format!("{}[data-state=\"{state}\"]", testid("log-status")),
    )
    .await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn predict_page_matches_lightgbm_bit_for_bit() {
    let rows = reference_rows();
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        wait_for(&client, &testid("predict")).await?;
        let threshold: f64 = wait_for(&client, &testid("threshold"))
            .await?
            .attr("data-value")
            .await?
            .and_then(|value| value.parse().ok())
            .expect("the result card shows the threshold");
        for row in &rows {
            fill_features(&client, row).await?;
            wait_for_exact_value(&client, &testid("probability"), row.probability).await?;
            let prediction = wait_for(&client, &testid("prediction")).await?;
            assert_eq!(
                prediction.attr("data-kind").await?.as_deref(),
                Some("binary")
            );
            let values: Vec<f64> = prediction
                .attr("data-values")
                .await?
                .and_then(|json| serde_json::from_str(&json).ok())
                .expect("data-values is a JSON array of numbers");
            assert_eq!(
                values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                vec![row.probability.to_bits()],
                "data-values"
            );
            let decision = wait_for(&client, &testid("decision"))
                .await?
                .attr("data-value")
                .await?;
            let expected_decision = if row.probability >= threshold {
                "1"
            } else {
                "0"
            };
            assert_eq!(
                decision.as_deref(),
                Some(expected_decision),
                "decision at threshold {threshold}"
            );
            wait_for(&client, &testid("predict")).await?.click().await?;
            wait_for_log_state(&client, "saved").await?;
            let chart_bars = client
                .find_all(fantoccini::Locator::Css(&testid("explain-bar")))
                .await?;
            assert!(!chart_bars.is_empty(), "the explanation chart has bars");
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn predict_page_refuses_bad_input_at_the_field() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        let ratio = wait_for(
            &client,
            "input[data-testid^=\"feature-\"][data-kind=\"ratio\"]",
        )
        .await?;
        ratio.clear().await?;
        ratio.send_keys("1.5").await?;
        wait_for(&client, &testid("input-error")).await?;
        assert_eq!(ratio.attr("aria-invalid").await?.as_deref(), Some("true"));
        wait_for(&client, &testid("predict")).await?.click().await?;
        wait_for_log_state(&client, "blocked").await?;
        ratio.clear().await?;
        ratio.send_keys("0.5").await?;
        wait_for(&client, &testid("predict")).await?.click().await?;
        wait_for_log_state(&client, "saved").await?;
        let errors = client
            .find_all(fantoccini::Locator::Css(&testid("input-error")))
            .await?;
        assert!(
            errors.is_empty(),
            "no field error is left after fixing the value"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn predict_page_scores_on_enter_and_keeps_empty_fields_missing() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        wait_for(&client, &testid("clear-all"))
            .await?
            .click()
            .await?;
        wait_for(&client, "input.missing").await?;
        let first = wait_for(&client, "input[data-testid^=\"feature-\"]").await?;
        assert_eq!(
            first.prop("value").await?.as_deref(),
            Some(""),
            "cleared means empty, not 0"
        );
        wait_for(&client, &testid("probability")).await?;
        first.send_keys("\u{E007}").await?;
        wait_for_log_state(&client, "saved").await?;
        Ok(())
    })
    .await;
}
