//! The rules of the Predict form, and the words it shows: what a typed feature value means
//! (empty is "unknown": missing, NaN for the model, never 0; anything else must be a number
//! that fits the feature's kind), how a field's text follows the language's decimal mark, how
//! sure a decision is, and how features and their groups are labelled in either language. Pure,
//! so the rules read in one place and are tested natively; the page only renders them.

use crate::features::definition;
use crate::input::number::{format_value, parse_file_value, parse_value, DecimalMark, NumberError};
use crate::lang::Lang;
use crate::model::{FeatureKind, FeatureSpec};

/// Instacart caps the days between two consecutive orders at 30.
pub const DAYS_CAP: f64 = 30.0;

/// Why a typed value was refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InputError {
    NotANumber,
    NotFinite,
    /// A mark that could group thousands (`10,000` in English, `10.000` in Turkish).
    Grouping,
    NegativeCount,
    NotAnInteger,
    RatioOutOfRange,
    FlagNotBinary,
    IdNotPositive,
    DaysOutOfRange {
        capped: bool,
    },
    HourOutOfRange,
    DowOutOfRange,
}

impl InputError {
    /// The message shown under the field.
    pub fn message(self, lang: Lang) -> String {
        match self {
            InputError::NotANumber => lang
                .pick(
                    "Enter a number, or leave it empty for unknown.",
                    "Bir sayı girin ya da bilinmiyorsa boş bırakın.",
                )
                .to_owned(),
            InputError::NotFinite => lang
                .pick("Enter a finite number.", "Sonlu bir sayı girin.")
                .to_owned(),
            InputError::Grouping => lang
                .pick(
                    "Write the number without thousands separators, with a point for decimals (10000 or 0.25).",
                    "Sayıyı binlik ayırıcı olmadan, ondalık için virgülle yazın (10000 ya da 0,25).",
                )
                .to_owned(),
            InputError::NegativeCount => lang
                .pick("A count cannot be negative.", "Bir sayım negatif olamaz.")
                .to_owned(),
            InputError::NotAnInteger => lang
                .pick("Enter a whole number.", "Tam sayı girin.")
                .to_owned(),
            InputError::RatioOutOfRange => lang
                .pick(
                    "A ratio lies between 0 and 1.",
                    "Oran 0 ile 1 arasında olmalı.",
                )
                .to_owned(),
            InputError::FlagNotBinary => lang
                .pick(
                    "Enter 0 (no) or 1 (yes).",
                    "0 (hayır) ya da 1 (evet) girin.",
                )
                .to_owned(),
            InputError::IdNotPositive => lang
                .pick(
                    "An id is a positive whole number.",
                    "Kimlik pozitif bir tam sayıdır.",
                )
                .to_owned(),
            InputError::DaysOutOfRange { capped: true } => lang
                .pick(
                    "Days between orders lie between 0 and 30 (Instacart caps them at 30).",
                    "Siparişler arası gün sayısı 0 ile 30 arasındadır (Instacart 30'da sınırlar).",
                )
                .to_owned(),
            InputError::DaysOutOfRange { capped: false } => lang
                .pick("Days cannot be negative.", "Gün sayısı negatif olamaz.")
                .to_owned(),
            InputError::HourOutOfRange => lang
                .pick(
                    "An hour is a whole number from 0 to 23.",
                    "Saat 0 ile 23 arasında bir tam sayıdır.",
                )
                .to_owned(),
            InputError::DowOutOfRange => lang
                .pick(
                    "A day of the week is a whole number from 0 to 6.",
                    "Haftanın günü 0 ile 6 arasında bir tam sayıdır.",
                )
                .to_owned(),
        }
    }
}

/// Reads one typed value by the project's number rule (`crate::input::number`) with the language's
/// decimal mark (`.` in English, `,` in Turkish; the other mark is refused as a possible
/// thousands separator): `Ok(None)` for empty or `NaN` (unknown), `Ok(Some(x))` for an
/// acceptable number of the feature's kind.
pub fn parse_feature_value(
    text: &str,
    spec: &FeatureSpec,
    mark: DecimalMark,
) -> Result<Option<f64>, InputError> {
    let value = match parse_value(text, mark) {
        Ok(None) => return Ok(None),
        Ok(Some(value)) => value,
        Err(NumberError::NotANumber) => return Err(InputError::NotANumber),
        Err(NumberError::NotFinite) => return Err(InputError::NotFinite),
        Err(NumberError::Grouping { .. }) => return Err(InputError::Grouping),
    };
    let is_integer = value.fract() == 0.0;
    match spec.kind {
        Some(FeatureKind::Count) => {
            if value < 0.0 {
                return Err(InputError::NegativeCount);
            }
            if !is_integer {
                return Err(InputError::NotAnInteger);
            }
        }
        Some(FeatureKind::Ratio) => {
            if !(0.0..=1.0).contains(&value) {
                return Err(InputError::RatioOutOfRange);
            }
        }
        Some(FeatureKind::Flag) => {
            if value != 0.0 && value != 1.0 {
                return Err(InputError::FlagNotBinary);
            }
        }
        Some(FeatureKind::Id) => {
            if value < 1.0 || !is_integer {
                return Err(InputError::IdNotPositive);
            }
        }
        Some(FeatureKind::Days) => {
            // Gaps between two orders are capped at 30 days in Instacart's data; a feature whose
            // training maximum is within that cap is such a gap. Longer spans have no fixed cap.
            let capped = spec.max.is_some_and(|max| max <= DAYS_CAP);
            if value < 0.0 || (capped && value > DAYS_CAP) {
                return Err(InputError::DaysOutOfRange { capped });
            }
        }
        Some(FeatureKind::Hour) => {
            if !(0.0..=23.0).contains(&value) || !is_integer {
                return Err(InputError::HourOutOfRange);
            }
        }
        Some(FeatureKind::Dow) => {
            if !(0.0..=6.0).contains(&value) || !is_integer {
                return Err(InputError::DowOutOfRange);
            }
        }
        Some(FeatureKind::Number) | None => {}
    }
    Ok(Some(value))
}

/// Reads an optional id field (user id, product id): empty is none, else a positive integer.
pub fn parse_optional_id(text: &str) -> Result<Option<u64>, InputError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    match trimmed.parse::<u64>() {
        Ok(id) if id > 0 => Ok(Some(id)),
        _ => Err(InputError::IdNotPositive),
    }
}

/// The text a field starts with: the training median (printed so that it reads back to the
/// same f64, with the language's decimal mark), or empty (unknown) when the bundle has no median.
pub fn default_text(spec: &FeatureSpec, mark: DecimalMark) -> String {
    spec.median
        .filter(|median| median.is_finite())
        .map(|median| format_value(median, mark))
        .unwrap_or_default()
}

/// Rewrites a field's text for another decimal mark when it holds a number under the old one
/// (`0.25` <-> `0,25`, the same f64); anything else (empty, an error being fixed) is kept as typed.
pub fn convert_text(text: &str, from: DecimalMark, to: DecimalMark) -> String {
    match parse_value(text, from) {
        Ok(Some(value)) if from != to => format_value(value, to),
        _ => text.to_owned(),
    }
}

/// A text from a link or the saved last inputs (always written with `.`), for a field shown
/// with `mark`.
pub fn text_for_field(stored: &str, mark: DecimalMark) -> String {
    match parse_file_value(stored) {
        Ok(Some(value)) => format_value(value, mark),
        _ => stored.to_owned(),
    }
}

/// How sure the decision is, from the distance between the probability and the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfidenceBand {
    Borderline,
    Moderate,
    Clear,
}

impl ConfidenceBand {
    /// Borderline within 5 points of the threshold, moderate within 15, clear beyond.
    pub fn from_margin(margin: f64) -> ConfidenceBand {
        let distance = margin.abs();
        if distance < 0.05 {
            ConfidenceBand::Borderline
        } else if distance < 0.15 {
            ConfidenceBand::Moderate
        } else {
            ConfidenceBand::Clear
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ConfidenceBand::Borderline => lang.pick(
                "borderline (within 5 points of the threshold)",
                "sınırda (eşiğe 5 puandan yakın)",
            ),
            ConfidenceBand::Moderate => lang.pick(
                "moderate (5 to 15 points from the threshold)",
                "orta (eşikten 5-15 puan uzakta)",
            ),
            ConfidenceBand::Clear => lang.pick(
                "clear (more than 15 points from the threshold)",
                "belirgin (eşikten 15 puandan fazla uzakta)",
            ),
        }
    }
}

/// The group heading of a feature group name from the bundle.
pub fn group_label(group: &str, lang: Lang) -> String {
    match group {
        "user" => lang.pick("User", "Kullanıcı").to_owned(),
        "product" => lang.pick("Product", "Ürün").to_owned(),
        "aisle_department" => lang
            .pick("Aisle & department", "Reyon ve departman")
            .to_owned(),
        "user_product" => lang.pick("User × product", "Kullanıcı × ürün").to_owned(),
        "order_context" => lang.pick("Order context", "Sipariş bağlamı").to_owned(),
        "" => lang.pick("Other", "Diğer").to_owned(),
        other => other.to_owned(),
    }
}

/// The order groups appear in on the page; unknown groups follow in first-seen order.
pub const GROUP_ORDER: [&str; 5] = [
    "user",
    "product",
    "aisle_department",
    "user_product",
    "order_context",
];

/// The kind's name as the bundle writes it (`count`, `ratio`, ...), or `unknown`.
pub fn kind_name(kind: Option<FeatureKind>) -> &'static str {
    match kind {
        Some(FeatureKind::Count) => "count",
        Some(FeatureKind::Ratio) => "ratio",
        Some(FeatureKind::Flag) => "flag",
        Some(FeatureKind::Id) => "id",
        Some(FeatureKind::Days) => "days",
        Some(FeatureKind::Hour) => "hour",
        Some(FeatureKind::Dow) => "dow",
        Some(FeatureKind::Number) => "number",
        None => "unknown",
    }
}

/// The feature's description in the reader's language: in English the bundle's own text; in
/// Turkish the feature table's, falling back to the bundle's English for a feature the table
/// does not know (so a new feature is never hidden).
pub fn feature_description(name: &str, bundle_text: Option<&str>, lang: Lang) -> String {
    let english = bundle_text.unwrap_or_default();
    match (lang, definition(name)) {
        (Lang::Tr, Some(feature)) => feature.description_tr.to_owned(),
        _ => english.to_owned(),
    }
}

/// The feature's unit as the bundle writes it (`orders`, `days`, ...), in the reader's
/// language: in Turkish the feature table's, falling back to the bundle's own word.
pub fn feature_unit(name: &str, bundle_unit: &str, lang: Lang) -> String {
    match (lang, definition(name)) {
        (Lang::Tr, Some(feature)) if feature.unit == bundle_unit => feature.unit_tr.to_owned(),
        _ => bundle_unit.to_owned(),
    }
}

/// Significant digits a field shows of a value it keeps exactly (a median, a demo product's
/// feature): enough to read, few enough to take in at a glance.
pub const DISPLAY_SIGNIFICANT_DIGITS: i32 = 4;

/// A value as a field shows it: whole numbers in full, others rounded to
/// `DISPLAY_SIGNIFICANT_DIGITS` significant digits (never fewer than the integer part), trailing
/// zeros dropped, with the language's decimal mark. Only for showing: the exact value is what is
/// scored and logged (`field_value`).
pub fn display_text(value: f64, mark: DecimalMark) -> String {
    if !value.is_finite() || value.fract() == 0.0 {
        return format_value(if value == 0.0 { 0.0 } else { value }, mark);
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (DISPLAY_SIGNIFICANT_DIGITS - 1 - magnitude).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    let trimmed = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text.as_str()
    };
    let trimmed = if trimmed == "-0" { "0" } else { trimmed };
    match mark {
        DecimalMark::Point => trimmed.to_owned(),
        DecimalMark::Comma => trimmed.replace('.', ","),
    }
}

/// The value a field stands for: the exact value it was filled with while its text is the one
/// shown for it (untouched since), otherwise what the text says. The exact value goes through
/// the same rule as a typed one, so it is refused where typing it would be.
pub fn field_value(
    text: &str,
    exact: Option<f64>,
    spec: &FeatureSpec,
    mark: DecimalMark,
) -> Result<Option<f64>, InputError> {
    match exact {
        Some(value) => parse_feature_value(&format_value(value, mark), spec, mark),
        None => parse_feature_value(text, spec, mark),
    }
}

/// The feature's short name for people in the reader's language, when the feature table knows
/// it (a feature of a user's own model may only have its raw name).
pub fn feature_label(name: &str, lang: Lang) -> Option<&'static str> {
    definition(name).map(|feature| lang.pick(feature.label, feature.label_tr))
}
