//! Writing to the log, as the pages call it: records, batch runs, their chunks and how each run
//! ended, each handed to the store's write turns (`store`), which run the transaction
//! (`transactions`) in IndexedDB or keep the write in memory.

use super::codec::check;
use super::error::LogStoreError;
use super::store::{LogStore, Write};
use std::rc::Rc;

use crate::batch::RunQuality;
use crate::model::Model;
use crate::monitoring::sketch::SketchBins;
use crate::prediction_log::{BatchChunk, BatchRun, PredictionRecord, RunEnd, SketchDelta};

impl LogStore {
    /// Logs one record and returns its id.
    pub async fn add(&self, record: PredictionRecord) -> Result<u64, LogStoreError> {
        let ids = self.add_all(vec![record]).await?;
        Ok(ids.first().copied().unwrap_or_default())
    }

    /// Logs `records` in one transaction and returns their ids, in order (without drift
    /// sketches: `add_all_scored` adds those).
    pub async fn add_all(&self, records: Vec<PredictionRecord>) -> Result<Vec<u64>, LogStoreError> {
        for record in &records {
            check(record)?;
        }
        self.write(Write::Records(records, SketchDelta::default()))
            .await
    }

    /// The drift sketches `records`, scored by `model`, add to (none for a kind the log does
    /// not hold).
    pub fn sketches_of(&self, records: &[PredictionRecord], model: &Model) -> SketchDelta {
        if model.objective().has_threshold() {
            let bins = self.sketch_bins_of(model);
            SketchDelta::of_records(records, model.source_sha256(), &bins)
        } else {
            SketchDelta::default()
        }
    }

    /// Logs `records` and adds `sketches` (theirs, from `sketches_of`) to the stored drift
    /// sketches, in the same transaction; returns the records' ids, in order.
    pub async fn add_all_sketched(
        &self,
        records: Vec<PredictionRecord>,
        sketches: SketchDelta,
    ) -> Result<Vec<u64>, LogStoreError> {
        for record in &records {
            check(record)?;
        }
        self.write(Write::Records(records, sketches)).await
    }

    /// `model`'s drift bins, made once per model.
    pub fn sketch_bins_of(&self, model: &Model) -> Rc<SketchBins> {
        let mut cached = self.inner.sketch_bins.borrow_mut();
        match &*cached {
            Some((sha, bins)) if sha == model.source_sha256() => Rc::clone(bins),
            _ => {
                let bins = Rc::new(SketchBins::for_model(model));
                *cached = Some((model.source_sha256().to_owned(), Rc::clone(&bins)));
                bins
            }
        }
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
    pub async fn end_batch_run(
        &self,
        run_id: u64,
        end: RunEnd,
        quality: Option<RunQuality>,
    ) -> Result<(), LogStoreError> {
        if let Some(run) = self.inner.runs.borrow_mut().get_mut(&run_id) {
            run.ended = Some(end);
            run.quality = quality.clone();
        }
        self.write(Write::RunEnd(run_id, end, quality))
            .await
            .map(|_| ())
    }
}
