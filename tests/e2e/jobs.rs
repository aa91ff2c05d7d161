//! Long work belongs to the app, not to a page: a batch run, an order history's reading and an
//! own model's conversion go on when the user opens another page right after starting them; the
//! header shows the job from there, with a link back, and the page shows the outcome when it is
//! opened again. Nothing panics (a task that wrote into a gone page's signals did, and the
//! rest of the run was lost), every row reaches the log, and the scored CSV is whole.

use fantoccini::{Client, Locator};

use crate::harness::{
    app_url, capture_downloads, testid, wait_for, wait_for_attr, wait_for_model, with_browser,
};

/// Keeps every `console.error` line, where a Rust panic is reported
/// (`console_error_panic_hook`), and every uncaught error (a wasm trap).
const KEEP_ERRORS: &str = "window.appErrors = []; const shown = console.error; \
     console.error = (...parts) => { window.appErrors.push(parts.join(' ')); shown(...parts); }; \
     addEventListener('error', (event) => window.appErrors.push(String(event.message))); \
     return true;";

async fn app_errors(client: &Client) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let errors = client.execute("return window.appErrors;", vec![]).await?;
    Ok(errors
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default())
}

/// Waits (up to `seconds`) for the header's line about `job` in `state`.
async fn wait_for_job(
    client: &Client,
    job: &str,
    state: &str,
    seconds: u64,
) -> Result<(), fantoccini::error::CmdError> {
    client
        .wait()
        .at_most(std::time::Duration::from_secs(seconds))
        .every(std::time::Duration::from_millis(100))
        .for_element(Locator::Css(&format!(
            "[data-testid=\"job-status\"][data-job=\"{job}\"][data-state=\"{state}\"]"
        )))
        .await?;
    Ok(())
}

/// Waits (up to `seconds`) until the header shows no running job; a job that ended while its page
/// was not open is shown as ended until the page is opened.
async fn wait_until_no_job_runs(
    client: &Client,
    seconds: u64,
) -> Result<(), fantoccini::error::CmdError> {
    client
        .wait()
        .at_most(std::time::Duration::from_secs(seconds))
        .every(std::time::Duration::from_millis(100))
        .for_element(Locator::Css(
            ".site-header:not(:has([data-testid=\"job-status\"][data-state=\"running\"]))",
        ))
        .await?;
    Ok(())
}

/// The labelled fixture's good rows repeated to `rows` rows, in a temporary file.
fn large_batch_file(rows: usize) -> std::path::PathBuf {
    let source = std::fs::read_to_string(format!(
        "{}/tests/e2e/fixtures/uploads/batch_labelled.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let mut lines = source.lines();
    let header = lines.next().expect("header");
    let width = header.split(',').count();
    let good: Vec<&str> = lines
        .filter(|line| line.split(',').count() == width)
        .filter(|line| line.ends_with(",0") || line.ends_with(",1"))
        .filter(|line| !line.contains(",ten,"))
        .collect();
    let path = std::env::temp_dir().join(format!("reorder-jobs-{}-{rows}.csv", std::process::id()));
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("temp file"));
    writeln!(out, "{header}").expect("write");
    for index in 0..rows {
        writeln!(out, "{}", good[index % good.len()]).expect("write");
    }
    out.flush().expect("write");
    path
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_batch_run_goes_on_while_the_user_is_on_another_page() {
    const ROWS: usize = 300_000;
    let file = large_batch_file(ROWS);
    let path = file.display().to_string();
    with_browser(&[], |client| async move {
        client.goto(&app_url("/batch")).await?;
        wait_for_model(&client).await?;
        wait_for(&client, "[data-testid=\"page-batch\"][data-scorer=\"ready\"]").await?;
        client.execute(KEEP_ERRORS, vec![]).await?;
        capture_downloads(&client).await?;
        wait_for(&client, &testid("batch-file"))
            .await?
            .send_keys(&path)
            .await?;
        // At once, as a person who goes to look at something else.
        wait_for(&client, &testid("nav-dashboard"))
            .await?
            .click()
            .await?;
        wait_for(&client, &testid("page-dashboard")).await?;
        let running = client
            .find_all(Locator::Css(
                "[data-testid=\"job-status\"][data-job=\"batch\"][data-state=\"running\"]",
            ))
            .await?;
        assert_eq!(
            running.len(),
            1,
            "the header shows the run from the dashboard"
        );
        wait_for_job(&client, "batch", "finished", 600).await?;
        let errors = app_errors(&client).await?;
        assert!(errors.is_empty(), "no panic, no trap: {errors:?}");
        // Every row logged: the dashboard (reloaded on each write) counts all of them.
        wait_for_attr(
            &client,
            &testid("total-predictions"),
            "data-value",
            &ROWS.to_string(),
        )
        .await?;
        // The dashboard lists the run as finished, every row logged.
        let listed = wait_for(
            &client,
            "[data-testid=\"batch-run\"][data-state=\"finished\"]",
        )
        .await?;
        assert_eq!(
            listed.attr("data-rows").await?.as_deref(),
            Some(ROWS.to_string().as_str())
        );
        // The way back: the header's link opens the run's results.
        wait_for(&client, &testid("job-status"))
            .await?
            .click()
            .await?;
        let results = wait_for(&client, &testid("batch-results")).await?;
        assert_eq!(
            results.attr("data-rows").await?.as_deref(),
            Some(ROWS.to_string().as_str())
        );
        assert_eq!(results.attr("data-cancelled").await?.as_deref(), Some("false"));
        // Seen: the header has nothing more to say about it.
        client
            .wait()
            .at_most(std::time::Duration::from_secs(10))
            .every(std::time::Duration::from_millis(50))
            .for_element(Locator::Css(".site-header:not(:has([data-testid=\"job-status\"]))"))
            .await?;
        wait_for(&client, &testid("batch-download"))
            .await?
            .click()
            .await?;
        let lines = client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const poll = () => window.exportedBlobs.length \
                   ? window.exportedBlobs[0].text().then((t) => done(t.split('\\n').filter((l) => l.length).length)) \
                   : setTimeout(poll, 50); \
                 poll();",
                vec![],
            )
            .await?;
        assert_eq!(lines.as_u64(), Some(ROWS as u64 + 1), "the scored CSV is whole");
        // The runs' download says the same as the dashboard's table.
        wait_for(&client, &testid("nav-dashboard"))
            .await?
            .click()
            .await?;
        wait_for(&client, &testid("batch-runs-export"))
            .await?
            .click()
            .await?;
        let runs = client
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const poll = () => window.exportedBlobs.length > 1 \
                   ? window.exportedBlobs[1].text().then(done) \
                   : setTimeout(poll, 50); \
                 poll();",
                vec![],
            )
            .await?;
        let runs = runs.as_str().unwrap_or_default();
        let lines: Vec<&str> = runs.lines().collect();
        assert_eq!(lines.len(), 2, "a header and the one run: {runs}");
        assert!(
            lines[0].ends_with(",rows,positives,state")
                && lines[1].contains(&format!(",{ROWS},"))
                && lines[1].ends_with(",finished"),
            "{runs}"
        );
        let errors = app_errors(&client).await?;
        assert!(errors.is_empty(), "no panic, no trap: {errors:?}");
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(file);
}

/// The order-lines sample repeated `copies` times under new user and order ids.
fn large_history_file(copies: u64) -> std::path::PathBuf {
    let source = std::fs::read_to_string(format!(
        "{}/tests/e2e/fixtures/uploads/order_lines_sample.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let mut lines = source.lines();
    let header = lines.next().expect("header");
    let rows: Vec<Vec<&str>> = lines.map(|line| line.split(',').collect()).collect();
    let path = std::env::temp_dir().join(format!("reorder-jobs-{}-orders.csv", std::process::id()));
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("temp file"));
    writeln!(out, "{header}").expect("write");
    // Each copy's orders get ids of their own, numbered from 1 (a u32 like Kaggle's).
    let mut orders: Vec<u64> = rows
        .iter()
        .map(|row| row[1].parse().expect("order id"))
        .collect();
    orders.sort_unstable();
    orders.dedup();
    let mut index = 0u64;
    for copy in 0..copies {
        for row in &rows {
            // Columns: index, order_id, user_id, then the rest as they are.
            let order: u64 = row[1].parse().expect("order id");
            let position = orders.binary_search(&order).expect("listed") as u64;
            let user: u64 = row[2].parse().expect("user id");
            writeln!(
                out,
                "{index},{},{},{}",
                copy * orders.len() as u64 + position + 1,
                user + copy * 100_000,
                row[3..].join(",")
            )
            .expect("write");
            index += 1;
        }
    }
    out.flush().expect("write");
    path
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_history_reading_and_a_model_conversion_go_on_while_the_user_is_elsewhere() {
    let history = large_history_file(3_000);
    let history_path = history.display().to_string();
    let model_path = format!("{}/models/model.txt", env!("CARGO_MANIFEST_DIR"));
    with_browser(&[], |client| async move {
        client.goto(&app_url("/history")).await?;
        wait_for_model(&client).await?;
        client.execute(KEEP_ERRORS, vec![]).await?;
        wait_for(&client, &testid("history-file"))
            .await?
            .send_keys(&history_path)
            .await?;
        wait_for(&client, &testid("nav-model"))
            .await?
            .click()
            .await?;
        // Ended while the user was elsewhere (the header says so), or before they left.
        wait_until_no_job_runs(&client, 120).await?;
        wait_for(&client, &testid("nav-history"))
            .await?
            .click()
            .await?;
        let shoppers = wait_for(&client, &testid("history-shoppers")).await?;
        let count: usize = shoppers
            .attr("data-count")
            .await?
            .unwrap_or_default()
            .parse()
            .unwrap_or(0);
        assert!(count >= 3_000, "every copy's shoppers are read: {count}");
        // The first shopper is chosen, as after a reading on the page itself.
        wait_for(&client, &testid("history-score")).await?;

        wait_for(&client, &testid("nav-own-model"))
            .await?
            .click()
            .await?;
        wait_for(&client, &testid("own-model-file"))
            .await?
            .send_keys(&model_path)
            .await?;
        wait_for(&client, &testid("own-model-use"))
            .await?
            .click()
            .await?;
        wait_for(&client, &testid("nav-dashboard"))
            .await?
            .click()
            .await?;
        wait_until_no_job_runs(&client, 60).await?;
        wait_for(&client, &testid("nav-own-model"))
            .await?
            .click()
            .await?;
        wait_for(
            &client,
            "[data-testid=\"own-model-status\"][data-state=\"loaded\"]",
        )
        .await?;
        let errors = app_errors(&client).await?;
        assert!(errors.is_empty(), "no panic, no trap: {errors:?}");
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(history);
}
