//! Why an event could not become a [`Request`](super::Request), and what the caller is told.
//!
//! Two kinds of failure:
//!
//! - The event is not from an HTTP source, or a detected source's event lacks a field every
//!   such event has (a test event typed by hand, a misconfigured integration): the invocation
//!   fails with `Runtime.NotAnHttpEvent` or `Runtime.InvalidHttpEvent`, whose message names
//!   the source expected and the field.
//! - The client sent something the request view cannot hold (a body that claims base64 and is
//!   not, more query parameters than [`MAX_QUERY_PARAMS`](super::MAX_QUERY_PARAMS)): the
//!   function answers the client with a 4xx in the source's response shape and a plain-text
//!   body saying why, as a web server would. The handler is not called.

use core::fmt;

use super::source::{Source, NOT_HTTP};
use crate::Error;

/// Why an event could not become a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    /// No HTTP source matched the event (`Runtime.NotAnHttpEvent`).
    NotHttp,
    /// The event is from `source` but `field` is missing or of the wrong type
    /// (`Runtime.InvalidHttpEvent`).
    InvalidField {
        /// The source the event was detected as.
        source: Source,
        /// The field, as a JSON path (`requestContext.http.method`).
        field: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// `isBase64Encoded` is true but the body is not standard padded base64 (answered with
    /// 400).
    InvalidBase64 {
        /// The source.
        source: Source,
        /// The character offset in the body text where decoding failed.
        at: usize,
    },
    /// More query parameters than the fixed capacity (answered with 414).
    TooManyQueryParams {
        /// The source.
        source: Source,
        /// The capacity, [`MAX_QUERY_PARAMS`](super::MAX_QUERY_PARAMS).
        limit: usize,
    },
    /// Decoded text (query parameters, the stage-prefixed path, the joined `cookie` header) did
    /// not fit the decoding buffer, which is the event's size (`Runtime.InvalidHttpEvent`;
    /// it cannot happen for an event within the adapter's `Limits::max_event`).
    ScratchFull {
        /// The source.
        source: Source,
    },
}

impl RequestError {
    /// The source the event was detected as, if one was.
    pub fn source(&self) -> Option<Source> {
        match *self {
            RequestError::NotHttp => None,
            RequestError::InvalidField { source, .. }
            | RequestError::InvalidBase64 { source, .. }
            | RequestError::TooManyQueryParams { source, .. }
            | RequestError::ScratchFull { source } => Some(source),
        }
    }

    /// The HTTP status the client is answered with, for errors that are the client's; `None`
    /// for errors reported to Lambda as the invocation's error.
    pub fn status(&self) -> Option<u16> {
        match self {
            RequestError::InvalidBase64 { .. } => Some(400),
            RequestError::TooManyQueryParams { .. } => Some(414),
            _ => None,
        }
    }

    /// The invocation error reported to Lambda (for every kind, also those answered with a
    /// status when an adapter answers them).
    pub fn to_error(&self) -> Error {
        match self {
            RequestError::NotHttp => Error::runtime("NotAnHttpEvent", self),
            _ => Error::runtime("InvalidHttpEvent", self),
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RequestError::NotHttp => f.write_str(NOT_HTTP),
            RequestError::InvalidField {
                source,
                field,
                problem,
            } => write!(f, "expected {}: `{field}` {problem}", source.description()),
            RequestError::InvalidBase64 { at, .. } => write!(
                f,
                "the request body is marked isBase64Encoded but is not standard padded base64 \
                 (at character {at})"
            ),
            RequestError::TooManyQueryParams { limit, .. } => {
                write!(f, "the request has more than {limit} query parameters")
            }
            RequestError::ScratchFull { source } => write!(
                f,
                "{} decodes to more text than the decoding buffer holds",
                source.description()
            ),
        }
    }
}

impl std::error::Error for RequestError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_names_its_source_field_and_answer() {
        let e = RequestError::InvalidField {
            source: Source::HttpApi,
            field: "requestContext.http.method",
            problem: "is missing",
        };
        assert_eq!(e.status(), None);
        let err = e.to_error();
        assert_eq!(err.error_type(), "Runtime.InvalidHttpEvent");
        assert_eq!(
            err.message(),
            "expected an API Gateway HTTP API event (payload 2.0): `requestContext.http.method` is missing"
        );
        let e = RequestError::NotHttp;
        assert_eq!(e.to_error().error_type(), "Runtime.NotAnHttpEvent");
        assert!(e.to_string().contains("requestContext.elb"));
        let e = RequestError::InvalidBase64 {
            source: Source::Alb,
            at: 5,
        };
        assert_eq!((e.status(), e.source()), (Some(400), Some(Source::Alb)));
        assert!(e.to_string().contains("at character 5"));
        let e = RequestError::TooManyQueryParams {
            source: Source::HttpApi,
            limit: 128,
        };
        assert_eq!(e.status(), Some(414));
        assert!(e.to_string().contains("more than 128"));
    }
}
