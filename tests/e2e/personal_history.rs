//! A person's own Instacart export on the order-history page, in each of its three formats
//! (tests/fixtures/order_exports/orders.{csv,tsv,json}): the page reads it in the browser,
//! fetches the personal-history model only then (it is not fetched at startup), says that this
//! model answers, and shows every product bought before with its name, ranked with exactly the
//! probabilities the library's `recommend` gives natively, the expected-F1 basket, and a
//! shopping list whose CSV is `recommend::basket_csv`'s; changing the next order's time changes
//! the scores as it does natively.

use std::path::PathBuf;

use fantoccini::{Client, Locator};
use instacart_reorder::features::{Catalog, CatalogData};
use instacart_reorder::model::Model;
use instacart_reorder::order_history::export::{read_order_export, PersonalHistory, Timestamp};
use instacart_reorder::order_history::recommend::{basket_csv, recommend, Recommendation};

use crate::harness::{
    app_url, capture_downloads, first_download_text, testid, wait_for, wait_for_attr,
    wait_for_model, with_browser,
};

const FIRST_AT: &str = "2024-04-25T10:00:00-04:00";
const SECOND_AT: &str = "2024-05-04T23:00:00-04:00";

fn root(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn history() -> PersonalHistory {
    read_order_export(
        &std::fs::read(root("tests/fixtures/order_exports/orders.csv")).expect("fixture"),
    )
    .expect("export")
}

fn personal_model() -> Model {
    Model::from_bundle_json(
        &std::fs::read_to_string(root("assets/personal_model.json")).expect("bundle"),
    )
    .expect("loads")
}

fn personal_version() -> String {
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root("models/personal/meta.json")).expect("meta"),
    )
    .expect("json");
    meta["model_version"]
        .as_str()
        .expect("a version")
        .to_owned()
}

/// The next basket at `at`, computed natively by the same library.
fn expected(at: &str) -> Recommendation {
    let catalog = Catalog::new(CatalogData::default()).expect("empty catalog");
    recommend(
        &history().user_at(Timestamp::parse(at).expect("time")),
        &catalog,
        &personal_model(),
    )
    .expect("ranks")
}

/// (product id, name, probability) of every `history-candidate` row, in page order.
async fn shown(client: &Client) -> Result<Vec<(u64, String, f64)>, fantoccini::error::CmdError> {
    let mut rows = Vec::new();
    for cell in client
        .find_all(Locator::Css(&testid("history-candidate")))
        .await?
    {
        rows.push((
            cell.attr("data-product-id")
                .await?
                .unwrap_or_default()
                .parse()
                .expect("id"),
            cell.attr("data-name").await?.unwrap_or_default(),
            cell.attr("data-probability")
                .await?
                .unwrap_or_default()
                .parse()
                .expect("f64"),
        ));
    }
    Ok(rows)
}

fn wanted(recommendation: &Recommendation, history: &PersonalHistory) -> Vec<(u64, String, f64)> {
    recommendation
        .ranked
        .iter()
        .map(|row| {
            (
                row.product_id,
                history.name_of(row.product_id).to_owned(),
                row.probability,
            )
        })
        .collect()
}

async fn score_at(client: &Client, at: &str) -> Result<(), fantoccini::error::CmdError> {
    let field = wait_for(client, &testid("history-at")).await?;
    field.clear().await?;
    field.send_keys(at).await?;
    wait_for(client, &testid("history-score"))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn an_instacart_export_gets_its_next_basket_from_the_personal_model_in_every_format() {
    let history = history();
    let first = expected(FIRST_AT);
    let second = expected(SECOND_AT);
    let version = personal_version();
    for format in ["csv", "tsv", "json"] {
        let path = root(&format!("tests/fixtures/order_exports/orders.{format}"));
        let (first, second, history, version) = (
            first.clone(),
            second.clone(),
            history.clone(),
            version.clone(),
        );
        with_browser(&[], |client| async move {
            client.goto(&app_url("/history")).await?;
            wait_for_model(&client).await?;
            // The personal-history model is fetched on demand, not with the page.
            let fetched = client
                .execute(
                    "return performance.getEntriesByType('resource').map(e => e.name).join(' ');",
                    vec![],
                )
                .await?;
            assert!(
                !fetched
                    .as_str()
                    .unwrap_or_default()
                    .contains("personal_model"),
                "fetched at startup: {fetched}"
            );
            capture_downloads(&client).await?;
            wait_for(&client, &testid("history-file"))
                .await?
                .send_keys(&path.display().to_string())
                .await?;
            wait_for_attr(&client, &testid("history-shoppers"), "data-count", "1").await?;
            // The time of the next order defaults to now.
            let now = wait_for(&client, &testid("history-at"))
                .await?
                .prop("value")
                .await?
                .unwrap_or_default();
            assert!(
                Timestamp::parse(&now).is_ok(),
                "{format}: the default time {now:?}"
            );

            score_at(&client, FIRST_AT).await?;
            wait_for_attr(&client, &testid("history-model"), "data-value", &version).await?;
            wait_for_attr(&client, &testid("history-model"), "data-choice", "personal").await?;
            assert_eq!(shown(&client).await?, wanted(&first, &history), "{format}");
            wait_for_attr(
                &client,
                &testid("history-expected-f1-basket"),
                "data-count",
                &first.f1_count.to_string(),
            )
            .await?;
            wait_for_attr(
                &client,
                &testid("history-threshold-basket"),
                "data-count",
                &first.threshold_count.to_string(),
            )
            .await?;

            // The shopping list is recommend::basket_csv's, the rows of `reorder basket`.
            wait_for(&client, &testid("history-download"))
                .await?
                .click()
                .await?;
            let list = first_download_text(&client).await?;
            assert_eq!(
                list,
                basket_csv(&first, |id| history.name_of(id)),
                "{format}"
            );

            // Another time for the next order: other context features, other scores.
            score_at(&client, SECOND_AT).await?;
            let deadline = std::time::Instant::now() + crate::harness::WAIT;
            let want = wanted(&second, &history);
            loop {
                let rows = shown(&client).await?;
                if rows == want {
                    break;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "{format}: after the new time the page shows {rows:?}, expected {want:?}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert_ne!(
                wanted(&first, &history),
                want,
                "the time changes the scores"
            );
            Ok(())
        })
        .await;
    }
}
