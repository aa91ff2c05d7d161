//! The one table of feature definitions, in model column order. Training, the model card, the
//! app's explanations and the converted bundle all read names, groups, kinds and descriptions
//! from here, so a feature is described once.

use serde::{Deserialize, Serialize};

/// Which part of the data a feature describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureGroup {
    /// The shopper's habits over their prior orders.
    User,
    /// The product's popularity over every shopper's prior orders.
    Product,
    /// The product's aisle and department, and their popularity.
    AisleDepartment,
    /// This shopper's history with this product.
    UserProduct,
    /// The order being predicted, as known when it is placed.
    OrderContext,
}

impl FeatureGroup {
    /// The group's name as written in JSON files and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            FeatureGroup::User => "user",
            FeatureGroup::Product => "product",
            FeatureGroup::AisleDepartment => "aisle_department",
            FeatureGroup::UserProduct => "user_product",
            FeatureGroup::OrderContext => "order_context",
        }
    }
}

/// One model input: what it is called, what it means, and how to show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureDef {
    pub name: &'static str,
    pub description: &'static str,
    pub group: FeatureGroup,
    /// One of count, ratio, flag, id, days, hour, dow, number.
    pub kind: &'static str,
    pub unit: &'static str,
}

macro_rules! feature_table {
    ($( $variant:ident => $name:literal, $group:ident, $kind:literal, $unit:literal, $description:literal; )*) => {
        /// Every feature, in model column order: `Feature::X as usize` is X's column.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        pub enum Feature { $( $variant, )* }

        static DEFINITIONS: &[FeatureDef] = &[
            $( FeatureDef {
                name: $name,
                description: $description,
                group: FeatureGroup::$group,
                kind: $kind,
                unit: $unit,
            }, )*
        ];
    };
}

feature_table! {
    UserTotalOrders => "user_total_orders", User, "count", "orders",
        "Number of the shopper's orders before the predicted one (orders, not order lines).";
    UserAvgBasketSize => "user_avg_basket_size", User, "number", "products",
        "Mean number of distinct products per prior order.";
    UserDistinctProducts => "user_distinct_products", User, "count", "products",
        "Number of distinct products the shopper has bought in prior orders.";
    UserReorderRatio => "user_reorder_ratio", User, "ratio", "",
        "Share of the lines of the shopper's prior orders after their first that are products they had bought before; missing with a single prior order.";
    UserExplorationScore => "user_exploration_score", User, "ratio", "",
        "Share of the shopper's last 100 prior order lines that were first-time purchases for them.";
    UserAvgDaysBetweenOrders => "user_avg_days_between_orders", User, "days", "days",
        "Mean days between consecutive prior orders (Instacart caps gaps at 30); missing if no gap is known.";
    UserMaxGap => "user_max_gap", User, "days", "days",
        "Longest gap in days between consecutive prior orders; missing if no gap is known.";
    UserIsWeeklyShopper => "user_is_weekly_shopper", User, "flag", "",
        "1 if the mean gap between prior orders is at most 7 days, else 0; missing if no gap is known.";
    UserIsMonthlyShopper => "user_is_monthly_shopper", User, "flag", "",
        "1 if the mean gap between prior orders is at least 28 days, else 0; missing if no gap is known.";
    UserWeekendRatio => "user_weekend_ratio", User, "ratio", "",
        "Share of prior orders placed on day 0 or 1 (the dataset's two busiest days, usually read as the weekend).";
    UserFavoriteDow => "user_favorite_dow", User, "dow", "",
        "Day of week (0-6) of most of the shopper's prior orders; ties go to the lowest day.";
    UserPeakHourRatio => "user_peak_hour_ratio", User, "ratio", "",
        "Share of prior orders placed in the shopper's most frequent hour of day.";
    UserNightRatio => "user_night_ratio", User, "ratio", "",
        "Share of prior orders placed between 22:00 and 05:59.";
    ProductOrderCount => "product_order_count", Product, "count", "orders",
        "Number of prior orders, over all shoppers, that contain the product.";
    ProductReorderRate => "product_reorder_rate", Product, "ratio", "",
        "Share of those orders in which the shopper had bought the product before.";
    ProductUniqueUsers => "product_unique_users", Product, "count", "shoppers",
        "Number of shoppers who bought the product in a prior order.";
    ProductRepeatUserRatio => "product_repeat_user_ratio", Product, "ratio", "",
        "Share of the product's shoppers who bought it in at least two prior orders.";
    ProductAvgCartPosition => "product_avg_cart_position", Product, "number", "position",
        "Mean position (1 = first) at which the product was added to the cart in prior orders.";
    AisleId => "aisle_id", AisleDepartment, "id", "",
        "The product's aisle; missing when the aisle is not known.";
    AisleTotalOrders => "aisle_total_orders", AisleDepartment, "count", "orders",
        "Number of prior orders, over all shoppers, with at least one product from the aisle.";
    AisleUniqueProducts => "aisle_unique_products", AisleDepartment, "count", "products",
        "Number of distinct products of the aisle bought in prior orders.";
    AisleUniqueUsers => "aisle_unique_users", AisleDepartment, "count", "shoppers",
        "Number of shoppers who bought from the aisle in prior orders.";
    AisleReorderRate => "aisle_reorder_rate", AisleDepartment, "ratio", "",
        "Share of the aisle's prior order lines that were products the shopper had bought before.";
    AislePopularityRank => "aisle_popularity_rank", AisleDepartment, "number", "rank",
        "Rank of the aisle by aisle_total_orders (1 = most orders; ties by lower id).";
    DepartmentId => "department_id", AisleDepartment, "id", "",
        "The product's department; missing when the department is not known.";
    DepartmentTotalOrders => "department_total_orders", AisleDepartment, "count", "orders",
        "Number of prior orders, over all shoppers, with at least one product from the department.";
    DepartmentUniqueProducts => "department_unique_products", AisleDepartment, "count", "products",
        "Number of distinct products of the department bought in prior orders.";
    DepartmentUniqueUsers => "department_unique_users", AisleDepartment, "count", "shoppers",
        "Number of shoppers who bought from the department in prior orders.";
    DepartmentReorderRate => "department_reorder_rate", AisleDepartment, "ratio", "",
        "Share of the department's prior order lines that were products the shopper had bought before.";
    DepartmentPopularityRank => "department_popularity_rank", AisleDepartment, "number", "rank",
        "Rank of the department by department_total_orders (1 = most orders; ties by lower id).";
    UpOrders => "up_orders", UserProduct, "count", "orders",
        "Number of the shopper's prior orders that contain the product.";
    UpOrderRate => "up_order_rate", UserProduct, "ratio", "",
        "up_orders divided by user_total_orders.";
    UpOrdersSinceLast => "up_orders_since_last", UserProduct, "count", "orders",
        "Number of the shopper's prior orders placed after their last purchase of the product (0 = bought in the latest one).";
    UpOrderRateSinceFirst => "up_order_rate_since_first", UserProduct, "ratio", "",
        "up_orders divided by the number of prior orders from the first purchase of the product on.";
    UpFirstOrderNumber => "up_first_order_number", UserProduct, "number", "order",
        "Position (1 = first) among the shopper's prior orders of the first one containing the product.";
    UpAvgCartPosition => "up_avg_cart_position", UserProduct, "number", "position",
        "Mean cart position (1 = first) of the product in the shopper's prior orders.";
    UpStreak => "up_streak", UserProduct, "count", "orders",
        "Number of the shopper's most recent prior orders in a row that contain the product.";
    UpDaysSinceLast => "up_days_since_last", UserProduct, "days", "days",
        "Days from the last prior order containing the product to the predicted order; missing if a gap on the way is unknown.";
    OrderDow => "order_dow", OrderContext, "dow", "",
        "Day of week (0-6) of the predicted order.";
    OrderHourOfDay => "order_hour_of_day", OrderContext, "hour", "h",
        "Hour of day (0-23) of the predicted order.";
    DaysSincePriorOrder => "days_since_prior_order", OrderContext, "days", "days",
        "Days between the shopper's latest prior order and the predicted one (capped at 30); missing if unknown.";
}

/// Number of features, i.e. the length of every `Candidate::values`.
pub const FEATURE_COUNT: usize = Feature::DaysSincePriorOrder as usize + 1;

/// The feature table, in model column order.
pub fn definitions() -> &'static [FeatureDef] {
    DEFINITIONS
}

/// The feature names, in model column order.
pub fn feature_names() -> Vec<&'static str> {
    DEFINITIONS
        .iter()
        .map(|definition| definition.name)
        .collect()
}

/// Where each of a model's features sits among the computed features: lets candidates, whose
/// values follow `definitions()`, be scored by a model whose columns come in its own order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelColumns {
    positions: Vec<usize>,
}

impl ModelColumns {
    /// The layout for a model with these feature names; the error is the first name this
    /// module does not compute.
    pub fn for_model<'a>(model_names: &[&'a str]) -> Result<ModelColumns, &'a str> {
        let positions = model_names
            .iter()
            .map(|name| {
                DEFINITIONS
                    .iter()
                    .position(|definition| definition.name == *name)
                    .ok_or(*name)
            })
            .collect::<Result<_, _>>()?;
        Ok(ModelColumns { positions })
    }

    /// A candidate's values (in `definitions()` order) as the model's row (NaN = missing).
    pub fn row(&self, values: &[f64]) -> Vec<f64> {
        self.positions
            .iter()
            .map(|&position| values.get(position).copied().unwrap_or(f64::NAN))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_columns_follow_the_models_order_and_name_unknown_features() {
        let columns = ModelColumns::for_model(&["up_orders", "aisle_id"]).expect("known names");
        let mut values = vec![0.0; FEATURE_COUNT];
        values[Feature::UpOrders as usize] = 4.0;
        values[Feature::AisleId as usize] = 24.0;
        assert_eq!(columns.row(&values), vec![4.0, 24.0]);
        assert_eq!(
            ModelColumns::for_model(&["aisle_id", "colour"]),
            Err("colour")
        );
    }

    #[test]
    fn the_table_has_one_row_per_variant_and_unique_names() {
        assert_eq!(definitions().len(), FEATURE_COUNT);
        assert_eq!(definitions()[Feature::UpOrders as usize].name, "up_orders");
        assert_eq!(definitions()[Feature::AisleId as usize].name, "aisle_id");
        let mut names = feature_names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FEATURE_COUNT);
    }

    #[test]
    fn kinds_are_from_the_documented_set() {
        let kinds = [
            "count", "ratio", "flag", "id", "days", "hour", "dow", "number",
        ];
        for definition in definitions() {
            assert!(kinds.contains(&definition.kind), "{}", definition.name);
            assert!(!definition.description.is_empty(), "{}", definition.name);
        }
    }
}
