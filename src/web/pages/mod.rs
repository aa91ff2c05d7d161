//! The routed pages, one module each.

pub mod batch;
pub mod dashboard;
pub mod demo;
pub mod model_card;
pub mod not_found;
pub mod order_upload;
pub mod own_model;
pub mod predict;
