//! A batch file's layout (which column is which feature, the label, the pass-through columns)
//! and a reader that hands out the parsed rows a chunk at a time, with every bad row reported by
//! line, column and reason instead of stopping the whole file. The reader takes the whole file
//! at once or slice by slice (a file too large to hold in memory), with the same results.

use super::records::{Cells, RecordSplitter, RecordTooLong, Split};
use super::row_ranges::RowRange;
use crate::input::number::{parse_file_value, parse_plain_decimal, NumberError};
use crate::input::upload::without_bom;
use crate::model::{FeatureSpec, Model};
use crate::prediction_log::csv_cell;
use std::collections::BTreeMap;

/// The columns the scored output adds after the pass-through columns (`reorder explain` adds
/// `shap_<feature>`..`shap_bias` instead).
pub const ADDED_COLUMNS: [&str; 2] = ["probability", "is_reorder"];

/// Column names that hold the true outcome (0 or 1), in order of preference.
pub const LABEL_COLUMNS: [&str; 2] = ["reordered", "label"];

/// Why a whole file cannot be scored (its header does not fit the model).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("the file is empty: it needs a header row naming the feature columns")]
    Empty,
    #[error("header column {position} is not UTF-8 text")]
    HeaderNotText {
        position: usize,
        #[source]
        source: std::str::Utf8Error,
    },
    #[error("the file has a header row but no data rows")]
    NoRows,
    #[error("missing feature column `{column}`")]
    MissingFeature { column: String },
    #[error("feature column `{column}` appears more than once")]
    DuplicateFeature { column: String },
    #[error("the header row: {0}")]
    HeaderTooLong(#[from] RecordTooLong),
    #[error(
        "column `{column}` would clash with the output's `{column}`, and `{renamed}` is taken too; rename one of them"
    )]
    NameClash { column: String, renamed: String },
}

/// One row that could not be scored: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("line {line}{}: {reason}", column.as_ref().map(|c| format!(", column `{c}`")).unwrap_or_default())]
pub struct RowError {
    /// 1-based line of the file where the row starts.
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<String>,
    pub reason: String,
}

/// Which column of the file is what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BatchLayout {
    /// For each model feature, in model order, the file column holding it.
    pub feature_columns: Vec<usize>,
    /// The label column's position and name, if the file has one.
    pub label_column: Option<(usize, String)>,
    /// File columns that are not features, in file order.
    pub passthrough_columns: Vec<usize>,
    /// Their names in the output (renamed `input_<name>` where they clash with an added column).
    pub passthrough_header: Vec<String>,
    /// The columns the output adds after the pass-through ones.
    pub added_columns: Vec<String>,
    /// Number of columns in the header.
    pub width: usize,
    /// Per model feature, the codes of its category names when the model knows them
    /// (`pandas_categorical`): such a cell holds a name, never a number. Empty: none has names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_codes: Vec<Option<BTreeMap<String, i32>>>,
}

impl BatchLayout {
    /// Matches a header against the model's feature names; `added_columns` are the columns the
    /// output will add (`ADDED_COLUMNS` for scores), which pass-through columns must not shadow.
    pub fn from_header(
        header: &[&str],
        feature_names: &[&str],
        added_columns: &[&str],
    ) -> Result<BatchLayout, BatchError> {
        let names: Vec<&str> = header.iter().map(|name| name.trim()).collect();
        let mut feature_columns = Vec::with_capacity(feature_names.len());
        for &feature in feature_names {
            let mut matches = names
                .iter()
                .enumerate()
                .filter(|(_, name)| **name == feature)
                .map(|(index, _)| index);
            match (matches.next(), matches.next()) {
                (None, _) => {
                    return Err(BatchError::MissingFeature {
                        column: feature.to_owned(),
                    })
                }
                (Some(column), None) => feature_columns.push(column),
                (Some(_), Some(_)) => {
                    return Err(BatchError::DuplicateFeature {
                        column: feature.to_owned(),
                    })
                }
            }
        }
        let passthrough_columns: Vec<usize> = (0..names.len())
            .filter(|column| !feature_columns.contains(column))
            .collect();
        let label_column = LABEL_COLUMNS.iter().find_map(|label| {
            passthrough_columns
                .iter()
                .find(|&&column| names[column] == *label)
                .map(|&column| (column, (*label).to_owned()))
        });
        let mut passthrough_header = Vec::with_capacity(passthrough_columns.len());
        for &column in &passthrough_columns {
            let name = names[column];
            if added_columns.contains(&name) {
                let renamed = format!("input_{name}");
                if names.contains(&renamed.as_str()) || added_columns.contains(&renamed.as_str()) {
                    return Err(BatchError::NameClash {
                        column: name.to_owned(),
                        renamed,
                    });
                }
                passthrough_header.push(renamed);
            } else {
                passthrough_header.push(name.to_owned());
            }
        }
        Ok(BatchLayout {
            feature_columns,
            label_column,
            passthrough_columns,
            passthrough_header,
            added_columns: added_columns
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            width: names.len(),
            category_codes: Vec::new(),
        })
    }

    /// Reads the cells of each feature with category names (`FeatureSpec::categories`) as
    /// those names, turned into their codes.
    pub fn read_category_names(&mut self, features: &[FeatureSpec]) {
        let codes: Vec<Option<BTreeMap<String, i32>>> = features
            .iter()
            .map(|feature| {
                let categories = feature.categories.as_ref()?;
                (!categories.names.is_empty()).then(|| {
                    (0..)
                        .zip(&categories.names)
                        .map(|(code, name)| (name.clone(), code))
                        .collect()
                })
            })
            .collect();
        self.category_codes = if codes.iter().any(Option::is_some) {
            codes
        } else {
            Vec::new()
        };
    }

    /// Treats a `reordered`/`label` column as an ordinary pass-through column: the labels of a
    /// model that is not binary are not 0/1 outcomes.
    pub fn pass_labels_through(&mut self) {
        self.label_column = None;
    }

    /// How `model` reads a file's cells, the same in `reorder predict` and on the Batch page:
    /// category names where it has them, and labels as 0/1 only for a model with a threshold.
    pub fn read_cells_for(&mut self, model: &Model) {
        self.read_category_names(model.features());
        if !model.objective().has_threshold() {
            self.pass_labels_through();
        }
    }

    /// Parses one record (the file's cells, `line` where it starts) into the model-order
    /// values (appended to `values` only when the whole row is good), its pass-through cells
    /// and its label.
    pub fn parse_row(
        &self,
        cells: &[&[u8]],
        line: u64,
        feature_names: &[&str],
        values: &mut Vec<f64>,
    ) -> Result<ScoredRow, RowError> {
        self.parse_cells(
            cells.len(),
            |column| cells[column],
            line,
            feature_names,
            values,
        )
    }

    /// `parse_row` on a record of `count` cells, cell `i` being `cell(i)`.
    fn parse_cells<'c>(
        &self,
        count: usize,
        cell: impl Fn(usize) -> &'c [u8],
        line: u64,
        feature_names: &[&str],
        values: &mut Vec<f64>,
    ) -> Result<ScoredRow, RowError> {
        if count != self.width {
            return Err(RowError {
                line,
                column: None,
                reason: format!(
                    "the row has {} cells but the header has {} columns",
                    count, self.width
                ),
            });
        }
        let text = |column: usize, name: &str| {
            std::str::from_utf8(cell(column)).map_err(|_| RowError {
                line,
                column: Some(name.to_owned()),
                reason: "the cell is not UTF-8 text".to_owned(),
            })
        };
        let start = values.len();
        for (index, (&column, &feature)) in
            self.feature_columns.iter().zip(feature_names).enumerate()
        {
            let bytes = cell(column);
            if let Some(Some(codes)) = self.category_codes.get(index) {
                match category_code(codes, bytes) {
                    Ok(value) => {
                        values.push(value);
                        continue;
                    }
                    Err(reason) => {
                        values.truncate(start);
                        return Err(RowError {
                            line,
                            column: Some(feature.to_owned()),
                            reason,
                        });
                    }
                }
            }
            // Most cells are plain digits: read without the general path (same value). An
            // empty cell is missing, as the general path reads it.
            if let Some(value) = parse_plain_decimal(bytes) {
                values.push(value);
                continue;
            }
            if bytes.is_empty() {
                values.push(f64::NAN);
                continue;
            }
            let parsed = text(column, feature).and_then(|cell| {
                parse_value(cell).map_err(|error| RowError {
                    line,
                    column: Some(feature.to_owned()),
                    reason: format!("`{}` {error}", shorten(cell)),
                })
            });
            match parsed {
                Ok(value) => values.push(value),
                Err(error) => {
                    values.truncate(start);
                    return Err(error);
                }
            }
        }
        let label = match &self.label_column {
            None => None,
            Some((column, name)) => {
                let parsed = text(*column, name).and_then(|cell| {
                    parse_label(cell).map_err(|()| RowError {
                        line,
                        column: Some(name.clone()),
                        reason: format!("label `{}` is not 0 or 1", shorten(cell)),
                    })
                });
                match parsed {
                    Ok(label) => label,
                    Err(error) => {
                        values.truncate(start);
                        return Err(error);
                    }
                }
            }
        };
        let passthrough = self
            .passthrough_columns
            .iter()
            .map(|&column| String::from_utf8_lossy(cell(column)).into_owned())
            .collect();
        Ok(ScoredRow {
            line,
            passthrough,
            label,
        })
    }
}

/// A feature cell, read by the project's one number rule (`crate::input::number`): empty or `NaN` is
/// missing (NaN for the model), anything else must be a finite number with `.` for decimals.
fn parse_value(cell: &str) -> Result<f64, NumberError> {
    parse_file_value(cell).map(|value| value.unwrap_or(f64::NAN))
}

/// A category name's code; an empty cell (or `NaN`, as pandas writes a missing value) is
/// missing. An unknown name is an error: LightGBM's Python package would score it as missing
/// without a word, which would hide a typo or a category the model never saw.
fn category_code(codes: &BTreeMap<String, i32>, bytes: &[u8]) -> Result<f64, String> {
    let Ok(name) = std::str::from_utf8(bytes) else {
        return Err("the cell is not UTF-8 text".to_owned());
    };
    if name.is_empty() || name == "NaN" {
        return Ok(f64::NAN);
    }
    match codes.get(name) {
        Some(&code) => Ok(f64::from(code)),
        None => {
            let mut known: Vec<&str> = codes.keys().map(String::as_str).take(4).collect();
            if codes.len() > known.len() {
                known.push("…");
            }
            Err(format!(
                "`{}` is not a category of the model (it knows {}: {})",
                shorten(name),
                codes.len(),
                known.join(", ")
            ))
        }
    }
}

/// A label cell: `0` or `1` (also written `0.0`/`1.0`); empty means unlabelled.
fn parse_label(cell: &str) -> Result<Option<bool>, ()> {
    match parse_file_value(cell) {
        Ok(None) if cell.trim().is_empty() => Ok(None),
        Ok(Some(0.0)) => Ok(Some(false)),
        Ok(Some(1.0)) => Ok(Some(true)),
        _ => Err(()),
    }
}

/// A cell as it is quoted in a message: at most 40 characters, control characters (a quoted
/// line break, a tab) escaped so the message stays on one line.
fn shorten(cell: &str) -> String {
    let mut short = String::new();
    for character in cell.chars().take(40) {
        if character.is_control() {
            short.extend(character.escape_default());
        } else {
            short.push(character);
        }
    }
    if cell.chars().nth(40).is_some() {
        short.push('…');
    }
    short
}

/// A good row: where it was, the cells that pass through, and its label if the file has one.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredRow {
    pub line: u64,
    pub passthrough: Vec<String>,
    pub label: Option<bool>,
}

/// The rows read in one step: the good ones (with their values, row-major in model order, NaN
/// = missing) and the bad ones.
#[derive(Debug, Default)]
pub struct Chunk {
    pub rows: Vec<ScoredRow>,
    pub values: Vec<f64>,
    pub errors: Vec<RowError>,
    /// True once the end of the file has been reached.
    pub done: bool,
}

/// The bytes given to a reader and not parsed yet, and whether more will come.
struct Input {
    splitter: RecordSplitter,
    bytes: Vec<u8>,
    offset: usize,
    ended: bool,
    /// Whether the start of the file was checked for a byte-order mark, and its length.
    bom_checked: bool,
    bom_len: u64,
}

impl Input {
    fn new(bytes: Vec<u8>, ended: bool) -> Input {
        Input {
            splitter: RecordSplitter::new(),
            bytes,
            offset: 0,
            ended,
            bom_checked: false,
            bom_len: 0,
        }
    }

    fn push(&mut self, bytes: Vec<u8>) {
        if self.offset == self.bytes.len() {
            self.bytes = bytes;
        } else {
            self.bytes.drain(..self.offset);
            self.bytes.extend_from_slice(&bytes);
        }
        self.offset = 0;
    }

    fn is_used_up(&self) -> bool {
        self.offset == self.bytes.len()
    }

    /// The next record, after skipping a byte-order mark at the start of the file (so the first
    /// column is named as written).
    fn next_record(&mut self) -> Split {
        if !self.bom_checked {
            let rest = &self.bytes[self.offset..];
            if rest.len() < 3 && !self.ended {
                return Split::NeedsInput;
            }
            let skip = rest.len() - without_bom(rest).len();
            self.offset += skip;
            self.bom_len = skip as u64;
            self.bom_checked = true;
        }
        let (split, used) = self.splitter.next(&self.bytes[self.offset..], self.ended);
        self.offset += used;
        split
    }

    /// Bytes of the file read so far.
    fn bytes_read(&self) -> u64 {
        self.bom_len + self.splitter.consumed()
    }
}

/// The start of a file read slice by slice (`BatchReader::streaming`), until its header row is
/// complete.
pub struct HeaderReader {
    input: Input,
    feature_names: Vec<String>,
    added_columns: Vec<String>,
    total_bytes: u64,
}

/// What `HeaderReader::read_header` found.
pub enum HeaderStep {
    /// The header fits the model: the rows can be read.
    Ready(BatchReader),
    /// The header row is not complete yet: push more bytes.
    NeedsInput(HeaderReader),
}

impl HeaderReader {
    /// Appends the file's next bytes.
    pub fn push(&mut self, bytes: Vec<u8>) {
        self.input.push(bytes);
    }

    /// Says that no bytes follow those pushed.
    pub fn end_input(&mut self) {
        self.input.ended = true;
    }

    /// Reads the header row if it is complete, and matches it against the model's features.
    pub fn read_header(mut self) -> Result<HeaderStep, BatchError> {
        let header = match self.input.next_record() {
            Split::NeedsInput => return Ok(HeaderStep::NeedsInput(self)),
            Split::End => return Err(BatchError::Empty),
            Split::TooLong { line } => return Err(RecordTooLong { line }.into()),
            Split::Record { .. } => self.input.splitter.record(),
        };
        if header.is_empty() {
            return Err(BatchError::Empty);
        }
        let mut names = Vec::with_capacity(header.len());
        for (position, cell) in header.iter().enumerate() {
            let name = std::str::from_utf8(cell).map_err(|source| BatchError::HeaderNotText {
                position: position + 1,
                source,
            })?;
            names.push(name);
        }
        let feature_names: Vec<&str> = self.feature_names.iter().map(String::as_str).collect();
        let added_columns: Vec<&str> = self.added_columns.iter().map(String::as_str).collect();
        let layout = BatchLayout::from_header(&names, &feature_names, &added_columns)?;
        Ok(HeaderStep::Ready(BatchReader {
            input: self.input,
            layout,
            feature_names: self.feature_names,
            total_bytes: self.total_bytes,
            done: false,
        }))
    }
}

/// Reads a file's rows a chunk at a time: a whole file given at once (`new`), or one fed slice
/// by slice (`streaming`), with the same rows, lines and messages wherever the slices are cut.
pub struct BatchReader {
    input: Input,
    layout: BatchLayout,
    feature_names: Vec<String>,
    total_bytes: u64,
    done: bool,
}

impl BatchReader {
    /// Reads the header of `bytes` and matches it against the model's feature names, for an
    /// output that adds `ADDED_COLUMNS`.
    pub fn new(bytes: Vec<u8>, feature_names: &[&str]) -> Result<BatchReader, BatchError> {
        BatchReader::with_added_columns(bytes, feature_names, &ADDED_COLUMNS)
    }

    /// As `new`, for an output that adds `added_columns`.
    pub fn with_added_columns(
        bytes: Vec<u8>,
        feature_names: &[&str],
        added_columns: &[&str],
    ) -> Result<BatchReader, BatchError> {
        let total_bytes = bytes.len() as u64;
        let mut start = BatchReader::streaming(feature_names, added_columns, total_bytes);
        start.input = Input::new(bytes, true);
        match start.read_header()? {
            HeaderStep::Ready(reader) => Ok(reader),
            // With the whole input given, the header is either complete or missing.
            HeaderStep::NeedsInput(_) => Err(BatchError::Empty),
        }
    }

    /// A reader fed the file slice by slice (`HeaderReader::push`, then `BatchReader::push`) for a
    /// file of `total_bytes` (for progress), whose output adds `added_columns`.
    pub fn streaming(
        feature_names: &[&str],
        added_columns: &[&str],
        total_bytes: u64,
    ) -> HeaderReader {
        HeaderReader {
            input: Input::new(Vec::new(), false),
            feature_names: feature_names
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            added_columns: added_columns
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            total_bytes,
        }
    }

    pub fn layout(&self) -> &BatchLayout {
        &self.layout
    }

    /// The layout, to set how cells are read before the first row (`read_category_names`,
    /// `pass_labels_through`).
    pub fn layout_mut(&mut self) -> &mut BatchLayout {
        &mut self.layout
    }

    /// A reader of one range of whole records cut from a file with this `layout`
    /// (`row_ranges::RangeCutter`): the same rows, lines and messages as a reader of the whole
    /// file finds in those bytes.
    pub fn of_range(layout: BatchLayout, feature_names: &[&str], range: RowRange) -> BatchReader {
        let total_bytes = range.bytes.len() as u64;
        let mut input = Input::new(range.bytes, true);
        input.splitter = RecordSplitter::starting_on(range.line);
        // Only a file's start has a byte-order mark.
        input.bom_checked = true;
        BatchReader {
            input,
            layout,
            feature_names: feature_names
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            total_bytes,
            done: false,
        }
    }

    /// A streaming reader just past its header, taken apart to cut the rest of the file into
    /// ranges: (the layout, the bytes pushed and not read yet, the file offset where they start,
    /// the line the next record is counted from, whether the input has ended).
    pub fn into_rest(self) -> (BatchLayout, Vec<u8>, u64, u64, bool) {
        let offset = self.input.bytes_read();
        let line = self.input.splitter.line();
        let Input {
            mut bytes,
            offset: used,
            ended,
            ..
        } = self.input;
        bytes.drain(..used);
        (self.layout, bytes, offset, line, ended)
    }

    /// Appends the file's next bytes (a streaming reader).
    pub fn push(&mut self, bytes: Vec<u8>) {
        self.input.push(bytes);
    }

    /// Says that no bytes follow those pushed.
    pub fn end_input(&mut self) {
        self.input.ended = true;
    }

    /// Whether every byte pushed has been read and more are needed to go on.
    pub fn needs_input(&self) -> bool {
        !self.done && !self.input.ended && self.input.is_used_up()
    }

    /// Bytes of the file read so far, for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.input.bytes_read().min(self.total_bytes)
    }

    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Reads up to `max_rows` rows (good or bad), fewer when the bytes pushed so far run out
    /// (then `needs_input` is true).
    pub fn next_chunk(&mut self, max_rows: usize) -> Chunk {
        let mut chunk = Chunk::default();
        self.read_into(max_rows, &mut chunk);
        chunk
    }

    /// `next_chunk`, appending the rows, values and errors to those `chunk` already holds (a
    /// caller that keeps every row saves copying them chunk by chunk); sets `chunk.done`.
    pub fn read_into(&mut self, max_rows: usize, chunk: &mut Chunk) {
        let names: Vec<&str> = self.feature_names.iter().map(String::as_str).collect();
        let mut seen = 0;
        while seen < max_rows && !self.done {
            match self.input.next_record() {
                Split::NeedsInput => break,
                Split::End => self.done = true,
                Split::TooLong { line } => {
                    seen += 1;
                    chunk.errors.push(RowError {
                        line,
                        column: None,
                        reason: RecordTooLong::reason(),
                    });
                }
                Split::Record { line } => {
                    seen += 1;
                    let cells: Cells = self.input.splitter.record();
                    match self.layout.parse_cells(
                        cells.len(),
                        |column| cells.get(column),
                        line,
                        &names,
                        &mut chunk.values,
                    ) {
                        Ok(row) => chunk.rows.push(row),
                        Err(error) => chunk.errors.push(error),
                    }
                }
            }
        }
        chunk.done = self.done;
    }
}

/// The output's header: the pass-through columns, then the added ones (`probability` and
/// `is_reorder` for scores).
pub fn output_header(layout: &BatchLayout) -> Vec<String> {
    layout
        .passthrough_header
        .iter()
        .chain(&layout.added_columns)
        .cloned()
        .collect()
}

/// Builds the scored CSV a row at a time. Every text cell goes through `csv_cell`, so a cell a
/// spreadsheet would run as a formula stays text; numbers are written as Rust's `{}` prints
/// them (the same as `reorder predict`).
pub struct OutputWriter {
    writer: csv::Writer<Vec<u8>>,
    /// The probability's text, reused row after row.
    number: String,
}

impl OutputWriter {
    pub fn new(layout: &BatchLayout) -> OutputWriter {
        let mut writer = OutputWriter::rows_only();
        let header: Vec<String> = output_header(layout)
            .iter()
            .map(|cell| csv_cell(cell).into_owned())
            .collect();
        writer.write(&header);
        writer
    }

    /// A writer of rows only, without the header: the part of a range of rows, to follow the
    /// parts before it.
    pub fn rows_only() -> OutputWriter {
        OutputWriter {
            writer: OutputWriter::csv_writer(),
            number: String::new(),
        }
    }

    fn csv_writer() -> csv::Writer<Vec<u8>> {
        csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new())
    }

    fn write(&mut self, cells: &[String]) {
        // Writing into a Vec cannot fail.
        let _ = self.writer.write_record(cells);
    }

    /// Appends one scored row, cell by cell (no text made per cell but the probability's, in a
    /// buffer kept between rows): the line `push_added` writes with the same two cells.
    pub fn push(&mut self, row: &ScoredRow, probability: f64, is_reorder: bool) {
        use std::fmt::Write;
        // Writing into a Vec cannot fail.
        for cell in &row.passthrough {
            let _ = self.writer.write_field(csv_cell(cell).as_bytes());
        }
        self.number.clear();
        let _ = write!(self.number, "{probability}");
        let _ = self.writer.write_field(self.number.as_bytes());
        let _ = self
            .writer
            .write_field(if is_reorder { b"1" } else { b"0" });
        let _ = self.writer.write_record(std::iter::empty::<&[u8]>());
    }

    /// Appends one row: its pass-through cells, then `added` (one cell per added column, written
    /// as given: numbers and 0/1 flags, which need no guard).
    pub fn push_added(&mut self, row: &ScoredRow, added: impl IntoIterator<Item = String>) {
        let mut cells: Vec<String> = row
            .passthrough
            .iter()
            .map(|cell| csv_cell(cell).into_owned())
            .collect();
        cells.extend(added);
        self.write(&cells);
    }

    /// The CSV written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.writer.into_inner().unwrap_or_default()
    }

    /// The CSV written since the last call (the first part starts with the header), so a large
    /// output can leave in parts; the parts put together are `into_bytes`'s CSV.
    pub fn take_written(&mut self) -> Vec<u8> {
        let written = std::mem::replace(&mut self.writer, OutputWriter::csv_writer());
        written.into_inner().unwrap_or_default()
    }
}
