//! What the mock saw: every request, and the outcome of every invocation.

use std::time::{Duration, Instant};

use super::wire;

/// One request as the mock received it, after framing was removed (a chunked body is decoded,
/// its trailers kept apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Which connection it came on: 0 for the first accepted connection, then 1, 2, ...
    pub connection: usize,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent, prefix and query included, not percent-decoded.
    pub path: String,
    /// The minor HTTP version: 1 for `HTTP/1.1`, 0 for `HTTP/1.0`.
    pub version: u8,
    /// Headers in the order received (values decoded as UTF-8, lossily).
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// True when the body came with `Transfer-Encoding: chunked`.
    pub chunked: bool,
    /// The size of each chunk of a chunked body, in order (empty otherwise): how the client cut
    /// a streamed response.
    pub chunk_sizes: Vec<usize>,
    /// Trailers of a chunked body, in order.
    pub trailers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// The first trailer with this name (case-insensitive).
    pub fn trailer(&self, name: &str) -> Option<&str> {
        find(&self.trailers, name)
    }
}

/// How one invocation (or the init phase) ended, as posted by the runtime and accepted by the
/// mock.
///
/// A post is *accepted* when the mock answers it with a 2xx status that no fault cuts short;
/// the outcome is recorded before the acknowledgement is sent, so once the runtime has its
/// acknowledgement, the outcome is there. Posts that were rejected (a scripted 410, 413, 500,
/// ...) or whose acknowledgement a fault cuts off are not outcomes; they are still in [`super::MockRuntimeApi::requests`]
/// and counted by [`super::MockRuntimeApi::post_count`]. So a runtime that re-sends a post after
/// a lost acknowledgement still shows exactly one outcome for the invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `POST .../invocation/{id}/response`, not streamed.
    Response {
        /// The request id from the path, percent-decoded.
        request_id: String,
        /// The response body (de-chunked if it came chunked).
        body: Vec<u8>,
        /// The request headers.
        headers: Vec<(String, String)>,
    },
    /// `POST .../invocation/{id}/error`.
    Error {
        /// The request id from the path, percent-decoded.
        request_id: String,
        /// `Lambda-Runtime-Function-Error-Type` (from the header, else from a trailer of that
        /// name; empty when neither was sent).
        error_type: String,
        /// The error document.
        body: Vec<u8>,
    },
    /// `POST .../init/error`.
    InitError {
        /// `Lambda-Runtime-Function-Error-Type` (empty when missing).
        error_type: String,
        /// The error document.
        body: Vec<u8>,
    },
    /// `POST .../restore/error` (SnapStart: the restore failed, e.g. an after-restore hook).
    RestoreError {
        /// `Lambda-Runtime-Function-Error-Type` (empty when missing).
        error_type: String,
        /// The error document.
        body: Vec<u8>,
    },
    /// A response sent with `Lambda-Runtime-Function-Response-Mode: streaming`.
    Streamed {
        /// The request id from the path, percent-decoded.
        request_id: String,
        /// The streamed bytes, de-chunked (for HTTP integrations: prelude, 8 NUL bytes, body).
        body: Vec<u8>,
        /// The request headers.
        headers: Vec<(String, String)>,
        /// The trailers: `Lambda-Runtime-Function-Error-Type` and
        /// `Lambda-Runtime-Function-Error-Body` (base64) when the stream failed.
        trailers: Vec<(String, String)>,
    },
}

/// Header and trailer name of the error type.
pub const ERROR_TYPE_HEADER: &str = "Lambda-Runtime-Function-Error-Type";
/// Trailer name of the base64-encoded error body of a failed stream.
pub const ERROR_BODY_TRAILER: &str = "Lambda-Runtime-Function-Error-Body";

impl Outcome {
    /// The request id, for all but [`Outcome::InitError`] and [`Outcome::RestoreError`].
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Outcome::Response { request_id, .. }
            | Outcome::Error { request_id, .. }
            | Outcome::Streamed { request_id, .. } => Some(request_id),
            Outcome::InitError { .. } | Outcome::RestoreError { .. } => None,
        }
    }

    /// The posted body.
    pub fn body(&self) -> &[u8] {
        match self {
            Outcome::Response { body, .. }
            | Outcome::Error { body, .. }
            | Outcome::InitError { body, .. }
            | Outcome::RestoreError { body, .. }
            | Outcome::Streamed { body, .. } => body,
        }
    }

    /// The error type of an error, an init or restore error, or a stream that failed (from its
    /// trailer).
    pub fn error_type(&self) -> Option<&str> {
        match self {
            Outcome::Error { error_type, .. }
            | Outcome::InitError { error_type, .. }
            | Outcome::RestoreError { error_type, .. } => Some(error_type),
            Outcome::Streamed { trailers, .. } => find(trailers, ERROR_TYPE_HEADER),
            Outcome::Response { .. } => None,
        }
    }

    /// True for errors, init and restore errors, and failed streams.
    pub fn is_error(&self) -> bool {
        self.error_type().is_some()
    }

    /// A request header (case-insensitive), for [`Outcome::Response`] and [`Outcome::Streamed`].
    pub fn header(&self, name: &str) -> Option<&str> {
        match self {
            Outcome::Response { headers, .. } | Outcome::Streamed { headers, .. } => {
                find(headers, name)
            }
            Outcome::Error { .. } | Outcome::InitError { .. } | Outcome::RestoreError { .. } => {
                None
            }
        }
    }

    /// The decoded `Lambda-Runtime-Function-Error-Body` trailer of a failed stream. `None` when
    /// there is no such trailer or it is not valid base64.
    pub fn stream_error_body(&self) -> Option<Vec<u8>> {
        match self {
            Outcome::Streamed { trailers, .. } => {
                wire::decode_base64(find(trailers, ERROR_BODY_TRAILER)?.as_bytes())
            }
            _ => None,
        }
    }
}

pub(super) fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// When an invocation's event went out and when its response came back, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundTrip {
    /// The invocation.
    pub request_id: String,
    /// Just before the first byte of the event was written (the answer was already built).
    /// After a reconnect, the moment the event was taken from the queue.
    pub sent: Instant,
    /// When the read that completed the response (or error) returned, before it was parsed.
    pub received: Instant,
}

impl RoundTrip {
    /// `received - sent`.
    pub fn duration(&self) -> Duration {
        self.received.saturating_duration_since(self.sent)
    }
}
