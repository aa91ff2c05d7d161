//! `reorder reference`, run as a user would, and the reference it writes checked without the
//! code that wrote it: the CSV parsed here by splitting on commas, three features' bin counts
//! recounted here on the model's edges (`SketchBins::for_model`) and compared exactly, the file
//! accepted for its own model and refused for another, bad inputs refused naming the column or
//! row, and the drift report's verdicts on the reference itself and on a shifted copy. Also the
//! committed `assets/drift_reference.json`: it belongs to the committed bundle.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

use instacart_reorder::model::{model_from_files, Model, ModelFiles};
use instacart_reorder::monitoring::reference::{DriftReference, ReferenceError};
use instacart_reorder::monitoring::report::{drift_report, DriftThresholds};
use instacart_reorder::monitoring::sketch::{FeatureBins, SketchBins};
use serde_json::Value;

use crate::support::{path_arg as path, repo_path, run_reorder as run, scratch_dir};

/// The features whose counts are recounted here: a day count, a ratio, and one with many
/// missing cells in `models/reference.csv`.
const CHECKED: [&str; 3] = [
    "days_since_prior_order",
    "product_reorder_rate",
    "aisle_reorder_rate",
];

fn scratch(test: &str) -> PathBuf {
    scratch_dir("drift-reference", test)
}

fn bundled_model() -> Model {
    let json = std::fs::read_to_string(repo_path("assets/model.json")).expect("assets/model.json");
    Model::from_bundle_json(&json).expect("the bundled model loads")
}

/// `reorder reference --bundle assets/model.json --input INPUT --output OUTPUT`.
fn reference_of(input: &Path, output: &Path, description: Option<&str>) -> std::process::Output {
    let bundle = repo_path("assets/model.json");
    let mut args = vec![
        "reference",
        "--bundle",
        path(&bundle),
        "--input",
        path(input),
        "--output",
        path(output),
    ];
    if let Some(description) = description {
        args.extend(["--description", description]);
    }
    run(&args)
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A CSV of numbers, read here by splitting on commas (the reference file has no quoted cells):
/// the header and each row's cells, an empty cell as NaN.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl Table {
    fn read(file: &Path) -> Table {
        let text = std::fs::read_to_string(file).expect("a CSV file");
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .expect("a header")
            .split(',')
            .map(str::to_owned)
            .collect();
        let rows = lines
            .filter(|line| !line.is_empty())
            .map(|line| {
                let cells: Vec<f64> = line
                    .split(',')
                    .map(|cell| {
                        if cell.is_empty() {
                            f64::NAN
                        } else {
                            cell.parse()
                                .unwrap_or_else(|_| panic!("a number, not `{cell}`"))
                        }
                    })
                    .collect();
                assert_eq!(cells.len(), header.len(), "a full row: {line}");
                cells
            })
            .collect();
        Table { header, rows }
    }

    fn column(&self, name: &str) -> Vec<f64> {
        let at = self
            .header
            .iter()
            .position(|column| column == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        self.rows.iter().map(|row| row[at]).collect()
    }

    fn write(&self, file: &Path) {
        let mut text = self.header.join(",");
        text.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|value| {
                    if value.is_nan() {
                        String::new()
                    } else {
                        format!("{value}")
                    }
                })
                .collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        std::fs::write(file, text).expect("write the CSV");
    }
}

/// One numerical feature's counts, recounted here: a value at or above edge `i` and below edge
/// `i + 1` is in bin `i`, the last edge itself in the last bin, values outside the edges in the
/// tails, NaN missing.
#[derive(Debug, PartialEq)]
struct Recount {
    counts: Vec<u64>,
    below: u64,
    above: u64,
    missing: u64,
}

fn recount(edges: &[f64], values: &[f64]) -> Recount {
    let bins = edges.len() - 1;
    let mut recount = Recount {
        counts: vec![0; bins],
        below: 0,
        above: 0,
        missing: 0,
    };
    for &value in values {
        if value.is_nan() {
            recount.missing += 1;
        } else if value < edges[0] {
            recount.below += 1;
        } else if value > edges[bins] {
            recount.above += 1;
        } else {
            let mut bin = 0;
            while bin + 1 < bins && value >= edges[bin + 1] {
                bin += 1;
            }
            recount.counts[bin] += 1;
        }
    }
    recount
}

/// The counts of feature `name` as the written file holds them.
fn counts_in_file(file: &Value, bins: &SketchBins, name: &str) -> Recount {
    let index = bins
        .feature_names
        .iter()
        .position(|feature| feature == name)
        .expect("a model feature");
    let feature = &file["sketch"]["features"][index]["numerical"];
    assert!(feature.is_object(), "{name} is numerical");
    let number = |value: &Value| value.as_u64().expect("a count");
    Recount {
        counts: feature["counts"]
            .as_array()
            .expect("counts")
            .iter()
            .map(number)
            .collect(),
        below: number(&feature["below"]["count"]),
        above: number(&feature["above"]["count"]),
        missing: number(&feature["missing"]),
    }
}

fn read_json(file: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(file).expect("the written file"))
        .expect("the written file is JSON")
}

/// A binary model that is not the bundled one.
fn another_model() -> Model {
    let text = std::fs::read(repo_path("tests/fixtures/model/kinds/pandas_binary.txt"))
        .expect("fixture model");
    model_from_files(ModelFiles {
        model_txt: &text,
        feature_names_json: None,
        threshold: 0.5,
        meta_json: None,
    })
    .expect("the fixture model loads")
}

#[test]
fn the_reference_of_the_reference_rows_holds_their_counts_on_the_models_bins() {
    let dir = scratch("counts");
    let input = repo_path("models/reference.csv");
    let output = dir.join("reference.json");
    let result = reference_of(&input, &output, None);
    assert!(result.status.success(), "{}", stderr(&result));

    let table = Table::read(&input);
    let file = read_json(&output);
    let model = bundled_model();
    let bins = SketchBins::for_model(&model);
    assert_eq!(file["sketch"]["rows"], table.rows.len() as u64);
    assert_eq!(
        file["description"],
        format!(
            "reference.csv, {},{:03} rows",
            table.rows.len() / 1000,
            table.rows.len() % 1000
        ),
        "the default description names the file and its rows"
    );
    assert_eq!(file["model_sha256"], model.source_sha256());
    for name in CHECKED {
        let index = bins
            .feature_names
            .iter()
            .position(|feature| feature == name)
            .expect("a model feature");
        let FeatureBins::Numerical { edges } = &bins.features[index] else {
            panic!("{name} is binned on edges");
        };
        let expected = recount(edges, &table.column(name));
        assert!(
            expected.counts.iter().filter(|&&count| count > 0).count() > 3,
            "{name}: the values spread over several bins"
        );
        assert_eq!(counts_in_file(&file, &bins, name), expected, "{name}");
    }
    assert!(
        counts_in_file(&file, &bins, "aisle_reorder_rate").missing > 1000,
        "empty cells are counted missing, not as 0"
    );
    // Every row's prediction is counted once.
    let prediction = &file["sketch"]["prediction"];
    let predicted: u64 = prediction["counts"]
        .as_array()
        .expect("prediction counts")
        .iter()
        .map(|count| count.as_u64().expect("a count"))
        .sum::<u64>()
        + prediction["below"]["count"].as_u64().expect("a count")
        + prediction["above"]["count"].as_u64().expect("a count");
    assert_eq!(predicted, table.rows.len() as u64);

    // The file is this model's reference, and not another's.
    let text = std::fs::read_to_string(&output).expect("the written file");
    let reference = DriftReference::from_json_for(&text, &model).expect("accepted for its model");
    assert_eq!(reference.sketch.rows, table.rows.len() as u64);
    match DriftReference::from_json_for(&text, &another_model()) {
        Err(ReferenceError::OtherModel { .. }) => {}
        other => panic!("refused for another model, got {other:?}"),
    }
}

#[test]
fn the_description_is_the_one_given_and_extra_columns_in_any_order_change_nothing() {
    let dir = scratch("columns");
    let input = repo_path("models/reference.csv");
    let plain = dir.join("plain.json");
    let result = reference_of(&input, &plain, Some("reference rows, for a test"));
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(
        read_json(&plain)["description"],
        "reference rows, for a test"
    );

    // The same rows with the columns reversed and ids and a label in front.
    let table = Table::read(&input);
    let mut header = vec![
        "user_id".to_owned(),
        "product_id".to_owned(),
        "label".to_owned(),
    ];
    header.extend(table.header.iter().rev().cloned());
    let rows = table
        .rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let mut cells = vec![index as f64, 7.0, (index % 2) as f64];
            cells.extend(row.iter().rev());
            cells
        })
        .collect();
    let shuffled = dir.join("shuffled.csv");
    Table { header, rows }.write(&shuffled);
    let other = dir.join("shuffled.json");
    let result = reference_of(&shuffled, &other, Some("reference rows, for a test"));
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(read_json(&plain)["sketch"], read_json(&other)["sketch"]);
}

#[test]
fn a_missing_feature_column_or_a_bad_cell_is_exit_2_naming_it_and_writes_nothing() {
    let dir = scratch("refusals");
    let table = Table::read(&repo_path("models/reference.csv"));
    let at = table
        .header
        .iter()
        .position(|name| name == "days_since_prior_order")
        .expect("the column");

    let mut short = Table {
        header: table.header.clone(),
        rows: table.rows[..5].to_vec(),
    };
    short.header.remove(at);
    for row in &mut short.rows {
        row.remove(at);
    }
    let input = dir.join("no_days.csv");
    short.write(&input);
    let output = dir.join("no_days.json");
    let result = reference_of(&input, &output, None);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("missing feature column `days_since_prior_order`"),
        "{}",
        stderr(&result)
    );
    assert!(!output.exists());

    // Row 3 (line 4, after the header) has a word where a number belongs.
    let few = Table {
        header: table.header.clone(),
        rows: table.rows[..5].to_vec(),
    };
    let input = dir.join("bad_cell.csv");
    few.write(&input);
    let text = std::fs::read_to_string(&input).expect("the CSV");
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut cells: Vec<&str> = lines[3].split(',').collect();
    cells[at] = "soon";
    lines[3] = cells.join(",");
    std::fs::write(&input, lines.join("\n") + "\n").expect("write");
    let output = dir.join("bad_cell.json");
    let result = reference_of(&input, &output, None);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    let message = stderr(&result);
    assert!(
        message.contains("row 3") && message.contains("line 4"),
        "{message}"
    );
    assert!(
        message.contains("column `days_since_prior_order`") && message.contains("`soon`"),
        "{message}"
    );
    assert!(!output.exists());
}

#[test]
fn the_drift_report_finds_no_drift_against_itself_and_the_shifted_feature_against_a_shift() {
    let dir = scratch("report");
    let input = repo_path("models/reference.csv");
    let output = dir.join("reference.json");
    let result = reference_of(&input, &output, None);
    assert!(result.status.success(), "{}", stderr(&result));
    let model = bundled_model();
    let bins = SketchBins::for_model(&model);
    let text = std::fs::read_to_string(&output).expect("the written file");
    let reference = DriftReference::from_json_for(&text, &model).expect("its model's");

    let same = drift_report(
        &bins,
        &reference.sketch,
        &reference.sketch,
        DriftThresholds::default(),
    )
    .expect("a report");
    for line in &same.features {
        let verdict = line
            .verdict
            .unwrap_or_else(|| panic!("{}: {:?}", line.feature, line.unavailable));
        assert!(!verdict.drifted, "{}: {verdict:?}", line.feature);
    }
    let dataset = same.dataset.expect("a dataset verdict");
    assert_eq!(dataset.drifted_columns, 0);
    assert!(!dataset.drifted);

    // The same rows, each known `days_since_prior_order` 10 days later.
    let mut table = Table::read(&input);
    let at = table
        .header
        .iter()
        .position(|name| name == "days_since_prior_order")
        .expect("the column");
    for row in &mut table.rows {
        row[at] += 10.0;
    }
    let shifted_csv = dir.join("shifted.csv");
    table.write(&shifted_csv);
    let shifted_json = dir.join("shifted.json");
    let result = reference_of(&shifted_csv, &shifted_json, None);
    assert!(result.status.success(), "{}", stderr(&result));
    let text = std::fs::read_to_string(&shifted_json).expect("the written file");
    let shifted = DriftReference::from_json_for(&text, &model).expect("its model's");
    let report = drift_report(
        &bins,
        &reference.sketch,
        &shifted.sketch,
        DriftThresholds::default(),
    )
    .expect("a report");
    assert_eq!(report.features[0].feature, "days_since_prior_order");
    let verdict = report.features[0].verdict.expect("a verdict");
    assert!(verdict.drifted, "{verdict:?}");
    for line in &report.features[1..] {
        assert!(
            !line.verdict.expect("a verdict").drifted,
            "only the shifted feature drifts: {}",
            line.feature
        );
    }
    let dataset = report.dataset.expect("a dataset verdict");
    assert_eq!(dataset.drifted_columns, 1);
    assert!(!dataset.drifted, "one feature of many is not the dataset");
}

#[test]
fn the_committed_drift_reference_is_the_bundled_models_training_split() {
    let model = bundled_model();
    let text = std::fs::read_to_string(repo_path("assets/drift_reference.json"))
        .expect("assets/drift_reference.json");
    let reference = DriftReference::from_json_for(&text, &model)
        .expect("assets/drift_reference.json is the bundled model's");
    let metrics: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_path("models/metrics.json")).expect("models/metrics.json"),
    )
    .expect("metrics JSON");
    let train_rows = metrics["split"]["train_rows"].as_u64().expect("train rows");
    assert_eq!(reference.sketch.rows, train_rows);
    assert!(
        reference.description.starts_with("training split"),
        "{}",
        reference.description
    );
}
