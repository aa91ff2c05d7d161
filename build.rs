//! The one list of the data files the app fetches (the model bundle, the catalog, the demo
//! shoppers, the metrics, the personal-history model's bundle, the model's drift reference) and
//! the one rule that names them by their content: `<stem>-<first 16 hex of its sha256>.<ext>`. A
//! redeploy must never hand a returning visitor's new code an old file that a service worker of
//! the previous build cached under the same name, and a name carrying the content is one no
//! other build's worker has cached.
//!
//! Every other step reads what this writes instead of keeping its own copy of the list:
//! - `$OUT_DIR/asset_urls.rs`: the URLs and digests compiled into the app (`crate::asset_urls`);
//! - `target/data-files/manifest.json`: each file's source, plain and content-addressed path and
//!   sha256, read by Trunk's post_build hook (`scripts/data_files.py`, which copies the files into
//!   the build under both names) and by `scripts/postbuild.py` (which keeps the plain names out of
//!   the service worker's precache list);
//! - `target/data-files/loader-urls.js`: the names index.html's loader downloads right after the
//!   first paint, pasted into the page by Trunk (`pattern_params` in Trunk.toml).
//!
//! The app may be served under a path (`PUBLIC_URL=/tools/reorder/`, a GitHub project site or
//! any sub-folder of a host): the URLs compiled in and the loader's carry it, the manifest's paths
//! are those inside the build folder.
//!
//! The two files live at a fixed path under the package's `target/` (not `OUT_DIR`, whose name
//! changes with the profile and the hash) because Trunk.toml and the scripts name them.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

/// One data file of the app.
struct DataFile {
    /// The Rust constant of its content-addressed URL (`MODEL_URL`; its digest is `MODEL_SHA256`).
    name: &'static str,
    /// Where it is in the repository.
    source: &'static str,
    /// The plain path the build serves it under, for people and scripts (never precached).
    served: &'static str,
    /// The constant index.html's loader knows it by, for a file the loader downloads itself.
    loader_name: Option<&'static str>,
}

const DATA_FILES: [DataFile; 6] = [
    DataFile {
        name: "MODEL_URL",
        source: "assets/model.json",
        served: "/assets/model.json",
        // Read into memory while the wasm downloads (`window.reorderBundlePrefetch`).
        loader_name: Some("BUNDLE"),
    },
    DataFile {
        name: "CATALOG_URL",
        source: "assets/catalog.json",
        served: "/assets/catalog.json",
        loader_name: None,
    },
    DataFile {
        name: "DEMO_USERS_URL",
        source: "assets/demo_users.json",
        served: "/assets/demo_users.json",
        loader_name: None,
    },
    DataFile {
        name: "METRICS_URL",
        source: "models/metrics.json",
        served: "/assets/metrics.json",
        loader_name: None,
    },
    DataFile {
        // Fetched only when an uploaded order history needs it.
        name: "PERSONAL_MODEL_URL",
        source: "assets/personal_model.json",
        served: "/assets/personal_model.json",
        loader_name: None,
    },
    DataFile {
        // The model's training rows as per-feature counts; fetched by the dashboard's drift report.
        name: "DRIFT_REFERENCE_URL",
        source: "assets/drift_reference.json",
        served: "/assets/drift_reference.json",
        loader_name: None,
    },
];

/// The naming rule: `/assets/model.json` with sha256 `ab12…` -> `/assets/model-ab12…(16 hex).json`.
fn content_addressed(served: &str, digest: &str) -> String {
    let (stem, extension) = served.rsplit_once('.').expect("a file extension");
    format!("{stem}-{}.{extension}", &digest[..16])
}

/// Writes `contents` to `path` through a temporary file renamed into place: the app's and the
/// worker's builds (reorder_worker) run this script at the same time, and Trunk must never read half a file.
fn write_atomically(path: &Path, contents: &str) {
    let temporary = path.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&temporary, contents)
        .unwrap_or_else(|error| panic!("write {}: {error}", temporary.display()));
    std::fs::rename(&temporary, path)
        .unwrap_or_else(|error| panic!("rename to {}: {error}", path.display()));
}

/// The path the app is served under (`PUBLIC_URL`, `/` unless set; the same value Trunk gets as
/// `--public-url` from scripts/dev.sh): `/` or `/some/path/`, with both slashes.
fn public_url() -> String {
    println!("cargo:rerun-if-env-changed=PUBLIC_URL");
    let value = std::env::var("PUBLIC_URL").unwrap_or_else(|_| "/".to_string());
    let valid = value.starts_with('/')
        && value.ends_with('/')
        && !value.contains("//")
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte));
    assert!(
        valid,
        "PUBLIC_URL must be a path that starts and ends with `/` (letters, digits, `-._~`), got {value:?}"
    );
    value
}

fn main() {
    let public_url = public_url();
    let mut rust =
        String::from("// Written by build.rs: the content-addressed URL of each data file.\n");
    writeln!(
        rust,
        "/// The path the app is served under, with both slashes (`PUBLIC_URL` at build time).\n\
         pub const PUBLIC_URL: &str = {public_url:?};"
    )
    .expect("write");
    let mut all = String::new();
    let mut manifest = Vec::new();
    // No comment line of its own: the text is pasted into every page (index.html).
    let mut loader = String::new();
    for file in &DATA_FILES {
        let DataFile {
            name,
            source,
            served,
            loader_name,
        } = *file;
        println!("cargo:rerun-if-changed={source}");
        let bytes = std::fs::read(source).unwrap_or_else(|error| panic!("read {source}: {error}"));
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let url = content_addressed(served, &digest);
        // The URL the app fetches: under the public path (`/tools/reorder/assets/model-….json`).
        let fetched = format!("{public_url}{}", url.trim_start_matches('/'));
        writeln!(rust, "/// `{served}` by its content (sha256 {digest}).").expect("write");
        writeln!(rust, "pub const {name}: &str = {fetched:?};").expect("write");
        // The whole digest too, for a file checked after download (`MODEL_URL` -> `MODEL_SHA256`).
        let digest_name = format!("{}_SHA256", name.trim_end_matches("_URL"));
        writeln!(rust, "/// sha256 of `{served}`.").expect("write");
        writeln!(rust, "pub const {digest_name}: &str = {digest:?};").expect("write");
        writeln!(all, "    ({name}, {served:?}),").expect("write");
        // Paths and digests are plain ASCII without quotes or backslashes: Rust's debug quoting
        // is JSON's (and JavaScript's) for them.
        manifest.push(format!(
            "  {{\"source\": {source:?}, \"served\": {served:?}, \"url\": {url:?}, \"sha256\": {digest:?}}}"
        ));
        if let Some(constant) = loader_name {
            writeln!(loader, "const {constant} = {fetched:?};").expect("write");
        }
    }
    writeln!(
        rust,
        "/// Every data file's content-addressed URL (under `PUBLIC_URL`), with the plain path in the\n\
         /// build it is a copy of.\n\
         pub const ALL: [(&str, &str); {}] = [\n{all}];",
        DATA_FILES.len()
    )
    .expect("write");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("asset_urls.rs"), rust).expect("write asset_urls.rs");

    let package = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let folder = Path::new(&package).join("target").join("data-files");
    std::fs::create_dir_all(&folder).expect("create target/data-files");
    write_atomically(
        &folder.join("manifest.json"),
        &format!("[\n{}\n]\n", manifest.join(",\n")),
    );
    write_atomically(&folder.join("loader-urls.js"), &loader);
    println!("cargo:rerun-if-changed=build.rs");
}
