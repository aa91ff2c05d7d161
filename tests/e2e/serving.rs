//! The production server config, checked on the real release build: every response header the
//! image promises (CSP with this build's loader hash, nosniff, referrer policy, caching), MIME
//! types, the client-side-route fallback, real 404s for missing files, and the precompressed
//! gzip/brotli copies. `scripts/dev.sh test` serves dist/ with deploy/start-nginx.sh (the image's
//! own entrypoint) and runs these with `--ignored`; they need `E2E_BASE_URL` and `E2E_DIST_DIR`.
#![cfg(not(target_arch = "wasm32"))]

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

const NEEDS_SERVER: &str = "needs a served release build: scripts/dev.sh test";

struct Response {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set ({NEEDS_SERVER})"))
}

fn host_port() -> String {
    let base = env("E2E_BASE_URL");
    base.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

fn dist_dir() -> PathBuf {
    PathBuf::from(env("E2E_DIST_DIR"))
}

/// One HTTP/1.1 request to the served release build.
fn get(path: &str, accept_encoding: Option<&str>) -> Response {
    get_from(&host_port(), path, accept_encoding)
}

/// One HTTP/1.1 request with `Connection: close`; the body is read to the end as sent.
fn get_from(host: &str, path: &str, accept_encoding: Option<&str>) -> Response {
    let mut stream = TcpStream::connect(host).expect("connect to the test server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(encoding) = accept_encoding {
        request.push_str(&format!("Accept-Encoding: {encoding}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status_line = lines.next().unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers = HashMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        let entry = headers
            .entry(name.trim().to_ascii_lowercase())
            .or_insert_with(String::new);
        if !entry.is_empty() {
            entry.push_str(", ");
        }
        entry.push_str(value.trim());
    }
    let mut body = raw[split + 4..].to_vec();
    if headers.get("transfer-encoding").map(String::as_str) == Some("chunked") {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = String::from_utf8_lossy(&data[..line_end]).to_string();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// Standard base64 (RFC 4648 with padding), written here so the check does not share code with
/// the build script that computes the hashes.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The text of each `<script>` without a `src` attribute.
/// The text of every `<tag>` element of `html` without a `src` attribute (`script` or `style`).
fn inline_elements(html: &str, tag_name: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag_name}"), format!("</{tag_name}>"));
    let mut bodies = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start..];
        let tag_end = after.find('>').unwrap();
        let tag = &after[..tag_end];
        let body_start = tag_end + 1;
        let body_end = after.find(&close).unwrap();
        if !tag.contains(" src=") {
            bodies.push(after[body_start..body_end].to_string());
        }
        rest = &after[body_end + close.len()..];
    }
    bodies
}

/// A file of dist/ ending in `ext` whose name carries Trunk's content hash (`-<hex>`: 16 digits,
/// fewer when the hash starts with zeros, which Trunk does not print); the batch worker's files
/// end the same way without one.
fn hashed_file(ext: &str) -> String {
    let hashed = |name: &str| {
        name.strip_suffix(ext)
            .and_then(|stem| stem.rsplit_once('-'))
            .is_some_and(|(_, hash)| {
                (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
            })
    };
    let mut names: Vec<String> = std::fs::read_dir(dist_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| hashed(n))
        .collect();
    names.sort();
    names
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no *{ext} in dist/"))
}

fn assert_security_headers(response: &Response, what: &str) {
    let csp = response
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"));
    for part in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "frame-ancestors 'self' https://huggingface.co https://*.hf.space",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{what}: CSP lacks `{part}`: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline"),
        "{what}: CSP allows unsafe-inline: {csp}"
    );
    assert_eq!(
        response.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert!(
        response.header("referrer-policy").is_some(),
        "{what}: no Referrer-Policy"
    );
    assert!(
        response.header("x-frame-options").is_none(),
        "{what}: X-Frame-Options forbids embedding"
    );
}

#[test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
fn index_has_security_headers_and_the_loader_hash() {
    let response = get("/", None);
    assert_eq!(response.status, 200);
    assert!(response
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(response.header("cache-control"), Some("no-cache"));
    assert_security_headers(&response, "/");
    let html = String::from_utf8(response.body.clone()).unwrap();
    let scripts = inline_elements(&html, "script");
    assert!(
        !scripts.is_empty(),
        "Trunk's inline loader is expected in index.html"
    );
    let styles = inline_elements(&html, "style");
    assert!(
        !styles.is_empty(),
        "the loading layer's inline style is expected in index.html"
    );
    let csp = response.header("content-security-policy").unwrap();
    for (kind, body) in scripts
        .iter()
        .map(|s| ("script", s))
        .chain(styles.iter().map(|s| ("style", s)))
    {
        let hash = format!("'sha256-{}'", base64(&Sha256::digest(body.as_bytes())));
        let directive = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with(&format!("{kind}-src ")))
            .unwrap_or_else(|| panic!("CSP has no {kind}-src: {csp}"));
        assert!(
            directive.contains(&hash),
            "{kind}-src lacks {hash} for an inline {kind}: {csp}"
        );
    }
}

/// The policy's directives, each with its whitespace made single spaces.
fn directives(policy: &str) -> Vec<String> {
    policy
        .split(';')
        .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|part| !part.is_empty())
        .collect()
}

#[test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
fn the_pages_meta_policy_is_the_headers_without_frame_ancestors() {
    let response = get("/", None);
    let header = response
        .header("content-security-policy")
        .unwrap()
        .to_owned();
    let html = String::from_utf8(response.body).unwrap();
    let start = html
        .find(r#"<meta http-equiv="Content-Security-Policy" content=""#)
        .expect("the page carries its policy (for a host that sends none)");
    let content = &html[start..];
    let content = &content[content.find("content=\"").unwrap() + 9..];
    let meta = &content[..content.find('"').unwrap()];
    let from_header: Vec<String> = directives(&header)
        .into_iter()
        .filter(|directive| !directive.starts_with("frame-ancestors"))
        .collect();
    assert_eq!(directives(meta), from_header, "header: {header}");
    for kind in ["script-src", "style-src"] {
        assert!(
            from_header
                .iter()
                .any(|d| d.starts_with(kind) && d.contains("'sha256-")),
            "the policies share {kind}'s hashes: {header}"
        );
    }
    let head_start = html.find("<head>").unwrap();
    let first_script = html.find("<script").unwrap();
    let first_style = html.find("<style").unwrap();
    assert!(
        head_start < start && start < first_script && start < first_style,
        "the meta policy comes before the scripts and styles it governs"
    );
}

#[test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
fn app_routes_fall_back_to_index_but_missing_files_are_404() {
    let index = get("/index.html", None).body;
    for route in ["/demo", "/dashboard", "/model", "/some/unknown/route"] {
        let response = get(route, None);
        assert_eq!(response.status, 200, "{route}");
        assert_eq!(response.body, index, "{route} should serve index.html");
        assert_security_headers(&response, route);
    }
    for missing in [
        "/assets/missing.json",
        "/missing-0123456789abcdef_bg.wasm",
        "/nope.js",
        "/x.css",
    ] {
        let response = get(missing, None);
        assert_eq!(response.status, 404, "{missing}");
        assert_ne!(response.body, index, "{missing} must not serve index.html");
    }
}

#[test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
fn hashed_files_are_immutable_with_the_right_types() {
    for (ext, mime) in [
        ("_bg.wasm", "application/wasm"),
        (".js", "application/javascript"),
    ] {
        let name = hashed_file(ext);
        let response = get(&format!("/{name}"), None);
        assert_eq!(response.status, 200, "{name}");
        assert!(
            response.header("content-type").unwrap().starts_with(mime),
            "{name}"
        );
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{name}"
        );
        assert_eq!(
            response.body,
            std::fs::read(dist_dir().join(&name)).unwrap(),
            "{name}"
        );
        assert_security_headers(&response, &name);
    }
}

/// Trunk names a file `<name>-<hash>` with its 64-bit hash in hex without leading zeros, so one
/// build in sixteen has a shorter hash; each length must be cached forever like the others, and a
/// hashed name that is not there (a deploy still uploading) must not be.
#[test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
fn trunk_hashes_of_every_length_are_immutable_and_a_missing_one_is_not_cached() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/nginx/hash-lengths");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let hashed = [
        "app-747c28a12073aa0f_bg.wasm",
        "app-747c28a12073aa_bg.wasm",
        "app-c28a120_bg.wasm",
        "app-7.js",
        "style-0f3e21.css",
    ];
    for name in hashed.iter().chain(&["plain_worker.js", "index.html"]) {
        std::fs::write(root.join(name), name.as_bytes()).unwrap();
    }
    let mut server = crate::harness::OwnServer::start(&root, crate::harness::free_port());
    let host = server.url("").trim_start_matches("http://").to_string();
    for name in hashed {
        let response = get_from(&host, &format!("/{name}"), None);
        assert_eq!(response.status, 200, "{name}");
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{name}"
        );
    }
    let plain = get_from(&host, "/plain_worker.js", None);
    assert_eq!(plain.header("cache-control"), Some("no-cache"));
    for missing in [
        "/app-0123456789abcdef_bg.wasm",
        "/assets/model-0123456789abcdef.json",
    ] {
        let response = get_from(&host, missing, None);
        assert_eq!(response.status, 404, "{missing}");
        // The 404 page revalidates: a name that appears a minute later is then fetched anew.
        assert_eq!(
            response.header("cache-control"),
            Some("no-cache"),
            "{missing}"
        );
        assert_security_headers(&response, missing);
    }
    server.stop();
}

#[test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
fn the_workers_unhashed_files_revalidate_with_the_right_types() {
    for (name, mime) in [
        ("reorder_worker_loader.js", "application/javascript"),
        ("reorder_worker.js", "application/javascript"),
        ("reorder_worker_bg.wasm", "application/wasm"),
    ] {
        let response = get(&format!("/{name}"), None);
        assert_eq!(response.status, 200, "{name}");
        assert!(
            response.header("content-type").unwrap().starts_with(mime),
            "{name}"
        );
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{name}");
        assert_security_headers(&response, name);
    }
}

#[test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
fn data_bundle_revalidates_and_is_json() {
    let response = get("/assets/model.json", None);
    assert_eq!(response.status, 200);
    assert!(response
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(response.header("cache-control"), Some("no-cache"));
    assert_eq!(
        response.body,
        std::fs::read(dist_dir().join("assets/model.json")).unwrap()
    );
}

#[test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
fn precompressed_copies_are_served() {
    let wasm = hashed_file("_bg.wasm");
    for (encoding, suffix) in [("br", ".br"), ("gzip", ".gz")] {
        for path in [
            format!("/{wasm}"),
            "/assets/model.json".to_string(),
            "/index.html".into(),
        ] {
            let response = get(&path, Some(encoding));
            assert_eq!(response.status, 200, "{path}");
            assert_eq!(
                response.header("content-encoding"),
                Some(encoding),
                "{path}"
            );
            assert_eq!(
                response.header("vary"),
                Some("Accept-Encoding"),
                "{path} {encoding}: a cache must key it on the encoding"
            );
            let on_disk = dist_dir().join(format!("{}{suffix}", path.trim_start_matches('/')));
            assert_eq!(
                response.body,
                std::fs::read(&on_disk).unwrap(),
                "{path} {encoding}"
            );
            assert!(
                response.body.len()
                    < std::fs::metadata(dist_dir().join(path.trim_start_matches('/')))
                        .unwrap()
                        .len() as usize
            );
        }
    }
    let plain = get(&format!("/{wasm}"), None);
    assert!(plain.header("content-encoding").is_none());
    assert_eq!(
        plain.header("vary"),
        Some("Accept-Encoding"),
        "the plain copy too"
    );
}

#[test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
fn data_files_are_served_under_the_content_addressed_names_the_app_was_built_with() {
    use instacart_reorder::asset_urls::ALL;
    let worker = String::from_utf8(get("/sw.js", None).body).expect("sw.js is text");
    let index = String::from_utf8(get("/index.html", None).body).expect("index is text");
    for (hashed, plain) in ALL {
        let copy = get(hashed, None);
        assert_eq!(copy.status, 200, "{hashed}");
        assert_eq!(
            copy.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{hashed}"
        );
        let original = get(plain, None);
        assert_eq!(original.status, 200, "{plain}");
        assert_eq!(copy.body, original.body, "{hashed} is a copy of {plain}");
        // The name carries the first 16 hex of the content's sha256.
        let digest: String = Sha256::digest(&copy.body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(hashed.contains(&format!("-{}.", &digest[..16])), "{hashed}");
        // Only the content-addressed copy is precached by the service worker.
        assert!(
            worker.contains(&format!("\"url\":\"{hashed}\"")),
            "{hashed} precached"
        );
        assert!(
            !worker.contains(&format!("\"url\":\"{plain}\"")),
            "{plain} not precached"
        );
    }
    // The loader downloads the bundle right after the first paint (assets/boot/loader.js).
    let bundle = index
        .lines()
        .find_map(|line| line.strip_prefix("const BUNDLE = "))
        .expect("index.html's loader names the bundle it downloads");
    assert_eq!(
        bundle,
        format!("\"{}\";", instacart_reorder::asset_urls::MODEL_URL),
        "index.html's loader downloads the content-addressed bundle"
    );
}
