//! A batch file read slice by slice (as the Batch page's worker reads a file too large for
//! memory) must give exactly what the whole-file reader gives, and that must be what `csv::Reader`
//! on the whole file gives (the reader before it could stream, and the dialect of every other CSV
//! reader of the project): the same good rows with the same values, the same bad rows with the
//! same line, column and reason, wherever the slices are cut (inside a quoted cell, between CR and
//! LF, inside a byte-order mark or a UTF-8 character).

use instacart_reorder::batch::{
    BatchError, BatchLayout, BatchReader, HeaderReader, HeaderStep, NextRange, RangeCutter,
    RowError, ADDED_COLUMNS,
};
use proptest::prelude::*;

const FEATURES: [&str; 2] = ["a", "b"];

/// One row as read: good (line, pass-through cells, label, value bits) or bad.
#[derive(Debug, Clone, PartialEq)]
enum Read {
    Good(u64, Vec<String>, Option<bool>, Vec<u64>),
    Bad(RowError),
}

fn drain(reader: &mut BatchReader, max_rows: usize, out: &mut Vec<Read>) -> bool {
    let chunk = reader.next_chunk(max_rows);
    let width = FEATURES.len();
    for (index, row) in chunk.rows.iter().enumerate() {
        let values = chunk.values[index * width..(index + 1) * width]
            .iter()
            .map(|value| value.to_bits())
            .collect();
        out.push(Read::Good(
            row.line,
            row.passthrough.clone(),
            row.label,
            values,
        ));
    }
    // A chunk lists its good and bad rows apart: all reads are put back in order by `sorted`.
    out.extend(chunk.errors.into_iter().map(Read::Bad));
    chunk.done
}

fn sorted(mut reads: Vec<Read>) -> Vec<Read> {
    let line = |read: &Read| match read {
        Read::Good(line, ..) => *line,
        Read::Bad(error) => error.line,
    };
    // Two records can share a line number (see below), so ties are broken by content.
    reads.sort_by_cached_key(|read| (line(read), format!("{read:?}")));
    reads
}

/// What the whole-file reader makes of `bytes`.
fn whole(bytes: &[u8], max_rows: usize) -> Result<(BatchLayout, Vec<Read>), String> {
    let mut reader = BatchReader::new(bytes.to_vec(), &FEATURES).map_err(|e| e.to_string())?;
    let mut reads = Vec::new();
    while !drain(&mut reader, max_rows, &mut reads) {}
    Ok((reader.layout().clone(), sorted(reads)))
}

/// `bytes` cut at `cuts` (sorted offsets), slice by slice.
fn sliced(bytes: &[u8], cuts: &[usize]) -> std::vec::IntoIter<Vec<u8>> {
    let mut slices = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
        let cut = cut.clamp(start, bytes.len());
        slices.push(bytes[start..cut].to_vec());
        start = cut;
    }
    slices.into_iter()
}

/// A streaming reader fed `slices` until its header is read.
fn header_read(slices: &mut impl Iterator<Item = Vec<u8>>) -> Result<BatchReader, String> {
    let mut header: HeaderReader = BatchReader::streaming(&FEATURES, &ADDED_COLUMNS, 0);
    loop {
        match slices.next() {
            Some(slice) => header.push(slice),
            None => header.end_input(),
        }
        match header.read_header().map_err(|e| e.to_string())? {
            HeaderStep::Ready(reader) => return Ok(reader),
            HeaderStep::NeedsInput(more) => header = more,
        }
    }
}

/// What the streaming reader makes of `bytes` cut at `cuts` (sorted offsets).
fn streamed(
    bytes: &[u8],
    cuts: &[usize],
    max_rows: usize,
) -> Result<(BatchLayout, Vec<Read>), String> {
    let mut slices = sliced(bytes, cuts);
    let mut reader = header_read(&mut slices)?;
    let mut reads = Vec::new();
    loop {
        if drain(&mut reader, max_rows, &mut reads) {
            break;
        }
        if reader.needs_input() {
            match slices.next() {
                Some(slice) => reader.push(slice),
                None => reader.end_input(),
            }
        }
    }
    Ok((reader.layout().clone(), sorted(reads)))
}

/// What the range reader makes of `bytes` cut at `cuts`: the header read streaming, the rest cut
/// into ranges of at most `max_records` records (`RangeCutter`), each range read by a reader of
/// its own (`BatchReader::of_range`), as the Batch page's two workers read a file. Also checks
/// that the ranges are back to back and cover the file.
fn ranged(
    bytes: &[u8],
    cuts: &[usize],
    max_records: usize,
) -> Result<(BatchLayout, Vec<Read>), String> {
    let mut slices = sliced(bytes, cuts);
    let reader = header_read(&mut slices)?;
    let (layout, rest, offset, line, ended) = reader.into_rest();
    let mut cutter = RangeCutter::new(rest, offset, line, ended);
    let mut reads = Vec::new();
    let mut expected_offset = offset;
    let mut expected_index = 0;
    loop {
        match cutter
            .next_range(max_records)
            .expect("no record over the limit")
        {
            NextRange::Range(range) => {
                assert_eq!(range.offset, expected_offset, "ranges are back to back");
                assert_eq!(range.index, expected_index);
                assert!(!range.bytes.is_empty());
                expected_offset += range.bytes.len() as u64;
                expected_index += 1;
                let mut reader = BatchReader::of_range(layout.clone(), &FEATURES, range);
                while !drain(&mut reader, 2, &mut reads) {}
            }
            NextRange::NeedsInput => match slices.next() {
                Some(slice) => cutter.push(slice),
                None => cutter.end_input(),
            },
            NextRange::Finished => break,
        }
    }
    assert_eq!(
        expected_offset,
        bytes.len() as u64,
        "the ranges cover the file"
    );
    assert_eq!(cutter.offset(), bytes.len() as u64);
    Ok((layout, sorted(reads)))
}

/// The reference: `csv::Reader` on the whole file with the layout's row rules, as the batch
/// reader was written before it could stream.
fn with_csv_reader(bytes: &[u8]) -> Result<(BatchLayout, Vec<Read>), String> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header = reader.byte_headers().map_err(|e| e.to_string())?.clone();
    if header.is_empty() {
        return Err(BatchError::Empty.to_string());
    }
    let mut names = Vec::new();
    for (position, cell) in header.iter().enumerate() {
        names.push(std::str::from_utf8(cell).map_err(|source| {
            BatchError::HeaderNotText {
                position: position + 1,
                source,
            }
            .to_string()
        })?);
    }
    let layout =
        BatchLayout::from_header(&names, &FEATURES, &ADDED_COLUMNS).map_err(|e| e.to_string())?;
    let mut reads = Vec::new();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).expect("in memory") {
        let line = record.position().map_or(0, |p| p.line());
        let cells: Vec<&[u8]> = record.iter().collect();
        let mut values = Vec::new();
        match layout.parse_row(&cells, line, &FEATURES, &mut values) {
            Ok(row) => reads.push(Read::Good(
                row.line,
                row.passthrough,
                row.label,
                values.iter().map(|v| v.to_bits()).collect(),
            )),
            Err(error) => reads.push(Read::Bad(error)),
        }
    }
    Ok((layout, sorted(reads)))
}

/// A file with every kind of trouble: a byte-order mark, CRLF and lone CR ends, a blank line,
/// quoted cells with commas, quotes and line breaks, a short row, a bad number, a bad label, an
/// invalid UTF-8 byte, a multi-byte character and a last row without a line break.
const TRICKY: &[u8] = b"\xEF\xBB\xBFid,b,a,reordered\r\n\
1,0.5,2,1\r\n\
\"two\r\nlines\",,NaN,0\n\
\n\
3,\"1,5\",1,\r\
\"q\"\"uote\",x,1,1\n\
short,1\n\
caf\xC3\xA9,1,\xFF,0\n\
7,1e3,-2,2\n\
8,.5,3,";

#[test]
fn the_tricky_file_reads_as_csv_reader_reads_it() {
    let expected = with_csv_reader(TRICKY).expect("header fits");
    assert_eq!(whole(TRICKY, 1000).expect("header fits"), expected);
    assert_eq!(whole(TRICKY, 1).expect("header fits"), expected);
    // Line numbers are `csv::Reader`'s record positions (and those `reorder predict` reports):
    // the line the reader had reached when the record's read began. A CR of CRLF ends a record
    // and its LF is read with the next one, and blank lines too, so after a CRLF or a blank line
    // the number is that of the line before: the row on line 2 of this CRLF file is "line 1".
    let lines: Vec<u64> = expected
        .1
        .iter()
        .map(|read| match read {
            Read::Good(line, ..) => *line,
            Read::Bad(error) => error.line,
        })
        .collect();
    assert_eq!(lines, vec![1, 2, 5, 6, 7, 8, 9, 10]);
}

#[test]
fn the_tricky_file_cut_at_every_byte_and_every_pair_of_bytes_reads_the_same() {
    let expected = whole(TRICKY, 1000).expect("header fits");
    for first in 0..=TRICKY.len() {
        assert_eq!(
            streamed(TRICKY, &[first], 3).expect("header fits"),
            expected,
            "cut at {first}"
        );
        for second in first..=TRICKY.len() {
            assert_eq!(
                streamed(TRICKY, &[first, second], 1000).expect("header fits"),
                expected,
                "cut at {first} and {second}"
            );
        }
    }
}

#[test]
fn the_tricky_file_cut_into_ranges_anywhere_reads_the_same() {
    let expected = whole(TRICKY, 1000).expect("header fits");
    for max_records in 1..=4 {
        for first in 0..=TRICKY.len() {
            assert_eq!(
                ranged(TRICKY, &[first], max_records).expect("header fits"),
                expected,
                "cut at {first}, ranges of {max_records} records"
            );
        }
    }
    let cuts: Vec<usize> = (1..TRICKY.len()).collect();
    assert_eq!(ranged(TRICKY, &cuts, 1).expect("header fits"), expected);
}

#[test]
fn a_byte_order_mark_inside_a_file_is_not_taken_for_one_at_a_range_start() {
    // The second record starts with the bytes of a byte-order mark: a reader of the whole file
    // keeps them in its first cell, and so must a reader started on that record's range.
    let bytes = b"id,a,b\n1,2,3\n\xEF\xBB\xBF4,5,6\n\xEF\xBB\xBF\"7\",8,9\n";
    let expected = with_csv_reader(bytes).expect("header fits");
    assert_eq!(whole(bytes, 10).expect("header fits"), expected);
    let Read::Good(_, passthrough, ..) = &expected.1[1] else {
        panic!("the second record is good");
    };
    assert_eq!(passthrough[0].as_bytes(), b"\xEF\xBB\xBF4");
    for max_records in 1..=3 {
        assert_eq!(ranged(bytes, &[], max_records).expect("fits"), expected);
    }
}

#[test]
fn slices_of_one_byte_read_the_same() {
    let cuts: Vec<usize> = (1..TRICKY.len()).collect();
    assert_eq!(
        streamed(TRICKY, &cuts, 2).expect("header fits"),
        whole(TRICKY, 2).expect("header fits")
    );
}

#[test]
fn header_errors_are_the_same_streamed() {
    for bytes in [
        &b""[..],
        b"\xEF\xBB\xBF",
        b"\n\n",
        b"a,c\n1,2\n",
        b"a,b,a\n",
        b"a,b,\xFF\n1,2,3\n",
        b"a,b,is_reorder,input_is_reorder\n",
    ] {
        let expected = whole(bytes, 10).expect_err("header does not fit");
        assert_eq!(with_csv_reader(bytes).expect_err("reference"), expected);
        for cut in 0..=bytes.len() {
            assert_eq!(
                streamed(bytes, &[cut], 10).expect_err("header does not fit"),
                expected
            );
        }
    }
    assert_eq!(
        whole(b"", 10).expect_err("empty"),
        BatchError::Empty.to_string()
    );
}

#[test]
fn a_header_longer_than_its_slices_is_read_across_them() {
    let mut bytes = format!("{},a,b\n1,2,3\n", "x".repeat(100)).into_bytes();
    bytes.extend_from_slice(b"4,5,6");
    let cuts: Vec<usize> = (7..bytes.len()).step_by(7).collect();
    assert_eq!(
        streamed(&bytes, &cuts, 10).expect("fits"),
        whole(&bytes, 10).expect("fits")
    );
}

#[test]
fn progress_counts_the_bytes_read() {
    let mut header = BatchReader::streaming(&FEATURES, &ADDED_COLUMNS, TRICKY.len() as u64);
    header.push(TRICKY.to_vec());
    header.end_input();
    let Ok(HeaderStep::Ready(mut reader)) = header.read_header() else {
        panic!("the header fits");
    };
    assert!(reader.bytes_read() < 30);
    while !reader.next_chunk(2).done {}
    assert_eq!(reader.bytes_read(), TRICKY.len() as u64);
    assert_eq!(reader.total_bytes(), TRICKY.len() as u64);
}

/// Bytes that look like batch files: a header, then cells made of digits, signs, dots, letters,
/// quotes, commas and every kind of line end (and now and then a byte that is not UTF-8).
fn batch_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(&b"1"[..]),
        Just(&b"0.25"[..]),
        Just(&b"-3"[..]),
        Just(&b"NaN"[..]),
        Just(&b"x"[..]),
        Just(&b","[..]),
        Just(&b","[..]),
        Just(&b"\""[..]),
        Just(&b"\"\""[..]),
        Just(&b"\n"[..]),
        Just(&b"\r\n"[..]),
        Just(&b"\r"[..]),
        Just(&b"\xC3\xA9"[..]),
        Just(&b"\xFF"[..]),
        Just(&b"\xEF\xBB\xBF"[..]),
    ];
    let header = prop_oneof![
        Just(&b"a,b\n"[..]),
        Just(&b"id,b,a,label\r\n"[..]),
        Just(&b"\xEF\xBB\xBFb,a,reordered\n"[..]),
        Just(&b"\"a\",b,\"x\ny\"\n"[..]),
    ];
    (header, prop::collection::vec(piece, 0..60)).prop_map(|(header, pieces)| {
        let mut bytes = header.to_vec();
        for piece in pieces {
            bytes.extend_from_slice(piece);
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_cuts_read_as_the_whole_file_and_as_csv_reader(
        bytes in batch_like(),
        cuts in prop::collection::vec(0usize..200, 0..6),
        max_rows in 1usize..5,
    ) {
        let mut cuts = cuts;
        cuts.sort_unstable();
        let expected = with_csv_reader(&bytes);
        prop_assert_eq!(whole(&bytes, max_rows), expected.clone());
        prop_assert_eq!(streamed(&bytes, &cuts, max_rows), expected.clone());
        prop_assert_eq!(ranged(&bytes, &cuts, max_rows), expected);
    }
}
