//! Your own order history, as pure functions: a joined order-lines file (one row per product
//! in an order, like the Instacart sample: order_id, user_id, order_number, order_dow,
//! order_hour_of_day, days_since_prior_order, product_id, add_to_cart_order), or Kaggle's
//! orders.csv with an order_products file, read into each shopper's past orders. Cells follow
//! the order-file rules shared with `reorder features` (`features::order_cells`); the ranking
//! and baskets drawn from the orders are `crate::order_history::recommend`'s.

use std::collections::BTreeMap;

use crate::features::order_cells::{self, OrderCellError};
use crate::features::PastOrder;
use crate::input::upload::without_bom;

/// Columns the joined file must have (others, such as `reordered`, are ignored).
pub const REQUIRED_COLUMNS: [&str; 8] = [
    "order_id",
    "user_id",
    "order_number",
    "order_dow",
    "order_hour_of_day",
    "days_since_prior_order",
    "product_id",
    "add_to_cart_order",
];

/// Why an order-lines file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum OrderFileError {
    #[error("cannot read the CSV")]
    Read(#[source] csv::Error),
    #[error("missing column `{0}`")]
    MissingColumn(&'static str),
    #[error("line {line}, column `{column}`: {reason}")]
    Cell {
        line: u64,
        column: &'static str,
        reason: String,
    },
    #[error("line {line}: order {order_id} was already given with another user, number, day, hour or gap")]
    InconsistentOrder { line: u64, order_id: u64 },
    #[error("the file has no order lines")]
    Empty,
    #[error("{file}: {source}")]
    InFile {
        file: String,
        #[source]
        source: Box<OrderFileError>,
    },
    #[error("{file}, line {line}: order {order_id} is not in the orders file")]
    UnknownOrder {
        file: String,
        line: u64,
        order_id: u64,
    },
    #[error("give either one joined file, or an orders file (with user_id) and an order-lines file; got {0} files")]
    FileCount(usize),
}

fn in_file(file: &str) -> impl Fn(OrderFileError) -> OrderFileError + '_ {
    move |source| OrderFileError::InFile {
        file: file.to_owned(),
        source: Box::new(source),
    }
}

/// One shopper's past orders, by increasing order number.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShopperOrders {
    pub user_id: u64,
    pub orders: Vec<PastOrder>,
}

#[derive(PartialEq)]
struct OrderHead {
    user_id: u64,
    order_number: u32,
    dow: u8,
    hour: u8,
    days: Option<u16>,
}

/// A cell read by the order-file rules (`features::order_cells`), its refusal placed at
/// `line` and `column`.
fn read_cell<T>(
    read: fn(&str) -> Result<T, OrderCellError>,
    text: &str,
    line: u64,
    column: &'static str,
) -> Result<T, OrderFileError> {
    read(text).map_err(|error| OrderFileError::Cell {
        line,
        column,
        reason: error.to_string(),
    })
}

/// Finds each named column in a header.
fn find_columns<const N: usize>(
    header: &csv::StringRecord,
    names: [&'static str; N],
) -> Result<[usize; N], OrderFileError> {
    let mut columns = [0usize; N];
    for (slot, name) in names.iter().enumerate() {
        columns[slot] = header
            .iter()
            .position(|column| column.trim() == *name)
            .ok_or(OrderFileError::MissingColumn(name))?;
    }
    Ok(columns)
}

/// Parses the order part of a row: `cells` are order_id, user_id, order_number, order_dow,
/// order_hour_of_day, days_since_prior_order.
fn order_head(cells: [&str; 6], line: u64) -> Result<(u64, OrderHead), OrderFileError> {
    let order_id = read_cell(order_cells::id, cells[0], line, REQUIRED_COLUMNS[0])?;
    Ok((
        u64::from(order_id),
        OrderHead {
            user_id: u64::from(read_cell(
                order_cells::id,
                cells[1],
                line,
                REQUIRED_COLUMNS[1],
            )?),
            order_number: read_cell(
                order_cells::order_number,
                cells[2],
                line,
                REQUIRED_COLUMNS[2],
            )?,
            dow: read_cell(order_cells::order_dow, cells[3], line, REQUIRED_COLUMNS[3])?,
            hour: read_cell(
                order_cells::order_hour_of_day,
                cells[4],
                line,
                REQUIRED_COLUMNS[4],
            )?,
            days: read_cell(
                order_cells::days_since_prior_order,
                cells[5],
                line,
                REQUIRED_COLUMNS[5],
            )?,
        },
    ))
}

/// Records an order's head, refusing a second, different head for the same order.
fn remember(
    heads: &mut BTreeMap<u64, OrderHead>,
    order_id: u64,
    head: OrderHead,
    line: u64,
) -> Result<(), OrderFileError> {
    match heads.get(&order_id) {
        Some(known) if *known != head => Err(OrderFileError::InconsistentOrder { line, order_id }),
        Some(_) => Ok(()),
        None => {
            heads.insert(order_id, head);
            Ok(())
        }
    }
}

/// Parses the line part of a row: product_id and add_to_cart_order.
fn order_line(cells: [&str; 2], line: u64) -> Result<(u32, u64), OrderFileError> {
    Ok((
        read_cell(
            order_cells::add_to_cart_order,
            cells[1],
            line,
            REQUIRED_COLUMNS[7],
        )?,
        u64::from(read_cell(
            order_cells::id,
            cells[0],
            line,
            REQUIRED_COLUMNS[6],
        )?),
    ))
}

/// Reads a joined order-lines file into shoppers (by increasing user id).
pub fn read_order_lines(bytes: &[u8]) -> Result<Vec<ShopperOrders>, OrderFileError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(without_bom(bytes));
    let header = reader.headers().map_err(OrderFileError::Read)?.clone();
    let columns = find_columns(&header, REQUIRED_COLUMNS)?;
    let mut heads: BTreeMap<u64, OrderHead> = BTreeMap::new();
    // order_id -> (add_to_cart_order, product_id)
    let mut lines: BTreeMap<u64, Vec<(u32, u64)>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(OrderFileError::Read)?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |slot: usize| record.get(columns[slot]).unwrap_or("");
        let (order_id, head) =
            order_head([cell(0), cell(1), cell(2), cell(3), cell(4), cell(5)], line)?;
        let product_line = order_line([cell(6), cell(7)], line)?;
        remember(&mut heads, order_id, head, line)?;
        lines.entry(order_id).or_default().push(product_line);
    }
    build_shoppers(heads, lines)
}

/// Reads Kaggle-layout files: an orders file (order_id, user_id, order_number, order_dow,
/// order_hour_of_day, days_since_prior_order) and an order-lines file (order_id, product_id,
/// add_to_cart_order). Orders without lines (Kaggle's train and test orders when only the prior
/// lines are given) are left out.
pub fn read_orders_and_lines(
    orders_name: &str,
    orders: &[u8],
    lines_name: &str,
    order_lines: &[u8],
) -> Result<Vec<ShopperOrders>, OrderFileError> {
    let mut heads: BTreeMap<u64, OrderHead> = BTreeMap::new();
    {
        let mut reader = csv::ReaderBuilder::new().from_reader(without_bom(orders));
        let header = reader
            .headers()
            .map_err(OrderFileError::Read)
            .map_err(in_file(orders_name))?
            .clone();
        let columns = find_columns(
            &header,
            [
                REQUIRED_COLUMNS[0],
                REQUIRED_COLUMNS[1],
                REQUIRED_COLUMNS[2],
                REQUIRED_COLUMNS[3],
                REQUIRED_COLUMNS[4],
                REQUIRED_COLUMNS[5],
            ],
        )
        .map_err(in_file(orders_name))?;
        for record in reader.records() {
            let record = record
                .map_err(OrderFileError::Read)
                .map_err(in_file(orders_name))?;
            let line = record.position().map_or(0, |p| p.line());
            let cell = |slot: usize| record.get(columns[slot]).unwrap_or("");
            let (order_id, head) =
                order_head([cell(0), cell(1), cell(2), cell(3), cell(4), cell(5)], line)
                    .map_err(in_file(orders_name))?;
            remember(&mut heads, order_id, head, line).map_err(in_file(orders_name))?;
        }
    }
    let mut lines: BTreeMap<u64, Vec<(u32, u64)>> = BTreeMap::new();
    let mut reader = csv::ReaderBuilder::new().from_reader(without_bom(order_lines));
    let header = reader
        .headers()
        .map_err(OrderFileError::Read)
        .map_err(in_file(lines_name))?
        .clone();
    let columns = find_columns(
        &header,
        [
            REQUIRED_COLUMNS[0],
            REQUIRED_COLUMNS[6],
            REQUIRED_COLUMNS[7],
        ],
    )
    .map_err(in_file(lines_name))?;
    for record in reader.records() {
        let record = record
            .map_err(OrderFileError::Read)
            .map_err(in_file(lines_name))?;
        let line = record.position().map_or(0, |p| p.line());
        let cell = |slot: usize| record.get(columns[slot]).unwrap_or("");
        let order_id = u64::from(
            read_cell(order_cells::id, cell(0), line, REQUIRED_COLUMNS[0])
                .map_err(in_file(lines_name))?,
        );
        if !heads.contains_key(&order_id) {
            return Err(OrderFileError::UnknownOrder {
                file: lines_name.to_owned(),
                line,
                order_id,
            });
        }
        let product_line = order_line([cell(1), cell(2)], line).map_err(in_file(lines_name))?;
        lines.entry(order_id).or_default().push(product_line);
    }
    heads.retain(|order_id, _| lines.contains_key(order_id));
    build_shoppers(heads, lines)
}

/// Reads what the user uploaded: one joined file, or an orders file (the one whose header
/// names `user_id`) and an order-lines file, given as (name, bytes).
pub fn read_uploaded(files: &[(String, Vec<u8>)]) -> Result<Vec<ShopperOrders>, OrderFileError> {
    match files {
        [(name, bytes)] => read_order_lines(bytes).map_err(in_file(name)),
        [first, second] => {
            let names_user = |bytes: &[u8]| {
                csv::ReaderBuilder::new()
                    .from_reader(without_bom(bytes))
                    .headers()
                    .map(|header| header.iter().any(|column| column.trim() == "user_id"))
                    .unwrap_or(false)
            };
            let (orders, lines) = if names_user(&first.1) {
                (first, second)
            } else {
                (second, first)
            };
            read_orders_and_lines(&orders.0, &orders.1, &lines.0, &lines.1)
        }
        other => Err(OrderFileError::FileCount(other.len())),
    }
}

fn build_shoppers(
    heads: BTreeMap<u64, OrderHead>,
    mut lines: BTreeMap<u64, Vec<(u32, u64)>>,
) -> Result<Vec<ShopperOrders>, OrderFileError> {
    if heads.is_empty() {
        return Err(OrderFileError::Empty);
    }
    let mut shoppers: BTreeMap<u64, Vec<PastOrder>> = BTreeMap::new();
    for (order_id, head) in heads {
        let mut products = lines.remove(&order_id).unwrap_or_default();
        products.sort();
        let mut seen = Vec::with_capacity(products.len());
        for (_, product) in products {
            if !seen.contains(&product) {
                seen.push(product);
            }
        }
        shoppers.entry(head.user_id).or_default().push(PastOrder {
            order_number: head.order_number,
            dow: head.dow,
            hour: head.hour,
            days_since_prior: head.days.map(f64::from),
            products: seen,
        });
    }
    Ok(shoppers
        .into_iter()
        .map(|(user_id, mut orders)| {
            orders.sort_by_key(|order| order.order_number);
            ShopperOrders { user_id, orders }
        })
        .collect())
}
