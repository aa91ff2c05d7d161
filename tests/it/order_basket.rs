//! `reorder basket` on a person's own Instacart export, run as a user would, checked against the
//! library it shares with the page: the three formats of the fixture give the same rows; each
//! probability is what `reorder predict` gives on the personal-history bundle for the feature
//! row `recommend` computed (an independent path through the CSV reader and the batch scorer);
//! the baskets are `recommend`'s; `--at` moves the order-context features; bad input exits 2
//! naming the place. Also: the personal model's bundle scores LightGBM's reference rows bit for
//! bit, and the choice of model sends an export to it and a demo shopper to the main model.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::{path_arg as path, repo_path as root, run_reorder as run, scratch_dir};
use instacart_reorder::features::{Catalog, CatalogData, DemoUsers, Feature};
use instacart_reorder::model::Model;
use instacart_reorder::order_history::export::{read_order_export, PersonalHistory, Timestamp};
use instacart_reorder::order_history::recommend::{
    choose_model, recommend, ModelChoice, Recommendation, BASKET_COLUMNS,
};

const AT: &str = "2024-06-01T10:00:00-04:00";

fn export(format: &str) -> PathBuf {
    root(&format!("tests/fixtures/order_exports/orders.{format}"))
}

fn scratch(test: &str) -> PathBuf {
    scratch_dir("basket", test)
}

/// `reorder basket --orders FILE [--at AT] --output OUT [extra]`, which must succeed; its CSV.
fn basket(orders: &Path, at: Option<&str>, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["basket", "--orders", path(orders), "--output", path(out)];
    if let Some(at) = at {
        args.extend(["--at", at]);
    }
    args.extend(extra);
    let output = run(&args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(out).expect("output written")
}

struct Row {
    product_id: u64,
    name: String,
    probability: f64,
    in_threshold: bool,
    in_f1: bool,
}

fn rows(csv_text: &str) -> Vec<Row> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, BASKET_COLUMNS);
    reader
        .records()
        .map(|record| {
            let record = record.expect("a CSV row");
            let flag = |text: &str| match text {
                "1" => true,
                "0" => false,
                other => panic!("a basket flag is 1 or 0, got {other:?}"),
            };
            Row {
                product_id: record[0].parse().expect("product id"),
                name: record[1].to_owned(),
                probability: record[2].parse().expect("probability"),
                in_threshold: flag(&record[3]),
                in_f1: flag(&record[4]),
            }
        })
        .collect()
}

fn personal_model() -> Model {
    let text = std::fs::read_to_string(root("assets/personal_model.json")).expect("bundle");
    Model::from_bundle_json(&text).expect("the personal bundle loads")
}

fn history() -> PersonalHistory {
    read_order_export(&std::fs::read(export("csv")).expect("fixture")).expect("export")
}

fn recommendation(at: &str) -> Recommendation {
    let catalog = Catalog::new(CatalogData::default()).expect("empty catalog");
    let at = Timestamp::parse(at).expect("time");
    recommend(&history().user_at(at), &catalog, &personal_model()).expect("ranks")
}

#[test]
fn the_three_formats_give_the_same_rows_with_names_most_likely_first() {
    let dir = scratch("formats");
    let outputs: Vec<String> = ["csv", "tsv", "json"]
        .iter()
        .map(|format| {
            basket(
                &export(format),
                Some(AT),
                &dir.join(format!("{format}.csv")),
                &[],
            )
        })
        .collect();
    assert_eq!(outputs[0], outputs[1], "CSV and TSV");
    assert_eq!(outputs[0], outputs[2], "CSV and JSON");
    let rows = rows(&outputs[0]);
    let history = history();
    assert_eq!(
        rows.len(),
        history.items.len(),
        "every product bought before"
    );
    for row in &rows {
        assert_eq!(row.name, history.items[&row.product_id].name);
    }
    assert!(rows
        .windows(2)
        .all(|pair| pair[0].probability > pair[1].probability
            || (pair[0].probability == pair[1].probability
                && pair[0].product_id < pair[1].product_id)));
    // The default bundle is the personal-history model's, byte for byte the same answer.
    let explicit = basket(
        &export("csv"),
        Some(AT),
        &dir.join("explicit.csv"),
        &["--bundle", path(&root("assets/personal_model.json"))],
    );
    assert_eq!(explicit, outputs[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn probabilities_are_reorder_predict_on_recommends_feature_rows_and_baskets_are_recommends() {
    let dir = scratch("predict");
    let rows = rows(&basket(
        &export("json"),
        Some(AT),
        &dir.join("basket.csv"),
        &[],
    ));
    let recommendation = recommendation(AT);

    // Independent scoring: the candidates' feature rows through `reorder predict`.
    let model = personal_model();
    let names = model.feature_names();
    let mut input = format!("product_id,{}\n", names.join(","));
    for candidate in &recommendation.ranked {
        let cells: Vec<String> = candidate
            .values
            .iter()
            .map(|value| {
                if value.is_nan() {
                    String::new()
                } else {
                    format!("{value}")
                }
            })
            .collect();
        input.push_str(&format!("{},{}\n", candidate.product_id, cells.join(",")));
    }
    let features = dir.join("features.csv");
    std::fs::write(&features, input).expect("write");
    let scored = dir.join("scored.csv");
    let output = run(&[
        "predict",
        "--bundle",
        path(&root("assets/personal_model.json")),
        "--input",
        path(&features),
        "--output",
        path(&scored),
    ]);
    assert!(output.status.success(), "{output:?}");
    let mut reader = csv::Reader::from_path(&scored).expect("scored");
    let header = reader.headers().expect("header").clone();
    let probability = header
        .iter()
        .position(|h| h == "probability")
        .expect("probability column");
    let predicted: BTreeMap<u64, f64> = reader
        .records()
        .map(|record| {
            let record = record.expect("row");
            (
                record[0].parse().expect("id"),
                record[probability].parse().expect("f64"),
            )
        })
        .collect();
    assert_eq!(predicted.len(), rows.len());
    for row in &rows {
        assert_eq!(
            row.probability.to_bits(),
            predicted[&row.product_id].to_bits(),
            "product {}",
            row.product_id
        );
    }

    // The baskets are recommend's.
    let ids = |slice: &[instacart_reorder::order_history::recommend::RankedCandidate]| -> Vec<u64> {
        slice.iter().map(|c| c.product_id).collect()
    };
    let ranked: Vec<u64> = rows.iter().map(|row| row.product_id).collect();
    assert_eq!(ranked, ids(&recommendation.ranked));
    let threshold: Vec<u64> = rows
        .iter()
        .filter(|row| row.in_threshold)
        .map(|row| row.product_id)
        .collect();
    assert_eq!(threshold, ids(recommendation.threshold_basket()));
    let f1: Vec<u64> = rows
        .iter()
        .filter(|row| row.in_f1)
        .map(|row| row.product_id)
        .collect();
    assert_eq!(f1, ids(recommendation.f1_basket()));
    assert!(!f1.is_empty(), "the fixture's regulars make a basket");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn at_moves_the_order_context_features_and_the_scores() {
    // The fixture's latest order is 2024-04-21T18:30:17-04:00: a Thursday morning 3 days later
    // and a Saturday night 13 days later differ in day, hour and gap.
    let thursday_morning = recommendation("2024-04-25T10:00:00-04:00");
    let saturday_night = recommendation("2024-05-04T23:00:00-04:00");
    let context = |r: &Recommendation, feature: Feature| -> f64 {
        let model = personal_model();
        let column = model
            .feature_names()
            .iter()
            .position(|name| {
                *name == instacart_reorder::features::definitions()[feature as usize].name
            })
            .expect("the personal model reads the order context");
        r.ranked[0].values[column]
    };
    assert_eq!(context(&thursday_morning, Feature::OrderDow), 5.0);
    assert_eq!(context(&thursday_morning, Feature::OrderHourOfDay), 10.0);
    assert_eq!(
        context(&thursday_morning, Feature::DaysSincePriorOrder),
        3.0
    );
    assert_eq!(context(&saturday_night, Feature::OrderDow), 0.0);
    assert_eq!(context(&saturday_night, Feature::OrderHourOfDay), 23.0);
    assert_eq!(context(&saturday_night, Feature::DaysSincePriorOrder), 13.0);

    let dir = scratch("at");
    let early = rows(&basket(
        &export("csv"),
        Some("2024-04-25T10:00:00-04:00"),
        &dir.join("early.csv"),
        &[],
    ));
    let late = rows(&basket(
        &export("csv"),
        Some("2024-05-04T23:00:00-04:00"),
        &dir.join("late.csv"),
        &[],
    ));
    let by_id = |rows: &[Row]| -> BTreeMap<u64, f64> {
        rows.iter().map(|r| (r.product_id, r.probability)).collect()
    };
    assert_ne!(by_id(&early), by_id(&late), "the scores follow the time");
    // Without --at the command uses now: it runs and lists every product.
    let now = rows(&basket(&export("csv"), None, &dir.join("now.csv"), &[]));
    assert_eq!(now.len(), early.len());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_exits_2_naming_the_place() {
    let dir = scratch("bad");
    let out = dir.join("out.csv");
    let broken = dir.join("broken.csv");
    std::fs::write(
        &broken,
        "order_id,order_date,order_total,retailer,item_name,quantity,size,product_id\n\
         1,2024-01-01T10:00:00Z,5,Shop,Milk,1,1 gal,42\n\
         2,not a date,5,Shop,Milk,1,1 gal,42\n",
    )
    .expect("write");
    let missing_column = dir.join("missing.tsv");
    std::fs::write(&missing_column, "order_id\torder_date\titem_name\n").expect("write");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--orders".into(), path(&broken).into()],
            "line 3, column `order_date`",
        ),
        (
            vec!["--orders".into(), path(&missing_column).into()],
            "no column `order_total`",
        ),
        (
            vec!["--orders".into(), path(&dir.join("absent.json")).into()],
            "absent.json",
        ),
        (
            vec![
                "--orders".into(),
                path(&export("csv")).into(),
                "--at".into(),
                "2024-06-01 10:00".into(),
            ],
            "--at",
        ),
        (
            vec![
                "--orders".into(),
                path(&export("csv")).into(),
                "--at".into(),
                "2020-01-01T00:00:00Z".into(),
            ],
            "before the latest order",
        ),
        (
            vec![
                "--orders".into(),
                path(&export("csv")).into(),
                "--bundle".into(),
                path(&dir.join("no_bundle.json")).into(),
            ],
            "no_bundle.json",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["basket", "--output", path(&out)];
        args.extend(extra.iter().map(String::as_str));
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!out.exists(), "no output after an error");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_personal_bundle_scores_lightgbms_reference_rows_bit_for_bit() {
    let dir = scratch("reference");
    let scored = dir.join("scored.csv");
    let output = run(&[
        "predict",
        "--bundle",
        path(&root("assets/personal_model.json")),
        "--input",
        path(&root("models/personal/reference.csv")),
        "--output",
        path(&scored),
    ]);
    assert!(output.status.success(), "{output:?}");
    let mut reader = csv::Reader::from_path(&scored).expect("scored");
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (lightgbm, ours) = (column("input_probability"), column("probability"));
    let mut count = 0;
    for record in reader.records() {
        let record = record.expect("row");
        let want: f64 = record[lightgbm].parse().expect("f64");
        let got: f64 = record[ours].parse().expect("f64");
        assert_eq!(got.to_bits(), want.to_bits(), "row {}", count + 1);
        count += 1;
    }
    assert_eq!(count, 3500);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_export_is_answered_by_the_personal_model_and_a_demo_shopper_by_the_main_one() {
    let read = |p: &str| std::fs::read_to_string(root(p)).expect(p);
    let catalog = Catalog::from_json(&read("assets/catalog.json")).expect("catalog");
    let at = Timestamp::parse(AT).expect("time");
    let pick = choose_model(&history().user_at(at), &catalog);
    assert_eq!(pick.choice, ModelChoice::Personal);
    assert_eq!((pick.unknown, pick.products), (12, 12));
    let demo = DemoUsers::from_json(&read("assets/demo_users.json")).expect("demo users");
    for user in &demo.users {
        let pick = choose_model(user, &catalog);
        assert_eq!(pick.choice, ModelChoice::Main, "user {}", user.user_id);
        assert_eq!(pick.unknown, 0, "user {}", user.user_id);
    }
}
