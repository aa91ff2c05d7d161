//! The Predict page's demo list (`features::demo_picks`): each shopper's most bought products,
//! counted once per order, worked out by hand; a pick's row agrees with what the list says
//! (`up_orders` is the number of orders with the product) and keeps unknowns as NaN; picks that
//! cannot be filled are refused with a reason.

use instacart_reorder::features::{
    demo_picks, pick_values, Catalog, DemoPick, DemoPickError, DemoUsers, PastOrder, TargetOrder,
    UserHistory,
};

fn order(order_number: u32, products: &[u64]) -> PastOrder {
    PastOrder {
        order_number,
        dow: 1,
        hour: 10,
        days_since_prior: if order_number == 1 { None } else { Some(7.0) },
        products: products.to_vec(),
    }
}

fn shopper(user_id: u64, orders: &[&[u64]]) -> UserHistory {
    UserHistory {
        user_id,
        orders: orders
            .iter()
            .enumerate()
            .map(|(index, products)| order(index as u32 + 1, products))
            .collect(),
        target: TargetOrder {
            dow: 2,
            hour: 9,
            days_since_prior: Some(5.0),
            products: None,
        },
    }
}

#[test]
fn each_shoppers_most_bought_products_counted_once_per_order() {
    let users = DemoUsers {
        users: vec![
            // 2 in three orders, 1 in two (twice in the first: still one order), 3 in one.
            shopper(7, &[&[1, 2, 1], &[2, 3], &[2, 1]]),
            shopper(9, &[&[5], &[4]]),
        ],
    };
    let pick = |user_id, product_id, times_bought| DemoPick {
        user_id,
        product_id,
        times_bought,
    };
    assert_eq!(
        demo_picks(&users, 2),
        vec![pick(7, 2, 3), pick(7, 1, 2), pick(9, 4, 1), pick(9, 5, 1)]
    );
}

#[test]
fn a_picked_rows_up_orders_is_the_lists_count_and_unknowns_stay_nan() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |path: &str| std::fs::read_to_string(format!("{root}/{path}")).expect(path);
    let users = DemoUsers::from_json(&read("assets/demo_users.json")).expect("demo users");
    let catalog = Catalog::from_json(&read("assets/catalog.json")).expect("catalog");
    let names = ["up_orders", "user_total_orders", "days_since_prior_order"];
    let picks = demo_picks(&users, 2);
    assert_eq!(picks.len(), users.users.len() * 2);
    for pick in picks.iter().take(10) {
        let row = pick_values(&users, &catalog, (pick.user_id, pick.product_id), &names)
            .expect("a listed pick fills the form");
        assert_eq!(row[0], f64::from(pick.times_bought), "{pick:?}");
        let user = users
            .users
            .iter()
            .find(|user| user.user_id == pick.user_id)
            .expect("listed shopper");
        assert_eq!(row[1], user.orders.len() as f64);
        match user.target.days_since_prior {
            Some(days) => assert_eq!(row[2], days.min(30.0)),
            None => assert!(row[2].is_nan(), "unknown stays missing, never 0"),
        }
    }
}

#[test]
fn picks_that_cannot_fill_the_form_are_refused() {
    let users = DemoUsers {
        users: vec![shopper(7, &[&[1, 2], &[2]])],
    };
    let catalog = Catalog::from_json(
        &std::fs::read_to_string(format!(
            "{}/assets/catalog.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("catalog"),
    )
    .expect("catalog");
    assert!(matches!(
        pick_values(&users, &catalog, (8, 1), &["up_orders"]),
        Err(DemoPickError::UnknownShopper(8))
    ));
    assert!(matches!(
        pick_values(&users, &catalog, (7, 3), &["up_orders"]),
        Err(DemoPickError::NotBoughtBefore {
            user_id: 7,
            product_id: 3
        })
    ));
    match pick_values(&users, &catalog, (7, 2), &["colour"]) {
        Err(DemoPickError::UnknownFeature(name)) => assert_eq!(name, "colour"),
        other => panic!("expected an unknown feature, got {other:?}"),
    }
    let row = pick_values(&users, &catalog, (7, 2), &["up_orders"]).expect("bought twice");
    assert_eq!(row, vec![2.0]);
}
