//! A minimal blocking mock of the Lambda Runtime API (2018-06-01), shared by the criterion
//! benches (`benches/invoke.rs`) and the measurement driver (`benches/compare/src/bin/lzbench.rs`).
//!
//! It plays Lambda's side of one keep-alive connection: answer `GET /next` with an event, accept
//! the `POST /response`, answer it with `202`. Requests that arrive together are answered with one
//! write (a `202` and the next event go out in one `writev`), as a busy Runtime API whose next
//! event is already queued would do. The mock never allocates while serving, so its own cost is
//! the same for every bootstrap it measures.
//!
//! The answers carry the headers the real service sends (request id, deadline, function ARN,
//! X-Ray trace id, `Content-Length`); every invocation gets a fresh request id, and the mock
//! checks that each response names it and has the event's length (and, while verifying, the
//! event's bytes).

#![allow(dead_code)] // Each including binary uses a different part.

use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The request id placeholder: a UUID whose last 12 hex digits count the invocations.
const ID_PREFIX: &[u8] = b"8476a536-e9f4-11e8-9739-";
const ID_DIGITS: usize = 12;
/// Longest request head the mock accepts.
const MAX_REQUEST_HEAD: usize = 64 * 1024;
/// Most connections open at once.
const MAX_CONNS: usize = 8;
/// How long one blocking read waits before the mock looks for new connections.
const READ_SLICE: Duration = Duration::from_millis(5);
/// Largest response body the mock accepts (Lambda's limit plus slack).
const MAX_REQUEST_BODY: usize = 6 * 1024 * 1024 + 64 * 1024;

/// The `202` acknowledgement, as the Runtime API sends it.
const ACCEPTED: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n\
Date: Tue, 01 Jan 2030 00:00:00 GMT\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n";
/// The answer that tells a bootstrap to exit.
const FATAL: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n\
Date: Tue, 01 Jan 2030 00:00:00 GMT\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// One event and the head of the `/next` answer that carries it.
pub struct Event {
    head: Vec<u8>,
    /// Where the request id's counter digits sit in `head`.
    id_at: usize,
    body: Vec<u8>,
}

impl Event {
    /// An event with `body` as payload.
    pub fn new(body: Vec<u8>) -> Event {
        let deadline = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64 + 15 * 60 * 1000)
            .unwrap_or(u64::MAX / 2);
        let mut head = Vec::with_capacity(512);
        head.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n");
        head.extend_from_slice(b"Lambda-Runtime-Aws-Request-Id: ");
        head.extend_from_slice(ID_PREFIX);
        let id_at = head.len();
        head.extend_from_slice(&[b'0'; ID_DIGITS]);
        head.extend_from_slice(b"\r\nLambda-Runtime-Deadline-Ms: ");
        head.extend_from_slice(deadline.to_string().as_bytes());
        head.extend_from_slice(
            b"\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:echo\
\r\nLambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\
\r\nDate: Tue, 01 Jan 2030 00:00:00 GMT\r\nContent-Length: ",
        );
        head.extend_from_slice(body.len().to_string().as_bytes());
        head.extend_from_slice(b"\r\n\r\n");
        Event { head, id_at, body }
    }

    /// Reads an event from a file.
    pub fn from_file(path: &Path) -> io::Result<Event> {
        let body = std::fs::read(path)
            .map_err(|e| with_context(e, &format!("reading {}", path.display())))?;
        Ok(Event::new(body))
    }

    /// The payload.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    fn set_id(&mut self, n: u64) {
        write_hex(&mut self.head[self.id_at..self.id_at + ID_DIGITS], n);
    }

    fn id_digits(&self) -> &[u8] {
        &self.head[self.id_at..self.id_at + ID_DIGITS]
    }
}

/// The events every benchmark uses, by name: a 92 B IoT button event and a 1,230 B API
/// Gateway (HTTP API v2) request from `events_dir` (the repository's `tests/events`), and
/// JSON documents of exactly 64 KiB and 1 MiB made of copies of that request.
pub fn bench_events(events_dir: &Path) -> io::Result<Vec<(&'static str, Vec<u8>)>> {
    // The files end with a newline; an event is the JSON value alone (as every runtime's echo
    // returns it).
    let read = |rel: &str| {
        let path = events_dir.join(rel);
        let mut body = std::fs::read(&path)
            .map_err(|e| with_context(e, &format!("reading the event {}", path.display())))?;
        while body.last().is_some_and(|b| b.is_ascii_whitespace()) {
            body.pop();
        }
        Ok::<_, io::Error>(body)
    };
    let small = read("example-iot_button-event.json")?;
    let apigw = read("lambda-http/apigw_v2_proxy_request.json")?;
    let compact: Vec<u8> = apigw
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\n' | b'\r'))
        .collect();
    Ok(vec![
        ("100B", small),
        ("apigw-1.2KiB", apigw),
        ("64KiB", synthetic_json(&compact, 64 * 1024)),
        ("1MiB", synthetic_json(&compact, 1024 * 1024)),
    ])
}

/// Where the AWS sample events are: `$LZ_EVENTS_DIR`, else `tests/events` in the repository
/// root `repo`.
pub fn events_dir(repo: &Path) -> std::path::PathBuf {
    match std::env::var_os("LZ_EVENTS_DIR") {
        Some(dir) => dir.into(),
        None => repo.join("tests/events"),
    }
}

/// A synthetic JSON event of exactly `len` bytes (at least 16): copies of `unit` (a JSON value)
/// in an array, padded with one string, so every runtime can parse it as JSON.
pub fn synthetic_json(unit: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    out.push(b'[');
    // Room for the padding element `{"pad":""}` and the closing bracket.
    let tail = b"{\"pad\":\"\"}]".len();
    while out.len() + unit.len() + 1 + tail <= len {
        out.extend_from_slice(unit);
        out.push(b',');
    }
    out.extend_from_slice(b"{\"pad\":\"");
    while out.len() + 3 < len {
        out.push(b'x');
    }
    out.extend_from_slice(b"\"}]");
    out
}

fn write_hex(dst: &mut [u8], mut n: u64) {
    for b in dst.iter_mut().rev() {
        *b = b"0123456789abcdef"[(n & 15) as usize];
        n >>= 4;
    }
}

fn with_context(e: io::Error, what: &str) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

fn protocol(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// A complete request found in the input buffer.
enum Request {
    /// `GET /2018-06-01/runtime/invocation/next`.
    Next,
    /// `POST .../invocation/{id}/response` with the body at `body_at..body_at + len`.
    Response {
        id_matches: bool,
        body_at: usize,
        len: usize,
    },
}

/// What one read on a connection brought.
enum Fill {
    /// Some bytes.
    Data,
    /// Nothing within the read timeout.
    Idle,
    /// The peer closed the connection.
    Closed,
}

/// The mock's end of one connection from the bootstrap.
struct Conn {
    stream: TcpStream,
    buf: Box<[u8]>,
    /// First byte not yet consumed.
    start: usize,
    /// End of the received bytes.
    filled: usize,
    /// Where (from `start`) the search for the head's end resumes.
    scanned: usize,
    /// A `202` is due on this connection.
    ack: bool,
    /// The event is due on this connection.
    event: bool,
}

impl Conn {
    fn new(stream: TcpStream) -> io::Result<Conn> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(READ_SLICE))?;
        Ok(Conn {
            stream,
            buf: vec![0u8; MAX_REQUEST_HEAD + MAX_REQUEST_BODY].into_boxed_slice(),
            start: 0,
            filled: 0,
            scanned: 0,
            ack: false,
            event: false,
        })
    }

    /// One read (blocking for at most [`READ_SLICE`]).
    fn fill(&mut self) -> io::Result<Fill> {
        if self.start == self.filled {
            self.start = 0;
            self.filled = 0;
        } else if self.filled == self.buf.len() {
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
        }
        loop {
            match self.stream.read(&mut self.buf[self.filled..]) {
                Ok(0) => return Ok(Fill::Closed),
                Ok(n) => {
                    self.filled += n;
                    return Ok(Fill::Data);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(Fill::Idle)
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(Fill::Closed),
                Err(e) => return Err(e),
            }
        }
    }

    /// Parses the request at `start` if it is complete (head and body), consuming it.
    fn try_parse(&mut self, expected_id: &[u8]) -> io::Result<Option<Request>> {
        let avail = &self.buf[self.start..self.filled];
        let from = self.scanned.min(avail.len());
        let Some(at) = find_head_end(&avail[from..]).map(|i| from + i) else {
            self.scanned = avail.len().saturating_sub(3);
            if avail.len() > MAX_REQUEST_HEAD {
                return Err(protocol("request head too long".into()));
            }
            return Ok(None);
        };
        // Until the body is complete, the next search starts at this head's end again.
        self.scanned = at;
        let end = at + 4;
        let head = &avail[..end];
        let mut lines = head.split(|&b| b == b'\n');
        let line = lines.next().unwrap_or_default();
        let mut content_length = 0usize;
        for h in lines {
            let h = h.strip_suffix(b"\r").unwrap_or(h);
            let Some(colon) = h.iter().position(|&b| b == b':') else {
                continue;
            };
            let (name, value) = (&h[..colon], trim(&h[colon + 1..]));
            if name.eq_ignore_ascii_case(b"content-length") {
                content_length =
                    parse_usize(value).ok_or_else(|| protocol("bad Content-Length".into()))?;
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                return Err(protocol("the mock does not take chunked requests".into()));
            }
        }
        if content_length > MAX_REQUEST_BODY {
            return Err(protocol(format!(
                "response body of {content_length} bytes is too large"
            )));
        }
        if avail.len() < end + content_length {
            return Ok(None);
        }
        let request = if line.starts_with(b"GET /2018-06-01/runtime/invocation/next ") {
            Request::Next
        } else if let Some(path) = line.strip_prefix(b"POST /2018-06-01/runtime/invocation/") {
            let id_matches = path.starts_with(ID_PREFIX)
                && path.get(ID_PREFIX.len()..ID_PREFIX.len() + ID_DIGITS) == Some(expected_id)
                && path[ID_PREFIX.len() + ID_DIGITS..].starts_with(b"/response ");
            if !id_matches && !path.windows(9).any(|w| w == b"/response") {
                let shown = String::from_utf8_lossy(&line[..line.len().min(200)]).into_owned();
                return Err(protocol(format!("unexpected request: {shown}")));
            }
            Request::Response {
                id_matches,
                body_at: self.start + end,
                len: content_length,
            }
        } else {
            let shown = String::from_utf8_lossy(&line[..line.len().min(200)]).into_owned();
            return Err(protocol(format!("unexpected request: {shown}")));
        };
        self.start += end + content_length;
        self.scanned = 0;
        Ok(Some(request))
    }
}

fn find_head_end(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n")
}

fn trim(v: &[u8]) -> &[u8] {
    let s = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let e = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(s, |i| i + 1);
    &v[s..e]
}

fn parse_usize(v: &[u8]) -> Option<usize> {
    if v.is_empty() || v.len() > 12 {
        return None;
    }
    v.iter().try_fold(0usize, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + usize::from(b - b'0'))
    })
}

/// Writes all of `bufs`.
fn write_all_vectored(stream: &mut TcpStream, mut bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
    IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        match stream.write_vectored(bufs) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A Runtime API on a loopback port.
///
/// Like the real one it takes any number of connections (hyper's pool, under `lambda_runtime`,
/// opens a second one while the first is still busy). While only one bootstrap connection was
/// ever accepted, the mock waits with a plain blocking `read` on it, so a single-connection
/// bootstrap costs the mock one `read` and one `writev` per invocation; once a second connection
/// shows up it waits with `poll` over all of them.
pub struct Mock {
    listener: TcpListener,
    conns: Vec<Conn>,
    /// Connections accepted so far.
    accepted: u64,
    /// Invocations handed out so far (the request id counter).
    invocations: u64,
    /// The connection with an unanswered `GET /next`.
    next_on: Option<usize>,
    /// An event was sent and its response has not arrived.
    outstanding: bool,
    /// An empty event, to read requests when none is being served.
    idle: Event,
    /// How long the bootstrap may stay silent before the mock gives up.
    pub timeout: Duration,
}

impl Mock {
    /// Listens on `127.0.0.1` on a free port.
    pub fn bind() -> io::Result<Mock> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        Ok(Mock {
            listener,
            conns: Vec::new(),
            accepted: 0,
            invocations: 0,
            next_on: None,
            outstanding: false,
            idle: Event::new(Vec::new()),
            timeout: Duration::from_secs(30),
        })
    }

    /// The address to put in `AWS_LAMBDA_RUNTIME_API`.
    pub fn addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Connections accepted from the current bootstrap so far.
    pub fn connections(&self) -> u64 {
        self.accepted
    }

    /// Closes every connection and forgets all state (before the next bootstrap).
    pub fn disconnect(&mut self) {
        self.conns.clear();
        self.accepted = 0;
        self.next_on = None;
        self.outstanding = false;
    }

    /// Waits (up to the timeout) for the bootstrap's first connection. `child` is checked while
    /// waiting, so a bootstrap that dies early is reported instead of waited for.
    pub fn accept(&mut self, child: &mut Child) -> io::Result<()> {
        self.disconnect();
        let deadline = Instant::now() + self.timeout;
        while !wait_readable(&self.listener, Duration::from_millis(100))? {
            if let Some(status) = child.try_wait()? {
                return Err(io::Error::other(format!(
                    "the bootstrap exited before connecting ({status})"
                )));
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the bootstrap did not connect in time",
                ));
            }
        }
        self.accept_pending()?;
        Ok(())
    }

    /// Accepts every connection waiting on the listener.
    fn accept_pending(&mut self) -> io::Result<bool> {
        let mut any = false;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    self.conns.push(Conn::new(stream)?);
                    self.accepted += 1;
                    any = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(any),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn drop_conn(&mut self, i: usize) {
        self.conns.remove(i);
        self.next_on = match self.next_on {
            Some(j) if j == i => None,
            Some(j) if j > i => Some(j - 1),
            other => other,
        };
    }

    /// Waits until some connection has new bytes (or a new connection arrived). Fails when
    /// nothing happens for the timeout.
    fn wait_input(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if self.accepted == 1 && self.conns.len() == 1 {
                match self.conns[0].fill()? {
                    Fill::Data => return Ok(()),
                    Fill::Closed => self.drop_conn(0),
                    Fill::Idle => {
                        if self.accept_pending()? {
                            return Ok(());
                        }
                    }
                }
            } else {
                if self.conns.len() > MAX_CONNS {
                    return Err(protocol(format!(
                        "the bootstrap opened {} connections at once",
                        self.conns.len()
                    )));
                }
                let mut fds = [pollfd(self.listener.as_raw_fd()); MAX_CONNS + 1];
                for (fd, conn) in fds[1..].iter_mut().zip(&self.conns) {
                    *fd = pollfd(conn.stream.as_raw_fd());
                }
                let fds = &mut fds[..self.conns.len() + 1];
                if poll(fds, READ_SLICE)? {
                    let mut progress = false;
                    if fds[0].revents != 0 {
                        progress |= self.accept_pending()?;
                    }
                    // Back to front, so dropping a connection keeps the others' indices.
                    for i in (0..fds.len() - 1).rev() {
                        if fds[i + 1].revents == 0 {
                            continue;
                        }
                        match self.conns[i].fill()? {
                            Fill::Data => progress = true,
                            Fill::Closed => self.drop_conn(i),
                            Fill::Idle => {}
                        }
                    }
                    if progress {
                        return Ok(());
                    }
                }
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the bootstrap sent nothing in time",
                ));
            }
        }
    }

    /// Parses every complete request on every connection; returns the arrival time of the
    /// responses through `on_response`, and errors on anything out of protocol.
    fn take_requests(
        &mut self,
        event: &Event,
        verify: bool,
        answered: &mut u64,
        on_response: &mut impl FnMut(Instant),
    ) -> io::Result<()> {
        for i in 0..self.conns.len() {
            // HTTP/1.1 answers in order: nothing after an unanswered GET on its connection.
            while self.next_on != Some(i) {
                let Some(request) = self.conns[i].try_parse(event.id_digits())? else {
                    break;
                };
                match request {
                    Request::Next => {
                        if self.next_on.is_some() {
                            return Err(protocol("two GET /next at once".into()));
                        }
                        if self.outstanding {
                            return Err(protocol(
                                "GET /next while an invocation is outstanding".into(),
                            ));
                        }
                        self.next_on = Some(i);
                    }
                    Request::Response {
                        id_matches,
                        body_at,
                        len,
                    } => {
                        let at = Instant::now();
                        if !self.outstanding || !id_matches {
                            return Err(protocol(
                                "a response for an invocation that is not outstanding".into(),
                            ));
                        }
                        if len != event.body.len() {
                            return Err(protocol(format!(
                                "response of {len} bytes to an event of {}",
                                event.body.len()
                            )));
                        }
                        if verify && self.conns[i].buf[body_at..body_at + len] != event.body[..] {
                            return Err(protocol("the response differs from the event".into()));
                        }
                        self.outstanding = false;
                        self.conns[i].ack = true;
                        *answered += 1;
                        on_response(at);
                    }
                }
            }
        }
        Ok(())
    }

    /// Sends what is due on each connection (a `202`, the event, or both in one write).
    fn flush(&mut self, event: &Event) -> io::Result<bool> {
        let mut wrote = false;
        for conn in &mut self.conns {
            if !conn.ack && !conn.event {
                continue;
            }
            let ack: &[u8] = if conn.ack { ACCEPTED } else { &[] };
            let (head, body): (&[u8], &[u8]) = if conn.event {
                (&event.head, &event.body)
            } else {
                (&[], &[])
            };
            write_all_vectored(
                &mut conn.stream,
                &mut [IoSlice::new(ack), IoSlice::new(head), IoSlice::new(body)],
            )?;
            conn.ack = false;
            conn.event = false;
            wrote = true;
        }
        Ok(wrote)
    }

    /// Waits for the first complete `GET /next` and returns the instant it was complete: the
    /// end of a cold start.
    pub fn first_next(&mut self) -> io::Result<Instant> {
        let event = std::mem::replace(
            &mut self.idle,
            Event {
                head: Vec::new(),
                id_at: 0,
                body: Vec::new(),
            },
        );
        let result = self.first_next_with(&event);
        self.idle = event;
        result
    }

    fn first_next_with(&mut self, event: &Event) -> io::Result<Instant> {
        let mut answered = 0;
        loop {
            self.take_requests(event, false, &mut answered, &mut |_| {})?;
            if self.next_on.is_some() {
                return Ok(Instant::now());
            }
            if answered > 0 {
                return Err(protocol("a response before any event".into()));
            }
            self.wait_input()?;
        }
    }

    /// Serves `n` invocations of `event`; calls `on_response` with the arrival time of each
    /// complete response. With `verify`, each response's bytes are compared with the event.
    /// Returns once the `n`-th response has been acknowledged.
    pub fn serve(
        &mut self,
        event: &mut Event,
        n: u64,
        verify: bool,
        mut on_response: impl FnMut(Instant),
    ) -> io::Result<()> {
        if self.conns.is_empty() && self.accepted == 0 {
            return Err(io::Error::other("no bootstrap connected"));
        }
        let mut sent = 0u64;
        let mut answered = 0u64;
        loop {
            self.take_requests(event, verify, &mut answered, &mut on_response)?;
            if let Some(i) = self.next_on {
                if sent < n && !self.outstanding {
                    self.invocations += 1;
                    event.set_id(self.invocations);
                    self.conns[i].event = true;
                    self.next_on = None;
                    self.outstanding = true;
                    sent += 1;
                }
            }
            let wrote = self.flush(event)?;
            if answered >= n {
                return Ok(());
            }
            if !wrote {
                self.wait_input()?;
            }
        }
    }

    /// Answers the next `GET /next` with `500` (which tells every bootstrap to exit) and closes
    /// every connection.
    pub fn finish(&mut self) -> io::Result<()> {
        let event = std::mem::replace(
            &mut self.idle,
            Event {
                head: Vec::new(),
                id_at: 0,
                body: Vec::new(),
            },
        );
        let result = self.finish_with(&event);
        self.idle = event;
        result
    }

    fn finish_with(&mut self, event: &Event) -> io::Result<()> {
        let mut answered = 0;
        while self.next_on.is_none() {
            self.take_requests(event, false, &mut answered, &mut |_| {})?;
            if answered > 0 {
                return Err(protocol("a response after the last event".into()));
            }
            if self.next_on.is_none() {
                self.wait_input()?;
            }
        }
        if let Some(i) = self.next_on.take() {
            let conn = &mut self.conns[i];
            write_all_vectored(&mut conn.stream, &mut [IoSlice::new(FATAL)])?;
            let _ = conn.stream.shutdown(std::net::Shutdown::Write);
        }
        self.disconnect();
        Ok(())
    }
}

fn pollfd(fd: std::os::fd::RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// `poll(2)`: true when some descriptor is ready.
fn poll(fds: &mut [libc::pollfd], timeout: Duration) -> io::Result<bool> {
    let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `fds` is a valid, exclusively borrowed slice of pollfd and its length is passed.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    match rc {
        0 => Ok(false),
        n if n > 0 => Ok(true),
        _ => {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(e)
            }
        }
    }
}

/// Waits up to `timeout` for `listener` to have a connection to accept.
fn wait_readable(listener: &TcpListener, timeout: Duration) -> io::Result<bool> {
    poll(&mut [pollfd(listener.as_raw_fd())], timeout)
}

/// Pins the calling thread (and every process it spawns afterwards) to `cpu`.
#[cfg(target_os = "linux")]
pub fn pin_to_cpu(cpu: usize) -> io::Result<()> {
    // SAFETY: `cpu_set_t` is a plain bit array for which all-zero is a valid (empty) value.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: CPU_SET writes one bit of `set`; it checks `cpu` against the set's size itself.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: pid 0 is the calling thread; `set` is a valid cpu_set_t of the size passed.
    let rc = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Starts `program args..` as a bootstrap of the mock at `addr`, with the environment Lambda
/// gives a `provided` runtime (and nothing from the caller's: start-up reads the environment, so
/// a long shell environment would be measured too). `LD_LIBRARY_PATH` is left out: its Lambda
/// directories do not exist here. Standard output is dropped; standard error is captured
/// ([`stderr_of`] reads it), so the expected "exiting on 500" messages stay out of the way but
/// errors can be shown.
pub fn spawn_bootstrap(program: &Path, args: &[String], addr: SocketAddr) -> io::Result<Child> {
    Command::new(program)
        .args(args)
        .env_clear()
        .envs(LAMBDA_ENV.iter().copied())
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| with_context(e, &format!("starting {}", program.display())))
}

/// The environment of a 128 MB `provided.al2023` function named `echo` (credentials are dummies).
const LAMBDA_ENV: &[(&str, &str)] = &[
    ("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"),
    ("LANG", "en_US.UTF-8"),
    ("TZ", ":UTC"),
    ("LAMBDA_TASK_ROOT", "/var/task"),
    ("LAMBDA_RUNTIME_DIR", "/var/runtime"),
    ("_HANDLER", "bootstrap"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
    ("AWS_LAMBDA_FUNCTION_NAME", "echo"),
    ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
    ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
    ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
    ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/echo"),
    (
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "2030/01/01/[$LATEST]0123456789abcdef0123456789abcdef",
    ),
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    ("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLETOKEN"),
    ("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR"),
    ("AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129:2000"),
    ("_AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129"),
    ("_AWS_XRAY_DAEMON_PORT", "2000"),
];

/// What an exited `child` wrote to standard error (empty if it was not captured).
pub fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut text);
    }
    text
}

/// Waits up to `timeout` for `child` to exit; kills it if it does not. Returns its status
/// (`None` if it had to be killed).
pub fn reap(child: &mut Child, timeout: Duration) -> io::Result<Option<std::process::ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
