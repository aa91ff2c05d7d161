//! Page predict (being built).

use leptos::prelude::*;

/// The predict page.
#[component]
pub fn PredictPage() -> impl IntoView {
    view! { <section data-testid="page-predict"><h1>"predict"</h1></section> }
}
