//! `reorder convert`, `reorder predict` and `reorder explain`: files and arguments around the
//! library's `model` module.

use crate::CliError;

pub fn convert(_args: &[String]) -> Result<(), CliError> {
    Err(CliError::other("convert is not built yet"))
}

pub fn predict(_args: &[String]) -> Result<(), CliError> {
    Err(CliError::other("predict is not built yet"))
}

pub fn explain(_args: &[String]) -> Result<(), CliError> {
    Err(CliError::other("explain is not built yet"))
}
