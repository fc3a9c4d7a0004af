//! The whole runtime loop (`__private::run_over_io`) against a scripted, protocol-aware server.
//!
//! The server parses every request the runtime writes (with httparse) and answers each one with
//! the next [`Answer`] of the fuzz [`Plan`]: a well-formed or broken `/next` event, an
//! acknowledgement, raw bytes, a close, a reset, a failed write or an acknowledgement that
//! stalls (so the runtime's time limit on acknowledgements fires), delivered in arbitrary pieces
//! and possibly cut short. Connection attempts can be refused. When the plan runs out, the
//! server closes and refuses every further connection, so the runtime has to stop.
//!
//! Checked after every run, from the server's records alone:
//! - every request the runtime wrote is well-formed HTTP (`GET /next` or a POST with exactly its
//!   `Content-Length` body), and no write leaves half a request behind;
//! - every event whose head carried a request id and that was received whole (or broken in a
//!   way the runtime can see) gets a POST for that id; only the event in hand when the run ended
//!   with an error may go unanswered;
//! - a POST is never sent again once its acknowledgement was read, never twice on one
//!   connection, and every copy is byte-identical; no POST names an id the server never sent;
//! - the answer is right: the echoed event body (decoded by the reference decoder), the
//!   handler's `Function.Bad` error, or a `Runtime.*` error for unreadable events, echoing
//!   `Lambda-Runtime-Invocation-Id`; the handler sees each event at most once;
//! - under SnapStart (the plan's `snap_start` byte: the environment type and hooks that pass or
//!   fail), `GET /runtime/restore/next` comes after init and before any `/next`, at most five
//!   times; after the restore the runtime works on a new connection; a failing before-snapshot
//!   hook posts `Runtime.BeforeSnapshotError` to `/runtime/init/error` and takes no snapshot, a
//!   failing after-restore hook posts `Runtime.AfterRestoreError` to `/runtime/restore/error`
//!   and asks for no event; outside SnapStart, no restore call and no hook runs;
//! - the run terminates (a call budget), `read` is never handed an empty buffer (that would
//!   look like end of file), and the loop allocates nothing after the first connection apart
//!   from the error it returns (with [`CountingAlloc`](crate::CountingAlloc) installed as the global allocator).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use lambda_zero::__private::proto::response::Head;
use lambda_zero::__private::proto::{ProtoError, MAX_EVENT_BODY};
use lambda_zero::__private::Io;
use lambda_zero::{handler_fn, Context, Error, Runtime, RuntimeError};

use crate::counting;
use crate::reference::{percent_decode, read_message};

// ---------------------------------------------------------------------------------------------
// The plan

/// What the server does, decoded with `arbitrary` from the first part of the input.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `Runtime::pipelining`.
    pub pipelining: bool,
    /// 0: no cap; else `Runtime::max_invocations(1 + n % 8)`.
    pub max_invocations: u8,
    /// One per connection attempt: refuse it? (Accepted once this runs out.)
    pub refusals: Vec<bool>,
    /// One per request the runtime sends, in order.
    pub answers: Vec<Answer>,
    /// SnapStart (last, so that inputs from before it decode with 0: off). Bit 0: the
    /// environment is a SnapStart one (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`); bit 1: an
    /// after-restore hook fails; bit 2: a before-snapshot hook fails; bit 3: a passing hook of
    /// each kind is registered first.
    pub snap_start: u8,
}

/// The server's answer to one request.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A `/next` response.
    Event(EventAnswer),
    /// An acknowledgement.
    Ack(AckAnswer),
    /// `len` bytes straight from the pool.
    Raw {
        /// How many pool bytes.
        len: u16,
        /// How they arrive.
        delivery: Delivery,
    },
    /// No answer: the connection closes.
    Close,
    /// No answer: the connection is reset.
    Reset,
    /// The write of this request fails (nothing arrives).
    FailWrite,
    /// A `202` acknowledgement that stops after `sent` of its bytes (all of them if `sent` is
    /// larger) and then neither continues nor closes: a read with a time limit
    /// (`Io::read_within`, which the runtime uses for acknowledgements) times out there; a
    /// read without one (the `/next` long poll) sees the connection close instead, as a
    /// scripted run cannot wait forever.
    Stall {
        /// Bytes delivered before the stall.
        sent: u8,
    },
}

/// A `/next` response.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct EventAnswer {
    /// The request id header.
    pub id: IdStyle,
    /// Body bytes taken from the pool.
    pub body_len: u16,
    /// How the body is framed.
    pub framing: BodyFraming,
    /// Status line(s).
    pub status: EventStatus,
    /// Bit 0 `Lambda-Runtime-Invocation-Id`; 1 `Connection: close`; 2 lower-case names;
    /// 3 garbage after the message; 4 client context, identity and tenant headers.
    pub flags: u8,
    /// How it arrives.
    pub delivery: Delivery,
}

/// The `Lambda-Runtime-Aws-Request-Id` header of an event (ids are unique per request).
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdStyle {
    /// `req-<n>`.
    Plain,
    /// Padded, with spaces, slashes, dots, `%` and `?` (must be trimmed and percent-encoded).
    Odd,
    /// Not UTF-8.
    NonUtf8,
    /// No header.
    Missing,
    /// An empty header.
    Empty,
}

/// How an event body is framed.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// `Content-Length`.
    Length,
    /// Chunked, in pieces of `piece` bytes (at least 1).
    Chunked {
        /// Chunk size.
        piece: u8,
        /// Chunk extensions.
        ext: bool,
        /// A trailer field.
        trailer: bool,
    },
    /// HTTP/1.0 without a length: the body ends at the close.
    UntilClose,
    /// A `Content-Length` that is off by this much.
    WrongLength(i8),
    /// Chunked, with a malformed size line after the first chunk.
    BadChunk,
    /// A `Content-Length` larger than Lambda's limit.
    Huge,
    /// Two different `Content-Length` headers.
    ConflictingLength,
}

/// The status of an event answer.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    /// 200.
    Ok,
    /// `100 Continue`, then 200.
    Interim,
    /// 408 (local emulators answer an idle poll so).
    Timeout,
    /// 404.
    NotFound,
    /// 500: the runtime must exit.
    Fatal,
}

/// An acknowledgement.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct AckAnswer {
    /// Status.
    pub status: AckStatus,
    /// Body length (a JSON-ish filler).
    pub body_len: u8,
    /// Chunked instead of `Content-Length`.
    pub chunked: bool,
    /// `Connection: close`.
    pub close: bool,
    /// How it arrives.
    pub delivery: Delivery,
}

/// Acknowledgement statuses.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckStatus {
    /// 202.
    Accepted,
    /// 200.
    Ok,
    /// 400.
    BadRequest,
    /// 403.
    Forbidden,
    /// 410.
    Gone,
    /// 413.
    TooLarge,
    /// 500.
    Fatal,
    /// Any three digits (`n % 1000`).
    Other(u16),
}

/// How an answer's bytes arrive.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Piece sizes, cycled (0 counts as 1); empty: all at once.
    pub pieces: Vec<u8>,
    /// Deliver only this many bytes, then end the connection.
    pub cut: Option<u16>,
    /// End the connection with a reset instead of a close (after a cut).
    pub reset: bool,
}

/// A decoded `client` input: the plan and the byte pool bodies are taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInput<'a> {
    /// The plan.
    pub plan: Plan,
    /// Body bytes, taken in order.
    pub pool: &'a [u8],
}

impl<'a> ClientInput<'a> {
    /// Layout: `plan_len: u16 LE`, `plan_len` bytes decoded by `arbitrary` into a [`Plan`], then
    /// the pool.
    pub fn decode(data: &'a [u8]) -> Option<ClientInput<'a>> {
        let len = usize::from(u16::from_le_bytes([*data.first()?, *data.get(1)?]));
        let rest = &data[2..];
        let (plan, pool) = rest.split_at(len.min(rest.len()));
        let plan = Plan::arbitrary(&mut Unstructured::new(plan)).ok()?;
        Some(ClientInput { plan, pool })
    }

    /// The inverse of [`ClientInput::decode`], for seeds.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        self.plan.encode(&mut e);
        let mut out = (e.0.len() as u16).to_le_bytes().to_vec();
        out.extend_from_slice(&e.0);
        out.extend_from_slice(self.pool);
        out
    }
}

/// Writes values in the byte format `arbitrary` 1.x reads them in (checked by a round-trip
/// test over every seed).
#[derive(Default)]
struct Enc(Vec<u8>);

impl Enc {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn bool(&mut self, v: bool) {
        self.0.push(u8::from(v));
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// An enum variant: `arbitrary` maps a `u32` `x` to `(x * count) >> 32`.
    fn variant(&mut self, index: u64, count: u64) {
        let x = (index << 32).div_ceil(count);
        self.0.extend_from_slice(&(x as u32).to_le_bytes());
    }
    fn vec<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Enc, &T)) {
        for item in items {
            self.bool(true);
            f(self, item);
        }
        self.bool(false);
    }
}

impl Plan {
    fn encode(&self, e: &mut Enc) {
        e.bool(self.pipelining);
        e.u8(self.max_invocations);
        e.vec(&self.refusals, |e, &r| e.bool(r));
        e.vec(&self.answers, |e, a| a.encode(e));
        if self.snap_start != 0 {
            e.u8(self.snap_start);
        }
    }
}

impl Delivery {
    fn encode(&self, e: &mut Enc) {
        e.vec(&self.pieces, |e, &p| e.u8(p));
        e.bool(self.cut.is_some());
        if let Some(c) = self.cut {
            e.u16(c);
        }
        e.bool(self.reset);
    }

    /// Delivered whole, in one piece, no cut.
    pub fn whole() -> Delivery {
        Delivery {
            pieces: vec![],
            cut: None,
            reset: false,
        }
    }
}

impl Answer {
    fn encode(&self, e: &mut Enc) {
        match self {
            Answer::Event(ev) => {
                e.variant(0, 7);
                e.variant(ev.id as u64, 5);
                e.u16(ev.body_len);
                match ev.framing {
                    BodyFraming::Length => e.variant(0, 7),
                    BodyFraming::Chunked {
                        piece,
                        ext,
                        trailer,
                    } => {
                        e.variant(1, 7);
                        e.u8(piece);
                        e.bool(ext);
                        e.bool(trailer);
                    }
                    BodyFraming::UntilClose => e.variant(2, 7),
                    BodyFraming::WrongLength(d) => {
                        e.variant(3, 7);
                        e.u8(d as u8);
                    }
                    BodyFraming::BadChunk => e.variant(4, 7),
                    BodyFraming::Huge => e.variant(5, 7),
                    BodyFraming::ConflictingLength => e.variant(6, 7),
                }
                e.variant(ev.status as u64, 5);
                e.u8(ev.flags);
                ev.delivery.encode(e);
            }
            Answer::Ack(ack) => {
                e.variant(1, 7);
                match ack.status {
                    AckStatus::Other(n) => {
                        e.variant(7, 8);
                        e.u16(n);
                    }
                    s => e.variant(ack_status_index(s), 8),
                }
                e.u8(ack.body_len);
                e.bool(ack.chunked);
                e.bool(ack.close);
                ack.delivery.encode(e);
            }
            Answer::Raw { len, delivery } => {
                e.variant(2, 7);
                e.u16(*len);
                delivery.encode(e);
            }
            Answer::Close => e.variant(3, 7),
            Answer::Reset => e.variant(4, 7),
            Answer::FailWrite => e.variant(5, 7),
            Answer::Stall { sent } => {
                e.variant(6, 7);
                e.u8(*sent);
            }
        }
    }
}

fn ack_status_index(s: AckStatus) -> u64 {
    match s {
        AckStatus::Accepted => 0,
        AckStatus::Ok => 1,
        AckStatus::BadRequest => 2,
        AckStatus::Forbidden => 3,
        AckStatus::Gone => 4,
        AckStatus::TooLarge => 5,
        AckStatus::Fatal => 6,
        AckStatus::Other(_) => 7,
    }
}

// ---------------------------------------------------------------------------------------------
// Allocation accounting

/// Runs `f` as harness code: its allocations are not the runtime's.
fn harness<T>(f: impl FnOnce() -> T) -> T {
    counting::uncounted(f)
}

// ---------------------------------------------------------------------------------------------
// The scripted server

/// What the runtime asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Req {
    Next,
    /// `GET /runtime/restore/next` (SnapStart).
    RestoreNext,
    /// `POST /runtime/init/error` (`restore: false`) or `/runtime/restore/error`.
    PhaseError {
        restore: bool,
        error_type: Option<Vec<u8>>,
    },
    Post {
        id: Vec<u8>,
        error: bool,
        invocation_id: Option<Vec<u8>>,
        error_type: Option<Vec<u8>>,
        body: Vec<u8>,
        raw: Vec<u8>,
    },
}

/// One request the server received and what it answered.
#[derive(Debug)]
struct Record {
    conn: usize,
    req: Req,
    /// The answer's bytes (after any cut).
    answer: Vec<u8>,
    /// How many of them the runtime read.
    delivered: usize,
    /// The runtime read end-of-file right after them.
    eof_after: bool,
    /// Which `write_all` call brought the request (a POST and its pipelined GET share one).
    batch: usize,
}

#[derive(Debug)]
enum Piece {
    Bytes {
        rec: usize,
        data: Vec<u8>,
    },
    Eof,
    Reset,
    /// Nothing more arrives, and the connection stays open ([`Answer::Stall`]).
    Stall,
}

#[derive(Debug, Default)]
struct Conn {
    written: Vec<u8>,
    pending: VecDeque<Piece>,
    delivered: Vec<u8>,
}

struct Server<'p> {
    answers: VecDeque<Answer>,
    refusals: VecDeque<bool>,
    pool: &'p [u8],
    conns: Vec<Conn>,
    current: Option<usize>,
    records: Vec<Record>,
    calls: usize,
    budget: usize,
    exhausted: bool,
    writes: usize,
}

fn io_err(kind: io::ErrorKind) -> io::Error {
    kind.into()
}

impl Server<'_> {
    fn tick(&mut self) {
        self.calls += 1;
        assert!(
            self.calls <= self.budget,
            "the runtime did not stop after {} I/O calls",
            self.calls
        );
    }

    fn take_pool(&mut self, n: usize) -> Vec<u8> {
        let (a, b) = self.pool.split_at(n.min(self.pool.len()));
        self.pool = b;
        a.to_vec()
    }

    /// Parses complete requests off the connection's written bytes and queues their answers.
    fn receive(&mut self, conn: usize) {
        loop {
            let written = &self.conns[conn].written;
            if written.is_empty() {
                return;
            }
            let (req, used) = parse_request(written);
            self.conns[conn].written.drain(..used);
            let rec = self.records.len();
            let answer = self.answers.pop_front();
            if answer.is_none() {
                self.exhausted = true;
            }
            let (bytes, delivery, end) = match answer {
                Some(Answer::Event(ev)) => (self.event_bytes(&ev, rec), ev.delivery, None),
                Some(Answer::Ack(ack)) => (ack_bytes(&ack), ack.delivery, None),
                Some(Answer::Raw { len, delivery }) => {
                    (self.take_pool(usize::from(len)), delivery, None)
                }
                Some(Answer::Reset) => (vec![], Delivery::whole(), Some(Piece::Reset)),
                Some(Answer::Stall { sent }) => {
                    let mut ack = ack_bytes(&AckAnswer {
                        status: AckStatus::Accepted,
                        body_len: 16,
                        chunked: false,
                        close: false,
                        delivery: Delivery::whole(),
                    });
                    ack.truncate(usize::from(sent));
                    (ack, Delivery::whole(), Some(Piece::Stall))
                }
                Some(Answer::Close | Answer::FailWrite) | None => {
                    (vec![], Delivery::whole(), Some(Piece::Eof))
                }
            };
            let mut bytes = bytes;
            let mut end = end;
            if let Some(cut) = delivery.cut {
                bytes.truncate(usize::from(cut));
                end = Some(if delivery.reset {
                    Piece::Reset
                } else {
                    Piece::Eof
                });
            }
            let pending = &mut self.conns[conn].pending;
            let mut at = 0;
            let mut i = 0;
            while at < bytes.len() {
                let size = match delivery.pieces.get(i % delivery.pieces.len().max(1)) {
                    Some(&p) => usize::from(p).max(1),
                    None => bytes.len(),
                };
                let to = (at + size).min(bytes.len());
                pending.push_back(Piece::Bytes {
                    rec,
                    data: bytes[at..to].to_vec(),
                });
                at = to;
                i += 1;
            }
            if let Some(end) = end {
                pending.push_back(end);
            }
            self.records.push(Record {
                conn,
                req,
                answer: bytes,
                delivered: 0,
                eof_after: false,
                batch: self.writes,
            });
        }
    }

    /// A `/next` response for request number `rec`.
    fn event_bytes(&mut self, ev: &EventAnswer, rec: usize) -> Vec<u8> {
        let body = self.take_pool(usize::from(ev.body_len));
        let lower = ev.flags & 4 != 0;
        let name = |n: &str| {
            if lower {
                n.to_ascii_lowercase()
            } else {
                n.to_string()
            }
        };
        let mut out = Vec::new();
        let version = if ev.framing == BodyFraming::UntilClose {
            "1.0"
        } else {
            "1.1"
        };
        let status = match ev.status {
            EventStatus::Ok => "200 OK",
            EventStatus::Interim => {
                out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                "200 OK"
            }
            EventStatus::Timeout => "408 Request Timeout",
            EventStatus::NotFound => "404 Not Found",
            EventStatus::Fatal => "500 Internal Server Error",
        };
        out.extend_from_slice(
            format!(
                "HTTP/{version} {status}\r\n{}: application/json\r\n",
                name("Content-Type")
            )
            .as_bytes(),
        );
        let id: Option<Vec<u8>> = match ev.id {
            IdStyle::Plain => Some(format!("req-{rec}").into_bytes()),
            IdStyle::Odd => Some(format!(" \t./a b%2F..?x#{rec} ").into_bytes()),
            IdStyle::NonUtf8 => Some([&b"\xff\xfe-"[..], format!("{rec}").as_bytes()].concat()),
            IdStyle::Missing => None,
            IdStyle::Empty => Some(vec![]),
        };
        if let Some(id) = id {
            out.extend_from_slice(name("Lambda-Runtime-Aws-Request-Id: ").as_bytes());
            out.extend_from_slice(&id);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(name("Lambda-Runtime-Deadline-Ms: 1542409706888\r\n").as_bytes());
        out.extend_from_slice(name("Lambda-Runtime-Invoked-Function-Arn: ").as_bytes());
        out.extend_from_slice(b"arn:aws:lambda:us-east-2:123456789012:function:fn\r\n");
        out.extend_from_slice(name("Lambda-Runtime-Trace-Id: ").as_bytes());
        out.extend_from_slice(b"Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1\r\n");
        if ev.flags & 1 != 0 {
            out.extend_from_slice(
                format!("{}: inv-{rec}\r\n", name("Lambda-Runtime-Invocation-Id")).as_bytes(),
            );
        }
        if ev.flags & 16 != 0 {
            out.extend_from_slice(
                name("Lambda-Runtime-Client-Context: {\"custom\":{}}\r\n").as_bytes(),
            );
            out.extend_from_slice(
                name("Lambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"x\"}\r\n")
                    .as_bytes(),
            );
            out.extend_from_slice(name("Lambda-Runtime-Aws-Tenant-Id: tenant-1\r\n").as_bytes());
        }
        if ev.flags & 2 != 0 {
            out.extend_from_slice(name("Connection: close\r\n").as_bytes());
        }
        match ev.framing {
            BodyFraming::Length => {
                out.extend_from_slice(
                    format!("{}: {}\r\n\r\n", name("Content-Length"), body.len()).as_bytes(),
                );
                out.extend_from_slice(&body);
            }
            BodyFraming::WrongLength(d) => {
                let n = (body.len() as i64 + i64::from(d)).max(0);
                out.extend_from_slice(
                    format!("{}: {n}\r\n\r\n", name("Content-Length")).as_bytes(),
                );
                out.extend_from_slice(&body);
            }
            BodyFraming::Chunked {
                piece,
                ext,
                trailer,
            } => {
                out.extend_from_slice(
                    format!("{}: chunked\r\n\r\n", name("Transfer-Encoding")).as_bytes(),
                );
                for (i, c) in body.chunks(usize::from(piece).max(1)).enumerate() {
                    let size = if i % 2 == 0 {
                        format!("{:x}", c.len())
                    } else {
                        format!("{:X}", c.len())
                    };
                    out.extend_from_slice(size.as_bytes());
                    if ext {
                        out.extend_from_slice(b";name=\"value\"");
                    }
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(c);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n");
                if trailer {
                    out.extend_from_slice(b"X-Trailer: t\r\n");
                }
                out.extend_from_slice(b"\r\n");
            }
            BodyFraming::UntilClose => {
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(&body);
            }
            BodyFraming::BadChunk => {
                out.extend_from_slice(
                    format!("{}: chunked\r\n\r\n", name("Transfer-Encoding")).as_bytes(),
                );
                out.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
                out.extend_from_slice(&body);
                out.extend_from_slice(b"\r\nzz\r\n");
            }
            BodyFraming::Huge => {
                let n = MAX_EVENT_BODY + 1 + body.len();
                out.extend_from_slice(
                    format!("{}: {n}\r\n\r\n", name("Content-Length")).as_bytes(),
                );
                out.extend_from_slice(&body);
            }
            BodyFraming::ConflictingLength => {
                let cl = name("Content-Length");
                let n = body.len();
                out.extend_from_slice(format!("{cl}: {n}\r\n{cl}: {}\r\n\r\n", n + 1).as_bytes());
                out.extend_from_slice(&body);
            }
        }
        if ev.flags & 8 != 0 {
            out.extend_from_slice(b"GARBAGE\r\n");
        }
        out
    }
}

fn ack_bytes(ack: &AckAnswer) -> Vec<u8> {
    let status = match ack.status {
        AckStatus::Accepted => "202 Accepted".to_string(),
        AckStatus::Ok => "200 OK".to_string(),
        AckStatus::BadRequest => "400 Bad Request".to_string(),
        AckStatus::Forbidden => "403 Forbidden".to_string(),
        AckStatus::Gone => "410 Gone".to_string(),
        AckStatus::TooLarge => "413 Request Entity Too Large".to_string(),
        AckStatus::Fatal => "500 Internal Server Error".to_string(),
        AckStatus::Other(n) => format!("{:03} Other", n % 1000),
    };
    let filler = b"{\"status\":\"OK\"}\n";
    let body: Vec<u8> = filler
        .iter()
        .copied()
        .cycle()
        .take(usize::from(ack.body_len))
        .collect();
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\n").into_bytes();
    if ack.close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    if ack.chunked {
        out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
        if !body.is_empty() {
            out.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
            out.extend_from_slice(&body);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
    } else {
        out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        out.extend_from_slice(&body);
    }
    out
}

/// Parses one request off the start of `written`: `(request, bytes used)`. Panics on anything
/// that is not a complete, well-formed request of the Runtime API.
fn parse_request(written: &[u8]) -> (Req, usize) {
    let text = || String::from_utf8_lossy(written).into_owned();
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut r = httparse::Request::new(&mut headers);
    let head_len = match r.parse(written) {
        Ok(httparse::Status::Complete(n)) => n,
        other => panic!(
            "the runtime wrote an incomplete or invalid request ({other:?}): {:?}",
            text()
        ),
    };
    let method = r.method.unwrap_or_default();
    let path = r.path.unwrap_or_default().as_bytes();
    let header = |name: &str| {
        r.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.to_vec())
    };
    assert!(
        !r.headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("transfer-encoding")),
        "buffered POST sent chunked"
    );
    let length = match header("content-length") {
        Some(v) => std::str::from_utf8(&v)
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("bad Content-Length in {:?}", text())),
        None => 0,
    };
    let end = head_len + length;
    assert!(
        end <= written.len(),
        "a write ended inside a request body: {:?}",
        text()
    );
    const NEXT: &[u8] = b"/2018-06-01/runtime/invocation/next";
    const RESTORE_NEXT: &[u8] = b"/2018-06-01/runtime/restore/next";
    const INV: &[u8] = b"/2018-06-01/runtime/invocation/";
    if method == "GET" {
        assert_eq!(length, 0);
        if path == RESTORE_NEXT {
            return (Req::RestoreNext, end);
        }
        assert_eq!(
            path,
            NEXT,
            "unexpected GET {:?}",
            String::from_utf8_lossy(path)
        );
        return (Req::Next, end);
    }
    assert_eq!(method, "POST", "unexpected method in {:?}", text());
    for (phase, restore) in [
        (&b"/2018-06-01/runtime/init/error"[..], false),
        (b"/2018-06-01/runtime/restore/error", true),
    ] {
        if path == phase {
            let error_type = header("lambda-runtime-function-error-type");
            return (
                Req::PhaseError {
                    restore,
                    error_type,
                },
                end,
            );
        }
    }
    let rest = path
        .strip_prefix(INV)
        .unwrap_or_else(|| panic!("unexpected POST {:?}", String::from_utf8_lossy(path)));
    let (seg, error) = if let Some(seg) = rest.strip_suffix(b"/response") {
        (seg, false)
    } else if let Some(seg) = rest.strip_suffix(b"/error") {
        (seg, true)
    } else {
        panic!("unexpected POST {:?}", String::from_utf8_lossy(path));
    };
    assert!(
        !seg.contains(&b'/'),
        "id segment {:?} contains a slash",
        String::from_utf8_lossy(seg)
    );
    let id = percent_decode(seg)
        .unwrap_or_else(|| panic!("bad percent-encoding in {:?}", String::from_utf8_lossy(seg)));
    let req = Req::Post {
        id,
        error,
        invocation_id: header("lambda-runtime-invocation-id"),
        error_type: header("lambda-runtime-function-error-type"),
        body: written[head_len..end].to_vec(),
        raw: written[..end].to_vec(),
    };
    (req, end)
}

impl Io for &mut Server<'_> {
    fn connect(&mut self) -> io::Result<()> {
        harness(|| {
            counting::arm(true);
            self.tick();
            self.current = None;
            if self.exhausted || self.answers.is_empty() {
                self.exhausted = true;
                return Err(io_err(io::ErrorKind::ConnectionRefused));
            }
            if self.refusals.pop_front() == Some(true) {
                return Err(io_err(io::ErrorKind::ConnectionRefused));
            }
            self.conns.push(Conn::default());
            self.current = Some(self.conns.len() - 1);
            Ok(())
        })
    }

    fn write_all(&mut self, bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
        harness(|| {
            self.tick();
            let conn = self
                .current
                .ok_or_else(|| io_err(io::ErrorKind::NotConnected))?;
            if self.answers.front() == Some(&Answer::FailWrite) {
                self.answers.pop_front();
                self.current = None;
                return Err(io_err(io::ErrorKind::BrokenPipe));
            }
            for b in bufs.iter() {
                self.conns[conn].written.extend_from_slice(b);
            }
            self.writes += 1;
            self.receive(conn);
            Ok(())
        })
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        harness(|| self.read_piece(buf, false))
    }

    fn read_within(&mut self, buf: &mut [u8], _idle: Duration) -> io::Result<usize> {
        harness(|| self.read_piece(buf, true))
    }

    fn close(&mut self) {
        harness(|| self.current = None);
    }

    fn sleep(&mut self, _: Duration) {
        harness(|| self.tick());
    }
}

impl Server<'_> {
    /// The next piece of the current connection; `limited`: a read with a time limit, which a
    /// stall makes time out (without one, a stall reads as the connection closing).
    fn read_piece(&mut self, buf: &mut [u8], limited: bool) -> io::Result<usize> {
        {
            self.tick();
            assert!(
                !buf.is_empty(),
                "read into an empty buffer: Ok(0) would read as end of file"
            );
            let conn = self
                .current
                .ok_or_else(|| io_err(io::ErrorKind::NotConnected))?;
            let c = &mut self.conns[conn];
            match c.pending.pop_front() {
                // Delivering bytes is progress: it does not count against the budget.
                Some(Piece::Bytes { rec, mut data }) => {
                    self.calls -= 1;
                    let n = data.len().min(buf.len());
                    buf[..n].copy_from_slice(&data[..n]);
                    c.delivered.extend_from_slice(&data[..n]);
                    if n < data.len() {
                        c.pending.push_front(Piece::Bytes {
                            rec,
                            data: data.split_off(n),
                        });
                    }
                    self.records[rec].delivered += n;
                    Ok(n)
                }
                Some(Piece::Reset) => {
                    c.pending.push_front(Piece::Reset);
                    Err(io_err(io::ErrorKind::ConnectionReset))
                }
                Some(Piece::Stall) if limited => {
                    c.pending.push_front(Piece::Stall);
                    Err(io_err(io::ErrorKind::TimedOut))
                }
                Some(Piece::Eof | Piece::Stall) | None => {
                    c.pending.push_front(Piece::Eof);
                    for r in self.records.iter_mut().filter(|r| r.conn == conn) {
                        r.eof_after = true;
                    }
                    Ok(0)
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The check

thread_local! {
    /// Request ids the handler was called with, in order.
    static HANDLED: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    /// How many times the passing before-snapshot and after-restore hooks ran.
    static HOOKS_RAN: RefCell<[u32; 2]> = const { RefCell::new([0; 2]) };
}

/// The first non-1xx head in `bytes` and where it starts.
fn final_head_at(bytes: &[u8]) -> Option<(usize, Head)> {
    let mut pos = 0;
    loop {
        let h = lambda_zero::__private::proto::response::parse_head(&bytes[pos..]).ok()??;
        if !(100..200).contains(&h.status) {
            return Some((pos, h));
        }
        pos += h.len;
    }
}

/// Mirrors of the runtime's private policy (`src/runtime.rs`): the acknowledgement body limit,
/// the attempts per POST, and the statuses that mean "not processed, send it again".
const ACK_BODY_LIMIT: u64 = 64 * 1024;
const POST_ATTEMPTS: usize = 5;
/// Times `GET /runtime/restore/next` is sent before the runtime gives up.
const RESTORE_ATTEMPTS: usize = 5;
fn is_retryable(status: u16) -> bool {
    matches!(status, 408 | 429 | 502 | 503 | 504)
}

/// The request id of the final (non-1xx) head in `bytes` when httparse reads it as a complete
/// `200` response with a non-empty `Lambda-Runtime-Aws-Request-Id`, whatever its framing
/// headers or header count say (an independent mirror of `salvage_lambda_headers`).
fn httparse_request_id(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut pos = 0;
    loop {
        // As the runtime salvages: up to 256 headers within the first `MAX_HEAD` bytes.
        let mut headers = [httparse::EMPTY_HEADER; 256];
        let mut r = httparse::Response::new(&mut headers);
        let window = &bytes[pos..];
        let len =
            match r.parse(&window[..window.len().min(lambda_zero::__private::proto::MAX_HEAD)]) {
                Ok(httparse::Status::Complete(n)) => n,
                _ => return None,
            };
        let code = r.code?;
        if (100..200).contains(&code) {
            // The reader skips an interim response only when it is a valid head itself.
            lambda_zero::__private::proto::response::parse_head(window).ok()??;
            pos += len;
            continue;
        }
        if code != 200 {
            return None;
        }
        // Like `parse_head`: the last non-empty value wins.
        let ows = |b: &u8| *b == b' ' || *b == b'\t';
        return r
            .headers
            .iter()
            .rev()
            .filter(|h| h.name.eq_ignore_ascii_case("lambda-runtime-aws-request-id"))
            .find_map(|h| {
                let start = h.value.iter().position(|b| !ows(b))?;
                let end = h.value.iter().rposition(|b| !ows(b))? + 1;
                Some(h.value[start..end].to_vec())
            });
    }
}

/// What an event answer obliges the runtime to do.
enum Due {
    /// A complete event: answer with the handler's result.
    Event {
        body: Vec<u8>,
        invocation_id: Option<Vec<u8>>,
    },
    /// An event the runtime can see is broken: answer with a `Runtime.*` error.
    Broken,
}

/// Did the runtime have to treat this answer as final (a message or a protocol error)?
fn settles(r: &Result<Option<crate::reference::RefMessage>, ProtoError>) -> bool {
    matches!(r, Ok(Some(_))) || matches!(r, Err(e) if *e != ProtoError::Truncated)
}

/// The `client` check; see the module docs.
// `lambda_zero::Error` is large by design (inline, no heap); every handler returns it.
#[allow(clippy::result_large_err)]
pub fn client(data: &[u8]) {
    let Some(input) = ClientInput::decode(data) else {
        return;
    };
    let plan = input.plan;
    let max = (plan.max_invocations != 0).then(|| 1 + u64::from(plan.max_invocations % 8));
    let budget = 64 + 48 * (plan.answers.len() + plan.refusals.len());
    let mut server = Server {
        answers: plan.answers.into(),
        refusals: plan.refusals.into(),
        pool: input.pool,
        conns: Vec::new(),
        current: None,
        records: Vec::new(),
        calls: 0,
        budget,
        exhausted: false,
        writes: 0,
    };
    HANDLED.with(|h| h.borrow_mut().clear());
    let handler = handler_fn(|event: &mut [u8], ctx: &Context<'_>| {
        harness(|| HANDLED.with(|h| h.borrow_mut().push(ctx.request_id.as_bytes().to_vec())));
        if event.first() == Some(&b'!') {
            return Err(Error::function("Bad", "the event asked for an error"));
        }
        Ok(&*event)
    });
    let mut runtime = match Runtime::new("127.0.0.1:9001") {
        Ok(r) => r.pipelining(plan.pipelining),
        Err(e) => panic!("endpoint: {e}"),
    };
    if let Some(max) = max {
        runtime = runtime.max_invocations(max);
    }
    let snap = SnapStart::from_bits(plan.snap_start);
    HOOKS_RAN.with(|h| *h.borrow_mut() = [0; 2]);
    if snap.on {
        let mut config = lambda_zero::Config::default();
        config.initialization_type = lambda_zero::Config::SNAP_START.into();
        runtime = runtime.config(config);
    }
    if snap.passing_hooks {
        runtime = runtime
            .before_snapshot(|| {
                harness(|| HOOKS_RAN.with(|h| h.borrow_mut()[0] += 1));
                Ok(())
            })
            .after_restore(|| {
                harness(|| HOOKS_RAN.with(|h| h.borrow_mut()[1] += 1));
                Ok(())
            });
    }
    if snap.failing_before {
        runtime = runtime.before_snapshot(|| Err(Error::function("Flush", "disk full")));
    }
    if snap.failing_after {
        runtime = runtime.after_restore(|| Err(Error::function("Reseed", "no entropy")));
    }
    counting::reset_total();
    let result = lambda_zero::__private::run_over_io(runtime, &mut server, move |_| Ok(handler));
    counting::arm(false);
    let allocations = counting::total();
    let allocated = counting::total_bytes();
    let failed = result.is_err();
    // The loop allocates nothing; only the error it returns may (an endpoint string, a boxed
    // init failure).
    let allowed = u64::from(matches!(
        result,
        Err(RuntimeError::Unreachable { .. } | RuntimeError::InitFailed(_))
    ));
    assert!(
        allocations <= allowed,
        "the runtime allocated {allocations} times ({allocated} bytes) after connecting; result {result:?}"
    );
    check_records(&server, failed);
    check_snapshot(&server.records, snap);
}

/// What a plan's `snap_start` byte asks for.
#[derive(Debug, Clone, Copy)]
struct SnapStart {
    on: bool,
    failing_after: bool,
    failing_before: bool,
    passing_hooks: bool,
}

impl SnapStart {
    fn from_bits(bits: u8) -> SnapStart {
        SnapStart {
            on: bits & 1 != 0,
            failing_after: bits & 2 != 0,
            failing_before: bits & 4 != 0,
            passing_hooks: bits & 8 != 0,
        }
    }
}

/// The SnapStart lifecycle as the server saw it: `restore/next` only in a SnapStart
/// environment, after init and before any `/next`, at most [`RESTORE_ATTEMPTS`] times; after
/// it, the runtime works on a new connection; a failing before-snapshot hook is an init error
/// and no snapshot; a failing after-restore hook is a restore error and no event; the passing
/// hooks run at most once each, the after-restore one only after a snapshot.
fn check_snapshot(records: &[Record], snap: SnapStart) {
    let show = |r: &Record| format!("{:?} on connection {}", r.req, r.conn);
    let restores: Vec<usize> = (0..records.len())
        .filter(|&i| records[i].req == Req::RestoreNext)
        .collect();
    let [before_ran, after_ran] = HOOKS_RAN.with(|h| *h.borrow());
    assert!(
        before_ran <= 1 && after_ran <= 1,
        "hooks ran {before_ran} and {after_ran} times"
    );
    for r in records {
        if let Req::PhaseError {
            restore,
            error_type,
        } = &r.req
        {
            let error_type = error_type.as_deref().unwrap_or_default();
            assert!(snap.on, "{} outside SnapStart", show(r));
            let want: &[u8] = if *restore {
                b"Runtime.AfterRestoreError"
            } else {
                b"Runtime.BeforeSnapshotError"
            };
            assert_eq!(error_type, want, "{}", show(r));
        }
    }
    if !snap.on {
        assert!(restores.is_empty(), "restore/next outside SnapStart");
        assert_eq!(before_ran + after_ran, 0, "hooks ran outside SnapStart");
        return;
    }
    if snap.failing_before {
        assert!(
            restores.is_empty(),
            "restore/next after a failing before-snapshot hook"
        );
        assert!(
            records
                .iter()
                .all(|r| matches!(r.req, Req::PhaseError { restore: false, .. })),
            "only the init error after a failing before-snapshot hook: {:?}",
            records.iter().map(show).collect::<Vec<_>>()
        );
        return;
    }
    assert!(
        restores.len() <= RESTORE_ATTEMPTS,
        "{} restore/next requests: more than {RESTORE_ATTEMPTS} attempts",
        restores.len()
    );
    if snap.passing_hooks && !records.is_empty() {
        // Every request of a SnapStart run comes after the before-snapshot hooks.
        assert_eq!(before_ran, 1, "the before-snapshot hook did not run");
    }
    if snap.passing_hooks && records.iter().any(|r| r.req == Req::Next) {
        assert_eq!(
            after_ran, 1,
            "an event asked for before the after-restore hook ran"
        );
    }
    let Some(&last) = restores.last() else {
        assert!(
            !records.iter().any(|r| r.req == Req::Next),
            "/next without a snapshot"
        );
        assert_eq!(
            after_ran, 0,
            "the after-restore hook ran without a snapshot"
        );
        return;
    };
    assert!(
        !records[..last].iter().any(|r| r.req == Req::Next),
        "/next before the snapshot: {:?}",
        records.iter().map(show).collect::<Vec<_>>()
    );
    for r in &records[last + 1..] {
        if matches!(r.req, Req::Next | Req::PhaseError { restore: true, .. }) {
            assert!(
                r.conn > records[last].conn,
                "{} after the restore on a connection open at the snapshot",
                show(r)
            );
        }
        if snap.failing_after {
            assert!(
                r.req != Req::Next,
                "/next after a failing after-restore hook"
            );
        }
    }
}

fn check_records(server: &Server<'_>, failed: bool) {
    let records = &server.records;
    let all_delivered: Vec<u8> = server
        .conns
        .iter()
        .flat_map(|c| c.delivered.iter().copied())
        .collect();
    // Which answers the runtime read from a cleanly framed stream (so the reference sees what
    // the runtime saw): every earlier answer on the connection was exactly one message.
    let mut clean = vec![false; records.len()];
    let mut dues: Vec<(usize, Vec<u8>, Due)> = Vec::new();
    let mut conn_clean = vec![true; server.conns.len()];
    for (i, r) in records.iter().enumerate() {
        clean[i] = conn_clean[r.conn];
        let (limit, discard) = match r.req {
            Req::Next => (MAX_EVENT_BODY as u64, false),
            Req::Post { .. } | Req::RestoreNext | Req::PhaseError { .. } => (ACK_BODY_LIMIT, true),
        };
        let whole = read_message(&r.answer, limit, discard, false);
        let exact = matches!(&whole, Ok(Some(m)) if m.end == r.answer.len())
            && final_head_at(&r.answer).is_some_and(|(_, h)| h.keep_alive);
        conn_clean[r.conn] &= exact;
        if r.req != Req::Next || !clean[i] {
            continue;
        }
        let seen = &r.answer[..r.delivered];
        let Some((at, head)) = final_head_at(seen) else {
            // A head httparse reads but `parse_head` refuses (bad Content-Length, unknown
            // Transfer-Encoding, ...) still names the request: it must get an error POST.
            if let Some(id) = httparse_request_id(seen) {
                dues.push((i, id, Due::Broken));
            }
            continue;
        };
        if head.status != 200 {
            continue;
        }
        let Some(id) = head.lambda.request_id else {
            continue;
        };
        let id = id.get(&seen[at..]).to_vec();
        let got = read_message(seen, MAX_EVENT_BODY as u64, false, r.eof_after);
        if !settles(&got) {
            continue;
        }
        let due = match got {
            Ok(Some(m)) => {
                let invocation_id = head
                    .lambda
                    .invocation_id
                    .map(|s| s.get(&seen[at..]).to_vec());
                Due::Event {
                    body: m.body,
                    invocation_id,
                }
            }
            _ => Due::Broken,
        };
        dues.push((i, id, due));
    }

    // How many `/next` answers carried this request id: in a head the runtime reads, or in one
    // it refuses but salvages the id from (a bad Content-Length: answered with an error), as
    // the dues above count them (found by the fuzzer: "req-1" in a refused head and in a good
    // one, answered once each, looked like one event answered two ways).
    let sent_with = |id: &[u8]| {
        records
            .iter()
            .filter(|r| {
                let seen = &r.answer[..r.delivered];
                r.req == Req::Next
                    && match final_head_at(seen) {
                        Some((at, h)) => h
                            .lambda
                            .request_id
                            .is_some_and(|s| s.get(&seen[at..]) == id),
                        None => httparse_request_id(seen).is_some_and(|s| s == id),
                    }
            })
            .count()
    };

    // POSTs by id, in order.
    let posts = |id: &[u8]| -> Vec<(usize, &Record)> {
        records
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(&r.req, Req::Post { id: p, .. } if p == id))
            .collect()
    };
    for (i, r) in records.iter().enumerate() {
        let Req::Post { id, raw, .. } = &r.req else {
            continue;
        };
        assert!(!id.is_empty(), "POST with an empty request id");
        assert!(
            all_delivered.windows(id.len()).any(|w| w == &id[..]),
            "POST for {:?}, an id the server never sent",
            String::from_utf8_lossy(id)
        );
        if sent_with(id) > 1 {
            // The same id in two events: each gets its own answer, so the POSTs for that id
            // differ and are not re-sends of one another (found by the fuzzer splicing "req-1").
            continue;
        }
        let same = posts(id);
        for (_, other) in &same {
            let Req::Post { raw: other_raw, .. } = &other.req else {
                continue;
            };
            assert!(
                other_raw == raw,
                "two different POSTs for {:?}",
                String::from_utf8_lossy(id)
            );
        }
        assert!(
            same.len() <= POST_ATTEMPTS,
            "{} POSTs for {:?}: more than {POST_ATTEMPTS} attempts",
            same.len(),
            String::from_utf8_lossy(id)
        );
        // The next copy of this POST, if any: a re-send must have a reason.
        let Some((_, next)) = same.iter().find(|(j, _)| *j > i) else {
            continue;
        };
        if !clean[i] {
            continue; // the runtime read an unclear stream: any reading of it may be right
        }
        let seen = &r.answer[..r.delivered];
        let acked = read_message(seen, ACK_BODY_LIMIT, true, r.eof_after);
        if settles(&acked) {
            // Only a refusal that says "not processed" is sent again, and only when no
            // pipelined GET waits behind it on a kept-alive connection.
            let status = acked
                .as_ref()
                .ok()
                .and_then(|m| m.as_ref())
                .map(|m| m.status);
            let keep = final_head_at(seen).is_some_and(|(_, h)| h.keep_alive);
            let get_waiting = keep
                && records
                    .iter()
                    .any(|x| x.batch == r.batch && x.req == Req::Next);
            assert!(
                status.is_some_and(is_retryable) && !get_waiting,
                "POST for {:?} sent again after it was answered {status:?} (GET waiting: {get_waiting})",
                String::from_utf8_lossy(id)
            );
        } else {
            assert!(
                next.conn != r.conn,
                "POST for {:?} sent twice on one connection without an answer",
                String::from_utf8_lossy(id)
            );
        }
    }

    // Every due event is answered, and answered right.
    let handled = HANDLED.with(|h| h.borrow().clone());
    let last_due = dues.last().map(|d| d.0);
    for (i, id, due) in &dues {
        if sent_with(id) > 1 {
            continue; // the same id in two events (raw answers): not attributable
        }
        let same = posts(id);
        let times_handled = handled.iter().filter(|h| h[..] == id[..]).count();
        assert!(
            times_handled <= 1,
            "handler called {times_handled} times for {:?}",
            String::from_utf8_lossy(id)
        );
        let Some((_, first)) = same.first() else {
            let excused = failed && Some(*i) == last_due;
            assert!(
                excused,
                "event {:?} (request {i}) was received but never answered",
                String::from_utf8_lossy(id)
            );
            continue;
        };
        let Req::Post {
            error,
            error_type,
            body,
            invocation_id: echoed,
            ..
        } = &first.req
        else {
            continue;
        };
        let error_type = error_type.as_deref().unwrap_or_default();
        match due {
            Due::Broken => {
                assert!(
                    *error && error_type.starts_with(b"Runtime."),
                    "broken event answered with {:?}",
                    first.req
                );
            }
            Due::Event {
                body: event,
                invocation_id,
            } => {
                if let Some(inv) = invocation_id {
                    assert_eq!(echoed.as_ref(), Some(inv), "invocation id not echoed");
                }
                if std::str::from_utf8(id).is_err() {
                    assert!(
                        *error && error_type == b"Runtime.InvalidRequestId",
                        "non-UTF-8 id answered with {:?}",
                        first.req
                    );
                } else if event.first() == Some(&b'!') {
                    assert!(
                        *error && error_type == b"Function.Bad",
                        "handler error answered with {:?}",
                        first.req
                    );
                    assert_eq!(times_handled, 1);
                } else {
                    assert!(!*error, "echo answered with an error: {:?}", first.req);
                    assert!(body == event, "echoed body differs from the event body");
                    assert_eq!(times_handled, 1);
                }
            }
        }
    }
}
