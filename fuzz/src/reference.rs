//! Small, obviously-correct reference implementations the fuzz checks compare against.
//!
//! They work on a whole input at once (no state machine, no split points, no buffer limits),
//! so any disagreement with the incremental code points at the incremental code.

use lambda_zero::__private::proto::response::{parse_head, Framing, Head};
use lambda_zero::__private::proto::{ProtoError, MAX_HEAD};

/// Longest chunk-size line the runtime accepts (hex digits plus extension), as documented in
/// `proto::body`.
pub const MAX_CHUNK_LINE: usize = 4096;

/// What [`decode_chunked`] made of a chunked body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunked {
    /// The whole body arrived.
    Done {
        /// The decoded body.
        body: Vec<u8>,
        /// Bytes of input used, framing and trailers included.
        consumed: usize,
        /// The trailer field lines (between the last chunk and the final blank line).
        trailers: core::ops::Range<usize>,
    },
    /// The input ends inside the body.
    NeedMore,
    /// The framing is malformed.
    Bad,
    /// The decoded length passed the limit; the total at the chunk that passed it.
    TooLarge(u64),
}

fn hex(b: u8) -> Option<u64> {
    (b as char).to_digit(16).map(u64::from)
}

/// Decodes a chunked body from the start of `input`, line by line.
///
/// The grammar is the one `proto::body` documents and accepts:
///
/// ```text
/// chunk      = 1*16HEXDIG [ (";" / SP / HTAB) *(any byte but CR, LF) ] CRLF data CRLF
/// last-chunk = 1*16HEXDIG(all zero) [ ext ] CRLF
/// trailers   = *( line not starting with CR, up to and including LF ) CRLF
/// ```
///
/// with the size line (digits plus extension) at most [`MAX_CHUNK_LINE`] bytes, the trailer
/// lines at most [`MAX_HEAD`] bytes together, and the body at most `limit` bytes (checked when a
/// chunk's size line ends).
pub fn decode_chunked(input: &[u8], limit: u64) -> Chunked {
    let mut pos = 0usize;
    let mut body = Vec::new();
    let mut total: u64 = 0;
    let at = |pos: usize| input.get(pos).copied();
    loop {
        let line_start = pos;
        let mut size: u64 = 0;
        let mut digits = 0;
        while let Some(v) = at(pos).and_then(hex) {
            if digits == 16 {
                return Chunked::Bad;
            }
            size = size * 16 + v;
            digits += 1;
            pos += 1;
        }
        let Some(b) = at(pos) else {
            return Chunked::NeedMore;
        };
        if digits == 0 {
            return Chunked::Bad;
        }
        match b {
            b'\r' => {}
            b';' | b' ' | b'\t' => loop {
                match at(pos) {
                    None => return Chunked::NeedMore,
                    Some(b'\r') => break,
                    Some(b'\n') => return Chunked::Bad,
                    Some(_) if pos - line_start >= MAX_CHUNK_LINE => return Chunked::Bad,
                    Some(_) => pos += 1,
                }
            },
            _ => return Chunked::Bad,
        }
        // At the CR of the size line.
        match at(pos + 1) {
            None => return Chunked::NeedMore,
            Some(b'\n') => pos += 2,
            Some(_) => return Chunked::Bad,
        }
        if size == 0 {
            break;
        }
        total = match total.checked_add(size) {
            Some(t) => t,
            None => return Chunked::Bad,
        };
        if total > limit {
            return Chunked::TooLarge(total);
        }
        let left = (input.len() - pos) as u64;
        if left < size {
            return Chunked::NeedMore;
        }
        let end = pos + size as usize;
        body.extend_from_slice(&input[pos..end]);
        pos = end;
        for want in [b'\r', b'\n'] {
            match at(pos) {
                None => return Chunked::NeedMore,
                Some(b) if b == want => pos += 1,
                Some(_) => return Chunked::Bad,
            }
        }
    }
    let trailer_start = pos;
    let mut trailer_bytes = 0usize;
    loop {
        match at(pos) {
            None => return Chunked::NeedMore,
            Some(b'\r') => {
                return match at(pos + 1) {
                    None => Chunked::NeedMore,
                    Some(b'\n') => Chunked::Done {
                        body,
                        consumed: pos + 2,
                        trailers: trailer_start..pos,
                    },
                    Some(_) => Chunked::Bad,
                };
            }
            Some(_) => loop {
                let Some(b) = at(pos) else {
                    return Chunked::NeedMore;
                };
                pos += 1;
                trailer_bytes += 1;
                if trailer_bytes > MAX_HEAD {
                    return Chunked::Bad;
                }
                if b == b'\n' {
                    break;
                }
            },
        }
    }
}

/// The head of the first non-`1xx` response in `input`, when it is complete and valid.
pub fn final_head(input: &[u8]) -> Option<Head> {
    let mut pos = 0;
    loop {
        let h = parse_head(&input[pos..]).ok()??;
        if !(100..200).contains(&h.status) {
            return Some(h);
        }
        pos += h.len;
    }
}

/// One whole response as the reference reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefMessage {
    /// Status of the final (non-1xx) response.
    pub status: u16,
    /// The decoded body (empty in discard mode).
    pub body: Vec<u8>,
    /// Where the next message starts in the input.
    pub end: usize,
}

/// Reads one response from the start of `input` (interim `1xx` responses skipped): `Ok(None)`
/// when more input is needed, errors as `proto::body::Reader` names them. With `eof`, the input
/// is all there will ever be.
pub fn read_message(
    input: &[u8],
    limit: u64,
    discard: bool,
    eof: bool,
) -> Result<Option<RefMessage>, ProtoError> {
    let need_more = || {
        if eof {
            Err(ProtoError::Truncated)
        } else {
            Ok(None)
        }
    };
    let mut pos = 0;
    let head = loop {
        match parse_head(&input[pos..])? {
            None => return need_more(),
            Some(h) if (100..200).contains(&h.status) => pos += h.len,
            Some(h) => break h,
        }
    };
    let start = pos + head.len;
    let rest = &input[start..];
    let keep = |b: &[u8]| if discard { Vec::new() } else { b.to_vec() };
    match head.framing {
        Framing::Length(n) => {
            if n > limit {
                return Err(ProtoError::BodyTooLarge(n));
            }
            if (rest.len() as u64) < n {
                return need_more();
            }
            let n = n as usize;
            Ok(Some(RefMessage {
                status: head.status,
                body: keep(&rest[..n]),
                end: start + n,
            }))
        }
        Framing::Chunked => match decode_chunked(rest, limit) {
            Chunked::Done { body, consumed, .. } => Ok(Some(RefMessage {
                status: head.status,
                body: keep(&body),
                end: start + consumed,
            })),
            Chunked::NeedMore => need_more(),
            Chunked::Bad => Err(ProtoError::BadChunk),
            Chunked::TooLarge(n) => Err(ProtoError::BodyTooLarge(n)),
        },
        Framing::UntilClose => {
            if rest.len() as u64 > limit {
                return Err(ProtoError::BodyTooLarge(rest.len() as u64));
            }
            if !eof {
                return Ok(None);
            }
            Ok(Some(RefMessage {
                status: head.status,
                body: keep(rest),
                end: input.len(),
            }))
        }
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape.
pub fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hi = hex(*s.get(i + 1)?)?;
            let lo = hex(*s.get(i + 2)?)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Decodes standard padded base64; `None` when malformed.
pub fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    fn value(b: u8) -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::new();
    let quads = s.len() / 4;
    for (i, q) in s.chunks(4).enumerate() {
        let pad = q.iter().rev().take_while(|&&b| b == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != quads) {
            return None;
        }
        let mut n = 0u32;
        for &b in &q[..4 - pad] {
            n = (n << 6) | value(b)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// True when `t` matches `(Runtime|Function)\.[A-Z][a-zA-Z]+`, the pattern Lambda accepts for
/// `Lambda-Runtime-Function-Error-Type`.
pub fn is_lambda_error_type(t: &str) -> bool {
    let Some(name) = t
        .strip_prefix("Runtime.")
        .or_else(|| t.strip_prefix("Function."))
    else {
        return false;
    };
    let b = name.as_bytes();
    b.len() >= 2 && b[0].is_ascii_uppercase() && b.iter().all(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_reference_on_known_inputs() {
        let ok = decode_chunked(b"5\r\nhello\r\n1;x\r\n \r\n0\r\nT: 1\r\n\r\nNEXT", 100);
        assert_eq!(
            ok,
            Chunked::Done {
                body: b"hello ".to_vec(),
                consumed: 29,
                trailers: 21..27
            }
        );
        assert_eq!(decode_chunked(b"5\r\nhel", 100), Chunked::NeedMore);
        assert_eq!(decode_chunked(b"5\nhello", 100), Chunked::Bad);
        assert_eq!(decode_chunked(b"x\r\n", 100), Chunked::Bad);
        assert_eq!(
            decode_chunked(b"11111111111111111\r\n", u64::MAX),
            Chunked::Bad
        );
        assert_eq!(decode_chunked(b"65\r\n", 100), Chunked::TooLarge(101));
        assert_eq!(decode_chunked(b"0\r\n\rX", 100), Chunked::Bad);
    }

    #[test]
    fn helpers_on_known_inputs() {
        assert_eq!(percent_decode(b"a%20b%2F"), Some(b"a b/".to_vec()));
        assert_eq!(percent_decode(b"%2"), None);
        assert_eq!(base64_decode(b"Zm9vYmE="), Some(b"fooba".to_vec()));
        assert_eq!(base64_decode(b"Zg=="), Some(b"f".to_vec()));
        assert_eq!(base64_decode(b"Zg="), None);
        assert!(is_lambda_error_type("Function.BadInput"));
        assert!(!is_lambda_error_type("Function.B"));
        assert!(!is_lambda_error_type("Function.bad"));
        assert!(!is_lambda_error_type("Other.Bad"));
    }
}
