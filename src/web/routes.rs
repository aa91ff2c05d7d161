//! The app's addresses that one page hands to another: the Predict form can be opened
//! prefilled (`/?user_id=1&product_id=196&f.up_orders=3`), which the demo page links to. Both
//! sides read the query keys from here, so neither page imports the other.

/// Query-string prefix of a prefilled feature (`/?f.user_total_orders=12`).
pub const PREFILL_FEATURE_PREFIX: &str = "f.";
/// Query-string keys of the prefilled optional ids.
pub const PREFILL_USER_ID: &str = "user_id";
pub const PREFILL_PRODUCT_ID: &str = "product_id";
