//! One batch run as a pure state machine, fed the file slice by slice: read the header, then cut
//! the rest into ranges of whole records (`row_ranges`), read, score and write each range
//! (`RangeScorer`, which a helper worker runs too) and put the ranges back in file order
//! (`absorb`), counting them. The Batch page's worker drives it (and the page itself when no
//! worker is available), so the rules of a run live here once, are tested natively, and give
//! the output `reorder predict` gives for the same file.

use super::kind_metrics::KindMetrics;
use super::metrics::{sort_highest_first, LabelledScores, F1_STEPS, PR_CURVE_POINTS};
use super::outputs::{added_columns, output_cells, ClassNames};
use super::row_ranges::{NextRange, RangeCutter, RowRange};
use super::rows::{BatchLayout, BatchReader, HeaderReader, HeaderStep, OutputWriter};
use super::run_report::{
    KindLabel, KindOutcome, RangeSetup, RunFailure, RunProgress, RunSummary, ScoredChunk,
    ScoredRange,
};
use super::tally::BatchTally;
use super::BatchError;
use crate::model::Model;
use crate::monitoring::sketch::SketchBins;

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

enum Stage<'m> {
    Header(Box<HeaderReader>),
    Rows(Box<Rows<'m>>),
    /// Between stages, and after a header error.
    Broken,
}

/// A run past its header: the rest of the file cut into ranges, and how a range is scored.
struct Rows<'m> {
    cutter: RangeCutter,
    scorer: RangeScorer<'m>,
}

/// How one range of a file's records is read, scored and written: the same for the run that cut
/// it and for a helper that scores ranges for it (`RangeSetup`).
pub struct RangeScorer<'m> {
    model: &'m Model,
    layout: BatchLayout,
    user_column: Option<usize>,
    product_column: Option<usize>,
    max_listed_errors: usize,
    preview_rows: usize,
    /// Whether the rows' feature values go to the log with them.
    keep_values: bool,
    /// A labelled file scored by a model without a threshold: where its metrics' cells are.
    kind_metrics: Option<KindMetrics>,
    /// The names the `class` column gives a multiclass model's classes.
    classes: ClassNames,
    /// The bins the rows are sketched on for the drift panel (models the log holds).
    sketch_bins: Option<SketchBins>,
}

impl<'m> RangeScorer<'m> {
    /// A scorer of `model` for files of `layout`, keeping at most `max_listed_errors` bad rows
    /// and `preview_rows` rows of each range.
    pub fn new(
        model: &'m Model,
        layout: BatchLayout,
        max_listed_errors: usize,
        preview_rows: usize,
    ) -> RangeScorer<'m> {
        let column = |name: &str| {
            layout
                .passthrough_header
                .iter()
                .position(|column| column == name)
        };
        RangeScorer {
            model,
            user_column: column("user_id"),
            product_column: column("product_id"),
            kind_metrics: KindMetrics::for_file(model, &layout.passthrough_header),
            classes: ClassNames::default(),
            sketch_bins: model
                .objective()
                .has_threshold()
                .then(|| SketchBins::for_model(model)),
            layout,
            max_listed_errors,
            preview_rows,
            keep_values: true,
        }
    }

    /// The scorer with the `class` column naming classes by `classes` (by index without them).
    pub fn with_class_names(mut self, classes: ClassNames) -> RangeScorer<'m> {
        self.classes = classes;
        self
    }

    /// The scorer with the rows' feature values kept for the log (`true`, the default) or not.
    pub fn keeping_values(mut self, keep_values: bool) -> RangeScorer<'m> {
        self.keep_values = keep_values;
        self
    }

    pub fn layout(&self) -> &BatchLayout {
        &self.layout
    }

    /// What a helper needs to score ranges as this scorer does, with the model as `bundle_json`.
    pub fn setup(&self, bundle_json: String) -> RangeSetup {
        RangeSetup {
            bundle_json,
            layout: self.layout.clone(),
            max_listed_errors: self.max_listed_errors as u32,
            preview_rows: self.preview_rows as u32,
            keep_values: self.keep_values,
            class_names: self.classes.clone(),
        }
    }

    /// Reads, scores and writes every record of `range`.
    pub fn score(&self, range: RowRange) -> Result<ScoredRange, RunFailure> {
        let names = self.model.feature_names();
        let range_index = range.index;
        let end_offset = range.offset + range.bytes.len() as u64;
        let mut reader = BatchReader::of_range(self.layout.clone(), &names, range);
        let chunk = reader.next_chunk(usize::MAX);
        if !self.model.objective().has_threshold() {
            return self.score_outputs(range_index, end_offset, chunk);
        }
        let mut probabilities = vec![0.0; chunk.rows.len()];
        if !chunk.rows.is_empty() {
            self.model
                .predict_batch(&chunk.values, &mut probabilities)
                .map_err(|error| RunFailure::Scoring {
                    message: error.to_string(),
                })?;
        }
        let mut writer = OutputWriter::rows_only();
        let mut decisions = Vec::with_capacity(chunk.rows.len());
        let mut user_ids = Vec::with_capacity(chunk.rows.len());
        let mut product_ids = Vec::with_capacity(chunk.rows.len());
        for (row, &probability) in chunk.rows.iter().zip(&probabilities) {
            let is_reorder = self.model.is_reorder(probability);
            writer.push(row, probability, is_reorder);
            decisions.push(is_reorder);
            user_ids.push(id_in(&row.passthrough, self.user_column));
            product_ids.push(id_in(&row.passthrough, self.product_column));
        }
        let mut tally = BatchTally::new(self.max_listed_errors, self.preview_rows);
        tally.add_chunk(&chunk.rows, &probabilities, chunk.errors, self.model);
        let sketch = match &self.sketch_bins {
            Some(bins) if !probabilities.is_empty() => {
                let mut sketch = bins.empty_sketch();
                sketch
                    .add_rows(bins, &chunk.values, &probabilities)
                    .ok()
                    .map(|()| Box::new(sketch))
            }
            _ => None,
        };
        Ok(ScoredRange {
            range_index,
            end_offset,
            output: writer.into_bytes(),
            chunk: ScoredChunk {
                index: 0,
                probabilities,
                decisions,
                user_ids,
                product_ids,
                values: if self.keep_values {
                    chunk.values
                } else {
                    Vec::new()
                },
                sketch,
            },
            tally,
        })
    }
}

impl RangeScorer<'_> {
    /// A range of a model without a threshold (multiclass, regression, ranking): its rows get
    /// the columns `reorder predict` writes for the model's kind; counted, but not logged (the
    /// log holds probabilities and decisions), so its chunk for the log is empty.
    fn score_outputs(
        &self,
        range_index: u64,
        end_offset: u64,
        chunk: super::Chunk,
    ) -> Result<ScoredRange, RunFailure> {
        let outputs = if chunk.rows.is_empty() {
            Vec::new()
        } else {
            self.model
                .score_batch(&chunk.values)
                .map_err(|error| RunFailure::Scoring {
                    message: error.to_string(),
                })?
                .outputs
        };
        let classes = &self.classes;
        let mut writer = OutputWriter::rows_only();
        let mut metrics = self.kind_metrics.as_ref().map(KindMetrics::empty_like);
        for (row, outputs) in chunk
            .rows
            .iter()
            .zip(outputs.chunks_exact(self.model.num_outputs()))
        {
            writer.push_added(row, output_cells(self.model, outputs, classes));
            if let Some(metrics) = &mut metrics {
                metrics.add(row.line, &row.passthrough, outputs);
            }
        }
        let mut tally = BatchTally::new(self.max_listed_errors, self.preview_rows);
        tally.add_unlogged_rows(chunk.rows.len(), chunk.errors);
        tally.kind_metrics = metrics.map(Box::new);
        Ok(ScoredRange {
            range_index,
            end_offset,
            output: writer.into_bytes(),
            chunk: ScoredChunk::default(),
            tally,
        })
    }
}

/// A batch run over one file with one model.
pub struct ScoringRun<'m> {
    model: &'m Model,
    stage: Stage<'m>,
    tally: BatchTally,
    label_column: Option<String>,
    max_listed_errors: usize,
    preview_rows: usize,
    keep_values: bool,
    /// The names the `class` column gives a multiclass model's classes.
    classes: ClassNames,
    /// Index of the next non-empty chunk.
    next_index: u32,
    /// The next range to put in order.
    next_range: u64,
    /// File offset just past the last range put in order (or the header).
    done_offset: u64,
    total_bytes: u64,
    /// Scored CSV not taken yet (the header first).
    output: Vec<u8>,
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
        let added = added_columns(model);
        let added: Vec<&str> = added.iter().map(String::as_str).collect();
        ScoringRun {
            model,
            stage: Stage::Header(Box::new(BatchReader::streaming(
                &names,
                &added,
                total_bytes,
            ))),
            tally: BatchTally::new(max_listed_errors, preview_rows),
            label_column: None,
            max_listed_errors,
            preview_rows,
            keep_values: true,
            classes: ClassNames::default(),
            next_index: 0,
            next_range: 0,
            done_offset: 0,
            total_bytes,
            output: Vec::new(),
        }
    }

    /// Whether the chunks for the log carry the rows' feature values (they do unless told not
    /// to; set before the first range).
    pub fn keep_values(&mut self, keep_values: bool) {
        self.keep_values = keep_values;
    }

    /// Names the `class` column gives a multiclass model's classes (set before the first range).
    pub fn class_names(&mut self, classes: ClassNames) {
        self.classes = classes;
    }

    /// Appends the file's next bytes.
    pub fn push(&mut self, bytes: Vec<u8>) {
        match &mut self.stage {
            Stage::Header(header) => header.push(bytes),
            Stage::Rows(rows) => rows.cutter.push(bytes),
            Stage::Broken => {}
        }
    }

    /// Appends the file's next `len` bytes, written by `fill` straight into the run's buffer
    /// once the header is read (`RangeCutter::push_with`): the same as `push`ing them.
    pub fn push_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        match &mut self.stage {
            Stage::Rows(rows) => rows.cutter.push_with(len, fill),
            _ => {
                let mut bytes = vec![0; len];
                fill(&mut bytes);
                self.push(bytes);
            }
        }
    }

    /// Says that the file has no more bytes.
    pub fn end_input(&mut self) {
        match &mut self.stage {
            Stage::Header(header) => header.end_input(),
            Stage::Rows(rows) => rows.cutter.end_input(),
            Stage::Broken => {}
        }
    }

    /// Reads the header (once it is complete), then cuts the next range of at most `max_rows`
    /// records, to be scored by `scorer` here or by a helper, and put back with `absorb`.
    pub fn next_range(&mut self, max_rows: usize) -> Result<NextRange, RunFailure> {
        if let Stage::Header(_) = self.stage {
            let Stage::Header(header) = std::mem::replace(&mut self.stage, Stage::Broken) else {
                return Ok(NextRange::NeedsInput);
            };
            match header
                .read_header()
                .map_err(|error| header_failure(&error))?
            {
                HeaderStep::NeedsInput(header) => {
                    self.stage = Stage::Header(Box::new(header));
                    return Ok(NextRange::NeedsInput);
                }
                HeaderStep::Ready(reader) => {
                    let (mut layout, rest, offset, line, ended) = reader.into_rest();
                    // A pandas model's categorical cells hold names, and a model without a
                    // threshold has no 0/1 labels, as `reorder predict` reads them.
                    layout.read_cells_for(self.model);
                    self.label_column = layout.label_column.as_ref().map(|(_, name)| name.clone());
                    self.output = OutputWriter::new(&layout).into_bytes();
                    self.done_offset = offset;
                    self.stage = Stage::Rows(Box::new(Rows {
                        cutter: RangeCutter::new(rest, offset, line, ended),
                        scorer: RangeScorer::new(
                            self.model,
                            layout,
                            self.max_listed_errors,
                            self.preview_rows,
                        )
                        .keeping_values(self.keep_values)
                        .with_class_names(self.classes.clone()),
                    }));
                }
            }
        }
        let Stage::Rows(rows) = &mut self.stage else {
            return Err(RunFailure::Scoring {
                message: "the run has already failed".to_owned(),
            });
        };
        rows.cutter
            .next_range(max_rows)
            .map_err(|too_long| RunFailure::File {
                message: too_long.to_string(),
            })
    }

    /// How this run scores a range (once its header is read).
    pub fn scorer(&self) -> Option<&RangeScorer<'m>> {
        match &self.stage {
            Stage::Rows(rows) => Some(&rows.scorer),
            _ => None,
        }
    }

    /// Scores a range of this run here (`scorer`'s rules; a helper scores with the same).
    pub fn score(&self, range: RowRange) -> Result<ScoredRange, RunFailure> {
        match self.scorer() {
            Some(scorer) => scorer.score(range),
            None => Err(RunFailure::Scoring {
                message: "a range before the header".to_owned(),
            }),
        }
    }

    /// Puts the next scored range in order (ranges must come back in the order they were cut):
    /// counts it and queues its output; returns its rows for the log.
    pub fn absorb(&mut self, scored: ScoredRange) -> Result<ScoredChunk, RunFailure> {
        if scored.range_index != self.next_range {
            return Err(RunFailure::Scoring {
                message: format!(
                    "range {} came back where range {} was expected",
                    scored.range_index, self.next_range
                ),
            });
        }
        self.next_range += 1;
        self.done_offset = scored.end_offset;
        self.tally.absorb(scored.tally);
        self.output.extend_from_slice(&scored.output);
        let mut chunk = scored.chunk;
        chunk.index = self.next_index;
        if !chunk.is_empty() {
            self.next_index += 1;
        }
        Ok(chunk)
    }

    /// Reads (the header first, then) up to `max_rows` rows, scores and writes them here.
    pub fn step(&mut self, max_rows: usize) -> Result<RunStep, RunFailure> {
        match self.next_range(max_rows)? {
            NextRange::NeedsInput => Ok(RunStep::NeedsInput),
            NextRange::Finished => Ok(RunStep::Finished),
            NextRange::Range(range) => {
                let scored = self.score(range)?;
                Ok(RunStep::Scored(self.absorb(scored)?))
            }
        }
    }

    /// Bytes of scored CSV put in order and not taken yet.
    pub fn output_bytes(&self) -> usize {
        self.output.len()
    }

    /// The scored CSV put in order since the last call (the first part starts with the header).
    pub fn take_output(&mut self) -> Vec<u8> {
        // The next part starts as large as this one (it is not grown again from nothing).
        let capacity = self.output.capacity();
        std::mem::replace(&mut self.output, Vec::with_capacity(capacity))
    }

    pub fn progress(&self) -> RunProgress {
        RunProgress {
            bytes_read: self.done_offset,
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
        let bins = self.tally.take_bins();
        let (labelled, pr_curve, f1_by_threshold) = if let Some(bins) = &bins {
            // Too many labelled rows to keep: the curves come from their bins.
            (
                Vec::new(),
                bins.pr_curve(PR_CURVE_POINTS),
                bins.f1_by_threshold(F1_STEPS),
            )
        } else if self.label_column.is_some() {
            let mut labelled = self.tally.take_labelled();
            sort_highest_first(&mut labelled);
            // The scores hold the pairs while the curves are drawn, and give them back (a
            // million pairs are 16 MB: not copied).
            let scores = LabelledScores::from_sorted(labelled);
            let (pr_curve, f1_by_threshold) = (
                scores.pr_curve(PR_CURVE_POINTS),
                scores.f1_by_threshold(F1_STEPS),
            );
            (scores.into_pairs(), pr_curve, f1_by_threshold)
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
            scorers: 1,
            labelled,
            bins,
            at_model: self.tally.at_model,
            kind_metrics: self.tally.kind_metrics.map(|metrics| {
                let metrics = *metrics;
                Box::new(KindOutcome {
                    report: metrics.report(),
                    label: KindLabel {
                        column: metrics.label_column,
                        bad: metrics.bad_labels,
                    },
                })
            }),
        })
    }
}
