//! The routed pages, one module each.

pub mod batch;
pub mod dashboard;
pub mod demo;
pub mod history_upload;
pub mod model_card;
pub mod not_found;
pub mod own_model;
pub mod predict;
