//! The full Instacart tables (Kaggle layout) in columnar form: parsing with errors that name
//! file, line and column, grouping order lines by order and orders by shopper, building the
//! catalog from every prior order, and handing each shopper to `candidates` one at a time.
//!
//! Built for the full dataset (32M order lines, 206k shoppers): integer columns, no per-row
//! strings, lines grouped by a counting sort on order row, ids mapped through dense vectors.
//! The caller opens the files; this module only reads from the readers it is given.

use std::collections::HashMap;
use std::io::Read;

use super::candidates::{by_product, user_lines};
use super::catalog::{Catalog, CatalogData, GroupColumns, ProductColumns};
use super::order_cells::{self, OrderCellError};
use super::shopper::{PastOrder, TargetOrder, UserHistory};
use super::FeatureError;
use crate::input::upload::SkipBom;

/// A CSV to read, with the name its errors should carry (usually its path).
pub struct CsvSource<R> {
    pub name: String,
    pub reader: R,
}

/// The Kaggle files. The target order of a shopper is their `train` order; shoppers without one
/// (Kaggle's `test` shoppers) still count in the catalog but get no candidate rows.
pub struct InstacartSources<R> {
    /// orders.csv: order_id, user_id, eval_set, order_number, order_dow, order_hour_of_day,
    /// days_since_prior_order.
    pub orders: CsvSource<R>,
    /// order_products__prior.csv: order_id, product_id, add_to_cart_order.
    pub prior_lines: CsvSource<R>,
    /// order_products__train.csv: the target baskets, same columns.
    pub train_lines: CsvSource<R>,
    /// products.csv: product_id, aisle_id, department_id (either may be empty = unknown).
    pub products: CsvSource<R>,
    /// aisles.csv: aisle_id, aisle (optional: names only).
    pub aisles: Option<CsvSource<R>>,
    /// departments.csv: department_id, department (optional: names only).
    pub departments: Option<CsvSource<R>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EvalSet {
    Prior,
    Train,
    Test,
}

/// Maps an integer id to its row: a dense vector when ids are compact, a hash map otherwise.
enum IdIndex {
    Dense(Vec<u32>),
    Sparse(HashMap<u32, u32>),
}

const NO_ROW: u32 = u32::MAX;

impl IdIndex {
    /// `None` if an id occurs twice (the duplicate's position is returned as `Err`).
    fn build(ids: &[u32]) -> Result<IdIndex, usize> {
        let max = ids.iter().copied().max().unwrap_or(0) as usize;
        if max <= ids.len().saturating_mul(8).saturating_add(1 << 20) {
            let mut rows = vec![NO_ROW; max + 1];
            for (row, &id) in ids.iter().enumerate() {
                let slot = &mut rows[id as usize];
                if *slot != NO_ROW {
                    return Err(row);
                }
                *slot = row as u32;
            }
            Ok(IdIndex::Dense(rows))
        } else {
            let mut rows = HashMap::with_capacity(ids.len());
            for (row, &id) in ids.iter().enumerate() {
                if rows.insert(id, row as u32).is_some() {
                    return Err(row);
                }
            }
            Ok(IdIndex::Sparse(rows))
        }
    }

    fn row(&self, id: u32) -> Option<usize> {
        match self {
            IdIndex::Dense(rows) => rows
                .get(id as usize)
                .copied()
                .filter(|&row| row != NO_ROW)
                .map(|row| row as usize),
            IdIndex::Sparse(rows) => rows.get(&id).map(|&row| row as usize),
        }
    }
}

/// A CSV reader that knows its file's name and where its columns are.
struct Table<R: Read> {
    name: String,
    reader: csv::Reader<SkipBom<R>>,
}

impl<R: Read> Table<R> {
    fn open(source: CsvSource<R>) -> Table<R> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(SkipBom::new(source.reader));
        Table {
            name: source.name,
            reader,
        }
    }

    fn column(&mut self, column: &'static str) -> Result<usize, FeatureError> {
        let headers = self
            .reader
            .byte_headers()
            .map_err(|source| read_error(&self.name, source))?;
        headers
            .iter()
            .position(|header| trim_bom(header) == column.as_bytes())
            .ok_or_else(|| FeatureError::MissingColumn {
                file: self.name.clone(),
                column,
            })
    }

    fn optional_column(&mut self, column: &'static str) -> Result<Option<usize>, FeatureError> {
        match self.column(column) {
            Ok(index) => Ok(Some(index)),
            Err(FeatureError::MissingColumn { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Calls `row` for every record with its line number.
    fn for_each(
        &mut self,
        mut row: impl FnMut(&csv::ByteRecord, u64) -> Result<(), FeatureError>,
    ) -> Result<(), FeatureError> {
        let mut record = csv::ByteRecord::new();
        loop {
            match self.reader.read_byte_record(&mut record) {
                Ok(true) => {
                    let line = record.position().map_or(0, |position| position.line());
                    row(&record, line)?;
                }
                Ok(false) => return Ok(()),
                Err(source) => return Err(read_error(&self.name, source)),
            }
        }
    }
}

fn trim_bom(header: &[u8]) -> &[u8] {
    header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header)
}

fn read_error(file: &str, source: csv::Error) -> FeatureError {
    FeatureError::Read {
        file: file.to_string(),
        source,
    }
}

/// Reads one field of a record, with the context needed for a precise error.
struct Field<'a> {
    file: &'a str,
    line: u64,
    column: &'static str,
    text: &'a [u8],
}

impl Field<'_> {
    fn error(&self, message: String) -> FeatureError {
        FeatureError::Csv {
            file: self.file.to_string(),
            line: self.line,
            column: self.column,
            message,
        }
    }

    fn shown(&self) -> String {
        String::from_utf8_lossy(self.text).into_owned()
    }

    fn is_empty(&self) -> bool {
        self.text.iter().all(u8::is_ascii_whitespace)
    }

    /// The cell as text, read by one of the order-file rules (`order_cells`).
    fn read<T>(&self, rule: fn(&str) -> Result<T, OrderCellError>) -> Result<T, FeatureError> {
        let text = std::str::from_utf8(self.text)
            .map_err(|_| self.error("is not valid UTF-8".to_string()))?;
        rule(text).map_err(|error| self.error(error.to_string()))
    }

    /// An id, or `None` for an empty cell.
    fn optional_id(&self) -> Result<Option<u32>, FeatureError> {
        if self.is_empty() {
            Ok(None)
        } else {
            self.read(order_cells::id).map(Some)
        }
    }
}

fn field<'a>(
    file: &'a str,
    record: &'a csv::ByteRecord,
    line: u64,
    index: usize,
    column: &'static str,
) -> Field<'a> {
    Field {
        file,
        line,
        column,
        text: record.get(index).unwrap_or(b""),
    }
}

struct OrderColumns {
    order_id: Vec<u32>,
    user_id: Vec<u32>,
    eval_set: Vec<EvalSet>,
    order_number: Vec<u32>,
    dow: Vec<u8>,
    hour: Vec<u8>,
    days_since_prior: Vec<f64>,
}

struct ProductTable {
    product_id: Vec<u32>,
    aisle_id: Vec<Option<u32>>,
    department_id: Vec<Option<u32>>,
    index: IdIndex,
}

/// The parsed tables, grouped for per-shopper work.
pub struct InstacartData {
    orders: OrderColumns,
    /// Order rows sorted by (user_id, order_number).
    order_sequence: Vec<u32>,
    /// `order_sequence` ranges, one per shopper.
    users: Vec<(usize, usize)>,
    /// Lines of order row r are `line_products[line_start[r]..line_start[r + 1]]`, in cart order.
    line_start: Vec<usize>,
    line_products: Vec<u32>,
    products: ProductTable,
    aisle_names: Vec<(u32, String)>,
    department_names: Vec<(u32, String)>,
}

fn read_orders<R: Read>(source: CsvSource<R>) -> Result<OrderColumns, FeatureError> {
    let mut table = Table::open(source);
    let order_id = table.column("order_id")?;
    let user_id = table.column("user_id")?;
    let eval_set = table.column("eval_set")?;
    let order_number = table.column("order_number")?;
    let dow = table.column("order_dow")?;
    let hour = table.column("order_hour_of_day")?;
    let days = table.column("days_since_prior_order")?;
    let mut orders = OrderColumns {
        order_id: Vec::new(),
        user_id: Vec::new(),
        eval_set: Vec::new(),
        order_number: Vec::new(),
        dow: Vec::new(),
        hour: Vec::new(),
        days_since_prior: Vec::new(),
    };
    let name = table.name.clone();
    table.for_each(|record, line| {
        let get = |index, column| field(&name, record, line, index, column);
        orders
            .order_id
            .push(get(order_id, "order_id").read(order_cells::id)?);
        orders
            .user_id
            .push(get(user_id, "user_id").read(order_cells::id)?);
        let set = get(eval_set, "eval_set");
        orders.eval_set.push(match set.text {
            b"prior" => EvalSet::Prior,
            b"train" => EvalSet::Train,
            b"test" => EvalSet::Test,
            _ => {
                return Err(set.error(format!(
                    "unknown eval_set `{}`: expected prior, train or test",
                    set.shown()
                )))
            }
        });
        orders
            .order_number
            .push(get(order_number, "order_number").read(order_cells::order_number)?);
        orders
            .dow
            .push(get(dow, "order_dow").read(order_cells::order_dow)?);
        orders
            .hour
            .push(get(hour, "order_hour_of_day").read(order_cells::order_hour_of_day)?);
        orders.days_since_prior.push(
            get(days, "days_since_prior_order")
                .read(order_cells::days_since_prior_order)?
                .map_or(f64::NAN, f64::from),
        );
        Ok(())
    })?;
    Ok(orders)
}

fn read_products<R: Read>(source: CsvSource<R>) -> Result<ProductTable, FeatureError> {
    let mut table = Table::open(source);
    let product_id = table.column("product_id")?;
    let aisle_id = table.column("aisle_id")?;
    let department_id = table.column("department_id")?;
    let mut rows: Vec<(u32, Option<u32>, Option<u32>, u64)> = Vec::new();
    let name = table.name.clone();
    table.for_each(|record, line| {
        let get = |index, column| field(&name, record, line, index, column);
        rows.push((
            get(product_id, "product_id").read(order_cells::id)?,
            get(aisle_id, "aisle_id").optional_id()?,
            get(department_id, "department_id").optional_id()?,
            line,
        ));
        Ok(())
    })?;
    rows.sort_unstable_by_key(|row| row.0);
    if let Some(pair) = rows.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(FeatureError::Csv {
            file: name,
            line: pair[0].3.max(pair[1].3),
            column: "product_id",
            message: format!("product_id {} occurs twice", pair[0].0),
        });
    }
    let product_id: Vec<u32> = rows.iter().map(|row| row.0).collect();
    let index = IdIndex::build(&product_id).map_err(|_| FeatureError::Csv {
        file: name.clone(),
        line: 0,
        column: "product_id",
        message: "duplicate product_id".to_string(),
    })?;
    Ok(ProductTable {
        aisle_id: rows.iter().map(|row| row.1).collect(),
        department_id: rows.iter().map(|row| row.2).collect(),
        product_id,
        index,
    })
}

fn read_names<R: Read>(
    source: CsvSource<R>,
    id_column: &'static str,
    name_column: &'static str,
) -> Result<Vec<(u32, String)>, FeatureError> {
    let mut table = Table::open(source);
    let id = table.column(id_column)?;
    let label = table.optional_column(name_column)?;
    let mut names = Vec::new();
    let file = table.name.clone();
    table.for_each(|record, line| {
        let id = field(&file, record, line, id, id_column).read(order_cells::id)?;
        let text = label
            .and_then(|index| record.get(index))
            .map(|bytes| String::from_utf8_lossy(bytes).trim().to_string())
            .unwrap_or_default();
        names.push((id, text));
        Ok(())
    })?;
    names.sort_by_key(|entry| entry.0);
    names.dedup_by_key(|entry| entry.0);
    Ok(names)
}

/// Order lines: (order row, product row, cart position), checked against orders and products.
fn read_lines<R: Read>(
    source: CsvSource<R>,
    expected: EvalSet,
    orders: &OrderColumns,
    order_index: &IdIndex,
    products: &ProductTable,
    lines: &mut Vec<(u32, u32, u32)>,
) -> Result<(), FeatureError> {
    let mut table = Table::open(source);
    let order_id = table.column("order_id")?;
    let product_id = table.column("product_id")?;
    let cart = table.column("add_to_cart_order")?;
    let name = table.name.clone();
    let expected_name = match expected {
        EvalSet::Prior => "prior",
        EvalSet::Train => "train",
        EvalSet::Test => "test",
    };
    table.for_each(|record, line| {
        let get = |index, column| field(&name, record, line, index, column);
        let order_field = get(order_id, "order_id");
        let order = order_field.read(order_cells::id)?;
        let Some(order_row) = order_index.row(order) else {
            return Err(order_field.error(format!("order_id {order} is not in orders.csv")));
        };
        if orders.eval_set[order_row] != expected {
            return Err(order_field.error(format!(
                "order_id {order} is not a `{expected_name}` order in orders.csv"
            )));
        }
        let product_field = get(product_id, "product_id");
        let product = product_field.read(order_cells::id)?;
        let Some(product_row) = products.index.row(product) else {
            return Err(product_field.error(format!("product_id {product} is not in products.csv")));
        };
        let position = get(cart, "add_to_cart_order").read(order_cells::add_to_cart_order)?;
        lines.push((order_row as u32, product_row as u32, position));
        Ok(())
    })
}

impl InstacartData {
    /// Parses and groups the tables.
    pub fn read<R: Read>(sources: InstacartSources<R>) -> Result<InstacartData, FeatureError> {
        let products = read_products(sources.products)?;
        let aisle_names = match sources.aisles {
            Some(source) => read_names(source, "aisle_id", "aisle")?,
            None => Vec::new(),
        };
        let department_names = match sources.departments {
            Some(source) => read_names(source, "department_id", "department")?,
            None => Vec::new(),
        };
        let orders_name = sources.orders.name.clone();
        let orders = read_orders(sources.orders)?;
        let order_index = IdIndex::build(&orders.order_id).map_err(|row| FeatureError::Csv {
            file: orders_name.clone(),
            line: row as u64 + 2,
            column: "order_id",
            message: format!("order_id {} occurs twice", orders.order_id[row]),
        })?;
        let mut lines = Vec::new();
        read_lines(
            sources.prior_lines,
            EvalSet::Prior,
            &orders,
            &order_index,
            &products,
            &mut lines,
        )?;
        read_lines(
            sources.train_lines,
            EvalSet::Train,
            &orders,
            &order_index,
            &products,
            &mut lines,
        )?;
        drop(order_index);

        // Counting sort of lines by order row, then cart order within each order.
        let order_count = orders.order_id.len();
        let mut line_start = vec![0usize; order_count + 1];
        for &(order_row, _, _) in &lines {
            line_start[order_row as usize + 1] += 1;
        }
        for row in 0..order_count {
            line_start[row + 1] += line_start[row];
        }
        let mut next = line_start.clone();
        let mut placed = vec![(0u32, 0u32); lines.len()];
        for &(order_row, product_row, position) in &lines {
            let slot = &mut next[order_row as usize];
            placed[*slot] = (position, products.product_id[product_row as usize]);
            *slot += 1;
        }
        drop(lines);
        for row in 0..order_count {
            placed[line_start[row]..line_start[row + 1]].sort_unstable();
        }
        let line_products = placed.into_iter().map(|(_, product)| product).collect();

        let mut order_sequence: Vec<u32> = (0..order_count as u32).collect();
        order_sequence.sort_unstable_by_key(|&row| {
            (
                orders.user_id[row as usize],
                orders.order_number[row as usize],
            )
        });
        let mut users = Vec::new();
        let mut start = 0;
        while start < order_sequence.len() {
            let user = orders.user_id[order_sequence[start] as usize];
            let mut end = start + 1;
            while end < order_sequence.len() && orders.user_id[order_sequence[end] as usize] == user
            {
                end += 1;
            }
            users.push((start, end));
            start = end;
        }
        Ok(InstacartData {
            orders,
            order_sequence,
            users,
            line_start,
            line_products,
            products,
            aisle_names,
            department_names,
        })
    }

    /// Number of shoppers in orders.csv (with or without a target order).
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    fn past_order(&self, row: usize) -> PastOrder {
        let days = self.orders.days_since_prior[row];
        PastOrder {
            order_number: self.orders.order_number[row],
            dow: self.orders.dow[row],
            hour: self.orders.hour[row],
            days_since_prior: (!days.is_nan()).then_some(days),
            products: self
                .products_of(row)
                .iter()
                .map(|&id| u64::from(id))
                .collect(),
        }
    }

    fn products_of(&self, row: usize) -> &[u32] {
        &self.line_products[self.line_start[row]..self.line_start[row + 1]]
    }

    fn prior_rows(&self, user: usize) -> impl Iterator<Item = usize> + '_ {
        let (start, end) = self.users[user];
        self.order_sequence[start..end]
            .iter()
            .map(|&row| row as usize)
            .filter(|&row| self.orders.eval_set[row] == EvalSet::Prior)
    }

    /// The `user`-th shopper (by increasing user id) with their prior orders and their `train`
    /// order as the target; `None` for shoppers without a `train` order (or past the last).
    pub fn user_history(&self, user: usize) -> Result<Option<UserHistory>, FeatureError> {
        let Some(&(start, end)) = self.users.get(user) else {
            return Ok(None);
        };
        let rows = &self.order_sequence[start..end];
        let Some(&target_row) = rows
            .iter()
            .find(|&&row| self.orders.eval_set[row as usize] == EvalSet::Train)
        else {
            return Ok(None);
        };
        let target_row = target_row as usize;
        let user_id = u64::from(self.orders.user_id[target_row]);
        let target_number = self.orders.order_number[target_row];
        let orders: Vec<PastOrder> = self
            .prior_rows(user)
            .map(|row| self.past_order(row))
            .collect();
        if let Some(late) = orders
            .iter()
            .find(|order| order.order_number >= target_number)
        {
            return Err(FeatureError::InvalidHistory {
                user_id,
                message: format!(
                    "prior order_number {} is not before the train order (order_number {target_number})",
                    late.order_number
                ),
            });
        }
        let days = self.orders.days_since_prior[target_row];
        Ok(Some(UserHistory {
            user_id,
            orders,
            target: TargetOrder {
                dow: self.orders.dow[target_row],
                hour: self.orders.hour[target_row],
                days_since_prior: (!days.is_nan()).then_some(days),
                products: Some(
                    self.products_of(target_row)
                        .iter()
                        .map(|&id| u64::from(id))
                        .collect(),
                ),
            },
        }))
    }

    /// The catalog over every prior order of every shopper (no target order is read).
    pub fn catalog(&self) -> Result<Catalog, FeatureError> {
        let product_count = self.products.product_id.len();
        let mut products = ProductColumns {
            product_id: self
                .products
                .product_id
                .iter()
                .map(|&id| u64::from(id))
                .collect(),
            aisle_id: self.products.aisle_id.clone(),
            department_id: self.products.department_id.clone(),
            orders: vec![0; product_count],
            reorders: vec![0; product_count],
            users: vec![0; product_count],
            repeat_users: vec![0; product_count],
            cart_position_sum: vec![0; product_count],
        };
        let mut aisles = GroupAccumulator::new(&self.products.aisle_id, &self.aisle_names);
        let mut departments =
            GroupAccumulator::new(&self.products.department_id, &self.department_names);

        for user in 0..self.users.len() {
            let orders: Vec<PastOrder> = self
                .prior_rows(user)
                .map(|row| self.past_order(row))
                .collect();
            let lines = user_lines(&orders);
            let sorted = by_product(&lines);
            let mut start = 0;
            while start < sorted.len() {
                let product = lines[sorted[start]].product;
                let mut end = start + 1;
                while end < sorted.len() && lines[sorted[end]].product == product {
                    end += 1;
                }
                let times = (end - start) as u64;
                let row = self.products.index.row(product as u32).ok_or_else(|| {
                    FeatureError::InvalidCatalog(format!("product {product} lost while grouping"))
                })?;
                products.orders[row] += times;
                products.reorders[row] += times - 1;
                products.users[row] += 1;
                products.repeat_users[row] += u64::from(times >= 2);
                products.cart_position_sum[row] += sorted[start..end]
                    .iter()
                    .map(|&index| u64::from(lines[index].cart))
                    .sum::<u64>();
                aisles.add_product_lines(row, times);
                departments.add_product_lines(row, times);
                start = end;
            }
            aisles.finish_user(&lines, &self.products);
            departments.finish_user(&lines, &self.products);
        }
        aisles.count_products(&products.orders);
        departments.count_products(&products.orders);
        Catalog::new(CatalogData {
            products,
            aisles: aisles.into_columns(),
            departments: departments.into_columns(),
        })
    }
}

/// Aisle or department counts, accumulated shopper by shopper.
struct GroupAccumulator {
    columns: GroupColumns,
    /// Group row of each product row.
    row_of_product: Vec<Option<usize>>,
    scratch: Vec<usize>,
}

impl GroupAccumulator {
    fn new(group_of: &[Option<u32>], names: &[(u32, String)]) -> GroupAccumulator {
        let mut ids: Vec<u32> = group_of.iter().flatten().copied().collect();
        ids.extend(names.iter().map(|entry| entry.0));
        ids.sort_unstable();
        ids.dedup();
        let rows = ids.len();
        let name = ids
            .iter()
            .map(|id| {
                names
                    .binary_search_by_key(id, |entry| entry.0)
                    .ok()
                    .map(|index| names[index].1.clone())
                    .filter(|text| !text.is_empty())
            })
            .collect();
        let row_of_product = group_of
            .iter()
            .map(|group| group.and_then(|id| ids.binary_search(&id).ok()))
            .collect();
        GroupAccumulator {
            columns: GroupColumns {
                id: ids,
                name,
                orders: vec![0; rows],
                lines: vec![0; rows],
                reorders: vec![0; rows],
                products: vec![0; rows],
                users: vec![0; rows],
            },
            row_of_product,
            scratch: Vec::new(),
        }
    }

    fn add_product_lines(&mut self, product_row: usize, times: u64) {
        if let Some(row) = self.row_of_product[product_row] {
            self.columns.lines[row] += times;
            self.columns.reorders[row] += times - 1;
        }
    }

    /// Counts the shopper once per group they bought from and each order once per group in it.
    fn finish_user(&mut self, lines: &[super::candidates::Line], products: &ProductTable) {
        let group_row = |product: u64| {
            products
                .index
                .row(product as u32)
                .and_then(|row| self.row_of_product[row])
        };
        let mut user_groups: Vec<usize> =
            lines.iter().filter_map(|l| group_row(l.product)).collect();
        user_groups.sort_unstable();
        user_groups.dedup();
        for row in user_groups {
            self.columns.users[row] += 1;
        }
        let mut start = 0;
        while start < lines.len() {
            let order = lines[start].order;
            let mut end = start;
            self.scratch.clear();
            while end < lines.len() && lines[end].order == order {
                if let Some(row) = group_row(lines[end].product) {
                    self.scratch.push(row);
                }
                end += 1;
            }
            self.scratch.sort_unstable();
            self.scratch.dedup();
            for &row in &self.scratch {
                self.columns.orders[row] += 1;
            }
            start = end;
        }
    }

    fn count_products(&mut self, product_orders: &[u64]) {
        for (product_row, &orders) in product_orders.iter().enumerate() {
            if orders > 0 {
                if let Some(row) = self.row_of_product[product_row] {
                    self.columns.products[row] += 1;
                }
            }
        }
    }

    fn into_columns(self) -> GroupColumns {
        self.columns
    }
}
