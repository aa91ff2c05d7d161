//! The banner every page shows while predictions are not being saved: the log fell back to this
//! tab's memory, or a write failed. It reads the log's reactive status and nothing else.

use leptos::prelude::*;

use crate::web::log::{use_log_store, StorageStatus};
use crate::web::state::language::use_lang;

/// A banner while the log is not saved in IndexedDB, or after a write failed.
#[component]
pub fn StorageBanner() -> impl IntoView {
    let store = use_log_store();
    let lang = use_lang();
    let status = store.status();
    let last_error = store.last_error();
    view! {
        <Show when=move || matches!(status.get(), StorageStatus::Memory { .. })>
            <div class="storage-banner" role="alert" data-testid="storage-banner" data-state="memory">
                <strong>
                    {move || lang.get().pick(
                        "Predictions are not being saved.",
                        "Tahminler kaydedilmiyor.",
                    )}
                </strong>
                " "
                {move || lang.get().pick(
                    "The prediction log cannot use this browser's storage, so it is kept in this tab's memory and is lost when you close it.",
                    "Tahmin kaydı bu tarayıcının depolamasını kullanamıyor; kayıt yalnızca bu sekmenin belleğinde tutulur ve sekmeyi kapattığınızda kaybolur.",
                )}
                <small class="storage-reason">
                    {move || match status.get() {
                        StorageStatus::Memory { reason } => reason,
                        _ => String::new(),
                    }}
                </small>
            </div>
        </Show>
        <Show when=move || last_error.get().is_some()>
            <div class="storage-banner" role="alert" data-testid="storage-banner" data-state="error">
                <strong>{move || lang.get().pick("Saving failed: ", "Kaydetme başarısız: ")}</strong>
                {move || last_error.get().unwrap_or_default()}
                " "
                <button type="button" on:click=move |_| store.dismiss_error()>
                    {move || lang.get().pick("Dismiss", "Kapat")}
                </button>
            </div>
        </Show>
    }
}
