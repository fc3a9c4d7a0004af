//! Request heads and error bodies, written into fixed buffers that never grow.
//!
//! Every writer here works on a [`Writer`] over a caller-owned byte slice and fails with
//! [`Full`] instead of allocating. The request id is the only server-controlled value that lands
//! in a request line; it is percent-encoded, so no byte the server sends can end the line early
//! or add a header. Header values that are echoed back (`Lambda-Runtime-Invocation-Id`) come from
//! httparse, which only accepts visible characters, space and tab in values; they are checked
//! again here.

use super::Endpoint;

/// The buffer given to a [`Writer`] was too small for what had to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// Appends bytes to a fixed slice; never allocates.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> Writer<'a> {
    /// A writer that fills `buf` from the start.
    pub fn new(buf: &'a mut [u8]) -> Writer<'a> {
        Writer { buf, len: 0 }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes written so far.
    pub fn written(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Appends `bytes`, or fails without writing anything.
    #[inline]
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), Full> {
        let end = self.len.checked_add(bytes.len()).ok_or(Full)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(Full)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Appends one byte.
    #[inline]
    pub fn push_byte(&mut self, byte: u8) -> Result<(), Full> {
        self.push(&[byte])
    }

    /// Appends `n` in decimal.
    #[inline]
    pub fn push_decimal(&mut self, n: u64) -> Result<(), Full> {
        self.push(itoa::Buffer::new().format(n).as_bytes())
    }

    /// Appends `n` in lower-case hexadecimal, without leading zeros (`0` for zero).
    pub fn push_hex(&mut self, n: u64) -> Result<(), Full> {
        let mut digits = [0u8; 16];
        let mut i = digits.len();
        let mut v = n;
        loop {
            i -= 1;
            digits[i] = HEX_LOWER[(v & 0xf) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        self.push(&digits[i..])
    }
}

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// The bytes RFC 3986 calls unreserved: they stand for themselves in a path segment.
#[inline]
fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// [`is_unreserved`] for every byte: one load per byte of a request id.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        i += 1;
    }
    table
};

/// Appends `id` as one path segment: unreserved bytes as they are, all others as `%XX`.
/// A UUID request id passes through unchanged. `.` and `..` are encoded so the segment can never
/// be read as a relative path step.
pub fn push_path_segment(w: &mut Writer<'_>, id: &[u8]) -> Result<(), Full> {
    if id.iter().all(|&b| is_unreserved(b)) && id != b"." && id != b".." {
        return w.push(id);
    }
    for &b in id {
        if is_unreserved(b) && b != b'.' {
            w.push_byte(b)?;
        } else {
            w.push(&[
                b'%',
                HEX_UPPER[(b >> 4) as usize],
                HEX_UPPER[(b & 0xf) as usize],
            ])?;
        }
    }
    Ok(())
}

/// True when `value` can be written as a header value as it is (no CR, LF or other controls).
pub fn is_safe_header_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// `/2018-06-01/runtime` and then `$path`, as one byte string (one push instead of two).
macro_rules! api {
    ($path:literal) => {
        concat!("/2018-06-01/runtime", $path).as_bytes()
    };
}

macro_rules! user_agent {
    () => {
        concat!(
            "User-Agent: lambda-zero/",
            env!("CARGO_PKG_VERSION"),
            "\r\n"
        )
    };
}

pub(super) const USER_AGENT: &[u8] = user_agent!().as_bytes();

/// The end of the `Host` line and the `User-Agent` line.
const HOST_END: &[u8] = concat!("\r\n", user_agent!()).as_bytes();

/// `method` (with its space), the endpoint's path prefix, then `path`.
fn push_request_line_start(
    w: &mut Writer<'_>,
    method: &[u8],
    ep: &Endpoint,
    path: &[u8],
) -> Result<(), Full> {
    w.push(method)?;
    w.push(ep.path_prefix.as_bytes())?;
    w.push(path)
}

fn push_common_headers(w: &mut Writer<'_>, ep: &Endpoint) -> Result<(), Full> {
    w.push(b" HTTP/1.1\r\nHost: ")?;
    w.push(ep.host.as_bytes())?;
    w.push(HOST_END)
}

/// `GET /2018-06-01/runtime/invocation/next`: the same bytes every time, so it is written once.
pub fn write_next(w: &mut Writer<'_>, ep: &Endpoint) -> Result<(), Full> {
    push_request_line_start(w, b"GET ", ep, api!("/invocation/next"))?;
    push_common_headers(w, ep)?;
    w.push(b"\r\n")
}

fn push_invocation_path(
    w: &mut Writer<'_>,
    ep: &Endpoint,
    request_id: &[u8],
    what: &[u8],
) -> Result<(), Full> {
    push_request_line_start(w, b"POST ", ep, api!("/invocation/"))?;
    push_path_segment(w, request_id)?;
    w.push(what)?;
    push_common_headers(w, ep)
}

fn push_invocation_id(w: &mut Writer<'_>, invocation_id: Option<&[u8]>) -> Result<(), Full> {
    if let Some(id) = invocation_id {
        if !id.is_empty() && is_safe_header_value(id) {
            w.push(b"Lambda-Runtime-Invocation-Id: ")?;
            w.push(id)?;
            w.push(b"\r\n")?;
        }
    }
    Ok(())
}

fn push_content_length_end(w: &mut Writer<'_>, body_len: usize) -> Result<(), Full> {
    w.push(b"Content-Length: ")?;
    w.push_decimal(body_len as u64)?;
    w.push(b"\r\n\r\n")
}

/// The head of `POST /invocation/{id}/response` for a body of `body_len` bytes.
pub fn write_response_head(
    w: &mut Writer<'_>,
    ep: &Endpoint,
    request_id: &[u8],
    invocation_id: Option<&[u8]>,
    body_len: usize,
) -> Result<(), Full> {
    push_invocation_path(w, ep, request_id, b"/response")?;
    push_invocation_id(w, invocation_id)?;
    push_content_length_end(w, body_len)
}

/// The head of `POST /invocation/{id}/error`. `error_type` must already match
/// `(Runtime|Function)\.[A-Z][a-zA-Z]+` (as [`crate::Error::error_type`] always does).
pub fn write_error_head(
    w: &mut Writer<'_>,
    ep: &Endpoint,
    request_id: &[u8],
    invocation_id: Option<&[u8]>,
    error_type: &str,
    body_len: usize,
) -> Result<(), Full> {
    push_invocation_path(w, ep, request_id, b"/error")?;
    push_invocation_id(w, invocation_id)?;
    push_error_headers(w, error_type)?;
    push_content_length_end(w, body_len)
}

/// The head of `POST /2018-06-01/runtime/init/error`.
pub fn write_init_error_head(
    w: &mut Writer<'_>,
    ep: &Endpoint,
    error_type: &str,
    body_len: usize,
) -> Result<(), Full> {
    push_request_line_start(w, b"POST ", ep, api!("/init/error"))?;
    push_common_headers(w, ep)?;
    push_error_headers(w, error_type)?;
    push_content_length_end(w, body_len)
}

/// `GET /2018-06-01/runtime/restore/next` (SnapStart): sent once, when the function's init and
/// its before-snapshot hooks are done. Lambda takes the snapshot while it is pending and answers
/// it in each environment restored from that snapshot.
pub fn write_restore_next(w: &mut Writer<'_>, ep: &Endpoint) -> Result<(), Full> {
    push_request_line_start(w, b"GET ", ep, api!("/restore/next"))?;
    push_common_headers(w, ep)?;
    w.push(b"\r\n")
}

/// The head of `POST /2018-06-01/runtime/restore/error` (SnapStart: an after-restore hook
/// failed), for an error document of `body_len` bytes. `error_type` must already match
/// `(Runtime|Function)\.[A-Z][a-zA-Z]+`.
pub fn write_restore_error_head(
    w: &mut Writer<'_>,
    ep: &Endpoint,
    error_type: &str,
    body_len: usize,
) -> Result<(), Full> {
    push_request_line_start(w, b"POST ", ep, api!("/restore/error"))?;
    push_common_headers(w, ep)?;
    push_error_headers(w, error_type)?;
    push_content_length_end(w, body_len)
}

fn push_error_headers(w: &mut Writer<'_>, error_type: &str) -> Result<(), Full> {
    w.push(b"Content-Type: application/json\r\nLambda-Runtime-Function-Error-Type: ")?;
    w.push(error_type.as_bytes())?;
    w.push(b"\r\n")
}

/// The head of a streamed `POST /invocation/{id}/response`: chunked, with the error trailers
/// declared so an error can still be reported after the first bytes went out.
pub fn write_streaming_head(
    w: &mut Writer<'_>,
    ep: &Endpoint,
    request_id: &[u8],
    invocation_id: Option<&[u8]>,
    content_type: &[u8],
) -> Result<(), Full> {
    push_invocation_path(w, ep, request_id, b"/response")?;
    push_invocation_id(w, invocation_id)?;
    w.push(b"Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n")?;
    w.push(b"Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n")?;
    if !content_type.is_empty() && is_safe_header_value(content_type) {
        w.push(b"Content-Type: ")?;
        w.push(content_type)?;
        w.push(b"\r\n")?;
    }
    w.push(b"\r\n")
}

/// The line in front of one chunk of `len` bytes: `<hex>\r\n`.
pub fn write_chunk_size(w: &mut Writer<'_>, len: usize) -> Result<(), Full> {
    w.push_hex(len as u64)?;
    w.push(b"\r\n")
}

/// The end of a streamed body without an error: the last chunk and no trailers.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// The end of a streamed body that failed: the last chunk and the two error trailers, the body
/// trailer base64-encoded as Lambda wants it.
pub fn write_error_trailers(
    w: &mut Writer<'_>,
    error_type: &str,
    error_body: &[u8],
) -> Result<(), Full> {
    w.push(b"0\r\nLambda-Runtime-Function-Error-Type: ")?;
    w.push(error_type.as_bytes())?;
    w.push(b"\r\nLambda-Runtime-Function-Error-Body: ")?;
    push_base64(w, error_body)?;
    w.push(b"\r\n\r\n")
}

/// Appends `data` in standard base64 with padding.
pub fn push_base64(w: &mut Writer<'_>, data: &[u8]) -> Result<(), Full> {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut chunks = data.chunks_exact(3);
    for c in &mut chunks {
        let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
        w.push(&[
            TABLE[(n >> 18) as usize & 63],
            TABLE[(n >> 12) as usize & 63],
            TABLE[(n >> 6) as usize & 63],
            TABLE[n as usize & 63],
        ])?;
    }
    match *chunks.remainder() {
        [a] => {
            let n = u32::from(a) << 16;
            w.push(&[
                TABLE[(n >> 18) as usize & 63],
                TABLE[(n >> 12) as usize & 63],
                b'=',
                b'=',
            ])
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            w.push(&[
                TABLE[(n >> 18) as usize & 63],
                TABLE[(n >> 12) as usize & 63],
                TABLE[(n >> 6) as usize & 63],
                b'=',
            ])
        }
        _ => Ok(()),
    }
}

/// Appends the contents of a JSON string for `s` (without the quotes): `"` and `\` escaped,
/// control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`, everything else (including
/// non-ASCII UTF-8) as it is.
pub fn push_json_str_contents(w: &mut Writer<'_>, s: &str) -> Result<(), Full> {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => &[],
            _ => continue,
        };
        w.push(&bytes[start..i])?;
        if escape.is_empty() {
            w.push(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX_LOWER[(b >> 4) as usize],
                HEX_LOWER[(b & 0xf) as usize],
            ])?;
        } else {
            w.push(escape)?;
        }
        start = i + 1;
    }
    w.push(&bytes[start..])
}

/// The error document Lambda expects:
/// `{"errorMessage":"…","errorType":"…","stackTrace":[]}`.
///
/// When the message does not fit, it is cut (at a character boundary) so the document always
/// stays valid JSON; fails only when even an empty message does not fit.
pub fn write_error_body(w: &mut Writer<'_>, error_type: &str, message: &str) -> Result<(), Full> {
    const HEAD: &[u8] = b"{\"errorMessage\":\"";
    const MID: &[u8] = b"\",\"errorType\":\"";
    const TAIL: &[u8] = b"\",\"stackTrace\":[]}";
    let start = w.len();
    w.push(HEAD)?;
    let mut msg = message;
    loop {
        let mark = w.len();
        if push_json_str_contents(w, msg).is_ok() {
            // The tail must fit too; error types are letters and a dot, no escaping needed.
            let tail_len = MID.len() + error_type.len() + TAIL.len();
            if w.buf.len() - w.len() >= tail_len {
                break;
            }
        }
        w.len = mark;
        if msg.is_empty() {
            w.len = start;
            return Err(Full);
        }
        let mut cut = msg.len() / 2;
        while !msg.is_char_boundary(cut) {
            cut -= 1;
        }
        msg = &msg[..cut];
    }
    w.push(MID)?;
    push_json_str_contents(w, error_type)?;
    w.push(TAIL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep() -> Endpoint {
        Endpoint::parse("127.0.0.1:9001").unwrap()
    }

    fn write<F: FnOnce(&mut Writer<'_>) -> Result<(), Full>>(f: F) -> String {
        let mut buf = [0u8; 4096];
        let mut w = Writer::new(&mut buf);
        f(&mut w).unwrap();
        String::from_utf8(w.written().to_vec()).unwrap()
    }

    #[test]
    fn next_request_is_a_plain_get() {
        assert_eq!(
            write(|w| write_next(w, &ep())),
            format!(
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUser-Agent: lambda-zero/{}\r\n\r\n",
                env!("CARGO_PKG_VERSION")
            )
        );
        let prefixed = Endpoint::parse("http://localhost:9000/lambda/").unwrap();
        assert!(write(|w| write_next(w, &prefixed)).starts_with(
            "GET /lambda/2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: localhost:9000\r\n"
        ));
    }

    #[test]
    fn response_head_carries_length_and_invocation_id() {
        let s = write(|w| {
            write_response_head(
                w,
                &ep(),
                b"8476a536-e9f4-11e8-9739-2dfe598c3fcd",
                Some(b"inv-1"),
                1234,
            )
        });
        assert!(s.starts_with(
            "POST /2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response HTTP/1.1\r\n"
        ));
        assert!(s.contains("\r\nLambda-Runtime-Invocation-Id: inv-1\r\n"));
        assert!(s.ends_with("\r\nContent-Length: 1234\r\n\r\n"));
        let without = write(|w| write_response_head(w, &ep(), b"a", None, 0));
        assert!(!without.contains("Invocation-Id"));
        assert!(without.ends_with("Content-Length: 0\r\n\r\n"));
    }

    /// Every head, byte for byte, behind a path prefix (the constants are joined at compile
    /// time; the bytes on the wire are those of one push per piece).
    #[test]
    fn every_head_byte_for_byte() {
        let ep = Endpoint::parse("http://127.0.0.1:9001/pre").unwrap();
        let ua = concat!(
            "User-Agent: lambda-zero/",
            env!("CARGO_PKG_VERSION"),
            "\r\n"
        );
        let common = format!(" HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n{ua}");
        let api = "/pre/2018-06-01/runtime";
        let error =
            "Content-Type: application/json\r\nLambda-Runtime-Function-Error-Type: Function.X\r\n";
        let table: [(String, String); 7] = [
            (
                write(|w| write_next(w, &ep)),
                format!("GET {api}/invocation/next{common}\r\n"),
            ),
            (
                write(|w| write_response_head(w, &ep, b"r-1", Some(b"i-1"), 7)),
                format!(
                    "POST {api}/invocation/r-1/response{common}\
                     Lambda-Runtime-Invocation-Id: i-1\r\nContent-Length: 7\r\n\r\n"
                ),
            ),
            (
                write(|w| write_error_head(w, &ep, b"r 2", None, "Function.X", 12)),
                format!(
                    "POST {api}/invocation/r%202/error{common}{error}Content-Length: 12\r\n\r\n"
                ),
            ),
            (
                write(|w| write_init_error_head(w, &ep, "Function.X", 3)),
                format!("POST {api}/init/error{common}{error}Content-Length: 3\r\n\r\n"),
            ),
            (
                write(|w| write_restore_next(w, &ep)),
                format!("GET {api}/restore/next{common}\r\n"),
            ),
            (
                write(|w| write_restore_error_head(w, &ep, "Function.X", 0)),
                format!("POST {api}/restore/error{common}{error}Content-Length: 0\r\n\r\n"),
            ),
            (
                write(|w| write_streaming_head(w, &ep, b"r", None, b"text/plain")),
                format!(
                    "POST {api}/invocation/r/response{common}\
                     Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n\
                     Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\
                     Content-Type: text/plain\r\n\r\n"
                ),
            ),
        ];
        for (got, want) in table {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn the_unreserved_table_is_rfc_3986() {
        for b in 0..=255u8 {
            let want = b.is_ascii_alphanumeric() || b"-._~".contains(&b);
            assert_eq!(is_unreserved(b), want, "byte {b:#04x}");
        }
    }

    #[test]
    fn request_ids_cannot_inject_bytes() {
        let table: &[(&[u8], &str)] = &[
            (b"abc-DEF_1.2~3", "abc-DEF_1.2~3"),
            (b"a b", "a%20b"),
            (
                b"x HTTP/1.1\r\nEvil: 1\r\n\r\n",
                "x%20HTTP%2F1%2E1%0D%0AEvil%3A%201%0D%0A%0D%0A",
            ),
            (b"../../init/error", "%2E%2E%2F%2E%2E%2Finit%2Ferror"),
            (b"..", "%2E%2E"),
            (b".", "%2E"),
            (b"?q=1#f", "%3Fq%3D1%23f"),
            (b"\xff\x00", "%FF%00"),
            (b"", ""),
        ];
        for &(id, want) in table {
            let s = write(|w| push_path_segment(w, id));
            assert_eq!(s, want, "id {id:?}");
            assert!(s.bytes().all(|b| is_unreserved(b) || b == b'%'));
        }
    }

    #[test]
    fn unsafe_invocation_ids_are_not_echoed() {
        let s = write(|w| write_response_head(w, &ep(), b"a", Some(b"x\r\nEvil: 1"), 0));
        assert!(!s.contains("Evil"));
        assert!(!s.contains("Invocation-Id"));
    }

    #[test]
    fn error_head_and_body() {
        let body =
            write(|w| write_error_body(w, "Function.BadInput", "line1\nsaid \"hi\" \\ \u{1} é"));
        assert_eq!(
            body,
            r#"{"errorMessage":"line1\nsaid \"hi\" \\ \u0001 é","errorType":"Function.BadInput","stackTrace":[]}"#
        );
        let head =
            write(|w| write_error_head(w, &ep(), b"id", None, "Function.BadInput", body.len()));
        assert!(head.starts_with("POST /2018-06-01/runtime/invocation/id/error HTTP/1.1\r\n"));
        assert!(head.contains("\r\nLambda-Runtime-Function-Error-Type: Function.BadInput\r\n"));
        assert!(head.contains("\r\nContent-Type: application/json\r\n"));
        assert!(head.ends_with(&format!("\r\nContent-Length: {}\r\n\r\n", body.len())));
        let init = write(|w| write_init_error_head(w, &ep(), "Runtime.InitError", 7));
        assert!(init.starts_with("POST /2018-06-01/runtime/init/error HTTP/1.1\r\n"));
    }

    #[test]
    fn restore_requests() {
        let next = write(|w| write_restore_next(w, &ep()));
        assert_eq!(
            next,
            format!(
                "GET /2018-06-01/runtime/restore/next HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUser-Agent: lambda-zero/{}\r\n\r\n",
                env!("CARGO_PKG_VERSION")
            )
        );
        let prefixed = Endpoint::parse("http://localhost:9000/lambda").unwrap();
        assert!(write(|w| write_restore_next(w, &prefixed))
            .starts_with("GET /lambda/2018-06-01/runtime/restore/next HTTP/1.1\r\n"));
        let error = write(|w| write_restore_error_head(w, &ep(), "Runtime.AfterRestoreError", 42));
        assert!(error.starts_with("POST /2018-06-01/runtime/restore/error HTTP/1.1\r\n"));
        assert!(
            error.contains("\r\nLambda-Runtime-Function-Error-Type: Runtime.AfterRestoreError\r\n")
        );
        assert!(error.contains("\r\nContent-Type: application/json\r\n"));
        assert!(error.ends_with("\r\nContent-Length: 42\r\n\r\n"));
    }

    /// Every writer, given a buffer cut at every length short of what it needs, fails with
    /// `Full` (never panics, never reports success with a partial request); at the exact length
    /// it writes the same bytes as with room to spare.
    #[test]
    fn writers_fail_cleanly_at_every_cut() {
        type Write = fn(&mut Writer<'_>) -> Result<(), Full>;
        let writers: &[(&str, Write)] = &[
            ("next", |w| write_next(w, &ep())),
            ("response", |w| {
                write_response_head(w, &ep(), b"a b/c", Some(b"inv"), 12)
            }),
            ("error", |w| {
                write_error_head(w, &ep(), b"id", None, "Function.X", 3)
            }),
            ("init error", |w| {
                write_init_error_head(w, &ep(), "Runtime.InitError", 7)
            }),
            ("restore next", |w| write_restore_next(w, &ep())),
            ("restore error", |w| {
                write_restore_error_head(w, &ep(), "Runtime.AfterRestoreError", 99)
            }),
        ];
        for &(name, f) in writers {
            let whole = write(f).into_bytes();
            for cut in 0..whole.len() {
                let mut buf = vec![0u8; cut];
                let mut w = Writer::new(&mut buf);
                assert_eq!(f(&mut w), Err(Full), "{name} fits in {cut} bytes?");
                assert!(w.len() <= cut);
            }
            let mut exact = vec![0u8; whole.len()];
            let mut w = Writer::new(&mut exact);
            f(&mut w).unwrap_or_else(|_| panic!("{name} does not fit its own length"));
            assert_eq!(w.written(), &whole[..], "{name}");
        }
    }

    #[test]
    fn every_control_character_is_escaped() {
        for b in 0u8..0x20 {
            let s = (b as char).to_string();
            let out = write(|w| push_json_str_contents(w, &s));
            assert!(out.starts_with('\\'), "byte {b:#x} -> {out:?}");
            assert!(!out.bytes().any(|c| c < 0x20));
        }
    }

    #[test]
    fn error_body_is_cut_to_fit_and_stays_json() {
        let mut buf = [0u8; 120];
        let mut w = Writer::new(&mut buf);
        let msg = "\"é".repeat(100);
        write_error_body(&mut w, "Function.Big", &msg).unwrap();
        let s = std::str::from_utf8(w.written()).unwrap();
        assert!(s.starts_with("{\"errorMessage\":\"\\\"é"), "{s}");
        assert!(
            s.ends_with("\",\"errorType\":\"Function.Big\",\"stackTrace\":[]}"),
            "{s}"
        );
        let mut tiny = [0u8; 10];
        assert_eq!(
            write_error_body(&mut Writer::new(&mut tiny), "Function.Big", "m"),
            Err(Full)
        );
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        let table: &[(&[u8], &str)] = &[
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
            (b"\xff\xfe\xfd", "//79"),
        ];
        for &(input, want) in table {
            assert_eq!(write(|w| push_base64(w, input)), want);
        }
    }

    #[test]
    fn streaming_head_and_trailers() {
        let s = write(|w| write_streaming_head(w, &ep(), b"id", None, b"text/plain"));
        assert!(s.contains("\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n"));
        assert!(s.contains("\r\nTransfer-Encoding: chunked\r\n"));
        assert!(s.contains("\r\nTrailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"));
        assert!(s.contains("\r\nContent-Type: text/plain\r\n\r\n"));
        assert_eq!(write(|w| write_chunk_size(w, 0x1a2b)), "1a2b\r\n");
        assert_eq!(write(|w| write_chunk_size(w, 0)), "0\r\n");
        assert_eq!(
            write(|w| write_error_trailers(w, "Function.X", b"foo")),
            "0\r\nLambda-Runtime-Function-Error-Type: Function.X\r\nLambda-Runtime-Function-Error-Body: Zm9v\r\n\r\n"
        );
    }

    #[test]
    fn writer_fails_instead_of_growing() {
        let mut buf = [0u8; 4];
        let mut w = Writer::new(&mut buf);
        w.push(b"abc").unwrap();
        assert_eq!(w.push(b"de"), Err(Full));
        assert_eq!(w.written(), b"abc");
        w.push_byte(b'd').unwrap();
        assert_eq!(w.push_decimal(1), Err(Full));
    }
}
