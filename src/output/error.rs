//! The one error type of the output layer: what a caller of `write_run`, `render` or the
//! experiment writers can get back, typed so that a library user can tell a refused directory
//! from a failed write without parsing messages.

use std::fmt;

/// What went wrong writing outputs (or reading back the files charts are drawn from).
#[derive(Debug)]
#[non_exhaustive]
pub enum OutputError {
    /// The output directory may not be replaced: it holds files bgsim did not write, is the
    /// working directory, or names a file (the CLI reports this as bad input, exit 2).
    Refused(String),
    /// An operation failed; `context` says which (`cannot write out/daily.csv`).
    Failed {
        context: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Malformed data read back, or a chart that could not be drawn.
    Message(String),
}

impl OutputError {
    /// Whether this is (or was caused by) a refusal to touch the output directory.
    pub fn is_refused(&self) -> bool {
        match self {
            OutputError::Refused(_) => true,
            OutputError::Failed { source, .. } => source
                .downcast_ref::<OutputError>()
                .is_some_and(OutputError::is_refused),
            OutputError::Message(_) => false,
        }
    }
}

/// The whole chain, outermost first: `cannot write out/daily.csv: No space left on device`.
impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Refused(m) | OutputError::Message(m) => f.write_str(m),
            OutputError::Failed { context, source } if context.is_empty() => {
                write!(f, "{source}")
            }
            OutputError::Failed { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for OutputError {}

/// A bare `?` on a library error: the error's own message, no context.
macro_rules! from_source {
    ($($t:ty),*) => {$(
        impl From<$t> for OutputError {
            fn from(e: $t) -> Self {
                OutputError::Failed {
                    context: String::new(),
                    source: Box::new(e),
                }
            }
        }
    )*};
}
from_source!(
    std::io::Error,
    std::fmt::Error,
    csv::Error,
    serde_json::Error
);

pub type Result<T, E = OutputError> = std::result::Result<T, E>;

/// Says what was being done when an error happened (the way `anyhow::Context` does, typed).
pub trait Context<T> {
    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for std::result::Result<T, E> {
    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|e| OutputError::Failed {
            context: context().to_string(),
            source: Box::new(e),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.ok_or_else(|| OutputError::Message(context().to_string()))
    }
}
