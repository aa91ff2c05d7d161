//! CSV and JSON exports of the log checked against text written out by hand: formula-injection
//! escaping, quoting, missing values as empty cells, and JSON that reads back unchanged.

use std::collections::BTreeMap;

use instacart_reorder::prediction_log::{
    batch_runs_csv, csv_cell, to_csv, to_json, BatchChunk, BatchRun, CsvExport, JsonExport,
    PredictionRecord, RunEnd, Source,
};

fn sample() -> PredictionRecord {
    let mut features = BTreeMap::new();
    features.insert("user_orders".to_owned(), Some(12.0));
    features.insert("up_ratio".to_owned(), None);
    PredictionRecord {
        id: Some(7),
        created_at_ms: 1_709_251_200_000, // 2024-03-01 00:00:00 UTC
        source: Source::Demo,
        user_id: Some(42),
        product_id: None,
        features,
        probability: 0.1 + 0.2, // 0.30000000000000004: must survive the export
        is_reorder: false,
        threshold: 0.35,
        model_sha256: "=HYPERLINK(\"http://x\")".to_owned(),
    }
}

#[test]
fn formula_prefixes_are_defused() {
    assert_eq!(csv_cell("=1+1"), "'=1+1");
    assert_eq!(csv_cell("-1+2"), "'-1+2");
    assert_eq!(csv_cell("+A1"), "'+A1");
    assert_eq!(csv_cell("-inf"), "'-inf");
    assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(csv_cell("\tx"), "'\tx");
    assert_eq!(csv_cell("\rx"), "'\rx");
    assert_eq!(csv_cell("a=1"), "a=1");
    assert_eq!(csv_cell("0.5"), "0.5");
    // Numbers are not text: a sign in front does not make them a formula, and they must read
    // back as the same numbers.
    assert_eq!(csv_cell("-1"), "-1");
    assert_eq!(csv_cell("+1"), "+1");
    assert_eq!(csv_cell("-0.5"), "-0.5");
    assert_eq!(csv_cell("-2.5e-8"), "-2.5e-8");
    assert_eq!(csv_cell(""), "");
}

#[test]
fn csv_matches_hand_written_text() {
    let csv = to_csv(&[sample()]);
    let expected = "id,created_at_ms,created_at_utc,source,user_id,product_id,probability,\
is_reorder,threshold,model_sha256,missing_features,up_ratio,user_orders\r\n\
7,1709251200000,2024-03-01 00:00:00,demo,42,,0.30000000000000004,0,0.35,\
\"'=HYPERLINK(\"\"http://x\"\")\",1,,12\r\n";
    assert_eq!(csv, expected);
}

#[test]
fn csv_feature_columns_are_the_union_and_absent_is_empty() {
    let mut first = sample();
    first.model_sha256 = "abc".to_owned();
    let mut second = first.clone();
    second.id = None;
    second.features = BTreeMap::from([("aisle_rate".to_owned(), Some(-0.5))]);
    let csv = to_csv(&[first, second]);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[0].ends_with(",missing_features,aisle_rate,up_ratio,user_orders"));
    assert!(lines[1].ends_with(",abc,1,,,12"), "{}", lines[1]);
    // A negative number is a number, not a formula: it is written as it is and reads back.
    assert!(lines[2].starts_with(",1709251200000,"), "{}", lines[2]);
    assert!(lines[2].ends_with(",abc,0,-0.5,,"), "{}", lines[2]);
    assert_eq!(lines[3], "");
}

#[test]
fn csv_is_readable_by_a_csv_parser() {
    let csv = to_csv(&[sample(), sample()]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().map(|h| h.len()).unwrap_or(0);
    assert_eq!(headers, 13);
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][9], "'=HYPERLINK(\"http://x\")");
    assert_eq!(rows[0][6].parse::<f64>().ok(), Some(0.1 + 0.2));
}

#[test]
fn json_reads_back_to_the_same_records() {
    let records = vec![sample(), {
        let mut other = sample();
        other.id = None;
        other.source = Source::Embed;
        other
    }];
    let json = to_json(&records);
    let back: Vec<PredictionRecord> = serde_json::from_str(&json).unwrap_or_default();
    assert_eq!(back, records);
    // Missing stays null (not 0); an unstored record has no id key at all.
    assert!(json.contains("\"up_ratio\": null"));
    assert_eq!(json.matches("\"id\"").count(), 1);
    assert!(json.contains("\"source\": \"embed\""));
}

#[test]
fn a_paged_csv_export_equals_the_whole_one() {
    let records: Vec<PredictionRecord> = (0..7)
        .map(|i| {
            let mut r = sample();
            r.id = Some(i);
            r.probability = i as f64 / 10.0;
            r
        })
        .collect();
    let export = CsvExport::new(vec!["user_orders".to_owned(), "up_ratio".to_owned()]);
    let mut paged = export.header();
    for page in records.chunks(3) {
        export.push_rows(page, &mut paged);
    }
    assert_eq!(paged, to_csv(&records));
}

#[test]
fn a_paged_json_export_reads_back_to_the_records() {
    let records: Vec<PredictionRecord> = (0..5)
        .map(|i| {
            let mut r = sample();
            r.id = Some(i);
            r
        })
        .collect();
    let mut export = JsonExport::default();
    let mut text = JsonExport::open().to_owned();
    for page in records.chunks(2) {
        export.push_rows(page, &mut text);
    }
    text.push_str(export.close());
    let back: Vec<PredictionRecord> = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(back, records);
    let empty = JsonExport::default();
    let text = format!("{}{}", JsonExport::open(), empty.close());
    let back: Vec<PredictionRecord> = serde_json::from_str(&text).expect("valid JSON");
    assert!(back.is_empty());
}

fn batch_run() -> BatchRun {
    BatchRun {
        run_id: Some(3),
        started_at_ms: 1_709_251_200_000,
        file_name: "rows.csv".to_owned(),
        model_sha256: "=cmd".to_owned(),
        threshold: 0.25,
        feature_names: vec!["b".to_owned(), "a".to_owned()],
        rows: 2,
        positives: 1,
        ended: None,
        quality: None,
    }
}

fn batch_chunk() -> BatchChunk {
    BatchChunk {
        run_id: 3,
        index: 0,
        created_at_ms: 1_709_251_200_000,
        probabilities: vec![0.1 + 0.2, 0.125],
        decisions: vec![true, false],
        user_ids: vec![Some(9), None],
        product_ids: vec![None, Some(4)],
        // Row-major in the run's order (b, a): NaN is missing, -0 stays -0.
        values: vec![1.5, f64::NAN, -0.0, 2e-7],
        sketch: None,
    }
}

#[test]
fn batch_rows_written_from_their_columns_match_hand_written_text() {
    // The export's columns: the union of names, sorted, including one the run lacks.
    let export = CsvExport::new(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]);
    let mut out = String::new();
    export
        .push_chunk_rows(&batch_run(), &batch_chunk(), &mut out)
        .expect("a well-formed chunk");
    let expected =
        ",1709251200000,2024-03-01 00:00:00,batch,9,,0.30000000000000004,1,0.25,'=cmd,1,,1.5,\r\n\
,1709251200000,2024-03-01 00:00:00,batch,,4,0.125,0,0.25,'=cmd,0,0.0000002,-0,\r\n";
    assert_eq!(out, expected);
    // The same lines as the rows expanded into records.
    let mut from_records = String::new();
    let records = batch_chunk().records(&batch_run()).expect("records");
    export.push_rows(&records, &mut from_records);
    assert_eq!(out, from_records);
}

#[test]
fn batch_rows_logged_without_their_values_have_empty_feature_cells() {
    let export = CsvExport::new(vec!["a".to_owned(), "b".to_owned()]);
    let mut lean = batch_chunk();
    lean.values.clear();
    let mut out = String::new();
    export
        .push_chunk_rows(&batch_run(), &lean, &mut out)
        .expect("a chunk without values is well-formed");
    // No count of missing values and no values: nothing is known of them.
    let expected =
        ",1709251200000,2024-03-01 00:00:00,batch,9,,0.30000000000000004,1,0.25,'=cmd,,,\r\n\
,1709251200000,2024-03-01 00:00:00,batch,,4,0.125,0,0.25,'=cmd,,,\r\n";
    assert_eq!(out, expected);
    let mut from_records = String::new();
    let records = lean.records(&batch_run()).expect("records");
    export.push_rows(&records, &mut from_records);
    assert_eq!(out, from_records);
}

#[test]
fn a_damaged_chunk_is_an_error_not_a_panic() {
    let export = CsvExport::new(vec!["a".to_owned()]);
    let mut chunk = batch_chunk();
    chunk.values.pop();
    let error = export
        .push_chunk_rows(&batch_run(), &chunk, &mut String::new())
        .expect_err("values do not fill the rows");
    assert!(
        error.to_string().contains("batch chunk 0 of run 3"),
        "{error}"
    );
}

#[test]
fn batch_runs_export_says_how_each_run_stands() {
    let mut cut = batch_run();
    cut.file_name = "=rows, \"2\".csv".to_owned();
    cut.rows = 20_000;
    let mut whole = batch_run();
    whole.run_id = Some(4);
    whole.ended = Some(RunEnd::Finished);
    let csv = batch_runs_csv(&[
        (whole.clone(), whole.state(false)),
        (cut.clone(), cut.state(false)),
    ]);
    let expected = "run_id,started_at_ms,started_at_utc,file_name,model_sha256,threshold,rows,\
positives,state\r\n\
4,1709251200000,2024-03-01 00:00:00,rows.csv,'=cmd,0.25,2,1,finished\r\n\
3,1709251200000,2024-03-01 00:00:00,\"'=rows, \"\"2\"\".csv\",'=cmd,0.25,20000,1,cut_short\r\n";
    assert_eq!(csv, expected);
}
