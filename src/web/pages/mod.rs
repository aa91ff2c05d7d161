//! The routed pages, one module each.

pub mod dashboard;
pub mod demo;
pub mod model_card;
pub mod not_found;
pub mod predict;
