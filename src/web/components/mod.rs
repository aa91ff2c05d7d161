//! Components shared by several pages.

pub mod explain_chart;
