//! LightGBM models in pure Rust: parse `model.txt`, convert to the app's JSON bundle, and score
//! and explain rows exactly as LightGBM does.
