//! How large a file each upload accepts, checked from the file's size before a byte is read,
//! so a person who drops a 5 GB file gets the limit in a sentence instead of a tab that runs
//! out of memory. One table for every file input of the app (Batch, your order history, your
//! model); the limits are documented in the README ("Uploads").

/// A file input of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// A CSV of feature rows on the Batch page (read in slices by the batch worker).
    BatchFile,
    /// An order-history file (joined order lines, orders.csv or order_products).
    OrderHistory,
    /// A LightGBM `model.txt`.
    ModelText,
    /// A `feature_names.json`.
    FeatureNames,
    /// A `best_threshold.txt`.
    Threshold,
    /// A multiclass model's class names (a JSON array or one per line).
    ClassNames,
}

const MIB: u64 = 1024 * 1024;

/// The largest `model.txt` accepted, in bytes (64 MiB): the upload's limit and the parser's.
pub const MAX_MODEL_BYTES: usize = 64 * 1024 * 1024;

impl Upload {
    /// The largest file accepted, in bytes.
    pub const fn max_bytes(self) -> u64 {
        match self {
            // A million rows of the bundled model's 41 features is about 290 MB. The file is read
            // a slice at a time and the scored CSV leaves in parts, so memory does not grow with
            // the file; the limit is one a browser's File and Blob handle everywhere.
            Upload::BatchFile => 2048 * MIB,
            // Several hundred thousand order lines; the features are built in memory.
            Upload::OrderHistory => 256 * MIB,
            // The converter's own limit: `model.txt` parsing refuses a larger text too.
            Upload::ModelText => MAX_MODEL_BYTES as u64,
            Upload::FeatureNames | Upload::ClassNames => MIB,
            Upload::Threshold => 64 * 1024,
        }
    }

    /// Checks a file's size before it is read.
    pub fn check(self, file_name: &str, size: u64) -> Result<(), UploadTooLarge> {
        if size > self.max_bytes() {
            return Err(UploadTooLarge {
                file_name: file_name.to_owned(),
                size,
                limit: self.max_bytes(),
            });
        }
        Ok(())
    }
}

/// A file over its input's limit, with both sizes for the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{file_name}` is {} and this input takes files up to {}", human_size(*size), human_size(*limit))]
pub struct UploadTooLarge {
    pub file_name: String,
    pub size: u64,
    pub limit: u64,
}

/// A byte count as a person reads it (`1.5 GB`, `64 MB`, `12 KB`, `300 bytes`), in powers of
/// 1024 as file managers on most systems show them.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Text from a file's bytes: strict UTF-8 (invalid bytes are an error, never replaced), with
/// a leading byte-order mark dropped, as `reorder convert` reads the same file.
pub fn text_of(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    let text = std::str::from_utf8(bytes)?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The UTF-8 byte-order mark some editors (and Excel's "CSV UTF-8") put at the start of a file.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// A file's bytes without a leading byte-order mark, so the first column is named as written.
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&BOM[..]).unwrap_or(bytes)
}

/// A reader that drops a leading byte-order mark, for files read as a stream.
pub struct SkipBom<R> {
    inner: R,
    head: Vec<u8>,
    head_at: usize,
    checked: bool,
}

impl<R> SkipBom<R> {
    pub fn new(inner: R) -> SkipBom<R> {
        SkipBom {
            inner,
            head: Vec::new(),
            head_at: 0,
            checked: false,
        }
    }
}

impl<R: std::io::Read> std::io::Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.checked {
            let mut head = [0u8; 3];
            let mut filled = 0;
            while filled < head.len() {
                match self.inner.read(&mut head[filled..])? {
                    0 => break,
                    read => filled += read,
                }
            }
            self.checked = true;
            if head[..filled] != BOM {
                self.head = head[..filled].to_vec();
            }
        }
        if self.head_at < self.head.len() {
            let count = buf.len().min(self.head.len() - self.head_at);
            buf[..count].copy_from_slice(&self.head[self.head_at..self.head_at + count]);
            self.head_at += count;
            return Ok(count);
        }
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(human_size(300), "300 bytes");
        assert_eq!(human_size(12 * 1024), "12 KB");
        assert_eq!(human_size(512 * MIB), "512 MB");
        assert_eq!(human_size(3 * 512 * MIB), "1.5 GB");
    }

    #[test]
    fn limits_are_checked_at_the_byte() {
        let limit = Upload::BatchFile.max_bytes();
        assert_eq!(Upload::BatchFile.check("a.csv", limit), Ok(()));
        let error = Upload::BatchFile.check("a.csv", limit + 1).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`a.csv` is 2.0 GB and this input takes files up to 2 GB"
        );
        assert!(Upload::Threshold.check("t.txt", 65 * 1024).is_err());
    }

    #[test]
    fn a_bom_is_dropped_from_bytes_and_streams() {
        use std::io::Read;
        assert_eq!(without_bom(b"\xef\xbb\xbfa,b"), b"a,b");
        assert_eq!(without_bom(b"a,b"), b"a,b");
        for (input, expected) in [
            (&b"\xef\xbb\xbfa,b\n"[..], &b"a,b\n"[..]),
            (b"ab", b"ab"),
            (b"", b""),
            (b"\xef\xbbx", b"\xef\xbbx"),
        ] {
            // One byte at a time, the hardest way for the head to come in.
            let mut out = Vec::new();
            let mut reader = SkipBom::new(std::io::Read::chain(input, &b""[..]));
            let mut byte = [0u8; 1];
            while reader.read(&mut byte).unwrap() == 1 {
                out.push(byte[0]);
            }
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn text_is_strict_utf8_without_a_bom() {
        assert_eq!(text_of(b"\xef\xbb\xbftree"), Ok("tree"));
        assert!(text_of(b"tree\xff").is_err());
    }
}
