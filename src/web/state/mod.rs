//! App-wide reactive state, provided once at the app root and read by every page: the language
//! and the model to score with. Pages read it and call its actions; none of them owns it.

pub mod active_model;
pub mod language;
