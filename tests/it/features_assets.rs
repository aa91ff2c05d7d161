//! The committed app data against the committed model: the browser's path (catalog.json +
//! demo_users.json -> `candidates` -> model.json) must rebuild exactly the test rows LightGBM
//! scored in models/reference.csv, feature for feature and probability for probability.

use instacart_reorder::features::{candidates, definitions, Catalog, DemoUsers, FEATURE_COUNT};
use instacart_reorder::model::Model;

fn read(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("cannot read {full}: {error}"))
}

fn parse_value(text: &str) -> f64 {
    if text.is_empty() {
        f64::NAN
    } else {
        text.parse().unwrap_or_else(|_| panic!("bad number {text}"))
    }
}

#[test]
fn the_bundle_uses_the_feature_table_in_order() {
    let model = Model::from_bundle_json(&read("assets/model.json")).expect("bundle");
    let names: Vec<&str> = definitions().iter().map(|d| d.name).collect();
    assert_eq!(model.feature_names(), names);
    let listed: Vec<String> =
        serde_json::from_str(&read("models/feature_names.json")).expect("feature_names.json");
    assert_eq!(listed, names);
}

#[test]
fn demo_users_rebuild_the_reference_rows_bit_for_bit() {
    let catalog = Catalog::from_json(&read("assets/catalog.json")).expect("catalog");
    let demo = DemoUsers::from_json(&read("assets/demo_users.json")).expect("demo users");
    let model = Model::from_bundle_json(&read("assets/model.json")).expect("bundle");
    assert!(!demo.users.is_empty());

    let mut rows = Vec::new();
    for user in &demo.users {
        assert!(
            user.target.products.is_some(),
            "demo user {} has a basket",
            user.user_id
        );
        for order in &user.orders {
            for product in &order.products {
                assert!(
                    catalog.product(*product).is_some(),
                    "product {product} not shipped"
                );
            }
        }
        for row in candidates(user, &catalog).expect("candidates") {
            assert!(row.label.is_some());
            rows.push(row.values);
        }
    }

    let reference = read("models/reference.csv");
    let mut lines = reference.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(header.len(), FEATURE_COUNT + 1);
    assert_eq!(header[FEATURE_COUNT], "probability");
    // The file starts with the test rows in (user, product) order; the NaN-heavy rows follow.
    let test_rows: Vec<Vec<f64>> = lines
        .map(|line| line.split(',').map(parse_value).collect())
        .collect();
    let compared = test_rows.len().min(rows.len()).min(3000);
    assert!(compared >= 1000, "only {compared} rows to compare");
    for (index, (expected, actual)) in test_rows.iter().zip(&rows).take(compared).enumerate() {
        for (column, (want, got)) in expected[..FEATURE_COUNT].iter().zip(actual).enumerate() {
            let same = want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan());
            assert!(
                same,
                "row {index}, {}: reference {want}, browser path {got}",
                definitions()[column].name
            );
        }
        let probability = model.predict(actual).expect("score").probability;
        assert_eq!(
            probability.to_bits(),
            expected[FEATURE_COUNT].to_bits(),
            "row {index}: LightGBM {}, Rust {probability}",
            expected[FEATURE_COUNT]
        );
    }
}
