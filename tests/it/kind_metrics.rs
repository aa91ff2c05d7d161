//! The Batch page's metrics for labelled files of models without a threshold, against the same
//! metrics computed in numpy on the same files (scripts/fixtures/make_kind_metric_fixtures.py):
//! accuracy, log loss and the confusion matrix of a multiclass model; RMSE, MAE and R^2 of a
//! regression model; NDCG@k per query of a ranking model. The file is run whole and in small
//! slices and chunks (ranges merged in file order), and both must report the same.

use instacart_reorder::batch::{KindReport, RunStep, RunSummary, ScoringRun, NDCG_AT};
use instacart_reorder::model::{model_from_files, Model, ModelFiles};
use serde_json::Value;

fn kinds_dir() -> String {
    format!("{}/tests/fixtures/model/kinds", env!("CARGO_MANIFEST_DIR"))
}

fn model(name: &str) -> Model {
    let text = std::fs::read(format!("{}/{name}.txt", kinds_dir())).expect("model");
    model_from_files(ModelFiles {
        model_txt: &text,
        feature_names_json: None,
        threshold: 0.5,
        meta_json: None,
    })
    .expect("converts")
}

fn run(model: &Model, bytes: &[u8], slice: usize, chunk_rows: usize) -> RunSummary {
    let mut run = ScoringRun::new(model, bytes.len() as u64, 5, 3);
    let mut slices = bytes.chunks(slice);
    loop {
        match run.step(chunk_rows).expect("runs") {
            RunStep::NeedsInput => match slices.next() {
                Some(slice) => run.push(slice.to_vec()),
                None => run.end_input(),
            },
            RunStep::Scored(chunk) => assert!(chunk.is_empty(), "nothing goes to the log"),
            RunStep::Finished => break,
        }
        let _ = run.take_output();
    }
    run.finish(false).expect("a summary")
}

/// Within a few units in the last place: the sums run in another order than numpy's.
fn close(ours: f64, numpy: f64, what: &str) {
    assert!(
        (ours - numpy).abs() <= 1e-12 * numpy.abs().max(1.0),
        "{what}: ours {ours} vs numpy {numpy}"
    );
}

fn reports(name: &str) -> (Vec<KindReport>, RunSummary, Value) {
    let model = model(name);
    let bytes = std::fs::read(format!("{}/{name}.labelled.csv", kinds_dir())).expect("file");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/{name}.metrics.json", kinds_dir())).expect("json"),
    )
    .expect("metrics json");
    let whole = run(&model, &bytes, bytes.len(), 100_000);
    let sliced = run(&model, &bytes, 997, 13);
    assert_eq!(whole.bad_rows, 0, "{name}: {:?}", whole.listed_errors);
    let kind = |summary: &RunSummary| summary.kind_metrics.clone().expect("a label column");
    let label = kind(&whole).label;
    assert_eq!(label.column, "label");
    assert_eq!(label.bad.count, 1, "{name}: the one unreadable label");
    assert_eq!(
        label.bad.first.as_ref().map(|(_, cell)| cell.as_str()),
        Some("x")
    );
    assert_eq!(kind(&sliced).label, kind(&whole).label);
    let reports = [kind(&whole).report, kind(&sliced).report]
        .into_iter()
        .map(|report| report.expect("a report"))
        .collect();
    (reports, whole, expected)
}

#[test]
fn a_multiclass_files_accuracy_log_loss_and_confusion_are_numpys() {
    let (reports, _, expected) = reports("multiclass");
    for report in reports {
        let KindReport::Classes {
            rows,
            accuracy,
            log_loss,
            classes,
            confusion,
        } = report
        else {
            panic!("not a class report: {report:?}");
        };
        assert_eq!(rows, expected["rows"].as_u64().expect("rows"));
        assert_eq!(classes, 4);
        close(
            accuracy,
            expected["accuracy"].as_f64().expect("f64"),
            "accuracy",
        );
        close(
            log_loss,
            expected["log_loss"].as_f64().expect("f64"),
            "log loss",
        );
        let numpy: Vec<u64> = expected["confusion"]
            .as_array()
            .expect("array")
            .iter()
            .map(|count| count.as_u64().expect("count"))
            .collect();
        assert_eq!(confusion, numpy, "true-major confusion matrix");
    }
}

#[test]
fn a_regression_files_rmse_mae_and_r_squared_are_numpys() {
    let (reports, _, expected) = reports("regression");
    for report in reports {
        let KindReport::Values {
            rows,
            rmse,
            mae,
            r_squared,
        } = report
        else {
            panic!("not a value report: {report:?}");
        };
        assert_eq!(rows, expected["rows"].as_u64().expect("rows"));
        close(rmse, expected["rmse"].as_f64().expect("f64"), "rmse");
        close(mae, expected["mae"].as_f64().expect("f64"), "mae");
        close(
            r_squared.expect("defined"),
            expected["r_squared"].as_f64().expect("f64"),
            "r squared",
        );
    }
}

#[test]
fn a_ranking_files_ndcg_per_query_is_numpys() {
    let (reports, _, expected) = reports("lambdarank");
    for report in reports {
        let KindReport::Ranking {
            rows,
            queries,
            ndcg,
        } = report
        else {
            panic!("not a ranking report: {report:?}");
        };
        assert_eq!(rows, expected["rows"].as_u64().expect("rows"));
        assert_eq!(
            queries as u64,
            expected["queries"].as_u64().expect("queries")
        );
        let ndcg = ndcg.expect("the file has a query column");
        assert_eq!(ndcg.iter().map(|(k, _)| *k).collect::<Vec<_>>(), NDCG_AT);
        for (k, value) in ndcg {
            close(
                value,
                expected["ndcg"][k.to_string()].as_f64().expect("f64"),
                &format!("ndcg@{k}"),
            );
        }
    }
}
