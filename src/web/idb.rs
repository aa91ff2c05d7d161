//! IndexedDB as futures, written once for every store of the app (the prediction log, the
//! user's own model): a request's result, a transaction's completion, and opening a database
//! with an upgrade callback. IndexedDB speaks in events; the stores above speak in `Result`s.
//!
//! A request or transaction future attaches its event handlers when it is created, not when it
//! is first polled, so a caller may issue several requests and await only the last one (or the
//! transaction's end) without missing an event.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Event, IdbCursorWithValue, IdbDatabase, IdbFactory, IdbOpenDbRequest, IdbRequest,
    IdbTransaction, IdbVersionChangeEvent,
};

use crate::browser::js_error::JsError;

/// Why IndexedDB could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum IdbError {
    #[error("IndexedDB is not available in this browser context")]
    Unavailable {
        /// What the browser threw when asked for IndexedDB, if it threw.
        #[source]
        cause: Option<JsError>,
    },
    #[error("IndexedDB refused to open")]
    Refused(#[source] JsError),
    #[error("IndexedDB could not be opened")]
    NotOpened(#[source] JsError),
    #[error("IndexedDB {operation} failed")]
    Failed {
        operation: &'static str,
        #[source]
        cause: JsError,
    },
}

impl IdbError {
    /// Maps a failure of `operation` (for `map_err`).
    pub fn failed<E: Into<JsError>>(operation: &'static str) -> impl Fn(E) -> IdbError {
        move |cause| IdbError::Failed {
            operation,
            cause: cause.into(),
        }
    }
}

/// This window's IndexedDB.
pub fn browser_factory() -> Result<IdbFactory, IdbError> {
    let window = web_sys::window().ok_or(IdbError::Unavailable { cause: None })?;
    match window.indexed_db() {
        Ok(Some(factory)) => Ok(factory),
        Ok(None) => Err(IdbError::Unavailable { cause: None }),
        Err(thrown) => Err(IdbError::Unavailable {
            cause: Some(JsError::from_js(&thrown)),
        }),
    }
}

/// Resolves with the request's result when it succeeds, or fails with its error.
pub fn request_done(request: &IdbRequest) -> impl Future<Output = Result<JsValue, JsError>> {
    let outcome = JsFuture::from(request_promise(request));
    async move { outcome.await.map_err(JsError::from) }
}

/// Resolves when the transaction commits, or fails with why it aborted.
pub fn transaction_done(transaction: &IdbTransaction) -> impl Future<Output = Result<(), JsError>> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        // One handler for both ends (a transaction completes or aborts, once), so it is freed.
        let settle = Closure::once_into_js(move |event: Event| {
            if event.type_() == "complete" {
                let _ = resolve.call0(&JsValue::UNDEFINED);
                return;
            }
            let error = event
                .target()
                .map(JsCast::unchecked_into::<IdbTransaction>)
                .and_then(|transaction| transaction.error())
                .map(JsValue::from)
                .unwrap_or_else(|| JsValue::from_str("transaction aborted"));
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        });
        transaction.set_oncomplete(Some(settle.unchecked_ref()));
        transaction.set_onabort(Some(settle.unchecked_ref()));
    });
    let outcome = JsFuture::from(promise);
    async move { outcome.await.map(|_| ()).map_err(JsError::from) }
}

/// Runs `step` with the request's result when it succeeds, inside the transaction (so `step` may
/// issue further requests on it); if `step` fails, the transaction is aborted and its end
/// (`transaction_done`) reports the failure.
pub fn then_in(
    transaction: &IdbTransaction,
    request: &IdbRequest,
    step: impl FnOnce(JsValue) -> Result<(), JsValue> + 'static,
) {
    // One handler for success and error (exactly one fires), so it is called once and freed; on
    // an error the transaction aborts by itself and `transaction_done` reports it.
    let settle = {
        let transaction = transaction.clone();
        Closure::once_into_js(move |event: Event| {
            if event.type_() != "success" {
                return;
            }
            let result = event
                .target()
                .map(JsCast::unchecked_into::<IdbRequest>)
                .ok_or_else(|| JsValue::from_str("request without a target"))
                .and_then(|request| request.result());
            if result.and_then(step).is_err() {
                let _ = transaction.abort();
            }
        })
    };
    request.set_onsuccess(Some(settle.unchecked_ref()));
    request.set_onerror(Some(settle.unchecked_ref()));
}

/// An event handler kept alive while it may still be called.
type EventHandler = Closure<dyn FnMut(Event)>;

/// Walks a cursor request: `visit` sees each position synchronously (inside the transaction)
/// and answers whether to go on. Resolves when `visit` stops or the cursor runs out.
pub fn walk_cursor(
    request: &IdbRequest,
    visit: impl FnMut(&IdbCursorWithValue) -> Result<bool, JsValue> + 'static,
) -> impl Future<Output = Result<(), JsError>> {
    let visit = Rc::new(RefCell::new(visit));
    // The success handler runs once per position, so it lives until the walk ends.
    let handler: Rc<RefCell<Option<EventHandler>>> = Rc::default();
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let on_success = {
            let request = request.clone();
            let visit = visit.clone();
            let reject = reject.clone();
            Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                let step = request.result().and_then(|result| {
                    if result.is_null() || result.is_undefined() {
                        return Ok(None);
                    }
                    let cursor: IdbCursorWithValue = result.dyn_into()?;
                    let go_on = (visit.borrow_mut())(&cursor)?;
                    Ok(go_on.then_some(cursor))
                });
                match step {
                    Ok(Some(cursor)) => {
                        if let Err(error) = cursor.continue_() {
                            let _ = reject.call1(&JsValue::UNDEFINED, &error);
                        }
                    }
                    Ok(None) => {
                        let _ = resolve.call0(&JsValue::UNDEFINED);
                    }
                    Err(error) => {
                        let _ = reject.call1(&JsValue::UNDEFINED, &error);
                    }
                }
            })
        };
        let on_error = {
            let request = request.clone();
            Closure::once_into_js(move |_: Event| {
                let error = match request.error() {
                    Ok(Some(error)) => JsValue::from(error),
                    Ok(None) => JsValue::from_str("cursor failed"),
                    Err(error) => error,
                };
                let _ = reject.call1(&JsValue::UNDEFINED, &error);
            })
        };
        request.set_onsuccess(Some(on_success.as_ref().unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
        handler.replace(Some(on_success));
    });
    let outcome = JsFuture::from(promise);
    async move {
        let result = outcome.await.map(|_| ()).map_err(JsError::from);
        drop(handler);
        result
    }
}

/// Opens database `name` at `version`. When the stored version is older, `upgrade` runs inside
/// the upgrade transaction with the old version (0 for a new database); if it fails, the
/// upgrade is aborted and the open fails with the upgrade's error.
///
/// The open also fails when it is blocked: a tab running an app version that does not close on
/// `versionchange` holds the old schema, and waiting for it would stall every caller.
pub async fn open_database(
    factory: &IdbFactory,
    name: &str,
    version: u32,
    upgrade: impl FnOnce(&IdbDatabase, &IdbTransaction, u32) -> Result<(), JsValue> + 'static,
) -> Result<IdbDatabase, IdbError> {
    let request: IdbOpenDbRequest = factory
        .open_with_u32(name, version)
        .map_err(|thrown| IdbError::Refused(JsError::from_js(&thrown)))?;
    let upgrade_error: Rc<RefCell<Option<JsError>>> = Rc::default();
    let on_upgrade = {
        let request = request.clone();
        let upgrade_error = upgrade_error.clone();
        Closure::once_into_js(move |event: IdbVersionChangeEvent| {
            let old_version = event.old_version() as u32;
            let result = match (request.result(), request.transaction()) {
                (Ok(db), Some(transaction)) => {
                    upgrade(db.unchecked_ref(), &transaction, old_version)
                }
                (Err(error), _) => Err(error),
                (_, None) => Err(JsValue::from_str("no upgrade transaction")),
            };
            if let Err(error) = result {
                upgrade_error.replace(Some(JsError::from_js(&error)));
                if let Some(transaction) = request.transaction() {
                    let _ = transaction.abort();
                }
            }
        })
    };
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    match open_done(&request).await {
        Ok(db) => Ok(db.unchecked_into()),
        Err(error) => {
            let cause = upgrade_error
                .borrow()
                .clone()
                .unwrap_or_else(|| JsError::from_js(&error));
            Err(IdbError::NotOpened(cause))
        }
    }
}

/// The request's outcome as a promise.
fn request_promise(request: &IdbRequest) -> Promise {
    Promise::new(&mut |resolve: Function, reject: Function| {
        // One handler for both outcomes: a request fires exactly one of them, so the handler is
        // called once and freed. (Two one-shot handlers would leak the one never called, and
        // with it the request and its result: every page an export read stayed in memory.)
        let settle = Closure::once_into_js(move |event: Event| {
            let Some(request) = event.target().map(JsCast::unchecked_into::<IdbRequest>) else {
                let _ = reject.call1(&JsValue::UNDEFINED, &JsValue::from_str("request failed"));
                return;
            };
            if event.type_() == "success" {
                let result = request.result().unwrap_or(JsValue::UNDEFINED);
                let _ = resolve.call1(&JsValue::UNDEFINED, &result);
            } else {
                let error = match request.error() {
                    Ok(Some(error)) => JsValue::from(error),
                    Ok(None) => JsValue::from_str("request failed"),
                    Err(error) => error,
                };
                let _ = reject.call1(&JsValue::UNDEFINED, &error);
            }
        });
        request.set_onsuccess(Some(settle.unchecked_ref()));
        request.set_onerror(Some(settle.unchecked_ref()));
    })
}

/// The open request's outcome, or a rejection when another tab blocks it. A blocked open request
/// goes on in the browser: once the other tab lets go it may still succeed, later, with a
/// connection nobody holds (no `versionchange` handler), which would then block the next
/// upgrade in its turn. That late connection is closed as soon as it opens.
fn open_done(request: &IdbOpenDbRequest) -> JsFuture {
    let blocked = Promise::new(&mut |_: Function, reject: Function| {
        let late = request.clone();
        let on_blocked = Closure::once_into_js(move |_: Event| {
            let opened = late.clone();
            let close_late_connection = Closure::once_into_js(move |event: Event| {
                if event.type_() != "success" {
                    return;
                }
                if let Ok(db) = opened.result() {
                    db.unchecked_into::<IdbDatabase>().close();
                }
            });
            late.set_onsuccess(Some(close_late_connection.unchecked_ref()));
            late.set_onerror(Some(close_late_connection.unchecked_ref()));
            let reason = JsValue::from_str("blocked by another tab holding an older version open");
            let _ = reject.call1(&JsValue::UNDEFINED, &reason);
        });
        request.set_onblocked(Some(on_blocked.unchecked_ref()));
    });
    JsFuture::from(Promise::race(&Array::of2(
        &request_promise(request),
        &blocked,
    )))
}
