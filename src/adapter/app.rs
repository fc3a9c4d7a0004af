//! The connection to the app: one keep-alive HTTP/1.1 connection over a blocking
//! `std::net::TcpStream`, opened when first needed and again whenever the app closed it, with
//! every read and write bounded by the invocation's deadline.

use core::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::response::{parse_head, ChunkedDecoder, Framing, Head, ResponseError};

/// Why the app gave no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppError {
    /// No connection could be opened (nothing listens, the port refuses).
    Connect(io::ErrorKind),
    /// The request could not be written.
    Write(io::ErrorKind),
    /// The connection failed while the answer was read (a reset).
    Read(io::ErrorKind),
    /// The app closed the connection before the answer was complete; how many bytes of it came.
    Closed(usize),
    /// The deadline passed before the answer was complete.
    Timeout,
    /// The answer is not HTTP, or its body framing is broken.
    Invalid(ResponseError),
    /// The head or the body is larger than the adapter's buffer.
    TooLarge(usize),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Connect(kind) => write!(f, "cannot connect to the app: {kind}"),
            AppError::Write(kind) => write!(f, "cannot send the request to the app: {kind}"),
            AppError::Read(kind) => write!(f, "the connection to the app failed: {kind}"),
            AppError::Closed(0) => f.write_str("the app closed the connection without answering"),
            AppError::Closed(n) => write!(
                f,
                "the app closed the connection in the middle of its answer (after {n} bytes)"
            ),
            AppError::Timeout => {
                f.write_str("the app did not answer before the invocation's deadline")
            }
            AppError::Invalid(e) => write!(f, "the app's answer is not valid HTTP: {e}"),
            AppError::TooLarge(cap) => {
                write!(
                    f,
                    "the app's answer is larger than the adapter's {cap} bytes"
                )
            }
        }
    }
}

/// Slack kept before the invocation's deadline, so that the error still reaches Lambda.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(50);

/// How long opening a connection may take when the invocation has no deadline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A socket timeout may be set this much shorter than the time left: a read that times out
/// early is retried with the exact time left, so most invocations change no socket option.
const TIMEOUT_SLACK: Duration = Duration::from_millis(500);

/// One keep-alive connection to the app.
#[derive(Debug)]
pub struct AppClient {
    addr: SocketAddr,
    conn: Option<TcpStream>,
    /// Whether the open connection already carried an answer (a failure before any byte of the
    /// next answer then means the app had closed it while idle: the request is sent again once).
    reused: bool,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    /// Connections opened so far.
    connects: u64,
}

impl AppClient {
    /// A client for `host:port`, resolved now (at init).
    pub fn new(host: &str, port: u16) -> io::Result<AppClient> {
        let addr = (host, port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the host has no address"))?;
        Ok(AppClient::with_addr(addr))
    }

    /// A client for `addr`.
    pub fn with_addr(addr: SocketAddr) -> AppClient {
        AppClient {
            addr,
            conn: None,
            reused: false,
            read_timeout: None,
            write_timeout: None,
            connects: 0,
        }
    }

    /// Takes `stream`, a connection to the app that already carried an answer (the readiness
    /// check's), as the open connection: if the app closed it while idle, the next request is
    /// sent again once on a new one. `timeout` is the read and write timeout set on it.
    pub fn adopt(&mut self, stream: TcpStream, timeout: Option<Duration>) {
        self.conn = Some(stream);
        self.reused = true;
        self.read_timeout = timeout;
        self.write_timeout = timeout;
        self.connects += 1;
    }

    /// The app's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many connections were opened so far.
    pub fn connects(&self) -> u64 {
        self.connects
    }

    /// Closes the connection (after a failure, or an answer that ends the connection).
    pub fn close(&mut self) {
        self.conn = None;
        self.reused = false;
    }

    fn connect(&mut self, deadline: Option<Instant>) -> Result<(), AppError> {
        let timeout = match deadline {
            Some(d) => d
                .checked_duration_since(Instant::now())
                .filter(|t| !t.is_zero())
                .ok_or(AppError::Timeout)?
                .min(CONNECT_TIMEOUT),
            None => CONNECT_TIMEOUT,
        };
        let stream =
            TcpStream::connect_timeout(&self.addr, timeout).map_err(|e| match e.kind() {
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock if deadline.is_some() => {
                    AppError::Timeout
                }
                kind => AppError::Connect(kind),
            })?;
        let _ = stream.set_nodelay(true);
        self.conn = Some(stream);
        self.reused = false;
        self.read_timeout = None;
        self.write_timeout = None;
        self.connects += 1;
        Ok(())
    }

    /// Sends the request (`head`, then `body`) and reads the answer's head into `buf`,
    /// skipping interim (1xx) answers. Returns the head and how many bytes of `buf` are filled
    /// (the head and the body bytes that came with it). On a connection that had carried an
    /// answer, a close or reset before any byte of this one sends the request again once, on a
    /// new connection: the app had closed the idle connection.
    pub fn exchange(
        &mut self,
        head: &[u8],
        body: &[u8],
        buf: &mut [u8],
        head_request: bool,
        deadline: Option<Instant>,
    ) -> Result<(Head, usize), AppError> {
        let mut retried = false;
        loop {
            if self.conn.is_none() {
                self.connect(deadline)?;
            }
            let reused = self.reused;
            let outcome = self
                .send(head, body, deadline)
                .and_then(|()| self.read_head(buf, head_request, deadline));
            match outcome {
                Ok(done) => {
                    self.reused = true;
                    return Ok(done);
                }
                Err(AppError::Write(_) | AppError::Read(_) | AppError::Closed(0))
                    if reused && !retried =>
                {
                    self.close();
                    retried = true;
                }
                Err(e) => {
                    self.close();
                    return Err(e);
                }
            }
        }
    }

    fn send(
        &mut self,
        head: &[u8],
        body: &[u8],
        deadline: Option<Instant>,
    ) -> Result<(), AppError> {
        let mut parts = [IoSlice::new(head), IoSlice::new(body)];
        let mut parts: &mut [IoSlice<'_>] = if body.is_empty() {
            &mut parts[..1]
        } else {
            &mut parts[..]
        };
        while !parts.is_empty() {
            let timeout = time_left(deadline)?;
            let conn = self
                .conn
                .as_mut()
                .ok_or(AppError::Write(io::ErrorKind::NotConnected))?;
            set_timeout(
                conn,
                &mut self.write_timeout,
                timeout,
                TcpStream::set_write_timeout,
            )
            .map_err(|e| AppError::Write(e.kind()))?;
            match conn.write_vectored(parts) {
                Ok(0) => return Err(AppError::Write(io::ErrorKind::WriteZero)),
                Ok(n) => IoSlice::advance_slices(&mut parts, n),
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(AppError::Write(e.kind())),
            }
        }
        Ok(())
    }

    /// Reads into `buf`: `Ok(0)` at the end of the connection.
    pub fn read(&mut self, buf: &mut [u8], deadline: Option<Instant>) -> Result<usize, AppError> {
        loop {
            let timeout = time_left(deadline)?;
            let conn = self
                .conn
                .as_mut()
                .ok_or(AppError::Read(io::ErrorKind::NotConnected))?;
            set_timeout(
                conn,
                &mut self.read_timeout,
                timeout,
                TcpStream::set_read_timeout,
            )
            .map_err(|e| AppError::Read(e.kind()))?;
            match conn.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(AppError::Read(e.kind())),
            }
        }
    }

    fn read_head(
        &mut self,
        buf: &mut [u8],
        head_request: bool,
        deadline: Option<Instant>,
    ) -> Result<(Head, usize), AppError> {
        let mut filled = 0;
        let mut received = 0;
        loop {
            if filled > 0 {
                let mut headers = [httparse::EMPTY_HEADER; super::response::MAX_APP_HEADERS];
                let parsed = parse_head(&buf[..filled], &mut headers, head_request)
                    .map_err(AppError::Invalid)?;
                if let Some(head) = parsed {
                    if !head.is_interim() {
                        return Ok((head, filled));
                    }
                    buf.copy_within(head.len..filled, 0);
                    filled -= head.len;
                    continue;
                }
            }
            if filled == buf.len() {
                return Err(AppError::TooLarge(buf.len()));
            }
            let n = self.read(&mut buf[filled..], deadline)?;
            if n == 0 {
                return Err(AppError::Closed(received));
            }
            filled += n;
            received += n;
        }
    }

    /// Reads the rest of the body after a head of `head_len` bytes (`filled` bytes of `buf`
    /// read so far) into `buf`, decoding a chunked body in place. Returns where the body is in
    /// `buf`. The connection is closed when the answer ends it or has bytes past its end.
    pub fn read_body(
        &mut self,
        buf: &mut [u8],
        head: &Head,
        mut filled: usize,
        deadline: Option<Instant>,
    ) -> Result<core::ops::Range<usize>, AppError> {
        let start = head.len;
        let outcome = match head.framing {
            Framing::Empty => Ok(start..start),
            Framing::Length(n) => {
                // Any failure closes the connection: the rest of this body would otherwise
                // be read as the next answer.
                let Some(end) = usize::try_from(n)
                    .ok()
                    .and_then(|n| start.checked_add(n))
                    .filter(|&end| end <= buf.len())
                else {
                    return self.fail(AppError::TooLarge(buf.len()));
                };
                while filled < end {
                    match self.read(&mut buf[filled..end], deadline) {
                        Ok(0) => return self.fail(AppError::Closed(filled)),
                        Ok(k) => filled += k,
                        Err(e) => return self.fail(e),
                    }
                }
                Ok(start..end)
            }
            Framing::UntilClose => loop {
                if filled == buf.len() {
                    return self.fail(AppError::TooLarge(buf.len()));
                }
                match self.read(&mut buf[filled..], deadline) {
                    Ok(0) => break Ok(start..filled),
                    Ok(k) => filled += k,
                    Err(e) => return self.fail(e),
                }
            },
            Framing::Chunked => {
                let mut decoder = ChunkedDecoder::new();
                let mut out = start;
                let mut pos = start;
                loop {
                    while pos < filled && !decoder.is_done() {
                        let (used, data) = match decoder.decode(&buf[pos..filled]) {
                            Ok(step) => step,
                            Err(e) => return self.fail(AppError::Invalid(e)),
                        };
                        let n = data.map_or(0, <[u8]>::len);
                        if n > 0 {
                            buf.copy_within(pos..pos + n, out);
                            out += n;
                        }
                        pos += used;
                    }
                    if decoder.is_done() {
                        // Bytes past the end would be read as the next answer.
                        if pos < filled {
                            self.close();
                        }
                        break Ok(start..out);
                    }
                    filled = out;
                    pos = out;
                    if filled == buf.len() {
                        return self.fail(AppError::TooLarge(buf.len()));
                    }
                    match self.read(&mut buf[filled..], deadline) {
                        Ok(0) => return self.fail(AppError::Closed(filled)),
                        Ok(k) => filled += k,
                        Err(e) => return self.fail(e),
                    }
                }
            }
        };
        if let Ok(range) = &outcome {
            if !head.keep_alive || (head.framing != Framing::Chunked && filled > range.end) {
                self.close();
            }
        }
        outcome
    }

    fn fail<T>(&mut self, e: AppError) -> Result<T, AppError> {
        self.close();
        Err(e)
    }
}

/// Time left before `deadline` (`None` without one); the deadline passed is [`AppError::Timeout`].
fn time_left(deadline: Option<Instant>) -> Result<Option<Duration>, AppError> {
    match deadline {
        None => Ok(None),
        Some(d) => match d.checked_duration_since(Instant::now()) {
            Some(t) if !t.is_zero() => Ok(Some(t)),
            _ => Err(AppError::Timeout),
        },
    }
}

/// Sets a socket timeout when the one set is longer than `wanted` or much shorter (see
/// [`TIMEOUT_SLACK`]); none when there is no deadline.
fn set_timeout(
    conn: &TcpStream,
    current: &mut Option<Duration>,
    wanted: Option<Duration>,
    set: fn(&TcpStream, Option<Duration>) -> io::Result<()>,
) -> io::Result<()> {
    let keep = match (*current, wanted) {
        (None, None) => true,
        (Some(c), Some(w)) => c <= w && c + TIMEOUT_SLACK >= w,
        _ => false,
    };
    if !keep {
        set(conn, wanted)?;
        *current = wanted;
    }
    Ok(())
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
