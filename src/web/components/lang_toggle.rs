//! The button that switches the interface between English and Turkish, in the site header and
//! on the embedded card.

use leptos::prelude::*;

use crate::web::state::language::{use_lang, use_lang_switch};

/// Switches to the other language and remembers the choice.
#[component]
pub fn LangToggle() -> impl IntoView {
    let lang = use_lang();
    let switch = use_lang_switch();
    view! {
        <button
            type="button"
            class="lang-toggle"
            data-testid="lang-toggle"
            data-lang=move || lang.get().tag()
            aria-label=move || lang.get().pick("Türkçe'ye geç", "Switch to English")
            on:click=move |_| switch()
        >
            {move || lang.get().pick("TR", "EN")}
        </button>
    }
}
