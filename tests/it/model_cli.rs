//! The `reorder convert / predict / explain` commands, run as a user would: files in, files out,
//! exit codes and messages; scores checked against LightGBM's own fixture outputs.
#![cfg(not(target_arch = "wasm32"))]

use crate::support::{path_arg as path, run_reorder as run, scratch_dir, REORDER};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/model")
        .join(name)
}

fn scratch(test: &str) -> PathBuf {
    scratch_dir("cli", test)
}

/// `reorder <command> --bundle B --input I --output O`.
fn run_on_files(command: &str, bundle: &Path, input: &Path, output: &Path) -> Output {
    run(&[
        command,
        "--bundle",
        path(bundle),
        "--input",
        path(input),
        "--output",
        path(output),
    ])
}

struct Reference {
    header: Vec<String>,
    rows: Vec<Vec<f64>>,
}

/// LightGBM's fixture rows: features, raw, probability, contributions. Rows with an infinite
/// feature are left out: the project's number rule refuses `inf` in a file (see
/// `an_infinite_cell_is_exit_2_naming_line_and_column`).
fn reference(name: &str, limit: usize) -> Reference {
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
                .collect::<Vec<f64>>()
        })
        .filter(|row| row[..6].iter().all(|value| !value.is_infinite()))
        .take(limit)
        .collect();
    Reference { header, rows }
}

fn convert(dir: &Path, threshold: &str) -> PathBuf {
    let bundle = dir.join("bundle.json");
    let output = run(&[
        "convert",
        "--model",
        path(&fixture("nan_missing.txt")),
        "--threshold",
        threshold,
        "--out",
        path(&bundle),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    bundle
}

/// Writes the reference rows as a CSV with the feature columns reversed, an `id` column first,
/// LightGBM's `probability` last, and missing values spelled three ways.
fn write_input(dir: &Path, reference: &Reference, features: usize) -> PathBuf {
    let input = dir.join("input.csv");
    let mut text = String::from("id");
    for name in reference.header[..features].iter().rev() {
        text.push(',');
        text.push_str(name);
    }
    text.push_str(",probability\n");
    for (index, row) in reference.rows.iter().enumerate() {
        text.push_str(&format!("u{index}"));
        for value in row[..features].iter().rev() {
            text.push(',');
            if value.is_nan() {
                text.push_str(["", "NaN", "nan"][index % 3]);
            } else {
                text.push_str(&format!("{value}"));
            }
        }
        text.push_str(&format!(",{}\n", row[features + 1]));
    }
    std::fs::write(&input, text).expect("write input");
    input
}

#[test]
fn predict_matches_lightgbm_and_passes_columns_through() {
    let dir = scratch("predict");
    let threshold_file = dir.join("threshold.txt");
    std::fs::write(&threshold_file, "0.41\n").expect("threshold");
    let bundle = convert(&dir, path(&threshold_file));
    let reference = reference("nan_missing", 3000);
    let input = write_input(&dir, &reference, 6);
    let out = dir.join("out.csv");
    let output = run_on_files("predict", &bundle, &input, &out);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("output");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("id,input_probability,probability,is_reorder")
    );
    let mut count = 0;
    for (index, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], format!("u{index}"));
        let lightgbm = reference.rows[index][7];
        let ours: f64 = cells[2].parse().expect("probability");
        assert_eq!(ours.to_bits(), lightgbm.to_bits(), "row {index}");
        assert_eq!(cells[1].parse::<f64>().ok(), Some(lightgbm));
        assert_eq!(
            cells[3],
            if lightgbm >= 0.41 { "1" } else { "0" },
            "row {index}"
        );
        count += 1;
    }
    assert_eq!(count, 3000);
}

#[test]
fn explain_matches_lightgbm_pred_contrib() {
    let dir = scratch("explain");
    let bundle = convert(&dir, "0.5");
    let reference = reference("nan_missing", 500);
    let input = write_input(&dir, &reference, 6);
    let out = dir.join("shap.csv");
    let output = run_on_files("explain", &bundle, &input, &out);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("output");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let mut expected_header = vec!["id", "probability"];
    let shap_names: Vec<String> = reference.header[..6]
        .iter()
        .map(|name| format!("shap_{name}"))
        .collect();
    expected_header.extend(shap_names.iter().map(String::as_str));
    expected_header.push("shap_bias");
    assert_eq!(header, expected_header);
    for (index, line) in lines.enumerate() {
        let cells: Vec<f64> = line
            .split(',')
            .skip(2)
            .map(|c| c.parse().expect("f64"))
            .collect();
        let lightgbm = &reference.rows[index][8..];
        assert_eq!(cells.len(), lightgbm.len());
        for (ours, theirs) in cells.iter().zip(lightgbm) {
            assert_eq!(ours.to_bits(), theirs.to_bits(), "row {index}");
        }
    }
}

#[test]
fn a_missing_feature_column_is_exit_2_naming_it_and_writes_nothing() {
    let dir = scratch("missing-column");
    let bundle = convert(&dir, "0.5");
    let input = dir.join("input.csv");
    std::fs::write(
        &input,
        "id,days_since_prior,times_bought,share_reordered,aisle_rate,hour\n1,1,2,3,4,5\n",
    )
    .expect("input");
    let out = dir.join("out.csv");
    let output = run_on_files("predict", &bundle, &input, &out);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`cart_position`"), "{stderr}");
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        2,
        "stray files left"
    );
}

#[test]
fn a_bad_cell_is_exit_2_naming_line_and_column_and_writes_nothing() {
    let dir = scratch("bad-cell");
    let bundle = convert(&dir, "0.5");
    let input = dir.join("input.csv");
    std::fs::write(
        &input,
        "cart_position,hour,aisle_rate,share_reordered,times_bought,days_since_prior\n\
         1,2,3,4,5,6\n\
         1,2,3,,5,NaN\n\
         1,2,3,4,five,6\n",
    )
    .expect("input");
    let out = dir.join("out.csv");
    let output = run_on_files("predict", &bundle, &input, &out);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 4") && stderr.contains("`times_bought`") && stderr.contains("five"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn an_infinite_cell_is_exit_2_naming_line_and_column() {
    let dir = scratch("infinite-cell");
    let bundle = convert(&dir, "0.5");
    let input = dir.join("input.csv");
    std::fs::write(
        &input,
        "cart_position,hour,aisle_rate,share_reordered,times_bought,days_since_prior\n\
         1,2,3,4,5,1e300\n\
         1,2,-inf,4,5,6\n",
    )
    .expect("input");
    for command in ["predict", "explain"] {
        let out = dir.join(format!("{command}.csv"));
        let output = run_on_files(command, &bundle, &input, &out);
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!(
                "input `{}`: line 3, column `aisle_rate`",
                path(&input)
            )) && stderr.contains("-inf"),
            "{command}: {stderr}"
        );
        assert!(!out.exists(), "{command}");
    }
}

#[test]
fn stdin_and_stdout_work_with_a_dash() {
    let dir = scratch("stdio");
    let bundle = convert(&dir, "0.5");
    let mut child = Command::new(REORDER)
        .args([
            "predict",
            "--bundle",
            path(&bundle),
            "--input",
            "-",
            "--output",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            b"days_since_prior,times_bought,share_reordered,aisle_rate,hour,cart_position\n,,,,,\n",
        )
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("probability,is_reorder"));
    let cells: Vec<&str> = lines.next().expect("a row").split(',').collect();
    let probability: f64 = cells[0].parse().expect("probability");
    assert!(probability > 0.0 && probability < 1.0);
}

#[test]
fn clashing_output_columns_are_refused() {
    let dir = scratch("clash");
    let bundle = convert(&dir, "0.5");
    let input = dir.join("input.csv");
    std::fs::write(
        &input,
        "days_since_prior,times_bought,share_reordered,aisle_rate,hour,cart_position,probability,input_probability\n1,2,3,4,5,6,0.5,0.5\n",
    )
    .expect("input");
    let out = dir.join("out.csv");
    let output = run_on_files("predict", &bundle, &input, &out);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("input_probability"));
    assert!(!out.exists());
}

#[test]
fn convert_refuses_bad_inputs_with_exit_2() {
    let dir = scratch("convert-bad");
    let out = dir.join("bundle.json");
    let names = dir.join("names.json");
    std::fs::write(&names, r#"["a","b","c","d","e","f"]"#).expect("names");
    let output = run(&[
        "convert",
        "--model",
        path(&fixture("nan_missing.txt")),
        "--threshold",
        "0.5",
        "--features",
        path(&names),
        "--out",
        path(&out),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("days_since_prior"));
    let custom = dir.join("custom.txt");
    let text = std::fs::read_to_string(fixture("nan_missing.txt")).expect("fixture");
    std::fs::write(
        &custom,
        text.replace("objective=binary sigmoid:1", "objective=custom"),
    )
    .expect("custom model");
    let output = run(&[
        "convert",
        "--model",
        path(&custom),
        "--threshold",
        "0.5",
        "--out",
        path(&out),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("custom objective"));
    let output = run(&[
        "convert",
        "--model",
        path(&fixture("nan_missing.txt")),
        "--threshold",
        "high",
        "--out",
        path(&out),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn convert_carries_meta_into_the_bundle() {
    let dir = scratch("convert-meta");
    let meta = dir.join("meta.json");
    std::fs::write(
        &meta,
        r#"{"model_version": "2026-11-a", "lightgbm_version": "4.7.0", "metrics": {"auc": 0.83},
            "features": [{"name": "hour", "description": "Hour of day", "group": "order_context",
                          "kind": "hour", "unit": "h", "min": 0, "median": 13, "max": 23}]}"#,
    )
    .expect("meta");
    let out = dir.join("bundle.json");
    let output = run(&[
        "convert",
        "--model",
        path(&fixture("nan_missing.txt")),
        "--threshold",
        "0.5",
        "--meta",
        path(&meta),
        "--out",
        path(&out),
    ]);
    // Only one of six features is described: refused, naming the first undescribed one.
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("days_since_prior"));

    let names = [
        "days_since_prior",
        "times_bought",
        "share_reordered",
        "aisle_rate",
        "hour",
        "cart_position",
    ];
    let features: Vec<serde_json::Value> = names
        .iter()
        .map(|name| serde_json::json!({"name": name, "kind": "number", "group": "user"}))
        .collect();
    let document = serde_json::json!({"model_version": "2026-11-a", "metrics": {"auc": 0.83},
                                      "features": features});
    std::fs::write(&meta, document.to_string()).expect("meta");
    let output = run(&[
        "convert",
        "--model",
        path(&fixture("nan_missing.txt")),
        "--threshold",
        "0.5",
        "--meta",
        path(&meta),
        "--out",
        path(&out),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("bundle")).expect("json");
    assert_eq!(bundle["metadata"]["model_version"], "2026-11-a");
    assert_eq!(bundle["metadata"]["metrics"]["auc"], 0.83);
    assert_eq!(bundle["features"][4]["name"], "hour");
    assert_eq!(bundle["features"][4]["kind"], "number");
    assert_eq!(bundle["metadata"]["num_trees"], 40);
}

/// Someone who can write to the output's directory plants symlinks at the names the command
/// will use for its temporary file, pointing at a file they want overwritten. The command must
/// not write through them (it creates its temporary file with `create_new`, which refuses any
/// existing name, links included), must leave them alone, and must still write its output.
#[test]
fn a_symlink_planted_at_the_temporary_name_is_not_followed() {
    let dir = scratch("planted-link");
    let bundle = convert(&dir, "0.5");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious\n").expect("victim");
    let out = dir.join("out.csv");
    // Reading the rows from stdin holds the command before it writes anything, so the links
    // can be planted under its process id (the temporary name is `.out.csv.<pid>[.<n>].tmp`).
    let mut child = Command::new(REORDER)
        .args([
            "predict",
            "--bundle",
            path(&bundle),
            "--input",
            "-",
            "--output",
            path(&out),
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let planted: Vec<PathBuf> = std::iter::once(format!(".out.csv.{pid}.tmp"))
        .chain((1..=3).map(|n| format!(".out.csv.{pid}.{n}.tmp")))
        .map(|name| dir.join(name))
        .collect();
    for link in &planted {
        std::os::unix::fs::symlink(&victim, link).expect("plant symlink");
    }
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            b"days_since_prior,times_bought,share_reordered,aisle_rate,hour,cart_position\n,,,,,\n",
        )
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious\n",
        "the output was written through a planted link"
    );
    for link in &planted {
        let metadata = std::fs::symlink_metadata(link).expect("planted link still there");
        assert!(
            metadata.file_type().is_symlink(),
            "{} replaced",
            link.display()
        );
    }
    let metadata = std::fs::symlink_metadata(&out).expect("output written");
    assert!(
        metadata.file_type().is_file(),
        "the output is not a regular file"
    );
    let text = std::fs::read_to_string(&out).expect("output");
    assert_eq!(
        text.lines().next(),
        Some("probability,is_reorder"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
    // Nothing else is left behind: bundle, victim, output and the planted links.
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        3 + planted.len(),
        "stray files left"
    );
}

#[test]
fn threads_change_nothing_in_the_output() {
    let dir = scratch("threads");
    let bundle = convert(&dir, "0.5");
    // More rows than one read step (4,096), so several chunks are scored side by side.
    // (explain splits the rows it has between the threads, so a few hundred rows do.)
    let mut reference = reference("nan_missing", usize::MAX);
    let all = std::mem::take(&mut reference.rows);
    reference.rows = all.iter().take(301).cloned().collect();
    let small = dir.join("small.csv");
    std::fs::rename(write_input(&dir, &reference, 6), &small).expect("rename");
    let copies = 9_000 / all.len().max(1) + 1;
    reference.rows = (0..copies).flat_map(|_| all.iter().cloned()).collect();
    let large = write_input(&dir, &reference, 6);
    let large_rows = reference.rows.len();
    for (command, input, rows) in [("predict", &large, large_rows), ("explain", &small, 301)] {
        let mut outputs = Vec::new();
        for threads in [None, Some("1"), Some("2"), Some("5")] {
            let out = dir.join(format!("{command}-{}.csv", threads.unwrap_or("all")));
            let mut args = vec![
                command,
                "--bundle",
                path(&bundle),
                "--input",
                path(input),
                "--output",
                path(&out),
            ];
            if let Some(threads) = threads {
                args.extend(["--threads", threads]);
            }
            let output = run(&args);
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            outputs.push(std::fs::read(&out).expect("output"));
        }
        let lines = outputs[0].iter().filter(|&&byte| byte == b'\n').count();
        assert_eq!(
            lines,
            rows + 1,
            "{command}: one line per row and the header"
        );
        for output in &outputs[1..] {
            assert!(
                output == &outputs[0],
                "{command}: output depends on --threads"
            );
        }
    }
    let zero = run(&[
        "predict",
        "--threads",
        "0",
        "--bundle",
        path(&bundle),
        "--input",
        path(&small),
        "--output",
        path(&dir.join("zero.csv")),
    ]);
    assert!(!zero.status.success(), "--threads 0 is refused");
}
