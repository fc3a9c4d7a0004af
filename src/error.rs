//! Why the runtime stopped: small, typed, with messages that say what to do.

use core::fmt;
use std::io;

use crate::proto::{EndpointError, ProtoError};

/// An error that ends [`crate::Runtime::run`]. Everything recoverable (a dropped connection, a
/// bad event, a 410 for a late response) is handled inside the loop and only logged.
pub enum RuntimeError {
    /// `AWS_LAMBDA_RUNTIME_API` is not set.
    MissingEndpoint,
    /// `AWS_LAMBDA_RUNTIME_API` is set but unusable.
    InvalidEndpoint {
        /// The value as found.
        value: String,
        /// What is wrong with it.
        reason: EndpointError,
    },
    /// The Runtime API could not be reached (name resolution or connect failed, after retries).
    Unreachable {
        /// `host:port` that was tried.
        endpoint: String,
        /// The last I/O error.
        source: io::Error,
    },
    /// The Runtime API answered 500: the sandbox is in a state the runtime must not continue in.
    Fatal {
        /// Which request got the 500.
        request: &'static str,
        /// The status code.
        status: u16,
    },
    /// The connection kept failing while an invocation was being answered.
    ConnectionLost(io::Error),
    /// The server kept sending bytes that are not a valid response.
    Protocol(ProtoError),
    /// The function's initialisation failed (reported to `/runtime/init/error`).
    InitFailed(Box<crate::Error>),
    /// A worker of [`crate::Runtime::run_with_init`] could not be started (its thread or its
    /// event queue), or its thread ended without returning.
    Worker(io::Error),
}

/// The message, as for [`fmt::Display`]: a `main` that returns `Result<(), RuntimeError>` then
/// prints `Error: ` and a sentence that says what to do, not a struct dump.
impl fmt::Debug for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeError::MissingEndpoint => f.write_str(
                "AWS_LAMBDA_RUNTIME_API is not set: this program is a Lambda bootstrap and must be \
                 started by Lambda or a local emulator (e.g. `cargo lambda watch`), or set \
                 AWS_LAMBDA_RUNTIME_API=host:port yourself",
            ),
            RuntimeError::InvalidEndpoint { value, reason } => {
                write!(f, "AWS_LAMBDA_RUNTIME_API={value:?} {reason}")
            }
            RuntimeError::Unreachable { endpoint, source } => {
                write!(f, "cannot reach the Lambda Runtime API at {endpoint}: {source}")
            }
            RuntimeError::Fatal { request, status } => write!(
                f,
                "the Runtime API answered {status} to {request}: non-recoverable, exiting so Lambda can restart the sandbox"
            ),
            RuntimeError::ConnectionLost(e) => {
                write!(f, "lost the connection to the Runtime API and could not re-establish it: {e}")
            }
            RuntimeError::Protocol(e) => write!(f, "the Runtime API sent an invalid response: {e}"),
            RuntimeError::InitFailed(e) => write!(f, "function initialisation failed: {e}"),
            RuntimeError::Worker(e) => {
                write!(f, "a worker for concurrent invocations failed: {e}")
            }
        }
    }
}

impl std::error::Error for RuntimeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RuntimeError::Unreachable { source, .. } => Some(source),
            RuntimeError::ConnectionLost(e) => Some(e),
            RuntimeError::Protocol(e) => Some(e),
            RuntimeError::Worker(e) => Some(e),
            _ => None,
        }
    }
}
