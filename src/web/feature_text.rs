//! Turkish wording of the model's features. The bundle carries each feature's English
//! description (written once, in the feature definitions); the interface also speaks Turkish,
//! so this module gives the Turkish text by feature name and translates the units. A feature
//! missing here falls back to the bundle's English text, so a new feature is never hidden.

use crate::web::i18n::Lang;

/// The feature's description in the reader's language: Turkish from this table, otherwise the
/// bundle's own (English) text.
pub fn description(name: &str, bundle_text: Option<&str>, lang: Lang) -> String {
    let english = bundle_text.unwrap_or_default();
    match lang {
        Lang::En => english.to_owned(),
        Lang::Tr => turkish_description(name).map_or_else(|| english.to_owned(), str::to_owned),
    }
}

/// A unit written in the bundle (`orders`, `days`, ...) in the reader's language.
pub fn unit(unit: &str, lang: Lang) -> String {
    let turkish = match unit {
        "orders" => "sipariş",
        "order" => "sipariş",
        "products" => "ürün",
        "shoppers" => "müşteri",
        "days" => "gün",
        "position" => "sıra",
        "rank" => "sıra",
        "h" => "saat",
        other => other,
    };
    match lang {
        Lang::En => unit.to_owned(),
        Lang::Tr => turkish.to_owned(),
    }
}

fn turkish_description(name: &str) -> Option<&'static str> {
    Some(match name {
        "user_total_orders" => "Tahmin edilen siparişten önceki sipariş sayısı (satır değil, sipariş).",
        "user_avg_basket_size" => "Geçmiş siparişlerde sipariş başına ortalama farklı ürün sayısı.",
        "user_distinct_products" => "Müşterinin geçmiş siparişlerinde aldığı farklı ürün sayısı.",
        "user_reorder_ratio" => "İlk siparişten sonraki siparişlerde daha önce alınmış ürünlerin satır payı; tek geçmiş siparişte eksik.",
        "user_exploration_score" => "Müşterinin son 100 geçmiş sipariş satırında ilk kez alınan ürünlerin payı.",
        "user_avg_days_between_orders" => "Ardışık geçmiş siparişler arasındaki ortalama gün (Instacart 30'da sınırlar); hiç aralık bilinmiyorsa eksik.",
        "user_max_gap" => "Ardışık geçmiş siparişler arasındaki en uzun aralık (gün); hiç aralık bilinmiyorsa eksik.",
        "user_is_weekly_shopper" => "Ortalama sipariş aralığı en çok 7 günse 1, değilse 0; aralık bilinmiyorsa eksik.",
        "user_is_monthly_shopper" => "Ortalama sipariş aralığı en az 28 günse 1, değilse 0; aralık bilinmiyorsa eksik.",
        "user_weekend_ratio" => "0. veya 1. günde (verinin en yoğun iki günü, genelde hafta sonu) verilen geçmiş siparişlerin payı.",
        "user_favorite_dow" => "Müşterinin geçmiş siparişlerinin çoğunu verdiği haftanın günü (0-6); eşitlikte en küçük gün.",
        "user_peak_hour_ratio" => "Müşterinin en sık sipariş verdiği saatte verilen geçmiş siparişlerin payı.",
        "user_night_ratio" => "22:00 ile 05:59 arasında verilen geçmiş siparişlerin payı.",
        "product_order_count" => "Tüm müşterilerin geçmiş siparişlerinden ürünü içerenlerin sayısı.",
        "product_reorder_rate" => "Bu siparişlerden müşterinin ürünü daha önce almış olduğu siparişlerin payı.",
        "product_unique_users" => "Ürünü geçmiş bir siparişte alan müşteri sayısı.",
        "product_repeat_user_ratio" => "Ürünün müşterilerinden onu en az iki geçmiş siparişte alanların payı.",
        "product_avg_cart_position" => "Ürünün geçmiş siparişlerde sepete eklendiği ortalama sıra (1 = ilk).",
        "aisle_id" => "Ürünün reyonu; reyon bilinmiyorsa eksik.",
        "aisle_total_orders" => "Tüm müşterilerin geçmiş siparişlerinden reyondan en az bir ürün içerenlerin sayısı.",
        "aisle_unique_products" => "Reyonun geçmiş siparişlerde alınan farklı ürün sayısı.",
        "aisle_unique_users" => "Geçmiş siparişlerde reyondan alışveriş yapan müşteri sayısı.",
        "aisle_reorder_rate" => "Reyonun geçmiş sipariş satırlarında müşterinin daha önce aldığı ürünlerin payı.",
        "aisle_popularity_rank" => "Reyonun aisle_total_orders'a göre sırası (1 = en çok sipariş; eşitlikte küçük kimlik).",
        "department_id" => "Ürünün departmanı; departman bilinmiyorsa eksik.",
        "department_total_orders" => "Tüm müşterilerin geçmiş siparişlerinden departmandan en az bir ürün içerenlerin sayısı.",
        "department_unique_products" => "Departmanın geçmiş siparişlerde alınan farklı ürün sayısı.",
        "department_unique_users" => "Geçmiş siparişlerde departmandan alışveriş yapan müşteri sayısı.",
        "department_reorder_rate" => "Departmanın geçmiş sipariş satırlarında müşterinin daha önce aldığı ürünlerin payı.",
        "department_popularity_rank" => "Departmanın department_total_orders'a göre sırası (1 = en çok sipariş; eşitlikte küçük kimlik).",
        "up_orders" => "Müşterinin geçmiş siparişlerinden ürünü içerenlerin sayısı.",
        "up_order_rate" => "up_orders bölü user_total_orders.",
        "up_orders_since_last" => "Ürünün son alınışından sonra verilen geçmiş sipariş sayısı (0 = en son siparişte alındı).",
        "up_order_rate_since_first" => "up_orders bölü ürünün ilk alınışından itibaren verilen geçmiş sipariş sayısı.",
        "up_first_order_number" => "Ürünü içeren ilk geçmiş siparişin sırası (1 = ilk sipariş).",
        "up_avg_cart_position" => "Ürünün müşterinin geçmiş siparişlerindeki ortalama sepet sırası (1 = ilk).",
        "up_streak" => "Ürünü art arda içeren en son geçmiş siparişlerin sayısı.",
        "up_days_since_last" => "Ürünü içeren son geçmiş siparişten tahmin edilen siparişe kadar geçen gün; aradaki bir aralık bilinmiyorsa eksik.",
        "order_dow" => "Tahmin edilen siparişin haftanın günü (0-6).",
        "order_hour_of_day" => "Tahmin edilen siparişin saati (0-23).",
        "days_since_prior_order" => "Müşterinin son geçmiş siparişi ile tahmin edilen sipariş arasındaki gün (30'da sınırlı); bilinmiyorsa eksik.",
        _ => return None,
    })
}
