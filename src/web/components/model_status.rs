//! The model's status line under the header: download progress while the bundle loads, nothing
//! once it is ready, and the error screen with a retry button after a failure.

use leptos::prelude::*;

use crate::web::loader::{use_model, ModelState};
use crate::web::state::language::use_lang;

/// The visible model status: progress while loading, a one-line summary when ready, and the
/// error screen with a retry button after a failure.
#[component]
pub fn ModelStatus() -> impl IntoView {
    let lang = use_lang();
    let context = use_model();
    let state = context.state;
    view! {
        <div
            class="model-status"
            data-testid="model-status"
            data-state=move || state.with(ModelState::name)
            role="status"
            aria-live="polite"
        >
            {move || match state.get() {
                ModelState::Loading(progress) => {
                    let label = if progress.checking {
                        lang.get().pick("Checking the model…", "Model doğrulanıyor…").to_owned()
                    } else {
                        let kib = progress.received / 1024;
                        // A compressed transfer reports its compressed length; the body arrives
                        // decompressed, so the total is only shown while it is still ahead.
                        match progress.total.filter(|total| *total >= progress.received) {
                            Some(total) => format!(
                                "{} {kib} / {} KiB",
                                lang.get().pick("Downloading the model:", "Model indiriliyor:"),
                                total / 1024,
                            ),
                            None => format!(
                                "{} {kib} KiB",
                                lang.get().pick("Downloading the model:", "Model indiriliyor:"),
                            ),
                        }
                    };
                    let max = progress.total.unwrap_or(0).max(progress.received).max(1);
                    view! {
                        <div class="banner banner-warn">
                            <label>
                                {label}
                                <progress
                                    class="progress"
                                    max=max.to_string()
                                    value=progress.received.to_string()
                                ></progress>
                            </label>
                        </div>
                    }
                        .into_any()
                }
                ModelState::Ready(_) => ().into_any(),
                ModelState::Failed(error) => {
                    let headline = error.headline(lang.get());
                    let details = error.details();
                    view! {
                        <div class="banner banner-error" role="alert">
                            <p>
                                <strong>{headline}</strong>
                            </p>
                            <p class="mono" data-testid="model-error">
                                {details}
                            </p>
                            <button
                                type="button"
                                class="primary"
                                data-testid="model-retry"
                                on:click=move |_| context.load()
                            >
                                {move || lang.get().pick("Try again", "Tekrar dene")}
                            </button>
                        </div>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
