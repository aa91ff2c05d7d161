//! `reorder convert / predict / explain` on models of every kind, as a user runs them: the columns
//! each kind appends, every number read back equal to LightGBM's bits (fixtures of
//! scripts/fixtures/make_kind_fixtures.py), class names from `--classes`, category names in the
//! cells of a model trained from pandas, and the refusals (unknown category name, SHAP of a
//! linear tree) with exit 2 and a message naming line and column.
#![cfg(not(target_arch = "wasm32"))]

use crate::support::{path_arg as path, run_reorder as run, scratch_dir};
use std::io::Read;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/model/kinds")
        .join(name)
}

fn convert(dir: &Path, name: &str) -> PathBuf {
    let bundle = dir.join(format!("{name}.json"));
    let output = run(&[
        "convert",
        "--model",
        path(&fixture(&format!("{name}.txt"))),
        "--threshold",
        "0.5",
        "--out",
        path(&bundle),
    ]);
    assert!(
        output.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    bundle
}

/// The fixture's header and rows (finite feature values only: the number rule refuses `inf`).
fn reference(name: &str, features: usize) -> (Vec<String>, Vec<Vec<f64>>) {
    let file = std::fs::File::open(fixture(&format!("{name}.rows.csv.gz"))).expect("rows");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip");
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|line| {
            line.split(',')
                .map(|c| c.parse().expect("number"))
                .collect()
        })
        .filter(|row: &Vec<f64>| row[..features].iter().all(|value| !value.is_infinite()))
        .collect();
    (header, rows)
}

/// The number of features of a fixture: the columns before `raw_0`.
fn features_of(name: &str) -> usize {
    let file = std::fs::File::open(fixture(&format!("{name}.rows.csv.gz"))).expect("rows");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip");
    let header = text.lines().next().expect("header");
    header
        .split(',')
        .position(|column| column == "raw_0")
        .expect("a raw_0 column")
}

/// Writes the fixture rows' features as a CSV (an `id` column first, NaN as an empty cell).
fn write_input(path: &Path, header: &[String], rows: &[Vec<f64>], features: usize) {
    let mut text = format!("id,{}\n", header[..features].join(","));
    for (index, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row[..features]
            .iter()
            .map(|v| {
                if v.is_nan() {
                    String::new()
                } else {
                    format!("{v:?}")
                }
            })
            .collect();
        text.push_str(&format!("{index},{}\n", cells.join(",")));
    }
    std::fs::write(path, text).expect("input");
}

fn read_output(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("output");
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|record| record.expect("record").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn predict(dir: &Path, bundle: &Path, input: &Path, extra: &[&str]) -> PathBuf {
    let out = dir.join("out.csv");
    let mut args = vec![
        "predict",
        "--bundle",
        path(bundle),
        "--input",
        path(input),
        "--output",
        path(&out),
    ];
    args.extend_from_slice(extra);
    let output = run(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// (fixture, the columns predict appends)
const CASES: &[(&str, &[&str])] = &[
    (
        "multiclass",
        &[
            "probability_0",
            "probability_1",
            "probability_2",
            "probability_3",
            "class",
        ],
    ),
    ("regression_sqrt", &["prediction"]),
    ("poisson", &["prediction"]),
    ("linear_regression", &["prediction"]),
    ("lambdarank", &["score"]),
    ("cat_binary", &["probability", "is_reorder"]),
];

#[test]
fn predict_appends_the_columns_of_each_kind_with_lightgbms_numbers() {
    for &(name, columns) in CASES {
        let dir = scratch_dir("cli-kinds", name);
        let bundle = convert(&dir, name);
        let features = features_of(name);
        let (header, rows) = reference(name, features);
        let input = dir.join("in.csv");
        write_input(&input, &header, &rows, features);
        for threads in ["1", "3"] {
            let out = predict(&dir, &bundle, &input, &["--threads", threads]);
            let (out_header, out_rows) = read_output(&out);
            let expected: Vec<String> = std::iter::once("id".to_string())
                .chain(columns.iter().map(|c| c.to_string()))
                .collect();
            assert_eq!(out_header, expected, "{name}");
            assert_eq!(out_rows.len(), rows.len(), "{name}");
            let outputs = header.iter().filter(|h| h.starts_with("out_")).count();
            let first_out = header.iter().position(|h| h == "out_0").expect("out_0");
            for (row, cells) in rows.iter().zip(&out_rows) {
                for k in 0..outputs {
                    let ours: f64 = cells[1 + k].parse().expect("a number");
                    assert_eq!(
                        ours.to_bits(),
                        row[first_out + k].to_bits(),
                        "{name}: row {}, output {k}",
                        cells[0]
                    );
                }
                if name == "multiclass" {
                    let probabilities = &row[first_out..first_out + outputs];
                    let best = (0..outputs).fold(0, |best, k| {
                        if probabilities[k] > probabilities[best] {
                            k
                        } else {
                            best
                        }
                    });
                    assert_eq!(cells[1 + outputs], best.to_string(), "{name}");
                }
            }
        }
    }
}

#[test]
fn class_names_label_the_most_likely_class() {
    let dir = scratch_dir("cli-kinds", "classes");
    let bundle = convert(&dir, "multiclass");
    let (header, rows) = reference("multiclass", features_of("multiclass"));
    let input = dir.join("in.csv");
    write_input(&input, &header, &rows[..50], features_of("multiclass"));
    let classes = dir.join("classes.txt");
    std::fs::write(&classes, "produce\ndairy\n=snacks\nfrozen\n").expect("classes");
    let out = predict(&dir, &bundle, &input, &["--classes", path(&classes)]);
    let (_, out_rows) = read_output(&out);
    let names = ["produce", "dairy", "'=snacks", "frozen"];
    assert!(out_rows.iter().all(|row| names.contains(&row[5].as_str())));
    assert!(
        out_rows.iter().any(|row| row[5] != out_rows[0][5]),
        "every row has the same class: a weak check"
    );
    std::fs::write(&classes, r#"["a","b","c"]"#).expect("classes");
    let output = run(&[
        "predict",
        "--bundle",
        path(&bundle),
        "--input",
        path(&input),
        "--output",
        path(&dir.join("never.csv")),
        "--classes",
        path(&classes),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("3 class names for a model of 4"));
}

#[test]
fn explain_writes_contributions_per_class_as_lightgbm() {
    let dir = scratch_dir("cli-kinds", "explain");
    let bundle = convert(&dir, "multiclass");
    let (header, rows) = reference("multiclass", features_of("multiclass"));
    let input = dir.join("in.csv");
    write_input(&input, &header, &rows[..300], features_of("multiclass"));
    let out = dir.join("shap.csv");
    let output = run(&[
        "explain",
        "--bundle",
        path(&bundle),
        "--input",
        path(&input),
        "--output",
        path(&out),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (out_header, out_rows) = read_output(&out);
    assert_eq!(out_header.len(), 1 + 4 * 6);
    assert_eq!(out_header[1], "shap_0_days_since_prior");
    assert_eq!(out_header[24], "shap_3_bias");
    let first = header
        .iter()
        .position(|h| h == "contrib_0_days_since_prior")
        .expect("contrib");
    for (row, cells) in rows.iter().zip(&out_rows) {
        for j in 0..24 {
            let ours: f64 = cells[1 + j].parse().expect("number");
            assert_eq!(
                ours.to_bits(),
                row[first + j].to_bits(),
                "column {}",
                out_header[1 + j]
            );
        }
    }
}

#[test]
fn explain_refuses_linear_trees_as_lightgbm_does() {
    let dir = scratch_dir("cli-kinds", "explain-linear");
    let bundle = convert(&dir, "linear_regression");
    let (header, rows) = reference("linear_regression", features_of("linear_regression"));
    let input = dir.join("in.csv");
    write_input(
        &input,
        &header,
        &rows[..5],
        features_of("linear_regression"),
    );
    let output = run(&[
        "explain",
        "--bundle",
        path(&bundle),
        "--input",
        path(&input),
        "--output",
        path(&dir.join("never.csv")),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("linear trees"));
}

#[test]
fn category_names_score_as_pandas_codes_and_an_unknown_name_is_named() {
    let dir = scratch_dir("cli-kinds", "pandas");
    let bundle = convert(&dir, "pandas_binary");
    let text = std::fs::read_to_string(fixture("pandas_binary.input.csv")).expect("input");
    let expected =
        std::fs::read_to_string(fixture("pandas_binary.input.expected.csv")).expect("expected");
    let expected: Vec<&str> = expected.lines().skip(1).collect();
    // LightGBM's Python package scores a name it never saw as missing; the CLI refuses it.
    let unseen = ["pet food", "baby, formula"];
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    let mut kept = csv::Writer::from_writer(Vec::new());
    kept.write_record(&header).expect("header");
    let mut kept_expected = Vec::new();
    let mut first_unseen = None;
    for (index, record) in reader.records().enumerate() {
        let record = record.expect("record");
        if record.iter().any(|cell| unseen.contains(&cell)) {
            first_unseen.get_or_insert(index);
            continue;
        }
        kept.write_record(&record).expect("record");
        kept_expected.push(expected[index]);
    }
    let kept_path = dir.join("kept.csv");
    std::fs::write(&kept_path, kept.into_inner().expect("csv")).expect("write");
    let out = predict(&dir, &bundle, &kept_path, &[]);
    let (out_header, out_rows) = read_output(&out);
    assert_eq!(out_rows.len(), kept_expected.len());
    assert!(out_rows.len() > 150);
    let probability = out_header
        .iter()
        .position(|name| name == "probability")
        .expect("a probability column");
    for (cells, expected) in out_rows.iter().zip(&kept_expected) {
        let ours: f64 = cells[probability].parse().expect("number");
        let theirs: f64 = expected.parse().expect("number");
        assert_eq!(ours.to_bits(), theirs.to_bits(), "{cells:?}");
    }

    let whole = dir.join("whole.csv");
    std::fs::write(&whole, &text).expect("write");
    let output = run(&[
        "predict",
        "--bundle",
        path(&bundle),
        "--input",
        path(&whole),
        "--output",
        path(&dir.join("never.csv")),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = first_unseen.expect("the fixture has unseen names") + 2;
    assert!(
        stderr.contains(&format!("line {line}, column `")),
        "{stderr}"
    );
    assert!(
        stderr.contains("is not a category of the model"),
        "{stderr}"
    );
    assert!(!dir.join("never.csv").exists());
}
