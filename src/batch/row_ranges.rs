//! A batch file's rows cut into ranges of whole records, so that two scorers (the Batch page's
//! worker and the helper worker it starts) can each read, score and write a range on their own
//! and the results, put back in order, equal one reader's. A range starts where a record starts,
//! with the line number the CSV reader had there, so a reader started on the range alone finds
//! the same records on the same lines (`RecordSplitter::starting_on`).
//!
//! Most files have no quote and no carriage return: then every `\n` ends a record (or a blank
//! line, which the reader skips) and a range is cut after a `\n` without parsing. Anywhere else
//! the cut is found by the CSV reader itself, so a quoted cell with line breaks, a CR-only file
//! or a CRLF split across slices are cut where the reader would end a record.

use super::records::{RecordSplitter, Split};

/// Whole records of the file, and where they start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRange {
    /// Position of the range among the file's ranges, from 0.
    pub index: u64,
    /// The line the CSV reader counts the range's first record from.
    pub line: u64,
    /// Byte offset of the range in the file.
    pub offset: u64,
    pub bytes: Vec<u8>,
}

/// What `RangeCutter::next_range` found.
#[derive(Debug, PartialEq, Eq)]
pub enum NextRange {
    Range(RowRange),
    /// The bytes pushed end inside the next range: push more, or end the input.
    NeedsInput,
    /// Every byte of the input is in a range handed out.
    Finished,
}

/// Cuts the bytes after a file's header (pushed slice by slice) into ranges of at most a given
/// number of records.
pub struct RangeCutter {
    pending: Vec<u8>,
    /// Where `pending` starts in `pending`'s buffer (bytes before it are handed out).
    start: usize,
    /// Byte offset in the file of `pending[start]`.
    offset: u64,
    line: u64,
    next_index: u64,
    ended: bool,
}

impl RangeCutter {
    /// A cutter for the bytes after the header, which ended at file byte `offset` with the CSV
    /// reader on `line`; `rest` are the bytes already read past the header.
    pub fn new(rest: Vec<u8>, offset: u64, line: u64, ended: bool) -> RangeCutter {
        RangeCutter {
            pending: rest,
            start: 0,
            offset,
            line,
            next_index: 0,
            ended,
        }
    }

    /// Appends the file's next bytes.
    pub fn push(&mut self, bytes: Vec<u8>) {
        if self.start == self.pending.len() {
            self.pending = bytes;
        } else {
            self.pending.drain(..self.start);
            self.pending.extend_from_slice(&bytes);
        }
        self.start = 0;
    }

    /// Appends the file's next `len` bytes, written into the cutter's own buffer by `fill` (a
    /// slice read straight there, not read into a buffer of its own and copied).
    pub fn push_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        self.pending.drain(..self.start);
        self.start = 0;
        let at = self.pending.len();
        self.pending.resize(at + len, 0);
        fill(&mut self.pending[at..]);
    }

    /// Says that no bytes follow those pushed.
    pub fn end_input(&mut self) {
        self.ended = true;
    }

    /// Bytes of the file handed out in ranges so far (and the header before them).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next range of at most `max_records` records (at least one), once its bytes are all
    /// pushed; at the end of the input, the rest.
    pub fn next_range(&mut self, max_records: usize) -> NextRange {
        let max_records = max_records.max(1);
        let rest = &self.pending[self.start..];
        if rest.is_empty() {
            return if self.ended {
                NextRange::Finished
            } else {
                NextRange::NeedsInput
            };
        }
        let cut = match plain_cut(rest, max_records) {
            Some((length, breaks)) => Some((length, self.line + breaks)),
            None => parsed_cut(rest, max_records, self.line, self.ended),
        };
        let (length, line) = match cut {
            Some(cut) => cut,
            None if self.ended => (rest.len(), self.line),
            None => return NextRange::NeedsInput,
        };
        let bytes = rest[..length].to_vec();
        let range = RowRange {
            index: self.next_index,
            line: self.line,
            offset: self.offset,
            bytes,
        };
        self.start += length;
        self.offset += length as u64;
        self.line = line;
        self.next_index += 1;
        NextRange::Range(range)
    }
}

/// The cut after `max_records` line breaks (or the last one there is) when the bytes before it
/// hold no quote and no carriage return: (length, line breaks in the range). `None` when no
/// record ends in the bytes, or they need the CSV reader.
///
/// The CSV reader numbers a record with the line it had reached when the record before it
/// ended; blank lines after a record are read with the next record. So a range ends right after
/// its last record's line break, and blank lines after it start the next range.
fn plain_cut(bytes: &[u8], max_records: usize) -> Option<(usize, u64)> {
    let mut breaks = 0u64;
    let mut length = 0usize;
    for position in memchr::memchr_iter(b'\n', bytes) {
        breaks += 1;
        length = position + 1;
        if breaks == max_records as u64 {
            break;
        }
    }
    if breaks == 0 || memchr::memchr2(b'"', b'\r', &bytes[..length]).is_some() {
        return None;
    }
    // The last record's last byte; none when the bytes hold only blank lines.
    let last = bytes[..length].iter().rposition(|&byte| byte != b'\n')?;
    let blank_after = (length - last - 2) as u64;
    Some((last + 2, breaks - blank_after))
}

/// The cut after `max_records` records as the CSV reader, started on `line`, finds them (or
/// after the last whole record there is): (length, the reader's line there). With `ended`, the
/// bytes are the end of the file.
fn parsed_cut(bytes: &[u8], max_records: usize, line: u64, ended: bool) -> Option<(usize, u64)> {
    let mut splitter = RecordSplitter::starting_on(line);
    let mut used = 0;
    let mut records = 0;
    let mut cut = None;
    loop {
        let (split, read) = splitter.next(&bytes[used..], ended);
        used += read;
        match split {
            Split::Record { .. } => {
                records += 1;
                cut = Some((used, splitter.line()));
                if records == max_records {
                    return cut;
                }
            }
            Split::NeedsInput => return cut,
            // The end of the file: no range follows, whatever its line.
            Split::End => return Some((bytes.len(), cut.map_or(line, |(_, line)| line))),
        }
    }
}
