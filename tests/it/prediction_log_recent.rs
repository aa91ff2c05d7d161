//! Pages of recent predictions, merged from logged records and batch rows: the order worked out by
//! hand, page cuts that resume exactly where the last page ended, also inside one millisecond.

use std::collections::BTreeMap;

use instacart_reorder::prediction_log::{page_of, PredictionRecord, RecentPosition, Source};

fn record(id: u64, created_at_ms: i64, source: Source) -> PredictionRecord {
    PredictionRecord {
        id: Some(id),
        created_at_ms,
        source,
        user_id: None,
        product_id: None,
        features: BTreeMap::new(),
        probability: 0.5,
        is_reorder: true,
        threshold: 0.5,
        model_sha256: "aaa".to_owned(),
    }
}

/// (id, time) of each record on a page.
fn keys(records: &[PredictionRecord]) -> Vec<(u64, i64)> {
    records
        .iter()
        .map(|r| (r.id.unwrap(), r.created_at_ms))
        .collect()
}

fn logged() -> Vec<PredictionRecord> {
    vec![
        record(4, 900, Source::Manual),
        record(3, 700, Source::Manual),
        record(2, 700, Source::Demo),
        record(1, 100, Source::Manual),
    ]
}

fn batch() -> Vec<PredictionRecord> {
    vec![
        record(12, 800, Source::Batch),
        record(11, 700, Source::Batch),
        record(10, 300, Source::Batch),
    ]
}

#[test]
fn the_two_lists_merge_newest_first_with_logged_records_before_batch_rows_of_the_same_time() {
    let page = page_of(logged(), batch(), None, 10);
    assert_eq!(
        keys(&page.records),
        [
            (4, 900),
            (12, 800),
            (3, 700),
            (2, 700),
            (11, 700),
            (10, 300),
            (1, 100)
        ]
    );
    assert_eq!(page.next, None, "a short page is the last one");
}

#[test]
fn a_full_page_says_where_the_next_starts_counting_the_rows_of_its_last_millisecond() {
    let first = page_of(logged(), batch(), None, 4);
    assert_eq!(
        keys(&first.records),
        [(4, 900), (12, 800), (3, 700), (2, 700)]
    );
    assert_eq!(
        first.next,
        Some(RecentPosition {
            at_ms: 700,
            skip: 2
        })
    );

    // The store then reads what was made at 700 ms or earlier, newest first.
    let at_or_before = |list: Vec<PredictionRecord>| -> Vec<PredictionRecord> {
        list.into_iter()
            .filter(|r| r.created_at_ms <= 700)
            .collect()
    };
    let second = page_of(at_or_before(logged()), at_or_before(batch()), first.next, 4);
    assert_eq!(keys(&second.records), [(11, 700), (10, 300), (1, 100)]);
    assert_eq!(second.next, None);
}

#[test]
fn a_page_that_ends_exactly_at_the_last_record_still_offers_an_empty_next_page() {
    let page = page_of(logged(), Vec::new(), None, 4);
    assert_eq!(page.records.len(), 4);
    assert_eq!(
        page.next,
        Some(RecentPosition {
            at_ms: 100,
            skip: 1
        })
    );
    let after = page_of(
        vec![record(1, 100, Source::Manual)],
        Vec::new(),
        page.next,
        4,
    );
    assert!(after.records.is_empty());
    assert_eq!(after.next, None);
}

#[test]
fn an_empty_log_is_one_empty_page() {
    let page = page_of(Vec::new(), Vec::new(), None, 50);
    assert!(page.records.is_empty());
    assert_eq!(page.next, None);
}
