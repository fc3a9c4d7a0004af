//! A base64 body, decoded in place in the event buffer, before the event is parsed.
//!
//! Once simd-json has parsed the event, every string of the request view borrows from the
//! event buffer, so nothing can be written into it any more. A body marked
//! `"isBase64Encoded": true` is therefore decoded first:
//!
//! 1. a search for `"isBase64Encoded"` followed by `true` anywhere in the event (one `memmem`
//!    pass; events without it, the common case, stop here);
//! 2. a scan of the top-level object's members only (nested values are skipped, strings
//!    respected) finds the first `body` string and confirms the first `isBase64Encoded` is
//!    `true`;
//! 3. the body text is decoded where it lies, and the buffer rearranged so the decoded bytes
//!    end it: `…"body":"<text>"…}` becomes `…"body":"<spaces>"…}<bytes>`. The event's JSON is
//!    still valid (and the same but for the body string, now blanks), and the bytes are a
//!    slice of the buffer apart from it.
//!
//! The request view then takes the body from that slice, after checking that the body string
//! simd-json found is the blanked one (so a scan that read the event differently from
//! simd-json, which only malformed or hand-crafted events can cause, is an error, never a
//! wrong body). A body that is not base64 is reported (the client gets a 400 in the source's
//! shape) once simd-json has found the event valid JSON; an invalid event stays invalid.

use memchr::memmem::Finder;

use super::base64::{decode_json_string_in_place, InvalidBase64};

/// What happened to the body before parsing.
#[derive(Debug, Clone, Copy)]
pub(crate) enum InPlace<'e> {
    /// No base64 body was found: the body is the `body` string as simd-json reads it.
    Untouched,
    /// The body string whose contents start at byte `at` of the JSON was decoded into
    /// `bytes`, and blanked to `blank` spaces.
    Decoded {
        at: usize,
        blank: usize,
        bytes: &'e [u8],
    },
    /// The body string whose contents start at byte `at` (`raw` bytes as the event has
    /// them, left untouched) is not base64.
    Invalid {
        at: usize,
        raw: usize,
        error: InvalidBase64,
    },
}

/// Looks for a base64 body and decodes it in place; returns the JSON to parse (the event, or
/// all of it but the decoded bytes at its end) and what was done.
pub(crate) fn decode_in_place<'e>(
    event: &'e mut [u8],
    marker: &Finder<'_>,
) -> (&'e mut [u8], InPlace<'e>) {
    if !may_be_base64(event, marker) {
        return (event, InPlace::Untouched);
    }
    let Some((start, end)) = top_level_base64_body(event) else {
        return (event, InPlace::Untouched);
    };
    let raw = end - start;
    match decode_json_string_in_place(&mut event[start..end]) {
        Ok(n) => {
            // [start..start+n) holds the bytes; move them to the end of the buffer, and blank
            // what is left of the string: `"<raw - n spaces>"…}<n bytes>`.
            let tail = &mut event[start..];
            tail.rotate_left(n);
            tail[..raw - n].fill(b' ');
            let split = event.len() - n;
            let (json, bytes) = event.split_at_mut(split);
            (
                json,
                InPlace::Decoded {
                    at: start,
                    blank: raw - n,
                    bytes,
                },
            )
        }
        Err(error) => (
            event,
            InPlace::Invalid {
                at: start,
                raw,
                error,
            },
        ),
    }
}

/// True when the event holds `"isBase64Encoded"` followed by `: true` somewhere.
fn may_be_base64(event: &[u8], marker: &Finder<'_>) -> bool {
    marker.find_iter(event).any(|at| {
        let mut i = at + marker.needle().len();
        i = skip_ws(event, i);
        if event.get(i) != Some(&b':') {
            return false;
        }
        i = skip_ws(event, i + 1);
        event.get(i..i + 4) == Some(b"true")
    })
}

/// The key that marks a base64 body, as [`decode_in_place`] searches for it.
pub(crate) const BASE64_MARKER: &[u8] = b"\"isBase64Encoded\"";

#[inline]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// The index of the `"` that closes the string whose contents start at `i`.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        let at = i + memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        if b[at] == b'"' {
            return Some(at);
        }
        i = at + 2;
    }
}

/// The index just past the JSON value starting at `i` (no validation beyond what is needed to
/// find its end: simd-json validates the event afterwards).
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i + 1).map(|e| e + 1),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match *b.get(j)? {
                    b'"' => j = string_end(b, j + 1)?,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while let Some(&c) = b.get(j) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// The contents span `[start, end)` of the first top-level `body` string, when the first
/// top-level `isBase64Encoded` is `true`.
fn top_level_base64_body(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    let mut body = None;
    let mut base64 = None;
    if b.get(i) == Some(&b'}') {
        return None;
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, i + 1)?;
        let key = &b[i + 1..key_end];
        i = skip_ws(b, key_end + 1);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let value_end = skip_value(b, i)?;
        if key == b"body" && body.is_none() {
            body = Some((b[i] == b'"').then(|| (i + 1, value_end - 1)));
        } else if key == b"isBase64Encoded" && base64.is_none() {
            base64 = Some(&b[i..value_end] == b"true");
        }
        i = skip_ws(b, value_end);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => break,
            _ => return None,
        }
    }
    match (body, base64) {
        (Some(Some(span)), Some(true)) => Some(span),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(event: &str) -> (String, Option<Vec<u8>>) {
        let finder = Finder::new(BASE64_MARKER);
        let mut buf = event.as_bytes().to_vec();
        let (json, state) = decode_in_place(&mut buf, &finder);
        let json = String::from_utf8(json.to_vec()).unwrap();
        let bytes = match state {
            InPlace::Decoded { at, blank, bytes } => {
                assert_eq!(&json[at..at + blank], " ".repeat(blank));
                assert_eq!(json.as_bytes()[at + blank], b'"');
                Some(bytes.to_vec())
            }
            InPlace::Invalid { .. } => Some(b"<invalid>".to_vec()),
            InPlace::Untouched => None,
        };
        (json, bytes)
    }

    #[test]
    fn decodes_a_top_level_base64_body_and_leaves_valid_json() {
        let (json, bytes) = run(r#"{"body":"AP8=","isBase64Encoded":true,"z":[1,{"a":"}"}]}"#);
        assert_eq!(bytes.as_deref(), Some(&b"\x00\xff"[..]));
        assert_eq!(
            json,
            r#"{"body":"  ","isBase64Encoded":true,"z":[1,{"a":"}"}]}"#
        );
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["body"], "  ");
        // The flag after the body, nested look-alikes before it, whitespace everywhere.
        let (json, bytes) = run(
            "{ \"x\" : {\"body\":\"Zm9v\",\"isBase64Encoded\":true} ,\n\"body\" : \"Zm9vYmFy\" , \"isBase64Encoded\"\t:\ttrue }",
        );
        assert_eq!(bytes.as_deref(), Some(&b"foobar"[..]));
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "{json}"
        );
    }

    #[test]
    fn leaves_events_without_a_top_level_base64_body_alone() {
        for event in [
            r#"{"body":"Zm9v","isBase64Encoded":false}"#,
            r#"{"body":"Zm9v"}"#,
            r#"{"isBase64Encoded":true}"#,
            r#"{"isBase64Encoded":true,"body":null}"#,
            r#"{"a":{"isBase64Encoded":true},"body":"Zm9v"}"#,
            r#"{"isBase64Encoded":false,"isBase64Encoded":true,"body":"Zm9v"}"#,
            r#"["isBase64Encoded",true]"#,
            r#"{"isBase64Encoded": true, "body": "Zm9v" "#,
            "",
        ] {
            let (json, bytes) = run(event);
            assert_eq!((json.as_str(), bytes), (event, None), "{event}");
        }
    }

    #[test]
    fn leaves_a_body_that_is_not_base64_as_it_was() {
        for event in [
            r#"{"isBase64Encoded":true,"body":"no base64!"}"#,
            r#"{"isBase64Encoded":true,"body":"QUJD\u0000"}"#,
            "{\"isBase64Encoded\":true,\"body\":\"QUJD\u{e9}\"}",
            "{\"isBase64Encoded\":true,\"body\":\"QUJD\x01\"}",
        ] {
            let (json, bytes) = run(event);
            assert_eq!(bytes.as_deref(), Some(&b"<invalid>"[..]));
            assert_eq!(json, event);
        }
    }

    #[test]
    fn escaped_slashes_in_the_text_decode() {
        let (json, bytes) = run(r#"{"isBase64Encoded":true,"body":"\/\/79","tail":"\"}"}"#);
        assert_eq!(bytes.as_deref(), Some(&b"\xff\xfe\xfd"[..]));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["tail"], "\"}");
    }
}
