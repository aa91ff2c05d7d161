//! The product catalog: per product its aisle, department and popularity counts over every
//! shopper's prior orders; per aisle and department their counts and names where known.
//!
//! It is built once from the full tables (`tables::InstacartData::catalog`) and shipped to the
//! browser as `assets/catalog.json`. It stores integer counts, not rates: rates are divided out
//! by the feature code, so the JSON stays small and both paths compute them identically.
//! Columns are stored side by side (one JSON array per field) and rows sorted by id.

use serde::{Deserialize, Serialize};

use super::FeatureError;

/// Per-product columns, rows sorted by `product_id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductColumns {
    pub product_id: Vec<u64>,
    /// `None` when the product's aisle is not known.
    pub aisle_id: Vec<Option<u32>>,
    /// `None` when the product's department is not known.
    pub department_id: Vec<Option<u32>>,
    /// Prior orders containing the product.
    pub orders: Vec<u64>,
    /// Of those, orders whose shopper had bought the product before.
    pub reorders: Vec<u64>,
    /// Shoppers who bought the product.
    pub users: Vec<u64>,
    /// Shoppers who bought the product in at least two prior orders.
    pub repeat_users: Vec<u64>,
    /// Sum of the product's cart positions (1 = first) over its prior orders.
    pub cart_position_sum: Vec<u64>,
}

/// Per-aisle or per-department columns, rows sorted by `id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupColumns {
    pub id: Vec<u32>,
    pub name: Vec<Option<String>>,
    /// Prior orders with at least one product of the group.
    pub orders: Vec<u64>,
    /// Prior order lines (one per product and order) of the group.
    pub lines: Vec<u64>,
    /// Of those, lines whose shopper had bought the product before.
    pub reorders: Vec<u64>,
    /// Distinct products of the group bought in prior orders.
    pub products: Vec<u64>,
    /// Distinct shoppers who bought from the group.
    pub users: Vec<u64>,
}

/// The serialized form of a catalog.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogData {
    pub products: ProductColumns,
    pub aisles: GroupColumns,
    pub departments: GroupColumns,
}

/// A checked catalog with its derived popularity ranks.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    data: CatalogData,
    aisle_rank: Vec<u32>,
    department_rank: Vec<u32>,
}

/// One product's catalog entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProductStats {
    pub aisle_id: Option<u32>,
    pub department_id: Option<u32>,
    pub orders: u64,
    pub reorders: u64,
    pub users: u64,
    pub repeat_users: u64,
    pub cart_position_sum: u64,
}

/// One aisle's or department's catalog entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupStats {
    pub orders: u64,
    pub lines: u64,
    pub reorders: u64,
    pub products: u64,
    pub users: u64,
    /// 1 = most orders; ties go to the lower id.
    pub popularity_rank: u32,
}

impl Catalog {
    /// Checks the columns (equal lengths, ids strictly increasing, every aisle and department a
    /// product refers to present) and derives the popularity ranks.
    pub fn new(data: CatalogData) -> Result<Catalog, FeatureError> {
        let products = &data.products;
        let rows = products.product_id.len();
        let product_lengths = [
            ("aisle_id", products.aisle_id.len()),
            ("department_id", products.department_id.len()),
            ("orders", products.orders.len()),
            ("reorders", products.reorders.len()),
            ("users", products.users.len()),
            ("repeat_users", products.repeat_users.len()),
            ("cart_position_sum", products.cart_position_sum.len()),
        ];
        for (column, length) in product_lengths {
            if length != rows {
                return Err(FeatureError::InvalidCatalog(format!(
                    "products.{column} has {length} entries but products.product_id has {rows}"
                )));
            }
        }
        check_increasing("products.product_id", &products.product_id)?;
        check_group("aisles", &data.aisles)?;
        check_group("departments", &data.departments)?;
        for (row, (aisle, department)) in products
            .aisle_id
            .iter()
            .zip(&products.department_id)
            .enumerate()
        {
            let product_id = products.product_id[row];
            if let Some(aisle) = aisle {
                if data.aisles.id.binary_search(aisle).is_err() {
                    return Err(FeatureError::InvalidCatalog(format!(
                        "product {product_id} refers to aisle {aisle}, which is not in aisles"
                    )));
                }
            }
            if let Some(department) = department {
                if data.departments.id.binary_search(department).is_err() {
                    return Err(FeatureError::InvalidCatalog(format!(
                        "product {product_id} refers to department {department}, which is not in departments"
                    )));
                }
            }
        }
        let aisle_rank = popularity_ranks(&data.aisles.orders);
        let department_rank = popularity_ranks(&data.departments.orders);
        Ok(Catalog {
            data,
            aisle_rank,
            department_rank,
        })
    }

    /// Reads `assets/catalog.json`.
    pub fn from_json(text: &str) -> Result<Catalog, FeatureError> {
        let data: CatalogData =
            serde_json::from_str(text).map_err(|source| FeatureError::Json {
                what: "catalog",
                source,
            })?;
        Catalog::new(data)
    }

    /// Writes the compact JSON form the app loads.
    pub fn to_json(&self) -> Result<String, FeatureError> {
        serde_json::to_string(&self.data).map_err(|source| FeatureError::Json {
            what: "catalog",
            source,
        })
    }

    /// The raw columns.
    pub fn data(&self) -> &CatalogData {
        &self.data
    }

    /// Number of products in the catalog.
    pub fn product_count(&self) -> usize {
        self.data.products.product_id.len()
    }

    /// A product's entry, if the catalog knows it.
    pub fn product(&self, product_id: u64) -> Option<ProductStats> {
        let products = &self.data.products;
        let row = products.product_id.binary_search(&product_id).ok()?;
        Some(ProductStats {
            aisle_id: products.aisle_id[row],
            department_id: products.department_id[row],
            orders: products.orders[row],
            reorders: products.reorders[row],
            users: products.users[row],
            repeat_users: products.repeat_users[row],
            cart_position_sum: products.cart_position_sum[row],
        })
    }

    /// An aisle's entry, if the catalog knows it.
    pub fn aisle(&self, aisle_id: u32) -> Option<GroupStats> {
        group_stats(&self.data.aisles, &self.aisle_rank, aisle_id)
    }

    /// A department's entry, if the catalog knows it.
    pub fn department(&self, department_id: u32) -> Option<GroupStats> {
        group_stats(&self.data.departments, &self.department_rank, department_id)
    }

    /// A department's name, where known (e.g. 4 -> "produce").
    pub fn department_name(&self, department_id: u32) -> Option<&str> {
        group_name(&self.data.departments, department_id)
    }

    /// An aisle's name, where known.
    pub fn aisle_name(&self, aisle_id: u32) -> Option<&str> {
        group_name(&self.data.aisles, aisle_id)
    }

    /// A copy keeping only the given products (and every aisle and department): the app ships
    /// the products its demo shoppers can meet, not the whole assortment.
    pub fn restricted_to(&self, product_ids: &[u64]) -> Result<Catalog, FeatureError> {
        let mut wanted = product_ids.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let source = &self.data.products;
        let mut products = ProductColumns::default();
        for product_id in wanted {
            if let Ok(row) = source.product_id.binary_search(&product_id) {
                products.product_id.push(product_id);
                products.aisle_id.push(source.aisle_id[row]);
                products.department_id.push(source.department_id[row]);
                products.orders.push(source.orders[row]);
                products.reorders.push(source.reorders[row]);
                products.users.push(source.users[row]);
                products.repeat_users.push(source.repeat_users[row]);
                products
                    .cart_position_sum
                    .push(source.cart_position_sum[row]);
            }
        }
        Catalog::new(CatalogData {
            products,
            aisles: self.data.aisles.clone(),
            departments: self.data.departments.clone(),
        })
    }
}

fn check_increasing<T: PartialOrd + std::fmt::Display>(
    column: &str,
    ids: &[T],
) -> Result<(), FeatureError> {
    for pair in ids.windows(2) {
        if pair[1] <= pair[0] {
            return Err(FeatureError::InvalidCatalog(format!(
                "{column} must be strictly increasing, but {} follows {}",
                pair[1], pair[0]
            )));
        }
    }
    Ok(())
}

fn check_group(table: &str, group: &GroupColumns) -> Result<(), FeatureError> {
    let rows = group.id.len();
    let lengths = [
        ("name", group.name.len()),
        ("orders", group.orders.len()),
        ("lines", group.lines.len()),
        ("reorders", group.reorders.len()),
        ("products", group.products.len()),
        ("users", group.users.len()),
    ];
    for (column, length) in lengths {
        if length != rows {
            return Err(FeatureError::InvalidCatalog(format!(
                "{table}.{column} has {length} entries but {table}.id has {rows}"
            )));
        }
    }
    check_increasing(&format!("{table}.id"), &group.id)
}

/// Rank 1 = most orders; ties go to the lower id (rows are sorted by id).
fn popularity_ranks(orders: &[u64]) -> Vec<u32> {
    let mut rows: Vec<usize> = (0..orders.len()).collect();
    rows.sort_by(|&a, &b| orders[b].cmp(&orders[a]).then(a.cmp(&b)));
    let mut ranks = vec![0u32; orders.len()];
    for (position, row) in rows.into_iter().enumerate() {
        ranks[row] = u32::try_from(position + 1).unwrap_or(u32::MAX);
    }
    ranks
}

fn group_stats(group: &GroupColumns, ranks: &[u32], id: u32) -> Option<GroupStats> {
    let row = group.id.binary_search(&id).ok()?;
    Some(GroupStats {
        orders: group.orders[row],
        lines: group.lines[row],
        reorders: group.reorders[row],
        products: group.products[row],
        users: group.users[row],
        popularity_rank: ranks[row],
    })
}

fn group_name(group: &GroupColumns, id: u32) -> Option<&str> {
    let row = group.id.binary_search(&id).ok()?;
    group.name[row].as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(ids: &[u32], orders: &[u64]) -> GroupColumns {
        GroupColumns {
            id: ids.to_vec(),
            name: ids.iter().map(|_| None).collect(),
            orders: orders.to_vec(),
            lines: orders.to_vec(),
            reorders: vec![0; ids.len()],
            products: vec![1; ids.len()],
            users: vec![1; ids.len()],
        }
    }

    #[test]
    fn ranks_put_most_orders_first_and_break_ties_by_lower_id() {
        assert_eq!(popularity_ranks(&[5, 9, 5, 1]), vec![2, 1, 3, 4]);
    }

    #[test]
    fn rejects_unsorted_ids_and_unknown_aisles() {
        let mut data = CatalogData {
            aisles: group(&[1, 2], &[3, 4]),
            departments: group(&[7], &[1]),
            ..CatalogData::default()
        };
        data.products = ProductColumns {
            product_id: vec![10, 11],
            aisle_id: vec![Some(1), Some(3)],
            department_id: vec![Some(7), None],
            orders: vec![1, 1],
            reorders: vec![0, 0],
            users: vec![1, 1],
            repeat_users: vec![0, 0],
            cart_position_sum: vec![1, 2],
        };
        let error = Catalog::new(data.clone()).unwrap_err().to_string();
        assert!(error.contains("aisle 3"), "{error}");
        data.products.aisle_id[1] = None;
        data.products.product_id = vec![11, 10];
        let error = Catalog::new(data.clone()).unwrap_err().to_string();
        assert!(error.contains("strictly increasing"), "{error}");
        data.products.product_id = vec![10, 11];
        let catalog = Catalog::new(data).expect("valid catalog");
        assert_eq!(catalog.aisle(2).map(|a| a.popularity_rank), Some(1));
        assert_eq!(catalog.product(11).map(|p| p.aisle_id), Some(None));
        assert!(catalog.product(12).is_none());
        let round_trip = Catalog::from_json(&catalog.to_json().expect("json")).expect("parse");
        assert_eq!(round_trip, catalog);
    }
}
