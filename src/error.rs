//! The two error types: [`Error`], an invocation's error as a handler returns it and Lambda
//! receives it (inline, no heap), and [`RuntimeError`], why the runtime stopped (small, typed,
//! with messages that say what to do).

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

/// Longest error message kept, in bytes; longer messages are cut at a character boundary.
pub const MAX_ERROR_MESSAGE: usize = 1024;
/// Longest error type kept, in bytes, including the `Function.` or `Runtime.` prefix.
pub const MAX_ERROR_TYPE: usize = 64;

/// Which side an error belongs to: the first part of its error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `Function.*`: the handler failed.
    Function,
    /// `Runtime.*`: the runtime failed around the handler (bad event, panic, ...).
    Runtime,
}

impl ErrorKind {
    fn prefix(self) -> &'static [u8] {
        match self {
            ErrorKind::Function => b"Function.",
            ErrorKind::Runtime => b"Runtime.",
        }
    }
}

/// A typed invocation error: an error type and a message, kept inline (no heap).
///
/// Inline storage makes the type about 1.1 KiB, so clippy's `result_large_err` lint fires on
/// functions returning `Result<_, Error>`; that size is the price of never allocating on the
/// error path (it is only moved when an error actually happens). Allow the lint, as with other
/// inline error types.
///
/// The error type always matches `(Runtime|Function)\.[A-Z][a-zA-Z]+`, the pattern Lambda accepts
/// for `Lambda-Runtime-Function-Error-Type` (anything else would be rewritten to `*.Unknown`):
/// names are cleaned on construction. Any `std::error::Error` converts with `?`, named after its
/// type (`ParseIntError` becomes `Function.ParseIntError`).
#[derive(Clone)]
pub struct Error {
    error_type: InlineStr<MAX_ERROR_TYPE>,
    message: InlineStr<MAX_ERROR_MESSAGE>,
}

impl Error {
    /// A `Function.<name>` error. `name` is cleaned to letters (`bad_input` becomes `BadInput`).
    pub fn function(name: &str, message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Function, name, message)
    }

    /// A `Runtime.<name>` error.
    pub fn runtime(name: &str, message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Runtime, name, message)
    }

    /// An error of the given kind; `name` may already carry a `Function.`/`Runtime.` prefix,
    /// which then wins over `kind`.
    pub fn new(kind: ErrorKind, name: &str, message: impl fmt::Display) -> Error {
        let mut error = Error {
            error_type: InlineStr::new(),
            message: InlineStr::new(),
        };
        error.error_type.set_error_type(kind, name);
        let _ = fmt::write(&mut error.message, format_args!("{message}"));
        error
    }

    /// The error type, e.g. `Function.ParseIntError`.
    pub fn error_type(&self) -> &str {
        self.error_type.as_str()
    }

    /// The message, at most [`MAX_ERROR_MESSAGE`] bytes.
    pub fn message(&self) -> &str {
        self.message.as_str()
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(error: E) -> Error {
        let mut out = Error::new(ErrorKind::Function, short_type_name::<E>(), &error);
        let mut source = error.source();
        while let Some(cause) = source {
            let _ = fmt::write(&mut out.message, format_args!(": {cause}"));
            source = cause.source();
        }
        out
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("error_type", &self.error_type())
            .field("message", &self.message())
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type(), self.message())
    }
}

/// `core::num::error::ParseIntError` -> `ParseIntError`; `a::B<c::D>` -> `B`.
fn short_type_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let no_generics = full.split('<').next().unwrap_or(full);
    no_generics.rsplit("::").next().unwrap_or(no_generics)
}

/// A string of at most `N` bytes stored inline; writes past `N` are cut at a char boundary.
#[derive(Clone, Copy)]
struct InlineStr<const N: usize> {
    len: usize,
    bytes: [u8; N],
}

impl<const N: usize> InlineStr<N> {
    const fn new() -> Self {
        InlineStr {
            len: 0,
            bytes: [0; N],
        }
    }

    fn as_str(&self) -> &str {
        // Only whole UTF-8 characters are ever pushed (see `write_str`), or ASCII letters.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    fn push_byte(&mut self, b: u8) -> bool {
        if self.len == N {
            return false;
        }
        self.bytes[self.len] = b;
        self.len += 1;
        true
    }

    /// Builds `Function.Name` / `Runtime.Name` from a free-form name.
    fn set_error_type(&mut self, kind: ErrorKind, name: &str) {
        self.len = 0;
        let (kind, name) = if let Some(rest) = name.strip_prefix("Function.") {
            (ErrorKind::Function, rest)
        } else if let Some(rest) = name.strip_prefix("Runtime.") {
            (ErrorKind::Runtime, rest)
        } else {
            (kind, name)
        };
        for &b in kind.prefix() {
            self.push_byte(b);
        }
        let prefix_len = self.len;
        let mut upper_next = true;
        for b in name.bytes() {
            if b.is_ascii_alphabetic() {
                let b = if upper_next {
                    b.to_ascii_uppercase()
                } else {
                    b
                };
                if !self.push_byte(b) {
                    break;
                }
                upper_next = false;
            } else {
                upper_next = true;
            }
        }
        // The pattern wants an upper-case letter and then at least one more letter.
        if self.len < prefix_len + 2 {
            self.len = prefix_len;
            for &b in b"Unknown" {
                self.push_byte(b);
            }
        }
    }
}

impl<const N: usize> fmt::Write for InlineStr<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = N - self.len;
        let take = if s.len() <= room {
            s.len()
        } else {
            let mut end = room;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            end
        };
        self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        if take < s.len() {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches_lambda_pattern(t: &str) -> bool {
        let rest = t
            .strip_prefix("Function.")
            .or_else(|| t.strip_prefix("Runtime."));
        match rest {
            Some(r) => {
                let b = r.as_bytes();
                b.len() >= 2 && b[0].is_ascii_uppercase() && b.iter().all(u8::is_ascii_alphabetic)
            }
            None => false,
        }
    }

    #[test]
    fn error_types_are_cleaned_to_the_lambda_pattern() {
        let table: &[(ErrorKind, &str, &str)] = &[
            (ErrorKind::Function, "BadInput", "Function.BadInput"),
            (ErrorKind::Function, "bad_input", "Function.BadInput"),
            (ErrorKind::Runtime, "Panic", "Runtime.Panic"),
            (ErrorKind::Function, "Runtime.Oops", "Runtime.Oops"),
            (ErrorKind::Runtime, "Function.Oops", "Function.Oops"),
            (ErrorKind::Function, "", "Function.Unknown"),
            (ErrorKind::Function, "x", "Function.Unknown"),
            (ErrorKind::Function, "E1", "Function.Unknown"),
            (ErrorKind::Function, "\r\nX-Evil: 1", "Function.XEvil"),
            (ErrorKind::Function, "héllo wörld", "Function.HLloWRld"),
            (ErrorKind::Function, "Function.", "Function.Unknown"),
        ];
        for &(kind, name, want) in table {
            let e = Error::new(kind, name, "m");
            assert_eq!(e.error_type(), want, "name {name:?}");
            assert!(matches_lambda_pattern(e.error_type()), "{}", e.error_type());
        }
        let long = "A".repeat(500);
        let e = Error::function(&long, "m");
        assert_eq!(e.error_type().len(), MAX_ERROR_TYPE);
        assert!(matches_lambda_pattern(e.error_type()));
    }

    #[test]
    fn std_errors_convert_with_their_type_name() {
        let parse: Result<u32, _> = "x".parse::<u32>();
        let e: Error = parse.unwrap_err().into();
        assert_eq!(e.error_type(), "Function.ParseIntError");
        assert_eq!(e.message(), "invalid digit found in string");
    }

    #[test]
    fn long_messages_are_cut_at_a_char_boundary() {
        let msg = "é".repeat(MAX_ERROR_MESSAGE); // 2 bytes each
        let e = Error::function("Big", &msg);
        assert!(e.message().len() <= MAX_ERROR_MESSAGE);
        assert!(e.message().len() >= MAX_ERROR_MESSAGE - 1);
        assert!(e.message().chars().all(|c| c == 'é'));
    }
}
