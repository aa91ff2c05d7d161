//! Uploads in the browser: a labelled file of real rows scored on the Batch page (bad
//! rows listed, good rows scored bit-exactly as LightGBM, threshold metrics), and a LightGBM
//! model of one's own converted and used in the browser.

use std::path::PathBuf;

use fantoccini::Client;
use serde_json::Value;

use crate::harness::{
    app_url, capture_downloads, click, first_download_text, testid, wait_for, wait_for_attr,
    wait_for_model, with_browser, WAIT,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// The fixture's good rows: LightGBM's probability and the real label.
fn fixture_rows() -> Vec<(f64, bool)> {
    let path = fixture("tests/e2e/fixtures/uploads/batch_labelled.csv");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .expect("the batch fixture exists");
    let headers = reader.headers().expect("header").clone();
    let probability = headers
        .iter()
        .position(|h| h == "lightgbm_probability")
        .expect("column");
    let label = headers
        .iter()
        .position(|h| h == "reordered")
        .expect("column");
    let first = headers
        .iter()
        .position(|h| h == "user_total_orders")
        .expect("column");
    reader
        .records()
        .map(|record| record.expect("the fixture is CSV"))
        // The bad rows, worked out by hand: a short row, a label of 2, a word for a number.
        .filter(|record| record.len() == headers.len())
        .filter(|record| &record[label] == "0" || &record[label] == "1")
        .filter(|record| record[first].parse::<f64>().is_ok())
        .map(|record| {
            (
                record[probability].parse::<f64>().expect("a probability"),
                &record[label] == "1",
            )
        })
        .collect()
}

fn model_threshold() -> f64 {
    std::fs::read_to_string(fixture("models/best_threshold.txt"))
        .expect("threshold file")
        .trim()
        .parse()
        .expect("a number")
}

/// (TP, FP, FN, TN) with `probability >= threshold` predicted positive, counted here.
fn counts(rows: &[(f64, bool)], threshold: f64) -> [usize; 4] {
    let mut counts = [0; 4];
    for &(probability, label) in rows {
        let predicted = probability >= threshold;
        let slot = match (predicted, label) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => 2,
            (false, false) => 3,
        };
        counts[slot] += 1;
    }
    counts
}

async fn attr(
    client: &Client,
    css: &str,
    name: &str,
) -> Result<String, fantoccini::error::CmdError> {
    Ok(wait_for(client, css)
        .await?
        .attr(name)
        .await?
        .unwrap_or_default())
}

async fn shown_counts(client: &Client) -> Result<[usize; 4], fantoccini::error::CmdError> {
    let mut shown = [0; 4];
    for (slot, id) in ["batch-tp", "batch-fp", "batch-fn", "batch-tn"]
        .iter()
        .enumerate()
    {
        let text = wait_for(client, &testid(id)).await?.text().await?;
        shown[slot] = text.trim().parse().expect("a count");
    }
    Ok(shown)
}

async fn wait_for_counts(
    client: &Client,
    expected: [usize; 4],
) -> Result<(), fantoccini::error::CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = shown_counts(client).await?;
        if shown == expected {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            panic!("the confusion matrix shows {shown:?}, expected {expected:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_labelled_file_is_scored_with_bad_rows_listed_and_metrics_shown() {
    let rows = fixture_rows();
    assert_eq!(rows.len(), 300, "the fixture has 300 good rows");
    let threshold = model_threshold();
    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        capture_downloads(&client).await?;
        let path = fixture("tests/e2e/fixtures/uploads/batch_labelled.csv");
        wait_for(&client, &testid("batch-file"))
            .await?
            .send_keys(&path.display().to_string())
            .await?;
        let results = wait_for(&client, &testid("batch-results")).await?;
        assert_eq!(results.attr("data-rows").await?.as_deref(), Some("300"));
        assert_eq!(
            attr(&client, &testid("batch-errors"), "data-count").await?,
            "3"
        );
        let mut lines = Vec::new();
        for error in client
            .find_all(fantoccini::Locator::Css(&testid("batch-error")))
            .await?
        {
            lines.push(error.attr("data-line").await?.unwrap_or_default());
        }
        assert_eq!(
            lines,
            vec!["13", "54", "125"],
            "bad rows are listed by line"
        );

        // Good rows are scored exactly as LightGBM did: the preview and the whole download.
        let preview = client
            .find_all(fantoccini::Locator::Css(&testid("batch-probability")))
            .await?;
        assert_eq!(preview.len(), 20);
        for (cell, (expected, _)) in preview.iter().zip(&rows) {
            let shown: f64 = cell
                .attr("data-value")
                .await?
                .unwrap_or_default()
                .parse()
                .expect("f64");
            assert_eq!(shown, *expected);
        }
        wait_for(&client, &testid("batch-download"))
            .await?
            .click()
            .await?;
        let csv_text = first_download_text(&client).await?;
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let headers = reader.headers().expect("a header row").clone();
        let names: Vec<&str> = headers.iter().collect();
        assert_eq!(
            names,
            vec![
                "user_id",
                "product_id",
                "lightgbm_probability",
                "reordered",
                "probability",
                "is_reorder"
            ]
        );
        let downloaded: Vec<csv::StringRecord> = reader
            .records()
            .collect::<Result<_, _>>()
            .expect("rows parse");
        assert_eq!(downloaded.len(), 300);
        for record in &downloaded {
            let lightgbm: f64 = record[2].parse().expect("f64");
            let ours: f64 = record[4].parse().expect("f64");
            assert_eq!(ours, lightgbm, "row {:?}", record);
            assert_eq!(&record[5], if ours >= threshold { "1" } else { "0" });
        }

        // Metrics at the model's threshold, then at a threshold tried for the view only.
        assert_eq!(
            attr(&client, &testid("batch-f1-model-threshold"), "data-value").await?,
            threshold.to_string()
        );
        wait_for(&client, &testid("batch-pr-curve")).await?;
        wait_for_counts(&client, counts(&rows, threshold)).await?;
        let [tp, fp, fn_, _] = counts(&rows, threshold);
        let f1: f64 = attr(&client, &testid("batch-f1"), "data-value")
            .await?
            .parse()
            .expect("f64");
        assert_eq!(f1, 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64);
        let input = wait_for(&client, &testid("batch-threshold")).await?;
        input.clear().await?;
        input.send_keys("0.5\u{E004}").await?;
        wait_for_counts(&client, counts(&rows, 0.5)).await?;
        wait_for(&client, &testid("batch-threshold-reset"))
            .await?
            .click()
            .await?;
        wait_for_counts(&client, counts(&rows, threshold)).await?;

        // Every scored row is in the log, with source batch.
        wait_for(&client, &testid("nav-dashboard"))
            .await?
            .click()
            .await?;
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let total = attr(&client, &testid("total-predictions"), "data-value").await?;
            if total == "300" {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the dashboard counts {total}, expected 300"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_file_without_a_feature_column_is_refused_naming_it() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        let path = fixture("tests/fixtures/model/reject_categorical.txt");
        wait_for(&client, &testid("batch-file"))
            .await?
            .send_keys(&path.display().to_string())
            .await?;
        let message = wait_for(&client, &testid("batch-failed"))
            .await?
            .text()
            .await?;
        assert!(
            message.contains("missing feature column `user_total_orders`"),
            "{message}"
        );
        Ok(())
    })
    .await;
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn an_own_model_is_converted_used_remembered_logged_and_removed() {
    let model_path = fixture("tests/fixtures/model/none_missing.txt");
    let sha = sha256_hex(&std::fs::read(&model_path).expect("fixture"));
    let rows_path = fixture("tests/e2e/fixtures/uploads/own_model_rows.csv");
    let mut reader = csv::Reader::from_path(&rows_path).expect("rows fixture");
    // Rows holding an infinite feature are refused by the number rule (README, "Numbers") and
    // listed as bad rows; every other row is scored exactly as LightGBM did.
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("csv")).collect();
    assert_eq!(records.len(), 40);
    let infinite = |record: &csv::StringRecord| {
        record.iter().take(6).any(|cell| {
            cell.trim_start_matches(['+', '-'])
                .eq_ignore_ascii_case("inf")
        })
    };
    let refused = records.iter().filter(|r| infinite(r)).count();
    assert_eq!(refused, 5, "the fixture has rows with infinite features");
    let lightgbm: Vec<f64> = records
        .iter()
        .filter(|r| !infinite(r))
        .map(|record| record[6].parse().expect("f64"))
        .collect();
    with_browser(&[], |client| async move {
        // One prediction with the app's model first, so the log holds two models.
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        wait_for(&client, &testid("predict")).await?.click().await?;
        wait_for(&client, "[data-testid=\"log-status\"][data-state=\"saved\"]").await?;
        client.goto(&app_url("/own-model")).await?;
        wait_for_model(&client).await?;
        // A model the converter refuses gets the converter's message.
        let refused = fixture("tests/fixtures/model/reject_zero_count.txt");
        wait_for(&client, &testid("own-model-file")).await?.send_keys(&refused.display().to_string()).await?;
        wait_for(&client, &testid("own-model-use")).await?.click().await?;
        let message = wait_for(&client, &testid("own-model-error")).await?.text().await?;
        assert!(message.contains("has a `leaf_count` of 0"), "{message}");
        assert_eq!(attr(&client, &testid("own-model-status"), "data-state").await?, "none");

        wait_for(&client, &testid("own-model-file")).await?.clear().await?;
        wait_for(&client, &testid("own-model-file")).await?.send_keys(&model_path.display().to_string()).await?;
        wait_for(&client, &testid("own-model-use")).await?.click().await?;
        wait_for_attr(&client, &testid("own-model-status"), "data-state", "loaded").await?;
        assert_eq!(wait_for(&client, &testid("own-model-sha256")).await?.text().await?.trim(), sha);
        assert_eq!(attr(&client, &testid("own-model-threshold"), "data-value").await?, "0.5");

        // Remembered across a reload; the Batch page scores with it exactly as LightGBM did.
        client.goto(&app_url("/batch")).await?;
        wait_for(&client, &testid("batch-model")).await?;
        capture_downloads(&client).await?;
        wait_for(&client, &testid("batch-file")).await?.send_keys(&rows_path.display().to_string()).await?;
        let results = wait_for(&client, &testid("batch-results")).await?;
        assert_eq!(results.attr("data-rows").await?.as_deref(), Some("35"));
        assert_eq!(attr(&client, &testid("batch-errors"), "data-count").await?, "5");
        wait_for(&client, &testid("batch-download")).await?.click().await?;
        let csv_text = first_download_text(&client).await?;
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let headers = reader.headers().expect("header").clone();
        assert_eq!(headers.iter().collect::<Vec<_>>(), vec!["input_probability", "probability", "is_reorder"]);
        let ours: Vec<f64> = reader.records().map(|r| r.expect("row")[1].parse().expect("f64")).collect();
        assert_eq!(ours, lightgbm);

        // The Predict page's form is built from the model's own feature names.
        client.goto(&app_url("/")).await?;
        wait_for(&client, &testid("predict-own-model")).await?;
        wait_for(&client, &testid("feature-times_bought")).await?;

        // The log knows which model made each prediction: filter the dashboard by it.
        client.goto(&app_url("/dashboard")).await?;
        wait_for_attr(&client, &testid("total-predictions"), "data-value", "36").await?;
        wait_for(&client, &format!("[data-testid=\"filter-model\"] option[value=\"{sha}\"]")).await?;
        client
            .execute(
                "const select = document.querySelector('[data-testid=\"filter-model\"]'); \
                 select.value = arguments[0]; select.dispatchEvent(new Event('change', { bubbles: true })); return true;",
                vec![Value::String(sha.clone())],
            )
            .await?;
        wait_for_attr(&client, &testid("total-predictions"), "data-value", "35").await?;

        // Removed: the app's model is back, also after a reload.
        client.goto(&app_url("/own-model")).await?;
        click(&client, &testid("own-model-remove")).await?;
        wait_for_attr(&client, &testid("own-model-status"), "data-state", "none").await?;
        client.refresh().await?;
        wait_for_model(&client).await?;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(attr(&client, &testid("own-model-status"), "data-state").await?, "none");
        client.goto(&app_url("/")).await?;
        wait_for(&client, &testid("feature-user_total_orders")).await?;
        Ok(())
    })
    .await;
}

/// The processes under the chromedriver this suite talks to (the browsers it started), found
/// through the port in `WEBDRIVER_URL` with one `ps`.
fn browser_pids() -> Vec<u32> {
    let port = std::env::var("WEBDRIVER_URL")
        .ok()
        .and_then(|url| {
            url.rsplit(':')
                .next()
                .map(|p| p.trim_end_matches('/').to_owned())
        })
        .unwrap_or_default();
    let output = std::process::Command::new("ps")
        .args(["-eo", "pid=,ppid=,args="])
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default();
    let processes: Vec<(u32, u32, String)> = output
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let pid = parts.next()?.parse().ok()?;
            let ppid = parts.next()?.parse().ok()?;
            Some((pid, ppid, parts.collect::<Vec<_>>().join(" ")))
        })
        .collect();
    let mut roots: Vec<u32> = processes
        .iter()
        .filter(|(_, _, args)| {
            args.contains("chromedriver") && args.contains(&format!("--port={port}"))
        })
        .map(|(pid, ..)| *pid)
        .collect();
    let mut found = Vec::new();
    while let Some(parent) = roots.pop() {
        for (pid, ppid, _) in &processes {
            if *ppid == parent {
                found.push(*pid);
                roots.push(*pid);
            }
        }
    }
    found
}

/// Resident memory, in MiB, of `pids` (read from /proc: no process started, so sampling it
/// often takes nothing from the browser being measured on a small machine).
fn rss_mib(pids: &[u32]) -> f64 {
    let page_kib = 4.0;
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/statm")).ok())
        .filter_map(|statm| statm.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map(|pages| pages * page_kib / 1024.0)
        .sum()
}

/// Benchmark, not a timed test: a large labelled file (the fixture's 300 real rows repeated;
/// `BENCH_ROWS`, default 1,000,000) scored on the Batch page. Prints the wall time, every
/// main-thread task over 50 ms (the Long Tasks API: when and how long the page could not answer),
/// the longest wait of a timer probe and the browser's peak memory.
#[tokio::test]
#[ignore = "benchmark: needs the served release build and chromedriver; run explicitly"]
async fn bench_large_batch_file() {
    let target: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let source = std::fs::read_to_string(fixture("tests/e2e/fixtures/uploads/batch_labelled.csv"))
        .expect("fixture");
    let mut lines = source.lines();
    let header = lines.next().expect("header");
    let header_width = header.split(',').count();
    let good: Vec<&str> = lines
        .filter(|line| line.split(',').count() == header_width)
        .filter(|line| line.ends_with(",0") || line.ends_with(",1"))
        .filter(|line| !line.contains(",ten,"))
        .collect();
    let path = std::env::temp_dir().join(format!("reorder-bench-{target}.csv"));
    {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("temp file"));
        writeln!(out, "{header}").expect("write");
        for index in 0..target {
            writeln!(out, "{}", good[index % good.len()]).expect("write");
        }
    }
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let file = path.display().to_string();
    let scored = path.with_extension("scored.csv");
    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        // A user picks the file after the page has opened: its worker (started as the page
        // opens) is ready by then. Waited for here, and its wait printed.
        let opened = std::time::Instant::now();
        wait_for(&client, "[data-testid=\"page-batch\"][data-scorer=\"ready\"]").await?;
        let worker_ready_ms = opened.elapsed().as_millis();
        let mut pids = browser_pids();
        let baseline = rss_mib(&pids);
        // Every main-thread task longer than 50 ms (the Long Tasks API), over the whole run.
        client
            .execute(
                "window.benchLongTasks = []; const start = performance.now(); \
                 new PerformanceObserver((list) => { for (const task of list.getEntries()) \
                 window.benchLongTasks.push([task.startTime - start, task.duration]); \
                 }).observe({ type: 'longtask' });",
                vec![],
            )
            .await?;
        let started = std::time::Instant::now();
        wait_for(&client, &testid("batch-file")).await?.send_keys(&file).await?;
        let mut peak = baseline;
        let mut longest_probe = 0.0f64;
        let mut polls = 0u32;
        loop {
            // A renderer or a worker process may start during the run: look again now and then.
            polls += 1;
            if polls.is_multiple_of(8) {
                pids = browser_pids();
            }
            peak = peak.max(rss_mib(&pids));
            let waited = client
                .execute_async(
                    "const done = arguments[arguments.length - 1]; const t = performance.now(); \
                     setTimeout(() => done(performance.now() - t), 0);",
                    vec![],
                )
                .await?;
            longest_probe = longest_probe.max(waited.as_f64().unwrap_or(0.0));
            if let Ok(results) = client.find(fantoccini::Locator::Css(&testid("batch-results"))).await {
                let rows = results.attr("data-rows").await?.unwrap_or_default();
                assert_eq!(rows, target.to_string());
                break;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(3600), "the run did not finish in an hour");
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        let elapsed = started.elapsed();
        let in_worker = client
            .find(fantoccini::Locator::Css(&testid("batch-results")))
            .await?
            .attr("data-scored-in")
            .await?
            .unwrap_or_default();
        let scorers = client
            .find(fantoccini::Locator::Css(&testid("batch-results")))
            .await?
            .attr("data-scorers")
            .await?
            .unwrap_or_default();
        let in_worker = format!("{in_worker}, {scorers} scorers");
        // The page's own clock: from the file's arrival to the outcome (read, scored, written and
        // logged), free of this loop's polling interval.
        let run_ms: f64 = client
            .find(fantoccini::Locator::Css(&testid("batch-results")))
            .await?
            .attr("data-run-ms")
            .await?
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(f64::NAN);
        // Tasks still running when the results appeared (drawing them) are counted too.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        // (start in ms after the file was chosen, duration in ms)
        let long_tasks: Vec<(f64, f64)> = client
            .execute("return window.benchLongTasks;", vec![])
            .await?
            .as_array()
            .map(|tasks| {
                tasks
                    .iter()
                    .filter_map(|task| Some((task.get(0)?.as_f64()?, task.get(1)?.as_f64()?)))
                    .collect()
            })
            .unwrap_or_default();
        let longest_task = long_tasks.iter().map(|task| task.1).fold(0.0f64, f64::max);
        for (start, duration) in &long_tasks {
            println!("bench: main-thread task of {duration:.0} ms at {:.2} s", start / 1000.0);
        }
        println!(
            "bench: Batch page ({in_worker}): {target} rows ({:.0} MiB file) scored and logged in {:.2} s by the page's clock ({:.0} rows/s; {:.1} s from choosing the file to seeing the result here); longest main-thread task {:.0} ms ({} tasks over 50 ms); longest timer probe {:.0} ms; browser RSS {:.0} MiB before, peak {:.0} MiB; the page's worker was ready {} ms after the model",
            bytes as f64 / 1048576.0,
            run_ms / 1000.0,
            target as f64 / (run_ms / 1000.0),
            elapsed.as_secs_f64(),
            longest_task,
            long_tasks.len(),
            longest_probe,
            baseline,
            peak,
            worker_ready_ms
        );
        // The peer, on the same file: `reorder predict` as people run it (BENCH_REORDER, e.g.
        // target/native/reorder or target/release/reorder; bench/scripts/batch_page.sh sets it).
        if let Ok(reorder) = std::env::var("BENCH_REORDER") {
            let bundle = format!("{}/assets/model.json", env!("CARGO_MANIFEST_DIR"));
            let output = scored;
            let cli_started = std::time::Instant::now();
            let status = std::process::Command::new(&reorder)
                .args(["predict", "--bundle", &bundle, "--input", &file, "--output"])
                .arg(&output)
                .status()
                .expect("runs reorder");
            let cli = cli_started.elapsed();
            assert!(status.success(), "reorder predict failed");
            let _ = std::fs::remove_file(&output);
            println!(
                "bench: reorder predict ({reorder}): {target} rows in {:.2} s ({:.0} rows/s); the page takes {:.2}x as long ({:.2}x with the driver's polling)",
                cli.as_secs_f64(),
                target as f64 / cli.as_secs_f64(),
                run_ms / 1000.0 / cli.as_secs_f64(),
                elapsed.as_secs_f64() / cli.as_secs_f64()
            );
        }
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(&path);
}

/// Expected F1 of taking the top `k` products, by enumerating every possible real basket
/// (independent of the app's dynamic programme).
fn brute_force_expected_f1(probabilities: &[f64], k: usize) -> f64 {
    let n = probabilities.len();
    let mut expected = 0.0;
    for outcome in 0u32..(1 << n) {
        let mut mass = 1.0;
        for (index, p) in probabilities.iter().enumerate() {
            mass *= if outcome & (1 << index) != 0 {
                *p
            } else {
                1.0 - p
            };
        }
        let actual = outcome.count_ones() as usize;
        let hits = (0..k).filter(|index| outcome & (1 << index) != 0).count();
        let f1 = if k == 0 && actual == 0 {
            1.0
        } else {
            2.0 * hits as f64 / (k + actual) as f64
        };
        expected += mass * f1;
    }
    expected
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn an_uploaded_order_history_gets_a_ranked_next_basket() {
    let threshold = model_threshold();
    with_browser(&[], |client| async move {
        client.goto(&app_url("/history")).await?;
        wait_for_model(&client).await?;
        let wrong = fixture("tests/e2e/fixtures/uploads/own_model_rows.csv");
        wait_for(&client, &testid("history-file"))
            .await?
            .send_keys(&wrong.display().to_string())
            .await?;
        let message = wait_for(&client, &testid("history-error"))
            .await?
            .text()
            .await?;
        assert_eq!(message.trim(), "own_model_rows.csv: missing column `order_id`");

        let path = fixture("tests/e2e/fixtures/uploads/order_lines_sample.csv");
        wait_for(&client, &testid("history-file"))
            .await?
            .clear()
            .await?;
        wait_for(&client, &testid("history-file"))
            .await?
            .send_keys(&path.display().to_string())
            .await?;
        wait_for_attr(&client, &testid("history-shoppers"), "data-count", "2").await?;
        // The next order's day and hour default to the last order's (user 1: order 10, day 4, 8h).
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let dow = wait_for(&client, &testid("history-dow"))
                .await?
                .prop("value")
                .await?;
            if dow.as_deref() == Some("4") {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "day of week shows {dow:?}, expected 4"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        wait_for(&client, &testid("history-score"))
            .await?
            .click()
            .await?;
        let ranking = wait_for(&client, &testid("history-ranking")).await?;
        assert_eq!(ranking.attr("data-user").await?.as_deref(), Some("1"));
        // User 1 bought 18 distinct products; 5 of them are not in the app's catalog.
        assert_eq!(ranking.attr("data-rows").await?.as_deref(), Some("18"));
        let unknown = client
            .find_all(fantoccini::Locator::Css(
                "[data-testid=\"history-row\"][data-known=\"false\"]",
            ))
            .await?;
        assert_eq!(unknown.len(), 5);
        let mut probabilities = Vec::new();
        for cell in client
            .find_all(fantoccini::Locator::Css(&testid("history-probability")))
            .await?
        {
            probabilities.push(
                cell.attr("data-value")
                    .await?
                    .unwrap_or_default()
                    .parse::<f64>()
                    .expect("f64"),
            );
        }
        assert!(
            probabilities.windows(2).all(|pair| pair[0] >= pair[1]),
            "ranked: {probabilities:?}"
        );
        let above = probabilities.iter().filter(|p| **p >= threshold).count();
        assert_eq!(
            attr(&client, &testid("history-threshold-basket"), "data-count").await?,
            above.to_string()
        );
        let chosen: usize = attr(&client, &testid("history-f1-basket"), "data-count")
            .await?
            .parse()
            .expect("count");
        let shown: f64 = attr(&client, &testid("history-f1-basket"), "data-expected-f1")
            .await?
            .parse()
            .expect("f64");
        let best = (0..=probabilities.len())
            .map(|k| brute_force_expected_f1(&probabilities, k))
            .fold(f64::MIN, f64::max);
        assert!((shown - best).abs() < 1e-9, "shown {shown}, best {best}");
        assert!((brute_force_expected_f1(&probabilities, chosen) - best).abs() < 1e-9);

        // The same lines in Kaggle's layout (orders.csv + order_products__prior.csv, split here)
        // give the same ranking.
        let dir = std::env::temp_dir().join(format!("reorder-kaggle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut reader = csv::Reader::from_path(&path).expect("fixture");
        let mut orders = String::from("order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order\n");
        let mut lines = String::from("order_id,product_id,add_to_cart_order,reordered\n");
        let mut seen = std::collections::BTreeSet::new();
        for record in reader.records() {
            let r = record.expect("csv");
            if seen.insert(r[1].to_owned()) {
                orders.push_str(&format!("{},{},prior,{},{},{},{}\n", &r[1], &r[2], &r[3], &r[4], &r[5], &r[6]));
            }
            lines.push_str(&format!("{},{},{},{}\n", &r[1], &r[7], &r[8], &r[9]));
        }
        let orders_path = dir.join("orders.csv");
        let lines_path = dir.join("order_products__prior.csv");
        std::fs::write(&orders_path, orders).expect("write");
        std::fs::write(&lines_path, lines).expect("write");
        client.goto(&app_url("/history")).await?;
        wait_for_model(&client).await?;
        wait_for(&client, &testid("history-file"))
            .await?
            .send_keys(&format!("{}\n{}", lines_path.display(), orders_path.display()))
            .await?;
        wait_for_attr(&client, &testid("history-shoppers"), "data-count", "2").await?;
        wait_for(&client, &testid("history-score")).await?.click().await?;
        wait_for_attr(&client, &testid("history-ranking"), "data-rows", "18").await?;
        let mut again = Vec::new();
        for cell in client.find_all(fantoccini::Locator::Css(&testid("history-probability"))).await? {
            again.push(cell.attr("data-value").await?.unwrap_or_default().parse::<f64>().expect("f64"));
        }
        assert_eq!(again, probabilities);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_long_batch_run_shows_progress_and_can_be_cancelled() {
    let source = std::fs::read_to_string(fixture("tests/e2e/fixtures/uploads/batch_labelled.csv"))
        .expect("fixture");
    let mut lines = source.lines();
    let header = lines.next().expect("header");
    let first_row = lines.next().expect("a row");
    let path = std::env::temp_dir().join(format!("reorder-cancel-{}.csv", std::process::id()));
    let mut text = format!("{header}\n");
    for _ in 0..200_000 {
        text.push_str(first_row);
        text.push('\n');
    }
    std::fs::write(&path, text).expect("temp file");
    let file = path.display().to_string();
    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        wait_for(&client, &testid("batch-file"))
            .await?
            .send_keys(&file)
            .await?;
        wait_for(&client, &testid("batch-progress")).await?;
        wait_for(&client, &testid("batch-cancel"))
            .await?
            .click()
            .await?;
        let results = wait_for(&client, &testid("batch-results")).await?;
        assert_eq!(
            results.attr("data-cancelled").await?.as_deref(),
            Some("true")
        );
        let rows: usize = results
            .attr("data-rows")
            .await?
            .unwrap_or_default()
            .parse()
            .expect("count");
        assert!(rows < 200_000, "cancelled after {rows} rows");
        wait_for(&client, &testid("batch-cancelled")).await?;
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn batch_rows_keep_their_feature_values_in_the_log_only_when_asked() {
    // Four good rows of the labelled fixture.
    let source = std::fs::read_to_string(fixture("tests/e2e/fixtures/uploads/batch_labelled.csv"))
        .expect("fixture");
    let mut lines = source.lines();
    let header = lines.next().expect("header");
    let width = header.split(',').count();
    let rows: Vec<&str> = lines
        .filter(|line| line.split(',').count() == width && !line.contains(",ten,"))
        .filter(|line| line.ends_with(",0") || line.ends_with(",1"))
        .take(4)
        .collect();
    let total_orders = header
        .split(',')
        .position(|name| name == "user_total_orders")
        .expect("column");
    let expected_orders: Vec<String> = rows
        .iter()
        .map(|row| row.split(',').nth(total_orders).expect("cell").to_owned())
        .collect();
    let path = std::env::temp_dir().join(format!("reorder-keep-values-{}.csv", std::process::id()));
    std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).expect("write");
    let file = path.display().to_string();
    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        let keep = wait_for(&client, &testid("batch-keep-values")).await?;
        assert_eq!(
            keep.prop("checked").await?.as_deref(),
            Some("false"),
            "off by default"
        );
        wait_for(&client, &testid("batch-file"))
            .await?
            .send_keys(&file)
            .await?;
        wait_for_attr(&client, &testid("batch-results"), "data-rows", "4").await?;

        // Asked for: remembered across a reload, and the next run keeps the values.
        wait_for(&client, &testid("batch-keep-values"))
            .await?
            .click()
            .await?;
        client.refresh().await?;
        wait_for_model(&client).await?;
        let keep = wait_for(&client, &testid("batch-keep-values")).await?;
        assert_eq!(
            keep.prop("checked").await?.as_deref(),
            Some("true"),
            "remembered"
        );
        wait_for(&client, &testid("batch-file"))
            .await?
            .send_keys(&file)
            .await?;
        wait_for_attr(&client, &testid("batch-results"), "data-rows", "4").await?;

        client.goto(&app_url("/dashboard")).await?;
        wait_for_attr(&client, &testid("total-predictions"), "data-value", "8").await?;
        capture_downloads(&client).await?;
        wait_for(&client, &testid("export-csv"))
            .await?
            .click()
            .await?;
        let exported = first_download_text(&client).await?;
        let mut reader = csv::Reader::from_reader(exported.as_bytes());
        let columns = reader.headers().expect("header").clone();
        let at = |name: &str| columns.iter().position(|c| c == name).expect(name);
        let (source, missing, orders) = (
            at("source"),
            at("missing_features"),
            at("user_total_orders"),
        );
        let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        assert_eq!(records.len(), 8);
        assert!(records.iter().all(|record| &record[source] == "batch"));
        let lean: Vec<&csv::StringRecord> = records
            .iter()
            .filter(|record| record[orders].is_empty())
            .collect();
        assert_eq!(lean.len(), 4, "the first run's rows have no values");
        assert!(lean.iter().all(|record| record[missing].is_empty()));
        let mut kept: Vec<String> = records
            .iter()
            .filter(|record| !record[orders].is_empty())
            .map(|record| record[orders].to_owned())
            .collect();
        let mut expected = expected_orders.clone();
        kept.sort();
        expected.sort();
        assert_eq!(
            kept, expected,
            "the second run's rows keep the file's values"
        );
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(&path);
}
