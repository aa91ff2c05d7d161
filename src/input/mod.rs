//! The rules for what a person types or drops, before any of it reaches a model: how a number
//! is read (`number`, the one rule every entry point shares), what a Predict form field means and
//! how it is labelled (`form_rules`), and how large a file each upload accepts (`upload`). Pure,
//! so each rule reads in one place and is tested natively.

pub mod form_rules;
pub mod number;
pub mod upload;
