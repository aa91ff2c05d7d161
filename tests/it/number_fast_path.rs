//! The number rule's fast path for plain decimals (`parse_plain_decimal`, used first by the
//! batch reader) against the rule's general path and the standard library's correctly rounded
//! parser: whenever the fast path answers, all three give the same bits; it answers for the
//! shapes files are made of and steps aside for everything else.

use instacart_reorder::number::{parse_file_value, parse_plain_decimal};
use proptest::prelude::*;

/// The fast path's value, checked against `str::parse` (independent) and the general path.
fn agrees(text: &str) -> Option<f64> {
    let fast = parse_plain_decimal(text.as_bytes())?;
    let std: f64 = text
        .parse()
        .expect("the fast path only takes what str::parse reads");
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
    ] {
        assert!(agrees(text).is_some(), "`{text}` should take the fast path");
    }
}

#[test]
fn other_shapes_step_aside_for_the_general_rule() {
    for text in [
        "",
        ".",
        "-1",
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
        "9007199254740992",
        "12345678901234567890",
        "0.00000000000000000000001",
        "0.30000000000000004",
        "١",
    ] {
        assert_eq!(parse_plain_decimal(text.as_bytes()), None, "`{text}`");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_fast_path_equals_the_rule(whole in "[0-9]{0,17}", point in any::<bool>(), fraction in "[0-9]{0,20}") {
        let text = if point { format!("{whole}.{fraction}") } else { format!("{whole}{fraction}") };
        let answered = agrees(&text);
        let digits = whole.len() + fraction.len();
        // Up to 15 digits always fit below 2^53: the fast path must answer them.
        if digits > 0 && digits <= 15 {
            prop_assert!(answered.is_some(), "`{}` should take the fast path", text);
        }
    }
}
