//! The one rule for reading a number, used by every entry point: the CLI's CSV, the Batch page,
//! the Predict form, the embed API's messages, the order-history upload and the threshold fields.
//! Without it each reader had its own idea of `inf`, `10,000` or `-0`, and the same row could be
//! scored by one entry point and refused by another.
//!
//! The rule (documented in the README, "Numbers"):
//! - surrounding whitespace is ignored;
//! - empty, or `NaN` in any case, is a **missing** value (scored as NaN, never 0);
//! - otherwise the text must be a plain decimal number: an optional sign, digits with at most one
//!   decimal separator, an optional exponent (`1e-3`);
//! - the decimal separator is `.` in files, messages and the English form, `,` in the Turkish
//!   form; the other mark is refused as a possible thousands separator (`10,000` in English and
//!   `10.000` in Turkish both mean ten thousand to a person and 10 to a parser), as is a space
//!   inside the number;
//! - infinite values (`inf`, `Infinity`) and numbers too large for a 64-bit float (`1e400`) are
//!   refused: no model was trained on them and the log could not store them;
//! - `-0` is read as `0` (LightGBM scores them the same, and the log then round-trips exactly).
//!
//! Every accepted value is finite, so it survives JSON, IndexedDB and CSV exports unchanged.

/// Which mark separates the integer part from the fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMark {
    /// `1.5`: files, messages and the English form.
    Point,
    /// `1,5`: the Turkish form.
    Comma,
}

impl DecimalMark {
    /// The character of this mark.
    pub fn as_char(self) -> char {
        match self {
            DecimalMark::Point => '.',
            DecimalMark::Comma => ',',
        }
    }

    /// The mark a person would use to group thousands when this one separates decimals.
    fn grouping(self) -> char {
        match self {
            DecimalMark::Point => ',',
            DecimalMark::Comma => '.',
        }
    }
}

/// Why a text is not an acceptable number. The caller adds where it was (file, line, column,
/// field) and, in the browser, says it in the page's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("is not a number")]
    NotANumber,
    #[error("is not a finite number (infinite or too large values are refused)")]
    NotFinite,
    #[error("holds `{found}`, which could be a thousands separator: write the digits without grouping, with `{decimal}` for decimals")]
    Grouping { found: char, decimal: char },
}

/// Reads a number from a file, a message or a command-line flag (`.` for decimals).
/// `Ok(None)` is a missing value.
pub fn parse_file_value(text: &str) -> Result<Option<f64>, NumberError> {
    parse_value(text, DecimalMark::Point)
}

/// Powers of ten that an f64 holds exactly (10^0 to 10^22).
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Powers of ten as integers, 10^0 to 10^19 (all below 2^64).
const INTEGER_POWERS_OF_TEN: [u128; 20] = {
    let mut powers = [1u128; 20];
    let mut index = 1;
    while index < powers.len() {
        powers[index] = powers[index - 1] * 10;
        index += 1;
    }
    powers
};

/// Digits whose integer always fits a u64.
const MAX_EXACT_DIGITS: usize = 19;

/// The common shape of a number in a file, read without the general path: ASCII digits with at
/// most one `.` and at least one digit, after an optional `-` (no `+`, exponent, spaces or other
/// marks; a negative zero is read as 0, as the rule reads it). The digits make an integer `m`
/// and the text is `m / 10^k`, `k` the digits after the point. When `m` is below 2^53 and `k` at
/// most 22, both are exact in an f64, so one division gives the correctly rounded value
/// (Clinger's fast path, the one the standard library's parser also takes first). Otherwise, when
/// the text has at most 19 digits (17-digit floats as Python writes them), the quotient is
/// computed in integers and rounded to nearest, ties to even
/// (`correctly_rounded_quotient`). Anything longer goes straight to the standard library's
/// correctly rounded parser, skipping the general path's checks, which such a text passes. Every
/// way the value is exactly what `parse_file_value` returns. `None` means "not this shape" (or
/// too large to be finite): use `parse_file_value`, which decides.
pub fn parse_plain_decimal(text: &[u8]) -> Option<f64> {
    let negative = text.first() == Some(&b'-');
    let value = parse_unsigned_plain_decimal(&text[usize::from(negative)..])?;
    // Rounding to nearest is the same on both sides of zero; -0 is stored as 0.
    Some(if negative && value != 0.0 {
        -value
    } else {
        value
    })
}

fn parse_unsigned_plain_decimal(text: &[u8]) -> Option<f64> {
    let (whole, fraction) = match text.iter().position(|&byte| byte == b'.') {
        Some(point) => (&text[..point], &text[point + 1..]),
        None => (text, &[][..]),
    };
    let digits = whole.len() + fraction.len();
    if digits == 0 {
        return None;
    }
    let scale = fraction.len();
    if digits > MAX_EXACT_DIGITS {
        if !whole.iter().chain(fraction).all(u8::is_ascii_digit) {
            return None;
        }
        // ASCII digits and a point: always UTF-8, always read by `str::parse`.
        let value: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
        return value.is_finite().then_some(value);
    }
    // At most 19 digits: the integer they make fits a u64.
    let mantissa =
        digits_value(whole)? * INTEGER_POWERS_OF_TEN[scale] as u64 + digits_value(fraction)?;
    if mantissa < 1 << 53 && scale < EXACT_POWERS_OF_TEN.len() {
        return Some(mantissa as f64 / EXACT_POWERS_OF_TEN[scale]);
    }
    // At most 19 digits, so at most 19 after the point.
    Some(correctly_rounded_quotient(mantissa, scale))
}

/// The number written by at most 19 ASCII `digits`, or `None` when a byte is not a digit. Eight
/// digits at a time, read straight from the text: the first `len % 8` from the first eight bytes
/// shifted up (with `0`s shifted in below), or one by one when there are fewer than eight.
fn digits_value(digits: &[u8]) -> Option<u64> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let head = digits.len() % 8;
    let mut value = 0;
    if head != 0 {
        match digits.first_chunk::<8>() {
            Some(first) => {
                let lost = 8 * (8 - head) as u32;
                let word = u64::from_le_bytes(*first) << lost | ZEROS >> (64 - lost);
                value = eight_digits(word)?;
            }
            None => {
                for &byte in digits {
                    let digit = byte.wrapping_sub(b'0');
                    if digit > 9 {
                        return None;
                    }
                    value = value * 10 + u64::from(digit);
                }
            }
        }
    }
    for chunk in digits[head..].chunks_exact(8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        value = value * 100_000_000 + eight_digits(u64::from_le_bytes(bytes))?;
    }
    Some(value)
}

/// Eight ASCII digits read little-endian from `word` (the first in the lowest byte) as the
/// number they write, or `None` when one of the bytes is not a digit. Each byte is a digit when
/// its high half is 3 and adding 6 to it does not carry into the high half.
fn eight_digits(word: u64) -> Option<u64> {
    const HIGH_HALVES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    let carried = word.wrapping_add(0x0606_0606_0606_0606) & HIGH_HALVES;
    if (word & HIGH_HALVES) | (carried >> 4) != 0x3333_3333_3333_3333 {
        return None;
    }
    // Pairs of digits, then groups of four, then all eight.
    let digits = word & 0x0F0F_0F0F_0F0F_0F0F;
    let pairs = (digits.wrapping_mul(10 << 8 | 1) >> 8) & 0x00FF_00FF_00FF_00FF;
    let fours = (pairs.wrapping_mul(100 << 16 | 1) >> 16) & 0x0000_FFFF_0000_FFFF;
    Some(fours.wrapping_mul(10_000 << 32 | 1) >> 32)
}

/// `numerator / 10^scale` (`numerator` > 0, `scale` <= 19) rounded to the nearest f64, ties to
/// even: the quotient is taken in integers with at least 55 bits, its top 53 are the
/// significand, and the bits below with the remainder decide the rounding. The value lies
/// between 10^-19 and 2^64, so it is always a normal f64.
fn correctly_rounded_quotient(numerator: u64, scale: usize) -> f64 {
    let divisor = INTEGER_POWERS_OF_TEN[scale];
    let numerator_bits = u64::BITS - numerator.leading_zeros();
    let divisor_bits = u128::BITS - divisor.leading_zeros();
    // numerator << shift is at least 2^(54 + divisor_bits) > 2^54 * divisor, and below 2^125.
    let shift = (55 + divisor_bits).saturating_sub(numerator_bits);
    let scaled = u128::from(numerator) << shift;
    let quotient = scaled / divisor;
    let inexact = scaled - quotient * divisor != 0;
    let dropped = (u128::BITS - quotient.leading_zeros()) - 53;
    let mut significand = (quotient >> dropped) as u64;
    let rest = quotient & ((1 << dropped) - 1);
    let half = 1u128 << (dropped - 1);
    if rest > half || (rest == half && (inexact || significand & 1 == 1)) {
        significand += 1;
    }
    let mut exponent = dropped as i32 - shift as i32;
    if significand == 1 << 53 {
        significand >>= 1;
        exponent += 1;
    }
    // significand * 2^exponent with significand in [2^52, 2^53): the biased exponent is
    // exponent + 52 + 1023, and the leading bit is implicit.
    let biased = (exponent + 52 + 1023) as u64;
    f64::from_bits(biased << 52 | (significand & ((1 << 52) - 1)))
}

/// Reads a number with the given decimal mark. `Ok(None)` is a missing value.
pub fn parse_value(text: &str, mark: DecimalMark) -> Result<Option<f64>, NumberError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("nan") {
        return Ok(None);
    }
    parse_number(text, mark).map(Some)
}

/// Reads a required number (missing is refused as not a number), `.` for decimals.
pub fn parse_required(text: &str) -> Result<f64, NumberError> {
    parse_file_value(text)?.ok_or(NumberError::NotANumber)
}

/// Reads a whole number from 0 to `max` (`12` and `12.0` both count); empty is `None`.
/// Digits alone are read exactly, whatever their size up to `max`.
pub fn parse_whole(text: &str, max: u64) -> Result<Option<u64>, WholeError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.bytes().all(|byte| byte.is_ascii_digit()) {
        return match trimmed.parse::<u64>() {
            Ok(value) if value <= max => Ok(Some(value)),
            _ => Err(WholeError::OutOfRange { max }),
        };
    }
    let value = parse_number(trimmed, DecimalMark::Point).map_err(WholeError::Number)?;
    if value.fract() != 0.0 || value < 0.0 || value > max as f64 {
        return Err(WholeError::OutOfRange { max });
    }
    Ok(Some(value as u64))
}

/// Why a text is not a whole number in range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WholeError {
    #[error("{0}")]
    Number(NumberError),
    #[error("is not a whole number between 0 and {max}")]
    OutOfRange { max: u64 },
}

/// Whether a text cell reads as a number under this rule (missing values excluded). Exports use
/// it to tell numbers, which are written as they are, from text, which a spreadsheet could run
/// as a formula.
pub fn is_number_text(text: &str) -> bool {
    matches!(parse_file_value(text), Ok(Some(_)))
}

/// The shape check and conversion of a trimmed, non-missing text.
fn parse_number(text: &str, mark: DecimalMark) -> Result<f64, NumberError> {
    let bytes = text.as_bytes();
    let mut index = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        index += 1;
    }
    let unsigned = &text[index..];
    if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
        return Err(NumberError::NotFinite);
    }
    let decimal = mark.as_char();
    let mut digits = 0usize;
    let mut seen_decimal = false;
    let mut exponent_at = None;
    for (offset, character) in unsigned.char_indices() {
        match character {
            '0'..='9' => digits += 1,
            c if c == decimal && !seen_decimal => seen_decimal = true,
            'e' | 'E' => {
                exponent_at = Some(index + offset);
                break;
            }
            c if c == mark.grouping() || matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '_') => {
                return Err(NumberError::Grouping { found: c, decimal })
            }
            _ => return Err(NumberError::NotANumber),
        }
    }
    if digits == 0 {
        return Err(NumberError::NotANumber);
    }
    let mantissa_end = exponent_at.unwrap_or(text.len());
    if let Some(at) = exponent_at {
        let exponent = &text[at + 1..];
        let exponent_digits = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if exponent_digits.is_empty() || !exponent_digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NumberError::NotANumber);
        }
    }
    let value: f64 = if mark == DecimalMark::Comma {
        let mut normalized = String::with_capacity(text.len());
        normalized.push_str(&text[..mantissa_end].replace(',', "."));
        normalized.push_str(&text[mantissa_end..]);
        normalized.parse()
    } else {
        text.parse()
    }
    .map_err(|_| NumberError::NotANumber)?;
    if !value.is_finite() {
        return Err(NumberError::NotFinite);
    }
    // -0 and 0 score the same; storing 0 keeps the log's round trip exact.
    Ok(if value == 0.0 { 0.0 } else { value })
}

/// Writes an accepted value so that `parse_value(_, mark)` reads back the same f64 (the shortest
/// such text, as Rust's `{}` prints it, with the mark's decimal character).
pub fn format_value(value: f64, mark: DecimalMark) -> String {
    let text = format!("{value}");
    match mark {
        DecimalMark::Point => text,
        DecimalMark::Comma => text.replace('.', ","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_values() {
        for text in ["", "  ", "NaN", "nan", " NAN "] {
            assert_eq!(parse_file_value(text), Ok(None), "{text:?}");
        }
    }

    #[test]
    fn plain_numbers_are_read_as_rust_reads_them() {
        for (text, expected) in [
            ("3", 3.0),
            (" 3 ", 3.0),
            ("+3", 3.0),
            ("-0.5", -0.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e-3", 0.001),
            ("1E+3", 1000.0),
            ("0.1", 0.1),
            ("1e-400", 0.0),
        ] {
            assert_eq!(parse_file_value(text), Ok(Some(expected)), "{text:?}");
        }
    }

    #[test]
    fn negative_zero_is_zero() {
        let value = parse_file_value("-0").unwrap().unwrap();
        assert!(value == 0.0 && value.is_sign_positive());
        let value = parse_file_value("-0.0e5").unwrap().unwrap();
        assert!(value.is_sign_positive());
    }

    #[test]
    fn non_finite_values_are_refused() {
        for text in ["inf", "-inf", "+Infinity", "INF", "1e400", "-1e309"] {
            assert_eq!(
                parse_file_value(text),
                Err(NumberError::NotFinite),
                "{text:?}"
            );
        }
    }

    #[test]
    fn separators_follow_the_mark() {
        assert!(matches!(
            parse_file_value("10,000"),
            Err(NumberError::Grouping { found: ',', .. })
        ));
        assert!(matches!(
            parse_file_value("10 000"),
            Err(NumberError::Grouping { found: ' ', .. })
        ));
        assert_eq!(parse_value("0,25", DecimalMark::Comma), Ok(Some(0.25)));
        assert_eq!(parse_value("1,5e2", DecimalMark::Comma), Ok(Some(150.0)));
        assert!(matches!(
            parse_value("10.000", DecimalMark::Comma),
            Err(NumberError::Grouping { found: '.', .. })
        ));
        assert_eq!(parse_file_value("1.2.3"), Err(NumberError::NotANumber));
    }

    #[test]
    fn other_shapes_are_not_numbers() {
        for text in [
            "abc", "1x", "--1", "e5", "1e", "1e+", ".", "-", "0x10", "1e5.5", "١٢",
        ] {
            assert_eq!(
                parse_file_value(text),
                Err(NumberError::NotANumber),
                "{text:?}"
            );
        }
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(parse_whole("12", 30), Ok(Some(12)));
        assert_eq!(parse_whole("12.0", 30), Ok(Some(12)));
        assert_eq!(parse_whole("", 30), Ok(None));
        assert_eq!(
            parse_whole("31", 30),
            Err(WholeError::OutOfRange { max: 30 })
        );
        assert_eq!(
            parse_whole("1.5", 30),
            Err(WholeError::OutOfRange { max: 30 })
        );
        assert_eq!(
            parse_whole("-1", 30),
            Err(WholeError::OutOfRange { max: 30 })
        );
        assert_eq!(
            parse_whole("18446744073709551615", u64::MAX),
            Ok(Some(u64::MAX))
        );
    }

    #[test]
    fn formatted_values_read_back_exactly() {
        for value in [0.1, -2.5e-8, 123456789.125, f64::MIN_POSITIVE, 1e300] {
            for mark in [DecimalMark::Point, DecimalMark::Comma] {
                let text = format_value(value, mark);
                assert_eq!(parse_value(&text, mark), Ok(Some(value)), "{text}");
            }
        }
    }

    #[test]
    fn numbers_versus_text() {
        assert!(is_number_text("-0.5"));
        assert!(is_number_text("+7"));
        assert!(!is_number_text("-1+2"));
        assert!(!is_number_text("=SUM(A1)"));
        assert!(!is_number_text(""));
        assert!(!is_number_text("-inf"));
    }
}
