//! The view for paths the app does not know, rendered inside the shell so navigation still works.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::web::state::language::use_lang;

/// Tells the visitor the page does not exist and offers the way back.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="not-found" data-testid="page-not-found">
            <h1>{move || lang.get().pick("Page not found", "Sayfa bulunamadı")}</h1>
            <p>
                {move || {
                    lang.get()
                        .pick(
                            "There is nothing at this address.",
                            "Bu adreste bir şey yok.",
                        )
                }}
            </p>
            <A href=crate::asset_urls::app_path("/")>{move || lang.get().pick("Go to the predictor", "Tahmin sayfasına git")}</A>
        </section>
    }
}
