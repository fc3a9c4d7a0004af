//! The app's response, sans-IO: the head (status, headers, how the body is framed) and an
//! incremental chunked-body decoder. Bytes in, slices out; no allocation, no socket.

use core::fmt;

/// At most this many response headers from the app (more is an invalid response).
pub const MAX_APP_HEADERS: usize = 128;

/// How the body after the head is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body: a `HEAD` request, a 204 or a 304 (whatever `Content-Length` says).
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked` (see [`ChunkedDecoder`]).
    Chunked,
    /// Until the app closes the connection (no length and no chunked coding).
    UntilClose,
}

/// A parsed response head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The status code (100 to 999).
    pub status: u16,
    /// How many headers there are (the first of the headers array passed in).
    pub header_count: usize,
    /// The head's length in bytes, blank line included: the body starts there.
    pub len: usize,
    /// How the body is delimited.
    pub framing: Framing,
    /// Whether the connection can carry the next request once the body is read.
    pub keep_alive: bool,
}

impl Head {
    /// Whether this is an interim response (`1xx` other than 101), which a final one follows.
    pub fn is_interim(&self) -> bool {
        (100..200).contains(&self.status)
    }
}

/// Why the app's response cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseError {
    /// The bytes are not an HTTP/1.x response head.
    Head(&'static str),
    /// More than [`MAX_APP_HEADERS`] headers.
    TooManyHeaders,
    /// `Content-Length` is not a number, or two of them differ.
    ContentLength,
    /// `101 Switching Protocols`: the adapter does not upgrade connections.
    Upgrade,
    /// The chunked body is malformed.
    Chunked(&'static str),
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::Head(what) => write!(f, "invalid response head: {what}"),
            ResponseError::TooManyHeaders => {
                write!(f, "more than {MAX_APP_HEADERS} response headers")
            }
            ResponseError::ContentLength => f.write_str("invalid or conflicting Content-Length"),
            ResponseError::Upgrade => f.write_str("101 Switching Protocols is not supported"),
            ResponseError::Chunked(what) => write!(f, "invalid chunked body: {what}"),
        }
    }
}

/// Parses a response head at the start of `buf`. `Ok(None)`: the head is not complete yet.
/// `head_request`: the request was `HEAD` (so the response has no body).
/// The headers are left in `headers[..head.header_count]`.
pub fn parse_head<'b>(
    buf: &'b [u8],
    headers: &mut [httparse::Header<'b>],
    head_request: bool,
) -> Result<Option<Head>, ResponseError> {
    let mut response = httparse::Response::new(headers);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(ResponseError::TooManyHeaders),
        Err(e) => return Err(ResponseError::Head(error_text(e))),
    };
    let status = response.code.unwrap_or(0);
    if !(100..=999).contains(&status) {
        return Err(ResponseError::Head("status code out of range"));
    }
    if status == 101 {
        return Err(ResponseError::Upgrade);
    }
    let http11 = response.version == Some(1);
    let mut keep_alive = http11;
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut transfer_encoding = false;
    for h in response.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = parse_length(h.value).ok_or(ResponseError::ContentLength)?;
            if length.is_some_and(|l| l != n) {
                return Err(ResponseError::ContentLength);
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            transfer_encoding = true;
            // Chunked only when it is the last coding of the last such header.
            chunked = last_token(h.value).eq_ignore_ascii_case(b"chunked");
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in h.value.split(|&b| b == b',') {
                let token = trim(token);
                if token.eq_ignore_ascii_case(b"close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case(b"keep-alive") && !http11 {
                    keep_alive = true;
                }
            }
        }
    }
    let header_count = response.headers.len();
    let framing = if head_request || (100..200).contains(&status) || status == 204 || status == 304
    {
        Framing::Empty
    } else if transfer_encoding {
        // RFC 9112 6.3: Transfer-Encoding overrides Content-Length; a coding other than
        // chunked last means the body runs to the end of the connection.
        if chunked {
            Framing::Chunked
        } else {
            Framing::UntilClose
        }
    } else {
        match length {
            Some(n) => Framing::Length(n),
            None => Framing::UntilClose,
        }
    };
    if framing == Framing::UntilClose {
        keep_alive = false;
    }
    Ok(Some(Head {
        status,
        header_count,
        len,
        framing,
        keep_alive,
    }))
}

fn error_text(e: httparse::Error) -> &'static str {
    match e {
        httparse::Error::HeaderName => "invalid header name",
        httparse::Error::HeaderValue => "invalid header value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status",
        httparse::Error::Token => "invalid token",
        httparse::Error::TooManyHeaders => "too many headers",
        httparse::Error::Version => "not HTTP/1.x",
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fn last_token(value: &[u8]) -> &[u8] {
    trim(value.rsplit(|&b| b == b',').next().unwrap_or(b""))
}

fn parse_length(value: &[u8]) -> Option<u64> {
    let digits = trim(value);
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// Most bytes of trailers (and chunk extensions) the decoder reads past.
pub const MAX_CHUNK_OVERHEAD: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the hex size; `digits` read so far.
    Size { digits: u8 },
    /// After the size: extensions or whitespace up to the line end.
    Extension,
    /// A CR of a size line was read; LF must follow.
    SizeLf,
    /// Inside the data of a chunk.
    Data,
    /// After the data: CR LF (or LF).
    DataEnd { cr: bool },
    /// At the start of a trailer line (or of the final blank line).
    TrailerStart,
    /// Inside a trailer line.
    Trailer,
    /// A CR at the start of a line was read: the blank line's LF must follow.
    FinalLf,
    /// The body ended.
    Done,
}

/// An incremental decoder of a chunked body: feed it bytes as they arrive, get the data
/// slices back. Extensions and trailers are read past and dropped.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    /// Bytes left in the current chunk (or its size as it is read).
    remaining: u64,
    /// Extension and trailer bytes read so far.
    overhead: usize,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        ChunkedDecoder::new()
    }
}

impl ChunkedDecoder {
    /// A decoder at the start of a body.
    pub fn new() -> ChunkedDecoder {
        ChunkedDecoder {
            state: State::Size { digits: 0 },
            remaining: 0,
            overhead: 0,
        }
    }

    /// Whether the last chunk and the trailers were read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Reads from `input`: returns how many bytes were used and the body data among them
    /// (`None` when they were framing). Call again with the rest until the input is used up
    /// or [`ChunkedDecoder::is_done`]; bytes after the end are not used.
    pub fn decode<'a>(
        &mut self,
        input: &'a [u8],
    ) -> Result<(usize, Option<&'a [u8]>), ResponseError> {
        if self.state == State::Data {
            let n = (self.remaining.min(input.len() as u64)) as usize;
            self.remaining -= n as u64;
            if self.remaining == 0 {
                self.state = State::DataEnd { cr: false };
            }
            return Ok((n, (n > 0).then(|| &input[..n])));
        }
        let mut used = 0;
        for &b in input {
            if self.state == State::Done || self.state == State::Data {
                break;
            }
            used += 1;
            self.step(b)?;
        }
        Ok((used, None))
    }

    fn step(&mut self, b: u8) -> Result<(), ResponseError> {
        let bad = |what| Err(ResponseError::Chunked(what));
        match self.state {
            State::Size { digits } => match hex(b) {
                Some(d) => {
                    if digits >= 15 {
                        return bad("chunk size too large");
                    }
                    self.remaining = self.remaining * 16 + u64::from(d);
                    self.state = State::Size { digits: digits + 1 };
                }
                None if digits == 0 => return bad("chunk size expected"),
                None => match b {
                    b'\r' => self.state = State::SizeLf,
                    b'\n' => self.size_line_end(),
                    b';' | b' ' | b'\t' => {
                        self.state = State::Extension;
                        self.count(1)?;
                    }
                    _ => return bad("invalid byte after chunk size"),
                },
            },
            State::Extension => match b {
                b'\r' => self.state = State::SizeLf,
                b'\n' => self.size_line_end(),
                0..=8 | 11..=31 | 127 => return bad("control byte in chunk extension"),
                _ => self.count(1)?,
            },
            State::SizeLf => {
                if b != b'\n' {
                    return bad("CR without LF after chunk size");
                }
                self.size_line_end();
            }
            State::DataEnd { cr } => match b {
                b'\r' if !cr => self.state = State::DataEnd { cr: true },
                b'\n' => self.state = State::Size { digits: 0 },
                _ => return bad("chunk data longer than its size"),
            },
            State::TrailerStart => match b {
                b'\r' => self.state = State::FinalLf,
                b'\n' => self.state = State::Done,
                _ => {
                    self.state = State::Trailer;
                    self.count(1)?;
                }
            },
            State::Trailer => match b {
                b'\n' => self.state = State::TrailerStart,
                b'\r' => {}
                _ => self.count(1)?,
            },
            State::FinalLf => {
                if b != b'\n' {
                    return bad("CR without LF at the end of the trailers");
                }
                self.state = State::Done;
            }
            State::Data | State::Done => {}
        }
        Ok(())
    }

    fn size_line_end(&mut self) {
        self.state = if self.remaining == 0 {
            State::TrailerStart
        } else {
            State::Data
        };
    }

    fn count(&mut self, n: usize) -> Result<(), ResponseError> {
        self.overhead += n;
        if self.overhead > MAX_CHUNK_OVERHEAD {
            return Err(ResponseError::Chunked(
                "extensions and trailers over 16 KiB",
            ));
        }
        Ok(())
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8], head_request: bool) -> Result<Option<Head>, ResponseError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_APP_HEADERS];
        parse_head(bytes, &mut headers, head_request)
    }

    fn complete(bytes: &str) -> Head {
        head(bytes.as_bytes(), false).unwrap().unwrap()
    }

    #[test]
    fn heads_and_their_framing() {
        use Framing::*;
        let table: &[(&str, u16, Framing, bool)] = &[
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                200,
                Length(5),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\ncontent-length:  0 \r\n\r\n",
                200,
                Length(0),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                200,
                Chunked,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n",
                200,
                Chunked,
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                200,
                UntilClose,
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n",
                200,
                Chunked,
                true,
            ),
            ("HTTP/1.1 200 OK\r\n\r\n", 200, UntilClose, false),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n",
                200,
                Length(5),
                false,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: upgrade, Close\r\n\r\n",
                200,
                Length(5),
                false,
            ),
            (
                "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n",
                200,
                Length(5),
                false,
            ),
            (
                "HTTP/1.0 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n",
                200,
                Length(5),
                true,
            ),
            ("HTTP/1.0 200 OK\r\n\r\n", 200, UntilClose, false),
            (
                "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
                204,
                Empty,
                true,
            ),
            ("HTTP/1.1 304 Not Modified\r\n\r\n", 304, Empty, true),
            ("HTTP/1.1 100 Continue\r\n\r\n", 100, Empty, true),
            (
                "HTTP/1.1 404 \r\nContent-Length: 2\r\n\r\n",
                404,
                Length(2),
                true,
            ),
            (
                "HTTP/1.1 599 Custom\nContent-Length: 1\n\n",
                599,
                Length(1),
                true,
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
                200,
                Length(3),
                true,
            ),
        ];
        for &(bytes, status, framing, keep_alive) in table {
            let h = complete(bytes);
            assert_eq!(
                (h.status, h.framing, h.keep_alive, h.len),
                (status, framing, keep_alive, bytes.len()),
                "{bytes:?}"
            );
        }
        assert!(complete("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n").is_interim());
        let h = head(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true)
            .unwrap()
            .unwrap();
        assert_eq!(h.framing, Framing::Empty, "the answer to HEAD has no body");
    }

    #[test]
    fn headers_are_left_in_the_array() {
        let bytes = b"HTTP/1.1 200 OK\r\nA: 1\r\nSet-Cookie: x=1\r\nSet-Cookie: y=2\r\n\r\nBODY";
        let mut headers = [httparse::EMPTY_HEADER; MAX_APP_HEADERS];
        let h = parse_head(bytes, &mut headers, false).unwrap().unwrap();
        assert_eq!(h.header_count, 3);
        assert_eq!(&bytes[h.len..], b"BODY");
        let pairs: Vec<(&str, &[u8])> = headers[..3].iter().map(|h| (h.name, h.value)).collect();
        assert_eq!(
            pairs,
            [
                ("A", &b"1"[..]),
                ("Set-Cookie", b"x=1"),
                ("Set-Cookie", b"y=2")
            ]
        );
    }

    #[test]
    fn partial_heads_at_every_cut() {
        let bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        for cut in 0..bytes.len() {
            assert_eq!(head(&bytes[..cut], false), Ok(None), "cut at {cut}");
        }
    }

    #[test]
    fn bad_heads_are_errors() {
        let table: &[(&[u8], ResponseError)] = &[
            (
                b"GET / HTTP/1.1\r\n\r\n",
                ResponseError::Head("not HTTP/1.x"),
            ),
            (
                b"HTTP/2 200 OK\r\n\r\n",
                ResponseError::Head("not HTTP/1.x"),
            ),
            (
                b"HTTP/1.1 2000 OK\r\n\r\n",
                ResponseError::Head("invalid status"),
            ),
            (
                b"HTTP/1.1 099 Low\r\n\r\n",
                ResponseError::Head("status code out of range"),
            ),
            (
                b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
                ResponseError::Head("invalid header name"),
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                ResponseError::ContentLength,
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
                ResponseError::ContentLength,
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
                ResponseError::ContentLength,
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
                ResponseError::ContentLength,
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                ResponseError::ContentLength,
            ),
            (
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
                ResponseError::Upgrade,
            ),
            (
                b"\x00\x01\x02garbage\r\n\r\n",
                ResponseError::Head("not HTTP/1.x"),
            ),
        ];
        for (bytes, error) in table {
            assert_eq!(
                head(bytes, false),
                Err(*error),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..=MAX_APP_HEADERS {
            many.extend_from_slice(format!("h{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(head(&many, false), Err(ResponseError::TooManyHeaders));
    }

    /// Decodes `body` fed `step` bytes at a time; returns the data and the bytes not used.
    fn dechunk(body: &[u8], step: usize) -> Result<(Vec<u8>, usize), ResponseError> {
        let mut d = ChunkedDecoder::new();
        let mut data = Vec::new();
        let mut at = 0;
        while at < body.len() && !d.is_done() {
            let end = (at + step).min(body.len());
            let mut piece = &body[at..end];
            while !piece.is_empty() && !d.is_done() {
                let (used, out) = d.decode(piece)?;
                assert!(used > 0 || d.is_done(), "progress");
                if let Some(out) = out {
                    data.extend_from_slice(out);
                }
                piece = &piece[used..];
                at += used;
            }
        }
        if !d.is_done() {
            return Err(ResponseError::Chunked("(test) unfinished"));
        }
        Ok((data, body.len() - at))
    }

    #[test]
    fn chunked_bodies_at_every_step_size() {
        let table: &[(&[u8], &[u8], usize)] = &[
            (b"5\r\nhello\r\n0\r\n\r\n", b"hello", 0),
            (b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world", 0),
            (b"A\r\n0123456789\r\n0\r\n\r\nNEXT", b"0123456789", 4),
            (
                b"a;name=value\r\n0123456789\r\n0;x\r\n\r\n",
                b"0123456789",
                0,
            ),
            (
                b"3 \r\nabc\r\n0\r\nTrailer: 1\r\nOther: 2\r\n\r\n",
                b"abc",
                0,
            ),
            (b"3\nabc\n0\n\n", b"abc", 0),
            (b"0\r\n\r\n", b"", 0),
            (
                b"000010\r\n0123456789abcdef\r\n0\r\n\r\n",
                b"0123456789abcdef",
                0,
            ),
        ];
        for &(body, data, left) in table {
            for step in 1..=body.len() {
                assert_eq!(
                    dechunk(body, step),
                    Ok((data.to_vec(), left)),
                    "{:?} by {step}",
                    String::from_utf8_lossy(body)
                );
            }
        }
    }

    #[test]
    fn bad_chunked_bodies_are_errors() {
        let table: &[&[u8]] = &[
            b"\r\n",
            b"x\r\n",
            b"5\r\nhelloX\r\n0\r\n\r\n",
            b"5\rhello",
            b"1234567890abcdef0\r\n",
            b"3\r\nabc\r\n0\r\n\rX",
            b"3;\x01\r\nabc",
            b"-1\r\n",
        ];
        for body in table {
            for step in 1..=body.len() {
                assert!(
                    matches!(dechunk(body, step), Err(ResponseError::Chunked(_))),
                    "{:?} by {step}",
                    String::from_utf8_lossy(body)
                );
            }
        }
        let mut long = b"1;".to_vec();
        long.extend(std::iter::repeat_n(b'x', MAX_CHUNK_OVERHEAD));
        long.extend_from_slice(b"\r\na\r\n0\r\n\r\n");
        assert!(dechunk(&long, 4096).is_err(), "extensions are bounded");
    }
}
