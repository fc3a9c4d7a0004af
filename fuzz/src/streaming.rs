//! The response-streaming loop (`__private::run_over_io` with a streaming handler) against a scripted server.
//!
//! Input layout (read with [`Bytes`], so every input decodes): one byte for the number of
//! events (1 to 6), then per event: one byte for how its streamed `POST` is acknowledged
//! ([`Ack`]: accepted, refused, closed, garbled or stalled), one byte for which write on the connection fails (0: none; `k`: the `k`-th
//! write after the event was handed out), one byte for the event's length, and that many bytes
//! of event. The handler reads its script from the event itself ([`Script::decode`]): an HTTP
//! prelude or not, up to four chunks cut from the event, and whether it fails after some of them.
//! When the events run out the server answers `/next` with 500, which ends the run.
//!
//! Checked from the server's records after every run:
//! - every request the runtime finished writing is well-formed HTTP: `GET /next`, a streamed
//!   `POST /response` (chunked, `Lambda-Runtime-Function-Response-Mode: streaming`) or a
//!   `POST /error` with exactly its `Content-Length` body; the runtime never waits for an answer
//!   in the middle of its own request;
//! - every event handed out gets one answer: either one complete streamed response — whose
//!   decoded body is exactly what the handler wrote, with the `Lambda-Runtime-Function-Error-*`
//!   trailers (a valid error type, a base64 JSON error document) exactly when the handler failed
//!   after writing — or one or more byte-identical `/error` posts (re-sent after a dropped
//!   connection), never both; only the event in hand when the run ended early may go
//!   unanswered;
//! - the error type is the handler's when it failed before writing anything, and
//!   `Runtime.StreamInterrupted` (or the handler's) when a write failed;
//! - the run ends (a call budget) with the server's 500 or a fatal acknowledgement.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::time::Duration;

use lambda_zero::__private::Io;
use lambda_zero::{Context, Error, ResponseStream, Runtime, RuntimeError, StreamingHandler};

use crate::reference::{base64_decode, decode_chunked, Chunked};
use crate::Bytes;

/// How the server acknowledges a streamed response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ack {
    Accepted,
    Ok,
    Gone,
    Fatal,
    Close,
    Garbage,
    /// Part of a `202`, then nothing, the connection left open: the runtime's time limit on
    /// acknowledgements (`Io::read_within`) must end the wait.
    Stall,
}

impl Ack {
    fn from_byte(b: u8) -> Ack {
        match b % 8 {
            // The top sixteenth of the byte (the hand-made seeds keep theirs small).
            _ if b >= 0xF0 => Ack::Stall,
            0..=2 => Ack::Accepted,
            3 => Ack::Ok,
            4 => Ack::Gone,
            5 => Ack::Fatal,
            6 => Ack::Close,
            _ => Ack::Garbage,
        }
    }
}

/// One event of the plan.
#[derive(Debug, Clone)]
struct Planned {
    ack: Ack,
    /// The write (1-based, counted on the connection from the moment the event is handed out)
    /// that fails; 0 for none.
    fail_write: u8,
    body: Vec<u8>,
}

/// What the handler does with an event: decoded from the event bytes, so the server can work
/// out the expected answer on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    prelude: bool,
    chunks: Vec<Vec<u8>>,
    /// Fails (returns `Function.Scripted`) after writing this many chunks.
    fail_after: Option<usize>,
}

const PRELUDE: &[u8] = br#"{"statusCode":201,"headers":{"x":"y"},"cookies":[]}"#;

impl Script {
    /// The script of `event`: byte 0 picks the prelude and the number of chunks, byte 1 the
    /// failure, the rest is cut into the chunks (empty ones included: they send nothing).
    pub fn decode(event: &[u8]) -> Script {
        let b0 = event.first().copied().unwrap_or(0);
        let b1 = event.get(1).copied().unwrap_or(0);
        let data = event.get(2..).unwrap_or(&[]);
        let n = usize::from(b0 % 5);
        let chunks = (0..n)
            .map(|i| data[i * data.len() / n.max(1)..(i + 1) * data.len() / n.max(1)].to_vec())
            .collect();
        Script {
            prelude: b0 & 0x80 != 0,
            chunks,
            fail_after: (b1 % 3 == 0).then(|| usize::from(b1 / 3) % (n + 1)),
        }
    }

    /// The bytes the handler sends before it stops: the prelude and separator, then its chunks.
    fn stream(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.prelude {
            out.extend_from_slice(PRELUDE);
            out.extend_from_slice(&[0; 8]);
        }
        let written = self.fail_after.unwrap_or(self.chunks.len());
        for chunk in &self.chunks[..written] {
            out.extend_from_slice(chunk);
        }
        out
    }
}

/// The streaming handler under test: follows the event's [`Script`].
struct Scripted;

impl StreamingHandler for Scripted {
    fn handle(
        &mut self,
        event: &mut [u8],
        _ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        let script = Script::decode(event);
        if script.prelude {
            out.write_http_prelude(PRELUDE)?;
        } else {
            out.set_content_type("text/plain");
        }
        for (i, chunk) in script.chunks.iter().enumerate() {
            if script.fail_after == Some(i) {
                return Err(Error::function(
                    "Scripted",
                    format_args!("failed after {i}"),
                ));
            }
            out.write(chunk)?;
        }
        if script.fail_after == Some(script.chunks.len()) {
            return Err(Error::function("Scripted", "failed at the end"));
        }
        Ok(())
    }
}

/// A request the runtime finished writing.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    trailers: Vec<u8>,
    /// The whole request as written, for comparing re-sent copies.
    raw: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

struct Conn {
    inbox: Vec<u8>,
    outbox: VecDeque<u8>,
    /// The server closed its side: reads return end of file once the outbox is drained.
    closed: bool,
    /// The server stopped answering, with the connection open ([`Ack::Stall`]).
    stalled: bool,
    /// Writes since the current event was handed out, and the one that fails.
    writes: u8,
    fail_write: u8,
    ack: Ack,
}

struct Server {
    events: VecDeque<Planned>,
    conn: Option<Conn>,
    /// Every event handed out: its request id and body.
    served: Vec<(String, Vec<u8>)>,
    requests: Vec<Request>,
    calls: usize,
}

/// Calls into the server after which the run counts as not terminating.
const CALL_BUDGET: usize = 20_000;

fn err(kind: io::ErrorKind) -> io::Error {
    kind.into()
}

impl Server {
    fn tick(&mut self) {
        self.calls += 1;
        assert!(self.calls < CALL_BUDGET, "the runtime does not terminate");
    }

    /// Answers the complete requests at the front of the connection's inbox.
    fn answer(&mut self) {
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return;
            };
            let Some(head_end) = conn.inbox.windows(4).position(|w| w == b"\r\n\r\n") else {
                return;
            };
            let head_len = head_end + 4;
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            let parsed = req.parse(&conn.inbox[..head_len]);
            assert!(
                matches!(parsed, Ok(httparse::Status::Complete(n)) if n == head_len),
                "a malformed request head: {:?}",
                String::from_utf8_lossy(&conn.inbox[..head_len])
            );
            let method = req.method.unwrap_or_default().to_string();
            let path = req.path.unwrap_or_default().to_string();
            let headers: Vec<(String, Vec<u8>)> = req
                .headers
                .iter()
                .map(|h| (h.name.to_string(), h.value.to_vec()))
                .collect();
            let find = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            };
            let (body, trailers, used) = if method == "GET" {
                (Vec::new(), Vec::new(), head_len)
            } else if find("Transfer-Encoding").as_deref() == Some(b"chunked") {
                match decode_chunked(&conn.inbox[head_len..], u64::MAX) {
                    Chunked::Done {
                        body,
                        consumed,
                        trailers,
                    } => {
                        let trailers = conn.inbox[head_len..][trailers].to_vec();
                        (body, trailers, head_len + consumed)
                    }
                    Chunked::NeedMore => return,
                    other => panic!("a malformed chunked request body: {other:?}"),
                }
            } else {
                let len: usize = find("Content-Length")
                    .and_then(|v| std::str::from_utf8(&v).ok()?.parse().ok())
                    .expect("a POST without Content-Length or chunking");
                if conn.inbox.len() < head_len + len {
                    return;
                }
                (
                    conn.inbox[head_len..head_len + len].to_vec(),
                    Vec::new(),
                    head_len + len,
                )
            };
            let raw: Vec<u8> = conn.inbox.drain(..used).collect();
            let request = Request {
                method,
                path,
                headers,
                body,
                trailers,
                raw,
            };
            let reply = self.reply(&request);
            self.requests.push(request);
            let conn = self.conn.as_mut().expect("still connected");
            conn.outbox.extend(reply.0);
            if reply.1 {
                conn.closed = true;
            }
        }
    }

    /// The answer to `request`, and whether the server closes the connection after it.
    fn reply(&mut self, request: &Request) -> (Vec<u8>, bool) {
        let ok =
            b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n".to_vec();
        if request.method == "GET" {
            let Some(event) = self.events.pop_front() else {
                return (
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_vec(),
                    false,
                );
            };
            let id = format!("req-{}", self.served.len());
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: {id}\r\n\
                 Lambda-Runtime-Deadline-Ms: 4102444800000\r\nContent-Length: {}\r\n\r\n",
                event.body.len()
            )
            .into_bytes();
            out.extend_from_slice(&event.body);
            self.served.push((id, event.body.clone()));
            let conn = self.conn.as_mut().expect("connected");
            conn.writes = 0;
            conn.fail_write = event.fail_write;
            conn.ack = event.ack;
            return (out, false);
        }
        let streamed =
            request.header("Lambda-Runtime-Function-Response-Mode") == Some(b"streaming");
        if !streamed {
            return (ok, false);
        }
        let ack = self.conn.as_ref().map_or(Ack::Accepted, |c| c.ack);
        match ack {
            Ack::Accepted => (ok, false),
            Ack::Ok => (
                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
                false,
            ),
            Ack::Gone => (
                b"HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n".to_vec(),
                false,
            ),
            Ack::Fatal => (
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_vec(),
                false,
            ),
            Ack::Close => (Vec::new(), true),
            Ack::Garbage => (b"HTTP/1.1 20x what\r\n\r\n".to_vec(), true),
            Ack::Stall => {
                if let Some(conn) = self.conn.as_mut() {
                    conn.stalled = true;
                }
                (ok[..20].to_vec(), false)
            }
        }
    }
}

impl Io for &mut Server {
    fn connect(&mut self) -> io::Result<()> {
        self.tick();
        self.conn = Some(Conn {
            inbox: Vec::new(),
            outbox: VecDeque::new(),
            closed: false,
            stalled: false,
            writes: 0,
            fail_write: 0,
            ack: Ack::Accepted,
        });
        Ok(())
    }

    fn write_all(&mut self, bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
        self.tick();
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| err(io::ErrorKind::NotConnected))?;
        if conn.closed {
            return Err(err(io::ErrorKind::BrokenPipe));
        }
        conn.writes = conn.writes.saturating_add(1);
        if conn.fail_write != 0 && conn.writes == conn.fail_write {
            // The connection breaks under this write: nothing of it arrives.
            conn.closed = true;
            conn.outbox.clear();
            return Err(err(io::ErrorKind::BrokenPipe));
        }
        for buf in bufs.iter() {
            conn.inbox.extend_from_slice(buf);
        }
        self.answer();
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_limited(buf, false)
    }

    fn read_within(&mut self, buf: &mut [u8], _idle: Duration) -> io::Result<usize> {
        self.read_limited(buf, true)
    }

    fn close(&mut self) {
        self.tick();
        self.conn = None;
    }

    fn sleep(&mut self, _duration: Duration) {
        self.tick();
    }
}

impl Server {
    /// A read; `limited`: with a time limit, which a stalled server makes run out (without one
    /// the runtime would wait for ever: a failure).
    fn read_limited(&mut self, buf: &mut [u8], limited: bool) -> io::Result<usize> {
        self.tick();
        assert!(!buf.is_empty(), "read with an empty buffer");
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| err(io::ErrorKind::NotConnected))?;
        if conn.outbox.is_empty() {
            if conn.closed {
                return Ok(0);
            }
            if conn.stalled {
                assert!(
                    limited,
                    "the runtime waits without a time limit on a stalled acknowledgement"
                );
                return Err(err(io::ErrorKind::TimedOut));
            }
            panic!(
                "the runtime waits for an answer that cannot come (its request is incomplete: {:?})",
                String::from_utf8_lossy(&conn.inbox)
            );
        }
        let n = buf.len().min(conn.outbox.len());
        for (dst, src) in buf.iter_mut().zip(conn.outbox.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }
}

/// Decodes the plan, runs the streaming loop against it, checks the records.
pub fn streaming(data: &[u8]) {
    let mut input = Bytes::new(data);
    let n = 1 + usize::from(input.u8() % 6);
    let events: VecDeque<Planned> = (0..n)
        .map(|_| {
            let ack = Ack::from_byte(input.u8());
            let fail_write = input.u8() % 8;
            let len = usize::from(input.u8());
            Planned {
                ack,
                fail_write,
                body: input.take(len).to_vec(),
            }
        })
        .collect();
    let mut server = Server {
        events,
        conn: None,
        served: Vec::new(),
        requests: Vec::new(),
        calls: 0,
    };
    let runtime = Runtime::new("127.0.0.1:9001").expect("a valid endpoint");
    let result = lambda_zero::__private::run_over_io(runtime, &mut server, |_| Ok(Scripted));
    assert!(
        matches!(result, Err(RuntimeError::Fatal { status: 500, .. })),
        "the run ends with a 500: {result:?}"
    );
    check(&server);
}

fn check(server: &Server) {
    for request in &server.requests {
        assert!(
            (request.method == "GET" && request.path.ends_with("/runtime/invocation/next"))
                || (request.method == "POST"
                    && (request.path.ends_with("/response") || request.path.ends_with("/error"))),
            "an unexpected request: {} {}",
            request.method,
            request.path
        );
    }
    for (index, (id, body)) in server.served.iter().enumerate() {
        let last = index + 1 == server.served.len();
        let for_id = |suffix: &str| -> Vec<&Request> {
            let path = format!("/runtime/invocation/{id}/{suffix}");
            server
                .requests
                .iter()
                .filter(|r| r.method == "POST" && r.path.ends_with(&path))
                .collect()
        };
        let streamed = for_id("response");
        let errors = for_id("error");
        let script = Script::decode(body);
        assert!(streamed.len() <= 1, "{id}: streamed twice");
        assert!(
            streamed.is_empty() || errors.is_empty(),
            "{id}: a complete streamed response and an error post"
        );
        if let Some(response) = streamed.first() {
            assert_eq!(
                response.header("Lambda-Runtime-Function-Response-Mode"),
                Some(&b"streaming"[..]),
                "{id}"
            );
            assert_eq!(response.body, script.stream(), "{id}: the streamed body");
            let trailers = String::from_utf8_lossy(&response.trailers);
            if script.fail_after.is_some() {
                assert!(
                    trailers.contains("Lambda-Runtime-Function-Error-Type: Function.Scripted\r\n"),
                    "{id}: error trailers {trailers:?}"
                );
                let encoded = trailers
                    .lines()
                    .find_map(|l| l.strip_prefix("Lambda-Runtime-Function-Error-Body: "))
                    .unwrap_or_else(|| panic!("{id}: no error body trailer in {trailers:?}"));
                let doc = base64_decode(encoded.trim_end().as_bytes())
                    .unwrap_or_else(|| panic!("{id}: the error body is not base64: {encoded:?}"));
                let doc: serde_json::Value = serde_json::from_slice(&doc)
                    .unwrap_or_else(|e| panic!("{id}: the error body is not JSON ({e})"));
                assert_eq!(doc["errorType"], "Function.Scripted", "{id}");
            } else {
                assert!(
                    trailers.is_empty(),
                    "{id}: trailers without an error: {trailers:?}"
                );
            }
            continue;
        }
        if errors.is_empty() {
            assert!(last, "{id}: never answered, and it was not the last event");
            continue;
        }
        assert!(
            errors.iter().all(|e| e.raw == errors[0].raw),
            "{id}: error posts that differ"
        );
        let error_type = errors[0]
            .header("Lambda-Runtime-Function-Error-Type")
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default();
        let writes_nothing = !script.prelude
            && script.chunks[..script.fail_after.unwrap_or(0)]
                .iter()
                .all(Vec::is_empty);
        match error_type.as_str() {
            "Function.Scripted" => assert!(script.fail_after.is_some(), "{id}"),
            "Runtime.StreamInterrupted" => assert!(
                !(script.fail_after.is_some() && writes_nothing),
                "{id}: the handler failed before writing, yet the stream was interrupted"
            ),
            other => panic!("{id}: unexpected error type {other:?}"),
        }
        let doc: serde_json::Value = serde_json::from_slice(&errors[0].body)
            .unwrap_or_else(|e| panic!("{id}: the error document is not JSON ({e})"));
        assert_eq!(doc["errorType"], error_type.as_str(), "{id}");
    }
}
