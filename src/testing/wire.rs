//! HTTP/1.1 on the server side: reading requests out of a per-connection buffer (so pipelined
//! requests are never lost), routing, and rendering answers with faults applied.
//!
//! This is written independently of the crate's own `proto` module on purpose: the mock is the
//! oracle the runtime is tested against, so it must not share the runtime's parsing code.

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::record::find;
use super::spec::{Fault, Framing, Invocation, Route, GARBAGE_REQUEST_ID};

/// Largest request head accepted (status line and headers).
const MAX_REQUEST_HEAD: usize = 1024 * 1024;
/// Most request headers accepted.
const MAX_REQUEST_HEADERS: usize = 128;
/// Largest request body accepted: well over Lambda's limits, so oversized responses reach the
/// mock (and its `response_limit`) instead of being cut at the socket.
pub(super) const MAX_REQUEST_BODY: u64 = 64 * 1024 * 1024;
/// Longest chunk-size line accepted (hex digits and chunk extensions).
const MAX_CHUNK_LINE: usize = 4096;
/// Size of the body sent by [`Fault::OversizedBody`].
const OVERSIZED_BODY: usize = 7 * 1024 * 1024;
/// Length declared by [`Fault::HugeDeclaredLength`], and how much of it is sent.
const HUGE_DECLARED: u64 = 100 * 1024 * 1024;
const HUGE_DECLARED_SENT: usize = 4096;

/// The acknowledgement body of [`super::AckBody::Json`].
pub(super) const OK_JSON: &[u8] = br#"{"status":"OK"}"#;

// ---------------------------------------------------------------------------------------------
// Reading requests

/// One complete request.
#[derive(Debug)]
pub(super) struct Request {
    pub method: String,
    pub path: String,
    pub version: u8,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub chunked: bool,
    /// The size of each chunk of a chunked body, in order.
    pub chunk_sizes: Vec<usize>,
    pub trailers: Vec<(String, String)>,
    /// When the read that completed this request returned.
    pub received_at: Instant,
}

impl Request {
    /// The value of the header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        super::record::find(&self.headers, name)
    }

    /// True when the client asked to close the connection after this request.
    pub fn wants_close(&self) -> bool {
        let has_token = |token: &str| {
            self.headers.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case("connection")
                    && v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token))
            })
        };
        if self.version == 0 {
            !has_token("keep-alive")
        } else {
            has_token("close")
        }
    }
}

/// What reading the next request gave.
#[derive(Debug)]
pub(super) enum Incoming {
    /// A whole request.
    Request(Request),
    /// The peer closed the connection (or it broke) before a whole request arrived.
    Closed,
    /// The bytes are not an acceptable request: answer with this status and reason, then close.
    Bad(u16, &'static str),
}

/// Reads requests one by one from a connection. Bytes that arrive after the end of a request
/// (a pipelined `GET next` behind a `POST`) stay in the buffer for the next call.
pub(super) struct RequestReader {
    buf: Vec<u8>,
    start: usize,
    scratch: Box<[u8]>,
    last_read: Instant,
}

enum BodyFraming {
    Length(u64),
    Chunked,
}

impl RequestReader {
    pub fn new() -> RequestReader {
        RequestReader {
            buf: Vec::new(),
            start: 0,
            scratch: vec![0; 64 * 1024].into_boxed_slice(),
            last_read: Instant::now(),
        }
    }

    /// Reads until one whole request is buffered, and returns it.
    pub fn next<S: Read + Write>(&mut self, stream: &mut S) -> Incoming {
        let head = loop {
            match parse_head(&self.buf[self.start..]) {
                Ok(Some(head)) => break head,
                Ok(None) if self.buf.len() - self.start > MAX_REQUEST_HEAD => {
                    return Incoming::Bad(431, "request head too large");
                }
                Ok(None) => {
                    if !self.fill(stream) {
                        return Incoming::Closed;
                    }
                }
                Err((status, reason)) => return Incoming::Bad(status, reason),
            }
        };
        let framing = match body_framing(&head.headers) {
            Ok(framing) => framing,
            Err((status, reason)) => return Incoming::Bad(status, reason),
        };
        let body_start = self.start + head.len;
        let expect_continue = find(&head.headers, "expect")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"));
        let mut continue_sent = false;
        let mut send_continue = |stream: &mut S, buffered: bool| {
            if expect_continue && !continue_sent && !buffered {
                continue_sent = true;
                // A failed write shows up as a failed read just after.
                let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
        };
        let (body, chunk_sizes, trailers, end) = match framing {
            BodyFraming::Length(len) => {
                if len > MAX_REQUEST_BODY {
                    return Incoming::Bad(413, "request body too large");
                }
                // `len` fits in usize: it is at most MAX_REQUEST_BODY.
                let end = body_start + len as usize;
                self.buf.reserve(end.saturating_sub(self.buf.len()));
                while self.buf.len() < end {
                    send_continue(stream, self.buf.len() > body_start);
                    if !self.fill(stream) {
                        return Incoming::Closed;
                    }
                }
                (
                    self.buf[body_start..end].to_vec(),
                    Vec::new(),
                    Vec::new(),
                    end,
                )
            }
            BodyFraming::Chunked => {
                let mut decoder = ChunkedDecoder::default();
                loop {
                    match decoder.advance(&self.buf[body_start..]) {
                        Ok(Some(used)) => {
                            break (
                                decoder.body,
                                decoder.chunk_sizes,
                                decoder.trailers,
                                body_start + used,
                            )
                        }
                        Ok(None) => {
                            send_continue(stream, self.buf.len() > body_start);
                            if !self.fill(stream) {
                                return Incoming::Closed;
                            }
                        }
                        Err((status, reason)) => return Incoming::Bad(status, reason),
                    }
                }
            }
        };
        self.start = end;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start >= 1024 * 1024 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        Incoming::Request(Request {
            method: head.method,
            path: head.path,
            version: head.version,
            chunked: matches!(framing, BodyFraming::Chunked),
            headers: head.headers,
            body,
            chunk_sizes,
            trailers,
            received_at: self.last_read,
        })
    }

    /// Reads once more from the stream. False on end of stream or error.
    fn fill<S: Read>(&mut self, stream: &mut S) -> bool {
        loop {
            match stream.read(&mut self.scratch) {
                Ok(0) => return false,
                Ok(n) => {
                    self.last_read = Instant::now();
                    self.buf.extend_from_slice(&self.scratch[..n]);
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return false,
            }
        }
    }
}

struct Head {
    method: String,
    path: String,
    version: u8,
    headers: Vec<(String, String)>,
    len: usize,
}

fn parse_head(bytes: &[u8]) -> Result<Option<Head>, (u16, &'static str)> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_REQUEST_HEADERS];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => Ok(Some(Head {
            method: req.method.unwrap_or_default().to_string(),
            path: req.path.unwrap_or_default().to_string(),
            version: req.version.unwrap_or(1),
            headers: pairs(req.headers),
            len,
        })),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err((431, "too many request headers")),
        Err(_) => Err((400, "malformed request head")),
    }
}

fn pairs(headers: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect()
}

fn body_framing(headers: &[(String, String)]) -> Result<BodyFraming, (u16, &'static str)> {
    let codings: Vec<&str> = header_values(headers, "transfer-encoding").collect();
    let lengths: Vec<&str> = header_values(headers, "content-length").collect();
    if !codings.is_empty() {
        if !lengths.is_empty() {
            return Err((400, "both Transfer-Encoding and Content-Length"));
        }
        if codings.len() == 1 && codings[0].eq_ignore_ascii_case("chunked") {
            return Ok(BodyFraming::Chunked);
        }
        return Err((400, "unsupported Transfer-Encoding"));
    }
    let mut len = None;
    for value in lengths {
        let n = parse_decimal(value).ok_or((400, "invalid Content-Length"))?;
        if len.is_some_and(|l| l != n) {
            return Err((400, "conflicting Content-Length"));
        }
        len = Some(n);
    }
    Ok(BodyFraming::Length(len.unwrap_or(0)))
}

/// The comma-separated values of every header with this name, trimmed, empty ones skipped.
fn header_values<'a>(
    headers: &'a [(String, String)],
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Decodes a chunked body that arrives over time. `advance` is called with all the body bytes
/// buffered so far and resumes after the last complete chunk.
#[derive(Default)]
struct ChunkedDecoder {
    /// Offset of the next chunk-size line.
    pos: usize,
    body: Vec<u8>,
    chunk_sizes: Vec<usize>,
    trailers: Vec<(String, String)>,
}

impl ChunkedDecoder {
    /// `Ok(Some(n))`: done, the body and trailers used `n` bytes. `Ok(None)`: need more bytes.
    fn advance(&mut self, data: &[u8]) -> Result<Option<usize>, (u16, &'static str)> {
        const BAD: (u16, &str) = (400, "malformed chunked body");
        loop {
            let rest = data.get(self.pos..).unwrap_or_default();
            let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
                return if rest.len() > MAX_CHUNK_LINE {
                    Err(BAD)
                } else {
                    Ok(None)
                };
            };
            let line = &rest[..eol];
            let digits = line.split(|&b| b == b';').next().unwrap_or_default();
            let digits = digits.trim_ascii();
            if digits.is_empty() || digits.len() > 15 || !digits.iter().all(u8::is_ascii_hexdigit) {
                return Err(BAD);
            }
            let size = digits
                .iter()
                .fold(0u64, |n, &d| (n << 4) | hex_value(d) as u64);
            let data_start = self.pos + eol + 2;
            if size == 0 {
                let mut slots = [httparse::EMPTY_HEADER; 64];
                let trailer_bytes = data.get(data_start..).unwrap_or_default();
                return match httparse::parse_headers(trailer_bytes, &mut slots) {
                    Ok(httparse::Status::Complete((used, trailers))) => {
                        self.trailers = pairs(trailers);
                        Ok(Some(data_start + used))
                    }
                    Ok(httparse::Status::Partial) if trailer_bytes.len() > 64 * 1024 => Err(BAD),
                    Ok(httparse::Status::Partial) => Ok(None),
                    Err(_) => Err((400, "malformed trailers")),
                };
            }
            if self.body.len() as u64 + size > MAX_REQUEST_BODY {
                return Err((413, "request body too large"));
            }
            // `size` fits in usize: it is at most MAX_REQUEST_BODY.
            let data_end = data_start + size as usize;
            let Some(chunk_and_crlf) = data.get(data_start..data_end + 2) else {
                return Ok(None);
            };
            if &chunk_and_crlf[size as usize..] != b"\r\n" {
                return Err(BAD);
            }
            self.body
                .extend_from_slice(&chunk_and_crlf[..size as usize]);
            self.chunk_sizes.push(size as usize);
            self.pos = data_end + 2;
        }
    }
}

fn hex_value(d: u8) -> u8 {
    match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        b'A'..=b'F' => d - b'A' + 10,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Routing

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// `GET .../invocation/next`.
    Next,
    /// `GET .../restore/next` (SnapStart).
    RestoreNext,
    /// A `POST` to a response, error, init error or restore error route, with the
    /// percent-decoded request id (empty for init and restore errors).
    Post(Route, String),
    /// `POST /2020-01-01/extension/register`.
    ExtensionRegister,
    /// `GET /2020-01-01/extension/event/next`.
    ExtensionNext,
    /// A Runtime API path with the wrong method.
    WrongMethod,
    /// Anything else.
    Unknown,
}

pub(super) fn target(prefix: &str, method: &str, path: &str) -> Target {
    let path = path.split('?').next().unwrap_or_default();
    if let Some(rest) = path
        .strip_prefix(prefix)
        .and_then(|p| p.strip_prefix("/2020-01-01/extension/"))
    {
        let (want, target) = match rest {
            "register" => ("POST", Target::ExtensionRegister),
            "event/next" => ("GET", Target::ExtensionNext),
            _ => return Target::Unknown,
        };
        return if method == want {
            target
        } else {
            Target::WrongMethod
        };
    }
    let Some(rest) = path
        .strip_prefix(prefix)
        .and_then(|p| p.strip_prefix("/2018-06-01/runtime/"))
    else {
        return Target::Unknown;
    };
    let (want, target) = if rest == "invocation/next" {
        ("GET", Target::Next)
    } else if rest == "init/error" {
        ("POST", Target::Post(Route::InitError, String::new()))
    } else if rest == "restore/next" {
        ("GET", Target::RestoreNext)
    } else if rest == "restore/error" {
        ("POST", Target::Post(Route::RestoreError, String::new()))
    } else {
        let Some((id, action)) = rest
            .strip_prefix("invocation/")
            .and_then(|r| r.rsplit_once('/'))
        else {
            return Target::Unknown;
        };
        let route = match action {
            "response" => Route::Response,
            "error" => Route::Error,
            _ => return Target::Unknown,
        };
        if id.contains('/') {
            return Target::Unknown;
        }
        ("POST", Target::Post(route, percent_decode(id)))
    };
    if method == want {
        target
    } else {
        Target::WrongMethod
    }
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i..] {
            [b'%', h, l, ..] if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() => {
                out.push(hex_value(h) << 4 | hex_value(l));
                i += 3;
            }
            [b, ..] => {
                out.push(b);
                i += 1;
            }
            [] => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Writing answers

/// An answer before faults shape it.
pub(super) struct Message {
    pub status: u16,
    /// Headers other than `Date` and framing, names already as they should be sent.
    pub headers: Vec<(String, String)>,
    pub body: Arc<[u8]>,
    pub framing: Framing,
    /// Lower-case the names of `Date`, `Content-Length`, `Transfer-Encoding`, `Connection`.
    pub lowercase: bool,
}

impl Message {
    /// An answer with a body sent with `Content-Length`.
    pub fn new(status: u16, body: &[u8]) -> Message {
        Message {
            status,
            headers: Vec::new(),
            body: Arc::from(body),
            framing: Framing::ContentLength,
            lowercase: false,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Message {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// A Lambda-style JSON error answer.
    pub fn error(status: u16, message: &str) -> Message {
        let error_type: String = reason(status).split(' ').collect();
        let body = format!(
            r#"{{"errorMessage":"{}","errorType":"{}"}}"#,
            message.replace(['"', '\\'], "'"),
            error_type
        );
        Message::new(status, body.as_bytes()).header("Content-Type", "application/json")
    }
}

/// The `/next` answer for an invocation.
pub(super) fn event_message(inv: &Invocation, deadline_ms: u64, faults: &[Fault]) -> Message {
    let has = |f: Fault| faults.contains(&f) || inv.faults.contains(&f);
    let mut headers = Vec::with_capacity(10 + inv.headers.len());
    let mut add = |name: &str, value: &str| {
        let name = if inv.lowercase {
            name.to_ascii_lowercase()
        } else {
            name.to_string()
        };
        headers.push((name, value.to_string()));
    };
    if !inv.content_type.is_empty() {
        add("Content-Type", &inv.content_type);
    }
    if has(Fault::GarbageRequestId) {
        add("Lambda-Runtime-Aws-Request-Id", GARBAGE_REQUEST_ID);
    } else if !has(Fault::MissingRequestId) {
        add("Lambda-Runtime-Aws-Request-Id", &inv.request_id);
    }
    if has(Fault::GarbageDeadline) {
        add("Lambda-Runtime-Deadline-Ms", "soon");
    } else {
        add("Lambda-Runtime-Deadline-Ms", &deadline_ms.to_string());
    }
    add("Lambda-Runtime-Invoked-Function-Arn", &inv.function_arn);
    let optional = [
        ("Lambda-Runtime-Trace-Id", &inv.trace_id),
        ("Lambda-Runtime-Client-Context", &inv.client_context),
        ("Lambda-Runtime-Cognito-Identity", &inv.identity),
        ("Lambda-Runtime-Aws-Tenant-Id", &inv.tenant_id),
        ("Lambda-Runtime-Invocation-Id", &inv.invocation_id),
    ];
    for (name, value) in optional {
        if !value.is_empty() {
            add(name, value);
        }
    }
    headers.extend(inv.headers.iter().cloned());
    Message {
        status: 200,
        headers,
        body: Arc::clone(&inv.body),
        framing: inv.framing,
        lowercase: inv.lowercase,
    }
}

/// Bytes ready to write, and how to write them.
#[derive(Debug)]
pub(super) struct Plan {
    pub bytes: Vec<u8>,
    /// Write only this many bytes of `bytes` (fewer when a fault cuts the answer).
    pub send: usize,
    /// Close the connection after writing.
    pub close: bool,
    /// After writing, answer nothing more on the connection: drop what arrives until the
    /// client closes it.
    pub hold: bool,
    /// Write one byte per call, with this pause between bytes.
    pub trickle: Option<Duration>,
}

impl Plan {
    /// Close the connection without writing anything.
    pub fn drop_connection() -> Plan {
        Plan {
            bytes: Vec::new(),
            send: 0,
            close: true,
            hold: false,
            trickle: None,
        }
    }

    /// Answer nothing, and nothing more on this connection (a stale one).
    pub fn stall() -> Plan {
        Plan {
            bytes: Vec::new(),
            send: 0,
            close: false,
            hold: true,
            trickle: None,
        }
    }

    /// Write these bytes as they are.
    pub fn raw(bytes: Vec<u8>) -> Plan {
        Plan {
            send: bytes.len(),
            bytes,
            close: false,
            hold: false,
            trickle: None,
        }
    }

    /// True when the whole answer gets written.
    pub fn complete(&self) -> bool {
        self.send == self.bytes.len() && !(self.bytes.is_empty() && self.close)
    }
}

/// Renders a message to bytes, applying the faults.
pub(super) fn render(msg: Message, faults: &[Fault]) -> Plan {
    let has = |f: Fault| faults.contains(&f);
    let http10 = has(Fault::Http10);
    let huge_declared = has(Fault::HugeDeclaredLength);
    let mut body = if has(Fault::OversizedBody) {
        oversized_body()
    } else {
        msg.body
    };
    if (has(Fault::CloseMidBody) || has(Fault::StallMidBody)) && body.is_empty() {
        body = Arc::from(OK_JSON);
    }
    let mut framing = msg.framing;
    if http10
        || huge_declared
        || has(Fault::ConflictingContentLength)
        || has(Fault::GarbageContentLength)
    {
        framing = Framing::ContentLength;
    }
    let name = |n: &'static str| {
        if msg.lowercase {
            n.to_ascii_lowercase()
        } else {
            n.to_string()
        }
    };

    let mut head = Vec::with_capacity(256);
    let minor = if http10 { 0 } else { 1 };
    let _ = write!(
        head,
        "HTTP/1.{minor} {} {}\r\n",
        msg.status,
        reason(msg.status)
    );
    for (n, v) in &msg.headers {
        let _ = write!(head, "{n}: {v}\r\n");
    }
    if has(Fault::ConnectionClose) {
        let _ = write!(head, "{}: close\r\n", name("Connection"));
    }
    if has(Fault::HugeHeaderBlock) {
        head.extend_from_slice(b"X-Mock-Padding: ");
        head.resize(head.len() + 64 * 1024, b'a');
        head.extend_from_slice(b"\r\n");
    }
    if has(Fault::ManyHeaders) {
        for i in 0..200 {
            let _ = write!(head, "X-Mock-Header-{i}: {i}\r\n");
        }
    }
    let _ = write!(
        head,
        "{}: {}\r\n",
        name("Date"),
        http_date(SystemTime::now())
    );
    let mut wire_body = Vec::new();
    match framing {
        Framing::ContentLength => {
            let cl = name("Content-Length");
            if has(Fault::GarbageContentLength) {
                let _ = write!(head, "{cl}: twelve\r\n");
            } else if huge_declared {
                let _ = write!(head, "{cl}: {HUGE_DECLARED}\r\n");
            } else {
                let _ = write!(head, "{cl}: {}\r\n", body.len());
                if has(Fault::ConflictingContentLength) {
                    let _ = write!(head, "{cl}: {}\r\n", body.len() + 1);
                }
            }
            if huge_declared {
                let sent = body.len().min(HUGE_DECLARED_SENT);
                wire_body.extend_from_slice(&body[..sent]);
                wire_body.resize(HUGE_DECLARED_SENT, b' ');
            } else {
                wire_body.extend_from_slice(&body);
            }
        }
        Framing::Chunked(size) => {
            let _ = write!(head, "{}: chunked\r\n", name("Transfer-Encoding"));
            wire_body.reserve(body.len() + body.len() / size.max(1) * 8 + 16);
            for chunk in body.chunks(size.max(1)) {
                let _ = write!(wire_body, "{:x}\r\n", chunk.len());
                wire_body.extend_from_slice(chunk);
                wire_body.extend_from_slice(b"\r\n");
            }
            wire_body.extend_from_slice(b"0\r\n\r\n");
        }
    }
    head.extend_from_slice(b"\r\n");

    let head_len = head.len();
    let body_len = wire_body.len();
    let mut bytes = head;
    bytes.append(&mut wire_body);
    let hold = has(Fault::StallBeforeHeaders) || has(Fault::StallMidBody);
    let (send, close) = if has(Fault::CloseBeforeHeaders) || has(Fault::StallBeforeHeaders) {
        (0, !hold)
    } else if has(Fault::CloseMidHeaders) {
        (head_len / 2, true)
    } else if has(Fault::CloseMidBody) || has(Fault::StallMidBody) {
        (head_len + body_len / 2, !hold)
    } else {
        let close = http10
            || has(Fault::ConnectionClose)
            || has(Fault::CloseAfterEvent)
            || has(Fault::CloseAfterAck);
        (bytes.len(), close)
    };
    let trickle = faults.iter().find_map(|f| match f {
        Fault::Trickle(pause) => Some(*pause),
        _ => None,
    });
    Plan {
        bytes,
        send,
        close,
        hold,
        trickle,
    }
}

fn oversized_body() -> Arc<[u8]> {
    static BODY: OnceLock<Arc<[u8]>> = OnceLock::new();
    Arc::clone(BODY.get_or_init(|| {
        let mut body = Vec::with_capacity(OVERSIZED_BODY);
        body.extend_from_slice(br#"{"padding":""#);
        body.resize(OVERSIZED_BODY - 2, b'x');
        body.extend_from_slice(br#""}"#);
        Arc::from(body)
    }))
}

/// The reason phrase of a status code.
pub(super) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), as Go's `net/http` sends in `Date`.
pub(super) fn http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let (h, m, s) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    let (year, month, day) = crate::log::civil_from_days(days);
    format!(
        "{}, {day:02} {} {year} {h:02}:{m:02}:{s:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize]
    )
}

// ---------------------------------------------------------------------------------------------
// Ids

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let local = 0u8;
        let addr = &local as *const u8 as u64;
        splitmix(nanos as u64 ^ (u64::from(std::process::id()) << 32) ^ addr)
    })
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A fresh request id shaped like Lambda's (a version-4 UUID). Unique within the process (for
/// the first 2^48 ids): the last group is a bijection of a counter.
pub(super) fn new_request_id() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let s = seed();
    let r = splitmix(s.wrapping_add(n));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        r >> 32,
        (r >> 16) & 0xffff,
        r & 0xfff,
        0x8000 | (splitmix(r) & 0x3fff),
        // An odd multiplier is a bijection modulo 2^48: distinct counters, distinct groups.
        (n.wrapping_mul(0x5851_f42d_4c95_7f2d) ^ s) & 0xffff_ffff_ffff
    )
}

/// A fresh X-Ray trace header value.
pub(super) fn new_trace_id() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let a = splitmix(seed().wrapping_add(n));
    let b = splitmix(a);
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "Root=1-{:08x}-{:08x}{:016x};Parent={:016x};Sampled=0",
        secs & 0xffff_ffff,
        a >> 32,
        b,
        splitmix(b)
    )
}

// ---------------------------------------------------------------------------------------------
// Base64

/// Decodes standard base64 (padding optional). `None` on any other byte.
pub(super) fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let text = text.trim_ascii();
    let text = text
        .strip_suffix(b"==")
        .or_else(|| text.strip_suffix(b"="))
        .unwrap_or(text);
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}
