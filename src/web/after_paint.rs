//! Work that the first paint must not wait for (a warm-up, a registration, a secondary
//! download) is handed to `after_next_paint`: it runs once the browser has painted the next
//! frame, or after `FALLBACK` if no frame comes (a hidden tab paints nothing). Work that must
//! not compete with the first probability at all (opening IndexedDB, reading a remembered own
//! model, the service worker) waits for `after_model_settles`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;

/// The longest the work waits for a frame.
const FALLBACK: Duration = Duration::from_millis(300);

/// The work, shared by the two ways it can start; whichever comes first takes it.
type Pending = Rc<Cell<Option<Box<dyn FnOnce()>>>>;

/// Runs `work` once, after the next paint.
pub fn after_next_paint(work: impl FnOnce() + 'static) {
    let slot: Pending = Rc::new(Cell::new(Some(Box::new(work))));
    let run = |slot: Pending| {
        move || {
            if let Some(work) = slot.take() {
                work();
            }
        }
    };
    let after_frame = run(Rc::clone(&slot));
    // A task queued from the frame callback runs after that frame is painted.
    request_animation_frame(move || set_timeout(after_frame, Duration::ZERO));
    set_timeout(run(slot), FALLBACK);
}

/// Runs `work` once the bundled model has loaded (or failed to), after the paint that shows it:
/// on the Predict page that paint carries the first probability. Call inside the app (it reads
/// the model's state from the context).
pub fn after_model_settles(work: impl FnOnce() + 'static) {
    let model = crate::web::loader::use_model();
    let pending: Pending = Rc::new(Cell::new(Some(Box::new(work))));
    Effect::new(move |_| {
        let settled = !matches!(
            model.state.get(),
            crate::web::loader::ModelState::Loading(_)
        );
        if settled {
            if let Some(work) = pending.take() {
                after_next_paint(work);
            }
        }
    });
}

/// Tells the page's plain scripts (the service worker's registration) that the app has shown
/// its first result, so they may start their own work.
pub fn announce_settled() {
    if let Some(window) = web_sys::window() {
        if let Ok(event) = web_sys::Event::new(SETTLED_EVENT) {
            let _ = window.dispatch_event(&event);
        }
        let _ = js_sys::Reflect::set(&window, &SETTLED_EVENT.into(), &wasm_bindgen::JsValue::TRUE);
    }
}

/// The window event (and flag) `announce_settled` sets; `assets/pwa/register-sw.js` waits for it.
pub const SETTLED_EVENT: &str = "reorder:settled";
