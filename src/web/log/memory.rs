//! The log in this tab's memory while IndexedDB is unusable: only what was written since, never
//! a copy of the stored log, and batch run ids no stored run can have.

use std::collections::BTreeMap;

use crate::prediction_log::{BatchRun, PredictionRecord, SketchDelta};

/// Ids of batch runs started while the log is in memory count from here: IndexedDB's own run ids
/// (1, 2, ...) never reach it, so a run started in memory can never be mistaken for a stored
/// one when the log is back in IndexedDB.
pub const MEMORY_RUN_IDS: u64 = 1 << 40;

/// What the log holds in this tab's memory while IndexedDB is unusable: only what was written
/// since (never a copy of the stored log).
#[derive(Default)]
pub(super) struct MemoryLog {
    pub(super) records: Vec<PredictionRecord>,
    pub(super) runs: BTreeMap<u64, BatchRun>,
    pub(super) next_id: u64,
    pub(super) next_run_id: u64,
    /// The drift sketches of the records above.
    pub(super) sketches: SketchDelta,
}

impl MemoryLog {
    pub(super) fn push(&mut self, records: Vec<PredictionRecord>) -> Vec<u64> {
        records
            .into_iter()
            .map(|mut record| {
                self.next_id += 1;
                record.id = Some(self.next_id);
                self.records.push(record);
                self.next_id
            })
            .collect()
    }
}
