//! Writing to the log, as the pages call it: records, batch runs, their chunks and how each run
//! ended, each handed to the store's write turns (`store`), which run the transaction
//! (`transactions`) in IndexedDB or keep the write in memory.

use super::codec::check;
use super::error::LogStoreError;
use super::store::{LogStore, Write};
use crate::prediction_log::{BatchChunk, BatchRun, PredictionRecord, RunEnd};

impl LogStore {
    /// Logs one record and returns its id.
    pub async fn add(&self, record: PredictionRecord) -> Result<u64, LogStoreError> {
        let ids = self.add_all(vec![record]).await?;
        Ok(ids.first().copied().unwrap_or_default())
    }

    /// Logs `records` in one transaction and returns their ids, in order.
    pub async fn add_all(&self, records: Vec<PredictionRecord>) -> Result<Vec<u64>, LogStoreError> {
        for record in &records {
            check(record)?;
        }
        self.write(Write::Records(records)).await
    }

    /// Logs the start of a batch run (no rows yet) and returns its run id.
    pub async fn add_batch_run(&self, run: BatchRun) -> Result<u64, LogStoreError> {
        if !run.threshold.is_finite() {
            return Err(LogStoreError::InvalidRecord {
                field: "threshold",
                value: run.threshold,
            });
        }
        let ids = self.write(Write::Run(run.clone())).await?;
        let run_id = ids.first().copied().unwrap_or_default();
        let mut stored = run;
        stored.run_id = Some(run_id);
        self.inner.runs.borrow_mut().insert(run_id, stored);
        Ok(run_id)
    }

    /// Logs a chunk of a run's rows (its columns as typed arrays, counted in the buckets in the
    /// same transaction).
    pub async fn add_batch_chunk(&self, chunk: BatchChunk) -> Result<(), LogStoreError> {
        let run = self.run(chunk.run_id).await?;
        chunk.check(run.feature_names.len())?;
        if let Some(value) = chunk.probabilities.iter().find(|p| !p.is_finite()) {
            return Err(LogStoreError::InvalidRecord {
                field: "probability",
                value: *value,
            });
        }
        self.write(Write::Chunk(chunk, run)).await.map(|_| ())
    }

    /// Records how batch run `run_id` ended (the page running it says so once it stops).
    pub async fn end_batch_run(&self, run_id: u64, end: RunEnd) -> Result<(), LogStoreError> {
        if let Some(run) = self.inner.runs.borrow_mut().get_mut(&run_id) {
            run.ended = Some(end);
        }
        self.write(Write::RunEnd(run_id, end)).await.map(|_| ())
    }
}
