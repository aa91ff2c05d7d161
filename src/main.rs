//! Entry point of the browser app: Trunk builds this binary for wasm32 and it mounts the
//! Leptos app. Natively it only points to the real entry points.

#[cfg(target_arch = "wasm32")]
fn main() {
    instacart_reorder::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "instacart-reorder is the browser app: build it with `trunk build --release`; \
         the native command line is `reorder`"
    );
    std::process::exit(2);
}
