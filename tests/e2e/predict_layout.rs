//! The Predict page for people: the features that matter most to the model come first (by the
//! gain of `models/model.txt`, read here from the trees' own lines), the rest under a closed
//! disclosure; labels for people with the raw name beside them; fields show a rounded value but
//! the page scores and saves the exact one (the probability is checked bit for bit against the
//! evaluator run natively on the exact medians); one pick of a demo shopper's product fills the
//! form with that shopper's row.

use fantoccini::error::CmdError;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::harness::{
    app_url, testid, wait_for, wait_for_attr, wait_for_model, with_browser, WAIT,
};
use instacart_reorder::features::{pick_values, Catalog, DemoUsers};
use instacart_reorder::model::Model;

fn repo_text(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|error| panic!("read {path}: {error}"))
}

fn bundled_model() -> Model {
    Model::from_bundle_json(&repo_text("assets/model.json")).expect("the bundled model")
}

/// The feature with the largest total `split_gain` in `models/model.txt`.
fn largest_gain_feature() -> String {
    let text = repo_text("models/model.txt");
    let names: Vec<&str> = text
        .lines()
        .find_map(|line| line.strip_prefix("feature_names="))
        .expect("feature_names")
        .split(' ')
        .collect();
    let mut gain = vec![0.0_f64; names.len()];
    let mut features: Vec<usize> = Vec::new();
    for line in text.lines() {
        if let Some(list) = line.strip_prefix("split_feature=") {
            features = list
                .split(' ')
                .map(|cell| cell.parse().expect("index"))
                .collect();
        } else if let Some(list) = line.strip_prefix("split_gain=") {
            for (feature, cell) in features.iter().zip(list.split(' ')) {
                gain[*feature] += cell.parse::<f64>().expect("gain");
            }
        }
    }
    let best = (0..names.len())
        .max_by(|a, b| gain[*a].total_cmp(&gain[*b]))
        .expect("features");
    names[best].to_owned()
}

async fn probability_bits(client: &Client) -> Result<u64, CmdError> {
    let value = wait_for(client, &testid("probability"))
        .await?
        .attr("data-value")
        .await?
        .unwrap_or_default();
    Ok(value
        .parse::<f64>()
        .unwrap_or_else(|_| panic!("probability {value:?}"))
        .to_bits())
}

async fn wait_for_probability(client: &Client, expected: f64) -> Result<(), CmdError> {
    let deadline = std::time::Instant::now() + WAIT;
    while probability_bits(client).await? != expected.to_bits() {
        assert!(
            std::time::Instant::now() < deadline,
            "the page never showed probability {expected:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(())
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn the_most_important_features_come_first_and_the_rest_wait_closed() {
    let top = largest_gain_feature();
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        let first = wait_for(&client, "input[data-testid^=\"feature-\"]").await?;
        assert_eq!(
            first.attr("data-testid").await?,
            Some(format!("feature-{top}")),
            "the first input is the feature of the largest gain"
        );
        assert!(first.is_displayed().await?);
        let more = wait_for(&client, &testid("more-features")).await?;
        assert_eq!(more.attr("open").await?, None, "the rest starts closed");
        let hidden = more
            .find_all(Locator::Css("input[data-testid^=\"feature-\"]"))
            .await?;
        assert!(
            !hidden.is_empty(),
            "some features wait under the disclosure"
        );
        assert!(!hidden[0].is_displayed().await?);
        let shown = client
            .find_all(Locator::Css(&format!(
                "{} input[data-testid^=\"feature-\"]",
                testid("top-features")
            )))
            .await?;
        assert_eq!(
            shown.len() + hidden.len(),
            bundled_model().num_features(),
            "every feature is on the page once"
        );
        more.find(Locator::Css("summary")).await?.click().await?;
        assert!(hidden[0].is_displayed().await?, "the disclosure opens");
        // A label for people, the raw name beside it.
        let label = wait_for(&client, "label[for=\"feature-input-up_orders_since_last\"]")
            .await?
            .text()
            .await?;
        assert!(
            label.contains("Orders since they last bought it")
                && label.contains("up_orders_since_last"),
            "label: {label:?}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn fields_show_rounded_values_but_the_exact_ones_are_scored_and_saved() {
    let model = bundled_model();
    let medians: Vec<f64> = model
        .features()
        .iter()
        .map(|spec| spec.median.unwrap_or(f64::NAN))
        .collect();
    let expected = model.predict(&medians).expect("medians score").probability;
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        // The basket size is not among the first features: open the rest.
        wait_for(&client, &format!("{} summary", testid("more-features")))
            .await?
            .click()
            .await?;
        let basket = wait_for(&client, &testid("feature-user_avg_basket_size")).await?;
        // The training median is 11.162790697674419 (models/meta.json).
        assert_eq!(basket.prop("value").await?.as_deref(), Some("11.16"));
        assert_eq!(
            basket.attr("data-exact-value").await?.as_deref(),
            Some("11.162790697674419")
        );
        wait_for_probability(&client, expected).await?;
        wait_for(&client, &testid("predict")).await?.click().await?;
        wait_for_attr(&client, &testid("log-status"), "data-state", "saved").await?;
        let saved = client
            .execute(
                "return JSON.parse(JSON.parse(localStorage.getItem('last_inputs')))",
                vec![],
            )
            .await?;
        assert_eq!(saved["user_avg_basket_size"], json!("11.162790697674419"));
        // Typing replaces the exact value: what is typed is what counts.
        basket.clear().await?;
        basket.send_keys("11.16").await?;
        let mut typed = medians.clone();
        let column = model
            .feature_names()
            .iter()
            .position(|name| *name == "user_avg_basket_size")
            .expect("column");
        typed[column] = 11.16;
        let expected_typed = model.predict(&typed).expect("typed row").probability;
        wait_for_probability(&client, expected_typed).await?;
        assert_eq!(basket.attr("data-exact-value").await?, None);
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn one_pick_fills_the_form_with_a_demo_shoppers_product() {
    let model = bundled_model();
    let users = DemoUsers::from_json(&repo_text("assets/demo_users.json")).expect("demo users");
    let catalog = Catalog::from_json(&repo_text("assets/catalog.json")).expect("catalog");
    with_browser(&[], |client| async move {
        client.goto(&app_url("/")).await?;
        wait_for_model(&client).await?;
        // Nothing is fetched until the reader reaches for the select.
        let select = wait_for(&client, &testid("demo-pick")).await?;
        assert_eq!(select.attr("data-state").await?.as_deref(), Some("idle"));
        select.click().await?;
        wait_for(
            &client,
            &format!("{}[data-state=\"ready\"]", testid("demo-pick")),
        )
        .await?;
        let chosen = client
            .execute(
                r#"
                const select = document.querySelector('[data-testid="demo-pick"]');
                const option = select.querySelectorAll('option')[1];
                select.value = option.value;
                select.dispatchEvent(new Event('change', { bubbles: true }));
                return option.value;
                "#,
                vec![],
            )
            .await?;
        let Value::String(chosen) = chosen else {
            panic!("no option value: {chosen:?}");
        };
        let (user, product) = chosen.split_once(':').expect("user:product");
        let (user_id, product_id): (u64, u64) = (
            user.parse().expect("user"),
            product.parse().expect("product"),
        );
        let names = model.feature_names();
        let row = pick_values(&users, &catalog, (user_id, product_id), &names).expect("row");
        let expected = model.predict(&row).expect("row scores").probability;
        wait_for_probability(&client, expected).await?;
        assert_eq!(
            wait_for(&client, &testid("user-id"))
                .await?
                .prop("value")
                .await?,
            Some(user_id.to_string())
        );
        assert_eq!(
            wait_for(&client, &testid("product-id"))
                .await?
                .prop("value")
                .await?,
            Some(product_id.to_string())
        );
        // A value the history cannot give stays unknown (empty), never 0.
        for (name, value) in names.iter().zip(&row) {
            if value.is_nan() {
                let field = wait_for(&client, &testid(&format!("feature-{name}"))).await?;
                assert_eq!(field.prop("value").await?.as_deref(), Some(""), "{name}");
            }
        }
        Ok(())
    })
    .await;
}
