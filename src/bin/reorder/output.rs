//! How every `reorder` command writes a file: nothing appears at the target until the whole
//! content is written. The content goes to a temporary file created next to the target with
//! `create_new` (so a file or link already at that name, say a symlink planted to redirect the
//! write, is never opened, let alone followed), is synced to disk, and is renamed over the
//! target. A staged file that is dropped without `commit` (an error on the way) is removed.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::CliError;

/// Temporary names tried after `.{name}.{pid}.tmp` is taken: `.{name}.{pid}.{n}.tmp`.
const MORE_TEMPORARY_NAMES: u32 = 16;

/// A file being written next to its target; see the module comment.
pub struct StagedFile {
    target: PathBuf,
    temporary: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl StagedFile {
    /// Creates a fresh temporary file in the target's directory.
    pub fn create(target: &Path) -> Result<StagedFile, CliError> {
        let directory = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .ok_or_else(|| CliError::input(format!("`{}` is not a file path", target.display())))?;
        let pid = std::process::id();
        let mut last_taken = None;
        for attempt in 0..=MORE_TEMPORARY_NAMES {
            let name = if attempt == 0 {
                format!(".{file_name}.{pid}.tmp")
            } else {
                format!(".{file_name}.{pid}.{attempt}.tmp")
            };
            let temporary = directory.join(name);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temporary)
            {
                Ok(file) => {
                    return Ok(StagedFile {
                        target: target.to_path_buf(),
                        temporary,
                        writer: Some(BufWriter::with_capacity(1 << 20, file)),
                    })
                }
                Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                    last_taken = Some(temporary);
                }
                Err(error) => {
                    return Err(CliError::other(format!(
                        "cannot write `{}`: cannot create the temporary file `{}`: {error}",
                        target.display(),
                        temporary.display()
                    )))
                }
            }
        }
        Err(CliError::other(format!(
            "cannot write `{}`: every temporary name up to `{}` already exists; remove them",
            target.display(),
            last_taken.unwrap_or_default().display()
        )))
    }

    fn error(&self, error: std::io::Error) -> CliError {
        CliError::other(format!("cannot write `{}`: {error}", self.target.display()))
    }

    /// Syncs the content and renames it over the target (then syncs the directory, so the
    /// rename itself survives a crash where the platform allows it).
    pub fn commit(mut self) -> Result<(), CliError> {
        let Some(writer) = self.writer.take() else {
            return Err(CliError::other("the output was already committed"));
        };
        let file = writer
            .into_inner()
            .map_err(|error| self.error(error.into_error()))?;
        file.sync_all().map_err(|error| self.error(error))?;
        drop(file);
        std::fs::rename(&self.temporary, &self.target).map_err(|error| self.error(error))?;
        self.temporary = PathBuf::new();
        if let Some(directory) = self.target.parent().filter(|p| !p.as_os_str().is_empty()) {
            if let Ok(directory) = File::open(directory) {
                let _ = directory.sync_all();
            }
        }
        Ok(())
    }
}

impl Write for StagedFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self.writer.as_mut() {
            Some(writer) => writer.write(bytes),
            None => Err(std::io::Error::other("the output was already committed")),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self.writer.as_mut() {
            Some(writer) => writer.write_all(bytes),
            None => Err(std::io::Error::other("the output was already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.writer.as_mut() {
            Some(writer) => writer.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        // Not committed: remove the temporary file (only ever the one this process created).
        self.writer = None;
        if !self.temporary.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Writes all of `bytes` to `path` through a `StagedFile`, or to stdout for `-`.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    if path.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        return stdout
            .write_all(bytes)
            .and_then(|()| stdout.flush())
            .map_err(|error| CliError::other(format!("cannot write stdout: {error}")));
    }
    let mut staged = StagedFile::create(path)?;
    staged
        .write_all(bytes)
        .map_err(|error| staged.error(error))?;
    staged.commit()
}
