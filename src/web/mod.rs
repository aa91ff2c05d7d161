//! The Leptos single-page app: routing, pages, storage and model loading. The only module that
//! touches the browser.

/// Mounts the app on the document body.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| leptos::view! { <p>"Instacart reorder predictor"</p> });
}
