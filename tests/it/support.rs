//! What the modules of this test binary share: the `reorder` binary, paths into the repository,
//! fresh scratch folders, and running a command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `reorder` binary Cargo built for these tests.
pub const REORDER: &str = env!("CARGO_BIN_EXE_reorder");

/// A path inside the repository.
pub fn repo_path(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A fresh, empty folder for one test (`area` keeps the modules' folders apart).
pub fn scratch_dir(area: &str, test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("reorder-it-{}-{area}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs `reorder` with these arguments.
pub fn run_reorder(args: &[&str]) -> Output {
    Command::new(REORDER)
        .args(args)
        .output()
        .expect("runs reorder")
}

/// A path as the `&str` argument the CLI takes (the test folders are UTF-8).
pub fn path_arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}
