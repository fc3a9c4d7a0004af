//! The invocation loop: joins the transport, the sans-IO protocol and the handler.
//!
//! The loop is generic over [`Io`] (connect, vectored write, read, sleep), so it runs the same
//! over the mio socket in [`crate::transport`] and over a scripted peer in tests and fuzzing.
//!
//! Memory: every buffer is allocated once, before the first request. The receive buffer holds a
//! whole `/next` response of the largest size Lambda allows; it is zero-filled by the allocator
//! (`calloc`, fresh pages from the OS), so reserving 6 MiB costs no resident memory until an
//! event actually uses it. Acknowledgements are read into a separate small buffer, so the event
//! (which the response may borrow) stays intact until its response is acknowledged — and can be
//! sent again on a new connection if the first one drops.

use core::fmt;
use std::io::{self, IoSlice};
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use crate::context::{Config, Context};
use crate::error::RuntimeError;
use crate::error::{Error, ErrorKind};
use crate::handler::Handler;
use crate::log;
use crate::proto::body::{Message, Reader};
use crate::proto::request::{self, Writer};
use crate::proto::response::{parse_decimal, parse_head, salvage_lambda_headers, Head, Span};
use crate::proto::{Endpoint, ProtoError, MAX_EVENT_BODY, MAX_HEAD};

use super::{Dispatch, Io};

/// Room for a whole `/next` response: the largest head, the largest body, and slack for chunk
/// framing that has been read but not yet squeezed out.
pub(crate) const RECV_CAPACITY: usize = MAX_HEAD + MAX_EVENT_BODY + 64 * 1024;
/// Acknowledgements are small; their bodies are dropped as they arrive.
const ACK_CAPACITY: usize = 16 * 1024;
/// Largest acknowledgement body accepted (Lambda's is `{"status":"OK"}`): a server that
/// declares more gets its connection closed instead of being waited for.
const ACK_BODY_LIMIT: u64 = 64 * 1024;
/// A request head: the request id may be percent-encoded (3 bytes per byte) and is at most a
/// whole head long.
const HEAD_CAPACITY: usize = 3 * MAX_HEAD + 1024;
/// An error document: the message escaped (at most 6 bytes per byte) plus the fixed parts.
const ERROR_BODY_CAPACITY: usize = 6 * crate::error::MAX_ERROR_MESSAGE + 512;

/// Connection attempts in a row before the runtime gives up.
const CONNECT_ATTEMPTS: u32 = 10;
/// Times one response is sent again after the connection dropped under it.
const POST_ATTEMPTS: u32 = 5;
/// Longest pause between retries.
const MAX_BACKOFF: Duration = Duration::from_millis(500);
/// A `/next` held at least this long before a `408` was an idle poll that the server ended (local
/// emulators do after a few seconds), not a refusal.
const IDLE_POLL_HELD: Duration = Duration::from_millis(50);
/// How long an acknowledgement may keep the runtime waiting without a byte arriving before the
/// connection is taken for lost (Lambda acknowledges at once).
pub(crate) const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of one runtime loop.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub endpoint: Endpoint,
    pub pipelining: bool,
    pub max_invocations: Option<u64>,
    /// See [`ACK_TIMEOUT`]; `None`: no limit.
    pub ack_timeout: Option<Duration>,
    /// Workers of [`crate::Runtime::run_with_init`], when set; else the configuration's
    /// `max_concurrency`.
    pub workers: Option<u32>,
    /// Set `_X_AMZN_TRACE_ID` for each invocation ([`crate::Runtime::trace_id_env`]).
    pub trace_id_env: bool,
    pub config: Config,
}

/// Buffers reused for the life of the process.
pub(super) struct Buffers {
    /// `GET /next`, written once.
    next: Vec<u8>,
    /// Request heads, error documents and acknowledgements ([`Scratch`]), in one zeroed
    /// allocation large enough to come straight from the OS as untouched pages: no `memset` and
    /// no page fault at start-up, where three small ones would be cleared by the allocator.
    pub(super) scratch: Box<[u8]>,
}

/// Size of [`Buffers::scratch`]: the three parts, rounded up past glibc's `mmap` threshold
/// (128 KiB); the acknowledgement part gets what is left over.
const SCRATCH_CAPACITY: usize = {
    let parts = HEAD_CAPACITY + ERROR_BODY_CAPACITY + ACK_CAPACITY;
    if parts > 256 * 1024 {
        parts
    } else {
        256 * 1024
    }
};

/// The parts of [`Buffers::scratch`].
pub(super) struct Scratch<'b> {
    /// Request heads.
    pub(super) head: &'b mut [u8],
    /// Error documents.
    pub(super) error_body: &'b mut [u8],
    /// Acknowledgements (and whatever arrives right after them).
    pub(super) ack: &'b mut [u8],
}

pub(super) fn split(scratch: &mut [u8]) -> Scratch<'_> {
    let (head, rest) = scratch.split_at_mut(HEAD_CAPACITY);
    let (error_body, ack) = rest.split_at_mut(ERROR_BODY_CAPACITY);
    Scratch {
        head,
        error_body,
        ack,
    }
}

/// The receive side of `/next`: buffer, fill level, reader.
pub struct Recv {
    pub(super) buf: Box<[u8]>,
    pub(super) filled: usize,
    pub(super) reader: Reader,
}

impl Recv {
    pub(crate) fn new() -> Recv {
        Recv {
            buf: vec![0u8; RECV_CAPACITY].into_boxed_slice(),
            filled: 0,
            reader: Reader::new(MAX_EVENT_BODY as u64, false),
        }
    }
}

/// What the handler produced for one invocation.
pub(super) enum Reply<'a> {
    Response(&'a [u8]),
    Failure(Error),
}

/// How reading one response ended without a message.
pub(super) enum ReadError {
    /// The connection failed or closed early: reconnect and ask again.
    Connection(io::Error),
    /// The bytes are not a valid response: the connection is unusable.
    Protocol(ProtoError),
}

/// One runtime: settings, buffers, the connection and its state.
pub struct Session<I: Io> {
    pub(super) io: I,
    pub(super) settings: Settings,
    pub(super) bufs: Buffers,
    pub(super) connected: bool,
    /// Consecutive failed `/next` polls (for the backoff).
    next_failures: u32,
    /// A `408` answer to `/next` (an idle poll timed out, as local emulators do) was logged at
    /// warning level; later ones are logged at debug level.
    told_idle: bool,
    /// When the last `GET /next` was sent on its own (not pipelined): how long a poll answered
    /// `408` was held.
    poll_sent: Option<Instant>,
}

impl<I: Io> Session<I> {
    pub(crate) fn new(io: I, settings: Settings) -> Session<I> {
        let mut next =
            vec![0u8; 1024 + settings.endpoint.host.len() + settings.endpoint.path_prefix.len()];
        let mut w = Writer::new(&mut next);
        let len = match request::write_next(&mut w, &settings.endpoint) {
            Ok(()) => w.len(),
            Err(request::Full) => 0, // cannot happen: sized above for the longest head
        };
        next.truncate(len);
        crate::log::set_format(&settings.config.log_format);
        crate::log::set_level(&settings.config.log_level);
        Session {
            io,
            settings,
            bufs: Buffers {
                next,
                scratch: vec![0u8; SCRATCH_CAPACITY].into_boxed_slice(),
            },
            connected: false,
            next_failures: 0,
            told_idle: false,
            poll_sent: None,
        }
    }

    /// Connects if there is no connection, retrying with a growing pause.
    pub(crate) fn ensure_connected(&mut self) -> Result<(), RuntimeError> {
        if self.connected {
            return Ok(());
        }
        connect_with_retry(
            &mut self.io,
            &mut self.connected,
            &self.settings.endpoint.host,
        )
    }

    pub(super) fn drop_connection(&mut self) {
        if self.connected {
            self.io.close();
            self.connected = false;
        }
    }

    /// Runs the loop until the invocation limit (if any) is reached or a fatal error.
    pub(crate) fn serve<K, D: Dispatch<K>>(
        &mut self,
        recv: &mut Recv,
        handler: &mut D,
    ) -> Result<(), RuntimeError> {
        let mut answered: u64 = 0;
        // A `GET /next` is outstanding on the current connection.
        let mut polling = false;
        loop {
            if self
                .settings
                .max_invocations
                .is_some_and(|max| answered >= max)
            {
                return Ok(());
            }
            if !polling {
                self.send_next(recv)?;
            }
            // Every path below consumes the answer to the outstanding `GET /next`.
            // Matched by reference: moving the message out of the result would copy it.
            let read = read_message(
                &mut self.io,
                &mut recv.buf,
                &mut recv.filled,
                &mut recv.reader,
                None,
            );
            let message = match &read {
                Ok(m) => m,
                Err(ReadError::Connection(e)) => {
                    log::warn(format_args!("connection to the Runtime API failed while waiting for an event ({e}); reconnecting"));
                    self.drop_connection();
                    polling = false;
                    // A server that keeps closing connections must not make this a busy loop.
                    self.backoff_next();
                    continue;
                }
                Err(ReadError::Protocol(e)) => {
                    polling = false;
                    self.drop_connection();
                    if self.answer_broken_event(recv, *e)? {
                        answered += 1;
                    } else {
                        self.backoff_next();
                    }
                    continue;
                }
            };
            polling = false;
            let head = &message.head;
            if !head.keep_alive {
                self.drop_connection();
            }
            if head.status != 200 {
                recv.filled = 0;
                if head.status == 500 {
                    return Err(RuntimeError::Fatal {
                        request: "GET /next",
                        status: 500,
                    });
                }
                if head.status != 408 {
                    log::warn(format_args!(
                        "GET /next answered {}; polling again",
                        head.status
                    ));
                } else if !self.told_idle {
                    self.told_idle = true;
                    log::warn(format_args!(
                        "GET /next answered 408: the Runtime API ended an idle poll, as local \
                         emulators do; polling again (further 408s are logged at debug level)"
                    ));
                } else {
                    crate::log::debug(format_args!("GET /next answered 408; polling again"));
                }
                if head.status == 408 && self.poll_was_held() {
                    // The server held the poll until its idle timeout: nothing failed, so
                    // poll again at once and the first event after a quiet spell is not held
                    // back. A 408 that comes at once backs off like any other refusal.
                    self.next_failures = 0;
                    continue;
                }
                self.backoff_next();
                continue;
            }
            self.next_failures = 0;
            if head.lambda.request_id.is_none() {
                log::error(format_args!(
                    "event without Lambda-Runtime-Aws-Request-Id: it cannot be answered; skipped"
                ));
                recv.filled = 0;
                continue;
            }
            if message.end != recv.filled {
                // Bytes nobody asked for follow the event: this connection cannot be trusted to
                // frame the acknowledgement.
                log::warn(format_args!(
                    "{} unexpected bytes after the event; reconnecting",
                    recv.filled - message.end
                ));
                self.drop_connection();
            }
            let last = self
                .settings
                .max_invocations
                .is_some_and(|max| answered + 1 >= max);
            let pipeline = self.settings.pipelining && !last;
            polling = handler.dispatch(self, recv, message, pipeline)?;
            answered += 1;
        }
    }

    /// Sends `GET /next`, reconnecting as needed.
    fn send_next(&mut self, recv: &mut Recv) -> Result<(), RuntimeError> {
        recv.filled = 0;
        recv.reader.reset();
        self.poll_sent = Some(Instant::now());
        let mut attempts = 0;
        loop {
            self.ensure_connected()?;
            match self.io.write_all(&mut [IoSlice::new(&self.bufs.next)]) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    self.drop_connection();
                    attempts += 1;
                    if attempts >= POST_ATTEMPTS {
                        return Err(RuntimeError::ConnectionLost(e));
                    }
                }
            }
        }
    }

    /// Whether the `/next` just answered was held by the server for [`IDLE_POLL_HELD`] or more
    /// (a pipelined poll, whose start is not timed, counts as held).
    fn poll_was_held(&mut self) -> bool {
        self.poll_sent
            .take()
            .is_none_or(|sent| sent.elapsed() >= IDLE_POLL_HELD)
    }

    /// Pauses before polling again after a failed `/next`: the first retry is immediate, then
    /// the pause doubles up to [`MAX_BACKOFF`]. Local emulators answer an idle poll with 408.
    fn backoff_next(&mut self) {
        self.next_failures = self.next_failures.saturating_add(1);
        if self.next_failures > 1 {
            let shift = (self.next_failures - 2).min(16);
            let delay = Duration::from_millis(1u64 << shift).min(MAX_BACKOFF);
            self.io.sleep(delay);
        }
    }

    /// A `/next` response that could not be read whole. If its head names a request id, that
    /// invocation is answered with an error (it must not be lost); returns whether it was.
    fn answer_broken_event(
        &mut self,
        recv: &mut Recv,
        error: ProtoError,
    ) -> Result<bool, RuntimeError> {
        let filled = recv.filled;
        recv.filled = 0;
        let bytes = &recv.buf[..filled.min(recv.buf.len())];
        // The head may be fine and only the body broken, or the head refused for its framing
        // or its header count: either way, a request id in it can still be answered.
        let lambda = match parse_head(bytes) {
            Ok(Some(head)) => Some((head.status, head.lambda)),
            _ => salvage_lambda_headers(bytes),
        };
        let Some((200, lambda)) = lambda else {
            log::warn(format_args!(
                "unreadable answer to GET /next ({error}); reconnecting"
            ));
            return Ok(false);
        };
        let Some(id) = lambda.request_id else {
            log::error(format_args!(
                "unreadable event without a request id ({error}); it cannot be answered"
            ));
            return Ok(false);
        };
        let (kind, name) = match error {
            ProtoError::BodyTooLarge(_) => (ErrorKind::Runtime, "EventTooLarge"),
            _ => (ErrorKind::Runtime, "InvalidEvent"),
        };
        let failure = Error::new(
            kind,
            name,
            format_args!("the event could not be read: {error}"),
        );
        log::error(format_args!("{failure}"));
        let request_id = id.get(&recv.buf);
        let invocation_id = lambda.invocation_id.map(|s| s.get(&recv.buf));
        self.post(request_id, invocation_id, &Reply::Failure(failure), false)?;
        Ok(true)
    }

    /// Runs the handler on one event and posts its answer. Returns whether a pipelined
    /// `GET /next` is now outstanding.
    pub(super) fn invoke<H: Handler>(
        &mut self,
        recv: &mut Recv,
        message: &Message,
        handler: &mut H,
        pipeline: bool,
    ) -> Result<bool, RuntimeError> {
        // Several workers, `panic = "abort"`: busy from here to the acknowledgement, so that a
        // panic elsewhere waits for this answer before the process aborts.
        let watched = crate::panic_report::watching();
        if watched {
            crate::panic_report::worker_busy();
        }
        let head = &message.head;
        let Received {
            head_bytes,
            event,
            request_id,
            invocation_id,
        } = Received::split(&mut recv.buf, message);
        let context = context_for(head, head_bytes, &self.settings.config);
        let reply = match context {
            Ok(ctx) => {
                if self.settings.trace_id_env {
                    set_trace_id_env(ctx.trace_id);
                }
                call(handler, event, &ctx)
            }
            Err(failure) => Reply::Failure(failure),
        };
        if let Reply::Failure(e) = &reply {
            log::error(format_args!(
                "invocation {} failed: {e}",
                request_id.escape_ascii()
            ));
        }
        let leftover = self.post(request_id, invocation_id, &reply, pipeline);
        if watched {
            crate::panic_report::worker_idle(leftover.as_ref().is_ok_and(|l| l.polling));
        }
        let leftover = leftover?;
        // Whatever arrived after the acknowledgement is the start of the next event.
        recv.filled = 0;
        recv.reader.reset();
        if let Some(range) = leftover.bytes {
            let n = range.len();
            recv.buf[..n].copy_from_slice(&split(&mut self.bufs.scratch).ack[range]);
            recv.filled = n;
        }
        Ok(leftover.polling)
    }

    /// Posts one answer (response or error) and reads its acknowledgement, sending it again on
    /// a new connection if the connection drops first. With `pipeline`, `GET /next` goes out in
    /// the same write.
    pub(super) fn post(
        &mut self,
        request_id: &[u8],
        invocation_id: Option<&[u8]>,
        reply: &Reply<'_>,
        pipeline: bool,
    ) -> Result<Posted, RuntimeError> {
        let Session {
            io,
            settings,
            bufs,
            connected,
            ..
        } = self;
        let ep = &settings.endpoint;
        let Scratch {
            head,
            error_body,
            ack,
        } = split(&mut bufs.scratch);
        let mut head = Writer::new(head);
        let mut error_body = Writer::new(error_body);
        let (body, what): (&[u8], &'static str) = match reply {
            Reply::Response(body) => {
                if request::write_response_head(
                    &mut head,
                    ep,
                    request_id,
                    invocation_id,
                    body.len(),
                )
                .is_err()
                {
                    // Only a request id longer than a whole head could do this; parsing rules it out.
                    log::error(format_args!("request id too long to answer"));
                    return Ok(Posted {
                        polling: false,
                        bytes: None,
                    });
                }
                (body, "POST /response")
            }
            Reply::Failure(e) => {
                let wrote = request::write_error_body(&mut error_body, e.error_type(), e.message())
                    .and_then(|()| {
                        request::write_error_head(
                            &mut head,
                            ep,
                            request_id,
                            invocation_id,
                            e.error_type(),
                            error_body.len(),
                        )
                    });
                if wrote.is_err() {
                    log::error(format_args!("request id too long to answer"));
                    return Ok(Posted {
                        polling: false,
                        bytes: None,
                    });
                }
                (error_body.written(), "POST /error")
            }
        };
        let head = head.written();
        // A panic's drain has begun: this answer is the worker's last, with no poll behind it.
        let pipeline = pipeline && !crate::panic_report::draining();
        let next: &[u8] = if pipeline { &bufs.next } else { &[] };
        let mut attempts = 0;
        loop {
            if !*connected {
                connect_with_retry(io, connected, &ep.host)?;
            }
            let mut slices = [IoSlice::new(head), IoSlice::new(body), IoSlice::new(next)];
            let result = io
                .write_all(&mut slices)
                .map_err(ReadError::Connection)
                .and_then(|()| read_ack(io, &mut *ack, settings.ack_timeout));
            match result {
                Ok(ack) => {
                    let keep = ack.keep_alive;
                    if !keep {
                        io.close();
                        *connected = false;
                    }
                    // A refusal that says "not processed" is sent again, when no pipelined
                    // GET waits behind it on this connection (re-posting there would wait
                    // behind a long poll; closing could lose the event the server hands it).
                    let get_waiting = pipeline && keep;
                    if is_retryable(ack.status) && attempts + 1 < POST_ATTEMPTS {
                        if !get_waiting {
                            log::warn(format_args!(
                                "{what} answered {}; sending it again",
                                ack.status
                            ));
                            attempts += 1;
                            io.sleep(Duration::from_millis(1 << attempts.min(8)));
                            continue;
                        }
                        log::error(format_args!(
                            "{what} answered {} with a GET /next pipelined behind it: not sent again \
                             (use Runtime::pipelining(false) with a server that refuses answers)",
                            ack.status
                        ));
                    }
                    check_ack(what, ack.status)?;
                    let polling = pipeline && keep;
                    let bytes = (polling && ack.end < ack.filled).then_some(ack.end..ack.filled);
                    return Ok(Posted { polling, bytes });
                }
                Err(ReadError::Protocol(e)) => {
                    // The server answered, but not in HTTP: it did get the request. Sending it
                    // again could answer the invocation twice.
                    log::warn(format_args!(
                        "unreadable answer to {what} ({e}); reconnecting"
                    ));
                    io.close();
                    *connected = false;
                    return Ok(Posted {
                        polling: false,
                        bytes: None,
                    });
                }
                Err(ReadError::Connection(e)) => {
                    io.close();
                    *connected = false;
                    attempts += 1;
                    if attempts >= POST_ATTEMPTS {
                        return Err(RuntimeError::ConnectionLost(e));
                    }
                    log::warn(format_args!(
                        "connection dropped during {what} ({e}); sending it again"
                    ));
                }
            }
        }
    }

    /// Reports a failed initialisation to `/runtime/init/error`.
    pub(crate) fn post_init_error(&mut self, failure: &Error) -> Result<(), RuntimeError> {
        self.post_phase_error(failure, request::write_init_error_head, "POST /init/error")
    }

    /// Reports a failed restore (SnapStart: an after-restore hook failed) to
    /// `/runtime/restore/error`.
    pub(super) fn post_restore_error(&mut self, failure: &Error) -> Result<(), RuntimeError> {
        self.post_phase_error(
            failure,
            request::write_restore_error_head,
            "POST /restore/error",
        )
    }

    /// Posts an error outside any invocation (init or restore): the head from `write_head`,
    /// the error document as body, sent again on a new connection if it drops first.
    fn post_phase_error(
        &mut self,
        failure: &Error,
        write_head: fn(&mut Writer<'_>, &Endpoint, &str, usize) -> Result<(), request::Full>,
        what: &'static str,
    ) -> Result<(), RuntimeError> {
        let Session {
            io,
            settings,
            bufs,
            connected,
            ..
        } = self;
        let Scratch {
            head,
            error_body,
            ack,
        } = split(&mut bufs.scratch);
        let mut head = Writer::new(head);
        let mut body = Writer::new(error_body);
        let wrote = request::write_error_body(&mut body, failure.error_type(), failure.message())
            .and_then(|()| {
                write_head(
                    &mut head,
                    &settings.endpoint,
                    failure.error_type(),
                    body.len(),
                )
            });
        if wrote.is_err() {
            return Ok(());
        }
        for _ in 0..POST_ATTEMPTS {
            if !*connected {
                connect_with_retry(io, connected, &settings.endpoint.host)?;
            }
            let mut slices = [IoSlice::new(head.written()), IoSlice::new(body.written())];
            let result = io
                .write_all(&mut slices)
                .map_err(ReadError::Connection)
                .and_then(|()| read_ack(io, &mut *ack, settings.ack_timeout));
            match result {
                Ok(ack) => {
                    if !(200..300).contains(&ack.status) {
                        log::error(format_args!("{what} answered {}", ack.status));
                    }
                    return Ok(());
                }
                Err(ReadError::Protocol(_)) => return Ok(()),
                Err(ReadError::Connection(_)) => {
                    io.close();
                    *connected = false;
                }
            }
        }
        Ok(())
    }
}

/// What [`Session::post`] leaves behind: whether a pipelined `GET /next` is outstanding, and
/// the bytes in the ack buffer that arrived after the acknowledgement.
pub(super) struct Posted {
    polling: bool,
    bytes: Option<core::ops::Range<usize>>,
}

/// Connects, retrying with a growing pause; fails after [`CONNECT_ATTEMPTS`].
pub(super) fn connect_with_retry<I: Io>(
    io: &mut I,
    connected: &mut bool,
    host: &str,
) -> Result<(), RuntimeError> {
    let mut delay = Duration::from_millis(1);
    let mut last = None;
    for attempt in 0..CONNECT_ATTEMPTS {
        if attempt > 0 {
            io.sleep(delay);
            delay = (delay * 2).min(MAX_BACKOFF);
        }
        match io.connect() {
            Ok(()) => {
                *connected = true;
                return Ok(());
            }
            Err(e) => last = Some(e),
        }
    }
    Err(RuntimeError::Unreachable {
        endpoint: host.to_string(),
        source: last.unwrap_or_else(|| io::Error::other("no connection attempt made")),
    })
}

/// A fixed buffer was too small (only a request id longer than a whole head can cause it).
/// Built from a bare kind: an `io::Error` with a message would allocate.
pub(super) fn buffer_full() -> io::Error {
    io::ErrorKind::OutOfMemory.into()
}

/// Statuses that say the request was not processed, so sending it again is safe: request
/// timeout, too many requests, and the gateway/unavailable family.
fn is_retryable(status: u16) -> bool {
    matches!(status, 408 | 429 | 502 | 503 | 504)
}

/// Acknowledgement statuses: 2xx is success; 400/403/404/410/413 concern only this invocation
/// (logged, the loop goes on); 500 means the sandbox must stop.
pub(super) fn check_ack(what: &'static str, status: u16) -> Result<(), RuntimeError> {
    match status {
        200..=299 => Ok(()),
        500 => Err(RuntimeError::Fatal {
            request: what,
            status,
        }),
        410 => {
            log::warn(format_args!(
                "{what} answered 410: the invocation had already timed out"
            ));
            Ok(())
        }
        413 => {
            log::error(format_args!("{what} answered 413: the payload is larger than Lambda accepts; the invocation fails"));
            Ok(())
        }
        400 | 403 => {
            log::error(format_args!(
                "{what} answered {status}: the request id or state was not accepted"
            ));
            Ok(())
        }
        _ => {
            log::error(format_args!("{what} answered {status}"));
            Ok(())
        }
    }
}

/// What the runtime reads of an acknowledgement: a few words, where a whole [`Message`]
/// (its head's Lambda header spans included) would be copied on every return.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ack {
    /// The status code.
    pub(super) status: u16,
    /// Whether the connection may carry another request.
    pub(super) keep_alive: bool,
    /// Where the acknowledgement ends in the buffer.
    pub(super) end: usize,
    /// How far the buffer is filled: bytes from `end` to here arrived with it (a pipelined
    /// `/next` answer).
    pub(super) filled: usize,
}

/// Reads the acknowledgement of a request just written into `buf`, dropping its body (at most
/// [`ACK_BODY_LIMIT`]). A pause of `idle` (if given) with no byte arriving is a lost
/// connection.
pub(super) fn read_ack<I: Io>(
    io: &mut I,
    buf: &mut [u8],
    idle: Option<Duration>,
) -> Result<Ack, ReadError> {
    let mut filled = 0;
    let mut reader = Reader::new(ACK_BODY_LIMIT, true);
    let message = read_message(io, buf, &mut filled, &mut reader, idle)?;
    Ok(Ack {
        status: message.head.status,
        keep_alive: message.head.keep_alive,
        end: message.end,
        filled,
    })
}

/// Reads until `reader` has a whole message in `buf`, failing after a pause of `idle` (if
/// given) with no byte arriving.
fn read_message<I: Io>(
    io: &mut I,
    buf: &mut [u8],
    filled: &mut usize,
    reader: &mut Reader,
    idle: Option<Duration>,
) -> Result<Message, ReadError> {
    loop {
        match reader.advance(buf, filled, false) {
            Ok(Some(message)) => return Ok(message),
            Ok(None) => {}
            Err(e) => return Err(ReadError::Protocol(e)),
        }
        let n = loop {
            let read = match idle {
                Some(idle) => io.read_within(&mut buf[*filled..], idle),
                None => io.read(&mut buf[*filled..]),
            };
            match read {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadError::Connection(e)),
            }
        };
        if n == 0 {
            return match reader.advance(buf, filled, true) {
                Ok(Some(message)) => Ok(message),
                Ok(None) | Err(ProtoError::Truncated) => {
                    Err(ReadError::Connection(io::ErrorKind::UnexpectedEof.into()))
                }
                Err(e) => Err(ReadError::Protocol(e)),
            };
        }
        *filled += n;
    }
}

/// An event in the receive buffer, taken apart.
pub(super) struct Received<'b> {
    /// The `/next` response head, which the header spans point into.
    pub(super) head_bytes: &'b [u8],
    /// The event, for the handler to read and change in place.
    pub(super) event: &'b mut [u8],
    pub(super) request_id: &'b [u8],
    pub(super) invocation_id: Option<&'b [u8]>,
}

impl<'b> Received<'b> {
    pub(super) fn split(buf: &'b mut [u8], message: &Message) -> Received<'b> {
        let (head_bytes, rest) = buf.split_at_mut(message.body.start);
        let head_bytes: &'b [u8] = head_bytes;
        let lambda = &message.head.lambda;
        Received {
            event: &mut rest[..message.body.len()],
            // `serve` has skipped events without a request id.
            request_id: lambda.request_id.unwrap_or_default().get(head_bytes),
            invocation_id: lambda.invocation_id.map(|s| s.get(head_bytes)),
            head_bytes,
        }
    }
}

/// Builds the handler's context from the head's spans. Fails only on a request id that is not
/// UTF-8 (the other headers then read as absent).
pub(super) fn context_for<'a>(
    head: &Head,
    bytes: &'a [u8],
    config: &'a Config,
) -> Result<Context<'a>, Error> {
    let text = |span: Option<Span>| span.and_then(|s| core::str::from_utf8(s.get(bytes)).ok());
    let request_id = head
        .lambda
        .request_id
        .map(|s| s.get(bytes))
        .unwrap_or_default();
    let Ok(request_id) = core::str::from_utf8(request_id) else {
        return Err(Error::runtime(
            "InvalidRequestId",
            "the request id is not valid UTF-8",
        ));
    };
    Ok(Context {
        request_id,
        deadline_ms: head
            .lambda
            .deadline_ms
            .and_then(|s| parse_decimal(s.get(bytes))),
        invoked_function_arn: text(head.lambda.invoked_function_arn).unwrap_or(""),
        trace_id: text(head.lambda.trace_id),
        client_context: text(head.lambda.client_context),
        identity: text(head.lambda.cognito_identity),
        tenant_id: text(head.lambda.tenant_id),
        invocation_id: text(head.lambda.invocation_id),
        config,
    })
}

/// Sets `_X_AMZN_TRACE_ID` to the invocation's trace id, or removes it when there is none
/// (a value `setenv` cannot take, with a NUL, counts as none).
pub(super) fn set_trace_id_env(trace_id: Option<&str>) {
    const NAME: &str = "_X_AMZN_TRACE_ID";
    match trace_id {
        Some(id) if !id.contains('\0') => std::env::set_var(NAME, id),
        _ => std::env::remove_var(NAME),
    }
}

/// Calls the handler, turning a panic into a `Function.Panic` error for this invocation. With
/// `panic = "abort"` the process ends inside the panic; [`crate::panic_report`] posts the error
/// from the panic hook first.
fn call<'a, H: Handler>(handler: &'a mut H, event: &'a mut [u8], ctx: &Context<'_>) -> Reply<'a> {
    crate::current::enter(ctx);
    // Moving the references into the closure makes it `FnOnce`, so the response may borrow them.
    let result = panic::catch_unwind(AssertUnwindSafe(move || {
        let (handler, event) = (handler, event);
        handler.handle(event, ctx)
    }));
    crate::current::leave();
    match result {
        Ok(Ok(body)) => Reply::Response(body),
        Ok(Err(e)) => Reply::Failure(e),
        Err(payload) => {
            Reply::Failure(Error::function("Panic", PanicMessage("handler", &*payload)))
        }
    }
}

/// What panicked (`"handler"`, `"hook"`) and the text of its panic payload (`&str` or
/// `String`; other payloads have none): `handler panicked: {text}`.
pub(crate) struct PanicMessage<'p>(
    pub(crate) &'static str,
    pub(crate) &'p (dyn std::any::Any + Send),
);

impl fmt::Display for PanicMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let PanicMessage(what, payload) = self;
        if let Some(s) = payload.downcast_ref::<&str>() {
            write!(f, "{what} panicked: {s}")
        } else if let Some(s) = payload.downcast_ref::<String>() {
            write!(f, "{what} panicked: {s}")
        } else {
            write!(f, "{what} panicked")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A peer that replays scripted bytes: one script per connection, delivered in the given
    /// pieces whatever the runtime writes; EOF when a script runs out. Records all writes.
    #[derive(Default)]
    struct Script {
        conns: VecDeque<VecDeque<Vec<u8>>>,
        current: Option<VecDeque<Vec<u8>>>,
        written: Vec<Vec<u8>>,
        sleeps: usize,
    }

    impl Script {
        fn conn(mut self, pieces: &[&[u8]]) -> Script {
            self.conns
                .push_back(pieces.iter().map(|p| p.to_vec()).collect());
            self
        }
        fn text(&self, conn: usize) -> String {
            String::from_utf8_lossy(&self.written[conn]).into_owned()
        }
    }

    impl Io for &mut Script {
        fn connect(&mut self) -> io::Result<()> {
            let next = self
                .conns
                .pop_front()
                .ok_or_else(|| io::Error::new(io::ErrorKind::ConnectionRefused, "script over"))?;
            self.current = Some(next);
            self.written.push(Vec::new());
            Ok(())
        }
        fn write_all(&mut self, bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
            let out = self
                .written
                .last_mut()
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
            for b in bufs.iter() {
                out.extend_from_slice(b);
            }
            Ok(())
        }
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let conn = self
                .current
                .as_mut()
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
            let Some(mut piece) = conn.pop_front() else {
                return Ok(0);
            };
            let n = piece.len().min(buf.len());
            buf[..n].copy_from_slice(&piece[..n]);
            if n < piece.len() {
                conn.push_front(piece.split_off(n));
            }
            Ok(n)
        }
        fn close(&mut self) {
            self.current = None;
        }
        fn sleep(&mut self, _: Duration) {
            self.sleeps += 1;
        }
    }

    fn event(id: &str, body: &str) -> Vec<u8> {
        format!("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: 1\r\nContent-Length: {}\r\n\r\n{body}", body.len())
            .into_bytes()
    }

    const ACK: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n";

    fn run(script: &mut Script, limit: u64, pipelining: bool) -> Result<(), RuntimeError> {
        let settings = Settings {
            endpoint: Endpoint::parse("127.0.0.1:9001").unwrap(),
            pipelining,
            max_invocations: Some(limit),
            ack_timeout: Some(ACK_TIMEOUT),
            workers: None,
            trace_id_env: false,
            config: Config::default(),
        };
        let mut session = Session::new(script, settings);
        let mut recv = Recv::new();
        fn echo(event: &[u8]) -> &[u8] {
            event
        }
        let mut echo = crate::handler::EventFnHandler(echo);
        session.serve(&mut recv, &mut echo)
    }

    fn posts(text: &str) -> Vec<&str> {
        text.match_indices("POST ")
            .map(|(i, _)| text[i..].split(" HTTP/1.1").next().unwrap())
            .collect()
    }

    #[test]
    fn pipelined_invocations_share_one_connection() {
        let a = event("a", "1");
        let b = event("b", "22");
        let ack_and_b = [ACK, &b].concat();
        let mut s = Script::default().conn(&[&a, &ack_and_b, ACK]);
        run(&mut s, 2, true).unwrap();
        assert_eq!(s.written.len(), 1, "one connection");
        let t = s.text(0);
        assert_eq!(
            posts(&t),
            [
                "POST /2018-06-01/runtime/invocation/a/response",
                "POST /2018-06-01/runtime/invocation/b/response"
            ]
        );
        assert!(
            t.contains("Content-Length: 1\r\n\r\n1GET /2018-06-01/runtime/invocation/next"),
            "POST and GET in one write"
        );
        assert!(
            t.ends_with("Content-Length: 2\r\n\r\n22"),
            "no GET after the last invocation"
        );
    }

    #[test]
    fn without_pipelining_the_get_follows_the_ack() {
        let a = event("a", "1");
        let b = event("b", "2");
        let mut s = Script::default().conn(&[&a, ACK, &b, ACK]);
        run(&mut s, 2, false).unwrap();
        assert_eq!(posts(&s.text(0)).len(), 2);
    }

    #[test]
    fn a_drop_before_the_ack_resends_the_response_on_a_new_connection() {
        let a = event("a", "hello");
        let b = event("b", "x");
        let ack_and_b = [ACK, &b].concat();
        // conn 1: the event, then EOF before the ack. conn 2: the ack (+ next event).
        let mut s = Script::default().conn(&[&a]).conn(&[&ack_and_b, ACK]);
        run(&mut s, 2, true).unwrap();
        assert_eq!(
            posts(&s.text(0)),
            ["POST /2018-06-01/runtime/invocation/a/response"]
        );
        assert_eq!(
            posts(&s.text(1)),
            [
                "POST /2018-06-01/runtime/invocation/a/response",
                "POST /2018-06-01/runtime/invocation/b/response"
            ]
        );
        assert!(s.text(1).contains("\r\n\r\nhello"), "the same body again");
    }

    #[test]
    fn a_drop_mid_event_asks_again() {
        let a = event("a", "hello");
        let mut s = Script::default()
            .conn(&[&a[..a.len() - 2]])
            .conn(&[&a, ACK]);
        run(&mut s, 1, true).unwrap();
        assert!(
            posts(&s.text(0)).is_empty(),
            "nothing answered for a half event"
        );
        assert_eq!(
            posts(&s.text(1)),
            ["POST /2018-06-01/runtime/invocation/a/response"]
        );
    }

    #[test]
    fn status_500_on_next_is_fatal() {
        let mut s = Script::default()
            .conn(&[b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"]);
        assert!(matches!(
            run(&mut s, 1, true),
            Err(RuntimeError::Fatal { status: 500, .. })
        ));
    }

    #[test]
    fn status_500_on_response_is_fatal() {
        let a = event("a", "1");
        let mut s =
            Script::default().conn(&[&a, b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"]);
        assert!(matches!(
            run(&mut s, 5, true),
            Err(RuntimeError::Fatal {
                request: "POST /response",
                status: 500
            })
        ));
    }

    #[test]
    fn status_410_and_413_are_logged_and_the_loop_goes_on() {
        let a = event("a", "1");
        let b = event("b", "2");
        let gone = [&b"HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n"[..], &b].concat();
        let mut s = Script::default().conn(&[
            &a,
            &gone,
            b"HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n",
        ]);
        run(&mut s, 2, true).unwrap();
        assert_eq!(posts(&s.text(0)).len(), 2);
    }

    #[test]
    fn next_errors_are_retried_with_backoff() {
        let a = event("a", "1");
        let r408 = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n";
        let r503 = b"HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n";
        let mut s = Script::default().conn(&[r408, r503, r503, &a, ACK]);
        run(&mut s, 1, true).unwrap();
        assert_eq!(s.sleeps, 2, "first retry immediate, then pauses");
        assert_eq!(s.text(0).matches("GET ").count(), 4);
    }

    #[test]
    fn an_oversized_event_is_answered_with_an_error() {
        let head = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: big\r\nContent-Length: 104857600\r\n\r\nxxxx";
        let mut s = Script::default().conn(&[head]).conn(&[ACK]);
        run(&mut s, 1, true).unwrap();
        let t = s.text(1);
        assert_eq!(posts(&t), ["POST /2018-06-01/runtime/invocation/big/error"]);
        assert!(t.contains("Lambda-Runtime-Function-Error-Type: Runtime.EventTooLarge\r\n"));
    }

    #[test]
    fn an_event_without_request_id_is_skipped() {
        let no_id = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        let a = event("a", "1");
        let mut s = Script::default().conn(&[no_id, &a, ACK]);
        run(&mut s, 1, true).unwrap();
        assert_eq!(
            posts(&s.text(0)),
            ["POST /2018-06-01/runtime/invocation/a/response"]
        );
    }

    #[test]
    fn connection_close_on_the_ack_reconnects_for_the_next_poll() {
        let a = event("a", "1");
        let b = event("b", "2");
        let close_ack = b"HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        let mut s = Script::default().conn(&[&a, close_ack]).conn(&[&b, ACK]);
        run(&mut s, 2, true).unwrap();
        assert!(
            s.text(1)
                .starts_with("GET /2018-06-01/runtime/invocation/next"),
            "the pipelined GET is sent again"
        );
        assert_eq!(
            posts(&s.text(1)),
            ["POST /2018-06-01/runtime/invocation/b/response"]
        );
    }

    #[test]
    fn connections_closed_at_once_are_retried_with_backoff() {
        let a = event("a", "1");
        let mut s = Script::default()
            .conn(&[])
            .conn(&[])
            .conn(&[])
            .conn(&[&a, ACK]);
        run(&mut s, 1, true).unwrap();
        assert_eq!(s.sleeps, 2, "first retry immediate, then pauses");
        assert_eq!(
            posts(&s.text(3)),
            ["POST /2018-06-01/runtime/invocation/a/response"]
        );
    }

    #[test]
    fn an_unreachable_api_gives_up_after_bounded_retries() {
        let mut s = Script::default();
        assert!(matches!(
            run(&mut s, 1, true),
            Err(RuntimeError::Unreachable { .. })
        ));
        assert_eq!(s.sleeps as u32, CONNECT_ATTEMPTS - 1);
    }
}
