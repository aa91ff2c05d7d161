//! Models of every kind on the pages, against LightGBM's own numbers (the fixtures of
//! tests/fixtures/model/kinds, made by scripts/fixtures/make_kind_fixtures.py): a multiclass
//! model's class probabilities, top class and per-class explanation, a regression model's value on
//! the range the model can answer, a ranking model's score, a pandas model's categorical inputs as
//! a choice of named categories (an unseen code shown as "other"), the Batch page's columns of the
//! kind; and the log, which holds binary models' predictions, saying so instead of logging a wrong
//! record.

use std::io::Read;
use std::path::PathBuf;

use fantoccini::Client;
use serde_json::Value;

use crate::harness::{
    app_url, capture_downloads, click, first_download_text, testid, wait_for, wait_for_attr,
    wait_for_attr_value, wait_for_model, with_browser,
};

fn kinds_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/model/kinds")
        .join(name)
}

/// One fixture row: its features (NaN = missing), LightGBM's outputs and, when it computes them,
/// its contributions class by class (each class: one per feature, then the bias).
struct Row {
    features: Vec<f64>,
    outputs: Vec<f64>,
    contributions: Vec<f64>,
}

/// A fixture's feature names and rows.
fn reference(name: &str) -> (Vec<String>, Vec<Row>) {
    let file = std::fs::File::open(kinds_fixture(&format!("{name}.rows.csv.gz"))).expect("rows");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip rows");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let features = header.iter().position(|h| *h == "raw_0").expect("raw_0");
    let outputs = header.iter().filter(|h| h.starts_with("out_")).count();
    let names = header[..features].iter().map(|h| h.to_string()).collect();
    let rows = lines
        .map(|line| {
            let values: Vec<f64> = line
                .split(',')
                .map(|c| c.parse().expect("number"))
                .collect();
            Row {
                features: values[..features].to_vec(),
                outputs: values[features + outputs..features + 2 * outputs].to_vec(),
                contributions: values[features + 2 * outputs..].to_vec(),
            }
        })
        .collect();
    (names, rows)
}

/// The Predict page filled with `row` (a missing value left unknown).
fn prefilled(names: &[String], row: &Row) -> String {
    let query: Vec<String> = names
        .iter()
        .zip(&row.features)
        .filter(|(_, value)| !value.is_nan())
        .map(|(name, value)| format!("f.{name}={value}"))
        .collect();
    app_url(&format!("/?{}", query.join("&")))
}

/// Whether a form can hold the row: every value a number or missing (the form refuses infinity).
fn typeable(row: &&Row) -> bool {
    row.features
        .iter()
        .all(|value| value.is_finite() || value.is_nan())
}

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|value| value.to_bits()).collect()
}

/// Converts `name` on the own-model page (with the class names in `classes`, if given) and
/// waits until it is the model in use.
async fn use_own_model(
    client: &Client,
    name: &str,
    kind: &str,
    classes: Option<&std::path::Path>,
) -> Result<(), fantoccini::error::CmdError> {
    client.goto(&app_url("/own-model")).await?;
    wait_for_model(client).await?;
    let input = wait_for(client, &testid("own-model-file")).await?;
    input.clear().await?;
    input
        .send_keys(&kinds_fixture(name).display().to_string())
        .await?;
    let classes_input = wait_for(client, &testid("own-classes-file")).await?;
    classes_input.clear().await?;
    if let Some(classes) = classes {
        classes_input
            .send_keys(&classes.display().to_string())
            .await?;
    }
    click(client, &testid("own-model-use")).await?;
    wait_for_attr(client, &testid("own-model-status"), "data-kind", kind).await
}

/// The shown prediction's `data-values` once the page shows `expected` for a model of `kind`,
/// or what it shows after the wait (for the assertion to name). The page first shows the
/// bundled model's answer (binary too) and then the remembered model's, once it is restored.
async fn shown_values(
    client: &Client,
    kind: &str,
    expected: &[f64],
) -> Result<Vec<f64>, fantoccini::error::CmdError> {
    let css = format!("[data-testid=\"prediction\"][data-kind=\"{kind}\"]");
    let deadline = std::time::Instant::now() + crate::harness::WAIT;
    loop {
        let json = wait_for_attr_value(client, &css, "data-values").await?;
        let values: Vec<f64> =
            serde_json::from_str(&json).expect("data-values is a JSON array of numbers");
        if bits(&values) == bits(expected) || std::time::Instant::now() > deadline {
            return Ok(values);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Each drawn bar's feature and value, read in the page in one step (the chart may be redrawn
/// while it is read).
async fn explain_bars(client: &Client) -> Result<Vec<(String, f64)>, fantoccini::error::CmdError> {
    wait_for(client, &testid("explain-bar")).await?;
    let bars = client
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0])) \
               .map(bar => [bar.getAttribute('data-feature'), bar.getAttribute('data-value')]);",
            vec![Value::String(testid("explain-bar"))],
        )
        .await?;
    Ok(bars
        .as_array()
        .expect("an array of bars")
        .iter()
        .map(|bar| {
            let feature = bar[0].as_str().unwrap_or_default().to_owned();
            let value = bar[1].as_str().unwrap_or_default().parse().expect("f64");
            (feature, value)
        })
        .collect())
}

async fn assert_bars_are_class(
    client: &Client,
    names: &[String],
    row: &Row,
    class: usize,
) -> Result<(), fantoccini::error::CmdError> {
    wait_for(
        client,
        &format!("[data-testid=\"explained-output\"][data-class=\"{class}\"]"),
    )
    .await?;
    let bars = explain_bars(client).await?;
    assert!(!bars.is_empty());
    let per_class = names.len() + 1;
    for (feature, value) in bars {
        let column = names
            .iter()
            .position(|name| *name == feature)
            .expect("a model feature");
        let lightgbm = row.contributions[class * per_class + column];
        assert_eq!(
            value.to_bits(),
            lightgbm.to_bits(),
            "class {class}, `{feature}`: {value} vs {lightgbm}"
        );
    }
    Ok(())
}

async fn choose(
    client: &Client,
    select: &str,
    value: &str,
) -> Result<(), fantoccini::error::CmdError> {
    client
        .execute(
            "const select = document.querySelector(arguments[0]); select.value = arguments[1]; \
             select.dispatchEvent(new Event('change', { bubbles: true })); return true;",
            vec![
                Value::String(select.to_owned()),
                Value::String(value.to_owned()),
            ],
        )
        .await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn models_of_every_kind_show_what_they_answer_as_lightgbm_computed_it() {
    with_browser(&[], |client| async move {
        // Multiclass: every class probability bit for bit, the top class, and the explanation
        // of the top class and of a class chosen.
        let classes = ["milk", "bread", "eggs", "fruit"];
        let classes_file = std::env::temp_dir().join(format!("kinds-classes-{}.txt", std::process::id()));
        std::fs::write(&classes_file, classes.join("\n")).expect("classes file");
        use_own_model(&client, "multiclass.txt", "multiclass", Some(&classes_file)).await?;
        let _ = std::fs::remove_file(&classes_file);
        assert_eq!(wait_for(&client, &testid("own-model-classes")).await?.text().await?, "milk, bread, eggs, fruit");
        let (names, rows) = reference("multiclass");
        for row in rows.iter().filter(typeable).step_by(97).take(3) {
            client.goto(&prefilled(&names, row)).await?;
            assert_eq!(bits(&shown_values(&client, "multiclass", &row.outputs).await?), bits(&row.outputs));
            let top = (0..row.outputs.len())
                .fold(0, |best, class| if row.outputs[class] > row.outputs[best] { class } else { best });
            wait_for_attr(&client, &testid("top-class"), "data-value", &top.to_string()).await?;
            assert_eq!(wait_for(&client, &testid("top-class")).await?.text().await?, classes[top]);
            assert_bars_are_class(&client, &names, row, top).await?;
            let other = (top + 1) % row.outputs.len();
            choose(&client, &testid("explain-class"), &other.to_string()).await?;
            assert_bars_are_class(&client, &names, row, other).await?;
        }
        // The log holds binary predictions: the press says so rather than logging a wrong record.
        click(&client, &testid("predict")).await?;
        wait_for_attr(&client, &testid("log-status"), "data-state", "not-for-kind").await?;
        // The Batch page writes the columns `reorder predict` writes for the kind, with
        // LightGBM's values, and logs nothing.
        let file = std::env::temp_dir().join(format!("kinds-multiclass-{}.csv", std::process::id()));
        let mut csv_text = format!("label,{}\n", names.join(","));
        let scored: Vec<&Row> = rows.iter().filter(typeable).take(50).collect();
        for (index, row) in scored.iter().enumerate() {
            let cells: Vec<String> = row
                .features
                .iter()
                .map(|v| if v.is_nan() { String::new() } else { format!("{v}") })
                .collect();
            csv_text.push_str(&format!("{},{}\n", index % 4, cells.join(",")));
        }
        std::fs::write(&file, csv_text).expect("batch file");
        client.goto(&app_url("/batch")).await?;
        wait_for(&client, &testid("batch-model")).await?;
        capture_downloads(&client).await?;
        wait_for(&client, &testid("batch-file")).await?.send_keys(&file.display().to_string()).await?;
        let rows_shown = wait_for_attr_value(&client, "[data-testid=\"batch-results\"][data-kind=\"multiclass\"]", "data-rows").await?;
        assert_eq!(rows_shown, "50");
        wait_for(&client, &testid("batch-kind-columns")).await?;
        click(&client, &testid("batch-download")).await?;
        let downloaded = first_download_text(&client).await?;
        let _ = std::fs::remove_file(&file);
        let mut lines = downloaded.lines();
        assert_eq!(
            lines.next(),
            Some("label,probability_0,probability_1,probability_2,probability_3,class")
        );
        // The labels (class index % 4) give the accuracy of LightGBM's most likely classes.
        let argmax = |outputs: &[f64]| {
            (0..outputs.len()).fold(0, |best, class| if outputs[class] > outputs[best] { class } else { best })
        };
        let correct = scored.iter().enumerate().filter(|(index, row)| argmax(&row.outputs) == index % 4).count();
        let accuracy: f64 = wait_for_attr_value(&client, &testid("metric-accuracy"), "data-value")
            .await?
            .parse()
            .expect("accuracy");
        assert!((accuracy - correct as f64 / 50.0).abs() < 1e-12, "accuracy {accuracy}, {correct} of 50");
        for (line, row) in lines.zip(&scored) {
            let cells: Vec<&str> = line.split(',').collect();
            let values: Vec<f64> = cells[1..5].iter().map(|c| c.parse().expect("f64")).collect();
            assert_eq!(bits(&values), bits(&row.outputs), "{line}");
            assert_eq!(cells[5], classes[argmax(&row.outputs)], "the class column names the class");
        }


        // Regression: the value bit for bit, on the range the model can answer.
        use_own_model(&client, "regression.txt", "regression", None).await?;
        let (names, rows) = reference("regression");
        for row in rows.iter().filter(typeable).step_by(89).take(3) {
            client.goto(&prefilled(&names, row)).await?;
            let values = shown_values(&client, "regression", &row.outputs).await?;
            assert_eq!(bits(&values), bits(&row.outputs));
            let low: f64 = wait_for_attr_value(&client, &testid("output-range"), "data-low").await?.parse().expect("low");
            let high: f64 = wait_for_attr_value(&client, &testid("output-range"), "data-high").await?.parse().expect("high");
            assert!(low <= values[0] && values[0] <= high, "{low} <= {} <= {high}", values[0]);
        }

        // Ranking: the score bit for bit.
        use_own_model(&client, "lambdarank.txt", "ranking", None).await?;
        let (names, rows) = reference("lambdarank");
        for row in rows.iter().filter(typeable).step_by(101).take(2) {
            client.goto(&prefilled(&names, row)).await?;
            assert_eq!(bits(&shown_values(&client, "ranking", &row.outputs).await?), bits(&row.outputs));
            wait_for(&client, &testid("ranking-score")).await?;
        }

        // Categories by name: the select shows the row's category, an unseen code is "other",
        // and both score as LightGBM did.
        use_own_model(&client, "pandas_binary.txt", "binary", None).await?;
        let model_text = std::fs::read_to_string(kinds_fixture("pandas_binary.txt")).expect("model");
        let categories: Vec<Vec<String>> = model_text
            .lines()
            .find_map(|line| line.strip_prefix("pandas_categorical:"))
            .and_then(|json| serde_json::from_str(json).ok())
            .expect("pandas_categorical");
        let (names, rows) = reference("pandas_binary");
        let aisle = names.iter().position(|name| name == "aisle").expect("aisle");
        let count = categories[0].len() as f64;
        let whole = |value: f64| value.fract() == 0.0;
        let known = rows
            .iter()
            .filter(typeable)
            .find(|row| whole(row.features[aisle]) && (0.0..count).contains(&row.features[aisle]))
            .expect("a row with a known aisle");
        let unseen = rows
            .iter()
            .filter(typeable)
            .find(|row| whole(row.features[aisle]) && (count..1e6).contains(&row.features[aisle]))
            .expect("a row with an unseen aisle");
        let selected = "return document.querySelector('[data-testid=\"feature-aisle\"]').selectedOptions[0].textContent;";
        client.goto(&prefilled(&names, known)).await?;
        assert_eq!(bits(&shown_values(&client, "binary", &known.outputs).await?), bits(&known.outputs));
        let shown = client.execute(selected, vec![]).await?;
        assert_eq!(shown.as_str(), Some(categories[0][known.features[aisle] as usize].as_str()));
        client.goto(&prefilled(&names, unseen)).await?;
        assert_eq!(bits(&shown_values(&client, "binary", &unseen.outputs).await?), bits(&unseen.outputs));
        wait_for(&client, &testid("category-other-code")).await?;
        let shown = client.execute(selected, vec![]).await?;
        assert!(shown.as_str().is_some_and(|text| text.starts_with("other")), "{shown}");

        client.goto(&app_url("/own-model")).await?;
        click(&client, &testid("own-model-remove")).await?;
        wait_for_attr(&client, &testid("own-model-status"), "data-state", "none").await?;
        Ok(())
    })
    .await;
}
