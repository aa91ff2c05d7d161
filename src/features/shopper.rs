//! One shopper's order history as the feature code sees it, whether it came from the full
//! Instacart tables (training) or from `assets/demo_users.json` / an upload (the browser).

use serde::{Deserialize, Serialize};

use super::FeatureError;

/// A shopper's prior orders and the order to predict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserHistory {
    pub user_id: u64,
    /// Prior orders, by increasing `order_number`.
    pub orders: Vec<PastOrder>,
    pub target: TargetOrder,
}

/// An order placed before the one to predict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PastOrder {
    pub order_number: u32,
    /// Day of week, 0-6.
    pub dow: u8,
    /// Hour of day, 0-23.
    pub hour: u8,
    /// Days since the shopper's previous order; `None` for the first order or when unknown.
    pub days_since_prior: Option<f64>,
    /// Product ids in the order they were added to the cart.
    pub products: Vec<u64>,
}

/// The order to predict: what is known when it is placed, and its basket when known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetOrder {
    pub dow: u8,
    pub hour: u8,
    pub days_since_prior: Option<f64>,
    /// The true basket, when known (training rows, demo users); never used by the features.
    pub products: Option<Vec<u64>>,
}

/// The app's demo shoppers (`assets/demo_users.json`): held-out users with their true baskets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemoUsers {
    pub users: Vec<UserHistory>,
}

impl DemoUsers {
    /// Reads `assets/demo_users.json`.
    pub fn from_json(text: &str) -> Result<DemoUsers, FeatureError> {
        serde_json::from_str(text).map_err(|source| FeatureError::Json {
            what: "demo users",
            source,
        })
    }

    /// Writes the compact JSON form the app loads.
    pub fn to_json(&self) -> Result<String, FeatureError> {
        serde_json::to_string(self).map_err(|source| FeatureError::Json {
            what: "demo users",
            source,
        })
    }
}

impl UserHistory {
    /// Checks what the feature code relies on: increasing order numbers, days 0-6, hours 0-23,
    /// finite non-negative gaps.
    pub fn validate(&self) -> Result<(), FeatureError> {
        let invalid = |message: String| FeatureError::InvalidHistory {
            user_id: self.user_id,
            message,
        };
        let mut previous_number: Option<u32> = None;
        for order in &self.orders {
            if let Some(previous) = previous_number {
                if order.order_number <= previous {
                    return Err(invalid(format!(
                        "order_number {} comes after order_number {previous}: orders must be in increasing order_number",
                        order.order_number
                    )));
                }
            }
            previous_number = Some(order.order_number);
            check_when(order.dow, order.hour, order.days_since_prior).map_err(|message| {
                invalid(format!("order_number {}: {message}", order.order_number))
            })?;
        }
        check_when(
            self.target.dow,
            self.target.hour,
            self.target.days_since_prior,
        )
        .map_err(|message| invalid(format!("target order: {message}")))
    }
}

/// Why an order's day, hour or gap cannot be a real one.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
enum WhenError {
    #[error("dow {0} is not a day of week 0-6")]
    Day(u8),
    #[error("hour {0} is not an hour of day 0-23")]
    Hour(u8),
    #[error("days_since_prior {0} is not a finite number of days >= 0")]
    DaysSincePrior(f64),
}

fn check_when(dow: u8, hour: u8, days: Option<f64>) -> Result<(), WhenError> {
    if dow > 6 {
        return Err(WhenError::Day(dow));
    }
    if hour > 23 {
        return Err(WhenError::Hour(hour));
    }
    if let Some(days) = days {
        if !days.is_finite() || days < 0.0 {
            return Err(WhenError::DaysSincePrior(days));
        }
    }
    Ok(())
}
