//! The rules for what a person types or drops, before any of it reaches a model: how a number
//! is read (`number`, the one rule every entry point shares) and how large a file each upload
//! accepts (`upload`, the model converter's limit included). Pure and below every other module,
//! so each rule reads in one place and is tested natively. What a Predict form field means per
//! feature is `features::form_rules`, beside the feature definitions it reads.

pub mod number;
pub mod upload;
