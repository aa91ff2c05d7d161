//! The dashboard's quality over time, as a person uses it: two labelled Batch runs of the
//! bundled model each log their quality with the run; the dashboard lists both with the AUC and
//! F1 the Batch page showed for them, the held-out figures of the model card beside them, and
//! the latest run's calibration curve over its labelled rows; after a reload the runs are still
//! there (read back from IndexedDB). The figures themselves are checked against scikit-learn in
//! tests/it/run_quality.rs.

use fantoccini::Client;
use serde_json::Value;

use crate::harness::{
    app_url, attr_now, testid, wait_for, wait_for_attr, wait_for_model, with_browser,
};

fn labelled_fixture() -> String {
    format!(
        "{}/tests/e2e/fixtures/uploads/batch_labelled.csv",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Scores the labelled fixture on the Batch page; returns the labelled rows, AUC and F1 it shows.
async fn labelled_run(
    client: &Client,
) -> Result<(String, String, String), fantoccini::error::CmdError> {
    client.goto(&app_url("/batch")).await?;
    wait_for_model(client).await?;
    wait_for(client, &testid("batch-file"))
        .await?
        .send_keys(&labelled_fixture())
        .await?;
    wait_for_attr(client, &testid("batch-results"), "data-rows", "300").await?;
    wait_for(client, &testid("batch-metrics")).await?;
    let read = |id: &'static str, name: &'static str| async move {
        Ok::<_, fantoccini::error::CmdError>(
            attr_now(client, &testid(id), name)
                .await?
                .unwrap_or_default(),
        )
    };
    Ok((
        read("batch-metrics", "data-labelled").await?,
        read("batch-auc", "data-value").await?,
        read("batch-f1", "data-value").await?,
    ))
}

/// Every listed run's labelled rows, AUC and F1, newest first.
async fn quality_rows(client: &Client) -> Result<Vec<Vec<String>>, fantoccini::error::CmdError> {
    let rows = client
        .execute(
            "return Array.from(document.querySelectorAll(arguments[0])).map(row => \
               [row.dataset.labelled, row.dataset.auc, row.dataset.f1, row.dataset.logLoss]);",
            vec![Value::String(testid("quality-run"))],
        )
        .await?;
    Ok(rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            (0..4)
                .map(|i| row[i].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .collect())
}

#[tokio::test]
#[ignore = "needs the served release build and chromedriver (scripts/dev.sh test)"]
async fn labelled_runs_log_their_quality_and_the_dashboard_follows_it_beside_the_held_out_figures()
{
    with_browser(&[], |client| async move {
        let (labelled, auc, f1) = labelled_run(&client).await?;
        assert!(
            !auc.is_empty() && !f1.is_empty(),
            "the Batch page shows AUC and F1"
        );
        labelled_run(&client).await?;

        client.goto(&app_url("/dashboard")).await?;
        wait_for_attr(&client, &testid("quality-panel"), "data-runs", "2").await?;
        let rows = quality_rows(&client).await?;
        assert_eq!(rows.len(), 2);
        for row in &rows {
            assert_eq!(row[0], labelled, "labelled rows");
            assert_eq!(row[1], auc, "the AUC the Batch page showed");
            assert_eq!(row[2], f1, "the F1 the Batch page showed");
            let log_loss: f64 = row[3].parse().expect("log loss");
            assert!(log_loss > 0.0 && log_loss.is_finite(), "{log_loss}");
        }
        // The model card's held-out figures, from the bundle the training pipeline wrote.
        let bundle: Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/model.json"))
                .expect("bundle"),
        )
        .expect("JSON");
        let held_out = bundle["metadata"]["metrics"]["test_auc"]
            .as_f64()
            .expect("test_auc");
        let shown: f64 = attr_now(&client, &testid("quality-reference"), "data-auc")
            .await?
            .unwrap_or_default()
            .parse()
            .expect("held-out AUC");
        assert_eq!(shown, held_out);
        assert!(
            attr_now(&client, &testid("quality-held-out-auc"), "data-value")
                .await?
                .is_some()
        );

        // The latest run's calibration curve covers its labelled rows.
        let counted = client
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0])) \
                   .reduce((sum, point) => sum + Number(point.dataset.rows), 0);",
                vec![Value::String(testid("calibration-point"))],
            )
            .await?;
        assert_eq!(
            counted.as_f64().map(|n| n.to_string()),
            Some(labelled.clone())
        );

        client.refresh().await?;
        wait_for_attr(&client, &testid("quality-panel"), "data-runs", "2").await?;
        assert_eq!(
            quality_rows(&client).await?,
            rows,
            "read back from IndexedDB"
        );
        Ok(())
    })
    .await;
}
