//! The Predict form's rules (`form_rules`): empty is unknown, never 0; each kind refuses what it
//! cannot be; the default text reads back to the exact median; the confidence band boundaries;
//! feature wording in both languages from the one feature table. Expected values are worked out
//! by hand.

use instacart_reorder::features::form_rules::{
    convert_text, default_text, feature_description, feature_unit,
    parse_feature_value as parse_with_mark, parse_optional_id, text_for_field, ConfidenceBand,
    InputError,
};
use instacart_reorder::input::number::DecimalMark;
use instacart_reorder::lang::Lang;
use instacart_reorder::model::{FeatureKind, FeatureSpec};

/// The English form (decimal point).
fn parse_feature_value(text: &str, spec: &FeatureSpec) -> Result<Option<f64>, InputError> {
    parse_with_mark(text, spec, DecimalMark::Point)
}

fn spec(kind: FeatureKind, max: Option<f64>) -> FeatureSpec {
    let mut spec = FeatureSpec::named("x");
    spec.kind = Some(kind);
    spec.max = max;
    spec
}

#[test]
fn empty_means_unknown_for_every_kind() {
    for kind in [
        FeatureKind::Count,
        FeatureKind::Ratio,
        FeatureKind::Flag,
        FeatureKind::Id,
        FeatureKind::Days,
        FeatureKind::Hour,
        FeatureKind::Dow,
        FeatureKind::Number,
    ] {
        assert_eq!(parse_feature_value("", &spec(kind, None)), Ok(None));
        assert_eq!(parse_feature_value("   ", &spec(kind, None)), Ok(None));
    }
}

#[test]
fn counts_are_non_negative_integers() {
    let count = spec(FeatureKind::Count, None);
    assert_eq!(parse_feature_value("12", &count), Ok(Some(12.0)));
    assert_eq!(parse_feature_value("0", &count), Ok(Some(0.0)));
    assert_eq!(
        parse_feature_value("-1", &count),
        Err(InputError::NegativeCount)
    );
    assert_eq!(
        parse_feature_value("2.5", &count),
        Err(InputError::NotAnInteger)
    );
    assert_eq!(
        parse_feature_value("abc", &count),
        Err(InputError::NotANumber)
    );
    assert_eq!(
        parse_feature_value("inf", &count),
        Err(InputError::NotFinite)
    );
    assert_eq!(
        parse_feature_value("1e400", &count),
        Err(InputError::NotFinite)
    );
    // NaN means unknown, as in files and messages.
    assert_eq!(parse_feature_value("NaN", &count), Ok(None));
    // A thousands separator is refused, never read as a decimal comma (10,000 is not 10).
    assert_eq!(
        parse_feature_value("10,000", &count),
        Err(InputError::Grouping)
    );
    assert_eq!(
        parse_with_mark("10.000", &count, DecimalMark::Comma),
        Err(InputError::Grouping)
    );
    assert_eq!(
        parse_with_mark("10000", &count, DecimalMark::Comma),
        Ok(Some(10000.0))
    );
}

#[test]
fn ratios_flags_ids_hours_and_days_of_week() {
    let ratio = spec(FeatureKind::Ratio, None);
    assert_eq!(
        parse_with_mark("0,25", &ratio, DecimalMark::Comma),
        Ok(Some(0.25))
    );
    assert_eq!(parse_feature_value("0.25", &ratio), Ok(Some(0.25)));
    assert_eq!(parse_feature_value("1", &ratio), Ok(Some(1.0)));
    assert_eq!(
        parse_feature_value("1.0001", &ratio),
        Err(InputError::RatioOutOfRange)
    );
    assert_eq!(
        parse_feature_value("-0.1", &ratio),
        Err(InputError::RatioOutOfRange)
    );
    let flag = spec(FeatureKind::Flag, None);
    assert_eq!(parse_feature_value("1", &flag), Ok(Some(1.0)));
    assert_eq!(
        parse_feature_value("0.5", &flag),
        Err(InputError::FlagNotBinary)
    );
    let id = spec(FeatureKind::Id, None);
    assert_eq!(parse_feature_value("24", &id), Ok(Some(24.0)));
    assert_eq!(
        parse_feature_value("0", &id),
        Err(InputError::IdNotPositive)
    );
    let hour = spec(FeatureKind::Hour, None);
    assert_eq!(parse_feature_value("23", &hour), Ok(Some(23.0)));
    assert_eq!(
        parse_feature_value("24", &hour),
        Err(InputError::HourOutOfRange)
    );
    let dow = spec(FeatureKind::Dow, None);
    assert_eq!(parse_feature_value("6", &dow), Ok(Some(6.0)));
    assert_eq!(
        parse_feature_value("7", &dow),
        Err(InputError::DowOutOfRange)
    );
}

#[test]
fn days_between_orders_are_capped_at_thirty_only_for_capped_gaps() {
    let gap = spec(FeatureKind::Days, Some(30.0));
    assert_eq!(parse_feature_value("30", &gap), Ok(Some(30.0)));
    assert_eq!(
        parse_feature_value("30.5", &gap),
        Err(InputError::DaysOutOfRange { capped: true })
    );
    let span = spec(FeatureKind::Days, Some(240.0));
    assert_eq!(parse_feature_value("300", &span), Ok(Some(300.0)));
    assert_eq!(
        parse_feature_value("-1", &span),
        Err(InputError::DaysOutOfRange { capped: false })
    );
}

#[test]
fn default_text_reads_back_to_the_exact_median() {
    let mut with_median = FeatureSpec::named("x");
    with_median.median = Some(0.1 + 0.2);
    let text = default_text(&with_median, DecimalMark::Point);
    assert_eq!(text, "0.30000000000000004");
    assert_eq!(
        parse_feature_value(&text, &with_median),
        Ok(Some(0.1 + 0.2))
    );
    let turkish = default_text(&with_median, DecimalMark::Comma);
    assert_eq!(turkish, "0,30000000000000004");
    assert_eq!(
        parse_with_mark(&turkish, &with_median, DecimalMark::Comma),
        Ok(Some(0.1 + 0.2))
    );
    assert_eq!(
        default_text(&FeatureSpec::named("x"), DecimalMark::Point),
        ""
    );
}

#[test]
fn switching_language_keeps_the_values() {
    assert_eq!(
        convert_text("0.25", DecimalMark::Point, DecimalMark::Comma),
        "0,25"
    );
    assert_eq!(
        convert_text("0,25", DecimalMark::Comma, DecimalMark::Point),
        "0.25"
    );
    // Not a number under the old mark: kept as typed, for the person to fix.
    assert_eq!(
        convert_text("10,000", DecimalMark::Point, DecimalMark::Comma),
        "10,000"
    );
    assert_eq!(convert_text("", DecimalMark::Point, DecimalMark::Comma), "");
    assert_eq!(text_for_field("0.5", DecimalMark::Comma), "0,5");
    assert_eq!(text_for_field("abc", DecimalMark::Comma), "abc");
}

#[test]
fn optional_ids_and_confidence_bands() {
    assert_eq!(parse_optional_id(""), Ok(None));
    assert_eq!(parse_optional_id("42"), Ok(Some(42)));
    assert_eq!(parse_optional_id("0"), Err(InputError::IdNotPositive));
    assert_eq!(parse_optional_id("4.2"), Err(InputError::IdNotPositive));
    assert_eq!(
        ConfidenceBand::from_margin(0.049),
        ConfidenceBand::Borderline
    );
    assert_eq!(ConfidenceBand::from_margin(-0.05), ConfidenceBand::Moderate);
    assert_eq!(ConfidenceBand::from_margin(0.149), ConfidenceBand::Moderate);
    assert_eq!(ConfidenceBand::from_margin(-0.15), ConfidenceBand::Clear);
}

#[test]
fn feature_wording_comes_from_the_feature_table_in_both_languages() {
    let english = "Number of the shopper's prior orders that contain the product.";
    assert_eq!(
        feature_description("up_orders", Some(english), Lang::En),
        english
    );
    assert_eq!(
        feature_description("up_orders", Some(english), Lang::Tr),
        "Müşterinin geçmiş siparişlerinden ürünü içerenlerin sayısı."
    );
    assert_eq!(feature_unit("up_orders", "orders", Lang::En), "orders");
    assert_eq!(feature_unit("up_orders", "orders", Lang::Tr), "sipariş");
    assert_eq!(feature_unit("order_hour_of_day", "h", Lang::Tr), "saat");
    // A feature the table does not know keeps the bundle's own words.
    assert_eq!(
        feature_description("colour", Some("Paint."), Lang::Tr),
        "Paint."
    );
    assert_eq!(feature_description("colour", None, Lang::Tr), "");
    assert_eq!(feature_unit("colour", "litres", Lang::Tr), "litres");
}

#[test]
fn fields_show_four_significant_digits_with_the_languages_mark() {
    use instacart_reorder::features::form_rules::display_text;
    assert_eq!(
        display_text(11.162790697674419, DecimalMark::Point),
        "11.16"
    );
    assert_eq!(
        display_text(11.162790697674419, DecimalMark::Comma),
        "11,16"
    );
    assert_eq!(
        display_text(0.26713615023474185, DecimalMark::Point),
        "0.2671"
    );
    assert_eq!(display_text(0.000412345, DecimalMark::Point), "0.0004123");
    assert_eq!(display_text(12345.678, DecimalMark::Point), "12346");
    assert_eq!(display_text(0.5, DecimalMark::Point), "0.5");
    assert_eq!(display_text(25.0, DecimalMark::Point), "25");
    assert_eq!(display_text(-0.0, DecimalMark::Point), "0");
    assert_eq!(display_text(-2.25, DecimalMark::Comma), "-2,25");
}

#[test]
fn a_field_scores_its_exact_value_until_it_is_edited() {
    use instacart_reorder::features::form_rules::field_value;
    let ratio = spec(FeatureKind::Ratio, None);
    let exact = 0.26713615023474185;
    // The field shows 0.2671 but stands for the exact value.
    assert_eq!(
        field_value("0.2671", Some(exact), &ratio, DecimalMark::Point),
        Ok(Some(exact))
    );
    assert_eq!(
        field_value("0,2671", Some(exact), &ratio, DecimalMark::Comma),
        Ok(Some(exact))
    );
    // Once edited (no exact value any more) the text is what counts.
    assert_eq!(
        field_value("0.2671", None, &ratio, DecimalMark::Point),
        Ok(Some(0.2671))
    );
    // An exact value the kind refuses is refused as if typed.
    assert_eq!(
        field_value("1.5", Some(1.5), &ratio, DecimalMark::Point),
        Err(InputError::RatioOutOfRange)
    );
}

#[test]
fn features_have_labels_for_people_in_both_languages() {
    use instacart_reorder::features::form_rules::feature_label;
    assert_eq!(
        feature_label("up_orders_since_last", Lang::En),
        Some("Orders since they last bought it")
    );
    assert_eq!(
        feature_label("up_orders_since_last", Lang::Tr),
        Some("Son alımdan beri geçen sipariş")
    );
    assert_eq!(
        feature_label("a_feature_of_someone_elses_model", Lang::En),
        None
    );
}
