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
//!
//! The bytes kept while no record ends in them are bounded: past `MAX_RECORD_BYTES` the next
//! range is refused (`RecordTooLong`, naming the line the record starts on). Bytes known to hold
//! no line break, quote or carriage return are not scanned again when more arrive, so a file
//! that is one long line costs one pass, not one per slice.

use super::records::{bytes_equal_to, RecordSplitter, RecordTooLong, Split, MAX_RECORD_BYTES};

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
    /// Bytes at the start of `pending[start..]` known to hold no `\n`, `"` or `\r` (no record
    /// ends in them, and the plain cut needs no second look).
    clean: usize,
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
            clean: 0,
        }
    }

    /// Appends the file's next bytes.
    pub fn push(&mut self, bytes: Vec<u8>) {
        if self.start == self.pending.len() {
            self.pending = bytes;
            self.start = 0;
        } else {
            self.push_with(bytes.len(), |buffer| buffer.copy_from_slice(&bytes));
        }
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
    /// pushed; at the end of the input, the rest. Refused when the next record is longer than
    /// `MAX_RECORD_BYTES`.
    pub fn next_range(&mut self, max_records: usize) -> Result<NextRange, RecordTooLong> {
        let max_records = max_records.max(1);
        let rest = &self.pending[self.start..];
        if rest.is_empty() {
            return Ok(if self.ended {
                NextRange::Finished
            } else {
                NextRange::NeedsInput
            });
        }
        // Only the bytes not seen before are looked at for a record's end.
        let clean = match memchr::memchr3(b'\n', b'"', b'\r', &rest[self.clean..]) {
            None => rest.len(),
            Some(at) => self.clean + at,
        };
        self.clean = clean;
        let cut = if clean == rest.len() {
            // No record ends in these bytes (only the end of the file would end one).
            None
        } else {
            match plain_cut(rest, max_records, clean) {
                Some((length, breaks)) => Some((length, self.line + breaks)),
                None => parsed_cut(rest, max_records, self.line, self.ended),
            }
        };
        let (length, line) = match cut {
            Some(cut) => cut,
            None if self.ended => (rest.len(), self.line),
            None if rest.len() > MAX_RECORD_BYTES => return Err(RecordTooLong { line: self.line }),
            None => return Ok(NextRange::NeedsInput),
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
        self.clean = 0;
        Ok(NextRange::Range(range))
    }
}

/// The cut after `max_records` line breaks (or the last one there is) when the bytes before it
/// hold no quote and no carriage return: (length, line breaks in the range). `None` when no
/// record ends in the bytes, or they need the CSV reader.
///
/// The CSV reader numbers a record with the line it had reached when the record before it
/// ended; blank lines after a record are read with the next record. So a range ends right after
/// its last record's line break, and blank lines after it start the next range.
///
/// The first `clean` bytes hold no line break, quote or carriage return: the scan starts after
/// them.
fn plain_cut(bytes: &[u8], max_records: usize, clean: usize) -> Option<(usize, u64)> {
    let (length, breaks) = line_breaks_before_trouble(&bytes[clean..], max_records as u64)?;
    let length = clean + length;
    // The last record's last byte; none when the bytes hold only blank lines.
    let last = bytes[..length].iter().rposition(|&byte| byte != b'\n')?;
    let blank_after = (length - last - 2) as u64;
    Some((last + 2, breaks - blank_after))
}

/// Where the `max_breaks`-th line break of `bytes` ends (or the last one there is), and how many
/// breaks that is; `None` when there is none, or a quote or a carriage return comes before it.
/// One pass, eight bytes at a time (in wasm, where `memchr` has no vector instructions, this is
/// several times faster than looking for the breaks and then the quotes).
fn line_breaks_before_trouble(bytes: &[u8], max_breaks: u64) -> Option<(usize, u64)> {
    let mut breaks = 0u64;
    let mut length = 0usize;
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0usize;
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let newlines = bytes_equal_to(word, b'\n');
        let trouble = bytes_equal_to(word, b'"') | bytes_equal_to(word, b'\r');
        let found = u64::from(newlines.count_ones());
        if breaks + found >= max_breaks {
            // The cut is in this word: after its (max_breaks - breaks)-th line break.
            let mut left = newlines;
            for _ in 1..max_breaks - breaks {
                left &= left - 1;
            }
            let end = left.trailing_zeros() as usize / 8;
            let before_cut = if end == 7 {
                u64::MAX
            } else {
                (1u64 << (8 * (end + 1))) - 1
            };
            if trouble & before_cut != 0 {
                return None;
            }
            return Some((offset + end + 1, max_breaks));
        }
        if trouble != 0 {
            // The cut is further on, so this quote or carriage return is before it, unless no
            // line break follows it at all (then the cut is the last break before it).
            let first_trouble = offset + trouble.trailing_zeros() as usize / 8;
            return no_break_after(bytes, first_trouble, breaks + found, newlines, offset);
        }
        if found > 0 {
            breaks += found;
            length = offset + (63 - newlines.leading_zeros() as usize) / 8 + 1;
        }
        offset += 8;
    }
    for (index, &byte) in words.remainder().iter().enumerate() {
        match byte {
            b'\n' => {
                breaks += 1;
                length = offset + index + 1;
                if breaks == max_breaks {
                    break;
                }
            }
            b'"' | b'\r' => {
                return no_break_after(bytes, offset + index, breaks, 0, offset);
            }
            _ => {}
        }
    }
    (breaks > 0).then_some((length, breaks))
}

/// `line_breaks_before_trouble`'s answer once a quote or carriage return is found at `trouble`
/// before the cut was reached: `None` if a line break follows it (the cut would come after it),
/// else the cut after the last line break before it. `breaks` counts the breaks up to the end
/// of the word at `offset` whose line breaks are `newlines` (high bits).
fn no_break_after(
    bytes: &[u8],
    trouble: usize,
    breaks: u64,
    newlines: u64,
    offset: usize,
) -> Option<(usize, u64)> {
    if memchr::memchr(b'\n', &bytes[trouble..]).is_some() {
        return None;
    }
    // Every break counted is before `trouble`; the last one ends the cut.
    let last = if newlines != 0 {
        offset + (63 - newlines.leading_zeros() as usize) / 8
    } else {
        memchr::memrchr(b'\n', &bytes[..trouble])?
    };
    (breaks > 0).then_some((last + 1, breaks))
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
            // A record over the limit: the cutter refuses it once that many bytes are waiting.
            Split::NeedsInput | Split::TooLong { .. } => return cut,
            // The end of the file: no range follows, whatever its line.
            Split::End => return Some((bytes.len(), cut.map_or(line, |(_, line)| line))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::line_breaks_before_trouble;
    use proptest::prelude::*;

    /// The rule written the plain way: the `max_breaks`-th line break (or the last one), if no
    /// quote or carriage return comes before it.
    fn byte_by_byte(bytes: &[u8], max_breaks: u64) -> Option<(usize, u64)> {
        let mut breaks = 0;
        let mut length = 0;
        for (position, &byte) in bytes.iter().enumerate() {
            if byte == b'\n' {
                breaks += 1;
                length = position + 1;
                if breaks == max_breaks {
                    break;
                }
            }
        }
        let trouble = bytes[..length].iter().any(|&b| b == b'"' || b == b'\r');
        (breaks > 0 && !trouble).then_some((length, breaks))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn the_word_at_a_time_cut_is_the_byte_by_byte_cut(
            bytes in proptest::collection::vec(
                prop_oneof![8 => Just(b'a'), 3 => Just(b','), 3 => Just(b'\n'), 1 => Just(b'"'), 1 => Just(b'\r')],
                0..80,
            ),
            max_breaks in 1u64..12,
        ) {
            prop_assert_eq!(
                line_breaks_before_trouble(&bytes, max_breaks),
                byte_by_byte(&bytes, max_breaks)
            );
        }
    }

    #[test]
    fn long_plain_lines_are_cut_at_the_right_break() {
        let line = b"12,0.5,abcdefghijklmnopqrstuvwxyz\n";
        let bytes: Vec<u8> = line
            .iter()
            .copied()
            .cycle()
            .take(line.len() * 1000)
            .collect();
        for max_breaks in [1, 7, 999, 1000, 5000] {
            assert_eq!(
                line_breaks_before_trouble(&bytes, max_breaks),
                byte_by_byte(&bytes, max_breaks),
                "{max_breaks}"
            );
        }
        let mut quoted = bytes.clone();
        quoted[line.len() * 500 + 3] = b'"';
        assert_eq!(
            line_breaks_before_trouble(&quoted, 400),
            Some((line.len() * 400, 400))
        );
        assert_eq!(line_breaks_before_trouble(&quoted, 501), None);
    }
}
