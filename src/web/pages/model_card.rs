//! Page model_card (being built).

use leptos::prelude::*;

/// The model_card page.
#[component]
pub fn ModelPage() -> impl IntoView {
    view! { <section data-testid="page-model"><h1>"model_card"</h1></section> }
}
