//! `reorder features`: files and arguments around the library's `features` module.

use crate::CliError;

pub fn run(_args: &[String]) -> Result<(), CliError> {
    Err(CliError::other("features is not built yet"))
}
