//! A redeploy while people have the app: a visitor's service worker installed build A; the Space
//! is redeployed with build B; the visitor reloads, online, several times, then offline once.
//! Every online reload must show B working (its own model, no error), the offline one A (its
//! worker's whole build), and the "new version" bar must take the tab to B's worker and B's page.
//!
//! Build A is a build of its own that the page can tell apart from B: B's dist/ with a marker in
//! its index.html (`<meta name="reorder-build" content="A">`), another model bundle under the
//! plain name, a content-addressed data file B does not have, and its own precache list (every
//! sha256 as A's files are, another version), so A's worker is another worker with another cache.
//! Before data files were fetched by content-addressed names, A's worker answered B's request for
//! `/assets/model.json` with A's file, and B refused it on every reload.
//!
//! A second tab left open on A while the first one moves to B keeps working: B's worker keeps
//! A's cache while that tab is open (it can still fetch A's own files, which B's server does not
//! have), and drops it once the tab is gone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::Client;
use serde_json::{json, Value};
use sha2::Digest;

use crate::harness::{
    base_path, free_port, testid, wait_for, wait_for_model, with_browser, OwnServer, WAIT,
};

/// Copies `from` into `to` (files and folders).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

const PRECACHE_START: &str = "const PRECACHE = ";

/// Rewrites the precache list in `build`'s sw.js with `change` (the list as JSON), and removes
/// sw.js's compressed copies, so the server sends the rewritten file.
pub fn rewrite_precache(build: &Path, change: impl FnOnce(&mut Value)) {
    let worker = std::fs::read_to_string(build.join("sw.js")).expect("sw.js");
    let start = worker
        .find(PRECACHE_START)
        .expect("the precache list is in sw.js")
        + PRECACHE_START.len();
    let end = start + worker[start..].find(";\n").expect("the list ends its line");
    let mut list: Value = serde_json::from_str(&worker[start..end]).expect("the list is JSON");
    change(&mut list);
    let rewritten = format!("{}{}{}", &worker[..start], list, &worker[end..]);
    std::fs::write(build.join("sw.js"), rewritten).expect("write sw.js");
    for suffix in [".gz", ".br"] {
        let _ = std::fs::remove_file(build.join(format!("sw.js{suffix}")));
    }
}

/// Sets the sha256 listed for `url` in a precache list to that of `bytes`.
pub fn list_sha256(list: &mut Value, url: &str, bytes: &[u8]) {
    let sha256 = hex(&sha2::Sha256::digest(bytes));
    let files = list["files"].as_array_mut().expect("files");
    match files.iter_mut().find(|file| file["url"] == json!(url)) {
        Some(file) => file["sha256"] = json!(sha256),
        None => files.push(json!({ "url": url, "sha256": sha256 })),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A data file only build A has, under a content-addressed name.
const ONLY_IN_A: &str = "/assets/only-in-a-0123456789abcdef.json";

/// Its URL, under the app's base path.
fn only_in_a_url() -> String {
    format!("{}{ONLY_IN_A}", base_path())
}

/// Build A (see the module's doc).
fn older_build(dist: &Path) -> PathBuf {
    let older = std::env::temp_dir().join(format!("reorder-e2e-build-a-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&older);
    copy_tree(dist, &older);
    let other_bundle = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model/none_missing.txt"),
    )
    .expect("a different file");
    std::fs::write(older.join("assets/model.json"), other_bundle).expect("write");
    let index = std::fs::read_to_string(older.join("index.html")).expect("index.html");
    let marked = index.replacen(
        "<head>",
        "<head><meta name=\"reorder-build\" content=\"A\">",
        1,
    );
    assert_ne!(index, marked, "index.html has a <head>");
    std::fs::write(older.join("index.html"), &marked).expect("write index.html");
    let only_in_a = b"{\"build\":\"A\"}";
    std::fs::write(older.join(ONLY_IN_A.trim_start_matches('/')), only_in_a).expect("write");
    for file in ["assets/model.json", "index.html"] {
        for suffix in [".gz", ".br"] {
            let _ = std::fs::remove_file(older.join(format!("{file}{suffix}")));
        }
    }
    rewrite_precache(&older, |list| {
        list_sha256(
            list,
            &format!("{}/index.html", base_path()),
            marked.as_bytes(),
        );
        list_sha256(list, &only_in_a_url(), only_in_a);
        let version = list["version"].as_str().unwrap_or_default().to_owned();
        list["version"] = json!(format!("a-{version}"));
    });
    older
}

async fn controlled(client: &Client) -> Result<bool, fantoccini::error::CmdError> {
    Ok(client
        .execute(
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);",
            vec![],
        )
        .await?
        == json!(true))
}

/// Waits until a service worker controls the page.
pub async fn wait_until_controlled(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    while !controlled(client).await? {
        assert!(
            std::time::Instant::now() < deadline,
            "no service worker took control"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Which build the page in the tab is: "A" (the marker), or "B".
async fn build_shown(client: &Client) -> Result<String, fantoccini::error::CmdError> {
    let shown = client
        .execute(
            "const m = document.querySelector('meta[name=\"reorder-build\"]'); return m ? m.content : 'B';",
            vec![],
        )
        .await?;
    Ok(shown.as_str().unwrap_or_default().to_owned())
}

/// Marks the current document, so that a later check can tell a new one from it.
pub async fn mark_document(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    client
        .execute("window.reorderOldDocument = true; return true;", vec![])
        .await?;
    Ok(())
}

/// Waits until the tab holds another document than the one `mark_document` marked.
pub async fn wait_for_new_document(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let old = client
            .execute("return window.reorderOldDocument === true;", vec![])
            .await
            .map(|v| v == json!(true))
            .unwrap_or(true);
        if !old {
            return Ok(());
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the tab did not reload"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The status of `fetch(url)` in the page.
async fn fetch_status(client: &Client, url: &str) -> Result<u64, fantoccini::error::CmdError> {
    let status = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(arguments[0]).then((r) => done(r.status), () => done(0));",
            vec![json!(url)],
        )
        .await?;
    Ok(status.as_u64().unwrap_or(0))
}

/// The names of the page's caches.
async fn cache_names(client: &Client) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let names = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; caches.keys().then(done);",
            vec![],
        )
        .await?;
    Ok(names
        .as_array()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_redeploy_with_a_new_model_works_on_every_reload_and_the_update_bar_moves_to_it() {
    let dist = PathBuf::from(std::env::var("E2E_DIST_DIR").expect("E2E_DIST_DIR"));
    let older = older_build(&dist);
    let port = free_port();
    let mut server = OwnServer::start(&older, port);
    let page = server.url("/");
    with_browser(&[], |client| async move {
        client.goto(&page).await?;
        wait_for_model(&client).await?;
        wait_until_controlled(&client).await?;
        assert_eq!(build_shown(&client).await?, "A");
        // A second tab on A, which stays open through the redeploy.
        let first_tab = client.window().await?;
        let second_tab = client.new_window(true).await?.handle;
        client.switch_to_window(second_tab.clone()).await?;
        client.goto(&page).await?;
        wait_for_model(&client).await?;
        assert_eq!(fetch_status(&client, &only_in_a_url()).await?, 200);
        client.switch_to_window(first_tab.clone()).await?;

        // The redeploy: the same origin now serves build B, whose files are written after A's,
        // as a deploy writes them (a plain host validates only by their dates).
        server.stop();
        let newer = deployed_anew(&dist);
        let mut server_b = OwnServer::start(&newer, port);
        for reload in 1..=3 {
            client.refresh().await?;
            wait_for_model(&client).await?;
            assert_eq!(
                build_shown(&client).await?,
                "B",
                "reload {reload} after the redeploy"
            );
            wait_for(&client, &testid("probability")).await?;
        }
        // Offline now: A's worker still controls the tab and serves A's build, whole, which works.
        server_b.stop();
        client.refresh().await?;
        wait_for_model(&client).await?;
        assert_eq!(build_shown(&client).await?, "A", "offline: A's own page");
        wait_for(&client, &testid("probability")).await?;
        let _server_b = OwnServer::start(&newer, port);
        client.refresh().await?;
        wait_for_model(&client).await?;
        assert_eq!(build_shown(&client).await?, "B");
        // B's worker is waiting: the bar offers it, and the tab reloads under it, still working.
        mark_document(&client).await?;
        wait_for(&client, &testid("update-available"))
            .await?
            .find(fantoccini::Locator::Css("button"))
            .await?
            .click()
            .await?;
        wait_for_new_document(&client).await?;
        wait_for_model(&client).await?;
        assert_eq!(build_shown(&client).await?, "B");
        wait_for(&client, &testid("probability")).await?;

        // The tab left on A is now controlled by B's worker, and A's files still reach it.
        client.switch_to_window(second_tab.clone()).await?;
        assert_eq!(build_shown(&client).await?, "A");
        assert_eq!(
            fetch_status(&client, &only_in_a_url()).await?,
            200,
            "A's file, from A's cache, while A's tab is open"
        );
        client.close_window().await?;
        client.switch_to_window(first_tab).await?;
        // With A's last tab gone, the next page load drops A's cache.
        client.refresh().await?;
        wait_for_model(&client).await?;
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let names = cache_names(&client).await?;
            if !names.iter().any(|name| name.starts_with("reorder-a-")) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "A's cache is kept after its last tab closed: {names:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    })
    .await;
    let _ = std::fs::remove_dir_all(older);
    let _ = std::fs::remove_dir_all(newer_build_dir());
}

fn newer_build_dir() -> PathBuf {
    std::env::temp_dir().join(format!("reorder-e2e-build-b-{}", std::process::id()))
}

/// A copy of build B made now, so every file is newer than build A's.
fn deployed_anew(dist: &Path) -> PathBuf {
    let newer = newer_build_dir();
    let _ = std::fs::remove_dir_all(&newer);
    copy_tree(dist, &newer);
    newer
}
