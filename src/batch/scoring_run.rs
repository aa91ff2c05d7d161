//! One batch run as a pure state machine, fed the file slice by slice: read the header, then
//! read, score, write and count a chunk of rows at a time. The Batch page's worker drives it (and
//! the page itself when no worker is available), so the rules of a run live here once, are tested
//! natively, and give the output `reorder predict` gives for the same file.

use super::metrics::{sort_highest_first, LabelledScores, F1_STEPS, PR_CURVE_POINTS};
use super::rows::{BatchReader, HeaderReader, HeaderStep, OutputWriter};
use super::tally::BatchTally;
use super::worker_protocol::{RunFailure, RunProgress, RunSummary, ScoredChunk};
use super::BatchError;
use crate::model::Model;

/// What `ScoringRun::step` did.
#[derive(Debug, PartialEq)]
pub enum RunStep {
    /// Every byte pushed has been read: push the next slice, or end the input.
    NeedsInput,
    /// A chunk of rows was read and scored (it may hold only bad rows, then it is empty).
    Scored(ScoredChunk),
    /// The whole file has been read.
    Finished,
}

enum Stage {
    Header(Box<HeaderReader>),
    Rows(Box<Rows>),
    /// Between stages, and after a header error.
    Broken,
}

/// The readers of a run past its header.
struct Rows {
    reader: BatchReader,
    writer: OutputWriter,
}

/// A batch run over one file with one model.
pub struct ScoringRun<'m> {
    model: &'m Model,
    stage: Stage,
    tally: BatchTally,
    label_column: Option<String>,
    user_column: Option<usize>,
    product_column: Option<usize>,
    next_index: u32,
    total_bytes: u64,
    probabilities: Vec<f64>,
}

/// A message for a header that does not fit: the error and its cause, on one line.
fn header_failure(error: &BatchError) -> RunFailure {
    let mut message = error.to_string();
    if let Some(source) = std::error::Error::source(error) {
        message.push_str(&format!(": {source}"));
    }
    RunFailure::File { message }
}

/// A pass-through column holding an id (`user_id`, `product_id`) goes into the log as such.
fn id_in(passthrough: &[String], column: Option<usize>) -> Option<u64> {
    column.and_then(|column| passthrough.get(column)?.trim().parse::<u64>().ok())
}

impl<'m> ScoringRun<'m> {
    /// A run of `model` over a file of `total_bytes` that lists at most `max_listed_errors` bad
    /// rows and keeps `preview_rows` rows for the preview.
    pub fn new(
        model: &'m Model,
        total_bytes: u64,
        max_listed_errors: usize,
        preview_rows: usize,
    ) -> ScoringRun<'m> {
        let names = model.feature_names();
        ScoringRun {
            model,
            stage: Stage::Header(Box::new(BatchReader::streaming(
                &names,
                &super::ADDED_COLUMNS,
                total_bytes,
            ))),
            tally: BatchTally::new(max_listed_errors, preview_rows),
            label_column: None,
            user_column: None,
            product_column: None,
            next_index: 0,
            total_bytes,
            probabilities: Vec::new(),
        }
    }

    /// Appends the file's next bytes.
    pub fn push(&mut self, bytes: Vec<u8>) {
        match &mut self.stage {
            Stage::Header(header) => header.push(bytes),
            Stage::Rows(rows) => rows.reader.push(bytes),
            Stage::Broken => {}
        }
    }

    /// Says that the file has no more bytes.
    pub fn end_input(&mut self) {
        match &mut self.stage {
            Stage::Header(header) => header.end_input(),
            Stage::Rows(rows) => rows.reader.end_input(),
            Stage::Broken => {}
        }
    }

    /// Reads (the header first, then) up to `max_rows` rows, scores and writes them.
    pub fn step(&mut self, max_rows: usize) -> Result<RunStep, RunFailure> {
        if let Stage::Header(_) = self.stage {
            let Stage::Header(header) = std::mem::replace(&mut self.stage, Stage::Broken) else {
                return Ok(RunStep::NeedsInput);
            };
            match header
                .read_header()
                .map_err(|error| header_failure(&error))?
            {
                HeaderStep::NeedsInput(header) => {
                    self.stage = Stage::Header(Box::new(header));
                    return Ok(RunStep::NeedsInput);
                }
                HeaderStep::Ready(reader) => {
                    let layout = reader.layout();
                    let column = |name: &str| {
                        layout
                            .passthrough_header
                            .iter()
                            .position(|column| column == name)
                    };
                    self.user_column = column("user_id");
                    self.product_column = column("product_id");
                    self.label_column = layout.label_column.as_ref().map(|(_, name)| name.clone());
                    let writer = OutputWriter::new(layout);
                    self.stage = Stage::Rows(Box::new(Rows { reader, writer }));
                }
            }
        }
        let Stage::Rows(rows) = &mut self.stage else {
            return Err(RunFailure::Scoring {
                message: "the run has already failed".to_owned(),
            });
        };
        let Rows { reader, writer } = &mut **rows;
        let chunk = reader.next_chunk(max_rows);
        if chunk.rows.is_empty() && chunk.errors.is_empty() {
            if chunk.done {
                return Ok(RunStep::Finished);
            }
            return Ok(RunStep::NeedsInput);
        }
        self.probabilities.clear();
        self.probabilities.resize(chunk.rows.len(), 0.0);
        if !chunk.rows.is_empty() {
            self.model
                .predict_batch(&chunk.values, &mut self.probabilities)
                .map_err(|error| RunFailure::Scoring {
                    message: error.to_string(),
                })?;
        }
        let mut scored = ScoredChunk {
            index: self.next_index,
            probabilities: self.probabilities.clone(),
            decisions: Vec::with_capacity(chunk.rows.len()),
            user_ids: Vec::with_capacity(chunk.rows.len()),
            product_ids: Vec::with_capacity(chunk.rows.len()),
            values: Vec::new(),
        };
        for (row, &probability) in chunk.rows.iter().zip(&self.probabilities) {
            let is_reorder = self.model.is_reorder(probability);
            writer.push(row, probability, is_reorder);
            scored.decisions.push(is_reorder);
            scored
                .user_ids
                .push(id_in(&row.passthrough, self.user_column));
            scored
                .product_ids
                .push(id_in(&row.passthrough, self.product_column));
        }
        self.tally
            .add_chunk(&chunk.rows, &self.probabilities, chunk.errors, self.model);
        scored.values = chunk.values;
        if !scored.is_empty() {
            self.next_index += 1;
        }
        Ok(RunStep::Scored(scored))
    }

    /// The scored CSV written since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        match &mut self.stage {
            Stage::Rows(rows) => rows.writer.take_written(),
            _ => Vec::new(),
        }
    }

    pub fn progress(&self) -> RunProgress {
        let bytes_read = match &self.stage {
            Stage::Rows(rows) => rows.reader.bytes_read(),
            _ => 0,
        };
        RunProgress {
            bytes_read,
            total_bytes: self.total_bytes,
            rows_scored: self.tally.rows_scored as u64,
            bad_rows: self.tally.bad_rows as u64,
        }
    }

    /// What the run found; a run that read no row at all (and was not cancelled) fails as
    /// `reorder predict` does.
    pub fn finish(mut self, cancelled: bool) -> Result<RunSummary, RunFailure> {
        if self.tally.is_empty() && !cancelled {
            return Err(RunFailure::File {
                message: BatchError::NoRows.to_string(),
            });
        }
        // Sorted and summed up here, where the run is (the worker), not on the page that shows
        // the metrics.
        let (labelled, pr_curve, f1_by_threshold) = if self.label_column.is_some() {
            let mut labelled = self.tally.take_labelled();
            sort_highest_first(&mut labelled);
            let scores = LabelledScores::from_sorted(labelled.clone());
            (
                labelled,
                scores.pr_curve(PR_CURVE_POINTS),
                scores.f1_by_threshold(F1_STEPS),
            )
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        Ok(RunSummary {
            rows_scored: self.tally.rows_scored as u64,
            predicted_reorder: self.tally.predicted_reorder as u64,
            bad_rows: self.tally.bad_rows as u64,
            listed_errors: std::mem::take(&mut self.tally.listed_errors),
            preview: std::mem::take(&mut self.tally.preview),
            label_column: self.label_column,
            cancelled,
            pr_curve,
            f1_by_threshold,
            labelled,
        })
    }
}
