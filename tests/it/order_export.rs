//! A person's own Instacart export (CSV, TSV and JSON of `instacart-order-history-download`)
//! read into orders, against the values the fixture script worked out independently with
//! Python's datetime (tests/fixtures/order_exports/expected.json, written by
//! scripts/fixtures/make_order_exports.py); and bad exports refused naming line, column or JSON
//! path.

use std::path::PathBuf;

use instacart_reorder::order_history::export::{
    read_order_export, ExportFormat, OrderExportError, Timestamp,
};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/order_exports")
        .join(name);
    std::fs::read(path).expect("fixture")
}

fn expected() -> Value {
    serde_json::from_slice(&fixture("expected.json")).expect("expected.json")
}

#[test]
fn every_format_reads_to_the_independently_computed_orders() {
    let expected = expected();
    let wanted = expected["orders"].as_array().expect("orders");
    for (name, format) in [
        ("orders.csv", ExportFormat::Csv),
        ("orders.tsv", ExportFormat::Tsv),
        ("orders.json", ExportFormat::Json),
    ] {
        let history = read_order_export(&fixture(name)).expect(name);
        assert_eq!(history.format, format, "{name}");
        assert_eq!(history.orders.orders.len(), wanted.len(), "{name}");
        for (got, want) in history.orders.orders.iter().zip(wanted) {
            assert_eq!(
                u64::from(got.order_number),
                want["order_number"].as_u64().unwrap(),
                "{name}"
            );
            assert_eq!(
                u64::from(got.dow),
                want["dow"].as_u64().unwrap(),
                "{name} order {}",
                got.order_number
            );
            assert_eq!(
                u64::from(got.hour),
                want["hour"].as_u64().unwrap(),
                "{name} order {}",
                got.order_number
            );
            assert_eq!(
                got.days_since_prior,
                want["days_since_prior"].as_f64(),
                "{name} order {}",
                got.order_number
            );
            let products: Vec<u64> = want["products"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_u64().unwrap())
                .collect();
            assert_eq!(got.products, products, "{name} order {}", got.order_number);
        }
        for (id, info) in &history.items {
            let want = &expected["items"][id.to_string()];
            assert_eq!(
                want["name"].as_str(),
                Some(info.name.as_str()),
                "{name} {id}"
            );
            assert_eq!(
                want["size"].as_str(),
                Some(info.size.as_str()),
                "{name} {id}"
            );
        }
    }
}

#[test]
fn the_next_order_context_follows_the_chosen_time() {
    let history = read_order_export(&fixture("orders.csv")).expect("csv");
    let last = *history.placed_at.last().expect("orders");
    // Three days and two hours after the last order, in the last order's own offset.
    let at = Timestamp {
        utc_seconds: last.utc_seconds + 3 * 86_400 + 7_200,
        offset_seconds: last.offset_seconds,
    };
    let next = history.next_order_at(at);
    assert_eq!(next.days_since_prior, Some(3.0));
    assert_eq!(next.hour, (last.hour() + 2) % 24);
    let much_later = Timestamp {
        utc_seconds: last.utc_seconds + 90 * 86_400,
        offset_seconds: last.offset_seconds,
    };
    assert_eq!(
        history.next_order_at(much_later).days_since_prior,
        Some(30.0)
    );
}

fn error_of(bytes: &[u8]) -> String {
    read_order_export(bytes)
        .map(|_| ())
        .expect_err("refused")
        .to_string()
}

#[test]
fn bad_exports_name_the_place() {
    let csv = String::from_utf8(fixture("orders.csv")).expect("utf-8");
    let header = csv.lines().next().unwrap().to_owned();
    assert_eq!(read_order_export(b"").unwrap_err(), OrderExportError::Empty);
    assert!(error_of(b"order_id,user_id\n1,2\n").contains("no column `order_date`"));
    assert!(error_of(format!("{header}\n").as_bytes()).contains("no orders"));
    let bad_date = csv.replacen("2024-04-21T18:30:17-04:00", "2024-04-21 18:30", 1);
    let message = error_of(bad_date.as_bytes());
    assert!(message.contains("line 2, column `order_date`"), "{message}");
    let bad_id = csv.replacen(",18750412\n", ",banana\n", 1);
    let message = error_of(bad_id.as_bytes());
    assert!(message.contains("line 2, column `product_id`"), "{message}");
    let bad_quantity = csv.replacen(",1.50,", ",-1,", 1);
    assert!(error_of(bad_quantity.as_bytes()).contains("column `quantity`"));
    let mut not_text = fixture("orders.csv");
    not_text.insert(100, 0xFF);
    assert_eq!(
        read_order_export(&not_text).unwrap_err(),
        OrderExportError::NotText
    );
    let json = String::from_utf8(fixture("orders.json")).expect("utf-8");
    let message = error_of(
        json.replacen("\"created_at\": \"2024", "\"created_at\": \"24", 1)
            .as_bytes(),
    );
    assert!(message.contains("[0].created_at"), "{message}");
    assert!(error_of(b"[{\"id\": 1}]").contains("[0].created_at"));
    assert!(error_of(b"{\"orders\": []}").contains("list of orders"));
    assert!(error_of(b"[1, 2").contains("not valid JSON"));
}

#[test]
fn a_bom_and_crlf_line_ends_read_the_same() {
    let plain = read_order_export(&fixture("orders.csv")).expect("csv");
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(
        String::from_utf8(fixture("orders.csv"))
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes(),
    );
    assert_eq!(read_order_export(&bom).expect("bom + crlf"), plain);
}
