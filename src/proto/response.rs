//! Response heads: the status line and headers, parsed in place with `httparse`.
//!
//! The Lambda headers are kept as [`Span`]s (offsets into the receive buffer), so a parsed
//! [`Head`] owns no memory and borrows nothing: the body can then be handed out mutably while
//! the context still reads the headers.

use core::mem::MaybeUninit;

use super::{ProtoError, MAX_HEAD, MAX_HEADERS};

/// A byte range `start..end` in the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The bytes this span covers in `buf` (empty if it does not fit, which parsing rules out).
    #[inline]
    pub fn get<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }
}

/// How the body of a response is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Exactly this many bytes follow the head.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// No length given: the body runs until the server closes the connection.
    UntilClose,
}

/// The Lambda headers of a `/next` response, as spans into the receive buffer.
/// Each is `None` when the header is absent or empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LambdaHeaders {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: Option<Span>,
    /// `Lambda-Runtime-Deadline-Ms`.
    pub deadline_ms: Option<Span>,
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    pub invoked_function_arn: Option<Span>,
    /// `Lambda-Runtime-Trace-Id`.
    pub trace_id: Option<Span>,
    /// `Lambda-Runtime-Client-Context`.
    pub client_context: Option<Span>,
    /// `Lambda-Runtime-Cognito-Identity`.
    pub cognito_identity: Option<Span>,
    /// `Lambda-Runtime-Aws-Tenant-Id`.
    pub tenant_id: Option<Span>,
    /// `Lambda-Runtime-Invocation-Id`.
    pub invocation_id: Option<Span>,
}

/// A parsed response head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The status code.
    pub status: u16,
    /// Length of the head in bytes, blank line included: the body starts here.
    pub len: usize,
    /// How the body is delimited.
    pub framing: Framing,
    /// Whether the connection may carry another request after this response.
    pub keep_alive: bool,
    /// The Lambda headers.
    pub lambda: LambdaHeaders,
}

/// httparse's response parser (default settings), with `slots` for the headers.
///
/// The slots are uninitialised: httparse writes the ones it fills and `response.headers` is
/// only those, so no call clears 64 slots (2 KiB) first. Every head in the crate is parsed
/// through this one function: the parser is in the binary once.
pub(super) fn parse_response<'h, 'b>(
    response: &mut httparse::Response<'h, 'b>,
    buf: &'b [u8],
    slots: &'h mut [MaybeUninit<httparse::Header<'b>>],
) -> httparse::Result<usize> {
    httparse::ParserConfig::default().parse_response_with_uninit_headers(response, buf, slots)
}

/// Parses the response head at the start of `buf`.
///
/// `Ok(None)` means the head is not complete yet. Interim `1xx` responses are returned like any
/// other (with an empty body); the caller skips them.
pub fn parse_head(buf: &[u8]) -> Result<Option<Head>, ProtoError> {
    let mut headers = [const { MaybeUninit::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let len = match parse_response(&mut response, buf, &mut headers) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            return if buf.len() >= MAX_HEAD {
                Err(ProtoError::HeadTooLarge)
            } else {
                Ok(None)
            };
        }
        Err(httparse::Error::TooManyHeaders) => return Err(ProtoError::TooManyHeaders),
        Err(_) => return Err(ProtoError::BadHead),
    };
    if len > MAX_HEAD {
        return Err(ProtoError::HeadTooLarge);
    }
    let status = response.code.ok_or(ProtoError::BadHead)?;
    if status < 100 {
        // httparse takes any three digits; 000-099 is no HTTP status.
        return Err(ProtoError::BadHead);
    }
    let http10 = response.version == Some(0);
    let mut keep_alive = !http10;
    let mut content_length: Option<u64> = None;
    let mut chunked = false;
    let mut lambda = LambdaHeaders::default();
    let base = buf.as_ptr() as usize;
    for h in response.headers.iter() {
        let name = h.name.as_bytes();
        // The length picks the one candidate; only that one is compared. Every Lambda header
        // name is longer than `Lambda-Runtime-` plus 7.
        match name.len() {
            14 if name_is(name, b"content-length") => {
                let n = parse_decimal(trim(h.value)).ok_or(ProtoError::BadContentLength)?;
                if content_length.is_some_and(|prev| prev != n) {
                    return Err(ProtoError::BadContentLength);
                }
                content_length = Some(n);
            }
            17 if name_is(name, b"transfer-encoding") => {
                let value = trim(h.value);
                // The last coding must be chunked; any other coding we cannot undo.
                let last = value.rsplit(|&b| b == b',').next().map(trim).unwrap_or(&[]);
                if !name_is(last, b"chunked") || chunked {
                    return Err(ProtoError::UnsupportedTransferEncoding);
                }
                let all_chunked = value
                    .split(|&b| b == b',')
                    .all(|c| name_is(trim(c), b"chunked"));
                if !all_chunked {
                    return Err(ProtoError::UnsupportedTransferEncoding);
                }
                chunked = true;
            }
            10 if name_is(name, b"connection") => {
                for token in h.value.split(|&b| b == b',').map(trim) {
                    if name_is(token, b"close") {
                        keep_alive = false;
                    } else if name_is(token, b"keep-alive") && http10 {
                        keep_alive = true;
                    }
                }
            }
            23.. => note_lambda_header(&mut lambda, name, h.value, base),
            _ => {}
        }
    }
    let framing = if (100..200).contains(&status) || status == 204 || status == 304 {
        Framing::Length(0)
    } else if chunked {
        // A length next to chunked is a sign of a confused or hostile peer (RFC 9112 6.3):
        // chunked wins, and the connection is not reused.
        if content_length.is_some() {
            keep_alive = false;
        }
        Framing::Chunked
    } else if let Some(n) = content_length {
        Framing::Length(n)
    } else {
        keep_alive = false;
        Framing::UntilClose
    };
    Ok(Some(Head {
        status,
        len,
        framing,
        keep_alive,
        lambda,
    }))
}

/// Keeps `value`, trimmed, as a span if `name` is a Lambda header this crate reads.
fn note_lambda_header(lambda: &mut LambdaHeaders, name: &[u8], value: &[u8], base: usize) {
    let Some(rest) = name.get(LAMBDA_PREFIX.len()..) else {
        return;
    };
    if !name_is(&name[..LAMBDA_PREFIX.len()], LAMBDA_PREFIX) {
        return;
    }
    let Some(slot) = match_lambda_header(lambda, rest) else {
        return;
    };
    let value = trim(value);
    if !value.is_empty() {
        let start = value.as_ptr() as usize - base;
        *slot = Some(Span {
            start: start as u32,
            end: (start + value.len()) as u32,
        });
    }
}

/// What every Lambda header name starts with, lowercase.
const LAMBDA_PREFIX: &[u8; 15] = b"lambda-runtime-";

/// Headers accepted when salvaging a head that [`parse_head`] refused.
const SALVAGE_HEADERS: usize = 256;

/// The status and Lambda headers of a complete head that [`parse_head`] refused for its
/// framing (bad `Content-Length`, unknown transfer coding) or for having more than
/// [`MAX_HEADERS`] headers: enough to answer that invocation with an error instead of losing it.
pub fn salvage_lambda_headers(buf: &[u8]) -> Option<(u16, LambdaHeaders)> {
    let mut headers = [const { MaybeUninit::uninit() }; SALVAGE_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    match parse_response(
        &mut response,
        buf.get(..buf.len().min(MAX_HEAD))?,
        &mut headers,
    ) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return None,
    }
    let mut lambda = LambdaHeaders::default();
    let base = buf.as_ptr() as usize;
    for h in response.headers.iter() {
        note_lambda_header(&mut lambda, h.name.as_bytes(), h.value, base);
    }
    Some((response.code?, lambda))
}

fn match_lambda_header<'h>(h: &'h mut LambdaHeaders, rest: &[u8]) -> Option<&'h mut Option<Span>> {
    // The length picks the one or two candidates; only those are compared.
    let slot = match rest.len() {
        14 if name_is(rest, b"aws-request-id") => &mut h.request_id,
        14 if name_is(rest, b"client-context") => &mut h.client_context,
        11 if name_is(rest, b"deadline-ms") => &mut h.deadline_ms,
        20 if name_is(rest, b"invoked-function-arn") => &mut h.invoked_function_arn,
        8 if name_is(rest, b"trace-id") => &mut h.trace_id,
        16 if name_is(rest, b"cognito-identity") => &mut h.cognito_identity,
        13 if name_is(rest, b"aws-tenant-id") => &mut h.tenant_id,
        13 if name_is(rest, b"invocation-id") => &mut h.invocation_id,
        _ => return None,
    };
    Some(slot)
}

/// Whether `name` equals `lower` ignoring ASCII case. `lower` is a header name or token of
/// this module: lowercase letters, digits and `-` only.
///
/// Eight bytes at a time from eight bytes on: `word | case == lower`, where `case` has 0x20 in
/// each byte where `lower` has a letter (of those three kinds of byte, only letters have bit
/// 0x40). A byte ORed with 0x20 equals a lowercase letter only if it is that letter in either
/// case; elsewhere the bytes must be equal. One function for every name, not inlined with
/// constant words: the arm64 build has no room to spare.
fn name_is(name: &[u8], lower: &[u8]) -> bool {
    debug_assert!(lower
        .iter()
        .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    let n = lower.len();
    if name.len() != n {
        return false;
    }
    if n < 8 {
        return name
            .iter()
            .zip(lower)
            .all(|(&a, &b)| a | ((b & 0x40) >> 1) == b);
    }
    // Words at 0, 8, 16, ..., the last one moved back to end at n (overlaps are harmless).
    let mut at = 0;
    while at < n {
        if !word_is(name, lower, at.min(n - 8)) {
            return false;
        }
        at += 8;
    }
    true
}

/// Whether the eight bytes of `name` at `at` equal those of `lower` ignoring ASCII case.
#[inline]
fn word_is(name: &[u8], lower: &[u8], at: usize) -> bool {
    let (Some(a), Some(l)) = (name.get(at..at + 8), lower.get(at..at + 8)) else {
        return false;
    };
    let (Ok(a), Ok(l)) = (<[u8; 8]>::try_from(a), <[u8; 8]>::try_from(l)) else {
        return false;
    };
    let (a, l) = (u64::from_le_bytes(a), u64::from_le_bytes(l));
    a | ((l & 0x4040_4040_4040_4040) >> 1) == l
}

#[inline]
fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |i| i + 1);
    &v[start..end]
}

/// A non-empty run of ASCII digits that fits in a `u64`.
pub fn parse_decimal(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in v {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_is_ignores_ascii_case_only() {
        assert!(name_is(b"Content-Length", b"content-length"));
        assert!(name_is(b"CONTENT-LENGTH", b"content-length"));
        assert!(!name_is(b"content-lengt", b"content-length"));
        assert!(!name_is(b"content-lengthx", b"content-length"));
        // 0x0D differs from '-' by 0x20 but is no case of it; so does 0x10 from '0'.
        assert!(!name_is(b"content\rlength", b"content-length"));
        assert!(!name_is(b"\x10", b"0"));
        assert!(!name_is(b"\x10123456789", b"0123456789"));
        assert!(name_is(b"", b""));
    }

    /// Every byte of every name the parser compares, replaced by every value, against
    /// `eq_ignore_ascii_case` (which `name_is` matches for a lowercase `lower`).
    #[test]
    fn name_is_agrees_with_eq_ignore_ascii_case_at_every_byte() {
        fn check<const N: usize>(lower: &[u8; N]) {
            let mut name = *lower;
            assert!(name_is(&name, lower));
            for i in 0..N {
                for b in 0..=255u8 {
                    name[i] = b;
                    assert_eq!(
                        name_is(&name, lower),
                        name.eq_ignore_ascii_case(lower),
                        "{:?} against {:?}",
                        name.escape_ascii().to_string(),
                        lower.escape_ascii().to_string()
                    );
                }
                name[i] = lower[i].to_ascii_uppercase();
            }
            assert!(name_is(&name, lower), "all uppercase");
            if N > 0 {
                assert!(!name_is(&name[..N - 1], lower), "one byte short");
            }
        }
        check(b"content-length");
        check(b"transfer-encoding");
        check(b"connection");
        check(b"chunked");
        check(b"close");
        check(b"keep-alive");
        check(LAMBDA_PREFIX);
        check(b"aws-request-id");
        check(b"client-context");
        check(b"deadline-ms");
        check(b"invoked-function-arn");
        check(b"trace-id");
        check(b"cognito-identity");
        check(b"aws-tenant-id");
        check(b"invocation-id");
        // Lengths 0 to 7, 8, 9, 16, 24, 25 and 32: every word layout, every letter and digit.
        check(b"");
        check(b"a");
        check(b"z-");
        check(b"-09");
        check(b"a-z0");
        check(b"qrstu");
        check(b"vwxyz9");
        check(b"m-n-o-p");
        check(b"abcdefgh");
        check(b"ijklmnop-");
        check(b"0123456789abcdef");
        check(b"qrstuvwxyz-abcdefghijklm");
        check(b"nopqrstuvwxyz-0123456789a");
        check(b"abcdefghijklmnopqrstuvwxyz-01289");
    }

    #[test]
    fn lambda_headers_need_the_whole_prefix_and_a_known_name() {
        let raw = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Ix: a\r\n\
Lambda_Runtime-Trace-Id: b\r\nLambda-Runtime-Trace-Id-: c\r\nXambda-Runtime-Deadline-Ms: 1\r\n\
Lambda-Runtime-Deadline-Ms: 2\r\nContent-Length: 0\r\n\r\n";
        let l = parse_head(raw).unwrap().unwrap().lambda;
        assert_eq!(l.request_id, None);
        assert_eq!(l.trace_id, None);
        assert_eq!(text(raw, l.deadline_ms), Some("2"));
    }

    const NEXT: &[u8] = b"HTTP/1.1 200 OK\r\n\
Content-Type: application/json\r\n\
Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n\
Lambda-Runtime-Deadline-Ms: 1542409706888\r\n\
Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-2:123456789012:function:custom-runtime\r\n\
Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n\
Date: Fri, 16 Nov 2018 23:08:26 GMT\r\n\
Content-Length: 14\r\n\
\r\n\
{\"hello\":\"w\"}\n";

    fn text(buf: &[u8], s: Option<Span>) -> Option<&str> {
        s.map(|s| std::str::from_utf8(s.get(buf)).unwrap())
    }

    #[test]
    fn a_real_next_response() {
        let head = parse_head(NEXT).unwrap().unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(head.framing, Framing::Length(14));
        assert!(head.keep_alive);
        assert_eq!(&NEXT[head.len..], b"{\"hello\":\"w\"}\n");
        let l = head.lambda;
        assert_eq!(
            text(NEXT, l.request_id),
            Some("8476a536-e9f4-11e8-9739-2dfe598c3fcd")
        );
        assert_eq!(text(NEXT, l.deadline_ms), Some("1542409706888"));
        assert_eq!(
            text(NEXT, l.invoked_function_arn),
            Some("arn:aws:lambda:us-east-2:123456789012:function:custom-runtime")
        );
        assert!(text(NEXT, l.trace_id)
            .unwrap()
            .starts_with("Root=1-5bef4de7"));
        assert_eq!(l.client_context, None);
        assert_eq!(l.invocation_id, None);
    }

    #[test]
    fn every_split_point_is_partial_until_the_blank_line() {
        let head_len = parse_head(NEXT).unwrap().unwrap().len;
        for cut in 0..head_len {
            assert_eq!(parse_head(&NEXT[..cut]), Ok(None), "cut at {cut}");
        }
        for cut in head_len..=NEXT.len() {
            assert_eq!(
                parse_head(&NEXT[..cut]).unwrap().unwrap().len,
                head_len,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn header_names_are_case_insensitive_and_values_trimmed() {
        let raw = b"HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id:  abc \r\nLAMBDA-RUNTIME-AWS-TENANT-ID: t1\r\n\
lambda-runtime-invocation-id: inv\r\nlambda-runtime-client-context: {}\r\nLambda-Runtime-Cognito-Identity: {\"a\":1}\r\n\
content-length: 0\r\n\r\n";
        let head = parse_head(raw).unwrap().unwrap();
        let l = head.lambda;
        assert_eq!(text(raw, l.request_id), Some("abc"));
        assert_eq!(text(raw, l.tenant_id), Some("t1"));
        assert_eq!(text(raw, l.invocation_id), Some("inv"));
        assert_eq!(text(raw, l.client_context), Some("{}"));
        assert_eq!(text(raw, l.cognito_identity), Some("{\"a\":1}"));
    }

    #[test]
    fn empty_lambda_headers_read_as_absent() {
        let raw = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Trace-Id: \r\nContent-Length: 0\r\n\r\n";
        assert_eq!(parse_head(raw).unwrap().unwrap().lambda.trace_id, None);
    }

    #[test]
    fn framing_table() {
        type Row<'a> = (&'a [u8], Result<(Framing, bool), ProtoError>);
        let table: &[Row<'_>] = &[
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                Ok((Framing::Length(5), true)),
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
                Ok((Framing::Length(5), true)),
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                Err(ProtoError::BadContentLength),
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                Err(ProtoError::BadContentLength),
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n",
                Err(ProtoError::BadContentLength),
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
                Err(ProtoError::BadContentLength),
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
                Err(ProtoError::BadContentLength),
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                Ok((Framing::Chunked, true)),
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 3\r\n\r\n",
                Ok((Framing::Chunked, false)),
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                Err(ProtoError::UnsupportedTransferEncoding),
            ),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                Err(ProtoError::UnsupportedTransferEncoding),
            ),
            (b"HTTP/1.1 200 OK\r\n\r\n", Ok((Framing::UntilClose, false))),
            (b"HTTP/1.1 020 OK\r\n\r\n", Err(ProtoError::BadHead)),
            (
                b"HTTP/1.1 204 No Content\r\n\r\n",
                Ok((Framing::Length(0), true)),
            ),
            (
                b"HTTP/1.1 100 Continue\r\n\r\n",
                Ok((Framing::Length(0), true)),
            ),
            (
                b"HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                Ok((Framing::Length(0), false)),
            ),
            (
                b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
                Ok((Framing::Length(0), false)),
            ),
            (
                b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n",
                Ok((Framing::Length(0), true)),
            ),
            (
                b"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
                Ok((Framing::Length(0), false)),
            ),
        ];
        for (raw, want) in table {
            let got = parse_head(raw).map(|h| {
                let h = h.unwrap();
                (h.framing, h.keep_alive)
            });
            assert_eq!(&got, want, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn garbage_and_limits() {
        assert_eq!(
            parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Err(ProtoError::BadHead)
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 2000 OK\r\n\r\n"),
            Err(ProtoError::BadHead)
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n"),
            Err(ProtoError::BadHead)
        );

        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..200 {
            many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(parse_head(&many), Err(ProtoError::TooManyHeaders));

        let mut big = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
        big.resize(MAX_HEAD + 10, b'a');
        assert_eq!(parse_head(&big), Err(ProtoError::HeadTooLarge));
        big.extend_from_slice(b"\r\n\r\n");
        assert_eq!(parse_head(&big), Err(ProtoError::HeadTooLarge));
    }

    #[test]
    fn refused_heads_still_give_their_request_id() {
        let bad_length = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nContent-Length: twelve\r\n\r\n";
        assert_eq!(parse_head(bad_length), Err(ProtoError::BadContentLength));
        let (status, l) = salvage_lambda_headers(bad_length).unwrap();
        assert_eq!((status, text(bad_length, l.request_id)), (200, Some("r1")));

        let mut many = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r2\r\n".to_vec();
        for i in 0..200 {
            many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(parse_head(&many), Err(ProtoError::TooManyHeaders));
        let (_, l) = salvage_lambda_headers(&many).unwrap();
        assert_eq!(text(&many, l.request_id), Some("r2"));

        assert_eq!(
            salvage_lambda_headers(b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r3\r\n"),
            None,
            "incomplete"
        );
        assert_eq!(salvage_lambda_headers(b"garbage\r\n\r\n"), None);
    }

    #[test]
    fn decimal_parsing() {
        assert_eq!(parse_decimal(b"0"), Some(0));
        assert_eq!(parse_decimal(b"6291556"), Some(6_291_556));
        assert_eq!(
            parse_decimal(b"1844674407370955161"),
            Some(1_844_674_407_370_955_161)
        );
        assert_eq!(parse_decimal(b""), None);
        assert_eq!(parse_decimal(b"+1"), None);
        assert_eq!(parse_decimal(b"1 2"), None);
    }
}
