//! Reporting a panic to Lambda when the binary is built with `panic = "abort"`.
//!
//! With unwinding, [`crate::runtime`] catches a handler panic and posts it as the invocation's
//! error like any other. With `panic = "abort"` (the size-optimised release profile) nothing can
//! be caught: the process ends inside the panic. So a panic hook, installed at start-up, posts
//! the error itself, on a fresh blocking connection, before the process aborts. It needs to know
//! which invocation is running: [`crate::current`] records its ids in a thread-local before each
//! handler call (each worker of a concurrent runtime has its own, and the hook runs on the
//! panicking thread). In unwinding builds nothing is posted from here; the hook is installed
//! all the same, to write the panic message as a JSON line in JSON log mode
//! ([`crate::log::panic`]).
//!
//! With several workers (Lambda Managed Instances) an abort would also end every other worker's
//! invocation in flight. So, in `panic = "abort"` builds with more than one worker, the hook
//! drains before it returns: the other workers answer the invocation they hold, send no
//! further `GET /next` and stop; the hook waits until none is busy, and only then lets the
//! process abort. An event Lambda hands an idle
//! worker's open poll during the drain is answered too; one handed over in the instant of the
//! abort itself is lost, as with any process exit.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::{self, PanicHookInfo};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use crate::current::{self, Current, Phase};
use crate::error::{Error, ErrorKind};
use crate::log;
use crate::proto::request::{self, Writer};
use crate::proto::Endpoint;

const ABORTS: bool = cfg!(panic = "abort");
const MAX_ID: usize = 256;

struct Target {
    endpoint: Endpoint,
    addrs: Vec<SocketAddr>,
}

static TARGET: OnceLock<Target> = OnceLock::new();

/// Installs the hook, once per process. In `panic = "abort"` builds it posts the panic; with
/// JSON log lines (`AWS_LAMBDA_LOG_FORMAT=JSON`, see [`crate::log`], checked when the panic
/// happens) it writes the panic message as a JSON `ERROR` line in place of the standard text
/// one, which otherwise the previous hook writes as before. A hook set before the runtime
/// starts is replaced in JSON mode: set yours in the handler's init.
pub(crate) fn install(endpoint: &Endpoint, addrs: &[SocketAddr]) {
    let target = Target {
        endpoint: endpoint.clone(),
        addrs: addrs.to_vec(),
    };
    if TARGET.set(target).is_err() {
        return;
    }
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if log::is_json() {
            log::panic(info);
        } else {
            previous(info);
        }
        if ABORTS {
            report(info);
            drain();
        }
    }));
}

/// Workers are watched for a drain ([`watch_workers`] was called).
static WATCHING: AtomicBool = AtomicBool::new(false);
/// A panic hook is draining: workers answer what they hold, then stop.
static DRAINING: AtomicBool = AtomicBool::new(false);
/// Workers between taking an event and the acknowledgement of its answer.
static BUSY: AtomicUsize = AtomicUsize::new(0);

/// Makes a panic drain the other workers before the process aborts: called, in
/// `panic = "abort"` builds, before several workers start.
pub(crate) fn watch_workers() {
    if ABORTS {
        WATCHING.store(true, Ordering::SeqCst);
    }
}

/// Whether workers are watched: [`worker_busy`] and [`worker_idle`] are then called around each
/// event.
#[inline]
pub(crate) fn watching() -> bool {
    ABORTS && WATCHING.load(Ordering::Relaxed)
}

/// Whether a drain has begun: an answer then goes out without a pipelined `GET /next`.
#[inline]
pub(crate) fn draining() -> bool {
    watching() && DRAINING.load(Ordering::SeqCst)
}

/// This worker took an event.
#[inline(never)]
pub(crate) fn worker_busy() {
    BUSY.fetch_add(1, Ordering::SeqCst);
}

/// This worker's answer is acknowledged; `polling`: a `GET /next` is outstanding. During a
/// drain a worker with no poll outstanding stops here for good (the process is about to
/// abort); one with a poll answers the event that may still come on it first.
#[inline(never)]
pub(crate) fn worker_idle(polling: bool) {
    BUSY.fetch_sub(1, Ordering::SeqCst);
    if !polling && DRAINING.load(Ordering::SeqCst) {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

/// In the panic hook, after the panic is posted: waits until no other worker is busy.
fn drain() {
    if !watching() {
        return;
    }
    DRAINING.store(true, Ordering::SeqCst);
    // A worker panicking in a handler call: its invocation is answered (the hook posted its
    // error), so it no longer counts as busy.
    if current::with(|cur| cur.phase == Phase::Invoke) == Some(true) {
        BUSY.fetch_sub(1, Ordering::SeqCst);
    }
    // A worker's handler that never returns holds the process as it would have without the
    // panic, until Lambda's timeout for that invocation ends the environment.
    while BUSY.load(Ordering::SeqCst) > 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Posts the panic as the running invocation's error (or as the init error).
fn report(info: &PanicHookInfo<'_>) {
    let Some(target) = TARGET.get() else { return };
    current::with(|cur| post(target, cur, info));
}

/// Posts the panic described by `info` for the invocation (or initialisation) in `cur`.
fn post(target: &Target, cur: &Current, info: &PanicHookInfo<'_>) {
    let message = info.payload_as_str().unwrap_or("(non-string payload)");
    let location = info
        .location()
        .map(|l| (l.file(), l.line()))
        .unwrap_or(("?", 0));
    let (kind, name) = match cur.phase {
        Phase::Idle => return,
        Phase::Init => (ErrorKind::Function, "InitPanic"),
        Phase::Invoke => (ErrorKind::Function, "Panic"),
    };
    let error = Error::new(
        kind,
        name,
        format_args!(
            "handler panicked at {}:{}: {message}",
            location.0, location.1
        ),
    );
    let mut head = vec![0u8; 3 * MAX_ID + 2048];
    let mut body = vec![0u8; 8192];
    let mut hw = Writer::new(&mut head);
    let mut bw = Writer::new(&mut body);
    if request::write_error_body(&mut bw, error.error_type(), error.message()).is_err() {
        return;
    }
    let wrote = match cur.request_id() {
        None => {
            request::write_init_error_head(&mut hw, &target.endpoint, error.error_type(), bw.len())
        }
        Some(request_id) => {
            let inv = cur.invocation_id();
            request::write_error_head(
                &mut hw,
                &target.endpoint,
                request_id,
                (!inv.is_empty()).then_some(inv),
                error.error_type(),
                bw.len(),
            )
        }
    };
    if wrote.is_err() {
        return;
    }
    for addr in &target.addrs {
        let Ok(mut stream) = TcpStream::connect_timeout(addr, Duration::from_secs(1)) else {
            continue;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
        if stream
            .write_all(hw.written())
            .and_then(|()| stream.write_all(bw.written()))
            .is_ok()
        {
            // Wait for the acknowledgement so the error is in before the process dies.
            let mut ack = [0u8; 512];
            let _ = stream.read(&mut ack);
            return;
        }
    }
}
