//! Native integration tests, one binary (one link on a 2-core machine) with a module per area:
//! the CLI as a user runs it, the model against LightGBM's fixtures, the feature builder, the
//! readers of user files, the Predict form's rules and the interface languages, the prediction
//! log's exports and summaries, the embed protocol, the deploy files, and the hostile-input
//! corpus.
#![cfg(not(target_arch = "wasm32"))]

mod asset_urls;
mod batch_reader;
mod batch_stream;
mod bundle_digest;
mod chart;
mod cli_args;
mod deploy_image;
mod drift;
mod drift_log;
mod drift_reference;
mod embed_protocol;
mod feature_importance;
mod features_assets;
mod features_cli;
mod features_compute;
mod features_demo_picks;
mod form_rules;
mod history_upload;
mod hostile_inputs;
mod kind_metrics;
mod lang;
mod model_cli;
mod model_cli_kinds;
mod model_exp;
mod model_kinds_parity;
mod model_parity;
mod model_rejections;
mod model_shap_depth;
mod number_fast_path;
mod order_basket;
mod order_export;
mod order_files;
mod own_model;
mod prediction_log_buckets;
mod prediction_log_export;
mod prediction_log_recent;
mod prediction_log_summary;
mod prediction_record;
mod publish_static_space;
mod recommend;
mod reorder_worker;
mod run_quality;
mod support;
