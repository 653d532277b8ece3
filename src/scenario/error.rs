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
            file: cut(file.to_string()),
            path: cut(path.into()),
            message: cut(message.into()),
        }
    }
}

/// Longest part of an error kept: a 100,000-character value in a scenario must not become a
/// 100 KB error line.
const MAX_PART: usize = 400;

fn cut(mut text: String) -> String {
    if text.len() > MAX_PART {
        let mut end = MAX_PART;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(" … (cut)");
    }
    text
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
