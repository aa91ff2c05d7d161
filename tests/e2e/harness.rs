//! Shared plumbing for the end-to-end tests: where the app and chromedriver are, a fresh
//! headless browser per test, and waits for elements (never fixed sleeps).

use std::future::Future;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// How long a test waits for the app to show something before failing.
pub const WAIT: Duration = Duration::from_secs(30);

static BROWSER_COUNT: AtomicUsize = AtomicUsize::new(0);

/// The served release build, e.g. `http://127.0.0.1:8081` (no trailing slash needed).
pub fn base_url() -> String {
    let url = std::env::var("E2E_BASE_URL").unwrap_or_default();
    assert!(
        !url.is_empty(),
        "E2E_BASE_URL is not set: serve the release dist/ (SPA fallback) and point it there, \
         or run `scripts/dev.sh test`"
    );
    url.trim_end_matches('/').to_owned()
}

fn webdriver_url() -> String {
    let url = std::env::var("WEBDRIVER_URL").unwrap_or_default();
    assert!(
        !url.is_empty(),
        "WEBDRIVER_URL is not set: start chromedriver (e.g. `chromedriver --port=9515`) and set \
         WEBDRIVER_URL=http://127.0.0.1:9515, or run `scripts/dev.sh test`"
    );
    url
}

/// The path the app is served under, without its last slash: `""` at a server's root,
/// `/tools/reorder` for a build made with `PUBLIC_URL=/tools/reorder/` (E2E_BASE_URL's path).
pub fn base_path() -> String {
    let url = base_url();
    let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    after_scheme
        .find('/')
        .map_or(String::new(), |slash| after_scheme[slash..].to_owned())
}

/// The app's origin (E2E_BASE_URL without its path), as `postMessage` reports it.
pub fn base_origin() -> String {
    let url = base_url();
    let path = base_path();
    url[..url.len() - path.len()].to_owned()
}

/// Which kind of server the suite runs against (`E2E_HOST`): the production nginx config
/// (`nginx`, the default) or a plain static server that knows nothing of the app (`plain`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Host {
    Nginx,
    Plain,
}

pub fn host() -> Host {
    match std::env::var("E2E_HOST").as_deref() {
        Ok("plain") => Host::Plain,
        Ok("nginx") | Err(_) => Host::Nginx,
        Ok(other) => panic!("E2E_HOST is `nginx` or `plain`, not `{other}`"),
    }
}

/// The app's URL for a path such as `/demo`.
pub fn app_url(path: &str) -> String {
    format!("{}{}", base_url(), path)
}

fn fresh_profile_dir() -> std::path::PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    let count = BROWSER_COUNT.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!(
        "reorder-e2e-{}-{nanos}-{count}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create a fresh browser profile directory");
    dir
}

/// Starts a headless Chromium with a fresh profile. `extra_args` adds browser switches, `prefs`
/// Chrome profile preferences (e.g. blocking third-party cookies).
pub async fn browser_with_prefs(extra_args: &[&str], prefs: Option<serde_json::Value>) -> Client {
    let profile = fresh_profile_dir();
    let mut args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--window-size=1200,900".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    args.extend(extra_args.iter().map(|arg| (*arg).to_owned()));
    let mut chrome_options = serde_json::json!({ "args": args });
    if let Some(prefs) = prefs {
        chrome_options["prefs"] = prefs;
    }
    if let Ok(binary) = std::env::var("CHROME_BIN") {
        chrome_options["binary"] = serde_json::Value::String(binary);
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".to_owned(), chrome_options);
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&webdriver_url())
        .await
        .expect("connect to chromedriver at WEBDRIVER_URL")
}

/// Runs a test body in a fresh browser and closes the browser whatever the outcome, then
/// fails the test with the body's error.
pub async fn with_browser<F, Fut>(extra_args: &[&str], body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<(), CmdError>>,
{
    with_browser_prefs(extra_args, None, body).await;
}

/// `with_browser` with Chrome profile preferences.
pub async fn with_browser_prefs<F, Fut>(
    extra_args: &[&str],
    prefs: Option<serde_json::Value>,
    body: F,
) where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<(), CmdError>>,
{
    let client = browser_with_prefs(extra_args, prefs).await;
    let outcome = body(client.clone()).await;
    let closed = client.close().await;
    if let Err(error) = outcome {
        panic!("end-to-end step failed: {error}");
    }
    closed.expect("close the browser session");
}

/// CSS selector for `data-testid`.
pub fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// Waits until an element matching `css` exists, then returns it.
/// A timeout names what was awaited and where the browser was.
pub async fn wait_for(client: &Client, css: &str) -> Result<Element, CmdError> {
    let found = client
        .wait()
        .at_most(WAIT)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await;
    if let Err(CmdError::WaitTimeout) = found {
        let url = client.current_url().await.map(|url| url.to_string());
        panic!("no {css} after {WAIT:?}, at {url:?}");
    }
    found
}

/// Clicks the element matching `css` once it exists. When the page redraws it between being
/// found and being clicked (a stale element), the element now matching `css` is clicked instead.
pub async fn click(client: &Client, css: &str) -> Result<(), CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        match wait_for(client, css).await?.click().await {
            Err(error)
                if error.is_stale_element_reference() && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            clicked => return clicked,
        }
    }
}

/// Waits until the model has loaded (`model-status` in state `ready`).
pub async fn wait_for_model(client: &Client) -> Result<Element, CmdError> {
    wait_for(
        client,
        "[data-testid=\"model-status\"][data-state=\"ready\"]",
    )
    .await
}

/// Waits until the browser's path equals the app's `path` (under the app's base path).
pub async fn wait_for_path(client: &Client, path: &str) -> Result<(), CmdError> {
    let path = format!("{}{path}", base_path());
    let path = path.as_str();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let url = client.current_url().await?;
        if url.path() == path {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            panic!("the browser stayed at {url} instead of reaching path {path}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element's text equals `expected` (its rendered text, read in the page in
/// one step).
pub async fn wait_for_text(client: &Client, css: &str, expected: &str) -> Result<(), CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let text = client
            .execute(
                "const element = document.querySelector(arguments[0]); \
                 return element ? element.innerText : null;",
                vec![css.into()],
            )
            .await?;
        let text = text.as_str().map(str::to_owned);
        if text.as_deref().map(str::trim) == Some(expected) {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            panic!("{css} shows {text:?}, expected {expected:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Attribute `name` of the first element matching `css`, read in the page in one step (an
/// element the page redraws between being found and being read cannot go stale); `None` while
/// no element matches, `Some("")` when it has no such attribute.
pub async fn attr_now(client: &Client, css: &str, name: &str) -> Result<Option<String>, CmdError> {
    let value = client
        .execute(
            "const element = document.querySelector(arguments[0]); \
             return element ? (element.getAttribute(arguments[1]) ?? '') : null;",
            vec![css.into(), name.into()],
        )
        .await?;
    Ok(value.as_str().map(str::to_owned))
}

/// Attribute `name` of the element matching `css`, once one exists.
pub async fn wait_for_attr_value(
    client: &Client,
    css: &str,
    name: &str,
) -> Result<String, CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(value) = attr_now(client, css, name).await? {
            return Ok(value);
        }
        if std::time::Instant::now() > deadline {
            let url = client.current_url().await.map(|url| url.to_string());
            panic!("no {css} after {WAIT:?}, at {url:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until attribute `name` of the element matching `css` equals `expected`.
pub async fn wait_for_attr(
    client: &Client,
    css: &str,
    name: &str,
    expected: &str,
) -> Result<(), CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = attr_now(client, css, name).await?;
        if shown.as_deref() == Some(expected) {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            panic!("{css} has {name}={shown:?}, expected {expected:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// From now on, keeps a copy of every Blob the page hands to `URL.createObjectURL`: what it
/// offers as a download.
pub async fn capture_downloads(client: &Client) -> Result<(), CmdError> {
    client
        .execute(
            "window.exportedBlobs = []; const create = URL.createObjectURL; \
             URL.createObjectURL = function (blob) { window.exportedBlobs.push(blob); return create.call(URL, blob); }; \
             return true;",
            vec![],
        )
        .await?;
    Ok(())
}

/// The text of the first download captured by `capture_downloads`, once the page has made it.
pub async fn first_download_text(client: &Client) -> Result<String, CmdError> {
    let text = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             const poll = () => window.exportedBlobs.length ? window.exportedBlobs[0].text().then(done) : setTimeout(poll, 50); \
             poll();",
            vec![],
        )
        .await?;
    match text {
        serde_json::Value::String(text) => Ok(text),
        other => panic!("the download is text, got {other}"),
    }
}

/// A server of a build folder on its own port, stopped by the test: nginx with the production
/// config, or (E2E_HOST=plain) `python3 -m http.server`, which knows nothing of the app, with the
/// build under the app's base path.
pub struct OwnServer {
    child: Child,
    port: u16,
    /// The plain server's root, which holds the build under the base path (removed on drop).
    plain_root: Option<std::path::PathBuf>,
}

impl OwnServer {
    pub fn start(web_root: &std::path::Path, port: u16) -> OwnServer {
        let (child, plain_root) = match host() {
            Host::Nginx => (start_nginx(web_root, port), None),
            Host::Plain => start_plain(web_root, port),
        };
        let server = OwnServer {
            child,
            port,
            plain_root,
        };
        let deadline = std::time::Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The app's `path` on this server (under the base path).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}{path}", self.port, base_path())
    }

    /// SIGTERM: nginx's master stops its workers too (SIGKILL would orphan them, listening);
    /// the plain server is one process.
    fn terminate(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let _ = self.child.wait();
        }
    }

    pub fn stop(&mut self) {
        self.terminate();
        let deadline = std::time::Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.terminate();
        if let Some(root) = &self.plain_root {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

fn start_nginx(web_root: &std::path::Path, port: u16) -> Child {
    let root = env!("CARGO_MANIFEST_DIR");
    Command::new(format!("{root}/deploy/start-nginx.sh"))
        .env("PORT", port.to_string())
        .env("WEB_ROOT", web_root)
        .env("CONF_DIR", format!("{root}/deploy"))
        .env("RUN_DIR", format!("{root}/target/nginx/offline-{port}"))
        .env(
            "CSP_HASHES_FILE",
            format!("{root}/target/nginx/csp_hashes.conf"),
        )
        .spawn()
        .expect("start nginx with deploy/start-nginx.sh")
}

/// `python3 -m http.server` on `web_root`, or under a base path on a folder that holds it there
/// (a link to it); returns the folder made for that, if any.
fn start_plain(web_root: &std::path::Path, port: u16) -> (Child, Option<std::path::PathBuf>) {
    let web_root = std::fs::canonicalize(web_root).expect("the build folder exists");
    let base = base_path();
    let (serving_root, made) = if base.is_empty() {
        (web_root, None)
    } else {
        let made =
            std::env::temp_dir().join(format!("reorder-e2e-plain-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&made);
        let link = made.join(base.trim_start_matches('/'));
        std::fs::create_dir_all(link.parent().expect("a parent folder"))
            .expect("create the serving root");
        std::os::unix::fs::symlink(&web_root, &link).expect("link the build under the base path");
        (made.clone(), Some(made))
    };
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--directory")
        .arg(&serving_root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start python3 -m http.server");
    (child, made)
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("find a free port")
}
