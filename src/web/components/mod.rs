//! Views shared by several pages and the shell: they read app state and render, nothing more.

pub mod category_choice;
pub mod demo_pick;
pub mod drift_panel;
pub mod explain_chart;
pub mod job_status;
pub mod kind_metrics_card;
pub mod kind_outputs;
pub mod lang_toggle;
pub mod model_status;
pub mod quality_panel;
pub mod storage_banner;
