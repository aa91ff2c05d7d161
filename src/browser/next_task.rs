//! Ending the current task from async code: `next_task` resolves in a new task, so that what
//! the event loop has waiting (a paint, input, a message that arrived) runs in between. The
//! page's start-up awaits it between checking the model bundle and mounting the app; the batch
//! worker awaits it between two ranges it scores itself, so its helper's answers get in. A
//! message to itself through a `MessageChannel`: unlike a timer, never delayed or throttled.
//! js-sys/web-sys only, linked by the app and the worker alike.

use wasm_bindgen::JsCast;

/// Resolves in a new task (at once, without yielding, if the browser cannot make a channel).
pub async fn next_task() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return;
    };
    let delivered = js_sys::Promise::new(&mut |resolve, _| {
        channel.port1().set_onmessage(Some(resolve.unchecked_ref()));
    });
    if channel
        .port2()
        .post_message(&wasm_bindgen::JsValue::NULL)
        .is_err()
    {
        return;
    }
    let _ = wasm_bindgen_futures::JsFuture::from(delivered).await;
    channel.port1().set_onmessage(None);
}
