//! A person's own Instacart order history, as the public command line tool
//! `instacart-order-history-download` exports it, read into the project's order-history type:
//! the file people can actually get, instead of the research dataset's layout.
//!
//! Three formats, told apart by their content (never the file name):
//! - CSV (`-f csv`) and TSV (`-f tsv`): one row per item, columns `order_id, order_date,
//!   order_total, retailer, item_name, quantity, size, product_id` (any order, extra columns
//!   ignored); `order_date` is the order's `created_at`, ISO 8601 with a UTC offset;
//! - JSON (`-f json`): a list of orders `{id, status, total, total_display, created_at,
//!   deliveries: [{retailer, delivered_at, items: [{name, quantity, size, product_id}]}]}`.
//!
//! Orders are numbered by time (the export lists the newest first); the day of week and the
//! hour are those of the timestamp's own local time (its UTC offset), with the research data's
//! numbering (0 = Saturday, 1 = Sunday, ... 6 = Friday: days 0 and 1 are the weekend the
//! features speak of); days between orders are whole days between the timestamps, capped at 30
//! as in the research data; cart positions follow the order of the items; an item listed twice
//! in one order counts once. Cancelled orders (JSON `status`) are left out. Bad files get an
//! error naming the line and column (CSV/TSV) or the JSON path.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::features::{PastOrder, TargetOrder, UserHistory};
use crate::input::number::{parse_file_value, parse_whole, NumberError};
use crate::input::upload::without_bom;
use crate::order_history::files::ShopperOrders;
use crate::prediction_log::days_from_civil;

/// The columns a CSV or TSV export must have.
pub const EXPORT_COLUMNS: [&str; 8] = [
    "order_id",
    "order_date",
    "order_total",
    "retailer",
    "item_name",
    "quantity",
    "size",
    "product_id",
];

/// Days between orders are capped here, as in the research data.
pub const DAYS_CAP: i64 = 30;

/// Which of the tool's formats a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ExportFormat {
    Csv,
    Tsv,
    Json,
}

impl ExportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV",
            ExportFormat::Tsv => "TSV",
            ExportFormat::Json => "JSON",
        }
    }
}

/// A time the export wrote that is not one this reader knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an ISO 8601 time with a UTC offset (e.g. 2024-03-01T18:05:00-05:00)")]
pub struct TimestampError {
    pub text: String,
}

/// Why an item's product id or quantity cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum ItemCellError {
    #[error("the cell is empty")]
    Empty,
    #[error("`{0}` is not a product id (a positive whole number)")]
    NotAProductId(String),
    #[error("quantity `{0}` is not positive")]
    QuantityNotPositive(String),
    #[error("quantity `{text}` {source}")]
    QuantityUnreadable {
        text: String,
        #[source]
        source: NumberError,
    },
}

/// A moment as the export writes it: local date and time with the UTC offset it was given in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub utc_seconds: i64,
    /// The offset of the local time from UTC, in seconds (east positive).
    pub offset_seconds: i32,
}

impl Timestamp {
    /// Reads `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM|+HHMM)` (a space may replace `T`).
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let text = text.trim();
        let bad = || TimestampError {
            text: text.to_owned(),
        };
        let bytes = text.as_bytes();
        if bytes.len() < 17 || !matches!(bytes[10], b'T' | b't' | b' ') {
            return Err(bad());
        }
        let number = |range: std::ops::Range<usize>| -> Result<i64, TimestampError> {
            let part = text.get(range).ok_or_else(bad)?;
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse::<i64>().map_err(|_| bad())
        };
        if bytes[4] != b'-' || bytes[7] != b'-' || bytes[13] != b':' {
            return Err(bad());
        }
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute) = (number(11..13)?, number(14..16)?);
        let mut rest = &text[16..];
        let mut second = 0;
        if let Some(after) = rest.strip_prefix(':') {
            let digits = after.get(0..2).ok_or_else(bad)?;
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            second = digits.parse::<i64>().map_err(|_| bad())?;
            rest = &after[2..];
            if let Some(fraction) = rest.strip_prefix('.') {
                let end = fraction
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(fraction.len());
                if end == 0 {
                    return Err(bad());
                }
                rest = &fraction[end..];
            }
        }
        let offset_seconds: i32 = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(bad()),
                };
                let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
                if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let hours: i32 = digits[0..2].parse().map_err(|_| bad())?;
                let minutes: i32 = digits[2..4].parse().map_err(|_| bad())?;
                if hours > 18 || minutes > 59 {
                    return Err(bad());
                }
                sign * (hours * 3600 + minutes * 60)
            }
        };
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => return Err(bad()),
        };
        if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
            return Err(bad());
        }
        let local_seconds = days_from_civil(year, month as u32, day as u32) * 86_400
            + hour * 3600
            + minute * 60
            + second;
        Ok(Timestamp {
            utc_seconds: local_seconds - i64::from(offset_seconds),
            offset_seconds,
        })
    }

    fn local_seconds(self) -> i64 {
        self.utc_seconds + i64::from(self.offset_seconds)
    }

    /// Day of the week in the research data's numbering: 0 = Saturday ... 6 = Friday.
    pub fn day_of_week(self) -> u8 {
        // 1970-01-01 was a Thursday, day 5 in this numbering.
        (self.local_seconds().div_euclid(86_400) + 5).rem_euclid(7) as u8
    }

    /// Hour of the day, 0-23, in the timestamp's own local time.
    pub fn hour(self) -> u8 {
        (self.local_seconds().rem_euclid(86_400) / 3600) as u8
    }

    /// Whole days from `earlier` to `self` (never negative), capped at `DAYS_CAP`.
    pub fn days_since(self, earlier: Timestamp) -> i64 {
        ((self.utc_seconds - earlier.utc_seconds).max(0) / 86_400).min(DAYS_CAP)
    }
}

/// An item's name and size as the export gives them (the latest order's wins).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemInfo {
    pub name: String,
    pub size: String,
}

/// A person's history read from an export.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PersonalHistory {
    pub format: ExportFormat,
    /// The orders as the features read them (`user_id` 1: an export is one person).
    pub orders: ShopperOrders,
    /// When each order (by order number, from 1) was placed.
    pub placed_at: Vec<Timestamp>,
    pub items: BTreeMap<u64, ItemInfo>,
}

impl PersonalHistory {
    /// The next order's context at `at`: its day and hour in `at`'s own local time, and the whole
    /// days since the latest order (capped at 30).
    pub fn next_order_at(&self, at: Timestamp) -> TargetOrder {
        TargetOrder {
            dow: at.day_of_week(),
            hour: at.hour(),
            days_since_prior: self
                .placed_at
                .last()
                .map(|last| at.days_since(*last) as f64),
            products: None,
        }
    }

    /// The history as the features read it, with the next order placed at `at`.
    pub fn user_at(&self, at: Timestamp) -> UserHistory {
        UserHistory {
            user_id: self.orders.user_id,
            orders: self.orders.orders.clone(),
            target: self.next_order_at(at),
        }
    }

    /// The moment `utc_seconds` written in the UTC offset of the latest order: "now" where the
    /// person shops, when no other time zone is known (the command line has no other).
    pub fn in_latest_offset(&self, utc_seconds: i64) -> Timestamp {
        Timestamp {
            utc_seconds,
            offset_seconds: self.placed_at.last().map_or(0, |last| last.offset_seconds),
        }
    }

    /// The product's name from the export (empty if it has none).
    pub fn name_of(&self, product_id: u64) -> &str {
        self.items
            .get(&product_id)
            .map_or("", |item| item.name.as_str())
    }
}

impl std::fmt::Display for Timestamp {
    /// ISO 8601 in the timestamp's own offset, to the second (`2024-03-01T18:05:00-05:00`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `YYYY-MM-DD HH:MM:SS` of the local time, then the offset.
        let local = crate::prediction_log::format_utc_datetime(self.local_seconds() * 1000);
        write!(f, "{}", local.replacen(' ', "T", 1))?;
        if self.offset_seconds == 0 {
            return write!(f, "Z");
        }
        let sign = if self.offset_seconds < 0 { '-' } else { '+' };
        let offset = self.offset_seconds.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", offset / 3600, offset % 3600 / 60)
    }
}

/// Whether a file is an export of `instacart-order-history-download` rather than one of the
/// research layouts: JSON, or a table whose header has the export's `order_date` and
/// `item_name` columns.
pub fn is_order_export(bytes: &[u8]) -> bool {
    let bytes = without_bom(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let bytes = &bytes[start..];
    if matches!(bytes.first(), Some(b'[' | b'{')) {
        return true;
    }
    let header_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let header = String::from_utf8_lossy(&bytes[..header_end]);
    let has = |name: &str| {
        header
            .split([',', '\t'])
            .any(|cell| cell.trim().trim_matches('"') == name)
    };
    has("order_date") && has("item_name")
}

/// Why an export cannot be read, naming the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderExportError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not UTF-8 text")]
    NotText,
    #[error("the {format} export has no column `{column}` (it needs {})", EXPORT_COLUMNS.join(", "))]
    MissingColumn {
        format: &'static str,
        column: &'static str,
    },
    #[error("line {line}, column `{column}`: {reason}")]
    Cell {
        line: u64,
        column: &'static str,
        reason: String,
    },
    #[error("line {line}: {reason}")]
    Row { line: u64, reason: String },
    #[error("the JSON export is not valid JSON: {0}")]
    Json(String),
    #[error("`{path}`: {reason}")]
    JsonField { path: String, reason: String },
    #[error("order {order_id} is given with two different times ({first} and {second})")]
    InconsistentOrder {
        order_id: String,
        first: String,
        second: String,
    },
    #[error("the export holds no orders with items")]
    NoOrders,
}

/// One item line of any format, before orders are assembled.
struct ItemLine {
    order_id: String,
    placed_at: Timestamp,
    placed_text: String,
    product_id: u64,
    info: ItemInfo,
}

/// Reads an export in any of the three formats, told apart by its content.
pub fn read_order_export(bytes: &[u8]) -> Result<PersonalHistory, OrderExportError> {
    let bytes = without_bom(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| OrderExportError::NotText)?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(OrderExportError::Empty);
    }
    let (format, lines) = if trimmed.starts_with('[') || trimmed.starts_with('{') {
        (ExportFormat::Json, json_items(trimmed)?)
    } else {
        let header = trimmed.lines().next().unwrap_or_default();
        let format = if header.contains('\t') {
            ExportFormat::Tsv
        } else {
            ExportFormat::Csv
        };
        (format, table_items(bytes, format)?)
    };
    assemble(format, lines)
}

fn table_items(bytes: &[u8], format: ExportFormat) -> Result<Vec<ItemLine>, OrderExportError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(if format == ExportFormat::Tsv {
            b'\t'
        } else {
            b','
        })
        .flexible(true)
        .from_reader(bytes);
    let header = reader
        .headers()
        .map_err(|error| OrderExportError::Row {
            line: 1,
            reason: error.to_string(),
        })?
        .clone();
    let mut columns = [0usize; 8];
    for (slot, name) in EXPORT_COLUMNS.iter().enumerate() {
        columns[slot] = header
            .iter()
            .position(|column| column.trim() == *name)
            .ok_or(OrderExportError::MissingColumn {
                format: format.name(),
                column: name,
            })?;
    }
    let mut items = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| OrderExportError::Row {
            line: error.position().map_or(0, |p| p.line()),
            reason: error.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |slot: usize| record.get(columns[slot]).unwrap_or("").trim();
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell_error = |slot: usize, reason: String| OrderExportError::Cell {
            line,
            column: EXPORT_COLUMNS[slot],
            reason,
        };
        let order_id = cell(0);
        if order_id.is_empty() {
            return Err(cell_error(0, "the cell is empty".to_owned()));
        }
        let placed_at =
            Timestamp::parse(cell(1)).map_err(|error| cell_error(1, error.to_string()))?;
        check_quantity(cell(5)).map_err(|error| cell_error(5, error.to_string()))?;
        let product_id = product_id(cell(7)).map_err(|error| cell_error(7, error.to_string()))?;
        items.push(ItemLine {
            order_id: order_id.to_owned(),
            placed_at,
            placed_text: cell(1).to_owned(),
            product_id,
            info: ItemInfo {
                name: cell(4).to_owned(),
                size: cell(6).to_owned(),
            },
        });
    }
    Ok(items)
}

fn product_id(text: &str) -> Result<u64, ItemCellError> {
    match parse_whole(text, u64::MAX) {
        Ok(Some(id)) if id > 0 => Ok(id),
        Ok(None) => Err(ItemCellError::Empty),
        _ => Err(ItemCellError::NotAProductId(text.to_owned())),
    }
}

fn check_quantity(text: &str) -> Result<(), ItemCellError> {
    match parse_file_value(text) {
        Ok(None) => Ok(()),
        Ok(Some(quantity)) if quantity > 0.0 => Ok(()),
        Ok(Some(_)) => Err(ItemCellError::QuantityNotPositive(text.to_owned())),
        Err(source) => Err(ItemCellError::QuantityUnreadable {
            text: text.to_owned(),
            source,
        }),
    }
}

fn json_items(text: &str) -> Result<Vec<ItemLine>, OrderExportError> {
    let value: Value =
        serde_json::from_str(text).map_err(|error| OrderExportError::Json(error.to_string()))?;
    let field_error = |path: String, reason: &str| OrderExportError::JsonField {
        path,
        reason: reason.to_owned(),
    };
    let orders = value
        .as_array()
        .ok_or_else(|| field_error("(top level)".to_owned(), "expected a list of orders"))?;
    let mut items = Vec::new();
    for (index, order) in orders.iter().enumerate() {
        let at = format!("[{index}]");
        let order = order
            .as_object()
            .ok_or_else(|| field_error(at.clone(), "expected an order object"))?;
        let status = order.get("status").and_then(Value::as_str).unwrap_or("");
        if status.eq_ignore_ascii_case("canceled") || status.eq_ignore_ascii_case("cancelled") {
            continue;
        }
        let order_id = match order.get("id") {
            Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_owned(),
            Some(Value::Number(id)) => id.to_string(),
            _ => return Err(field_error(format!("{at}.id"), "expected the order's id")),
        };
        let created = order
            .get("created_at")
            .and_then(Value::as_str)
            .ok_or_else(|| field_error(format!("{at}.created_at"), "expected a time"))?;
        let placed_at = Timestamp::parse(created).map_err(|error| OrderExportError::JsonField {
            path: format!("{at}.created_at"),
            reason: error.to_string(),
        })?;
        let deliveries = order
            .get("deliveries")
            .and_then(Value::as_array)
            .ok_or_else(|| field_error(format!("{at}.deliveries"), "expected a list"))?;
        for (d, delivery) in deliveries.iter().enumerate() {
            let list = delivery
                .get("items")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    field_error(format!("{at}.deliveries[{d}].items"), "expected a list")
                })?;
            for (i, item) in list.iter().enumerate() {
                let path = format!("{at}.deliveries[{d}].items[{i}]");
                let text_of = |key: &str| match item.get(key) {
                    Some(Value::String(text)) => text.trim().to_owned(),
                    Some(Value::Number(number)) => number.to_string(),
                    _ => String::new(),
                };
                let product_id = product_id(&text_of("product_id")).map_err(|error| {
                    OrderExportError::JsonField {
                        path: format!("{path}.product_id"),
                        reason: error.to_string(),
                    }
                })?;
                check_quantity(&text_of("quantity")).map_err(|error| {
                    OrderExportError::JsonField {
                        path: format!("{path}.quantity"),
                        reason: error.to_string(),
                    }
                })?;
                items.push(ItemLine {
                    order_id: order_id.clone(),
                    placed_at,
                    placed_text: created.to_owned(),
                    product_id,
                    info: ItemInfo {
                        name: text_of("name"),
                        size: text_of("size"),
                    },
                });
            }
        }
    }
    Ok(items)
}

fn assemble(
    format: ExportFormat,
    lines: Vec<ItemLine>,
) -> Result<PersonalHistory, OrderExportError> {
    // order id -> (time, its text, products in cart order)
    let mut orders: BTreeMap<String, (Timestamp, String, Vec<u64>)> = BTreeMap::new();
    let mut items: BTreeMap<u64, (Timestamp, ItemInfo)> = BTreeMap::new();
    for line in lines {
        let entry = orders
            .entry(line.order_id.clone())
            .or_insert_with(|| (line.placed_at, line.placed_text.clone(), Vec::new()));
        if entry.0 != line.placed_at {
            return Err(OrderExportError::InconsistentOrder {
                order_id: line.order_id,
                first: entry.1.clone(),
                second: line.placed_text,
            });
        }
        if !entry.2.contains(&line.product_id) {
            entry.2.push(line.product_id);
        }
        match items.get(&line.product_id) {
            Some((seen, _)) if *seen > line.placed_at => {}
            _ => {
                items.insert(line.product_id, (line.placed_at, line.info));
            }
        }
    }
    let mut ordered: Vec<(Timestamp, String, Vec<u64>)> = orders
        .into_iter()
        .filter(|(_, (_, _, products))| !products.is_empty())
        .map(|(id, (at, _, products))| (at, id, products))
        .collect();
    if ordered.is_empty() {
        return Err(OrderExportError::NoOrders);
    }
    ordered.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let mut past = Vec::with_capacity(ordered.len());
    let mut placed_at = Vec::with_capacity(ordered.len());
    let mut previous: Option<Timestamp> = None;
    for (number, (at, _, products)) in ordered.into_iter().enumerate() {
        past.push(PastOrder {
            order_number: number as u32 + 1,
            dow: at.day_of_week(),
            hour: at.hour(),
            days_since_prior: previous.map(|before| at.days_since(before) as f64),
            products,
        });
        placed_at.push(at);
        previous = Some(at);
    }
    Ok(PersonalHistory {
        format,
        orders: ShopperOrders {
            user_id: 1,
            orders: past,
        },
        placed_at,
        items: items
            .into_iter()
            .map(|(id, (_, info))| (id, info))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_their_local_day_and_hour() {
        // 2024-03-01 was a Friday: day 6 here. 23:30 at -05:00 is already Saturday in UTC.
        let t = Timestamp::parse("2024-03-01T23:30:00-05:00").expect("valid");
        assert_eq!((t.day_of_week(), t.hour()), (6, 23));
        let utc = Timestamp::parse("2024-03-02T04:30:00Z").expect("valid");
        assert_eq!(t.utc_seconds, utc.utc_seconds);
        assert_eq!((utc.day_of_week(), utc.hour()), (0, 4));
        let fractional = Timestamp::parse("2024-03-02 04:30:00.123456+0000").expect("valid");
        assert_eq!(fractional.utc_seconds, utc.utc_seconds);
        for bad in [
            "2024-02-30T00:00:00Z",
            "2024-03-01T10:00:00",
            "yesterday",
            "2024-03-01T25:00:00Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps_print_in_their_own_offset_and_read_back() {
        for text in [
            "2024-03-01T23:30:00-05:00",
            "2024-03-02T04:30:00Z",
            "2023-12-31T23:59:59+05:30",
        ] {
            let t = Timestamp::parse(text).expect("valid");
            assert_eq!(t.to_string(), text);
            assert_eq!(Timestamp::parse(&t.to_string()), Ok(t));
        }
    }

    #[test]
    fn exports_are_told_from_the_research_layouts_by_content() {
        assert!(is_order_export(b"\xef\xbb\xbf  [{\"id\": 1}]"));
        assert!(is_order_export(
            b"order_id,order_date,order_total,retailer,item_name,quantity,size,product_id\n"
        ));
        assert!(is_order_export(
            b"order_id\torder_date\titem_name\tproduct_id\n"
        ));
        assert!(!is_order_export(
            b"order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order\n"
        ));
        assert!(!is_order_export(b""));
    }

    #[test]
    fn days_between_orders_are_whole_and_capped() {
        let a = Timestamp::parse("2024-01-01T10:00:00Z").expect("valid");
        let b = Timestamp::parse("2024-01-03T09:59:59Z").expect("valid");
        let c = Timestamp::parse("2024-06-01T00:00:00Z").expect("valid");
        assert_eq!(b.days_since(a), 1);
        assert_eq!(c.days_since(a), 30);
        assert_eq!(a.days_since(b), 0);
    }
}
