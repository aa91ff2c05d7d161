//! The Leptos single-page app: routing, pages, storage and model loading. The only module that
//! touches the browser.

pub mod i18n;
pub mod pages;
pub mod storage;

/// Mounts the app on the document body.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| {
        storage::provide_log_store();
        leptos::view! {
            <storage::StorageBanner />
            <pages::dashboard::DashboardPage />
        }
    });
}
