//! Which batch runs are being run right now, in any tab: the tab running a run holds a Web Lock
//! named after it (`navigator.locks`) for as long as the run goes, and the browser lets go of a
//! tab's locks when the tab closes or crashes. So a run that never said how it ended
//! (`prediction_log::RunEnd`) and whose lock nobody holds was cut short: the log can tell
//! "running" from "cut short" without trusting a tab to have said goodbye.
//!
//! Reached through `Reflect` because web-sys keeps the Web Locks API behind an unstable flag.
//! Where the browser has no Web Locks, nothing is held and every unended run reads as cut short
//! once its tab has stopped writing; the run's own tab still shows it running.

use std::collections::BTreeSet;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The lock of a run, held until dropped.
pub struct RunLock {
    release: Option<Function>,
}

impl Drop for RunLock {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::UNDEFINED);
        }
    }
}

/// The name of run `run_id`'s lock in the log `database`.
pub fn lock_name(database: &str, run_id: u64) -> String {
    format!("{database}:batch-run:{run_id}")
}

fn lock_manager() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined() && !locks.is_null()).then_some(locks)
}

/// Takes the lock `name` (granted at once: one run, one name) and holds it until the returned
/// value is dropped; `None` where the browser has no Web Locks.
pub fn hold(name: &str) -> Option<RunLock> {
    let locks = lock_manager()?;
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let mut release = None;
    // The lock is held while this promise is pending: resolving it lets go.
    let held = Promise::new(&mut |resolve, _reject| release = Some(resolve));
    let callback = Closure::once_into_js(move |_lock: JsValue| held);
    let granted = request
        .call2(&locks, &JsValue::from_str(name), &callback)
        .ok()?;
    // A refusal (an opaque origin, say) only means the run is not seen as held elsewhere.
    if let Ok(granted) = granted.dyn_into::<Promise>() {
        let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
        let _ = granted.catch(&ignore);
        // Called at most once, when the run ends: kept until then.
        ignore.forget();
    }
    Some(RunLock { release })
}

/// The names of every lock held now, by any tab of this origin.
pub async fn held_names() -> BTreeSet<String> {
    let Some(locks) = lock_manager() else {
        return BTreeSet::new();
    };
    let Some(query) = Reflect::get(&locks, &"query".into())
        .ok()
        .and_then(|query| query.dyn_into::<Function>().ok())
    else {
        return BTreeSet::new();
    };
    let Some(promise) = query
        .call0(&locks)
        .ok()
        .and_then(|promise| promise.dyn_into::<Promise>().ok())
    else {
        return BTreeSet::new();
    };
    let Ok(snapshot) = JsFuture::from(promise).await else {
        return BTreeSet::new();
    };
    let held = Reflect::get(&snapshot, &"held".into()).unwrap_or(JsValue::UNDEFINED);
    js_sys::Array::from(&held)
        .iter()
        .filter_map(|lock| Reflect::get(&lock, &"name".into()).ok()?.as_string())
        .collect()
}
