//! The app's Web Worker, `reorder_worker`: the heavy jobs done off the main thread, so the page
//! only renders. It scores a batch file (`run`, with a second copy of itself as its helper for a
//! large file: `helper`, `ranges`), converts an own `model.txt` (`convert`) and reads an
//! uploaded order history (`history`), each by the very pure function the page falls back to
//! when no worker of this build starts. Messages are `worker_protocol`'s, read and posted in
//! `post`; `listen` hands each to its job. It links the pure modules and
//! wasm-bindgen/js-sys/web-sys only, never the app's UI. Trunk builds it from index.html
//! (`data-type="worker"`, feature `reorder-worker`); natively it only explains itself.

mod convert;
mod helper;
mod history;
mod listen;
mod post;
mod ranges;
mod run;

#[cfg(target_arch = "wasm32")]
fn main() {
    listen::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "reorder_worker is the app's Web Worker: Trunk builds it for wasm32 with \
         `trunk build --release`; the native command line is `reorder`"
    );
    std::process::exit(2);
}
