//! Readiness: the app is polled (`GET` the readiness path until the status is a healthy one,
//! or a TCP connection that opens, per `AWS_LWA_READINESS_CHECK_PROTOCOL`) every 10 ms, as the
//! Lambda Web Adapter does, before the first invocation is taken.
//!
//! The check that finds the app ready leaves its connection open when the app allows
//! (HTTP/1.1 keep-alive, the whole answer read): the first invocation's request goes over it
//! ([`Readiness::take_connection`]), so a cold start opens one connection to the app, not two.

use core::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::config::{AdapterConfig, ReadinessProtocol};
use super::response::{parse_head, Framing, MAX_APP_HEADERS};
use crate::Error;

/// Time between two checks.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// How long init waits for the app under `AWS_LWA_ASYNC_INIT` before taking invocations
/// anyway (Lambda gives init 10 s), as in the Lambda Web Adapter.
pub const ASYNC_INIT_WAIT: Duration = Duration::from_millis(9800);

/// Bound on one check's connection, write and read.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// The longest readiness body read to keep the connection: a longer one closes it instead.
const KEEP_BODY_LIMIT: u64 = 64 * 1024;

/// The body bytes a kept connection may have carried in the head's buffer.
fn head_body_limit(framing: Framing) -> u64 {
    match framing {
        Framing::Length(n) => n,
        _ => 0,
    }
}

/// The outcome of one check that did not find the app ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReady {
    /// No check ran yet.
    Unchecked,
    /// The connection could not be opened.
    Connect(std::io::ErrorKind),
    /// The app answered with a status that is not a healthy one.
    Status(u16),
    /// The app answered something that is not an HTTP response head, or nothing.
    NoAnswer,
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotReady::Unchecked => f.write_str("not checked yet"),
            NotReady::Connect(kind) => write!(f, "connection failed: {kind}"),
            NotReady::Status(s) => write!(f, "status {s} is not a healthy one"),
            NotReady::NoAnswer => f.write_str("no HTTP answer"),
        }
    }
}

/// The readiness state shared by the workers: whether the app was found ready, and how.
#[derive(Debug)]
pub struct Readiness {
    addr: SocketAddr,
    /// `GET <path> HTTP/1.1` with `Host` (a keep-alive request).
    request: Vec<u8>,
    protocol: ReadinessProtocol,
    healthy: super::config::StatusSet,
    ready: AtomicBool,
    /// The connection of the check that found the app ready, if the app keeps it open.
    kept: Mutex<Option<TcpStream>>,
}

impl Readiness {
    /// The checks `config` asks for (the host is resolved now).
    pub fn new(config: &AdapterConfig) -> std::io::Result<Readiness> {
        let addr = (config.host.as_str(), config.readiness_check_port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address"))?;
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: lambda-zero-adapter\r\n\r\n",
            config.readiness_check_path, config.host, config.readiness_check_port
        )
        .into_bytes();
        Ok(Readiness {
            addr,
            request,
            protocol: config.readiness_check_protocol,
            healthy: config.readiness_check_healthy_status,
            ready: AtomicBool::new(false),
            kept: Mutex::new(None),
        })
    }

    /// The connection left open by the check that found the app ready (at most once): the
    /// app's keep-alive connection for the first requests.
    /// Its read and write timeouts are [`CHECK_TIMEOUT`].
    pub fn take_connection(&self) -> Option<TcpStream> {
        self.kept.lock().ok()?.take()
    }

    /// Whether the app was found ready.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// One check. A healthy HTTP check whose connection the app keeps open leaves it for
    /// [`Readiness::take_connection`].
    pub fn check(&self) -> Result<(), NotReady> {
        let mut conn = TcpStream::connect_timeout(&self.addr, CHECK_TIMEOUT)
            .map_err(|e| NotReady::Connect(e.kind()))?;
        if self.protocol == ReadinessProtocol::Tcp {
            return Ok(());
        }
        let _ = conn.set_read_timeout(Some(CHECK_TIMEOUT));
        let _ = conn.set_write_timeout(Some(CHECK_TIMEOUT));
        conn.write_all(&self.request)
            .map_err(|e| NotReady::Connect(e.kind()))?;
        let mut buf = [0u8; 4096];
        let mut filled = 0;
        loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_APP_HEADERS];
            match parse_head(&buf[..filled], &mut headers, false) {
                Ok(Some(head)) if head.is_interim() => {
                    // An interim answer: wait for the final one (rare for a GET).
                    return Err(NotReady::NoAnswer);
                }
                Ok(Some(head)) => {
                    if !self.healthy.contains(head.status) {
                        return Err(NotReady::Status(head.status));
                    }
                    let body = (filled - head.len) as u64;
                    let whole = match head.framing {
                        Framing::Empty => true,
                        Framing::Length(n) => {
                            n == body || self.drain(&mut conn, n.saturating_sub(body))
                        }
                        Framing::Chunked | Framing::UntilClose => false,
                    };
                    if head.keep_alive && whole && body <= head_body_limit(head.framing) {
                        let _ = conn.set_nodelay(true);
                        if let Ok(mut kept) = self.kept.lock() {
                            *kept = Some(conn);
                        }
                    }
                    return Ok(());
                }
                // The status line is what counts; a head longer than the buffer, or one that
                // is not HTTP, is no answer.
                Err(_) => return Err(NotReady::NoAnswer),
                Ok(None) if filled == buf.len() => return Err(NotReady::NoAnswer),
                Ok(None) => {}
            }
            match conn.read(&mut buf[filled..]) {
                Ok(0) | Err(_) => return Err(NotReady::NoAnswer),
                Ok(n) => filled += n,
            }
        }
    }

    /// Reads and drops `left` more body bytes (at most [`KEEP_BODY_LIMIT`], within
    /// [`CHECK_TIMEOUT`] in all): whether the whole body was read, so the connection can carry
    /// the next request. An app that trickles its body gives up its connection, not the check.
    fn drain(&self, conn: &mut TcpStream, mut left: u64) -> bool {
        if left > KEEP_BODY_LIMIT {
            return false;
        }
        let until = Instant::now() + CHECK_TIMEOUT;
        let mut sink = [0u8; 1024];
        while left > 0 {
            let Some(time) = until
                .checked_duration_since(Instant::now())
                .filter(|t| !t.is_zero())
            else {
                return false;
            };
            if conn.set_read_timeout(Some(time)).is_err() {
                return false;
            }
            let want = (left as usize).min(sink.len());
            match conn.read(&mut sink[..want]) {
                Ok(0) | Err(_) => return false,
                Ok(n) => left -= n as u64,
            }
        }
        // The bound the connection is handed on with (see `take_connection`).
        conn.set_read_timeout(Some(CHECK_TIMEOUT)).is_ok()
    }

    /// Checks every [`POLL_INTERVAL`] until the app is ready (`Ok(true)`), `until` passes
    /// (`Ok(false)`), or `gone` says the app cannot become ready (its message is the error).
    /// `progress` is called with the time waited and the last outcome at 1 s, 2 s, 4 s...
    pub fn wait(
        &self,
        until: Option<Instant>,
        mut gone: impl FnMut() -> Option<String>,
        mut progress: impl FnMut(Duration, NotReady),
    ) -> Result<bool, (String, NotReady)> {
        let start = Instant::now();
        let mut next_report = Duration::from_secs(1);
        loop {
            if self.is_ready() {
                return Ok(true);
            }
            let last = match self.check() {
                Ok(()) => {
                    self.ready.store(true, Ordering::Relaxed);
                    return Ok(true);
                }
                Err(e) => e,
            };
            if let Some(why) = gone() {
                return Err((why, last));
            }
            let waited = start.elapsed();
            if waited >= next_report {
                progress(waited, last);
                next_report *= 2;
            }
            let now = Instant::now();
            if until.is_some_and(|u| now + POLL_INTERVAL > u) {
                return Ok(false);
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// At an invocation: nothing when the app was found ready (one atomic load); otherwise
    /// (under async init) it is waited for until `deadline`, and not being ready by then is
    /// the invocation's error.
    pub fn wait_at_invocation(&self, deadline: Option<Instant>) -> Result<(), Error> {
        if self.is_ready() {
            return Ok(());
        }
        match self.wait(deadline, || None, |_, _| {}) {
            Ok(true) => Ok(()),
            Ok(false) => {
                let last = self.check().err().unwrap_or(NotReady::Unchecked);
                Err(Error::function(
                    "AppNotReady",
                    format_args!(
                        "the app at {} was not ready before the invocation's deadline ({last})",
                        self.addr
                    ),
                ))
            }
            Err((why, _)) => Err(Error::function("AppNotReady", why)),
        }
    }

    /// The address checked.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A check against an app that answers `head` then sends `body` one byte every `gap`.
    fn check_against(
        head: &'static [u8],
        body: &'static [u8],
        gap: Duration,
    ) -> (Readiness, Result<(), NotReady>, Duration) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(head);
            for b in body {
                std::thread::sleep(gap);
                if conn.write_all(&[*b]).is_err() {
                    return;
                }
            }
            std::thread::sleep(Duration::from_secs(5));
        });
        let port = port.to_string();
        let config =
            AdapterConfig::from_lookup(|name| (name == "AWS_LWA_PORT").then(|| port.clone()))
                .unwrap();
        let readiness = Readiness::new(&config).unwrap();
        let started = Instant::now();
        let outcome = readiness.check();
        (readiness, outcome, started.elapsed())
    }

    #[test]
    fn a_whole_keep_alive_answer_leaves_its_connection() {
        let (readiness, outcome, _) = check_against(
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n",
            b"okay",
            Duration::from_millis(1),
        );
        assert_eq!(outcome, Ok(()));
        assert!(readiness.take_connection().is_some());
        assert!(readiness.take_connection().is_none(), "taken once");
    }

    #[test]
    fn a_trickled_body_ends_the_wait_within_the_check_timeout_and_keeps_no_connection() {
        let (readiness, outcome, took) = check_against(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
            &[b'x'; 1000],
            Duration::from_millis(100),
        );
        assert_eq!(outcome, Ok(()), "the status was healthy");
        assert!(
            took < CHECK_TIMEOUT + Duration::from_millis(500),
            "{took:?}"
        );
        assert!(readiness.take_connection().is_none());
    }
}
