//! The feature code on a small hand-made history whose every expected value is worked out by
//! hand below, and the leakage guarantee: the target basket changes labels, never features.

use instacart_reorder::features::{
    candidates, definitions, Catalog, CatalogData, CsvSource, DemoUsers, Feature, GroupColumns,
    InstacartData, InstacartSources, PastOrder, ProductColumns, TargetOrder, UserHistory,
    FEATURE_COUNT,
};

fn hand_catalog() -> Catalog {
    // Product 10: aisle 1, department 1; 4 orders, 2 of them reorders, 2 shoppers (1 repeat),
    // cart positions summing to 6. Product 20: aisle and department unknown. Product 30 is
    // not in the catalog at all.
    let data = CatalogData {
        products: ProductColumns {
            product_id: vec![10, 20],
            aisle_id: vec![Some(1), None],
            department_id: vec![Some(1), None],
            orders: vec![4, 3],
            reorders: vec![2, 1],
            users: vec![2, 2],
            repeat_users: vec![1, 1],
            cart_position_sum: vec![6, 5],
        },
        aisles: GroupColumns {
            id: vec![1, 2],
            name: vec![None, None],
            orders: vec![10, 20],
            lines: vec![12, 25],
            reorders: vec![6, 5],
            products: vec![3, 4],
            users: vec![2, 3],
        },
        departments: GroupColumns {
            id: vec![1],
            name: vec![Some("frozen".to_string())],
            orders: vec![25],
            lines: vec![37],
            reorders: vec![11],
            products: vec![7],
            users: vec![4],
        },
    };
    Catalog::new(data).expect("hand-made catalog is valid")
}

fn order(number: u32, dow: u8, hour: u8, days: Option<f64>, products: &[u64]) -> PastOrder {
    PastOrder {
        order_number: number,
        dow,
        hour,
        days_since_prior: days,
        products: products.to_vec(),
    }
}

fn hand_user() -> UserHistory {
    UserHistory {
        user_id: 7,
        orders: vec![
            order(1, 0, 8, None, &[10, 20]),
            order(2, 1, 8, Some(7.0), &[20, 30, 10]),
            order(3, 3, 23, Some(14.0), &[10]),
        ],
        target: TargetOrder {
            dow: 5,
            hour: 10,
            days_since_prior: Some(3.0),
            products: Some(vec![40, 10]),
        },
    }
}

fn value(row: &[f64], feature: Feature) -> f64 {
    row[feature as usize]
}

fn assert_close(row: &[f64], feature: Feature, expected: f64) {
    let actual = value(row, feature);
    assert!(
        (actual - expected).abs() <= 1e-12,
        "{:?}: expected {expected}, got {actual}",
        feature
    );
}

fn assert_missing(row: &[f64], feature: Feature) {
    assert!(
        value(row, feature).is_nan(),
        "{:?} should be missing, got {}",
        feature,
        value(row, feature)
    );
}

#[test]
fn hand_made_history_gives_the_hand_worked_values() {
    let rows = candidates(&hand_user(), &hand_catalog()).expect("valid history");
    let ids: Vec<u64> = rows.iter().map(|row| row.product_id).collect();
    assert_eq!(
        ids,
        vec![10, 20, 30],
        "one row per distinct prior product, by id"
    );
    assert_eq!(
        rows.iter().map(|row| row.label).collect::<Vec<_>>(),
        vec![Some(true), Some(false), Some(false)]
    );
    for row in &rows {
        assert_eq!(row.values.len(), FEATURE_COUNT);
        let v = &row.values;
        // 3 orders, 6 lines: o1 {10, 20}, o2 {20, 30, 10}, o3 {10}.
        assert_close(v, Feature::UserTotalOrders, 3.0);
        assert_close(v, Feature::UserAvgBasketSize, 2.0);
        assert_close(v, Feature::UserDistinctProducts, 3.0);
        // Lines after the first order: 20, 30, 10, 10; reorders among them: 20, 10, 10.
        assert_close(v, Feature::UserReorderRatio, 3.0 / 4.0);
        // First-time lines among all 6: 10, 20 (o1) and 30 (o2).
        assert_close(v, Feature::UserExplorationScore, 0.5);
        assert_close(v, Feature::UserAvgDaysBetweenOrders, 10.5);
        assert_close(v, Feature::UserMaxGap, 14.0);
        assert_close(v, Feature::UserIsWeeklyShopper, 0.0);
        assert_close(v, Feature::UserIsMonthlyShopper, 0.0);
        // Days 0, 1, 3: two of three on day 0 or 1; a three-way tie goes to day 0.
        assert_close(v, Feature::UserWeekendRatio, 2.0 / 3.0);
        assert_close(v, Feature::UserFavoriteDow, 0.0);
        // Hours 8, 8, 23.
        assert_close(v, Feature::UserPeakHourRatio, 2.0 / 3.0);
        assert_close(v, Feature::UserNightRatio, 1.0 / 3.0);
        assert_close(v, Feature::OrderDow, 5.0);
        assert_close(v, Feature::OrderHourOfDay, 10.0);
        assert_close(v, Feature::DaysSincePriorOrder, 3.0);
    }

    let p10 = &rows[0].values;
    assert_close(p10, Feature::UpOrders, 3.0);
    assert_close(p10, Feature::UpOrderRate, 1.0);
    assert_close(p10, Feature::UpOrdersSinceLast, 0.0);
    assert_close(p10, Feature::UpOrderRateSinceFirst, 1.0);
    assert_close(p10, Feature::UpFirstOrderNumber, 1.0);
    assert_close(p10, Feature::UpAvgCartPosition, 5.0 / 3.0); // positions 1, 3, 1
    assert_close(p10, Feature::UpStreak, 3.0);
    assert_close(p10, Feature::UpDaysSinceLast, 3.0); // bought in the latest order
    assert_close(p10, Feature::ProductOrderCount, 4.0);
    assert_close(p10, Feature::ProductReorderRate, 0.5);
    assert_close(p10, Feature::ProductUniqueUsers, 2.0);
    assert_close(p10, Feature::ProductRepeatUserRatio, 0.5);
    assert_close(p10, Feature::ProductAvgCartPosition, 1.5);
    assert_close(p10, Feature::AisleId, 1.0);
    assert_close(p10, Feature::AisleTotalOrders, 10.0);
    assert_close(p10, Feature::AisleUniqueProducts, 3.0);
    assert_close(p10, Feature::AisleUniqueUsers, 2.0);
    assert_close(p10, Feature::AisleReorderRate, 0.5);
    assert_close(p10, Feature::AislePopularityRank, 2.0); // aisle 2 has more orders
    assert_close(p10, Feature::DepartmentId, 1.0);
    assert_close(p10, Feature::DepartmentTotalOrders, 25.0);
    assert_close(p10, Feature::DepartmentUniqueProducts, 7.0);
    assert_close(p10, Feature::DepartmentUniqueUsers, 4.0);
    assert_close(p10, Feature::DepartmentReorderRate, 11.0 / 37.0);
    assert_close(p10, Feature::DepartmentPopularityRank, 1.0);

    let p20 = &rows[1].values;
    assert_close(p20, Feature::UpOrders, 2.0);
    assert_close(p20, Feature::UpOrderRate, 2.0 / 3.0);
    assert_close(p20, Feature::UpOrdersSinceLast, 1.0);
    assert_close(p20, Feature::UpOrderRateSinceFirst, 2.0 / 3.0);
    assert_close(p20, Feature::UpFirstOrderNumber, 1.0);
    assert_close(p20, Feature::UpAvgCartPosition, 1.5); // positions 2, 1
    assert_close(p20, Feature::UpStreak, 0.0);
    assert_close(p20, Feature::UpDaysSinceLast, 17.0); // 14 to order 3, then 3
    assert_close(p20, Feature::ProductReorderRate, 1.0 / 3.0);
    assert_close(p20, Feature::ProductAvgCartPosition, 5.0 / 3.0);
    for feature in [
        Feature::AisleId,
        Feature::AisleTotalOrders,
        Feature::AislePopularityRank,
        Feature::DepartmentId,
        Feature::DepartmentReorderRate,
    ] {
        assert_missing(p20, feature);
    }

    let p30 = &rows[2].values;
    assert_close(p30, Feature::UpOrders, 1.0);
    assert_close(p30, Feature::UpOrderRateSinceFirst, 0.5); // 1 of the 2 orders from o2 on
    assert_close(p30, Feature::UpFirstOrderNumber, 2.0);
    assert_close(p30, Feature::UpAvgCartPosition, 2.0);
    assert_close(p30, Feature::UpDaysSinceLast, 17.0);
    for (index, definition) in definitions().iter().enumerate() {
        if matches!(definition.group.as_str(), "product" | "aisle_department") {
            assert!(p30[index].is_nan(), "{} should be missing", definition.name);
        }
    }
}

#[test]
fn unknown_gaps_and_single_orders_stay_missing() {
    let user = UserHistory {
        user_id: 8,
        orders: vec![order(1, 2, 9, None, &[10, 10, 20])],
        target: TargetOrder {
            dow: 2,
            hour: 9,
            days_since_prior: None,
            products: None,
        },
    };
    let rows = candidates(&user, &hand_catalog()).expect("valid history");
    assert_eq!(rows.len(), 2);
    let v = &rows[0].values;
    assert_eq!(rows[0].label, None);
    assert_missing(v, Feature::UserReorderRatio);
    assert_missing(v, Feature::UserAvgDaysBetweenOrders);
    assert_missing(v, Feature::UserIsWeeklyShopper);
    assert_missing(v, Feature::UpDaysSinceLast);
    assert_missing(v, Feature::DaysSincePriorOrder);
    // The duplicate 10 in one order counts once: 2 lines.
    assert_close(v, Feature::UserAvgBasketSize, 2.0);
    assert_close(v, Feature::UpAvgCartPosition, 1.0);
}

#[test]
fn invalid_histories_are_typed_errors_naming_the_user() {
    let mut user = hand_user();
    user.orders[1].order_number = 1;
    let error = candidates(&user, &hand_catalog()).unwrap_err().to_string();
    assert!(
        error.contains("user 7") && error.contains("order_number"),
        "{error}"
    );
    let mut user = hand_user();
    user.target.hour = 24;
    let error = candidates(&user, &hand_catalog()).unwrap_err().to_string();
    assert!(error.contains("hour 24"), "{error}");
    let mut user = hand_user();
    user.orders[2].days_since_prior = Some(f64::NAN);
    assert!(candidates(&user, &hand_catalog()).is_err());
}

#[test]
fn the_target_basket_changes_labels_never_features() {
    let catalog = hand_catalog();
    let baseline = candidates(&hand_user(), &catalog).expect("valid history");
    for basket in [
        None,
        Some(vec![]),
        Some(vec![20, 30]),
        Some(vec![10, 20, 30, 99]),
    ] {
        let mut user = hand_user();
        user.target.products = basket;
        let rows = candidates(&user, &catalog).expect("valid history");
        assert_eq!(rows.len(), baseline.len());
        for (a, b) in rows.iter().zip(&baseline) {
            assert_eq!(a.product_id, b.product_id);
            let same = a
                .values
                .iter()
                .zip(&b.values)
                .all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "features changed with the target basket");
        }
    }
}

const ORDERS: &str =
    "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order
1,1,prior,1,0,8,
2,1,prior,2,1,9,7.0
3,1,train,3,2,10,5.0
4,2,prior,1,3,11,
5,2,train,2,4,12,30.0
";
const PRIOR: &str = "order_id,product_id,add_to_cart_order
1,10,1
1,20,2
2,10,1
4,20,1
4,30,2
";
const PRODUCTS: &str = "product_id,aisle_id,department_id
10,1,1
20,2,1
30,,
40,1,1
";

fn tables(train_lines: &str) -> InstacartData {
    let source = |name: &str, text: &str| CsvSource {
        name: name.to_string(),
        reader: std::io::Cursor::new(text.as_bytes().to_vec()),
    };
    InstacartData::read(InstacartSources {
        orders: source("orders.csv", ORDERS),
        prior_lines: source("order_products__prior.csv", PRIOR),
        train_lines: source("order_products__train.csv", train_lines),
        products: source("products.csv", PRODUCTS),
        aisles: None,
        departments: None,
    })
    .expect("valid tables")
}

/// (user id, product id, feature bits, label) of one candidate row.
type RowBits = (u64, u64, Vec<u64>, Option<bool>);

fn all_rows(data: &InstacartData) -> (Catalog, Vec<RowBits>) {
    let catalog = data.catalog().expect("catalog");
    let mut rows = Vec::new();
    for user in 0..data.user_count() {
        let history = data
            .user_history(user)
            .expect("history")
            .expect("has target");
        for row in candidates(&history, &catalog).expect("candidates") {
            let bits = row.values.iter().map(|value| value.to_bits()).collect();
            rows.push((history.user_id, row.product_id, bits, row.label));
        }
    }
    (catalog, rows)
}

#[test]
fn target_baskets_do_not_reach_the_catalog_or_any_feature() {
    let header = "order_id,product_id,add_to_cart_order\n";
    let (catalog_a, rows_a) = all_rows(&tables(&format!("{header}3,10,1\n5,30,1\n")));
    let (catalog_b, rows_b) = all_rows(&tables(&format!(
        "{header}3,20,1\n3,40,2\n3,30,3\n5,10,1\n5,40,2\n"
    )));
    assert_eq!(catalog_a, catalog_b);
    assert_eq!(rows_a.len(), rows_b.len());
    for (a, b) in rows_a.iter().zip(&rows_b) {
        assert_eq!((a.0, a.1), (b.0, b.1));
        assert_eq!(a.2, b.2, "features of user {} product {} changed", a.0, a.1);
    }
    let labels_a: Vec<_> = rows_a.iter().map(|row| row.3).collect();
    let labels_b: Vec<_> = rows_b.iter().map(|row| row.3).collect();
    assert_ne!(labels_a, labels_b);

    // Catalog counts worked out by hand from PRIOR (user 1: o1 {10, 20}, o2 {10};
    // user 2: o4 {20, 30}).
    let p10 = catalog_a.product(10).expect("product 10");
    assert_eq!(
        (p10.orders, p10.reorders, p10.users, p10.repeat_users),
        (2, 1, 1, 1)
    );
    assert_eq!(p10.cart_position_sum, 2);
    let p20 = catalog_a.product(20).expect("product 20");
    assert_eq!(
        (p20.orders, p20.reorders, p20.users, p20.repeat_users),
        (2, 0, 2, 0)
    );
    let p40 = catalog_a.product(40).expect("product 40");
    assert_eq!(p40.orders, 0);
    let aisle1 = catalog_a.aisle(1).expect("aisle 1");
    // Aisle 1 holds 10 (and 40, never bought): orders o1, o2; lines 2; reorders 1.
    assert_eq!(
        (
            aisle1.orders,
            aisle1.lines,
            aisle1.reorders,
            aisle1.products,
            aisle1.users
        ),
        (2, 2, 1, 1, 1)
    );
    let aisle2 = catalog_a.aisle(2).expect("aisle 2");
    assert_eq!(
        (aisle2.orders, aisle2.users, aisle2.popularity_rank),
        (2, 2, 2)
    );
    assert_eq!(
        aisle1.popularity_rank, 1,
        "tie on orders goes to the lower id"
    );
    let department = catalog_a.department(1).expect("department 1");
    // Department 1 holds 10 and 20: orders o1, o2, o4; lines 4; one reorder.
    assert_eq!(
        (
            department.orders,
            department.lines,
            department.reorders,
            department.users
        ),
        (3, 4, 1, 2)
    );
}

#[test]
fn demo_users_round_trip_through_json() {
    let demo = DemoUsers {
        users: vec![hand_user()],
    };
    let text = demo.to_json().expect("json");
    assert_eq!(DemoUsers::from_json(&text).expect("parse"), demo);
    assert!(DemoUsers::from_json("{\"users\": 3}").is_err());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arbitrary_order() -> impl Strategy<Value = (u8, u8, Option<f64>, Vec<u64>)> {
        (
            0u8..9,
            0u8..26,
            proptest::option::of(-2.0f64..40.0),
            proptest::collection::vec(1u64..40, 0..8),
        )
    }

    fn arbitrary_user() -> impl Strategy<Value = UserHistory> {
        (
            proptest::collection::vec(arbitrary_order(), 0..12),
            arbitrary_order(),
            proptest::option::of(proptest::collection::vec(1u64..50, 0..8)),
        )
            .prop_map(|(orders, target, basket)| UserHistory {
                user_id: 1,
                orders: orders
                    .into_iter()
                    .enumerate()
                    .map(|(index, (dow, hour, days, products))| PastOrder {
                        order_number: index as u32 + 1,
                        dow,
                        hour,
                        days_since_prior: days,
                        products,
                    })
                    .collect(),
                target: TargetOrder {
                    dow: target.0,
                    hour: target.1,
                    days_since_prior: target.2,
                    products: basket,
                },
            })
    }

    proptest! {
        /// Any history gives rows or a typed error, never a panic; valid ones give one row per
        /// distinct product, and the basket moves only the labels.
        #[test]
        fn any_history_is_handled_and_the_basket_never_leaks(
            user in arbitrary_user(),
            other_basket in proptest::option::of(proptest::collection::vec(1u64..50, 0..8)),
        ) {
            let catalog = hand_catalog();
            match candidates(&user, &catalog) {
                Err(_) => prop_assert!(user.validate().is_err()),
                Ok(rows) => {
                    let mut distinct: Vec<u64> =
                        user.orders.iter().flat_map(|o| o.products.iter().copied()).collect();
                    distinct.sort_unstable();
                    distinct.dedup();
                    prop_assert_eq!(rows.iter().map(|r| r.product_id).collect::<Vec<_>>(), distinct);
                    let mut moved = user.clone();
                    moved.target.products = other_basket;
                    let again = candidates(&moved, &catalog).expect("same history is valid");
                    for (a, b) in rows.iter().zip(&again) {
                        prop_assert_eq!(a.values.len(), FEATURE_COUNT);
                        let same = a.values.iter().zip(&b.values).all(|(x, y)| x.to_bits() == y.to_bits());
                        prop_assert!(same);
                        let value = |feature: Feature| a.values[feature as usize];
                        prop_assert!(value(Feature::UpOrders) >= 1.0);
                        prop_assert!(value(Feature::UpOrderRate) <= 1.0);
                        prop_assert!(value(Feature::UpStreak) <= value(Feature::UpOrders));
                    }
                }
            }
        }
    }
}
