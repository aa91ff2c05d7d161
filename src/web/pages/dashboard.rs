//! Placeholder for the dashboard until the prediction log's page lands.

use leptos::prelude::*;

/// The dashboard page.
#[component]
pub fn DashboardPage() -> impl IntoView {
    view! { <section data-testid="page-dashboard"><h1>"Dashboard"</h1></section> }
}
