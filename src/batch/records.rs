//! CSV records cut from bytes that arrive a slice at a time. A batch file of a gigabyte cannot be
//! held in memory to hand to `csv::Reader`, so the batch reader drives `csv_core` (the state
//! machine inside `csv::Reader`) itself, the way `csv::Reader::read_byte_record` does: same
//! dialect (comma, double quotes, any of CR/LF/CRLF ends a record, blank lines skipped), the same
//! line number for each record (the reader's line count when the previous record ended), so a
//! file fed whole or in slices cut anywhere (inside a quoted cell, between CR and LF) gives the
//! same records on the same lines as `csv::Reader` on the whole file.
//!
//! Most records are plain lines: a line break `\n` ends them and they hold no quote and no `\r`.
//! Right after a record, such a line is cut at its commas directly (what the state machine would
//! make of it, and its line count moved on by the one line break), and everything else goes
//! through the state machine, which is then still between two records.

use csv_core::ReadRecordResult;

/// The longest record (one row: all its cells and separators) a batch file may hold, in bytes.
/// Every reader holds one record at a time, so this bounds its memory whatever the file's size;
/// a longer record (a file with no line break, a quoted cell that never closes) is refused,
/// naming its line, instead of growing a buffer without end.
pub const MAX_RECORD_BYTES: usize = 64 << 20;
/// The most cells one record may have (their ends are kept: 8 bytes each, 64 MiB at most).
const MAX_RECORD_CELLS: usize = MAX_RECORD_BYTES / 8;

/// A record longer than `MAX_RECORD_BYTES` (or with more than `MAX_RECORD_BYTES / 8` cells).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {}", RecordTooLong::reason())]
pub struct RecordTooLong {
    pub line: u64,
}

impl RecordTooLong {
    /// What is wrong with such a record, without its line.
    pub fn reason() -> String {
        format!(
            "the record is longer than {} MiB, the limit for one row (is a line break or a closing quote missing?)",
            MAX_RECORD_BYTES >> 20
        )
    }
}

/// What one call to `RecordSplitter::next` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    /// A whole record is ready (`RecordSplitter::cells`), starting on `line`.
    Record { line: u64 },
    /// The input given was used up in the middle of a record (or before one started): give the
    /// next slice, or say the input has ended.
    NeedsInput,
    /// The input has ended and every record has been handed out.
    End,
    /// The record starting on `line` was longer than `MAX_RECORD_BYTES`: it was read through
    /// (its bytes dropped as they came) and is not handed out.
    TooLong { line: u64 },
}

/// Cuts records out of CSV bytes fed in any number of slices.
pub(crate) struct RecordSplitter {
    core: csv_core::Reader,
    /// The current record's cells, back to back (`separator` bytes apart); `ends[i]` is where
    /// cell `i` ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// 1 when `fields` holds a plain line with its commas, 0 when it holds the state machine's
    /// output.
    separator: usize,
    fields_len: usize,
    ends_len: usize,
    /// Line on which the record being read starts (as `csv::Reader` numbers it).
    record_line: u64,
    /// Bytes handed to the parser so far.
    consumed: u64,
    /// A record was handed out: its cells are forgotten when the next one is read.
    record_ready: bool,
    /// The record being read passed `MAX_RECORD_BYTES`: its output is dropped until it ends.
    too_long: bool,
    ended: bool,
}

impl RecordSplitter {
    pub(crate) fn new() -> RecordSplitter {
        RecordSplitter {
            // The defaults are `csv::ReaderBuilder::new()`'s.
            core: csv_core::ReaderBuilder::new().build(),
            fields: vec![0; 1024],
            ends: vec![0; 64],
            separator: 0,
            fields_len: 0,
            ends_len: 0,
            record_line: 1,
            consumed: 0,
            record_ready: false,
            too_long: false,
            ended: false,
        }
    }

    /// A splitter for bytes that start where a record starts, in the middle of a file whose
    /// reader was on `line` there: the same records on the same lines as that reader finds. (The
    /// reader is first given an empty line, which it skips, so that it no longer takes the
    /// range's first bytes for a byte-order mark: only a file's start has one.)
    pub(crate) fn starting_on(line: u64) -> RecordSplitter {
        let mut splitter = RecordSplitter::new();
        splitter.core.set_line(line.saturating_sub(1));
        let (result, ..) =
            splitter
                .core
                .read_record(b"\n", &mut splitter.fields, &mut splitter.ends);
        debug_assert_eq!(result, ReadRecordResult::InputEmpty);
        splitter.core.set_line(line);
        splitter.record_line = line;
        splitter
    }

    /// The line the next record is counted from, once a record has been handed out.
    pub(crate) fn line(&self) -> u64 {
        self.core.line()
    }

    /// Bytes of input parsed so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Parses from `input` until a record is complete or `input` is used up; returns what it
    /// found and how many bytes of `input` it used. With `input_ended`, an empty `input` means the
    /// end of the file (which completes a last record without a line break).
    pub(crate) fn next(&mut self, mut input: &[u8], input_ended: bool) -> (Split, usize) {
        let mut used = 0;
        if self.record_ready {
            self.fields_len = 0;
            self.ends_len = 0;
            self.separator = 0;
            self.record_ready = false;
            if let Some(used) = self.plain_line(input) {
                return (
                    Split::Record {
                        line: self.record_line_after(used),
                    },
                    used,
                );
            }
        }
        loop {
            if self.ended {
                return (Split::End, used);
            }
            if input.is_empty() && !input_ended {
                return (Split::NeedsInput, used);
            }
            let (result, read, written, ends_written) = self.core.read_record(
                input,
                &mut self.fields[self.fields_len..],
                &mut self.ends[self.ends_len..],
            );
            input = &input[read..];
            used += read;
            self.consumed += read as u64;
            self.fields_len += written;
            self.ends_len += ends_written;
            match result {
                ReadRecordResult::InputEmpty => continue,
                ReadRecordResult::OutputFull if self.fields.len() >= MAX_RECORD_BYTES => {
                    self.too_long = true;
                    self.fields_len = 0;
                }
                ReadRecordResult::OutputFull => {
                    let grown = (self.fields.len() * 2).max(1024);
                    self.fields.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull if self.ends.len() >= MAX_RECORD_CELLS => {
                    self.too_long = true;
                    self.ends_len = 0;
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = (self.ends.len() * 2).max(64);
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record if self.too_long => {
                    let line = self.record_line;
                    self.record_line = self.core.line();
                    self.too_long = false;
                    // Nothing of it is kept: the next call starts a new record.
                    self.record_ready = true;
                    return (Split::TooLong { line }, used);
                }
                ReadRecordResult::Record => {
                    let line = self.record_line;
                    self.record_line = self.core.line();
                    self.record_ready = true;
                    return (Split::Record { line }, used);
                }
                ReadRecordResult::End => {
                    self.ended = true;
                    return (Split::End, used);
                }
            }
        }
    }

    /// Takes the record at the start of `input` if it is a plain line (see the module comment)
    /// and the state machine is between records; returns the bytes used. One pass, eight bytes
    /// at a time: where the line ends, whether it holds a quote or a carriage return, and where
    /// its commas are (in wasm, where `memchr` has no vector instructions, several times faster
    /// than a pass for each).
    fn plain_line(&mut self, input: &[u8]) -> Option<usize> {
        // A plain line longer than this is left to the state machine (which refuses one over
        // the limit): its cells' ends stay within the limit too.
        let input = &input[..input.len().min(MAX_RECORD_CELLS)];
        let mut commas = 0usize;
        let mut add_comma = |ends: &mut Vec<usize>, position: usize| {
            if commas == ends.len() {
                ends.resize(ends.len() * 2 + 1, 0);
            }
            ends[commas] = position;
            commas += 1;
        };
        let mut words = input.chunks_exact(8);
        let mut offset = 0usize;
        let end = 'scan: {
            for chunk in &mut words {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                let word = u64::from_le_bytes(word);
                let newlines = bytes_equal_to(word, b'\n');
                // The bytes before the first line break in this word (all when there is none).
                let before_end = if newlines == 0 {
                    u64::MAX
                } else {
                    (1u64 << (newlines.trailing_zeros() & !7)) - 1
                };
                let trouble = bytes_equal_to(word, b'"') | bytes_equal_to(word, b'\r');
                if trouble & before_end != 0 {
                    return None;
                }
                let mut found = bytes_equal_to(word, b',') & before_end;
                while found != 0 {
                    add_comma(&mut self.ends, offset + found.trailing_zeros() as usize / 8);
                    found &= found - 1;
                }
                if newlines != 0 {
                    break 'scan offset + newlines.trailing_zeros() as usize / 8;
                }
                offset += 8;
            }
            for (index, &byte) in words.remainder().iter().enumerate() {
                match byte {
                    b'\n' => break 'scan offset + index,
                    b'"' | b'\r' => return None,
                    b',' => add_comma(&mut self.ends, offset + index),
                    _ => {}
                }
            }
            // No line break in the input yet.
            return None;
        };
        // A blank line is skipped by the state machine, with its own rules about `\r\n`.
        if end == 0 {
            return None;
        }
        let line = &input[..end];
        if self.fields.len() < line.len() {
            self.fields.resize(line.len().next_power_of_two(), 0);
        }
        self.fields[..line.len()].copy_from_slice(line);
        self.fields_len = line.len();
        self.separator = 1;
        // The last cell ends where the line does.
        add_comma(&mut self.ends, line.len());
        self.ends_len = commas;
        self.core.set_line(self.core.line() + 1);
        Some(end + 1)
    }

    /// Books a record taken by `plain_line` (`used` bytes) and returns the line it started on.
    fn record_line_after(&mut self, used: usize) -> u64 {
        self.consumed += used as u64;
        let line = self.record_line;
        self.record_line = self.core.line();
        self.record_ready = true;
        line
    }

    /// The cells of the record `next` just completed (valid until the next call to `next`).
    pub(crate) fn record(&self) -> Cells<'_> {
        Cells {
            fields: &self.fields[..self.fields_len],
            ends: &self.ends[..self.ends_len],
            separator: self.separator,
        }
    }
}

/// The high bit of each byte of `word` that equals `byte`, and no other bit (no carry crosses
/// bytes: each sum is below 0x100).
pub(crate) fn bytes_equal_to(word: u64, byte: u8) -> u64 {
    const LOW_SEVEN: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let zeros = word ^ u64::from_le_bytes([byte; 8]);
    !(((zeros & LOW_SEVEN) + LOW_SEVEN) | zeros | LOW_SEVEN)
}

/// The cells of one record, read where the splitter keeps them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cells<'a> {
    fields: &'a [u8],
    ends: &'a [usize],
    separator: usize,
}

impl<'a> Cells<'a> {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `index` (below `len`).
    pub(crate) fn get(&self, index: usize) -> &'a [u8] {
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] + self.separator,
        };
        &self.fields[start..self.ends[index]]
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|index| self.get(index))
    }
}
