//! The prediction log's records and the dashboard's summaries, as pure functions so they are
//! tested natively and computed the same way in the browser.
