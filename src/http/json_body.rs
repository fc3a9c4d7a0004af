//! JSON request bodies: parsed into serde types (or a [`Value`]) without allocating.
//!
//! The body is a slice of the event buffer that the request view also borrows, so it cannot
//! be parsed in place; [`JsonBody`] copies it into a buffer of its own, made once, and parses
//! it there with simd-json, the parsed `&str` fields borrowing from that copy.

use core::fmt;

use serde::Deserialize;

use crate::json::{EventError, Limits, Parser, Value};

/// A reusable parser for JSON request bodies: keep one in your handler.
///
/// ```
/// use lambda_zero::http::JsonBody;
///
/// #[derive(serde::Deserialize)]
/// struct NewUser<'a> {
///     name: &'a str,
/// }
///
/// let mut bodies = JsonBody::new(64 * 1024);
/// let user: NewUser<'_> = bodies.parse(br#"{"name":"Ada"}"#).unwrap();
/// assert_eq!(user.name, "Ada");
/// ```
pub struct JsonBody {
    parser: Parser,
    copy: Box<[u8]>,
}

impl fmt::Debug for JsonBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonBody")
            .field("max_body", &self.copy.len())
            .finish()
    }
}

/// Why a body could not be parsed.
#[derive(Debug, Clone)]
pub enum BodyError {
    /// The body is larger than the parser was made for.
    TooLarge {
        /// The largest body taken, in bytes.
        max: usize,
    },
    /// Not valid JSON, or not of the requested type.
    Json(EventError),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::TooLarge { max } => write!(f, "the request body is larger than {max} bytes"),
            BodyError::Json(EventError::Syntax(e)) => {
                write!(f, "the request body is not valid JSON: {}", e.reason())
            }
            BodyError::Json(EventError::Decode(e)) => {
                write!(f, "the request body does not match: {e}")
            }
        }
    }
}

impl std::error::Error for BodyError {}

impl JsonBody {
    /// A parser for bodies up to `max_body` bytes (its buffers are sized once, here).
    pub fn new(max_body: usize) -> JsonBody {
        JsonBody {
            parser: Parser::new(Limits::strict(max_body, 0)),
            copy: vec![0u8; max_body].into_boxed_slice(),
        }
    }

    fn copy<'b>(&'b mut self, body: &[u8]) -> Result<(&'b mut Parser, &'b mut [u8]), BodyError> {
        let max = self.copy.len();
        let dst = self
            .copy
            .get_mut(..body.len())
            .ok_or(BodyError::TooLarge { max })?;
        dst.copy_from_slice(body);
        Ok((&mut self.parser, dst))
    }

    /// Parses `body` into `T`, whose `&str` fields borrow from this parser's copy.
    pub fn parse<'b, T: Deserialize<'b>>(&'b mut self, body: &[u8]) -> Result<T, BodyError> {
        let (parser, copy) = self.copy(body)?;
        parser.parse(copy).map_err(BodyError::Json)
    }

    /// Parses `body` and hands its root [`Value`] to `f`.
    pub fn with_value<R>(
        &mut self,
        body: &[u8],
        f: impl FnOnce(Value<'_, '_>) -> R,
    ) -> Result<R, BodyError> {
        let (parser, copy) = self.copy(body)?;
        parser
            .with_value(copy, f)
            .map_err(|e| BodyError::Json(EventError::Syntax(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_typed_and_untyped_bodies_and_names_failures() {
        #[derive(Deserialize)]
        struct Item<'a> {
            name: &'a str,
            count: u32,
        }
        let mut bodies = JsonBody::new(256);
        let item: Item<'_> = bodies.parse(br#"{"name":"a\"b","count":3}"#).unwrap();
        assert_eq!((item.name, item.count), ("a\"b", 3));
        let n = bodies.with_value(b"[1,2,3]", |v| v.len()).unwrap();
        assert_eq!(n, 3);
        let e = bodies.parse::<Item<'_>>(b"{\"name\":1}").err().unwrap();
        assert!(
            e.to_string().starts_with("the request body does not match"),
            "{e}"
        );
        let e = bodies.parse::<Item<'_>>(b"{").err().unwrap();
        assert!(
            e.to_string()
                .starts_with("the request body is not valid JSON"),
            "{e}"
        );
        let e = bodies.parse::<Item<'_>>(&[b' '; 300]).err().unwrap();
        assert!(matches!(e, BodyError::TooLarge { max: 256 }));
    }
}
