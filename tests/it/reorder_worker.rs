//! The Batch page's worker, natively: its messages survive the trip through an `Envelope` (JSON
//! beside numbers and bytes) and malformed ones are refused, and a `ScoringRun` fed a file in
//! slices writes, part by part, exactly the CSV `reorder predict` writes for the whole file, with
//! the chunks for the log holding each good row's probability, decision, ids and values. An own
//! `model.txt` converted by the worker's answer (`ConvertModel::answer`) gives, after its trip
//! through an envelope, the very model and the very refusal the page's own converter gives.

use instacart_reorder::batch::{
    made_up_file, BatchReader, ChunkMerger, CurvePoint, NextRange, OutputWriter, PreviewRow,
    RangeScorer, RangeSetup, RowError, RowRange, RunFailure, RunProgress, RunStep, RunSummary,
    ScoredChunk, ScoredRange, ScoringRun, WARM_UP_ROWS,
};
use instacart_reorder::model::own_model::convert_own_model;
use instacart_reorder::model::Model;
use instacart_reorder::worker_protocol::{
    warm_up, ConvertModel, ConvertedBundle, Envelope, PageMessage, ProtocolError, StartRun,
    WorkerMessage,
};

fn model() -> Model {
    let path = format!("{}/assets/model.json", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(path).expect("assets/model.json is committed");
    Model::from_bundle_json(&json).expect("the committed bundle loads")
}

fn round_trip(message: WorkerMessage) -> WorkerMessage {
    WorkerMessage::decode(message.encode()).expect("decodes")
}

#[test]
fn every_worker_message_survives_its_envelope() {
    let chunk = ScoredChunk {
        index: 3,
        probabilities: vec![0.25, 0.75],
        decisions: vec![false, true],
        user_ids: vec![Some(7), None],
        product_ids: vec![None, Some(u64::MAX)],
        values: vec![1.0, f64::NAN, -0.0, 4.5],
        sketch: Some(Box::new(
            instacart_reorder::monitoring::sketch::InputSketch {
                bins: "0123456789abcdef".to_owned(),
                rows: 2,
                features: vec![
                    instacart_reorder::monitoring::sketch::FeatureSketch::Unbinned {
                        present: 1,
                        missing: 1,
                    },
                    instacart_reorder::monitoring::sketch::FeatureSketch::Categorical {
                        counts: [("4".to_owned(), 2)].into_iter().collect(),
                        missing: 0,
                    },
                ],
                prediction: instacart_reorder::monitoring::sketch::BinCounts {
                    counts: vec![1, 1],
                    sum: 1.0,
                    sum_of_squares: 0.625,
                    ..Default::default()
                },
            },
        )),
    };
    let WorkerMessage::Scored(back) = round_trip(WorkerMessage::Scored(chunk.clone())) else {
        panic!("a chunk comes back a chunk");
    };
    assert_eq!(back.index, 3);
    assert_eq!(back.probabilities, chunk.probabilities);
    assert_eq!(back.decisions, chunk.decisions);
    assert_eq!(back.user_ids, chunk.user_ids);
    assert_eq!(back.product_ids, chunk.product_ids);
    let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&back.values), bits(&chunk.values), "NaN and -0 kept");
    assert_eq!(
        back.sketch, chunk.sketch,
        "the drift sketch travels with the chunk's numbers"
    );

    let summary = RunSummary {
        rows_scored: 2,
        predicted_reorder: 1,
        bad_rows: 1,
        listed_errors: vec![RowError {
            line: 4,
            column: Some("a".to_owned()),
            reason: "`x` is not a number".to_owned(),
        }],
        preview: vec![PreviewRow {
            line: 2,
            probability: 0.5,
            is_reorder: true,
            label: Some(false),
        }],
        label_column: Some("reordered".to_owned()),
        cancelled: true,
        pr_curve: vec![CurvePoint {
            threshold: 0.5,
            precision: 0.0,
            recall: 0.0,
        }],
        f1_by_threshold: vec![(0.0, Some(0.5)), (1.0, None)],
        scorers: 2,
        labelled: vec![(0.5, false), (0.125, true)],
        bins: None,
        at_model: instacart_reorder::batch::Confusion {
            true_positives: 0,
            false_positives: 1,
            false_negatives: 1,
            true_negatives: 0,
        },
        kind_metrics: Some(Box::new(instacart_reorder::batch::KindOutcome {
            report: Some(instacart_reorder::batch::KindReport::Classes {
                rows: 3,
                accuracy: 2.0 / 3.0,
                log_loss: 0.1,
                classes: 2,
                confusion: vec![1, 0, 1, 1],
            }),
            label: instacart_reorder::batch::KindLabel {
                column: "label".to_owned(),
                bad: instacart_reorder::batch::BadLabels {
                    count: 1,
                    first: Some((9, "x".to_owned())),
                },
            },
        })),
    };
    for message in [
        WorkerMessage::Ready,
        WorkerMessage::Progress(RunProgress {
            bytes_read: 5,
            total_bytes: 1 << 40,
            rows_scored: 3,
            bad_rows: 1,
        }),
        WorkerMessage::Scored(ScoredChunk::default()),
        WorkerMessage::OutputPart(b"a,b\r\n".to_vec()),
        WorkerMessage::OutputInBlob,
        WorkerMessage::Finished(summary),
        WorkerMessage::Failed(RunFailure::File {
            message: "missing feature column `b`".to_owned(),
        }),
        WorkerMessage::Failed(RunFailure::VersionMismatch { page: 2, worker: 1 }),
    ] {
        assert_eq!(round_trip(message.clone()), message);
    }
}

#[test]
fn page_messages_survive_their_envelope() {
    for message in [
        PageMessage::Start(StartRun {
            bundle_json: "{\"format\":\"x\"}".to_owned(),
            slice_bytes: 8 << 20,
            chunk_rows: 5000,
            log_chunk_rows: 20000,
            max_listed_errors: 200,
            preview_rows: 20,
            keep_values: false,
            class_names: instacart_reorder::batch::ClassNames::parse("[\"cat\", \"dog\"]", 2)
                .expect("names"),
        }),
        PageMessage::ChunkLogged { index: 9 },
        PageMessage::ScoreRange {
            index: 3,
            line: 7,
            offset: 100,
            bytes: b"1,\"a\r\nb\"\r\n".to_vec(),
        },
        PageMessage::Cancel,
        PageMessage::PrepareHelper,
        PageMessage::WarmUp {
            bundle_json: "{\"format\":\"x\"}".to_owned(),
        },
        PageMessage::ConvertModel(ConvertModel {
            feature_names_json: Some("[\"a\",\"b\"]".to_owned()),
            threshold_text: None,
        }),
    ] {
        assert_eq!(
            PageMessage::decode(&message.encode()).expect("decodes"),
            message
        );
    }
}

#[test]
fn ids_travel_as_whole_numbers_with_zero_apart_from_none() {
    let chunk = ScoredChunk {
        index: 0,
        probabilities: vec![0.1, 0.2, 0.3],
        decisions: vec![true, false, true],
        user_ids: vec![Some(0), None, Some(u64::MAX)],
        product_ids: vec![None, Some(0), Some(1 << 53 | 1)],
        values: Vec::new(),
        sketch: None,
    };
    let envelope = WorkerMessage::Scored(chunk.clone()).encode();
    assert!(
        !envelope.json.contains("ids"),
        "ids are not written as JSON: {}",
        envelope.json
    );
    let WorkerMessage::Scored(back) = WorkerMessage::decode(envelope).expect("decodes") else {
        panic!("a chunk comes back a chunk");
    };
    assert_eq!(back.user_ids, chunk.user_ids);
    assert_eq!(back.product_ids, chunk.product_ids);
    assert_eq!(back.decisions, chunk.decisions);
}

#[test]
fn malformed_envelopes_are_refused() {
    let not_json = Envelope {
        json: "{\"type\":\"no_such\"}".to_owned(),
        ..Envelope::default()
    };
    assert!(matches!(
        WorkerMessage::decode(not_json.clone()),
        Err(ProtocolError::Json(_))
    ));
    assert!(PageMessage::decode(&not_json).is_err());

    let mut short = WorkerMessage::Scored(ScoredChunk {
        index: 0,
        probabilities: vec![0.5, 0.5],
        decisions: vec![true, false],
        user_ids: vec![None, None],
        product_ids: vec![None, None],
        values: vec![1.0, 2.0],
        sketch: None,
    })
    .encode();
    short.numbers.pop();
    assert!(matches!(
        WorkerMessage::decode(short.clone()),
        Err(ProtocolError::Numbers { .. })
    ));
    short.bytes.pop();
    assert!(matches!(
        WorkerMessage::decode(short),
        Err(ProtocolError::Bytes {
            expected: 2,
            found: 1
        })
    ));

    let mut no_ids = WorkerMessage::Scored(ScoredChunk {
        index: 0,
        probabilities: vec![0.5],
        decisions: vec![true],
        user_ids: vec![Some(1)],
        product_ids: vec![Some(2)],
        values: Vec::new(),
        sketch: None,
    })
    .encode();
    no_ids.ids.pop();
    assert!(matches!(
        WorkerMessage::decode(no_ids),
        Err(ProtocolError::Ids { rows: 1, found: 1 })
    ));

    let mut labels = WorkerMessage::Finished(RunSummary {
        labelled: vec![(0.5, true)],
        ..RunSummary::default()
    })
    .encode();
    labels.bytes.clear();
    assert!(WorkerMessage::decode(labels).is_err());

    let converted = WorkerMessage::ModelConverted(ConvertedBundle {
        sha256: "ab".to_owned(),
        model_txt: b"tree".to_vec(),
        bundle_json: "{}".to_owned(),
    })
    .encode();
    let mut cut = converted.clone();
    cut.bytes.truncate(3);
    assert!(matches!(
        WorkerMessage::decode(cut),
        Err(ProtocolError::Bytes {
            expected: 4,
            found: 3
        })
    ));
    let mut not_text = converted;
    not_text.bytes.push(0xff);
    assert!(matches!(
        WorkerMessage::decode(not_text),
        Err(ProtocolError::BundleText(_))
    ));
}

fn model_fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/model/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).expect("model fixture")
}

fn convert_request(names: Option<&str>, threshold: Option<&str>) -> ConvertModel {
    ConvertModel {
        feature_names_json: names.map(str::to_owned),
        threshold_text: threshold.map(str::to_owned),
    }
}

#[test]
fn a_model_converted_by_the_worker_is_the_model_the_page_converts() {
    let model_txt = model_fixture("none_missing.txt");
    let here = convert_own_model(&model_txt, None, Some(" 0.25\n")).expect("converts");
    let answer = convert_request(None, Some(" 0.25\n")).answer(model_txt.clone());
    let WorkerMessage::ModelConverted(bundle) = round_trip(answer) else {
        panic!("a supported model is converted");
    };
    assert_eq!(bundle.model_txt, model_txt, "the exact bytes come back");
    assert_eq!(bundle.sha256, here.sha256);
    let there = Model::from_bundle_json(&bundle.bundle_json).expect("the bundle loads");
    assert_eq!(there.source_sha256(), here.model.source_sha256());
    assert_eq!(there.threshold(), 0.25);
    assert_eq!(
        serde_json::to_string(there.bundle()).expect("json"),
        serde_json::to_string(here.model.bundle()).expect("json"),
        "the same bundle, every float to the bit"
    );
}

#[test]
fn a_model_refused_by_the_worker_gets_the_pages_words() {
    let good = model_fixture("none_missing.txt");
    let cases: [(Vec<u8>, Option<&str>, Option<&str>); 4] = [
        (model_fixture("reject_zero_count.txt"), None, None),
        (vec![b't', 0xff, b'e'], None, None),
        (good.clone(), None, Some("half")),
        (good, Some("[1, 2]"), None),
    ];
    for (model_txt, names, threshold) in cases {
        let expected = convert_own_model(&model_txt, names, threshold)
            .err()
            .expect("refused")
            .to_string();
        let answer = convert_request(names, threshold).answer(model_txt);
        assert_eq!(
            round_trip(answer),
            WorkerMessage::ModelRefused { message: expected }
        );
    }
}

/// A batch file for `model`: ids, a label, every feature (some missing, one column quoted), a
/// bad row and CRLF line ends.
fn batch_file(model: &Model, rows: usize) -> Vec<u8> {
    let names = model.feature_names();
    let mut text = format!("user_id,product_id,reordered,{}\r\n", names.join(","));
    for row in 0..rows {
        let mut cells = vec![
            format!("{}", 100 + row % 7),
            format!("\"{}\"", 2000 + row),
            format!("{}", row % 2),
        ];
        for (column, _) in names.iter().enumerate() {
            cells.push(match (row + column) % 11 {
                0 => String::new(),
                3 => "NaN".to_owned(),
                k => format!("{}", (k as f64) * 0.37 + row as f64 / 13.0),
            });
        }
        if row == 17 {
            cells[3] = "oops".to_owned();
        }
        text.push_str(&cells.join(","));
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// `reorder predict`'s output for `bytes`: the whole file read, scored and written at once.
fn predict_like_the_cli(model: &Model, bytes: &[u8]) -> Vec<u8> {
    let names = model.feature_names();
    let mut reader = BatchReader::new(bytes.to_vec(), &names).expect("header fits");
    let mut writer = OutputWriter::new(reader.layout());
    loop {
        let chunk = reader.next_chunk(4096);
        let predictions = model.predict_batch_full(&chunk.values).expect("scores");
        for (row, prediction) in chunk.rows.iter().zip(&predictions) {
            writer.push(
                row,
                prediction.probability,
                model.is_reorder(prediction.probability),
            );
        }
        if chunk.done {
            break;
        }
    }
    writer.into_bytes()
}

/// Drives a run as the worker does: slices of `slice` bytes, chunks of `chunk_rows` rows.
fn run_in_slices(
    model: &Model,
    bytes: &[u8],
    slice: usize,
    chunk_rows: usize,
) -> (Vec<u8>, Vec<ScoredChunk>, RunSummary) {
    let mut run = ScoringRun::new(model, bytes.len() as u64, 5, 3);
    let mut slices = bytes.chunks(slice);
    let mut output = Vec::new();
    let mut chunks = Vec::new();
    loop {
        match run.step(chunk_rows).expect("runs") {
            RunStep::NeedsInput => match slices.next() {
                Some(slice) => run.push(slice.to_vec()),
                None => run.end_input(),
            },
            RunStep::Scored(chunk) => chunks.push(chunk),
            RunStep::Finished => break,
        }
        output.extend(run.take_output());
    }
    assert_eq!(run.progress().bytes_read, bytes.len() as u64);
    (output, chunks, run.finish(false).expect("has rows"))
}

#[test]
fn a_run_hands_over_its_labelled_rows_sorted_highest_first() {
    let model = model();
    let bytes = batch_file(&model, 60);
    let (_, chunks, summary) = run_in_slices(&model, &bytes, 1000, 16);
    let mut from_chunks: Vec<f64> = chunks
        .iter()
        .flat_map(|chunk| chunk.probabilities.iter().copied())
        .collect();
    from_chunks.sort_by(|a, b| b.total_cmp(a));
    let handed: Vec<f64> = summary.labelled.iter().map(|pair| pair.0).collect();
    assert_eq!(handed, from_chunks, "every labelled row, highest first");
    // batch_file labels the odd rows 1: 30 of its 60 rows, less the bad row 17.
    let positives = summary.labelled.iter().filter(|pair| pair.1).count();
    assert_eq!(positives, 29);
}

#[test]
fn a_run_in_slices_writes_what_reorder_predict_writes() {
    let model = model();
    let bytes = batch_file(&model, 60);
    let expected = predict_like_the_cli(&model, &bytes);
    for (slice, chunk_rows) in [(bytes.len(), 1000), (64, 7), (1, 1), (1000, 16)] {
        let (output, chunks, summary) = run_in_slices(&model, &bytes, slice, chunk_rows);
        assert_eq!(
            String::from_utf8_lossy(&output),
            String::from_utf8_lossy(&expected),
            "slices of {slice} bytes, chunks of {chunk_rows} rows"
        );
        assert_eq!(summary.rows_scored, 59);
        assert_eq!(summary.bad_rows, 1);
        assert_eq!(summary.listed_errors.len(), 1);
        assert_eq!(summary.preview.len(), 3);
        assert_eq!(summary.label_column.as_deref(), Some("reordered"));
        assert_eq!(summary.labelled.len(), 59);
        let logged: usize = chunks.iter().map(ScoredChunk::len).sum();
        assert_eq!(logged, 59);
        let indices: Vec<u32> = chunks
            .iter()
            .filter(|chunk| !chunk.is_empty())
            .map(|chunk| chunk.index)
            .collect();
        assert_eq!(indices, (0..indices.len() as u32).collect::<Vec<_>>());
        let first = chunks.iter().find(|chunk| !chunk.is_empty()).expect("rows");
        assert_eq!(first.user_ids[0], Some(100));
        assert_eq!(first.product_ids[0], Some(2000));
        let width = model.num_features();
        assert_eq!(first.values.len(), first.len() * width);
        let mut probability = [0.0];
        model
            .predict_batch(&first.values[..width], &mut probability)
            .expect("scores");
        assert_eq!(first.probabilities[0].to_bits(), probability[0].to_bits());
        assert_eq!(first.decisions[0], model.is_reorder(probability[0]));
    }
}

#[test]
fn slices_written_straight_into_the_run_are_read_as_pushed_ones() {
    let model = model();
    let bytes = batch_file(&model, 60);
    let expected = predict_like_the_cli(&model, &bytes);
    for slice in [1, 64, 1000, bytes.len()] {
        let mut run = ScoringRun::new(&model, bytes.len() as u64, 5, 3);
        let mut slices = bytes.chunks(slice);
        let mut output = Vec::new();
        let mut rows = 0;
        loop {
            match run.step(7).expect("runs") {
                RunStep::NeedsInput => match slices.next() {
                    Some(slice) => {
                        run.push_with(slice.len(), |buffer| buffer.copy_from_slice(slice))
                    }
                    None => run.end_input(),
                },
                RunStep::Scored(chunk) => rows += chunk.len(),
                RunStep::Finished => break,
            }
            output.extend(run.take_output());
        }
        assert_eq!(rows, 59, "slices of {slice} bytes");
        assert_eq!(
            String::from_utf8_lossy(&output),
            String::from_utf8_lossy(&expected),
            "slices of {slice} bytes"
        );
    }
}

#[test]
fn a_warm_up_scores_made_up_rows_the_way_a_file_is_scored() {
    let model = model();
    assert_eq!(warm_up(&model).expect("warms up"), WARM_UP_ROWS as u64);
    let file = made_up_file(&model, 50);
    assert!(
        String::from_utf8_lossy(&file).contains(",,"),
        "some cells are missing"
    );
    let (output, _, summary) = run_in_slices(&model, &file, 1000, 7);
    assert_eq!((summary.rows_scored, summary.bad_rows), (50, 0));
    assert_eq!(
        String::from_utf8_lossy(&output),
        String::from_utf8_lossy(&predict_like_the_cli(&model, &file))
    );
}

#[test]
fn a_run_fails_as_the_cli_does_on_a_bad_header_or_no_rows() {
    let model = model();
    let mut run = ScoringRun::new(&model, 4, 5, 3);
    run.push(b"a,b\n".to_vec());
    run.end_input();
    let failure = run.step(10).expect_err("features missing");
    assert!(
        matches!(&failure, RunFailure::File { message } if message.starts_with("missing feature column")),
        "{failure}"
    );

    let header = format!("{}\n", model.feature_names().join(","));
    let mut run = ScoringRun::new(&model, header.len() as u64, 5, 3);
    run.push(header.into_bytes());
    run.end_input();
    while run.step(10).expect("header fits") != RunStep::Finished {}
    assert_eq!(
        run.finish(false).expect_err("no rows").to_string(),
        "the file has a header row but no data rows"
    );
}

/// Drives a run as the worker does with a helper: ranges of `chunk_rows` records cut from slices
/// of `slice` bytes, every other range scored by a second scorer built from the run's
/// `RangeSetup` (after the trip a helper's messages take: `ScoreRanges` and `ScoreRange` through
/// envelopes, `RangeScored` back), held back `lag` ranges as a busy helper would, and put back
/// in order.
fn run_with_a_helper(
    model: &Model,
    bytes: &[u8],
    slice: usize,
    chunk_rows: usize,
    lag: usize,
) -> (Vec<u8>, Vec<ScoredChunk>, RunSummary) {
    let bundle_json =
        std::fs::read_to_string(format!("{}/assets/model.json", env!("CARGO_MANIFEST_DIR")))
            .expect("bundle");
    let mut run = ScoringRun::new(model, bytes.len() as u64, 5, 3);
    let mut slices = bytes.chunks(slice);
    let mut helper: Option<(Model, RangeSetup)> = None;
    let mut waiting: std::collections::VecDeque<ScoredRange> = Default::default();
    let mut output = Vec::new();
    let mut chunks = Vec::new();
    let mut absorb = |run: &mut ScoringRun<'_>, scored: ScoredRange, output: &mut Vec<u8>| {
        chunks.push(run.absorb(scored).expect("in order"));
        output.extend(run.take_output());
    };
    loop {
        match run.next_range(chunk_rows).expect("runs") {
            NextRange::NeedsInput => match slices.next() {
                Some(slice) => run.push(slice.to_vec()),
                None => run.end_input(),
            },
            NextRange::Finished => break,
            NextRange::Range(range) if range.index % 2 == 1 => {
                let (helper_model, setup) = helper.get_or_insert_with(|| {
                    let setup = run
                        .scorer()
                        .expect("header read")
                        .setup(bundle_json.clone());
                    let PageMessage::ScoreRanges(setup) =
                        PageMessage::decode(&PageMessage::ScoreRanges(setup).encode())
                            .expect("decodes")
                    else {
                        panic!("a setup comes back a setup");
                    };
                    (
                        Model::from_bundle_json(&setup.bundle_json).expect("loads"),
                        setup,
                    )
                });
                let PageMessage::ScoreRange {
                    index,
                    line,
                    offset,
                    bytes,
                } = PageMessage::decode(&PageMessage::score_range(range).encode())
                    .expect("decodes")
                else {
                    panic!("a range comes back a range");
                };
                let scorer = RangeScorer::new(
                    helper_model,
                    setup.layout.clone(),
                    setup.max_listed_errors as usize,
                    setup.preview_rows as usize,
                );
                let scored = scorer
                    .score(RowRange {
                        index,
                        line,
                        offset,
                        bytes,
                    })
                    .expect("scores");
                let WorkerMessage::RangeScored(scored) =
                    WorkerMessage::decode(WorkerMessage::RangeScored(scored).encode())
                        .expect("decodes")
                else {
                    panic!("a scored range comes back one");
                };
                waiting.push_back(scored);
            }
            NextRange::Range(range) => {
                let scored = run
                    .scorer()
                    .expect("header read")
                    .score(range)
                    .expect("scores");
                waiting.push_back(scored);
            }
        }
        while waiting.len() > lag {
            let scored = waiting.pop_front().expect("one waits");
            absorb(&mut run, scored, &mut output);
        }
    }
    while let Some(scored) = waiting.pop_front() {
        absorb(&mut run, scored, &mut output);
    }
    output.extend(run.take_output());
    assert_eq!(run.progress().bytes_read, bytes.len() as u64);
    (output, chunks, run.finish(false).expect("has rows"))
}

#[test]
fn a_run_whose_ranges_a_helper_scores_writes_what_one_scorer_writes() {
    let model = model();
    let bytes = batch_file(&model, 60);
    let expected_output = predict_like_the_cli(&model, &bytes);
    let (_, expected_chunks, expected_summary) = run_in_slices(&model, &bytes, 1000, 16);
    for (slice, chunk_rows, lag) in [(bytes.len(), 16, 0), (64, 7, 2), (1, 1, 3), (1000, 5, 1)] {
        let (output, chunks, summary) = run_with_a_helper(&model, &bytes, slice, chunk_rows, lag);
        let case = format!("slices of {slice} bytes, ranges of {chunk_rows}, lag {lag}");
        assert_eq!(
            String::from_utf8_lossy(&output),
            String::from_utf8_lossy(&expected_output),
            "{case}"
        );
        assert_eq!(summary, expected_summary, "{case}");
        let rows = |chunks: &[ScoredChunk]| -> Vec<(u64, bool, Option<u64>, Option<u64>)> {
            chunks
                .iter()
                .flat_map(|chunk| {
                    (0..chunk.len()).map(move |row| {
                        (
                            chunk.probabilities[row].to_bits(),
                            chunk.decisions[row],
                            chunk.user_ids[row],
                            chunk.product_ids[row],
                        )
                    })
                })
                .collect()
        };
        assert_eq!(rows(&chunks), rows(&expected_chunks), "{case}");
        let values = |chunks: &[ScoredChunk]| -> Vec<u64> {
            chunks
                .iter()
                .flat_map(|chunk| chunk.values.iter().map(|value| value.to_bits()))
                .collect()
        };
        assert_eq!(values(&chunks), values(&expected_chunks), "{case}");
        let indices: Vec<u32> = chunks
            .iter()
            .filter(|chunk| !chunk.is_empty())
            .map(|chunk| chunk.index)
            .collect();
        assert_eq!(
            indices,
            (0..indices.len() as u32).collect::<Vec<_>>(),
            "{case}"
        );
    }
}

#[test]
fn a_run_told_not_to_keep_values_logs_rows_without_them_and_writes_the_same_csv() {
    let model = model();
    let bytes = batch_file(&model, 60);
    let mut run = ScoringRun::new(&model, bytes.len() as u64, 5, 3);
    run.keep_values(false);
    run.push(bytes.clone());
    run.end_input();
    let mut output = Vec::new();
    let mut chunks = Vec::new();
    loop {
        match run.step(16).expect("runs") {
            RunStep::Scored(chunk) => chunks.push(chunk),
            RunStep::Finished => break,
            RunStep::NeedsInput => panic!("the whole file was pushed"),
        }
        output.extend(run.take_output());
    }
    assert_eq!(output, predict_like_the_cli(&model, &bytes));
    assert_eq!(chunks.iter().map(ScoredChunk::len).sum::<usize>(), 59);
    assert!(chunks.iter().all(|chunk| chunk.values.is_empty()));
    let setup = RangeScorer::new(&model, run.scorer().expect("header").layout().clone(), 5, 3)
        .keeping_values(false)
        .setup(String::new());
    assert!(!setup.keep_values, "a helper is told too");
}

#[test]
fn chunks_gathered_for_the_log_hold_every_row_in_order() {
    let model = model();
    let bytes = batch_file(&model, 60);
    let (_, chunks, _) = run_in_slices(&model, &bytes, 64, 7);
    let concat = |chunks: &[ScoredChunk]| {
        let mut all = ScoredChunk::default();
        for chunk in chunks {
            all.probabilities.extend(&chunk.probabilities);
            all.decisions.extend(&chunk.decisions);
            all.user_ids.extend(&chunk.user_ids);
            all.product_ids.extend(&chunk.product_ids);
            all.values.extend(&chunk.values);
        }
        all
    };
    for target in [1, 16, 25, 1000] {
        let mut merger = ChunkMerger::new(target);
        let mut merged: Vec<ScoredChunk> = chunks
            .iter()
            .cloned()
            .filter_map(|chunk| merger.push(chunk))
            .collect();
        merged.extend(merger.finish());
        assert!(merger.finish().is_none(), "nothing is handed out twice");
        let (all, expected) = (concat(&merged), concat(&chunks));
        assert_eq!(all.len(), 59);
        let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&all.probabilities), bits(&expected.probabilities));
        assert_eq!(all.decisions, expected.decisions);
        assert_eq!(all.user_ids, expected.user_ids);
        assert_eq!(all.product_ids, expected.product_ids);
        assert_eq!(bits(&all.values), bits(&expected.values));
        let indices: Vec<u32> = merged.iter().map(|chunk| chunk.index).collect();
        assert_eq!(indices, (0..merged.len() as u32).collect::<Vec<_>>());
        let (last, full) = merged.split_last().expect("rows");
        assert!(
            full.iter().all(|chunk| chunk.len() >= target),
            "target {target}"
        );
        assert!(!last.is_empty());
    }
}

#[test]
fn a_range_put_back_out_of_order_is_refused() {
    let model = model();
    let bytes = batch_file(&model, 20);
    let mut run = ScoringRun::new(&model, bytes.len() as u64, 5, 3);
    run.push(bytes);
    run.end_input();
    let mut ranges = Vec::new();
    while let NextRange::Range(range) = run.next_range(5).expect("runs") {
        ranges.push(range);
    }
    // Four ranges of five rows (and the LF of the last CRLF, a range of no record).
    assert!(ranges.len() >= 4);
    let second = run
        .scorer()
        .expect("header read")
        .score(ranges[1].clone())
        .expect("scores");
    let refused = run.absorb(second).expect_err("range 0 comes first");
    assert_eq!(
        refused.to_string(),
        "range 1 came back where range 0 was expected"
    );
}

#[test]
fn a_scored_range_with_columns_of_other_lengths_is_refused() {
    let model = model();
    let bytes = batch_file(&model, 4);
    let mut run = ScoringRun::new(&model, bytes.len() as u64, 5, 3);
    run.push(bytes);
    run.end_input();
    let NextRange::Range(range) = run.next_range(10).expect("runs") else {
        panic!("one range");
    };
    let scored = run.scorer().expect("header").score(range).expect("scores");
    let envelope = WorkerMessage::RangeScored(scored).encode();
    // The last numbers are the range's drift sketch: one fewer is a sketch cut short.
    let mut short = envelope.clone();
    short.numbers.pop();
    assert!(matches!(
        WorkerMessage::decode(short),
        Err(ProtocolError::Sketch(_))
    ));
    // One more is a value too many for the rows.
    let mut long = envelope;
    long.numbers.push(0.5);
    assert!(matches!(
        WorkerMessage::decode(long),
        Err(ProtocolError::Numbers { .. } | ProtocolError::Sketch(_))
    ));
}

#[test]
fn a_message_of_another_build_is_refused_by_its_version_alone() {
    use instacart_reorder::worker_protocol::PROTOCOL_VERSION;
    let other = PROTOCOL_VERSION + 1;
    let newer = Envelope {
        json: format!("{{\"protocol_version\":{other},\"message\":{{\"type\":\"no_such\"}}}}"),
        ..Envelope::default()
    };
    assert!(matches!(
        WorkerMessage::decode(newer.clone()),
        Err(ProtocolError::OtherVersion { ours, found }) if ours == PROTOCOL_VERSION && found == other
    ));
    assert!(matches!(
        PageMessage::decode(&newer),
        Err(ProtocolError::OtherVersion { .. })
    ));
    // An older build's `Ready`, from before the version moved into the envelope.
    let older = Envelope {
        json: "{\"type\":\"ready\",\"protocol_version\":5}".to_owned(),
        ..Envelope::default()
    };
    assert!(matches!(
        WorkerMessage::decode(older),
        Err(ProtocolError::OtherVersion { found: 5, .. })
    ));
}

/// A model trained from pandas: the Batch page's run reads category names as `reorder predict`
/// does, and writes the same bytes; its probabilities are LightGBM's.
#[test]
fn a_run_on_category_names_writes_what_reorder_predict_writes() {
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/model/kinds/pandas_binary.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let model = instacart_reorder::model::model_from_files(instacart_reorder::model::ModelFiles {
        model_txt: text.as_bytes(),
        feature_names_json: None,
        threshold: 0.5,
        meta_json: None,
    })
    .expect("converts");
    let bytes = b"id,aisle,days_since_prior,share_reordered,department,hour,user_rate\n\
1,yogurt,19.0,0.333,dairy eggs,22.0,0.07195\n\
2,\"milk, whole\",,0.397,dairy eggs,19.0,0.27141\n\
3,\"say \"\"cheese\"\" snacks\",4,0.2,,7,0.5\n"
        .to_vec();
    let expected = reorder_predict_output(&model, &bytes, "category-names", None);
    for (slice, chunk_rows) in [(bytes.len(), 1000), (7, 1)] {
        let (output, _, summary) = run_in_slices(&model, &bytes, slice, chunk_rows);
        assert_eq!(summary.bad_rows, 0, "{:?}", summary.listed_errors);
        assert_eq!(
            String::from_utf8_lossy(&output),
            String::from_utf8_lossy(&expected)
        );
    }
    // The first row is LightGBM's first row of pandas_binary.input.csv.
    let first: f64 = String::from_utf8_lossy(&expected)
        .lines()
        .nth(1)
        .and_then(|line| line.split(',').nth(1).map(str::to_owned))
        .and_then(|cell| cell.parse().ok())
        .expect("a probability");
    assert_eq!(first, 0.08740126697287906);
}

/// Models without a threshold (multiclass, one-vs-all, regression, ranking): the Batch page's
/// run writes the columns `reorder predict` writes, the same bytes, with LightGBM's values; a
/// `label` column passes through; nothing goes to the log.
#[test]
fn a_run_of_a_model_of_another_kind_writes_what_reorder_predict_writes() {
    use std::io::Read;
    for (name, outputs) in [
        ("multiclass", 4),
        ("multiclassova", 3),
        ("regression", 1),
        ("lambdarank", 1),
    ] {
        let root = format!("{}/tests/fixtures/model/kinds", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(format!("{root}/{name}.txt")).expect("fixture");
        let model =
            instacart_reorder::model::model_from_files(instacart_reorder::model::ModelFiles {
                model_txt: text.as_bytes(),
                feature_names_json: None,
                threshold: 0.5,
                meta_json: None,
            })
            .expect("converts");
        assert_eq!(model.num_outputs(), outputs, "{name}");
        let mut rows = String::new();
        flate2::read::GzDecoder::new(
            std::fs::File::open(format!("{root}/{name}.rows.csv.gz")).expect("rows"),
        )
        .read_to_string(&mut rows)
        .expect("gzip");
        let mut lines = rows.lines();
        let header: Vec<&str> = lines.next().expect("header").split(',').collect();
        let features = header.iter().position(|h| *h == "raw_0").expect("raw_0");
        // A file of the rows a file can hold (no infinities), NaN as empty cells, with a label.
        let mut bytes = format!("label,{}\n", header[..features].join(","));
        let mut lightgbm = Vec::new();
        for (index, line) in lines.enumerate() {
            let values: Vec<f64> = line.split(',').map(|c| c.parse().expect("f64")).collect();
            if values[..features].iter().any(|v| v.is_infinite()) || lightgbm.len() >= 300 {
                continue;
            }
            let cells: Vec<String> = values[..features]
                .iter()
                .map(|v| {
                    if v.is_nan() {
                        String::new()
                    } else {
                        format!("{v}")
                    }
                })
                .collect();
            bytes.push_str(&format!("{},{}\n", index % 3, cells.join(",")));
            lightgbm.push(values[features + outputs..features + 2 * outputs].to_vec());
        }
        let bytes = bytes.into_bytes();
        let expected = reorder_predict_output(&model, &bytes, &format!("kind-{name}"), None);
        for (slice, chunk_rows) in [(bytes.len(), 1000), (61, 7)] {
            let (output, chunks, summary) = run_in_slices(&model, &bytes, slice, chunk_rows);
            assert_eq!(summary.bad_rows, 0, "{name}: {:?}", summary.listed_errors);
            assert_eq!(summary.rows_scored, lightgbm.len() as u64, "{name}");
            assert!(
                chunks.iter().all(ScoredChunk::is_empty),
                "{name}: nothing to log"
            );
            assert_eq!(
                String::from_utf8_lossy(&output),
                String::from_utf8_lossy(&expected),
                "{name}"
            );
        }
        let expected = String::from_utf8(expected).expect("utf-8");
        let mut lines = expected.lines();
        let columns: Vec<&str> = lines.next().expect("header").split(',').collect();
        assert_eq!(columns[0], "label", "{name}: the label passes through");
        let first_output = 1;
        for (line, lightgbm) in lines.zip(&lightgbm) {
            let cells: Vec<&str> = line.split(',').collect();
            let ours: Vec<u64> = cells[first_output..first_output + outputs]
                .iter()
                .map(|cell| cell.parse::<f64>().expect("f64").to_bits())
                .collect();
            let theirs: Vec<u64> = lightgbm.iter().map(|v| v.to_bits()).collect();
            assert_eq!(ours, theirs, "{name}: {line}");
        }
    }
}

/// Class names given on the page name the `class` column as `reorder predict --classes` does,
/// also in ranges a helper scores (the names travel in its setup).
#[test]
fn a_run_with_class_names_writes_what_reorder_predict_classes_writes() {
    let root = format!("{}/tests/fixtures/model/kinds", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(format!("{root}/multiclass.txt")).expect("fixture");
    let model = instacart_reorder::model::model_from_files(instacart_reorder::model::ModelFiles {
        model_txt: text.as_bytes(),
        feature_names_json: None,
        threshold: 0.5,
        meta_json: None,
    })
    .expect("converts");
    let names_text = "milk\nbread\n\"eggs\"\n=SUM(A1)\n";
    let classes =
        instacart_reorder::batch::ClassNames::for_model(names_text, &model).expect("names");
    let bytes = b"days_since_prior,times_bought,department_id,aisle_rate,user_rate\n\
7,3,11,0.2933,0.20996\n\
30,1,,0.9,0.01\n\
,12,4,0.1,0.5\n"
        .to_vec();
    let expected = reorder_predict_output(&model, &bytes, "class-names", Some(names_text));
    let mut run = ScoringRun::new(&model, bytes.len() as u64, 5, 3);
    run.class_names(classes.clone());
    run.push(bytes.clone());
    run.end_input();
    let mut output = Vec::new();
    loop {
        match run.step(1).expect("runs") {
            RunStep::Finished => break,
            RunStep::NeedsInput => unreachable!("the whole file was pushed"),
            RunStep::Scored(_) => {}
        }
        output.extend(run.take_output());
    }
    output.extend(run.take_output());
    assert_eq!(
        String::from_utf8_lossy(&output),
        String::from_utf8_lossy(&expected)
    );
    assert!(
        String::from_utf8_lossy(&expected).contains("'=SUM(A1)")
            || String::from_utf8_lossy(&expected).contains("\"'=SUM(A1)\""),
        "the formula guard: {}",
        String::from_utf8_lossy(&expected)
    );
    // A helper's scorer is set up from the run's scorer: the names go with it.
    let setup = run.scorer().expect("past the header").setup(String::new());
    assert_eq!(setup.class_names, classes);
    // Names for a model without classes are refused.
    let regression = std::fs::read_to_string(format!("{root}/regression.txt")).expect("fixture");
    let regression =
        instacart_reorder::model::model_from_files(instacart_reorder::model::ModelFiles {
            model_txt: regression.as_bytes(),
            feature_names_json: None,
            threshold: 0.5,
            meta_json: None,
        })
        .expect("converts");
    assert!(instacart_reorder::batch::ClassNames::for_model("a\nb", &regression).is_err());
}

/// What `reorder predict` writes for `bytes` scored by `model` (its bundle written to a scratch
/// directory named `scratch`), with `classes` as its `--classes` file when given; the command
/// must succeed.
fn reorder_predict_output(
    model: &Model,
    bytes: &[u8],
    scratch: &str,
    classes: Option<&str>,
) -> Vec<u8> {
    let dir = crate::support::scratch_dir("worker", scratch);
    let bundle = dir.join("bundle.json");
    std::fs::write(
        &bundle,
        serde_json::to_string(model.bundle()).expect("json"),
    )
    .expect("bundle");
    let input = dir.join("in.csv");
    std::fs::write(&input, bytes).expect("input");
    let names = dir.join("classes.txt");
    let out = dir.join("out.csv");
    let mut args = vec![
        "predict",
        "--bundle",
        crate::support::path_arg(&bundle),
        "--input",
        crate::support::path_arg(&input),
        "--output",
        crate::support::path_arg(&out),
    ];
    if let Some(classes) = classes {
        std::fs::write(&names, classes).expect("names");
        args.extend(["--classes", crate::support::path_arg(&names)]);
    }
    let status = crate::support::run_reorder(&args);
    assert!(
        status.status.success(),
        "{scratch}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    std::fs::read(&out).expect("output")
}
