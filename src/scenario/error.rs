//! Input errors that name the file, the JSON path and what was expected (DESIGN §9).

use std::fmt;

/// A problem with a scenario or a command-line override. Always reported, never a panic; the
/// CLI exits 2 on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The scenario file, or `--set` / `--seed` for command-line input.
    pub file: String,
    /// The JSON path, e.g. `devices[0].origins[2].registrations[0].min_interval`; empty when the
    /// problem is the whole document (bad JSON syntax).
    pub path: String,
    pub message: String,
}

impl InputError {
    pub fn new(file: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.path, self.message)
        }
    }
}

impl std::error::Error for InputError {}
