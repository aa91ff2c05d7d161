//! The Demo page on the release build: choosing a demo shopper shows their ranked candidates
//! (highest probability first) with basket precision, recall and F1, logs them, and a row opens
//! in the Predict page with its features filled in, giving the very same probability.

use fantoccini::Locator;

use crate::harness::{app_url, testid, wait_for, wait_for_model, wait_for_path, with_browser};

#[tokio::test]
#[ignore = "needs a served release build: scripts/dev.sh test"]
async fn demo_user_ranking_appears_and_opens_in_predict() {
    with_browser(&[], |client| async move {
        client.goto(&app_url("/demo")).await?;
        wait_for_model(&client).await?;
        let select = wait_for(&client, &testid("demo-user")).await?;
        let options = select.find_all(Locator::Css("option")).await?;
        assert!(
            options.len() >= 2,
            "the demo page lists at least one shopper"
        );
        let user_id = options[1]
            .attr("value")
            .await?
            .expect("a shopper option has a value");
        select.select_by_index(1).await?;
        wait_for(&client, &testid("demo-score"))
            .await?
            .click()
            .await?;
        let ranking = wait_for(
            &client,
            &format!("{}[data-user=\"{user_id}\"]", testid("demo-ranking")),
        )
        .await?;
        let rows = ranking.find_all(Locator::Css(&testid("demo-row"))).await?;
        assert!(!rows.is_empty(), "shopper {user_id} has ranked candidates");
        let mut probabilities = Vec::new();
        for cell in ranking
            .find_all(Locator::Css(&testid("demo-probability")))
            .await?
        {
            let value = cell.attr("data-value").await?.unwrap_or_default();
            probabilities.push(value.parse::<f64>().expect("a probability"));
        }
        assert!(
            probabilities.windows(2).all(|pair| pair[0] >= pair[1]),
            "candidates are ranked by probability, highest first: {probabilities:?}"
        );
        for metric in ["demo-precision", "demo-recall", "demo-f1"] {
            let text = wait_for(&client, &testid(metric)).await?.text().await?;
            assert!(!text.trim().is_empty(), "{metric} is shown");
        }
        wait_for(
            &client,
            &format!("{}[data-state=\"saved\"]", testid("demo-log-status")),
        )
        .await?;

        let top = &rows[0];
        let top_probability = probabilities[0];
        top.find(Locator::Css("a")).await?.click().await?;
        wait_for_path(&client, "/").await?;
        let shown = wait_for(&client, &testid("probability"))
            .await?
            .attr("data-value")
            .await?
            .and_then(|value| value.parse::<f64>().ok())
            .expect("the Predict page scores the opened row");
        assert_eq!(
            shown.to_bits(),
            top_probability.to_bits(),
            "the row opened in Predict scores {shown}, the demo table said {top_probability}"
        );
        Ok(())
    })
    .await;
}
