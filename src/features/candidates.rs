//! The per-shopper feature builder: every product a shopper bought before becomes a candidate
//! row for their next order. Training (via `tables`) and the browser call this same function,
//! so the model sees in the app exactly the features it was trained on.
//!
//! Only the prior orders and the target order's dow, hour and gap are read; the target basket
//! only sets the label. Work is done on flat vectors sorted by product id, one pass per user.

use super::catalog::Catalog;
use super::definitions::{Feature, FEATURE_COUNT};
use super::shopper::{PastOrder, UserHistory};
use super::FeatureError;

/// One row of the model's input: a product the shopper may buy again.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub product_id: u64,
    /// One value per feature in `definitions()` order; NaN = missing.
    pub values: Vec<f64>,
    /// Whether the product is in the target basket, when the basket is known.
    pub label: Option<bool>,
}

/// One product in one prior order (duplicates within an order removed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub product: u64,
    /// 0-based position of the order among the prior orders.
    pub order: u32,
    /// 1-based position in the cart (where the product was first added).
    pub cart: u32,
}

/// The prior orders' lines in chronological and cart order, each product once per order.
pub(crate) fn user_lines(orders: &[PastOrder]) -> Vec<Line> {
    let total: usize = orders.iter().map(|order| order.products.len()).sum();
    let mut lines = Vec::with_capacity(total);
    let mut sorted = Vec::new();
    for (order_position, order) in orders.iter().enumerate() {
        let order_position = u32::try_from(order_position).unwrap_or(u32::MAX);
        sorted.clear();
        sorted.extend_from_slice(&order.products);
        sorted.sort_unstable();
        let has_duplicates = sorted.windows(2).any(|pair| pair[0] == pair[1]);
        for (index, &product) in order.products.iter().enumerate() {
            if has_duplicates && order.products[..index].contains(&product) {
                continue;
            }
            lines.push(Line {
                product,
                order: order_position,
                cart: u32::try_from(index + 1).unwrap_or(u32::MAX),
            });
        }
    }
    lines
}

/// The indices of `lines` sorted by (product, order): each product's lines are contiguous and
/// chronological.
pub(crate) fn by_product(lines: &[Line]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_unstable_by_key(|&index| (lines[index].product, lines[index].order));
    order
}

/// A share or mean; 0/0 gives NaN (missing), never 0.
fn ratio(numerator: f64, denominator: f64) -> f64 {
    numerator / denominator
}

fn count(n: usize) -> f64 {
    n as f64
}

fn days(value: Option<f64>) -> f64 {
    value.unwrap_or(f64::NAN)
}

/// The candidate rows of one shopper: one per distinct product of their prior orders, by
/// increasing product id. A shopper without prior orders has none.
pub fn candidates(user: &UserHistory, catalog: &Catalog) -> Result<Vec<Candidate>, FeatureError> {
    user.validate()?;
    let order_count = user.orders.len();
    if order_count == 0 {
        return Ok(Vec::new());
    }
    let lines = user_lines(&user.orders);
    let sorted = by_product(&lines);

    // Which lines repeat a product the shopper had bought in an earlier order.
    let mut is_reorder = vec![false; lines.len()];
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < sorted.len() {
        let product = lines[sorted[start]].product;
        let mut end = start + 1;
        while end < sorted.len() && lines[sorted[end]].product == product {
            is_reorder[sorted[end]] = true;
            end += 1;
        }
        groups.push((start, end));
        start = end;
    }

    let mut user_values = [f64::NAN; FEATURE_COUNT];
    let n = count(order_count);
    let set = |values: &mut [f64; FEATURE_COUNT], feature: Feature, value: f64| {
        values[feature as usize] = value;
    };
    set(&mut user_values, Feature::UserTotalOrders, n);
    set(
        &mut user_values,
        Feature::UserAvgBasketSize,
        count(lines.len()) / n,
    );
    set(
        &mut user_values,
        Feature::UserDistinctProducts,
        count(groups.len()),
    );
    let later_lines = lines.iter().filter(|line| line.order > 0).count();
    let reorders = is_reorder.iter().filter(|&&flag| flag).count();
    set(
        &mut user_values,
        Feature::UserReorderRatio,
        count(reorders) / count(later_lines),
    );
    let recent = &is_reorder[lines.len().saturating_sub(100)..];
    let first_time = recent.iter().filter(|&&flag| !flag).count();
    set(
        &mut user_values,
        Feature::UserExplorationScore,
        count(first_time) / count(recent.len()),
    );
    let gaps: Vec<f64> = user
        .orders
        .iter()
        .filter_map(|order| order.days_since_prior)
        .collect();
    let (mean_gap, max_gap) = if gaps.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        let sum: f64 = gaps.iter().sum();
        (
            sum / count(gaps.len()),
            gaps.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    };
    set(
        &mut user_values,
        Feature::UserAvgDaysBetweenOrders,
        mean_gap,
    );
    set(&mut user_values, Feature::UserMaxGap, max_gap);
    let flag = |condition: bool| if condition { 1.0 } else { 0.0 };
    let (weekly, monthly) = if mean_gap.is_nan() {
        (f64::NAN, f64::NAN)
    } else {
        (flag(mean_gap <= 7.0), flag(mean_gap >= 28.0))
    };
    set(&mut user_values, Feature::UserIsWeeklyShopper, weekly);
    set(&mut user_values, Feature::UserIsMonthlyShopper, monthly);
    let mut dow_counts = [0usize; 7];
    let mut hour_counts = [0usize; 24];
    for order in &user.orders {
        dow_counts[usize::from(order.dow)] += 1;
        hour_counts[usize::from(order.hour)] += 1;
    }
    set(
        &mut user_values,
        Feature::UserWeekendRatio,
        count(dow_counts[0] + dow_counts[1]) / n,
    );
    let favorite_dow = (0..7)
        .max_by(|&a, &b| dow_counts[a].cmp(&dow_counts[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    set(
        &mut user_values,
        Feature::UserFavoriteDow,
        count(favorite_dow),
    );
    let peak_hour_orders = hour_counts.iter().copied().max().unwrap_or(0);
    set(
        &mut user_values,
        Feature::UserPeakHourRatio,
        count(peak_hour_orders) / n,
    );
    let night_orders = user
        .orders
        .iter()
        .filter(|order| order.hour >= 22 || order.hour < 6)
        .count();
    set(
        &mut user_values,
        Feature::UserNightRatio,
        count(night_orders) / n,
    );
    set(
        &mut user_values,
        Feature::OrderDow,
        f64::from(user.target.dow),
    );
    set(
        &mut user_values,
        Feature::OrderHourOfDay,
        f64::from(user.target.hour),
    );
    set(
        &mut user_values,
        Feature::DaysSincePriorOrder,
        days(user.target.days_since_prior),
    );

    // days_after[i]: days from prior order i-1 to the target order, summed gap by gap.
    let mut days_after = vec![f64::NAN; order_count + 1];
    days_after[order_count] = days(user.target.days_since_prior);
    for position in (1..order_count).rev() {
        days_after[position] =
            days_after[position + 1] + days(user.orders[position].days_since_prior);
    }

    let mut truth: Option<Vec<u64>> = user.target.products.clone();
    if let Some(truth) = truth.as_mut() {
        truth.sort_unstable();
    }

    let mut rows = Vec::with_capacity(groups.len());
    for (start, end) in groups {
        let product_lines = &sorted[start..end];
        let product_id = lines[product_lines[0]].product;
        let mut values = user_values;
        let up_orders = product_lines.len();
        let first = lines[product_lines[0]].order as usize;
        let last = lines[product_lines[up_orders - 1]].order as usize;
        let cart_sum: f64 = product_lines
            .iter()
            .map(|&index| f64::from(lines[index].cart))
            .sum();
        let mut streak = 0usize;
        for &index in product_lines.iter().rev() {
            if lines[index].order as usize + streak + 1 == order_count {
                streak += 1;
            } else {
                break;
            }
        }
        set(&mut values, Feature::UpOrders, count(up_orders));
        set(&mut values, Feature::UpOrderRate, count(up_orders) / n);
        set(
            &mut values,
            Feature::UpOrdersSinceLast,
            count(order_count - 1 - last),
        );
        set(
            &mut values,
            Feature::UpOrderRateSinceFirst,
            count(up_orders) / count(order_count - first),
        );
        set(&mut values, Feature::UpFirstOrderNumber, count(first + 1));
        set(
            &mut values,
            Feature::UpAvgCartPosition,
            cart_sum / count(up_orders),
        );
        set(&mut values, Feature::UpStreak, count(streak));
        set(&mut values, Feature::UpDaysSinceLast, days_after[last + 1]);

        if let Some(product) = catalog.product(product_id) {
            set(
                &mut values,
                Feature::ProductOrderCount,
                product.orders as f64,
            );
            set(
                &mut values,
                Feature::ProductReorderRate,
                ratio(product.reorders as f64, product.orders as f64),
            );
            set(
                &mut values,
                Feature::ProductUniqueUsers,
                product.users as f64,
            );
            set(
                &mut values,
                Feature::ProductRepeatUserRatio,
                ratio(product.repeat_users as f64, product.users as f64),
            );
            set(
                &mut values,
                Feature::ProductAvgCartPosition,
                ratio(product.cart_position_sum as f64, product.orders as f64),
            );
            if let Some(aisle_id) = product.aisle_id {
                set(&mut values, Feature::AisleId, f64::from(aisle_id));
                if let Some(aisle) = catalog.aisle(aisle_id) {
                    set(&mut values, Feature::AisleTotalOrders, aisle.orders as f64);
                    set(
                        &mut values,
                        Feature::AisleUniqueProducts,
                        aisle.products as f64,
                    );
                    set(&mut values, Feature::AisleUniqueUsers, aisle.users as f64);
                    set(
                        &mut values,
                        Feature::AisleReorderRate,
                        ratio(aisle.reorders as f64, aisle.lines as f64),
                    );
                    set(
                        &mut values,
                        Feature::AislePopularityRank,
                        f64::from(aisle.popularity_rank),
                    );
                }
            }
            if let Some(department_id) = product.department_id {
                set(&mut values, Feature::DepartmentId, f64::from(department_id));
                if let Some(department) = catalog.department(department_id) {
                    set(
                        &mut values,
                        Feature::DepartmentTotalOrders,
                        department.orders as f64,
                    );
                    set(
                        &mut values,
                        Feature::DepartmentUniqueProducts,
                        department.products as f64,
                    );
                    set(
                        &mut values,
                        Feature::DepartmentUniqueUsers,
                        department.users as f64,
                    );
                    set(
                        &mut values,
                        Feature::DepartmentReorderRate,
                        ratio(department.reorders as f64, department.lines as f64),
                    );
                    set(
                        &mut values,
                        Feature::DepartmentPopularityRank,
                        f64::from(department.popularity_rank),
                    );
                }
            }
        }

        let label = truth
            .as_ref()
            .map(|truth| truth.binary_search(&product_id).is_ok());
        rows.push(Candidate {
            product_id,
            values: values.to_vec(),
            label,
        });
    }
    Ok(rows)
}
