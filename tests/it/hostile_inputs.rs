//! A corpus of bad and awkward files fed to every native entry point: `reorder predict`,
//! `explain`, `convert` and `features`, and the pure readers behind the Batch page, the order
//! history upload, the own-model page and the embed API. Each file either reads as the same rows
//! as its clean form (BOM, CRLF, ` 3 `, `-0`) or gets a clear error naming the place (file, line,
//! column), with exit code 2 and no output file from the CLI, and never a panic.
//! The browser side of the same corpus is in the e2e suite (`tests/e2e/hostile.rs`).
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{repo_path as repo, scratch_dir, REORDER};
use instacart_reorder::batch::BatchReader;
use instacart_reorder::embed_protocol::{read_message, Incoming};
use instacart_reorder::model::own_model::convert_own_model;
use instacart_reorder::model::Model;
use instacart_reorder::order_history::files::read_uploaded;

fn scratch(test: &str) -> PathBuf {
    scratch_dir("hostile", test)
}

fn bundle() -> PathBuf {
    repo("assets/model.json")
}

/// Runs `reorder` with these arguments.
fn reorder(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(REORDER)
        .args(args)
        .output()
        .expect("runs reorder")
}

/// The command was refused as bad input (exit 2), wrote nothing to `output`, and its message
/// names every needle.
fn assert_refused(name: &str, run: &std::process::Output, output: &Path, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{name}: {stderr}");
    assert!(!output.exists(), "{name}: partial output");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{name}: `{needle}` not in {stderr}"
        );
    }
}

fn model() -> Model {
    Model::from_bundle_json(&std::fs::read_to_string(bundle()).expect("bundle")).expect("loads")
}

/// The header and the first five (good) rows of the labelled batch fixture.
fn clean_rows() -> (String, Vec<String>) {
    let text = std::fs::read_to_string(repo("tests/e2e/fixtures/uploads/batch_labelled.csv"))
        .expect("fixture");
    let mut lines = text.lines();
    let header = lines.next().expect("header").to_owned();
    (header, lines.take(5).map(str::to_owned).collect())
}

fn csv_of(header: &str, rows: &[String], line_end: &str) -> Vec<u8> {
    let mut text = String::new();
    for line in std::iter::once(header).chain(rows.iter().map(String::as_str)) {
        text.push_str(line);
        text.push_str(line_end);
    }
    text.into_bytes()
}

/// The clean file with one cell of the first data row replaced (column by header name).
fn with_cell(column: &str, cell: &[u8]) -> Vec<u8> {
    let (header, rows) = clean_rows();
    let index = header
        .split(',')
        .position(|name| name == column)
        .expect("column exists");
    let mut out = csv_of(&header, &[], "\n");
    let mut first: Vec<Vec<u8>> = rows[0].split(',').map(|c| c.as_bytes().to_vec()).collect();
    first[index] = cell.to_vec();
    out.extend(first.join(&b","[..]));
    out.push(b'\n');
    for row in &rows[1..] {
        out.extend(row.as_bytes());
        out.push(b'\n');
    }
    out
}

enum Expect {
    /// Reads as the same rows as the clean file.
    SameAsClean,
    /// Refused; the message contains every one of these.
    Error(&'static [&'static str]),
}

/// The feature-row corpus: (name, bytes, expectation).
fn row_corpus() -> Vec<(&'static str, Vec<u8>, Expect)> {
    let (header, rows) = clean_rows();
    let clean = csv_of(&header, &rows, "\n");
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(&clean);
    let duplicated = csv_of(
        &format!("{header},user_total_orders"),
        &rows.iter().map(|r| format!("{r},1")).collect::<Vec<_>>(),
        "\n",
    );
    let quoted_passthrough = {
        let (header, rows) = clean_rows();
        let rows: Vec<String> = rows.iter().map(|r| format!("{r},\"a\nb, =c\"")).collect();
        csv_of(&format!("{header},note"), &rows, "\n")
    };
    vec![
        ("empty", Vec::new(), Expect::Error(&["empty"])),
        (
            "header only",
            csv_of(&header, &[], "\n"),
            Expect::Error(&["no data rows"]),
        ),
        ("bom", bom, Expect::SameAsClean),
        ("crlf", csv_of(&header, &rows, "\r\n"), Expect::SameAsClean),
        (
            "duplicate header",
            duplicated,
            Expect::Error(&["`user_total_orders`", "more than once"]),
        ),
        (
            "10 MB single line",
            vec![b'a'; 10 * 1024 * 1024],
            Expect::Error(&["missing feature column"]),
        ),
        (
            "non-UTF-8 cell",
            with_cell("user_total_orders", b"1\xff"),
            Expect::Error(&["line 2", "`user_total_orders`", "UTF-8"]),
        ),
        (
            "non-UTF-8 header",
            {
                let mut bytes = b"\xff".to_vec();
                bytes.extend(&clean);
                bytes
            },
            Expect::Error(&["UTF-8"]),
        ),
        (
            "quoted newline in a pass-through cell",
            quoted_passthrough,
            Expect::SameAsClean,
        ),
        (
            "quoted newline in a feature cell",
            with_cell("user_total_orders", b"\"1\n2\""),
            Expect::Error(&["line 2", "`user_total_orders`", "not a number"]),
        ),
        (
            "1e400",
            with_cell("user_total_orders", b"1e400"),
            Expect::Error(&["line 2", "`user_total_orders`", "finite"]),
        ),
        (
            "inf",
            with_cell("user_avg_basket_size", b"-inf"),
            Expect::Error(&["line 2", "`user_avg_basket_size`", "finite"]),
        ),
        (
            "thousands separator",
            with_cell("user_total_orders", b"\"10,000\""),
            Expect::Error(&["line 2", "`user_total_orders`", "thousands separator"]),
        ),
        (
            "-0",
            with_cell("user_total_orders", b"-0"),
            Expect::Error(&[]), // checked against `0` below, not against the clean file
        ),
        (
            "padded number",
            with_cell("user_total_orders", b" 10 "),
            Expect::SameAsClean,
        ),
        (
            "short row",
            {
                let mut bytes = csv_of(&header, &rows, "\n");
                bytes.extend(b"1,2,3\n");
                bytes
            },
            Expect::Error(&["line 7", "cells"]),
        ),
    ]
}

/// Every probability `reorder predict` wrote, or its exit code and stderr.
fn predict_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<Vec<u8>, (i32, String)> {
    let input = dir.join(format!("{}.csv", name.replace(' ', "_")));
    let output = dir.join(format!("{}.out.csv", name.replace(' ', "_")));
    std::fs::write(&input, bytes).expect("write input");
    let run = Command::new(REORDER)
        .args(["predict", "--bundle"])
        .arg(bundle())
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .expect("runs reorder");
    if run.status.success() {
        Ok(std::fs::read(&output).expect("output written"))
    } else {
        assert!(
            !output.exists(),
            "{name}: a failed command left an output file"
        );
        Err((
            run.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&run.stderr).into_owned(),
        ))
    }
}

fn probabilities(csv_bytes: &[u8]) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(csv_bytes);
    let column = reader
        .headers()
        .expect("header")
        .iter()
        .position(|name| name == "probability")
        .expect("probability column");
    reader
        .records()
        .map(|record| record.expect("row")[column].to_owned())
        .collect()
}

#[test]
fn cli_predict_reads_or_refuses_every_file_of_the_corpus() {
    let dir = scratch("predict");
    let (header, rows) = clean_rows();
    let clean = probabilities(&predict_file(&dir, "clean", &csv_of(&header, &rows, "\n")).unwrap());
    assert_eq!(clean.len(), 5);
    for (name, bytes, expect) in row_corpus() {
        let result = predict_file(&dir, name, &bytes);
        match (expect, result) {
            (Expect::SameAsClean, Ok(out)) => {
                assert_eq!(probabilities(&out), clean, "{name}")
            }
            (Expect::Error(needles), Err((code, stderr))) if !needles.is_empty() => {
                assert_eq!(code, 2, "{name}: {stderr}");
                assert!(stderr.starts_with("reorder: input `"), "{name}: {stderr}");
                for needle in needles {
                    assert!(
                        stderr.contains(needle),
                        "{name}: `{needle}` not in {stderr}"
                    );
                }
            }
            (Expect::Error(_), Ok(out)) if name == "-0" => {
                let zero = predict_file(&dir, "zero", &with_cell("user_total_orders", b"0"));
                assert_eq!(probabilities(&out), probabilities(&zero.unwrap()));
            }
            (_, result) => panic!("{name}: unexpected {result:?}"),
        }
    }
}

#[test]
fn cli_explain_refuses_the_same_files_with_the_same_messages() {
    let dir = scratch("explain");
    for (name, bytes, expect) in row_corpus() {
        let Expect::Error(needles) = expect else {
            continue;
        };
        if needles.is_empty() {
            continue;
        }
        let input = dir.join("in.csv");
        let output = dir.join("out.csv");
        std::fs::write(&input, &bytes).expect("write");
        let run = reorder(&[
            "explain".as_ref(),
            "--bundle".as_ref(),
            bundle().as_os_str(),
            "--input".as_ref(),
            input.as_os_str(),
            "--output".as_ref(),
            output.as_os_str(),
        ]);
        assert_refused(name, &run, &output, needles);
    }
}

#[test]
fn the_batch_pages_reader_refuses_the_same_rows_naming_line_and_column() {
    let model = model();
    let names = model.feature_names();
    for (name, bytes, expect) in row_corpus() {
        let Expect::Error(needles) = expect else {
            continue;
        };
        let message = match BatchReader::new(bytes, &names) {
            Err(error) => error.to_string(),
            Ok(mut reader) => {
                let mut errors = Vec::new();
                let mut rows = 0;
                loop {
                    let chunk = reader.next_chunk(1000);
                    errors.extend(chunk.errors.iter().map(ToString::to_string));
                    rows += chunk.rows.len();
                    if chunk.done {
                        break;
                    }
                }
                if rows == 0 && errors.is_empty() {
                    "the file has a header row but no data rows".to_owned()
                } else {
                    errors.join("\n")
                }
            }
        };
        for needle in needles {
            assert!(
                message.contains(needle),
                "{name}: `{needle}` not in {message}"
            );
        }
    }
}

/// A model text with its first tree's second left child pointing back at the root.
fn cyclic_model() -> Vec<u8> {
    let text = std::fs::read_to_string(repo("models/model.txt")).expect("model");
    let mut done = false;
    let edited: Vec<String> = text
        .lines()
        .map(|line| match line.strip_prefix("left_child=") {
            Some(children) if !done => {
                done = true;
                let mut parts: Vec<&str> = children.split(' ').collect();
                parts[1] = "0";
                format!("left_child={}", parts.join(" "))
            }
            _ => line.to_owned(),
        })
        .collect();
    (edited.join("\n") + "\n").into_bytes()
}

fn model_corpus() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let model = std::fs::read(repo("models/model.txt")).expect("model");
    let mut not_utf8 = model.clone();
    not_utf8.insert(40, 0xFF);
    vec![
        ("empty", Vec::new(), "not"),
        ("truncated", model[..model.len() / 2].to_vec(), "tree"),
        ("non-UTF-8", not_utf8, "UTF-8"),
        ("cyclic tree", cyclic_model(), "tree 0"),
        ("10 MB single line", vec![b'x'; 10 * 1024 * 1024], "not"),
    ]
}

#[test]
fn convert_and_the_own_model_page_give_the_same_verdict_on_bad_models() {
    let dir = scratch("convert");
    for (name, bytes, needle) in model_corpus() {
        let path = dir.join("model.txt");
        let out = dir.join("bundle.json");
        std::fs::write(&path, &bytes).expect("write");
        let run = reorder(&[
            "convert".as_ref(),
            "--threshold".as_ref(),
            "0.5".as_ref(),
            "--model".as_ref(),
            path.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_refused(name, &run, &out, &[needle]);
        let page = convert_own_model(&bytes, None, None)
            .err()
            .map(|error| error.to_string())
            .unwrap_or_else(|| panic!("{name}: the own-model page accepted it"));
        assert!(page.contains(needle), "{name}: `{needle}` not in {page}");
    }
}

#[test]
fn a_model_with_a_bom_is_accepted_by_both_with_the_sha256_of_its_bytes() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(std::fs::read(repo("models/model.txt")).expect("model"));
    let dir = scratch("bom-model");
    let path = dir.join("model.txt");
    let out = dir.join("bundle.json");
    std::fs::write(&path, &bytes).expect("write");
    let run = Command::new(REORDER)
        .args(["convert", "--threshold", "0.5", "--model"])
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let cli = Model::from_bundle_json(&std::fs::read_to_string(&out).expect("bundle"))
        .expect("loads")
        .source_sha256()
        .to_owned();
    let page = convert_own_model(&bytes, None, None)
        .expect("accepted")
        .sha256;
    assert_eq!(cli, page);
    // The digest is of the file's bytes as `sha256sum` reads them, BOM included.
    let independent = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&bytes);
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(page, independent);
}

/// `text` with a byte that is never UTF-8 (0xFF) inserted after the first `marker`.
fn with_invalid_byte_after(text: &str, marker: &str) -> Vec<u8> {
    let at = text.find(marker).expect("marker") + marker.len();
    let mut bytes = text.as_bytes().to_vec();
    bytes.insert(at, 0xFF);
    bytes
}

const ORDER_LINES: &str = "order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order
11,7,1,2,8,,196,1
12,7,2,3,9,15.0,196,1
";

#[test]
fn the_order_history_upload_reads_or_refuses_every_file_of_the_corpus() {
    let clean = read_uploaded(&[("orders.csv".to_owned(), ORDER_LINES.as_bytes().to_vec())])
        .expect("clean file reads");
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(ORDER_LINES.as_bytes());
    let same: Vec<(&str, Vec<u8>)> = vec![
        ("bom", bom),
        ("crlf", ORDER_LINES.replace('\n', "\r\n").into_bytes()),
        (
            "padded",
            ORDER_LINES.replace(",15.0,", ", 15 ,").into_bytes(),
        ),
    ];
    for (name, bytes) in same {
        let read = read_uploaded(&[("orders.csv".to_owned(), bytes)]);
        assert_eq!(read.as_ref().ok(), Some(&clean), "{name}: {read:?}");
    }
    let header_only = ORDER_LINES.lines().next().unwrap_or_default().to_owned() + "\n";
    let refused: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("empty", Vec::new(), &["orders.csv", "missing column"]),
        (
            "header only",
            header_only.into_bytes(),
            &["orders.csv", "no order lines"],
        ),
        (
            "10 MB single line",
            vec![b'a'; 10 * 1024 * 1024],
            &["orders.csv", "missing column"],
        ),
        (
            "non-UTF-8",
            with_invalid_byte_after(ORDER_LINES, "11,7,1,2,8,,19"),
            &["orders.csv"],
        ),
        (
            "1e400",
            ORDER_LINES.replace(",15.0,", ",1e400,").into_bytes(),
            &["orders.csv", "line 3", "days_since_prior_order"],
        ),
        (
            "thousands separator",
            ORDER_LINES.replace("12,7,2", "12,7,\"2,000\"").into_bytes(),
            &[
                "orders.csv",
                "line 3",
                "order_number",
                "thousands separator",
            ],
        ),
        (
            "quoted newline",
            ORDER_LINES
                .replace(",196,1\n12", ",\"19\n6\",1\n12")
                .into_bytes(),
            &["orders.csv", "line 2", "product_id"],
        ),
    ];
    for (name, bytes, needles) in refused {
        let error = read_uploaded(&[("orders.csv".to_owned(), bytes)])
            .map(|_| ())
            .expect_err(name);
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        for needle in needles {
            assert!(
                message.contains(needle),
                "{name}: `{needle}` not in {message}"
            );
        }
    }
}

#[test]
fn the_features_command_refuses_bad_orders_files_naming_file_line_and_column() {
    let base =
        "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order
1,1,prior,1,0,8,
2,1,train,2,1,9,7.0
";
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("empty", Vec::new(), &["orders.csv"]),
        (
            "1e400",
            base.replace(",7.0", ",1e400").into_bytes(),
            &["orders.csv", "line 3", "days_since_prior_order"],
        ),
        (
            "thousands separator",
            base.replace("2,1,train,2", "2,1,train,\"2,000\"")
                .into_bytes(),
            &["orders.csv", "line 3", "order_number"],
        ),
        (
            "non-UTF-8",
            with_invalid_byte_after(base, "1,1,prior,1,"),
            &["orders.csv", "line 2"],
        ),
    ];
    for (name, bytes, needles) in cases {
        let dir = scratch(&format!("features-{}", name.replace(' ', "_")));
        std::fs::write(dir.join("orders.csv"), &bytes).expect("write");
        std::fs::write(
            dir.join("order_products__prior.csv"),
            "order_id,product_id,add_to_cart_order\n1,10,1\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("order_products__train.csv"),
            "order_id,product_id,add_to_cart_order\n2,10,1\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("products.csv"),
            "product_id,product_name,aisle_id,department_id\n10,Milk,1,1\n",
        )
        .expect("write");
        let out = dir.join("table.csv");
        let run = reorder(&[
            "features".as_ref(),
            "--data".as_ref(),
            dir.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_refused(name, &run, &out, needles);
    }
}

#[test]
fn malformed_embed_messages_are_ignored_or_refused_never_scored() {
    let model = model();
    let names = model.feature_names();
    let ours = [
        serde_json::json!({"type": "reorder:predict", "id": 1}),
        serde_json::json!({"type": "reorder:predict", "id": 1, "features": []}),
        serde_json::json!({"type": "reorder:predict", "id": 1, "features": {"user_total_orders": "3"}}),
        serde_json::json!({"type": "reorder:predict", "id": {"a": 1}, "features": {}}),
        serde_json::json!({"type": "reorder:predict", "id": 1, "features": {"x": {"y": [1, 2]}}}),
        serde_json::json!({"type": "reorder:delete", "id": 1}),
    ];
    for message in ours {
        assert!(
            matches!(read_message(&message, &names), Incoming::Reject { .. }),
            "{message}"
        );
    }
    for message in [
        serde_json::json!(null),
        serde_json::json!("reorder:predict"),
        serde_json::json!([1, 2]),
        serde_json::json!({"type": 5}),
        serde_json::json!({"type": "other:predict"}),
    ] {
        assert_eq!(
            read_message(&message, &names),
            Incoming::Ignore,
            "{message}"
        );
    }
}

/// Writes the labelled fixture's header, then `body_bytes` bytes of `fill` with no line break
/// (`quote`: opened by a quote that never closes), to a file in `dir`; generated, never committed.
fn endless_record(dir: &Path, name: &str, body_bytes: usize, quote: bool) -> PathBuf {
    use std::io::Write;
    let (header, _) = clean_rows();
    let path = dir.join(name);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("scratch file"));
    writeln!(out, "{header}").expect("write");
    if quote {
        out.write_all(b"\"").expect("write");
    }
    let block = vec![b'7'; 1 << 20];
    let mut left = body_bytes;
    while left > 0 {
        let n = left.min(block.len());
        out.write_all(&block[..n]).expect("write");
        left -= n;
    }
    out.flush().expect("write");
    path
}

/// Feeds `path` to the Batch page's reader (`ScoringRun`) in the page's 8 MiB slices, as the
/// page and its worker do; returns the failure and how many bytes were read before it.
fn page_reader_failure(path: &Path) -> (String, u64) {
    use instacart_reorder::batch::{RunStep, ScoringRun};
    use std::io::Read;
    let model = model();
    let total = std::fs::metadata(path).expect("size").len();
    let mut file = std::fs::File::open(path).expect("open");
    let mut run = ScoringRun::new(&model, total, 200, 20);
    let mut read = 0u64;
    loop {
        match run.step(10_000) {
            Ok(RunStep::NeedsInput) => {
                let mut slice = Vec::with_capacity(8 << 20);
                let n = (&mut file)
                    .take(8 << 20)
                    .read_to_end(&mut slice)
                    .expect("read");
                if n == 0 {
                    run.end_input();
                } else {
                    read += n as u64;
                    run.push(slice);
                }
            }
            Ok(RunStep::Scored(_)) => {}
            Ok(RunStep::Finished) => panic!("{}: read through without a word", path.display()),
            Err(failure) => return (failure.to_string(), read),
        }
    }
}

#[test]
fn a_gigabyte_without_a_line_break_is_refused_naming_its_line_with_bounded_memory() {
    let dir = scratch("endless");
    let limit = instacart_reorder::batch::MAX_RECORD_BYTES as u64;
    let one_line = endless_record(&dir, "one_line.csv", 1 << 30, false);
    let unclosed = endless_record(&dir, "unclosed_quote.csv", 100 << 20, true);
    for (path, what) in [
        (&one_line, "no line break"),
        (&unclosed, "a quote never closed"),
    ] {
        // The page's reader stops once the limit is passed, not at the end of the file.
        let (failure, read) = page_reader_failure(path);
        assert!(
            failure.contains("line 2") && failure.contains("longer than 64 MiB"),
            "{what}: {failure}"
        );
        assert!(
            read <= limit + (16 << 20),
            "{what}: read {read} bytes before refusing"
        );
        // The CLI, streamed (one thread) and whole (two threads): exit 2, the line named.
        for threads in ["1", "2"] {
            let output = dir.join(format!("out-{threads}.csv"));
            let run = reorder(&[
                "predict".as_ref(),
                "--bundle".as_ref(),
                bundle().as_os_str(),
                "--input".as_ref(),
                path.as_os_str(),
                "--output".as_ref(),
                output.as_os_str(),
                "--threads".as_ref(),
                threads.as_ref(),
            ]);
            assert_refused(what, &run, &output, &["line 2", "longer than 64 MiB"]);
        }
    }
    // A header row with no end: refused as the header, before any row is looked for.
    let header_only = dir.join("endless_header.csv");
    std::fs::write(&header_only, vec![b'x'; (limit + (1 << 20)) as usize]).expect("write");
    let (failure, _) = page_reader_failure(&header_only);
    assert!(
        failure.contains("line 1") && failure.contains("longer than"),
        "{failure}"
    );
    for path in [one_line, unclosed, header_only] {
        let _ = std::fs::remove_file(path);
    }
}
