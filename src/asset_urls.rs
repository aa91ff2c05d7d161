//! Where the app fetches its data files: content-addressed names (`/assets/model-<16 hex>.json`)
//! computed at build time by build.rs from the files themselves, so a page of one build never
//! receives another build's file from a service worker's cache after a redeploy (the plain names,
//! `/assets/model.json` and so on, stay on the server for people and scripts, and are not
//! precached). build.rs holds the list of the files and the naming rule; Trunk's post_build hook
//! (`scripts/data_files.py`) puts them into the build under both names from its manifest.
//!
//! Generated: `PUBLIC_URL` (the path the app is served under), `MODEL_URL`, `MODEL_SHA256` and the same pair for each file, and `ALL`, every data
//! file's content-addressed URL with the plain path it is a copy of.

include!(concat!(env!("OUT_DIR"), "/asset_urls.rs"));

/// The base the router matches and links under: [`PUBLIC_URL`] without its last slash (`""` at
/// the root, `/tools/reorder` under a path), as `leptos_router`'s `Router base` takes it.
pub fn router_base() -> &'static str {
    PUBLIC_URL.trim_end_matches('/')
}

/// The URL path of one of the app's routes (`/demo` -> `/tools/reorder/demo` under a path), for
/// links: `leptos_router`'s `A` leaves an href that starts with `/` as it is.
pub fn app_path(route: &str) -> String {
    format!("{}{route}", router_base())
}

/// A page's path with the trailing slash a static host adds to a route served from its own
/// folder (`/dashboard` -> `/dashboard/`, its `dashboard/index.html`) taken off, so the router
/// sees the route it defines; `None` when nothing changes (the app's root, `public_url`, keeps
/// its slash).
pub fn without_folder_slash<'a>(pathname: &'a str, public_url: &str) -> Option<&'a str> {
    if pathname == public_url || !pathname.ends_with('/') {
        return None;
    }
    Some(pathname.trim_end_matches('/')).filter(|path| !path.is_empty())
}
