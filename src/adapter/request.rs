//! The request to the app, sans-IO: the head of an HTTP/1.1 request written into a buffer
//! made once (the body goes out after it as the event's own bytes).

use core::fmt;

use crate::json::JsonWriter;

/// Why a request head cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadError {
    /// The head does not fit the buffer.
    Full,
    /// The method is not an HTTP token.
    Method,
    /// A header name is not a token, or its value has a control character (CR, LF, NUL...).
    Header,
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeadError::Full => "the request head is larger than the adapter's buffer",
            HeadError::Method => "the method is not an HTTP token",
            HeadError::Header => {
                "a header name is not a token or a header value has a control character"
            }
        })
    }
}

/// Bytes that are kept as they are in a path: everything visible but what the URL standard's
/// path percent-encode set takes out (`"`, `#`, `<`, `>`, `?`, `` ` ``, `{`, `}`). `%` is kept,
/// so an already encoded path (HTTP API `rawPath`) is sent as it came.
fn path_byte_kept(b: u8) -> bool {
    b > b' ' && b < 0x7f && !matches!(b, b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}')
}

/// Bytes kept in a raw query string: visible ASCII but `#`.
fn raw_query_byte_kept(b: u8) -> bool {
    b > b' ' && b < 0x7f && b != b'#'
}

/// Bytes kept in a query name or value being encoded: the unreserved ones.
fn query_byte_kept(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

fn is_field_value(s: &[u8]) -> bool {
    s.iter().all(|&b| b == b'\t' || (b >= b' ' && b != 0x7f))
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Writes one request head: [`HeadWriter::request_line`], query parts, [`HeadWriter::end_line`],
/// headers, then [`HeadWriter::finish`].
pub struct HeadWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    error: Option<HeadError>,
    query_started: bool,
}

impl fmt::Debug for HeadWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeadWriter")
            .field("len", &self.len)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<'b> HeadWriter<'b> {
    /// A writer over `buf`.
    pub fn new(buf: &'b mut [u8]) -> HeadWriter<'b> {
        HeadWriter {
            buf,
            len: 0,
            error: None,
            query_started: false,
        }
    }

    fn fail(&mut self, e: HeadError) {
        self.error.get_or_insert(e);
    }

    fn put(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        match self.buf.get_mut(self.len..self.len + bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len += bytes.len();
            }
            None => self.fail(HeadError::Full),
        }
    }

    fn put_encoded(&mut self, bytes: &[u8], kept: fn(u8) -> bool) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let run = rest.iter().position(|&b| !kept(b)).unwrap_or(rest.len());
            self.put(&rest[..run]);
            if let Some(&b) = rest.get(run) {
                self.put(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
                rest = &rest[run + 1..];
            } else {
                rest = &[];
            }
        }
    }

    /// `METHOD /path`: the path with the bytes a request target cannot hold percent-encoded,
    /// `/` when it is empty.
    pub fn request_line(&mut self, method: &str, path: &str) {
        if !is_token(method) {
            self.fail(HeadError::Method);
        }
        self.put(method.as_bytes());
        self.put(b" ");
        if !path.starts_with('/') {
            self.put(b"/");
        }
        self.put_encoded(path.as_bytes(), path_byte_kept);
    }

    /// A query string as the client sent it (`a=1&b=2`, without `?`); nothing when empty.
    pub fn raw_query(&mut self, query: &str) {
        if query.is_empty() {
            return;
        }
        self.put(if self.query_started { b"&" } else { b"?" });
        self.query_started = true;
        self.put_encoded(query.as_bytes(), raw_query_byte_kept);
    }

    /// One decoded query parameter, percent-encoded.
    pub fn query_param(&mut self, name: &str, value: &str) {
        self.put(if self.query_started { b"&" } else { b"?" });
        self.query_started = true;
        self.put_encoded(name.as_bytes(), query_byte_kept);
        self.put(b"=");
        self.put_encoded(value.as_bytes(), query_byte_kept);
    }

    /// Ends the request line.
    pub fn end_line(&mut self) {
        self.put(b" HTTP/1.1\r\n");
    }

    /// One header line; a name that is not a token or a value with a control character fails
    /// the head (no byte from an event can start a header line of its own).
    pub fn header(&mut self, name: &str, value: &str) {
        if !is_token(name) || !is_field_value(value.as_bytes()) {
            self.fail(HeadError::Header);
        }
        self.put(name.as_bytes());
        self.put(b": ");
        self.put(value.as_bytes());
        self.put(b"\r\n");
    }

    /// A header whose value is decimal.
    pub fn header_number(&mut self, name: &str, value: u64) {
        let mut digits = itoa::Buffer::new();
        self.header(name, digits.format(value));
    }

    /// A header whose value is JSON written by `write` (compact JSON has no control byte:
    /// strings are escaped by [`JsonWriter`]).
    pub fn header_json(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), crate::json::WriteError>,
    ) {
        if !is_token(name) {
            self.fail(HeadError::Header);
        }
        self.put(name.as_bytes());
        self.put(b": ");
        if self.error.is_some() {
            return;
        }
        let mut w = JsonWriter::new(&mut self.buf[self.len..]);
        let written = write(&mut w).and_then(|()| w.finish());
        match written {
            Ok(n) => {
                if !is_field_value(&self.buf[self.len..self.len + n]) {
                    self.fail(HeadError::Header);
                }
                self.len += n;
            }
            Err(_) => self.fail(HeadError::Full),
        }
        self.put(b"\r\n");
    }

    /// Ends the head; returns its length.
    pub fn finish(mut self) -> Result<usize, HeadError> {
        self.put(b"\r\n");
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(f: impl FnOnce(&mut HeadWriter<'_>)) -> Result<String, HeadError> {
        let mut buf = [0u8; 512];
        let mut w = HeadWriter::new(&mut buf);
        f(&mut w);
        let n = w.finish()?;
        Ok(String::from_utf8(buf[..n].to_vec()).unwrap())
    }

    /// Method, path, raw query, decoded parameters, the head expected.
    type Line<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        &'a [(&'a str, &'a str)],
        &'a str,
    );

    #[test]
    fn request_lines() {
        let table: &[Line<'_>] = &[
            ("GET", "/", None, &[], "GET / HTTP/1.1\r\n\r\n"),
            ("GET", "", None, &[], "GET / HTTP/1.1\r\n\r\n"),
            ("GET", "a/b", None, &[], "GET /a/b HTTP/1.1\r\n\r\n"),
            (
                "POST",
                "/a b/ü",
                None,
                &[],
                "POST /a%20b/%C3%BC HTTP/1.1\r\n\r\n",
            ),
            (
                "GET",
                "/a%2Fb",
                Some("x=%20&y"),
                &[],
                "GET /a%2Fb?x=%20&y HTTP/1.1\r\n\r\n",
            ),
            ("GET", "/q?#", None, &[], "GET /q%3F%23 HTTP/1.1\r\n\r\n"),
            ("GET", "/", Some(""), &[], "GET / HTTP/1.1\r\n\r\n"),
            (
                "GET",
                "/",
                Some("a=b c#d"),
                &[],
                "GET /?a=b%20c%23d HTTP/1.1\r\n\r\n",
            ),
            (
                "GET",
                "/p",
                None,
                &[("a", "1"), ("b", "x y&z=é")],
                "GET /p?a=1&b=x%20y%26z%3D%C3%A9 HTTP/1.1\r\n\r\n",
            ),
            (
                "DELETE",
                "/p",
                Some("raw=1"),
                &[("k", "v")],
                "DELETE /p?raw=1&k=v HTTP/1.1\r\n\r\n",
            ),
            (
                "PATCH",
                "/{x}",
                None,
                &[("", "")],
                "PATCH /%7Bx%7D?= HTTP/1.1\r\n\r\n",
            ),
        ];
        for &(method, path, raw, params, expected) in table {
            let head = write(|w| {
                w.request_line(method, path);
                if let Some(raw) = raw {
                    w.raw_query(raw);
                }
                for (k, v) in params {
                    w.query_param(k, v);
                }
                w.end_line();
            });
            assert_eq!(head.as_deref(), Ok(expected), "{method} {path}");
        }
    }

    #[test]
    fn headers() {
        let head = write(|w| {
            w.request_line("GET", "/");
            w.end_line();
            w.header("Host", "example.com");
            w.header("x-empty", "");
            w.header("x-tab", "a\tb");
            w.header_number("content-length", 42);
            w.header_json("x-json", |j| {
                j.object(|j| {
                    j.field("s", "line\r\nInjected: 1")?;
                    j.field("n", 7u32)
                })
            });
        })
        .unwrap();
        assert_eq!(
            head,
            "GET / HTTP/1.1\r\nHost: example.com\r\nx-empty: \r\nx-tab: a\tb\r\n\
             content-length: 42\r\nx-json: {\"s\":\"line\\r\\nInjected: 1\",\"n\":7}\r\n\r\n"
        );
    }

    #[test]
    fn nothing_from_an_event_can_split_the_head() {
        let bad: &[(&str, &str)] = &[
            ("x", "a\r\nInjected: 1"),
            ("x", "a\nb"),
            ("x", "a\0b"),
            ("x", "\x7f"),
            ("bad name", "v"),
            ("", "v"),
            ("x:y", "v"),
            ("é", "v"),
        ];
        for &(name, value) in bad {
            let r = write(|w| {
                w.request_line("GET", "/");
                w.end_line();
                w.header(name, value);
            });
            assert_eq!(r, Err(HeadError::Header), "{name:?}: {value:?}");
        }
        for method in ["", "G ET", "GET\r\n", "GÉT"] {
            let r = write(|w| {
                w.request_line(method, "/");
                w.end_line();
            });
            assert_eq!(r, Err(HeadError::Method), "{method:?}");
        }
        let r = write(|w| {
            w.request_line("GET", "/\r\nx: y");
            w.raw_query("\r\n");
            w.end_line();
        });
        assert_eq!(r.unwrap(), "GET /%0D%0Ax:%20y?%0D%0A HTTP/1.1\r\n\r\n");
    }

    #[test]
    fn a_full_buffer_is_an_error_at_every_size() {
        let full = write(|w| {
            w.request_line("GET", "/abc");
            w.raw_query("q=1");
            w.end_line();
            w.header("host", "h");
            w.header_json("j", |j| j.value("v"));
        })
        .unwrap();
        for size in 0..full.len() {
            let mut buf = vec![0u8; size];
            let mut w = HeadWriter::new(&mut buf);
            w.request_line("GET", "/abc");
            w.raw_query("q=1");
            w.end_line();
            w.header("host", "h");
            w.header_json("j", |j| j.value("v"));
            assert_eq!(w.finish(), Err(HeadError::Full), "{size}");
        }
    }
}
