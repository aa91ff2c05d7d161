//! The service worker against servers that misbehave: after one visit, a page load still opens
//! the app when the server answers 503 (a host restarting or building) or does not answer at all
//! (the cached build after the navigation timeout); and a server whose files are not the ones
//! its sha256 list names (a half-finished deploy) never gets its build installed.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use fantoccini::Client;
use serde_json::json;

use crate::harness::{free_port, testid, wait_for, wait_for_model, with_browser, OwnServer};
use crate::redeploy::{copy_tree, mark_document, wait_for_new_document, wait_until_controlled};

/// A server on `port` that answers every request with `reply`, or holds every connection open
/// without a word when `reply` is `None`; stopped when dropped.
struct BadServer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BadServer {
    fn start(port: u16, reply: Option<&'static str>) -> BadServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the port nginx left");
        listener.set_nonblocking(true).expect("non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                        let mut request = [0u8; 4096];
                        let asked = stream.read(&mut request).is_ok_and(|n| n > 0);
                        match reply {
                            // Only to a request: the browser opens spare connections ahead, and
                            // an answer written to one of those would reach a later request.
                            Some(reply) if asked => {
                                let _ = stream.write_all(reply.as_bytes());
                            }
                            Some(_) => {}
                            None => held.push(stream),
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        BadServer {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for BadServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const BUILDING: &str = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n\
    Content-Length: 29\r\nConnection: close\r\n\r\n<h1>Space is building...</h1>";

fn dist() -> PathBuf {
    PathBuf::from(std::env::var("E2E_DIST_DIR").expect("E2E_DIST_DIR"))
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_page_load_opens_the_cached_build_when_the_server_errs_or_says_nothing() {
    let port = free_port();
    let mut server = OwnServer::start(&dist(), port);
    let page = server.url("/dashboard");
    with_browser(&[], |client| async move {
        client.goto(&page).await?;
        wait_for_model(&client).await?;
        wait_until_controlled(&client).await?;

        server.stop();
        {
            let _building = BadServer::start(port, Some(BUILDING));
            mark_document(&client).await?;
            client.refresh().await?;
            wait_for_new_document(&client).await?;
            wait_for_model(&client).await?;
            wait_for(&client, &testid("page-dashboard")).await?;
        }
        {
            let _silent = BadServer::start(port, None);
            let started = std::time::Instant::now();
            mark_document(&client).await?;
            client.refresh().await?;
            wait_for_new_document(&client).await?;
            wait_for_model(&client).await?;
            wait_for(&client, &testid("page-dashboard")).await?;
            // Not a timing assertion on the machine: the worker waited for the server first.
            let waited = started.elapsed();
            eprintln!("silent server: the cached page after {waited:?}");
            assert!(
                waited >= Duration::from_secs(3),
                "the cached page came only after the navigation timeout ({waited:?})"
            );
        }
        Ok(())
    })
    .await;
}

/// Registers `/sw.js` on the page and says how its install ends: `installed` or `activated`,
/// or `redundant` (the install failed).
async fn install_outcome(client: &Client) -> Result<String, fantoccini::error::CmdError> {
    let outcome = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.serviceWorker.register('/sw.js').then((registration) => {
               const worker = registration.installing || registration.waiting || registration.active;
               if (!worker) return done('none');
               if (worker.state !== 'installing') return done(worker.state);
               worker.addEventListener('statechange', () => {
                 if (worker.state !== 'installing') done(worker.state);
               });
             }, (error) => done('register failed: ' + error));",
            vec![],
        )
        .await?;
    Ok(outcome.as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn a_build_whose_files_are_not_the_ones_it_lists_is_never_installed() {
    let root = std::env::temp_dir().join(format!("reorder-e2e-sw-{}", std::process::id()));
    let (whole, mixed) = (root.join("whole"), root.join("mixed"));
    let _ = std::fs::remove_dir_all(&root);
    copy_tree(&dist(), &whole);
    copy_tree(&dist(), &mixed);
    // A file of another build under a listed name: the list's sha256 no longer holds.
    let manifest = mixed.join("manifest.webmanifest");
    let mut text = std::fs::read_to_string(&manifest).expect("manifest");
    text.push('\n');
    std::fs::write(&manifest, text).expect("write");
    for suffix in [".gz", ".br"] {
        let _ = std::fs::remove_file(mixed.join(format!("manifest.webmanifest{suffix}")));
    }
    let (whole_port, mixed_port) = (free_port(), free_port());
    let whole_server = OwnServer::start(&whole, whole_port);
    let mixed_server = OwnServer::start(&mixed, mixed_port);
    let (whole_page, mixed_page) = (whole_server.url("/model"), mixed_server.url("/model"));
    with_browser(&[], |client| async move {
        client.goto(&mixed_page).await?;
        wait_for_model(&client).await?;
        assert_eq!(install_outcome(&client).await?, "redundant");
        let controlled = client
            .execute("return !!navigator.serviceWorker.controller;", vec![])
            .await?;
        assert_eq!(controlled, json!(false));
        // The same build with its own files installs.
        client.goto(&whole_page).await?;
        wait_for_model(&client).await?;
        let outcome = install_outcome(&client).await?;
        assert!(
            outcome == "installed" || outcome == "activated",
            "{outcome}"
        );
        Ok(())
    })
    .await;
    drop((whole_server, mixed_server));
    let _ = std::fs::remove_dir_all(root);
}
