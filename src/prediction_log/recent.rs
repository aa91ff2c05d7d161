//! Pages of recent predictions: logged records and batch rows, each read newest first from its
//! own store, merged into one list and cut into pages that resume where the last one ended, also
//! between rows of the same millisecond. Pure, so the merge is tested natively; the browser only
//! reads the two lists.

use super::PredictionRecord;

/// Where a page of recent predictions starts: at predictions made at `at_ms` or earlier,
/// after skipping the first `skip` of those made exactly at `at_ms` (newest first; within one
/// millisecond, logged records by id, then batch rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentPosition {
    pub at_ms: i64,
    pub skip: usize,
}

/// One page of recent predictions (light: no feature values) and where the next one starts
/// (`None` after the last).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecentPage {
    pub records: Vec<PredictionRecord>,
    pub next: Option<RecentPosition>,
}

/// Merges logged records and batch rows (each newest first) and cuts the page at `position`.
pub fn page_of(
    logged: Vec<PredictionRecord>,
    batch: Vec<PredictionRecord>,
    position: Option<RecentPosition>,
    limit: usize,
) -> RecentPage {
    let mut merged = Vec::with_capacity(logged.len() + batch.len());
    let (mut logged, mut batch) = (logged.into_iter().peekable(), batch.into_iter().peekable());
    loop {
        let take_logged = match (logged.peek(), batch.peek()) {
            (Some(a), Some(b)) => a.created_at_ms >= b.created_at_ms,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_logged {
            logged.next()
        } else {
            batch.next()
        };
        merged.extend(next);
    }
    let skip = position.map_or(0, |p| p.skip);
    let end = (skip + limit).min(merged.len());
    let records: Vec<PredictionRecord> =
        merged.get(skip..end).map(<[_]>::to_vec).unwrap_or_default();
    let next = (records.len() == limit).then(|| {
        let at_ms = records.last().map_or(i64::MIN, |r| r.created_at_ms);
        RecentPosition {
            at_ms,
            skip: merged[..end]
                .iter()
                .filter(|r| r.created_at_ms == at_ms)
                .count(),
        }
    });
    RecentPage { records, next }
}
