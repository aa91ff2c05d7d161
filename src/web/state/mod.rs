//! App-wide reactive state, provided once at the app root and read by every page: the language,
//! the model to score with and the long jobs (a batch run, a history's reading, a model's
//! conversion) that outlive the page that started them. Pages read it and call its actions; none
//! of them owns it.

pub mod active_model;
pub mod jobs;
pub mod language;
