//! Query parameters: a fixed-capacity list of `(name, value)` pairs, in the order the source
//! gives them, with each source's decoding made uniform.
//!
//! | source | taken from | decoding |
//! |---|---|---|
//! | API Gateway REST, WebSocket | `multiValueQueryStringParameters`, else `queryStringParameters` | none: API Gateway decoded them |
//! | HTTP API, function URL | `rawQueryString` (else `queryStringParameters`) | `application/x-www-form-urlencoded`: `+` is a space, `%XX` a byte |
//! | ALB | `multiValueQueryStringParameters`, else `queryStringParameters` | the same: ALB passes them as the client sent them |
//! | VPC Lattice | `queryStringParameters` (arrays of values) | the same |
//!
//! These are `lambda_http`'s choices too (an HTTP API's `queryStringParameters` joins repeated
//! names with commas, so the raw query string is the one to read). Decoded bytes that are not
//! UTF-8 become U+FFFD, as in `lambda_http`. Pairs beyond [`MAX_QUERY_PARAMS`] fail the request
//! (a 414), never dropped.

use super::scratch::{Scratch, ScratchFull};

/// The most query parameters (counting each value of a repeated name) a request holds.
pub const MAX_QUERY_PARAMS: usize = 128;

/// The query parameters of a request.
#[derive(Clone, Copy)]
pub struct Query<'a> {
    pairs: [(&'a str, &'a str); MAX_QUERY_PARAMS],
    len: usize,
}

/// Why a pair could not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// More than [`MAX_QUERY_PARAMS`].
    TooMany,
    /// The decoding buffer is full.
    Scratch,
}

impl From<ScratchFull> for QueryError {
    fn from(_: ScratchFull) -> QueryError {
        QueryError::Scratch
    }
}

impl<'a> Query<'a> {
    pub(crate) const fn new() -> Query<'a> {
        Query {
            pairs: [("", ""); MAX_QUERY_PARAMS],
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, name: &'a str, value: &'a str) -> Result<(), QueryError> {
        let slot = self.pairs.get_mut(self.len).ok_or(QueryError::TooMany)?;
        *slot = (name, value);
        self.len += 1;
        Ok(())
    }

    /// Pushes a pair whose name and value are form-urlencoded, decoding them.
    pub(crate) fn push_encoded(
        &mut self,
        name: &'a str,
        value: &'a str,
        scratch: &mut Scratch<'a>,
    ) -> Result<(), QueryError> {
        if self.len == MAX_QUERY_PARAMS {
            return Err(QueryError::TooMany);
        }
        let name = form_decode(name, scratch)?;
        let value = form_decode(value, scratch)?;
        self.push(name, value)
    }

    /// Parses a raw query string (`a=1&b=&c&a=2`): pairs split at `&`, name and value at the
    /// first `=`, both form-decoded; empty pieces are skipped.
    pub(crate) fn parse_raw(
        &mut self,
        raw: &'a str,
        scratch: &mut Scratch<'a>,
    ) -> Result<(), QueryError> {
        for piece in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            self.push_encoded(name, value, scratch)?;
        }
        Ok(())
    }

    /// The first value of `name` (names are case-sensitive).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Every value of `name`, in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.iter().filter(move |(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Every `(name, value)` pair, in order (a repeated name once per value).
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.pairs[..self.len].iter().copied()
    }

    /// True when `name` has at least one value.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no query parameters.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl core::fmt::Debug for Query<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// `text` with `+` as a space and `%XX` as the byte XX (a `%` not followed by two hex digits
/// stays as it is), borrowed as it is when there is nothing to decode.
pub(crate) fn form_decode<'a>(
    text: &'a str,
    scratch: &mut Scratch<'a>,
) -> Result<&'a str, ScratchFull> {
    if memchr::memchr2(b'%', b'+', text.as_bytes()).is_none() {
        return Ok(text);
    }
    let decoded = scratch.take(|buf| {
        let n = percent_decode_into(text.as_bytes(), buf)?;
        // UTF-8 as it is, or lossily: each invalid byte came from a 3-byte `%XX`, so its
        // 3-byte U+FFFD fits in the same room, written after the valid prefix.
        match core::str::from_utf8(&buf[..n]) {
            Ok(_) => Some(n),
            Err(_) => None,
        }
    });
    match decoded {
        Ok(s) => Ok(s),
        Err(ScratchFull) => lossy(text, scratch),
    }
}

/// The decoded bytes of `src` (form rules) written into `dst`; `None` when `dst` is too small.
fn percent_decode_into(src: &[u8], dst: &mut [u8]) -> Option<usize> {
    let mut read = 0;
    let mut write = 0;
    while read < src.len() {
        let b = src[read];
        let (out, used) = match b {
            b'+' => (b' ', 1),
            b'%' => match (
                src.get(read + 1).and_then(hex),
                src.get(read + 2).and_then(hex),
            ) {
                (Some(h), Some(l)) => ((h << 4) | l, 3),
                _ => (b'%', 1),
            },
            _ => (b, 1),
        };
        *dst.get_mut(write)? = out;
        read += used;
        write += 1;
    }
    Some(write)
}

fn hex(b: &u8) -> Option<u8> {
    char::from(*b).to_digit(16).map(|d| d as u8)
}

/// The decoding of `text` with every invalid UTF-8 sequence replaced by U+FFFD (as
/// `String::from_utf8_lossy` does).
///
/// The lossy text is never longer than `text`: each invalid byte came from a 3-byte `%XX` and
/// becomes the 3-byte U+FFFD. The decoded bytes are staged `text.len()` bytes into the free
/// space and the lossy text written in front of them, so this needs twice `text`'s length.
#[cold]
fn lossy<'a>(text: &'a str, scratch: &mut Scratch<'a>) -> Result<&'a str, ScratchFull> {
    let room = text.len();
    scratch.take(|buf| {
        let (out, stage) = buf.split_at_mut_checked(room)?;
        let n = percent_decode_into(text.as_bytes(), stage)?;
        let mut at = 0;
        for chunk in stage[..n].utf8_chunks() {
            let valid = chunk.valid().as_bytes();
            out.get_mut(at..at + valid.len())?.copy_from_slice(valid);
            at += valid.len();
            if !chunk.invalid().is_empty() {
                out.get_mut(at..at + 3)?
                    .copy_from_slice("\u{fffd}".as_bytes());
                at += 3;
            }
        }
        Some(at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Vec<(String, String)> {
        let mut buf = vec![0u8; 4 * raw.len() + 16];
        let mut scratch = Scratch::new(&mut buf);
        let mut q = Query::new();
        q.parse_raw(raw, &mut scratch).unwrap();
        q.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_raw_query_strings_as_form_urlencoded() {
        assert_eq!(
            parse("parameter1=value1&parameter1=value2&parameter2=value"),
            pairs(&[
                ("parameter1", "value1"),
                ("parameter1", "value2"),
                ("parameter2", "value")
            ])
        );
        assert_eq!(
            parse("a=1+2&b=%2B%26%3D&&c&=d&e=x=y&f=%zz%4&g=caf%C3%A9"),
            pairs(&[
                ("a", "1 2"),
                ("b", "+&="),
                ("c", ""),
                ("", "d"),
                ("e", "x=y"),
                ("f", "%zz%4"),
                ("g", "café"),
            ])
        );
        assert_eq!(parse(""), pairs(&[]));
        assert_eq!(parse("&&"), pairs(&[]));
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        assert_eq!(
            parse("x=%ff&y=a%C3b%e9"),
            pairs(&[("x", "\u{fffd}"), ("y", "a\u{fffd}b\u{fffd}")])
        );
        assert_eq!(parse("z=%F0%9F%98%80%F0%9F"), pairs(&[("z", "😀\u{fffd}")]));
    }

    #[test]
    fn lookups_and_the_capacity() {
        let mut buf = [0u8; 64];
        let mut scratch = Scratch::new(&mut buf);
        let mut q = Query::new();
        q.parse_raw("a=1&b=2&a=3", &mut scratch).unwrap();
        assert_eq!(q.get("a"), Some("1"));
        assert_eq!(q.get_all("a").collect::<Vec<_>>(), ["1", "3"]);
        assert_eq!(q.get("A"), None, "names are case-sensitive");
        assert!(q.contains("b") && !q.contains("c"));
        assert_eq!(q.len(), 3);
        let mut q = Query::new();
        for _ in 0..MAX_QUERY_PARAMS {
            q.push("n", "v").unwrap();
        }
        assert_eq!(q.push("n", "v"), Err(QueryError::TooMany));
        let mut scratch = Scratch::new(&mut buf);
        assert_eq!(
            q.push_encoded("a%20", "b", &mut scratch),
            Err(QueryError::TooMany)
        );
        let mut tiny = [0u8; 2];
        let mut scratch = Scratch::new(&mut tiny);
        let mut q = Query::new();
        assert_eq!(
            q.parse_raw("abc=%20%20%20", &mut scratch),
            Err(QueryError::Scratch)
        );
    }
}
