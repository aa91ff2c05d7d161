//! The routed pages, one module each.

pub mod dashboard;
