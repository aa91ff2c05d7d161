//! Exports of the log: CSV for spreadsheets (with formula injection defused) and JSON that reads
//! back into the same records.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::calendar::format_utc_datetime;
use super::{BatchChunk, BatchRun, ChunkShapeError, PredictionRecord, RunState, Source};
use crate::input::number::is_number_text;

/// The columns every CSV export starts with; one column per feature name follows.
const FIXED_COLUMNS: [&str; 11] = [
    "id",
    "created_at_ms",
    "created_at_utc",
    "source",
    "user_id",
    "product_id",
    "probability",
    "is_reorder",
    "threshold",
    "model_sha256",
    "missing_features",
];

/// A cell as it goes into the CSV: text a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'` so it stays text. A number
/// (by the project's number rule, e.g. `-0.5`) is not text and is written as it is, so exports
/// read back.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    if is_number_text(text) {
        return Cow::Borrowed(text);
    }
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// Quotes a cell per RFC 4180 when it holds a comma, quote or line break.
fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// The records as CSV (header first, CRLF line ends). Feature columns are the union of every
/// record's feature names, sorted; a missing value (or a feature a record lacks) is an empty
/// cell. Numbers are written as Rust's `{}` prints them, which reads back to the same f64.
pub fn to_csv(records: &[PredictionRecord]) -> String {
    let feature_names: BTreeSet<&str> = records
        .iter()
        .flat_map(|record| record.features.keys().map(String::as_str))
        .collect();
    let export = CsvExport::new(feature_names.into_iter().map(str::to_owned).collect());
    let mut out = export.header();
    export.push_rows(records, &mut out);
    out
}

/// A CSV export written a page of records at a time (a million records never sit in memory or in
/// one string): the header once, then each page's rows. `to_csv` is the one-page case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvExport {
    /// Feature columns after the fixed ones, in this order (the union of the log's names, sorted).
    feature_names: Vec<String>,
}

impl CsvExport {
    pub fn new(mut feature_names: Vec<String>) -> CsvExport {
        feature_names.sort();
        feature_names.dedup();
        CsvExport { feature_names }
    }

    /// The header line.
    pub fn header(&self) -> String {
        let mut out = String::new();
        write_csv_line(
            FIXED_COLUMNS
                .iter()
                .copied()
                .chain(self.feature_names.iter().map(String::as_str)),
            &mut out,
        );
        out
    }

    /// Appends one line per record. Numbers are printed straight into `out` (a number never
    /// needs the formula guard or quotes); text cells go through `csv_cell` and quoting.
    pub fn push_rows(&self, records: &[PredictionRecord], out: &mut String) {
        use std::fmt::Write;
        fn number(out: &mut String, value: Option<impl std::fmt::Display>) {
            if let Some(value) = value {
                // Writing to a String cannot fail.
                let _ = write!(out, "{value}");
            }
        }
        fn text(out: &mut String, cell: &str) {
            out.push_str(&quote(&csv_cell(cell)));
        }
        for record in records {
            let missing = record.features.values().filter(|v| v.is_none()).count();
            number(out, record.id);
            out.push(',');
            number(out, Some(record.created_at_ms));
            out.push(',');
            text(out, &format_utc_datetime(record.created_at_ms));
            out.push(',');
            text(out, record.source.as_str());
            out.push(',');
            number(out, record.user_id);
            out.push(',');
            number(out, record.product_id);
            out.push(',');
            number(out, Some(record.probability));
            out.push(',');
            number(out, Some(u8::from(record.is_reorder)));
            out.push(',');
            number(out, Some(record.threshold));
            out.push(',');
            text(out, &record.model_sha256);
            out.push(',');
            // A row logged without its values (a batch row) has no count of missing ones.
            number(out, (!record.features.is_empty()).then_some(missing));
            for name in &self.feature_names {
                out.push(',');
                number(out, record.features.get(name).copied().flatten());
            }
            out.push_str("\r\n");
        }
    }
}

impl CsvExport {
    /// Appends one line per row of `chunk` (a part of `run`), the lines `push_rows` writes for
    /// `chunk.records(run)`, straight from the chunk's columns: no record or name map per row.
    pub fn push_chunk_rows(
        &self,
        run: &BatchRun,
        chunk: &BatchChunk,
        out: &mut String,
    ) -> Result<(), ChunkShapeError> {
        use std::fmt::Write;
        let width = run.feature_names.len();
        chunk.check(width)?;
        // Where each export column's value sits in a row of the chunk (`None`: the run's model
        // has no such feature, an empty cell).
        let columns: Vec<Option<usize>> = self
            .feature_names
            .iter()
            .map(|name| run.feature_names.iter().position(|n| n == name))
            .collect();
        let created = quote(&csv_cell(&format_utc_datetime(chunk.created_at_ms)));
        let source = quote(&csv_cell(Source::Batch.as_str()));
        let model = quote(&csv_cell(&run.model_sha256));
        let kept = chunk.has_values();
        for row in 0..chunk.len() {
            let values = if kept {
                &chunk.values[row * width..(row + 1) * width]
            } else {
                &[][..]
            };
            let missing = values.iter().filter(|v| v.is_nan()).count();
            // Writing to a String cannot fail.
            let _ = write!(out, ",{},{created},{source},", chunk.created_at_ms);
            if let Some(id) = chunk.user_ids[row] {
                let _ = write!(out, "{id}");
            }
            out.push(',');
            if let Some(id) = chunk.product_ids[row] {
                let _ = write!(out, "{id}");
            }
            let _ = write!(
                out,
                ",{},{},{},{model},",
                chunk.probabilities[row],
                u8::from(chunk.decisions[row]),
                run.threshold
            );
            if kept {
                let _ = write!(out, "{missing}");
            }
            for column in &columns {
                out.push(',');
                let value = column.and_then(|index| values.get(index).copied());
                if let Some(value) = value.filter(|v| !v.is_nan()) {
                    let _ = write!(out, "{value}");
                }
            }
            out.push_str("\r\n");
        }
        Ok(())
    }
}

/// The batch runs as CSV (header first, CRLF line ends), one line per run with how it stands:
/// the dashboard's "Batch runs" download, so a file cut short is told apart from a whole one
/// outside the app too. `runs` as `LogStore::batch_runs` lists them.
pub fn batch_runs_csv(runs: &[(BatchRun, RunState)]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    write_csv_line(
        [
            "run_id",
            "started_at_ms",
            "started_at_utc",
            "file_name",
            "model_sha256",
            "threshold",
            "rows",
            "positives",
            "state",
        ]
        .into_iter(),
        &mut out,
    );
    for (run, state) in runs {
        if let Some(run_id) = run.run_id {
            // Writing to a String cannot fail.
            let _ = write!(out, "{run_id}");
        }
        let _ = write!(
            out,
            ",{},{},{},{},{},{},{},{}\r\n",
            run.started_at_ms,
            quote(&csv_cell(&format_utc_datetime(run.started_at_ms))),
            quote(&csv_cell(&run.file_name)),
            quote(&csv_cell(&run.model_sha256)),
            run.threshold,
            run.rows,
            run.positives,
            state.name(),
        );
    }
    out
}

fn write_csv_line<'a>(cells: impl Iterator<Item = &'a str>, out: &mut String) {
    for (index, cell) in cells.enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&quote(&csv_cell(cell)));
    }
    out.push_str("\r\n");
}

/// A JSON export written a page at a time: `[`, then the records one per line separated by
/// commas, then `]`. It reads back into the same records as `to_json`'s output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonExport {
    written: u64,
}

impl JsonExport {
    pub fn open() -> &'static str {
        "[\n"
    }

    /// Appends the page's records.
    pub fn push_rows(&mut self, records: &[PredictionRecord], out: &mut String) {
        for record in records {
            if self.written > 0 {
                out.push_str(",\n");
            }
            // Serialising a record cannot fail (string keys; non-finite floats become null).
            out.push_str(&serde_json::to_string(record).unwrap_or_default());
            self.written += 1;
        }
    }

    pub fn close(&self) -> &'static str {
        if self.written > 0 {
            "\n]\n"
        } else {
            "]\n"
        }
    }
}

/// The records as a pretty-printed JSON array of the stored record shape.
pub fn to_json(records: &[PredictionRecord]) -> String {
    // Serialising these types cannot fail: every map key is a string and serde_json writes
    // non-finite floats as null rather than erroring.
    serde_json::to_string_pretty(records).expect("prediction records always serialise to JSON")
}
