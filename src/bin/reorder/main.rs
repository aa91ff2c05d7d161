//! `reorder`: the native command line. It parses arguments, reads and writes files and decides
//! exit codes; the work itself lives in the library's pure modules.
//!
//! Exit codes: 0 success, 2 bad input (arguments, files, rows), 1 anything else.
//!
//! The command line reads and writes files, so it is built natively only; for wasm32 (where
//! `cargo clippy --all-targets` also compiles it) it is an empty stub.

#[cfg(not(target_arch = "wasm32"))]
mod basket_cmd;
#[cfg(not(target_arch = "wasm32"))]
mod cli;
#[cfg(not(target_arch = "wasm32"))]
mod features_cmd;
#[cfg(not(target_arch = "wasm32"))]
mod model_cmds;
#[cfg(not(target_arch = "wasm32"))]
mod output;
#[cfg(not(target_arch = "wasm32"))]
mod reference_cmd;

#[cfg(not(target_arch = "wasm32"))]
use cli::CliError;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}
