//! The number rule's fast path for plain decimals (`parse_plain_decimal`, used first by the
//! batch reader) against the rule's general path and the standard library's correctly rounded
//! parser: whenever the fast path answers, all three give the same bits; it answers for the
//! shapes files are made of and steps aside for everything else.

use instacart_reorder::input::number::{parse_file_value, parse_plain_decimal};
use proptest::prelude::*;

/// The fast path's value, checked against `str::parse` (independent; the rule reads a negative
/// zero as 0) and the general path.
fn agrees(text: &str) -> Option<f64> {
    let fast = parse_plain_decimal(text.as_bytes())?;
    let std: f64 = text
        .parse()
        .expect("the fast path only takes what str::parse reads");
    let std = if std == 0.0 { 0.0 } else { std };
    assert_eq!(
        fast.to_bits(),
        std.to_bits(),
        "`{text}`: fast {fast} vs str::parse {std}"
    );
    let general = parse_file_value(text)
        .expect("accepted")
        .expect("not missing");
    assert_eq!(
        fast.to_bits(),
        general.to_bits(),
        "`{text}`: fast {fast} vs rule {general}"
    );
    Some(fast)
}

#[test]
fn plain_decimals_read_exactly() {
    for text in [
        "0",
        "7",
        "00012",
        "5.",
        ".5",
        "0.6567164179104478",
        "11.88888888888889",
        "4513",
        "0.1",
        "9007199254740991",
        "900719925474099.1",
        "0.0000000000000000000001",
        "1234567890.123456",
        // Beyond Clinger's shortcut: read by `str::parse` directly, still the rule's value.
        "9007199254740992",
        "12345678901234567890",
        "0.00000000000000000000001",
        "0.30000000000000004",
        "0.12345678901234567",
        "-1.9079892357328472",
        "-7",
        "-.5",
        "-0",
        "-0.000",
        // At most 19 significant digits, rounded in integers: halfway cases go to the even
        // neighbour, one more digit past halfway goes up.
        "9007199254740993",
        "9007199254740995",
        "4503599627370496.5",
        "4503599627370497.5",
        "4503599627370496.50000",
        "4503599627370496.5000001",
        "18446744073709551615",
        "9999999999999999999",
        "0.9999999999999999999",
        "0.000000000000000000001",
        "-0.000001234567890123456789",
        "0.00000000000000000001234567890123456789",
    ] {
        assert!(agrees(text).is_some(), "`{text}` should take the fast path");
    }
    let underflow = format!("0.{}1", "0".repeat(400));
    assert_eq!(agrees(&underflow), Some(0.0));
}

#[test]
fn other_shapes_step_aside_for_the_general_rule() {
    for text in [
        "",
        ".",
        "-",
        "-.",
        "--1",
        "+1",
        " 1",
        "1 ",
        "1e5",
        "1E-3",
        "1,5",
        "1.2.3",
        "inf",
        "NaN",
        "1_000",
        "١",
        "12345678e5",
        "1234567/",
        "12345678:",
        "0.1234567890123456 ",
        "12345678901234567-",
        "00000000/",
        "1.2345678901234567e-5",
    ] {
        assert_eq!(parse_plain_decimal(text.as_bytes()), None, "`{text}`");
    }
    // Digits too many to be finite: the general rule refuses them, so the fast path leaves them.
    let huge = "9".repeat(400);
    assert_eq!(parse_plain_decimal(huge.as_bytes()), None);
    assert!(parse_file_value(&huge).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn long_mantissas_round_like_the_standard_library(mantissa in (1u64 << 53)..u64::MAX, scale in 0usize..=22, negative in any::<bool>()) {
        let digits = mantissa.to_string();
        let text = if scale == 0 {
            digits
        } else if scale < digits.len() {
            format!("{}.{}", &digits[..digits.len() - scale], &digits[digits.len() - scale..])
        } else {
            format!("0.{}{digits}", "0".repeat(scale - digits.len()))
        };
        let text = if negative { format!("-{text}") } else { text };
        prop_assert!(agrees(&text).is_some(), "`{}` should take the fast path", text);
    }

    #[test]
    fn a_stray_byte_anywhere_steps_aside(digits in "[0-9]{1,24}", at in any::<prop::sample::Index>(), stray in "[^0-9.-]") {
        let mut text = digits.clone();
        text.insert_str(at.index(digits.len() + 1), &stray);
        prop_assert_eq!(parse_plain_decimal(text.as_bytes()), None, "`{}`", text);
    }

    #[test]
    fn halfway_values_round_to_even(whole in (1u64 << 52)..(1u64 << 53), tail in "(5|50*|49{1,3}|50{0,2}1)") {
        // Between 2^52 and 2^53 the f64s are the integers: `n.5` is halfway between two of them.
        let text = format!("{whole}.{tail}");
        prop_assert!(agrees(&text).is_some(), "`{}` should take the fast path", text);
        // Between 2^54 and 2^55 they are 4 apart: `4n + 2` is halfway.
        let wide = ((whole << 2) | 2).to_string();
        prop_assert!(agrees(&wide).is_some(), "`{}` should take the fast path", wide);
    }

    #[test]
    fn the_fast_path_equals_the_rule(negative in any::<bool>(), whole in "[0-9]{0,30}", point in any::<bool>(), fraction in "[0-9]{0,30}") {
        let sign = if negative { "-" } else { "" };
        let text = if point { format!("{sign}{whole}.{fraction}") } else { format!("{sign}{whole}{fraction}") };
        let answered = agrees(&text);
        let digits = whole.len() + fraction.len();
        // Every plain decimal with a digit (and a finite value, as these all are) is answered.
        if digits > 0 {
            prop_assert!(answered.is_some(), "`{}` should take the fast path", text);
        }
    }
}
