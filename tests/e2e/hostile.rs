//! The browser side of the hostile-input suite (`tests/hostile_inputs.rs` has the native side):
//! the Batch page gives byte for byte the CSV `reorder predict` gives for the same awkward file;
//! bad files on Batch, your order history and your model get a clear error naming the place,
//! files over an input's limit are refused from their size without being read, a gigabyte with
//! no line break is refused once the limit for one record is passed, nothing reaches
//! the log; embed messages with NaN, Infinity or a cycle are refused and a sibling frame's
//! messages are ignored.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::error::CmdError;
use fantoccini::Client;
use serde_json::{json, Value};

use crate::harness::{
    app_url, base_url, capture_downloads, first_download_text, testid, wait_for, wait_for_attr,
    wait_for_model, with_browser, WAIT,
};

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn scratch(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("reorder-e2e-hostile-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The labelled fixture's header and its first five rows (all good), made awkward but valid:
/// CRLF line ends, a pass-through column with a quoted line break, a formula and a negative
/// number, a feature written ` 10 ` and one written `-0`.
fn awkward_but_valid_csv() -> Vec<u8> {
    let text = std::fs::read_to_string(repo("tests/e2e/fixtures/uploads/batch_labelled.csv"))
        .expect("fixture");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let total_orders = header
        .split(',')
        .position(|name| name == "user_total_orders")
        .expect("column");
    let notes = [
        "\"two\nlines, quoted\"",
        "=1+2",
        "-0.5",
        "@SUM(A1)",
        "plain",
    ];
    let mut out = format!("{header},note\r\n");
    for (index, (line, note)) in lines.take(5).zip(notes).enumerate() {
        let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
        match index {
            1 => cells[total_orders] = " 10 ".to_owned(),
            2 => cells[total_orders] = "-0".to_owned(),
            _ => {}
        }
        out.push_str(&cells.join(","));
        out.push(',');
        out.push_str(note);
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn cli_predict(input: &Path) -> String {
    let bundle = PathBuf::from(std::env::var("E2E_DIST_DIR").expect("E2E_DIST_DIR"))
        .join("assets/model.json");
    let output = input.with_extension("cli.csv");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_reorder"))
        .args(["predict", "--bundle"])
        .arg(&bundle)
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(&output)
        .output()
        .expect("runs reorder");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(std::fs::read(&output).expect("output")).expect("UTF-8 output")
}

/// Opens the Batch page (downloads captured) and scores `input` there, until `rows` are scored.
async fn score_on_the_batch_page(
    client: &Client,
    input: &Path,
    rows: usize,
) -> Result<(), CmdError> {
    client.goto(&app_url("/batch")).await?;
    wait_for_model(client).await?;
    capture_downloads(client).await?;
    wait_for(client, &testid("batch-file"))
        .await?
        .send_keys(&input.display().to_string())
        .await?;
    wait_for_attr(
        client,
        &testid("batch-results"),
        "data-rows",
        &rows.to_string(),
    )
    .await
}

/// The scored CSV the Batch page offers, as text.
async fn download_the_scored_csv(client: &Client) -> Result<String, CmdError> {
    wait_for(client, &testid("batch-download"))
        .await?
        .click()
        .await?;
    first_download_text(client).await
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn the_batch_page_and_reorder_predict_write_byte_identical_csv() {
    let dir = scratch("identical");
    let input = dir.join("awkward.csv");
    std::fs::write(&input, awkward_but_valid_csv()).expect("write");
    let expected = cli_predict(&input);
    assert!(
        expected.contains("'=1+2") && expected.contains(",-0.5,"),
        "{expected}"
    );
    with_browser(&[], |client| async move {
        score_on_the_batch_page(&client, &input, 5).await?;
        let downloaded = download_the_scored_csv(&client).await?;
        assert_eq!(downloaded, expected);
        Ok(())
    })
    .await;
}

/// A file large enough (about 30 MB, ~100,000 rows) for the worker to start its helper, and for
/// the helper to be ready long before the worker alone would be done, in ranges of 10,000 rows:
/// the awkward rows again and again (quoted line breaks and CRLFs falling at range ends, blank
/// lines, now and then a record starting with a byte-order mark's bytes), then a long stretch of
/// plain LF rows (cut without the CSV reader), then awkward rows again.
fn large_awkward_csv() -> Vec<u8> {
    let awkward = awkward_but_valid_csv();
    let text = String::from_utf8(awkward).expect("UTF-8");
    let (header, rows) = text.split_once("\r\n").expect("header");
    let plain: String = rows
        .split("\r\n")
        .filter(|row| row.ends_with(",plain"))
        .map(|row| format!("{row}\n"))
        .collect();
    assert!(!plain.is_empty() && !plain.contains('"'));
    let mut out = format!("{header}\r\n").into_bytes();
    let mut index = 0usize;
    for (until, stretch_is_plain) in [(8_000_000, false), (22_000_000, true), (30_000_000, false)] {
        while out.len() < until {
            index += 1;
            if stretch_is_plain {
                out.extend_from_slice(plain.as_bytes());
                continue;
            }
            out.extend_from_slice(rows.as_bytes());
            match index % 7 {
                0 => out.extend_from_slice(b"\r\n\n"),
                5 => out.extend_from_slice(b"\xEF\xBB\xBF"),
                _ => {}
            }
        }
    }
    out
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_large_file_scored_by_two_workers_is_byte_identical_to_reorder_predict() {
    let dir = scratch("two-workers");
    let input = dir.join("large.csv");
    std::fs::write(&input, large_awkward_csv()).expect("write");
    let expected = cli_predict(&input);
    // The CLI's rows: its output's records less the header (quoted cells hold line breaks).
    let rows = csv::ReaderBuilder::new()
        .from_reader(expected.as_bytes())
        .records()
        .count();
    assert!(rows > 15_000, "{rows} rows");
    with_browser(&[], |client| async move {
        score_on_the_batch_page(&client, &input, rows).await?;
        let results = wait_for(&client, &testid("batch-results")).await?;
        assert_eq!(
            results.attr("data-scored-in").await?.as_deref(),
            Some("worker")
        );
        assert_eq!(results.attr("data-scorers").await?.as_deref(), Some("2"));
        let downloaded = download_the_scored_csv(&client).await?;
        assert!(
            downloaded == expected,
            "the page's CSV differs from reorder predict's"
        );
        Ok(())
    })
    .await;
}

/// A file of `size` bytes that takes no disk space (a hole), to test limits without writing.
fn sparse_file(path: &Path, size: u64) -> String {
    let file = std::fs::File::create(path).expect("create");
    file.set_len(size).expect("set length");
    path.display().to_string()
}

async fn upload(client: &Client, input: &str, path: &Path) -> Result<(), CmdError> {
    let element = wait_for(client, &testid(input)).await?;
    element.clear().await?;
    element.send_keys(&path.display().to_string()).await?;
    Ok(())
}

/// Waits until the element's text contains every needle; returns the text.
async fn wait_for_message(client: &Client, id: &str, needles: &[&str]) -> Result<String, CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Ok(element) = client.find(fantoccini::Locator::Css(&testid(id))).await {
            let text = element.text().await?;
            if needles.iter().all(|needle| text.contains(needle)) {
                return Ok(text);
            }
            assert!(
                std::time::Instant::now() < deadline,
                "`{id}` says {text:?}, expected {needles:?}"
            );
        }
        assert!(std::time::Instant::now() < deadline, "no `{id}`");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn bad_and_oversized_files_get_a_clear_error_and_nothing_is_logged() {
    let dir = scratch("files");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };
    let header = std::fs::read_to_string(repo("tests/e2e/fixtures/uploads/batch_labelled.csv"))
        .expect("fixture")
        .lines()
        .next()
        .expect("header")
        .to_owned();
    let width = header.split(',').count();
    let infinite_row = format!("{header}\n{}\n", vec!["1e400"; width].join(","));
    let batch_cases: Vec<(PathBuf, Vec<&str>)> = vec![
        (write("empty.csv", b""), vec!["empty"]),
        (
            write("header.csv", format!("{header}\n").as_bytes()),
            vec!["no data rows"],
        ),
        (
            write("long.csv", &vec![b'a'; 10 * 1024 * 1024]),
            vec!["missing feature column"],
        ),
        (write("binary.csv", b"\xff\xfe\x00junk"), vec!["UTF-8"]),
    ];
    let infinite = write("infinite.csv", infinite_row.as_bytes());
    let huge_batch = dir.join("huge.csv");
    sparse_file(&huge_batch, 2049 * 1024 * 1024);
    // A gigabyte with no line break after the header (a hole: zero bytes, no disk space).
    let endless_line = write("endless_line.csv", format!("{header}\n").as_bytes());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&endless_line)
        .and_then(|file| file.set_len(1 << 30))
        .expect("extend");
    let model_text = std::fs::read(repo("models/model.txt")).expect("model");
    let truncated = write("truncated.txt", &model_text[..model_text.len() / 2]);
    let mut not_utf8 = model_text.clone();
    not_utf8.insert(40, 0xFF);
    let not_utf8 = write("not_utf8.txt", &not_utf8);
    let huge_model = dir.join("huge_model.txt");
    sparse_file(&huge_model, 65 * 1024 * 1024);
    let history_empty = write("orders_empty.csv", b"");
    let history_binary = write("orders_binary.csv", b"order_id,user_id\n\xff\xff\n");
    let huge_history = dir.join("huge_orders.csv");
    sparse_file(&huge_history, 257 * 1024 * 1024);

    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        for (path, needles) in &batch_cases {
            upload(&client, "batch-file", path).await?;
            wait_for_message(&client, "batch-failed", needles).await?;
        }
        upload(&client, "batch-file", &huge_batch).await?;
        wait_for_message(&client, "batch-failed", &["huge.csv", "2.0 GB", "2 GB"]).await?;
        // Refused once 64 MiB have come without the record ending, not after the whole file.
        upload(&client, "batch-file", &endless_line).await?;
        wait_for_message(&client, "batch-failed", &["line 2", "longer than 64 MiB"]).await?;
        // Every row bad: each is listed by line and column, none is scored or logged.
        upload(&client, "batch-file", &infinite).await?;
        wait_for_attr(&client, &testid("batch-results"), "data-rows", "0").await?;
        let listed = wait_for(&client, &testid("batch-error"))
            .await?
            .text()
            .await?;
        assert!(listed.contains("finite"), "{listed}");

        client.goto(&app_url("/history")).await?;
        upload(&client, "history-file", &history_empty).await?;
        wait_for_message(&client, "history-error", &["orders_empty.csv"]).await?;
        upload(&client, "history-file", &history_binary).await?;
        wait_for_message(&client, "history-error", &["orders_binary.csv"]).await?;
        upload(&client, "history-file", &huge_history).await?;
        wait_for_message(&client, "history-error", &["huge_orders.csv", "256 MB"]).await?;

        client.goto(&app_url("/own-model")).await?;
        wait_for_model(&client).await?;
        for (path, needles) in [
            (&truncated, vec!["tree"]),
            (&not_utf8, vec!["UTF-8"]),
            (&huge_model, vec!["huge_model.txt", "64 MB"]),
        ] {
            upload(&client, "own-model-file", path).await?;
            wait_for(&client, &testid("own-model-use"))
                .await?
                .click()
                .await?;
            wait_for_message(&client, "own-model-error", &needles).await?;
            assert_eq!(
                wait_for(&client, &testid("own-model-status"))
                    .await?
                    .attr("data-state")
                    .await?
                    .as_deref(),
                Some("none")
            );
        }

        // Nothing reached the log, and the app still works.
        client.goto(&app_url("/dashboard")).await?;
        wait_for_attr(&client, &testid("total-predictions"), "data-value", "0").await?;
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        wait_for(&client, &testid("probability")).await?;
        Ok(())
    })
    .await;
}

fn parent_url() -> String {
    std::env::var("E2E_PARENT_URL")
        .expect("E2E_PARENT_URL")
        .trim_end_matches('/')
        .to_owned()
}

async fn received(client: &Client) -> Result<Vec<Value>, CmdError> {
    let value = client
        .execute("return window.received || [];", vec![])
        .await?;
    Ok(value.as_array().cloned().unwrap_or_default())
}

async fn reply_to(client: &Client, id: &str) -> Result<Value, CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(found) = received(client)
            .await?
            .into_iter()
            .find(|message| message["data"]["id"] == json!(id))
        {
            return Ok(found["data"].clone());
        }
        assert!(std::time::Instant::now() < deadline, "no reply to {id}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn embed_messages_with_nan_infinity_or_cycles_are_refused_and_siblings_are_ignored() {
    with_browser(&[], |client| async move {
        client
            .goto(&format!("{}/embed-parent.html?app={}", parent_url(), base_url()))
            .await?;
        let deadline = std::time::Instant::now() + WAIT;
        let features = loop {
            let ready = received(&client)
                .await?
                .into_iter()
                .find(|message| message["data"]["type"] == json!("reorder:ready"));
            if let Some(ready) = ready {
                break ready["data"]["features"].clone();
            }
            assert!(std::time::Instant::now() < deadline, "never ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // Built in the parent page itself, so NaN, Infinity and the cycle are real JS values.
        client
            .execute(
                "const names = arguments[0]; \
                 const features = (value) => Object.fromEntries(names.map((n, i) => [n, i === 0 ? value : null])); \
                 window.ask({type: 'reorder:predict', id: 'nan', features: features(NaN)}); \
                 window.ask({type: 'reorder:predict', id: 'inf', features: features(Infinity)}); \
                 const cyclic = {type: 'reorder:predict', id: 'cycle', features: features(null)}; \
                 cyclic.features.self = cyclic; \
                 window.ask(cyclic); \
                 window.ask({type: 'reorder:predict', id: 'fine', features: features(1)}); \
                 return true;",
                vec![features.clone()],
            )
            .await?;
        let first = features[0].as_str().unwrap_or_default().to_owned();
        for (id, needle) in [("nan", "NaN"), ("inf", "infinite"), ("cycle", "nested deeper")] {
            let reply = reply_to(&client, id).await?;
            assert_eq!(reply["type"], json!("reorder:error"), "{reply}");
            let message = reply["message"].as_str().unwrap_or_default();
            assert!(message.contains(needle), "{id}: {message}");
            if id != "cycle" {
                assert!(message.contains(&first), "{id} names the feature: {message}");
            }
        }
        assert_eq!(reply_to(&client, "fine").await?["type"], json!("reorder:prediction"));

        // A sibling frame of the same parent (same origin as the parent) asks: no answer.
        client
            .execute(
                "const sibling = document.createElement('iframe'); \
                 sibling.srcdoc = `<script>parent.frames[0].postMessage({type: 'reorder:predict', id: 'sibling', features: {}}, '*');</` + `script>`; \
                 document.body.appendChild(sibling); return true;",
                vec![],
            )
            .await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        client
            .execute(
                "window.ask({type: 'reorder:predict', id: 'after', features: {}}); return true;",
                vec![],
            )
            .await?;
        assert_eq!(reply_to(&client, "after").await?["type"], json!("reorder:error"));
        let all = received(&client).await?;
        assert!(
            !all.iter().any(|message| message["data"]["id"] == json!("sibling")),
            "a sibling frame was answered: {all:?}"
        );
        Ok(())
    })
    .await;
}
