//! A batch run's state as any tab reads it, in a real browser: a run that said how it ended is
//! finished or cancelled or cut short; one that did not is running while some tab holds its Web
//! Lock and cut short once nobody does (its tab closed or crashed). A second `LogStore` on the
//! same database stands for a second tab.

#![cfg(target_arch = "wasm32")]

use instacart_reorder::prediction_log::{RunEnd, RunState};
use instacart_reorder::web::log::LogStore;
use instacart_reorder::web::run_locks;
use wasm_bindgen_test::*;

use crate::log_v3::{chunk, run, DAY0};
use crate::storage::{factory, fresh_name, sleep};

/// Each run's state by id, as `other` (another tab) lists them.
async fn states(other: &LogStore) -> Vec<(u64, RunState)> {
    let mut listed: Vec<(u64, RunState)> = other
        .batch_runs()
        .await
        .expect("runs")
        .into_iter()
        .map(|(run, state)| (run.run_id.expect("a stored run's id"), state))
        .collect();
    listed.sort_by_key(|(run_id, _)| *run_id);
    listed
}

#[wasm_bindgen_test]
async fn each_run_reads_as_it_ended_or_as_running_while_its_tab_holds_it() {
    let name = fresh_name("runstate");
    let running_tab = LogStore::with_factory(Some(factory()), &name);
    let mut ids = Vec::new();
    for _ in 0..4 {
        let run_id = running_tab.add_batch_run(run()).await.expect("run");
        running_tab
            .add_batch_chunk(chunk(run_id, 0, DAY0, 10))
            .await
            .expect("chunk");
        ids.push(run_id);
    }
    running_tab
        .end_batch_run(ids[0], RunEnd::Finished, None)
        .await
        .expect("finished");
    running_tab
        .end_batch_run(ids[1], RunEnd::Cancelled, None)
        .await
        .expect("cancelled");
    running_tab
        .end_batch_run(ids[2], RunEnd::CutShort, None)
        .await
        .expect("cut short");
    // The fourth runs on in the first tab, which holds its lock.
    let lock = run_locks::hold(&run_locks::lock_name(&name, ids[3]));
    assert!(lock.is_some(), "chromium has Web Locks");

    let other_tab = LogStore::with_factory(Some(factory()), &name);
    assert_eq!(
        states(&other_tab).await,
        vec![
            (ids[0], RunState::Finished),
            (ids[1], RunState::Cancelled),
            (ids[2], RunState::CutShort),
            (ids[3], RunState::Running),
        ]
    );
    // Its tab goes away without a word: the browser lets go of the lock.
    drop(lock);
    let mut last = states(&other_tab).await[3];
    // The release reaches the lock manager a task later; a browser that never lets go fails.
    for _ in 0..2000 {
        if last.1 == RunState::CutShort {
            break;
        }
        sleep(5).await;
        last = states(&other_tab).await[3];
    }
    assert_eq!(last, (ids[3], RunState::CutShort));
}

#[wasm_bindgen_test]
async fn how_a_run_ended_survives_a_reload() {
    let name = fresh_name("runended");
    let store = LogStore::with_factory(Some(factory()), &name);
    let run_id = store.add_batch_run(run()).await.expect("run");
    store
        .add_batch_chunk(chunk(run_id, 0, DAY0, 10))
        .await
        .expect("chunk");
    store
        .end_batch_run(run_id, RunEnd::Cancelled, None)
        .await
        .expect("ended");
    let reloaded = LogStore::with_factory(Some(factory()), &name);
    let listed = reloaded.batch_runs().await.expect("runs");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1, RunState::Cancelled);
    assert_eq!(listed[0].0.rows, 10, "the chunk's rows still count");
}
