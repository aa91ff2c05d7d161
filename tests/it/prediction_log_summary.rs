//! Dashboard summaries checked against values worked out by hand from small logs: counts, rates,
//! histogram edges, UTC day boundaries, filters and newest-first ordering.

use std::collections::BTreeMap;

use instacart_reorder::prediction_log::{
    days_from_civil, format_utc_date, format_utc_datetime, newest_first, parse_utc_date, summarize,
    Filter, PredictionLogError, PredictionRecord, Source, MS_PER_DAY,
};

fn record(id: u64, created_at_ms: i64, source: Source, probability: f64) -> PredictionRecord {
    PredictionRecord {
        id: Some(id),
        created_at_ms,
        source,
        user_id: None,
        product_id: None,
        features: BTreeMap::new(),
        probability,
        is_reorder: probability >= 0.5,
        threshold: 0.5,
        model_sha256: "aaa".to_owned(),
    }
}

// 2024-03-01 00:00:00 UTC = 19783 days after the epoch (54 years: 1970..2024 has 13 leap
// days, 54*365 + 13 = 19723, plus Jan 31 + Feb 29 = 60 days).
const MARCH_1_2024: i64 = 19_783 * MS_PER_DAY;

#[test]
fn calendar_conversions_match_hand_counted_days() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2024, 3, 1), 19_783);
    assert_eq!(days_from_civil(2000, 2, 29), 11_016); // 30 years (7 leap days) + 59
    assert_eq!(days_from_civil(1969, 12, 31), -1);
    assert_eq!(format_utc_date(MARCH_1_2024 - 1), "2024-02-29");
    assert_eq!(format_utc_date(-1), "1969-12-31");
    assert_eq!(
        format_utc_datetime(MARCH_1_2024 + 3_723_000),
        "2024-03-01 01:02:03"
    );
    assert_eq!(parse_utc_date("2024-03-01"), Ok(MARCH_1_2024));
    assert_eq!(parse_utc_date("2024-02-29"), Ok(MARCH_1_2024 - MS_PER_DAY));
    for bad in [
        "2023-02-29",
        "2024-13-01",
        "2024-3-01",
        "yesterday",
        "2024-03-01-02",
        "",
    ] {
        assert!(
            matches!(parse_utc_date(bad), Err(PredictionLogError::BadDate { .. })),
            "{bad:?} should be refused"
        );
    }
}

#[test]
fn empty_log_has_no_rates() {
    let summary = summarize(&[], &Filter::default());
    assert_eq!(summary.total, 0);
    assert_eq!(summary.positive_rate, None);
    assert_eq!(summary.mean_probability, None);
    assert_eq!(summary.histogram, [0; 20]);
    assert!(summary.per_day.is_empty());
    assert_eq!(summary.latest_threshold, None);
}

#[test]
fn totals_rates_and_histogram_bins_by_hand() {
    // Probabilities chosen on and around bin edges (width 0.05):
    // 0.0 -> bin 0; 0.049 -> 0; 0.05 -> 1; 0.5 -> 10; 0.51 -> 10; 0.95 -> 19; 1.0 -> 19 (closed).
    let probabilities = [0.0, 0.049, 0.05, 0.5, 0.51, 0.95, 1.0];
    let records: Vec<_> = probabilities
        .iter()
        .enumerate()
        .map(|(i, &p)| record(i as u64 + 1, MARCH_1_2024 + i as i64, Source::Manual, p))
        .collect();
    let summary = summarize(&records, &Filter::default());
    assert_eq!(summary.total, 7);
    // is_reorder = p >= 0.5: 0.5, 0.51, 0.95, 1.0.
    assert_eq!(summary.positives, 4);
    assert_eq!(summary.positive_rate, Some(4.0 / 7.0));
    // Sum = 0.049 + 0.05 + 0.5 + 0.51 + 0.95 + 1.0 = 3.059, mean = 3.059 / 7 = 0.437.
    let mean = summary.mean_probability.unwrap_or(f64::NAN);
    assert!((mean - 0.437).abs() < 1e-12, "mean {mean}");
    let mut expected = [0u64; 20];
    expected[0] = 2;
    expected[1] = 1;
    expected[10] = 2;
    expected[19] = 2;
    assert_eq!(summary.histogram, expected);
    assert_eq!(summary.out_of_range, 0);
    assert_eq!(summary.latest_threshold, Some(0.5));
}

#[test]
fn nan_and_out_of_range_probabilities_are_counted_apart() {
    let records = vec![
        record(1, 0, Source::Manual, f64::NAN),
        record(2, 0, Source::Manual, -0.1),
        record(3, 0, Source::Manual, 1.5),
        record(4, 0, Source::Manual, 0.25),
    ];
    let summary = summarize(&records, &Filter::default());
    assert_eq!(summary.total, 4);
    assert_eq!(summary.out_of_range, 3);
    assert_eq!(summary.histogram.iter().sum::<u64>(), 1);
    assert_eq!(summary.histogram[5], 1); // 0.25 * 20 = 5
}

#[test]
fn per_day_counts_split_at_utc_midnight() {
    let records = vec![
        record(1, MARCH_1_2024 - 1, Source::Manual, 0.9), // 2024-02-29 23:59:59.999
        record(2, MARCH_1_2024, Source::Demo, 0.1),       // 2024-03-01 00:00
        record(3, MARCH_1_2024 + MS_PER_DAY - 1, Source::Demo, 0.7),
        record(4, MARCH_1_2024 + 2 * MS_PER_DAY, Source::Batch, 0.2), // 2024-03-03
    ];
    let summary = summarize(&records, &Filter::default());
    let days: Vec<_> = summary
        .per_day
        .iter()
        .map(|d| (d.date.as_str(), d.total, d.positives))
        .collect();
    assert_eq!(
        days,
        vec![
            ("2024-02-29", 1, 1),
            ("2024-03-01", 2, 1),
            ("2024-03-03", 1, 0)
        ]
    );
    assert_eq!(summary.per_day[1].day, 19_783);
    assert_eq!(summary.per_source.get(&Source::Demo), Some(&2));
    assert_eq!(summary.per_source.get(&Source::Embed), None);
}

#[test]
fn filters_select_by_source_time_range_and_model() {
    let mut records = vec![
        record(1, MARCH_1_2024 - 1, Source::Manual, 0.9),
        record(2, MARCH_1_2024, Source::Demo, 0.1),
        record(3, MARCH_1_2024 + 10, Source::Demo, 0.7),
        record(4, MARCH_1_2024 + MS_PER_DAY, Source::Batch, 0.2),
    ];
    records[3].model_sha256 = "bbb".to_owned();
    records[3].threshold = 0.3;

    let demo_only = Filter {
        sources: vec![Source::Demo],
        ..Filter::default()
    };
    let summary = summarize(&records, &demo_only);
    assert_eq!((summary.total, summary.positives), (2, 1));
    assert_eq!(summary.positive_rate, Some(0.5));
    // Every model of the log is offered, even outside the selection.
    assert_eq!(summary.models, vec!["aaa".to_owned(), "bbb".to_owned()]);

    // [March 1, March 2): records 2 and 3 only (from inclusive, to exclusive).
    let march_first = Filter {
        from_ms: Some(MARCH_1_2024),
        to_ms: Some(MARCH_1_2024 + MS_PER_DAY),
        ..Filter::default()
    };
    assert_eq!(summarize(&records, &march_first).total, 2);

    let model_b = Filter {
        model_sha256: Some("bbb".to_owned()),
        ..Filter::default()
    };
    let summary = summarize(&records, &model_b);
    assert_eq!(summary.total, 1);
    assert_eq!(summary.latest_threshold, Some(0.3));

    let manual_or_batch = Filter {
        sources: vec![Source::Manual, Source::Batch],
        ..Filter::default()
    };
    assert_eq!(newest_first(&records, &manual_or_batch), vec![3, 0]);
}

#[test]
fn newest_first_orders_by_time_then_id() {
    let records = vec![
        record(1, 100, Source::Manual, 0.1),
        record(2, 300, Source::Manual, 0.1),
        record(3, 200, Source::Manual, 0.1),
        record(4, 300, Source::Manual, 0.1),
    ];
    // Time 300 twice: id 4 was stored after id 2, so it is newer.
    assert_eq!(newest_first(&records, &Filter::default()), vec![3, 1, 2, 0]);
    assert_eq!(
        summarize(&records, &Filter::default()).latest_threshold,
        Some(0.5)
    );
}

#[test]
fn sources_round_trip_through_their_names() {
    for source in Source::ALL {
        assert_eq!(Source::parse(source.as_str()), Ok(source));
        let json = serde_json::to_string(&source).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", source.as_str()));
    }
    assert_eq!(
        Source::parse("Manual"),
        Err(PredictionLogError::UnknownSource("Manual".to_owned()))
    );
}
