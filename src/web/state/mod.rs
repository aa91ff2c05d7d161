//! Reactive state kept apart from the markup. App-wide, provided once at the app root and read
//! by every page: the language, the model to score with and the long jobs (a batch run, a
//! history's reading, a model's conversion) that outlive the page that started them; pages read
//! it and call its actions, none of them owns it. Per form: `form_fields`, the Predict form's
//! values.

pub mod active_model;
pub mod form_fields;
pub mod jobs;
pub mod language;
