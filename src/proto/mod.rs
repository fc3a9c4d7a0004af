//! The Runtime API protocol with no I/O: no sockets, no clock, no environment.
//!
//! Everything here is pure code over byte buffers, so every parser and writer can be unit-tested
//! at every split point and fuzzed on its own (the approach of `quinn-proto` and `smoltcp`):
//!
//! - [`request`]: request heads (`GET next`, `POST response`/`error`, `POST init/error`, streamed
//!   responses) and the error JSON body, written into fixed buffers.
//! - [`response`]: the status line and headers of a response, parsed with `httparse`, with the
//!   Lambda headers kept as spans into the receive buffer.
//! - [`body`]: reads one whole response out of a buffer that fills up over time: body framing
//!   by `Content-Length`, chunked transfer encoding (decoded in place) or end of connection.
//! - [`extension`]: the Extensions API requests of the internal extension that makes Lambda
//!   send `SIGTERM` before shutdown (feature `graceful-shutdown`), and the identifier it gets.

pub mod body;
pub mod extension;
pub mod request;
pub mod response;

use core::fmt;

/// Largest event body accepted: Lambda's 6 MiB synchronous limit plus the 100 bytes the service
/// itself lets through.
pub const MAX_EVENT_BODY: usize = 6 * 1024 * 1024 + 100;

/// Largest response head accepted (status line and headers). Lambda's own heads are well under
/// 2 KiB; client context and identity headers can carry a few KiB of JSON.
pub const MAX_HEAD: usize = 32 * 1024;

/// Most headers accepted in one response head.
pub const MAX_HEADERS: usize = 64;

/// Where the Runtime API lives: parsed from `AWS_LAMBDA_RUNTIME_API`.
///
/// Accepts the `host:port` form Lambda sets and the `http://host:port/prefix` form that local
/// emulators hand out. Parsed once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port` as given (used for the `Host` header and to resolve the address).
    pub host: String,
    /// A path in front of `/2018-06-01/...`, without a trailing slash (usually empty).
    pub path_prefix: String,
}

impl Endpoint {
    /// Parses `host:port`, `host`, `http://host:port` or `http://host:port/prefix`.
    pub fn parse(value: &str) -> Result<Endpoint, EndpointError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(EndpointError::Empty);
        }
        let lower = value
            .get(..8)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if lower.starts_with("https://") {
            return Err(EndpointError::Https);
        }
        let rest = if lower.starts_with("http://") {
            &value[7..]
        } else {
            value
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(EndpointError::NoHost);
        }
        if authority.contains('@') {
            return Err(EndpointError::Invalid);
        }
        let bad = |s: &str| {
            s.bytes()
                .any(|b| b <= b' ' || b == 0x7f || b == b'?' || b == b'#')
        };
        if bad(authority) || bad(path) {
            return Err(EndpointError::Invalid);
        }
        let host = if has_port(authority) {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        Ok(Endpoint {
            host,
            path_prefix: path.trim_end_matches('/').to_string(),
        })
    }
}

fn has_port(authority: &str) -> bool {
    match authority.rfind(':') {
        // `[::1]:9001` has a port; `[::1]` has none.
        Some(i) => {
            !authority[i..].contains(']')
                && authority[i + 1..].bytes().all(|b| b.is_ascii_digit())
                && i + 1 < authority.len()
        }
        None => false,
    }
}

/// Why `AWS_LAMBDA_RUNTIME_API` could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointError {
    /// The value is empty.
    Empty,
    /// `https://` was given; the Runtime API is plain HTTP.
    Https,
    /// No host before the path.
    NoHost,
    /// Spaces, control characters, user info, a query or a fragment.
    Invalid,
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointError::Empty => "is empty",
            EndpointError::Https => "uses https://, but the Runtime API is plain HTTP (use host:port or http://host:port)",
            EndpointError::NoHost => "has no host (expected host:port or http://host:port/prefix)",
            EndpointError::Invalid => "is not a host:port or http://host:port/prefix address",
        })
    }
}

/// What was wrong with bytes the server sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtoError {
    /// The status line or headers are not valid HTTP/1.x.
    BadHead,
    /// The head is larger than [`MAX_HEAD`].
    HeadTooLarge,
    /// More than [`MAX_HEADERS`] headers.
    TooManyHeaders,
    /// `Content-Length` is not a number, or several disagree.
    BadContentLength,
    /// A transfer coding other than `chunked`.
    UnsupportedTransferEncoding,
    /// Malformed chunked framing.
    BadChunk,
    /// The body is larger than the limit (the declared or received length, in bytes).
    BodyTooLarge(u64),
    /// The connection ended before the whole message arrived.
    Truncated,
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtoError::BadHead => f.write_str("malformed HTTP response head"),
            ProtoError::HeadTooLarge => write!(f, "response head larger than {MAX_HEAD} bytes"),
            ProtoError::TooManyHeaders => write!(f, "more than {MAX_HEADERS} response headers"),
            ProtoError::BadContentLength => f.write_str("invalid or conflicting Content-Length"),
            ProtoError::UnsupportedTransferEncoding => {
                f.write_str("unsupported Transfer-Encoding (only chunked is understood)")
            }
            ProtoError::BadChunk => f.write_str("malformed chunked body"),
            ProtoError::BodyTooLarge(n) => write!(
                f,
                "body of {n} bytes is larger than the {MAX_EVENT_BODY} byte limit"
            ),
            ProtoError::Truncated => {
                f.write_str("connection closed before the whole response arrived")
            }
        }
    }
}

impl std::error::Error for ProtoError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_in_every_form() {
        let table: &[(&str, &str, &str)] = &[
            ("127.0.0.1:9001", "127.0.0.1:9001", ""),
            ("localhost:9001", "localhost:9001", ""),
            ("http://127.0.0.1:9000", "127.0.0.1:9000", ""),
            ("HTTP://127.0.0.1:9000/", "127.0.0.1:9000", ""),
            ("http://[::1]:9000/lambda/fn/", "[::1]:9000", "/lambda/fn"),
            ("http://localhost/x", "localhost:80", "/x"),
            ("[::1]", "[::1]:80", ""),
            ("  127.0.0.1:1  ", "127.0.0.1:1", ""),
        ];
        for &(input, host, prefix) in table {
            let ep = Endpoint::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (ep.host.as_str(), ep.path_prefix.as_str()),
                (host, prefix),
                "{input}"
            );
        }
    }

    #[test]
    fn bad_endpoints_are_refused_with_a_reason() {
        let table: &[(&str, EndpointError)] = &[
            ("", EndpointError::Empty),
            ("https://x:1", EndpointError::Https),
            ("http:///x", EndpointError::NoHost),
            ("a b:1", EndpointError::Invalid),
            ("h:1/x\r\nEvil: 1", EndpointError::Invalid),
            ("u@h:1", EndpointError::Invalid),
            ("h:1/?q", EndpointError::Invalid),
        ];
        for &(input, want) in table {
            assert_eq!(Endpoint::parse(input), Err(want), "{input:?}");
        }
    }
}
