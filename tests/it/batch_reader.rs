//! The batch page's pure parts: a file's layout from its header, row parsing with bad rows
//! reported by line/column/reason, the injection-safe output, the threshold metrics, and the
//! run's running totals (`BatchTally`). Every expected value is worked out by hand in the test.

use instacart_reorder::batch::{
    sort_highest_first, BatchError, BatchLayout, BatchReader, LabelledScores, OutputWriter,
    ADDED_COLUMNS,
};

const FEATURES: [&str; 2] = ["a", "b"];

fn read_all(text: &str) -> (BatchReader, Vec<instacart_reorder::batch::Chunk>) {
    let mut reader = BatchReader::new(text.as_bytes().to_vec(), &FEATURES).expect("header fits");
    let mut chunks = Vec::new();
    loop {
        let chunk = reader.next_chunk(2);
        let done = chunk.done;
        chunks.push(chunk);
        if done {
            break;
        }
    }
    (reader, chunks)
}

#[test]
fn layout_finds_features_in_any_order_label_and_renamed_passthrough() {
    let layout = BatchLayout::from_header(
        &["id", "b", "probability", "a", "reordered"],
        &FEATURES,
        &ADDED_COLUMNS,
    )
    .expect("fits");
    assert_eq!(layout.feature_columns, vec![3, 1]);
    assert_eq!(layout.label_column, Some((4, "reordered".to_owned())));
    assert_eq!(layout.passthrough_columns, vec![0, 2, 4]);
    assert_eq!(
        layout.passthrough_header,
        vec!["id", "input_probability", "reordered"]
    );
}

#[test]
fn label_column_may_be_called_label() {
    let layout =
        BatchLayout::from_header(&["a", "b", "label"], &FEATURES, &ADDED_COLUMNS).expect("fits");
    assert_eq!(layout.label_column, Some((2, "label".to_owned())));
}

#[test]
fn header_problems_name_the_column() {
    let missing = BatchLayout::from_header(&["a", "c"], &FEATURES, &ADDED_COLUMNS).unwrap_err();
    assert!(matches!(missing, BatchError::MissingFeature { ref column } if column == "b"));
    assert_eq!(missing.to_string(), "missing feature column `b`");
    let twice = BatchLayout::from_header(&["a", "b", "a"], &FEATURES, &ADDED_COLUMNS).unwrap_err();
    assert!(matches!(twice, BatchError::DuplicateFeature { ref column } if column == "a"));
    let clash = BatchLayout::from_header(
        &["a", "b", "is_reorder", "input_is_reorder"],
        &FEATURES,
        &ADDED_COLUMNS,
    )
    .unwrap_err();
    assert!(matches!(clash, BatchError::NameClash { .. }));
    assert!(matches!(
        BatchReader::new(Vec::new(), &FEATURES),
        Err(BatchError::Empty)
    ));
}

#[test]
fn other_added_columns_rename_their_clashes_and_head_the_output() {
    // `reorder explain` adds one `shap_` column per feature and `shap_bias`.
    let added = ["shap_a", "shap_b", "shap_bias"];
    let layout =
        BatchLayout::from_header(&["shap_bias", "b", "a", "probability"], &FEATURES, &added)
            .expect("fits");
    assert_eq!(
        layout.passthrough_header,
        vec!["input_shap_bias".to_owned(), "probability".to_owned()]
    );
    let mut reader = BatchReader::with_added_columns(
        b"shap_bias,b,a,probability\nx,2,1,0.5\n".to_vec(),
        &FEATURES,
        &added,
    )
    .expect("fits");
    let chunk = reader.next_chunk(10);
    assert_eq!(chunk.values, vec![1.0, 2.0]);
    let mut writer = OutputWriter::new(reader.layout());
    writer.push_added(&chunk.rows[0], ["0.25", "-0.5", "0.125"].map(str::to_owned));
    assert_eq!(
        String::from_utf8(writer.into_bytes()).expect("utf-8"),
        "input_shap_bias,probability,shap_a,shap_b,shap_bias\r\nx,0.5,0.25,-0.5,0.125\r\n"
    );
    let clash = BatchLayout::from_header(&["a", "b", "shap_a", "input_shap_a"], &FEATURES, &added)
        .unwrap_err();
    assert!(matches!(clash, BatchError::NameClash { .. }), "{clash:?}");
}

#[test]
fn bad_rows_are_listed_and_good_rows_still_come_through() {
    let text = "a,b,label,note\n\
                1,2,1,x\n\
                ,NaN,0,y\n\
                3,oops,1,z\n\
                4,5,7,w\n\
                6,7\n\
                8,9,,=cmd\n";
    let (reader, chunks) = read_all(text);
    assert_eq!(reader.bytes_read(), text.len() as u64);
    assert!(chunks.last().map(|c| c.done).unwrap_or(false));
    let rows: Vec<_> = chunks.iter().flat_map(|c| c.rows.clone()).collect();
    let values: Vec<f64> = chunks.iter().flat_map(|c| c.values.clone()).collect();
    let errors: Vec<String> = chunks
        .iter()
        .flat_map(|c| c.errors.iter().map(ToString::to_string))
        .collect();
    assert_eq!(
        errors,
        vec![
            "line 4, column `b`: `oops` is not a number",
            "line 5, column `label`: label `7` is not 0 or 1",
            "line 6: the row has 2 cells but the header has 4 columns",
        ]
    );
    assert_eq!(
        rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![2, 3, 7]
    );
    assert_eq!(
        rows.iter().map(|r| r.label).collect::<Vec<_>>(),
        vec![Some(true), Some(false), None]
    );
    // Row-major in model order; empty and NaN are missing, never 0.
    assert_eq!(values.len(), 6);
    assert_eq!(&values[0..2], &[1.0, 2.0]);
    assert!(values[2].is_nan() && values[3].is_nan());
    assert_eq!(&values[4..6], &[8.0, 9.0]);
    assert_eq!(rows[2].passthrough, vec!["", "=cmd"]);
}

#[test]
fn output_defuses_formulas_and_writes_numbers_like_the_cli() {
    let (reader, chunks) = read_all("a,b,note,probability\n1,2,=1+1,0.5\n3,4,\"x,y\",\n");
    let mut writer = OutputWriter::new(reader.layout());
    let rows: Vec<_> = chunks.iter().flat_map(|c| c.rows.clone()).collect();
    writer.push(&rows[0], 0.1, false);
    writer.push(&rows[1], 0.25, true);
    let text = String::from_utf8(writer.into_bytes()).expect("utf8");
    assert_eq!(
        text,
        "note,input_probability,probability,is_reorder\r\n'=1+1,0.5,0.1,0\r\n\"x,y\",,0.25,1\r\n"
    );
}

/// Five rows worked by hand: 0.9 (1), 0.8 (0), 0.7 (1), 0.4 (0), 0.2 (1).
fn five() -> LabelledScores {
    LabelledScores::new(vec![
        (0.4, false),
        (0.9, true),
        (0.2, true),
        (0.8, false),
        (0.7, true),
    ])
}

#[test]
fn confusion_at_a_threshold() {
    let scores = five();
    assert_eq!(scores.len(), 5);
    assert_eq!(scores.positives(), 3);
    // >= 0.5: 0.9, 0.8, 0.7 predicted; TP 2 (0.9, 0.7), FP 1 (0.8), FN 1 (0.2), TN 1 (0.4).
    let at_half = scores.confusion_at(0.5);
    assert_eq!(
        (
            at_half.true_positives,
            at_half.false_positives,
            at_half.false_negatives,
            at_half.true_negatives
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(at_half.precision(), Some(2.0 / 3.0));
    assert_eq!(at_half.recall(), Some(2.0 / 3.0));
    assert_eq!(at_half.f1(), Some(4.0 / 6.0));
    // The threshold itself counts as positive (>=): at 0.8, 0.9 and 0.8 are predicted.
    let at_eight = scores.confusion_at(0.8);
    assert_eq!((at_eight.true_positives, at_eight.false_positives), (1, 1));
    // Above every score nothing is predicted: precision undefined, F1 = 0 of 3 positives.
    let above = scores.confusion_at(0.95);
    assert_eq!(above.precision(), None);
    assert_eq!(above.recall(), Some(0.0));
    assert_eq!(above.f1(), Some(0.0));
}

#[test]
fn pr_curve_has_one_point_per_distinct_score() {
    let curve = five().pr_curve(100);
    let triples: Vec<(f64, f64, f64)> = curve
        .iter()
        .map(|p| (p.threshold, p.precision, p.recall))
        .collect();
    assert_eq!(
        triples,
        vec![
            (0.9, 1.0, 1.0 / 3.0),
            (0.8, 1.0 / 2.0, 1.0 / 3.0),
            (0.7, 2.0 / 3.0, 2.0 / 3.0),
            (0.4, 2.0 / 4.0, 2.0 / 3.0),
            (0.2, 3.0 / 5.0, 1.0),
        ]
    );
    // Tied scores make one point: 0.5, 0.5 (1 and 0) then 0.1 (1).
    let tied = LabelledScores::new(vec![(0.5, true), (0.5, false), (0.1, true)]).pr_curve(100);
    assert_eq!(tied.len(), 2);
    assert_eq!(
        (tied[0].threshold, tied[0].precision, tied[0].recall),
        (0.5, 0.5, 0.5)
    );
}

#[test]
fn scores_sorted_by_the_worker_answer_as_scores_sorted_on_the_page() {
    // The five rows above, plus a tie (0.7 twice, labels 1 and 0), in file order.
    let pairs = vec![
        (0.4, false),
        (0.9, true),
        (0.7, false),
        (0.2, true),
        (0.8, false),
        (0.7, true),
    ];
    let mut sorted = pairs.clone();
    sort_highest_first(&mut sorted);
    let order: Vec<f64> = sorted.iter().map(|pair| pair.0).collect();
    assert_eq!(order, vec![0.9, 0.8, 0.7, 0.7, 0.4, 0.2]);
    let from_worker = LabelledScores::from_sorted(sorted);
    // Pairs in file order (a worker of an older build) are sorted on arrival.
    let unsorted = LabelledScores::from_sorted(pairs.clone());
    let on_page = LabelledScores::new(pairs);
    // >= 0.7: 0.9 (1), 0.8 (0), 0.7 (0), 0.7 (1): TP 2, FP 2, FN 1 (0.2), TN 1 (0.4).
    let at = from_worker.confusion_at(0.7);
    assert_eq!(
        (
            at.true_positives,
            at.false_positives,
            at.false_negatives,
            at.true_negatives
        ),
        (2, 2, 1, 1)
    );
    for threshold in [0.0, 0.2, 0.3, 0.7, 0.75, 0.9, 1.0] {
        assert_eq!(
            from_worker.confusion_at(threshold),
            on_page.confusion_at(threshold)
        );
        assert_eq!(
            unsorted.confusion_at(threshold),
            on_page.confusion_at(threshold)
        );
    }
    assert_eq!(from_worker.pr_curve(100), on_page.pr_curve(100));
    assert_eq!(from_worker.pr_curve(100).len(), 5, "the tie is one point");
}

#[test]
fn f1_against_threshold_on_a_grid() {
    let grid = five().f1_by_threshold(4);
    // t = 0: all 5 predicted, TP 3 FP 2 FN 0 -> 6/8. t = 0.25: 0.9 0.8 0.7 0.4 -> TP 2 FP 2 FN 1
    // -> 4/7. t = 0.5: 4/6. t = 0.75: 0.9 0.8 -> TP 1 FP 1 FN 2 -> 2/5. t = 1: none -> 0/3.
    assert_eq!(
        grid,
        vec![
            (0.0, Some(6.0 / 8.0)),
            (0.25, Some(4.0 / 7.0)),
            (0.5, Some(4.0 / 6.0)),
            (0.75, Some(2.0 / 5.0)),
            (1.0, Some(0.0)),
        ]
    );
    assert_eq!(LabelledScores::new(Vec::new()).confusion_at(0.5).f1(), None);
}

fn app_model() -> instacart_reorder::model::Model {
    let path = format!("{}/assets/model.json", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    instacart_reorder::model::Model::from_bundle_json(&json).expect("bundle")
}

fn row(line: u64, label: Option<bool>) -> instacart_reorder::batch::ScoredRow {
    instacart_reorder::batch::ScoredRow {
        line,
        passthrough: Vec::new(),
        label,
    }
}

fn bad(line: u64) -> instacart_reorder::batch::RowError {
    instacart_reorder::batch::RowError {
        line,
        column: Some("a".to_owned()),
        reason: "is not a number".to_owned(),
    }
}

#[test]
fn the_tally_counts_rows_decisions_bad_rows_preview_labels_and_logged_records() {
    use instacart_reorder::batch::{BatchTally, PreviewRow};
    let model = app_model();
    let t = model.threshold();
    // 2 listed errors at most, 3 preview rows.
    let mut tally = BatchTally::new(2, 3);
    assert!(tally.is_empty());
    // Chunk 1: lines 2-3 scored (one at the threshold: a reorder), line 4 bad.
    tally.add_chunk(
        &[row(2, Some(true)), row(3, None)],
        &[t, t / 2.0],
        vec![bad(4)],
        &model,
    );
    tally.add_logged(2);
    // Chunk 2: lines 5-6 scored, lines 7 and 8 bad (only one more is listed).
    tally.add_chunk(
        &[row(5, Some(false)), row(6, Some(true))],
        &[1.0, 0.0],
        vec![bad(7), bad(8)],
        &model,
    );
    tally.add_logged(2);
    assert!(!tally.is_empty());
    assert_eq!(tally.rows_scored, 4);
    // t (>= t) and 1.0.
    assert_eq!(tally.predicted_reorder, 2);
    assert_eq!(tally.bad_rows, 3);
    assert_eq!(
        tally
            .listed_errors
            .iter()
            .map(|error| error.line)
            .collect::<Vec<_>>(),
        vec![4, 7]
    );
    assert_eq!(
        tally.preview,
        vec![
            PreviewRow {
                line: 2,
                probability: t,
                is_reorder: true,
                label: Some(true)
            },
            PreviewRow {
                line: 3,
                probability: t / 2.0,
                is_reorder: false,
                label: None
            },
            PreviewRow {
                line: 5,
                probability: 1.0,
                is_reorder: true,
                label: Some(false)
            },
        ]
    );
    assert_eq!(tally.logged, 4);
    // Labelled rows: (t, 1), (1.0, 0), (0.0, 1). At the model's threshold: TP 1 (t), FP 1
    // (1.0), FN 1 (0.0), TN 0; the unlabelled row is not counted.
    let scores = tally.take_labelled_scores();
    assert_eq!(scores.len(), 3);
    assert_eq!(scores.positives(), 2);
    let at_model = scores.confusion_at(t);
    assert_eq!(
        (
            at_model.true_positives,
            at_model.false_positives,
            at_model.false_negatives,
            at_model.true_negatives
        ),
        (1, 1, 1, 0)
    );
}

#[test]
fn a_tally_of_only_bad_rows_is_not_empty() {
    let model = app_model();
    let mut tally = instacart_reorder::batch::BatchTally::new(200, 20);
    tally.add_chunk(&[], &[], vec![bad(2)], &model);
    assert!(!tally.is_empty());
    assert_eq!(tally.rows_scored, 0);
    assert!(tally.preview.is_empty());
}

/// Pseudo-random labelled rows (a fixed LCG, no dependency): probabilities with repeats and
/// values exactly on bin edges, labels leaning with the probability.
fn labelled_rows(count: usize) -> Vec<(f64, bool)> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..count)
        .map(|i| {
            let p = match i % 7 {
                0 => (i % 101) as f64 / 100.0,
                1 => 0.4,
                _ => next(),
            };
            (p, next() < p)
        })
        .collect()
}

/// ROC AUC by comparing every positive with every negative (ties half): the definition, O(n^2).
fn auc_by_pairs(rows: &[(f64, bool)]) -> f64 {
    let (positives, negatives): (Vec<_>, Vec<_>) = rows.iter().partition(|(_, label)| *label);
    let mut wins = 0.0;
    for (p, _) in &positives {
        for (n, _) in &negatives {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (positives.len() * negatives.len()) as f64
}

#[test]
fn the_exact_auc_is_the_pairwise_one() {
    let rows = labelled_rows(3_000);
    let exact = LabelledScores::new(rows.clone())
        .auc()
        .expect("both classes");
    assert!((exact - auc_by_pairs(&rows)).abs() < 1e-12, "{exact}");
    assert_eq!(
        LabelledScores::new(vec![(0.3, true), (0.3, false)]).auc(),
        Some(0.5)
    );
    assert_eq!(LabelledScores::new(vec![(0.3, true)]).auc(), None);
}

#[test]
fn bins_answer_exactly_at_their_edges_and_closely_elsewhere() {
    use instacart_reorder::batch::{ScoreBins, SCORE_BINS};
    let rows = labelled_rows(20_000);
    let exact = LabelledScores::new(rows.clone());
    let mut bins = ScoreBins::default();
    for &(p, label) in &rows {
        bins.add(p, label);
    }
    assert_eq!(bins.len(), rows.len());
    assert_eq!(bins.positives(), exact.positives());
    // Every threshold of up to four decimals is a bin edge: the same matrix as row by row.
    for t in [0.0, 0.01, 0.25, 0.4, 0.4137, 0.5, 0.99, 1.0] {
        assert!(ScoreBins::is_exact_at(t), "{t}");
        assert_eq!(bins.confusion_at(t), exact.confusion_at(t), "threshold {t}");
    }
    assert_eq!(bins.f1_by_threshold(100), exact.f1_by_threshold(100));
    // Off an edge: the next edge up's matrix, said to be inexact.
    let off = 0.123_456;
    assert!(!ScoreBins::is_exact_at(off));
    assert_eq!(bins.confusion_at(off), exact.confusion_at(0.1235));
    // Rows of one bin count as ties: within a bin's width of the exact AUC.
    let binned = bins.auc().expect("auc");
    let exact_auc = exact.auc().expect("auc");
    assert!(
        (binned - exact_auc).abs() < 1.0 / SCORE_BINS as f64,
        "{binned} vs {exact_auc}"
    );
}

#[test]
fn a_tally_past_its_exact_limit_keeps_fixed_size_bins_and_the_exact_matrix_at_the_threshold() {
    use instacart_reorder::batch::BatchTally;
    let model = app_model();
    let t = model.threshold();
    let rows = labelled_rows(2_500);
    let scored: Vec<_> = (0..rows.len() as u64)
        .map(|line| row(line + 2, Some(rows[line as usize].1)))
        .collect();
    let probabilities: Vec<f64> = rows.iter().map(|(p, _)| *p).collect();
    // Counted in two parts, as a range from the helper is absorbed.
    let mut tally = BatchTally::new(200, 20).with_exact_limit(1_000);
    tally.add_chunk(
        &scored[..1_500],
        &probabilities[..1_500],
        Vec::new(),
        &model,
    );
    let mut later = BatchTally::new(200, 20);
    later.add_chunk(
        &scored[1_500..],
        &probabilities[1_500..],
        Vec::new(),
        &model,
    );
    tally.absorb(later);
    assert!(
        tally.take_labelled().is_empty(),
        "no row kept one by one past the limit"
    );
    let bins = tally.take_bins().expect("bins");
    assert_eq!(bins.len(), 2_500);
    let exact = LabelledScores::new(rows);
    assert_eq!(tally.at_model, exact.confusion_at(t));
    assert_eq!(bins.confusion_at(0.5), exact.confusion_at(0.5));
    // Under the limit nothing changes: the rows are kept, no bins.
    let mut small = BatchTally::new(200, 20).with_exact_limit(1_000);
    small.add_chunk(&scored[..10], &probabilities[..10], Vec::new(), &model);
    assert!(small.take_bins().is_none());
    assert_eq!(small.take_labelled().len(), 10);
}
