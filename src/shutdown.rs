//! Graceful shutdown (feature `graceful-shutdown`): a hook that runs when Lambda shuts the
//! execution environment down.
//!
//! Lambda sends the runtime `SIGTERM` before a shutdown only when an extension is registered,
//! so the runtime registers an internal one during init ([`crate::proto::extension`]) and sends
//! its `event/next` long poll, which tells Lambda the extension is ready; no event ever comes
//! (it registered for none), so the connection is just kept open, with no thread on it. One
//! thread, `lambda-zero-sigterm`, does the registering while the main thread connects and
//! initialises the function (which waits for it before its first `/next`, as Lambda takes
//! registrations only during init), then waits on a self-pipe that `signal-hook` writes to when
//! `SIGTERM` arrives, runs the hook, and exits the process (status 0; 1 if the hook panicked).
//! Lambda gives the runtime 500 ms, then sends `SIGKILL`.
//!
//! Under SnapStart the extension's connection is open when Lambda takes the snapshot, so it is
//! stale in every restored environment: [`reconnect_after_restore`], called by the runtime right
//! after the restore, closes it and sends the `event/next` poll again on a new connection, with
//! the identifier the registration gave.
//!
//! Nothing here is fatal: without the Extensions API (some local emulators) the runtime logs a
//! warning and serves as before; a `SIGTERM` from elsewhere still runs the hook. A warm
//! invocation is untouched: no allocation, no system call, no lock.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::ops::Range;
use std::os::unix::net::UnixStream;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::log;
use crate::proto::body::Reader;
use crate::proto::extension::{self, EXTENSION_NAME};
use crate::proto::request::Writer;
use crate::proto::response::Head;
use crate::proto::{Endpoint, ProtoError};

/// How long connecting and registering may take, all told (the Runtime API is local and
/// answers at once).
const REGISTER_TIMEOUT: Duration = Duration::from_secs(2);

/// Room for a request head or an Extensions API answer (the register answer is a small JSON).
const BUF: usize = 4096;

/// How long connecting again after a SnapStart restore may take (the restore has 10 s in all).
const RECONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The function's shutdown hook ([`crate::Runtime::on_shutdown`]), with the three entry points
/// of this module that the runtime calls through it. The runtime reaches [`install`],
/// [`wait_until_registered`] and [`reconnect_after_restore`] only through these pointers, which only [`ShutdownHook::new`]
/// (called by `on_shutdown`) takes: a function that never sets a hook links none of this
/// module, even with the feature on.
#[derive(Clone)]
pub(crate) struct ShutdownHook {
    hook: Arc<dyn Fn() + Send + Sync>,
    /// [`install`].
    pub(crate) install: fn(&Endpoint, &[SocketAddr], ShutdownHook),
    /// [`wait_until_registered`].
    pub(crate) wait_until_registered: fn(),
    /// [`reconnect_after_restore`].
    pub(crate) reconnect_after_restore: fn(),
}

impl ShutdownHook {
    /// A hook to run on `SIGTERM`.
    pub(crate) fn new(hook: impl Fn() + Send + Sync + 'static) -> ShutdownHook {
        ShutdownHook {
            hook: Arc::new(hook),
            install,
            wait_until_registered,
            reconnect_after_restore,
        }
    }
}

impl fmt::Debug for ShutdownHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShutdownHook")
    }
}

/// Whether [`install`] ran (once per process: one extension, one hook).
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Signalled by the shutdown thread once the extension is registered (or registering failed):
/// [`wait_until_registered`] takes it.
static REGISTERED: Mutex<Option<Receiver<()>>> = Mutex::new(None);

/// Installs the `SIGTERM` handler and starts the shutdown thread, which registers the internal
/// extension while the caller goes on connecting and initialising the function (see the module
/// docs); [`wait_until_registered`] must come before the runtime's first `/next`. A second call
/// in the same process (a second `run`) does nothing.
pub(crate) fn install(endpoint: &Endpoint, addrs: &[SocketAddr], hook: ShutdownHook) {
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return;
    }
    let (ready, registered) = mpsc::sync_channel(1);
    let (endpoint, addrs) = (endpoint.clone(), addrs.to_vec());
    let started = start(hook, move || {
        let registered = register(&endpoint, &addrs, REGISTER_TIMEOUT)
            .and_then(|(stream, identifier)| start_event_poll(stream, endpoint, addrs, identifier));
        if let Err(e) = registered {
            log::warn(format_args!(
                "graceful shutdown is off: registering the internal extension failed \
                 (Lambda sends SIGTERM only to functions with an extension): {e}"
            ));
        }
        let _ = ready.send(());
    });
    match started {
        Ok(()) => *lock_registered() = Some(registered),
        Err(e) => log::warn(format_args!(
            "graceful shutdown is off: cannot watch for SIGTERM: {e}"
        )),
    }
}

fn lock_registered() -> MutexGuard<'static, Option<Receiver<()>>> {
    REGISTERED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Waits until the shutdown thread has registered the extension (Lambda takes registrations
/// only before the runtime's first `/next`), at most a little longer than registering may
/// take. Returns at once without [`install`] or after the first call.
pub(crate) fn wait_until_registered() {
    if let Some(registered) = lock_registered().take() {
        let _ = registered.recv_timeout(REGISTER_TIMEOUT + Duration::from_millis(500));
    }
}

/// Installs the `SIGTERM` handler (a write to a self-pipe) and the shutdown thread: it runs
/// `first` (the registration), then waits for the signal, runs the hook and exits.
fn start(hook: ShutdownHook, first: impl FnOnce() + Send + 'static) -> io::Result<()> {
    let (mut wake, notify) = UnixStream::pair()?;
    signal_hook::low_level::pipe::register(signal_hook::consts::SIGTERM, notify)?;
    std::thread::Builder::new()
        .name("lambda-zero-sigterm".into())
        .spawn(move || {
            first();
            let mut byte = [0u8; 1];
            loop {
                match wake.read(&mut byte) {
                    Ok(1..) => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // The write end lives in the signal handler for good: not reached.
                    _ => return,
                }
            }
            log::warn(format_args!("SIGTERM: running the shutdown hook"));
            let ran = panic::catch_unwind(AssertUnwindSafe(|| (hook.hook)()));
            let _ = io::stdout().flush();
            std::process::exit(if ran.is_ok() { 0 } else { 1 })
        })
        .map(drop)
}

/// Why registering failed.
fn failure(what: impl fmt::Display) -> io::Error {
    io::Error::other(what.to_string())
}

/// The time left until `deadline`; `TimedOut` once it has passed.
fn left(deadline: Instant) -> io::Result<Duration> {
    match deadline.checked_duration_since(Instant::now()) {
        Some(left) if !left.is_zero() => Ok(left),
        _ => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the Extensions API did not answer in time",
        )),
    }
}

/// Registers the internal extension, all of it within `within` (a server that trickles its
/// answer cannot hold the shutdown thread, which must go on to wait for `SIGTERM`): its
/// connection and the identifier Lambda gave it.
fn register(
    endpoint: &Endpoint,
    addrs: &[SocketAddr],
    within: Duration,
) -> io::Result<(TcpStream, Vec<u8>)> {
    let deadline = Instant::now() + within;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
    for addr in addrs {
        match TcpStream::connect_timeout(addr, left(deadline)?) {
            Ok(stream) => return register_on(stream, endpoint, deadline),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn register_on(
    mut stream: TcpStream,
    endpoint: &Endpoint,
    deadline: Instant,
) -> io::Result<(TcpStream, Vec<u8>)> {
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; BUF];
    let mut w = Writer::new(&mut buf);
    extension::write_register(&mut w, endpoint, EXTENSION_NAME)
        .map_err(|_| failure("the register request does not fit"))?;
    let n = w.len();
    stream.write_all(&buf[..n])?;
    let (head, body) = read_answer(&mut stream, &mut buf, deadline)?;
    match extension::registered_identifier(&buf, &head) {
        Ok(Some(identifier)) => {
            let identifier = identifier.to_vec();
            stream.set_read_timeout(None)?;
            Ok((stream, identifier))
        }
        Ok(None) => Err(failure(format_args!(
            "the Extensions API answered {}: {}",
            head.status,
            String::from_utf8_lossy(&buf[body]).trim()
        ))),
        Err(e) => Err(failure(e)),
    }
}

/// Reads one whole answer into `buf` by `deadline`: its head (at the start of `buf`) and where
/// its body lies.
fn read_answer(
    stream: &mut TcpStream,
    buf: &mut [u8],
    deadline: Instant,
) -> io::Result<(Head, Range<usize>)> {
    let mut reader = Reader::new(BUF as u64, false);
    let mut filled = 0;
    let mut eof = false;
    loop {
        if let Some(message) = reader.advance(buf, &mut filled, eof).map_err(failure)? {
            return Ok((message.head, message.body));
        }
        if eof {
            return Err(failure(ProtoError::Truncated));
        }
        stream.set_read_timeout(Some(left(deadline)?))?;
        match stream.read(&mut buf[filled..]) {
            Ok(0) => eof = true,
            Ok(n) => filled += n,
            // The socket's timeout ran out (`EAGAIN`): `left` says whether the deadline has.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
    }
}

/// The registered extension: its connection, with the `event/next` long poll sent and never
/// read, kept open for the life of the process (Lambda answers nothing to an extension
/// registered for no events), and what it takes to send that poll again after a restore.
struct Extension {
    stream: TcpStream,
    endpoint: Endpoint,
    addrs: Vec<SocketAddr>,
    identifier: Vec<u8>,
}

/// Set once the extension is registered and polling.
static EXTENSION: Mutex<Option<Extension>> = Mutex::new(None);

fn lock_extension() -> MutexGuard<'static, Option<Extension>> {
    EXTENSION.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends the extension's `event/next` (which tells Lambda the extension is ready) and keeps the
/// connection open without a thread to read it: no answer is expected.
fn start_event_poll(
    mut stream: TcpStream,
    endpoint: Endpoint,
    addrs: Vec<SocketAddr>,
    identifier: Vec<u8>,
) -> io::Result<()> {
    send_event_poll(&mut stream, &endpoint, &identifier)?;
    *lock_extension() = Some(Extension {
        stream,
        endpoint,
        addrs,
        identifier,
    });
    Ok(())
}

fn send_event_poll(
    stream: &mut TcpStream,
    endpoint: &Endpoint,
    identifier: &[u8],
) -> io::Result<()> {
    let mut buf = [0u8; BUF];
    let mut w = Writer::new(&mut buf);
    extension::write_event_next(&mut w, endpoint, identifier)
        .map_err(|_| failure("the event request does not fit"))?;
    let n = w.len();
    stream.write_all(&buf[..n])
}

/// After a SnapStart restore: closes the extension's connection, open at the snapshot and so
/// stale, and sends its `event/next` poll again on a new one (within [`RECONNECT_TIMEOUT`]).
/// Does nothing when no extension was registered. A failure is logged: the function goes on
/// serving, as when registering fails.
pub(crate) fn reconnect_after_restore() {
    let mut extension = lock_extension();
    let Some(extension) = extension.as_mut() else {
        return;
    };
    let _ = extension.stream.shutdown(Shutdown::Both);
    let deadline = Instant::now() + RECONNECT_TIMEOUT;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
    for addr in &extension.addrs {
        let polling = left(deadline)
            .and_then(|left| TcpStream::connect_timeout(addr, left))
            .and_then(|mut stream| {
                let _ = stream.set_nodelay(true);
                send_event_poll(&mut stream, &extension.endpoint, &extension.identifier)?;
                Ok(stream)
            });
        match polling {
            Ok(stream) => {
                extension.stream = stream;
                return;
            }
            Err(e) => last = e,
        }
    }
    log::warn(format_args!(
        "graceful shutdown may be off after the restore: the internal extension could not poll \
         the Extensions API again: {last}"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A server that takes one connection, reads the request, then answers with `answer`, one
    /// byte every `pace`, until the client goes away (an empty `answer`: silence for `pace`).
    fn slow_server(
        answer: &'static [u8],
        pace: Duration,
    ) -> (SocketAddr, std::thread::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = conn.read(&mut request);
            if answer.is_empty() {
                std::thread::sleep(pace);
                return;
            }
            for byte in answer.iter().cycle() {
                std::thread::sleep(pace);
                if conn.write_all(std::slice::from_ref(byte)).is_err() {
                    return;
                }
            }
        });
        (addr, server)
    }

    fn endpoint(addr: SocketAddr) -> Endpoint {
        Endpoint {
            host: addr.to_string(),
            path_prefix: String::new(),
        }
    }

    #[test]
    fn a_trickled_or_missing_answer_fails_the_registration_by_its_deadline() {
        // One byte every 20 ms would keep a per-read timeout happy for ever; silence too.
        let cases: [(&[u8], Duration); 2] = [
            (
                b"HTTP/1.1 200 OK\r\nX-Pad: aaaaaaaa",
                Duration::from_millis(20),
            ),
            (b"", Duration::from_secs(1)),
        ];
        for (answer, pace) in cases {
            let (addr, server) = slow_server(answer, pace);
            let started = Instant::now();
            let result = register(&endpoint(addr), &[addr], Duration::from_millis(300));
            let took = started.elapsed();
            let err = result.expect_err("no registration");
            assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
            assert!(took < Duration::from_millis(900), "gave up after {took:?}");
            server.join().unwrap();
        }
    }

    #[test]
    fn a_registration_answer_gives_the_identifier() {
        let answer =
            b"HTTP/1.1 200 OK\r\nLambda-Extension-Identifier: id-7\r\nContent-Length: 2\r\n\r\n{}";
        let (addr, _server) = slow_server(answer, Duration::ZERO);
        let (_, identifier) = register(&endpoint(addr), &[addr], Duration::from_secs(2)).unwrap();
        assert_eq!(identifier, b"id-7");
    }
}
