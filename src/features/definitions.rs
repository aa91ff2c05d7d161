//! The one table of feature definitions, in model column order. Training, the model card, the
//! app's explanations and the converted bundle all read names, groups, kinds, units and
//! descriptions (English and Turkish, side by side in one row) from here, so a feature is
//! described once.

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
    /// A short name for people (the form's label), in English.
    pub label: &'static str,
    /// The same, in Turkish.
    pub label_tr: &'static str,
    /// What the feature means, in English (the text the bundle carries).
    pub description: &'static str,
    /// The same, in Turkish (the interface's second language).
    pub description_tr: &'static str,
    pub group: FeatureGroup,
    /// One of count, ratio, flag, id, days, hour, dow, number.
    pub kind: &'static str,
    /// The unit in English (`orders`, `days`, ...; empty for none).
    pub unit: &'static str,
    /// The unit in Turkish.
    pub unit_tr: &'static str,
}

/// One row per feature: `Variant => "name", Group, "kind", "unit" / "Turkish unit",
/// "English label" / "Turkish label", "English description" / "Turkish description";`. Generates the `Feature` enum and the table.
macro_rules! feature_table {
    ($( $variant:ident => $name:literal, $group:ident, $kind:literal,
        $unit:literal / $unit_tr:literal, $label:literal / $label_tr:literal,
        $description:literal / $description_tr:literal; )*) => {
        /// Every feature, in model column order: `Feature::X as usize` is X's column.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        pub enum Feature { $( $variant, )* }

        static DEFINITIONS: &[FeatureDef] = &[
            $( FeatureDef {
                name: $name,
                label: $label,
                label_tr: $label_tr,
                description: $description,
                description_tr: $description_tr,
                group: FeatureGroup::$group,
                kind: $kind,
                unit: $unit,
                unit_tr: $unit_tr,
            }, )*
        ];
    };
}

feature_table! {
    UserTotalOrders => "user_total_orders", User, "count", "orders" / "sipariş",
        "Shopper's past orders" / "Müşterinin geçmiş siparişleri",
        "Number of the shopper's orders before the predicted one (orders, not order lines)."
        / "Tahmin edilen siparişten önceki sipariş sayısı (satır değil, sipariş).";
    UserAvgBasketSize => "user_avg_basket_size", User, "number", "products" / "ürün",
        "Average basket size" / "Ortalama sepet büyüklüğü",
        "Mean number of distinct products per prior order."
        / "Geçmiş siparişlerde sipariş başına ortalama farklı ürün sayısı.";
    UserDistinctProducts => "user_distinct_products", User, "count", "products" / "ürün",
        "Different products bought" / "Alınan farklı ürünler",
        "Number of distinct products the shopper has bought in prior orders."
        / "Müşterinin geçmiş siparişlerinde aldığı farklı ürün sayısı.";
    UserReorderRatio => "user_reorder_ratio", User, "ratio", "" / "",
        "Shopper's reorder share" / "Müşterinin tekrar alma payı",
        "Share of the lines of the shopper's prior orders after their first that are products they had bought before; missing with a single prior order."
        / "İlk siparişten sonraki siparişlerde daha önce alınmış ürünlerin satır payı; tek geçmiş siparişte eksik.";
    UserExplorationScore => "user_exploration_score", User, "ratio", "" / "",
        "Shopper's taste for new products" / "Müşterinin yeni ürün merakı",
        "Share of the shopper's last 100 prior order lines that were first-time purchases for them."
        / "Müşterinin son 100 geçmiş sipariş satırında ilk kez alınan ürünlerin payı.";
    UserAvgDaysBetweenOrders => "user_avg_days_between_orders", User, "days", "days" / "gün",
        "Average days between orders" / "Siparişler arası ortalama gün",
        "Mean days between consecutive prior orders (Instacart caps gaps at 30); missing if no gap is known."
        / "Ardışık geçmiş siparişler arasındaki ortalama gün (Instacart 30'da sınırlar); hiç aralık bilinmiyorsa eksik.";
    UserMaxGap => "user_max_gap", User, "days", "days" / "gün",
        "Longest gap between orders" / "Siparişler arası en uzun ara",
        "Longest gap in days between consecutive prior orders; missing if no gap is known."
        / "Ardışık geçmiş siparişler arasındaki en uzun aralık (gün); hiç aralık bilinmiyorsa eksik.";
    UserIsWeeklyShopper => "user_is_weekly_shopper", User, "flag", "" / "",
        "Shops weekly" / "Haftalık alışveriş yapar",
        "1 if the mean gap between prior orders is at most 7 days, else 0; missing if no gap is known."
        / "Ortalama sipariş aralığı en çok 7 günse 1, değilse 0; aralık bilinmiyorsa eksik.";
    UserIsMonthlyShopper => "user_is_monthly_shopper", User, "flag", "" / "",
        "Shops monthly" / "Aylık alışveriş yapar",
        "1 if the mean gap between prior orders is at least 28 days, else 0; missing if no gap is known."
        / "Ortalama sipariş aralığı en az 28 günse 1, değilse 0; aralık bilinmiyorsa eksik.";
    UserWeekendRatio => "user_weekend_ratio", User, "ratio", "" / "",
        "Share of weekend orders" / "Hafta sonu siparişlerinin payı",
        "Share of prior orders placed on day 0 or 1 (the dataset's two busiest days, usually read as the weekend)."
        / "0. veya 1. günde (verinin en yoğun iki günü, genelde hafta sonu) verilen geçmiş siparişlerin payı.";
    UserFavoriteDow => "user_favorite_dow", User, "dow", "" / "",
        "Favourite day of the week" / "En sevdiği gün",
        "Day of week (0-6) of most of the shopper's prior orders; ties go to the lowest day."
        / "Müşterinin geçmiş siparişlerinin çoğunu verdiği haftanın günü (0-6); eşitlikte en küçük gün.";
    UserPeakHourRatio => "user_peak_hour_ratio", User, "ratio", "" / "",
        "Share of orders at peak hours" / "Yoğun saatlerdeki siparişlerin payı",
        "Share of prior orders placed in the shopper's most frequent hour of day."
        / "Müşterinin en sık sipariş verdiği saatte verilen geçmiş siparişlerin payı.";
    UserNightRatio => "user_night_ratio", User, "ratio", "" / "",
        "Share of night orders" / "Gece siparişlerinin payı",
        "Share of prior orders placed between 22:00 and 05:59."
        / "22:00 ile 05:59 arasında verilen geçmiş siparişlerin payı.";
    ProductOrderCount => "product_order_count", Product, "count", "orders" / "sipariş",
        "Product's orders (all shoppers)" / "Ürünün siparişleri (tüm müşteriler)",
        "Number of prior orders, over all shoppers, that contain the product."
        / "Tüm müşterilerin geçmiş siparişlerinden ürünü içerenlerin sayısı.";
    ProductReorderRate => "product_reorder_rate", Product, "ratio", "" / "",
        "Product's reorder rate" / "Ürünün tekrar alınma oranı",
        "Share of those orders in which the shopper had bought the product before."
        / "Bu siparişlerden müşterinin ürünü daha önce almış olduğu siparişlerin payı.";
    ProductUniqueUsers => "product_unique_users", Product, "count", "shoppers" / "müşteri",
        "Shoppers who bought the product" / "Ürünü alan müşteriler",
        "Number of shoppers who bought the product in a prior order."
        / "Ürünü geçmiş bir siparişte alan müşteri sayısı.";
    ProductRepeatUserRatio => "product_repeat_user_ratio", Product, "ratio", "" / "",
        "Share of its shoppers who came back" / "Ürüne geri dönen müşterilerin payı",
        "Share of the product's shoppers who bought it in at least two prior orders."
        / "Ürünün müşterilerinden onu en az iki geçmiş siparişte alanların payı.";
    ProductAvgCartPosition => "product_avg_cart_position", Product, "number", "position" / "sıra",
        "Product's average place in the cart" / "Ürünün sepetteki ortalama sırası",
        "Mean position (1 = first) at which the product was added to the cart in prior orders."
        / "Ürünün geçmiş siparişlerde sepete eklendiği ortalama sıra (1 = ilk).";
    AisleId => "aisle_id", AisleDepartment, "id", "" / "",
        "Aisle" / "Reyon",
        "The product's aisle; missing when the aisle is not known."
        / "Ürünün reyonu; reyon bilinmiyorsa eksik.";
    AisleTotalOrders => "aisle_total_orders", AisleDepartment, "count", "orders" / "sipariş",
        "Aisle's orders" / "Reyonun siparişleri",
        "Number of prior orders, over all shoppers, with at least one product from the aisle."
        / "Tüm müşterilerin geçmiş siparişlerinden reyondan en az bir ürün içerenlerin sayısı.";
    AisleUniqueProducts => "aisle_unique_products", AisleDepartment, "count", "products" / "ürün",
        "Products in the aisle" / "Reyondaki ürünler",
        "Number of distinct products of the aisle bought in prior orders."
        / "Reyonun geçmiş siparişlerde alınan farklı ürün sayısı.";
    AisleUniqueUsers => "aisle_unique_users", AisleDepartment, "count", "shoppers" / "müşteri",
        "Shoppers of the aisle" / "Reyonun müşterileri",
        "Number of shoppers who bought from the aisle in prior orders."
        / "Geçmiş siparişlerde reyondan alışveriş yapan müşteri sayısı.";
    AisleReorderRate => "aisle_reorder_rate", AisleDepartment, "ratio", "" / "",
        "Aisle's reorder rate" / "Reyonun tekrar alınma oranı",
        "Share of the aisle's prior order lines that were products the shopper had bought before."
        / "Reyonun geçmiş sipariş satırlarında müşterinin daha önce aldığı ürünlerin payı.";
    AislePopularityRank => "aisle_popularity_rank", AisleDepartment, "number", "rank" / "sıra",
        "Aisle's popularity rank" / "Reyonun popülerlik sırası",
        "Rank of the aisle by aisle_total_orders (1 = most orders; ties by lower id)."
        / "Reyonun aisle_total_orders'a göre sırası (1 = en çok sipariş; eşitlikte küçük kimlik).";
    DepartmentId => "department_id", AisleDepartment, "id", "" / "",
        "Department" / "Departman",
        "The product's department; missing when the department is not known."
        / "Ürünün departmanı; departman bilinmiyorsa eksik.";
    DepartmentTotalOrders => "department_total_orders", AisleDepartment, "count", "orders" / "sipariş",
        "Department's orders" / "Departmanın siparişleri",
        "Number of prior orders, over all shoppers, with at least one product from the department."
        / "Tüm müşterilerin geçmiş siparişlerinden departmandan en az bir ürün içerenlerin sayısı.";
    DepartmentUniqueProducts => "department_unique_products", AisleDepartment, "count", "products" / "ürün",
        "Products in the department" / "Departmandaki ürünler",
        "Number of distinct products of the department bought in prior orders."
        / "Departmanın geçmiş siparişlerde alınan farklı ürün sayısı.";
    DepartmentUniqueUsers => "department_unique_users", AisleDepartment, "count", "shoppers" / "müşteri",
        "Shoppers of the department" / "Departmanın müşterileri",
        "Number of shoppers who bought from the department in prior orders."
        / "Geçmiş siparişlerde departmandan alışveriş yapan müşteri sayısı.";
    DepartmentReorderRate => "department_reorder_rate", AisleDepartment, "ratio", "" / "",
        "Department's reorder rate" / "Departmanın tekrar alınma oranı",
        "Share of the department's prior order lines that were products the shopper had bought before."
        / "Departmanın geçmiş sipariş satırlarında müşterinin daha önce aldığı ürünlerin payı.";
    DepartmentPopularityRank => "department_popularity_rank", AisleDepartment, "number", "rank" / "sıra",
        "Department's popularity rank" / "Departmanın popülerlik sırası",
        "Rank of the department by department_total_orders (1 = most orders; ties by lower id)."
        / "Departmanın department_total_orders'a göre sırası (1 = en çok sipariş; eşitlikte küçük kimlik).";
    UpOrders => "up_orders", UserProduct, "count", "orders" / "sipariş",
        "Times this shopper bought it" / "Müşterinin bu ürünü alma sayısı",
        "Number of the shopper's prior orders that contain the product."
        / "Müşterinin geçmiş siparişlerinden ürünü içerenlerin sayısı.";
    UpOrderRate => "up_order_rate", UserProduct, "ratio", "" / "",
        "Share of the shopper's orders with it" / "Müşteri siparişlerinde ürünün payı",
        "up_orders divided by user_total_orders."
        / "up_orders bölü user_total_orders.";
    UpOrdersSinceLast => "up_orders_since_last", UserProduct, "count", "orders" / "sipariş",
        "Orders since they last bought it" / "Son alımdan beri geçen sipariş",
        "Number of the shopper's prior orders placed after their last purchase of the product (0 = bought in the latest one)."
        / "Ürünün son alınışından sonra verilen geçmiş sipariş sayısı (0 = en son siparişte alındı).";
    UpOrderRateSinceFirst => "up_order_rate_since_first", UserProduct, "ratio", "" / "",
        "Share of orders with it since the first time" / "İlk alımdan beri ürünlü siparişlerin payı",
        "up_orders divided by the number of prior orders from the first purchase of the product on."
        / "up_orders bölü ürünün ilk alınışından itibaren verilen geçmiş sipariş sayısı.";
    UpFirstOrderNumber => "up_first_order_number", UserProduct, "number", "order" / "sipariş",
        "Order in which they first bought it" / "İlk alındığı sipariş",
        "Position (1 = first) among the shopper's prior orders of the first one containing the product."
        / "Ürünü içeren ilk geçmiş siparişin sırası (1 = ilk sipariş).";
    UpAvgCartPosition => "up_avg_cart_position", UserProduct, "number", "position" / "sıra",
        "Its average place in their cart" / "Sepetteki ortalama sırası",
        "Mean cart position (1 = first) of the product in the shopper's prior orders."
        / "Ürünün müşterinin geçmiş siparişlerindeki ortalama sepet sırası (1 = ilk).";
    UpStreak => "up_streak", UserProduct, "count", "orders" / "sipariş",
        "Orders in a row with it" / "Art arda ürünlü siparişler",
        "Number of the shopper's most recent prior orders in a row that contain the product."
        / "Ürünü art arda içeren en son geçmiş siparişlerin sayısı.";
    UpDaysSinceLast => "up_days_since_last", UserProduct, "days", "days" / "gün",
        "Days since they last bought it" / "Son alımdan beri geçen gün",
        "Days from the last prior order containing the product to the predicted order; missing if a gap on the way is unknown."
        / "Ürünü içeren son geçmiş siparişten tahmin edilen siparişe kadar geçen gün; aradaki bir aralık bilinmiyorsa eksik.";
    OrderDow => "order_dow", OrderContext, "dow", "" / "",
        "Day of the week of the order" / "Siparişin günü",
        "Day of week (0-6) of the predicted order."
        / "Tahmin edilen siparişin haftanın günü (0-6).";
    OrderHourOfDay => "order_hour_of_day", OrderContext, "hour", "h" / "saat",
        "Hour of the order" / "Siparişin saati",
        "Hour of day (0-23) of the predicted order."
        / "Tahmin edilen siparişin saati (0-23).";
    DaysSincePriorOrder => "days_since_prior_order", OrderContext, "days", "days" / "gün",
        "Days since the previous order" / "Önceki siparişten beri geçen gün",
        "Days between the shopper's latest prior order and the predicted one (capped at 30); missing if unknown."
        / "Müşterinin son geçmiş siparişi ile tahmin edilen sipariş arasındaki gün (30'da sınırlı); bilinmiyorsa eksik.";
}

/// Number of features, i.e. the length of every `Candidate::values`.
pub const FEATURE_COUNT: usize = Feature::DaysSincePriorOrder as usize + 1;

/// The feature table, in model column order.
pub fn definitions() -> &'static [FeatureDef] {
    DEFINITIONS
}

/// The definition of the feature called `name`, if this table has one.
pub fn definition(name: &str) -> Option<&'static FeatureDef> {
    DEFINITIONS
        .iter()
        .find(|definition| definition.name == name)
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
            assert!(!definition.label.is_empty(), "{}", definition.name);
            assert!(!definition.label_tr.is_empty(), "{}", definition.name);
            assert!(!definition.description_tr.is_empty(), "{}", definition.name);
            assert_eq!(
                definition.unit.is_empty(),
                definition.unit_tr.is_empty(),
                "{}",
                definition.name
            );
        }
    }
}
