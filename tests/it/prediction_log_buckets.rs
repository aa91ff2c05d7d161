//! The dashboard's buckets against the record-by-record summary they replace: for random logs
//! (days, sources, models, probabilities including out-of-range ones) and whole-day filters,
//! the numbers from `buckets_of` + `summarize_buckets` equal `summarize` over the records, and
//! buckets of two writes merged equal the buckets of both at once.

use std::collections::BTreeMap;

use instacart_reorder::prediction_log::{
    buckets_of, summarize, summarize_buckets, Bucket, Filter, PredictionRecord, Source, MS_PER_DAY,
};
use proptest::prelude::*;

fn record(id: u64, ms: i64, source: Source, model: &str, probability: f64) -> PredictionRecord {
    PredictionRecord {
        id: Some(id),
        created_at_ms: ms,
        source,
        user_id: None,
        product_id: None,
        features: BTreeMap::new(),
        probability,
        is_reorder: probability >= 0.3,
        threshold: 0.3 + (ms % 7) as f64 / 100.0,
        model_sha256: model.to_owned(),
    }
}

fn records_strategy() -> impl Strategy<Value = Vec<PredictionRecord>> {
    let probability = prop_oneof![
        8 => (0u32..=1000).prop_map(|p| f64::from(p) / 1000.0),
        1 => Just(1.5),
        1 => Just(f64::NAN),
    ];
    prop::collection::vec(
        (0i64..5 * MS_PER_DAY, 0usize..4, 0usize..2, probability),
        0..200,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(id, (ms, source, model, p))| {
                record(
                    id as u64 + 1,
                    20_000 * MS_PER_DAY + ms,
                    Source::ALL[source],
                    ["aaa", "bbb"][model],
                    p,
                )
            })
            .collect()
    })
}

fn filter_strategy() -> impl Strategy<Value = Filter> {
    (
        prop::collection::vec(0usize..4, 0..3),
        prop::option::of(0i64..6),
        prop::option::of(0i64..6),
        prop::option::of(0usize..2),
    )
        .prop_map(|(sources, from, to, model)| Filter {
            sources: sources.into_iter().map(|s| Source::ALL[s]).collect(),
            from_ms: from.map(|d| (20_000 + d) * MS_PER_DAY),
            to_ms: to.map(|d| (20_000 + d) * MS_PER_DAY),
            model_sha256: model.map(|m| ["aaa", "bbb"][m].to_owned()),
        })
}

proptest! {
    #[test]
    fn buckets_give_the_same_summary_as_the_records(
        records in records_strategy(),
        filter in filter_strategy(),
    ) {
        let expected = summarize(&records, &filter);
        let mut got = summarize_buckets(&buckets_of(&records), &filter);
        // The mean is summed per bucket: equal up to rounding.
        match (expected.mean_probability, got.mean_probability) {
            (Some(a), Some(b)) if a.is_nan() => prop_assert!(b.is_nan()),
            (Some(a), Some(b)) => prop_assert!((a - b).abs() <= 1e-12, "{a} vs {b}"),
            (a, b) => prop_assert_eq!(a, b),
        }
        got.mean_probability = expected.mean_probability;
        prop_assert_eq!(got.total, expected.total);
        prop_assert_eq!(got.positives, expected.positives);
        prop_assert_eq!(got.histogram, expected.histogram);
        prop_assert_eq!(got.out_of_range, expected.out_of_range);
        prop_assert_eq!(&got.per_day, &expected.per_day);
        prop_assert_eq!(&got.per_source, &expected.per_source);
        prop_assert_eq!(&got.models, &expected.models);
    }

    #[test]
    fn merged_buckets_equal_the_buckets_of_both_writes(
        records in records_strategy(),
        split in 0usize..200,
    ) {
        let split = split.min(records.len());
        let mut merged: BTreeMap<String, Bucket> = BTreeMap::new();
        for part in [&records[..split], &records[split..]] {
            for bucket in buckets_of(part) {
                merged
                    .entry(bucket.key())
                    .and_modify(|stored| stored.merge(&bucket))
                    .or_insert(bucket);
            }
        }
        let whole = buckets_of(&records);
        prop_assert_eq!(merged.len(), whole.len());
        for bucket in whole {
            let other = &merged[&bucket.key()];
            prop_assert_eq!(other.count, bucket.count);
            prop_assert_eq!(other.positives, bucket.positives);
            prop_assert_eq!(other.histogram, bucket.histogram);
            prop_assert_eq!(other.latest_ms, bucket.latest_ms);
            prop_assert!((other.probability_sum - bucket.probability_sum).abs() <= 1e-9
                || (other.probability_sum.is_nan() && bucket.probability_sum.is_nan()));
        }
    }
}

#[test]
fn bucket_keys_sort_by_day_then_source_then_model() {
    let mut keys = vec![
        Bucket::key_of(20_001, Source::Manual, "b"),
        Bucket::key_of(20_000, Source::Embed, "a"),
        Bucket::key_of(20_000, Source::Batch, "z"),
    ];
    keys.sort();
    assert_eq!(
        keys,
        vec!["00020000|batch|z", "00020000|embed|a", "00020001|manual|b"]
    );
}
