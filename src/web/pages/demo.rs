//! Page demo (being built).

use leptos::prelude::*;

/// The demo page.
#[component]
pub fn DemoPage() -> impl IntoView {
    view! { <section data-testid="page-demo"><h1>"demo"</h1></section> }
}
