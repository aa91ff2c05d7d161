//! The cells of Instacart order files, read by one set of rules whichever reader meets them:
//! `reorder features` (orders.csv and the order_products files, `tables`) and the order-history
//! upload (`crate::order_history::files`). Before, the two readers disagreed (one took any day gap >= 0
//! and ids up to 2^53, the other whole day gaps up to 365 and ids up to 2^32 - 2), so the same
//! file could be read by one and refused by the other.
//!
//! The rules, each on top of the number rule (`crate::input::number`):
//! - ids (`order_id`, `user_id`, `product_id`, `aisle_id`, `department_id`), `order_number` and
//!   `add_to_cart_order`: a whole number from 0 to `MAX_ID` (they are stored as `u32`); required;
//! - `order_dow`: a whole number 0-6; `order_hour_of_day`: 0-23; required;
//! - `days_since_prior_order`: a whole number of days from 0 to `MAX_DAYS`, or missing: empty,
//!   spaces only or `NaN` in any case (a shopper's first order has no gap);
//! - `12.0` is the whole number 12 (pandas writes integer columns with NaNs that way).

use crate::input::number::{parse_whole, WholeError};

/// The largest id, order number or cart position (kept below `u32::MAX`).
pub const MAX_ID: u64 = u32::MAX as u64 - 1;
/// The longest gap between two orders, in days.
pub const MAX_DAYS: u64 = 365;

/// Why a cell of an order file is refused. The reader adds the file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderCellError {
    #[error("the cell is empty")]
    Empty,
    #[error("`{shown}` {reason}")]
    Bad {
        /// The cell, cut to 40 characters.
        shown: String,
        /// Already in the message, so not repeated as a source.
        reason: WholeError,
    },
}

/// Whether a cell is a missing value: empty, spaces only, or `NaN` in any case.
pub fn is_missing(cell: &str) -> bool {
    let cell = cell.trim();
    cell.is_empty() || cell.eq_ignore_ascii_case("nan")
}

/// A required whole number from 0 to `max`.
fn whole(cell: &str, max: u64) -> Result<u64, OrderCellError> {
    match parse_whole(cell, max) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(OrderCellError::Empty),
        Err(reason) => Err(OrderCellError::Bad {
            shown: cell.chars().take(40).collect(),
            reason,
        }),
    }
}

/// An id: `order_id`, `user_id`, `product_id`, `aisle_id`, `department_id`.
pub fn id(cell: &str) -> Result<u32, OrderCellError> {
    whole(cell, MAX_ID).map(|value| value as u32)
}

/// `order_number`: the shopper's 1st, 2nd, ... order.
pub fn order_number(cell: &str) -> Result<u32, OrderCellError> {
    whole(cell, MAX_ID).map(|value| value as u32)
}

/// `add_to_cart_order`: the product's position in the cart.
pub fn add_to_cart_order(cell: &str) -> Result<u32, OrderCellError> {
    whole(cell, MAX_ID).map(|value| value as u32)
}

/// `order_dow`: day of week, 0-6.
pub fn order_dow(cell: &str) -> Result<u8, OrderCellError> {
    whole(cell, 6).map(|value| value as u8)
}

/// `order_hour_of_day`: 0-23.
pub fn order_hour_of_day(cell: &str) -> Result<u8, OrderCellError> {
    whole(cell, 23).map(|value| value as u8)
}

/// `days_since_prior_order`: whole days from 0 to `MAX_DAYS`, `None` when missing.
pub fn days_since_prior_order(cell: &str) -> Result<Option<u16>, OrderCellError> {
    if is_missing(cell) {
        return Ok(None);
    }
    whole(cell, MAX_DAYS).map(|value| Some(value as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reader_gets_the_same_verdicts() {
        assert_eq!(order_dow(" 6 "), Ok(6));
        assert_eq!(order_dow("6.0"), Ok(6));
        assert_eq!(
            order_dow("7").map_err(|error| error.to_string()),
            Err("`7` is not a whole number between 0 and 6".to_owned())
        );
        assert_eq!(order_hour_of_day(""), Err(OrderCellError::Empty));
        assert_eq!(days_since_prior_order(""), Ok(None));
        assert_eq!(days_since_prior_order(" NaN "), Ok(None));
        assert_eq!(days_since_prior_order("nan"), Ok(None));
        assert_eq!(days_since_prior_order("30.0"), Ok(Some(30)));
        assert!(days_since_prior_order("7.5").is_err());
        assert!(days_since_prior_order("-3").is_err());
        assert!(days_since_prior_order("366").is_err());
        assert_eq!(id("4294967294"), Ok(u32::MAX - 1));
        assert!(id("4294967295").is_err());
        assert!(id("NaN").is_err());
        assert!(order_number("2,000")
            .map_err(|error| error.to_string())
            .unwrap_err()
            .contains("thousands separator"));
    }
}
