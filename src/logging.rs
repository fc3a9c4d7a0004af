//! The function's own log lines, as Lambda's managed runtimes write them, with the current
//! invocation's request id, and without allocating.
//!
//! ```no_run
//! use lambda_zero::{async_handler_fn, info, warn, Runtime, RuntimeError};
//!
//! fn main() -> Result<(), RuntimeError> {
//!     Runtime::from_env()?.run(async_handler_fn(async |event, _ctx| {
//!         info!("received {} bytes", event.len());
//!         if event.is_empty() {
//!             warn!("an empty event");
//!         }
//!         Ok(&*event)
//!     }))
//! }
//! ```
//!
//! With `AWS_LAMBDA_LOG_FORMAT=JSON` each line is one JSON object, the fields in the order
//! Lambda's Node.js runtime writes them:
//!
//! ```text
//! {"timestamp":"2025-11-26T13:14:56.789Z","level":"INFO","requestId":"8f5e…","tenantId":"blue","message":"received 42 bytes"}
//! ```
//!
//! `timestamp` is RFC 3339 in UTC with milliseconds; `requestId` is the invocation the thread
//! is serving (left out outside a handler call: during init, or on a thread of the function's
//! own); `tenantId` comes only with an invocation that has one. Otherwise lines are text, tab
//! separated, newlines in the message turned into carriage returns so that a line stays one
//! log event: `2025-11-26T13:14:56.789Z\t8f5e…\tINFO\treceived 42 bytes` (the request id
//! column empty outside a handler call).
//!
//! `AWS_LAMBDA_LOG_LEVEL` (`TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`; any case) drops
//! the lines below it before they are formatted; unset or unknown, every line is written, as
//! in Lambda's managed runtimes. Both variables are read when the runtime starts
//! ([`Runtime::from_env`](crate::Runtime::from_env), or the [`Config`](crate::Config) given to
//! [`Runtime::config`](crate::Runtime::config)); before that, lines are text and all written.
//!
//! Each line is formatted into a buffer of this thread's ([`MAX_LINE`] bytes, made with the
//! thread, reused) and written to standard error with one `write`, under the lock the
//! runtime's own lines take too: lines of concurrent workers never interleave, and nothing is
//! allocated. A longer line is cut at a character and ends in `…` (still valid JSON). The
//! request id comes from a thread-local the loop fills before each handler call, so a line
//! carries the invocation its thread is serving when it is logged: a task on the worker's tokio
//! runtime ([`OnTokio`](crate::asynchronous::OnTokio)) logs with the invocation it runs in,
//! and one that outlives its invocation logs with the next one's.
//!
//! ## With `tracing`
//!
//! With the `tracing` feature (off by default), `TracingSubscriber` is a `tracing` subscriber
//! that writes these same lines for code that logs with `tracing` (the AWS SDK, hyper, a
//! function's own `tracing::info!`): installed with `lambda_zero::logging::init_tracing()` at
//! the start of `main`, an event is formatted by the code above (same head, ids, escaping,
//! cutting, buffer and single write: `tracing::info!("x {}", 1)` and `info!("x {}", 1)` write
//! the same line), then its fields and the spans it is in are added (a text line's tabs shown
//! as `\t`):
//!
//! ```text
//! {"timestamp":"…","level":"WARN","requestId":"8f5e…","message":"slow","ms":120,"spans":[{"name":"order","id":7}]}
//! 2025-11-26T13:14:56.789Z\t8f5e…\tWARN\torder{id=7}: slow ms=120
//! ```
//!
//! - JSON: the event's fields are members after `message`, as the managed runtimes put a
//!   logger's extra keys beside `message` (and as `tracing-subscriber`'s JSON format does with
//!   `flatten_event`); numbers and booleans as JSON numbers and booleans (a float that is not
//!   finite as a string), text and `Debug` values as strings. The spans, outermost first,
//!   are `spans`, each an object with its `name` and fields, as in `tracing-subscriber`'s JSON
//!   (which `lambda_runtime`'s default subscriber writes). A field named like a head member
//!   (`timestamp`, `level`, `requestId`, `tenantId`, `message`, `spans`, or `name` in a span) is
//!   written as `fields.<name>`.
//! - Text: the spans before the message as `outer{a=1}:inner: `, the fields after it as
//!   ` name=value`, in the order `tracing` gives them.
//! - Levels: `tracing`'s five by name, filtered by `AWS_LAMBDA_LOG_LEVEL` (spans too: a span
//!   below the level is not recorded, and its fields are not on the lines of its events).
//!   Unset, every line is written, as above: libraries that log with `tracing` (the AWS SDK,
//!   hyper) log much at `DEBUG` and `TRACE`, so a function using them sets
//!   `AWS_LAMBDA_LOG_LEVEL` (`INFO` is `lambda_runtime`'s default). There is no filtering by
//!   target or module.
//! - A line longer than [`MAX_LINE`]: the message is cut as above; a field or span that does
//!   not fit whole is left out, with those after it. A span keeps at most `MAX_SPAN_FIELDS`
//!   (16) fields and `FIELD_TEXT` (512) bytes of their text; a line shows up to 32 spans (the
//!   innermost).
//! - Allocation: none per event or span once the subscriber is made (it allocates room for
//!   `INITIAL_SPANS` (64) open spans then, and more only when more are open at once than ever
//!   before); a span's fields are copied into that room when it is
//!   created, an event's are formatted straight into the line. `tests/tracing_logs.rs` counts 0
//!   allocations over 600 invocations on 2 workers, each in a span and logging two events with
//!   number and boolean fields.
//! - It is meant as the process's one subscriber (which spans a thread is in is kept per thread,
//!   not per subscriber); layering it with `tracing-subscriber` layers is not supported.

use core::fmt;
use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::log::{rfc3339_ms, Message, Prefix};

#[cfg(feature = "tracing")]
mod subscriber;
#[cfg(feature = "tracing")]
pub use subscriber::{init_tracing, TracingSubscriber, FIELD_TEXT, INITIAL_SPANS, MAX_SPAN_FIELDS};

/// The longest line, in bytes, `\n` included.
pub const MAX_LINE: usize = 16 * 1024;

/// A line logged from inside the formatting of another (a `Display` that logs) goes through a
/// stack buffer of this size instead: room for the longest head and some message.
const NESTED_LINE: usize = 4 * 1024;

/// How serious a line is: its JSON `level`, and what `AWS_LAMBDA_LOG_LEVEL` filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `TRACE`: the finest detail.
    Trace,
    /// `DEBUG`: detail for chasing a problem.
    Debug,
    /// `INFO`: what the function did.
    Info,
    /// `WARN`: something unexpected that the function handled.
    Warn,
    /// `ERROR`: an invocation or an operation failed.
    Error,
    /// `FATAL`: the function cannot go on.
    Fatal,
}

impl Level {
    /// The name Lambda uses: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `FATAL`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// The level named `name` (any case), if it is one of the six.
    pub fn from_name(name: &str) -> Option<Level> {
        [
            Level::Trace,
            Level::Debug,
            Level::Info,
            Level::Warn,
            Level::Error,
            Level::Fatal,
        ]
        .into_iter()
        .find(|level| level.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The lowest level written (a [`Level`] as `u8`), from `AWS_LAMBDA_LOG_LEVEL`.
static THRESHOLD: AtomicU8 = AtomicU8::new(Level::Trace as u8);

/// Sets the lowest level written from the function's `AWS_LAMBDA_LOG_LEVEL`: every level when
/// it is empty or unknown.
pub(crate) fn set_threshold(log_level: &str) {
    let level = Level::from_name(log_level).unwrap_or(Level::Trace);
    THRESHOLD.store(level as u8, Ordering::Relaxed);
}

/// Whether lines at `level` are written (`AWS_LAMBDA_LOG_LEVEL` lets them through).
#[inline]
pub fn enabled(level: Level) -> bool {
    level as u8 >= THRESHOLD.load(Ordering::Relaxed)
}

thread_local! {
    // Const-initialised and without a destructor: part of the thread's static TLS block, no
    // allocation and no registration on first use.
    static LINE: RefCell<[u8; MAX_LINE]> = const { RefCell::new([0; MAX_LINE]) };
}

/// Writes one line at `level`, if [`enabled`]. The [`trace!`](crate::trace),
/// [`debug!`](crate::debug), [`info!`](crate::info), [`warn!`](crate::warn),
/// [`error!`](crate::error) and [`fatal!`](crate::fatal) macros call it.
///
/// ```
/// use lambda_zero::logging::{log, Level};
///
/// log(Level::Info, format_args!("{} items", 3));
/// ```
pub fn log(level: Level, args: fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    write_line(level, |line| line.message(args));
}

/// Formats one line at `level` (no [`enabled`] check) with this thread's invocation ids: the
/// head, then what `body` writes into the [`Line`], then its end; and writes it with one
/// `write`. Both [`log`] and the `tracing` subscriber go through it.
pub(crate) fn write_line(level: Level, mut body: impl FnMut(&mut Line<'_>)) {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let json = crate::log::is_json();
    let written = LINE.try_with(|line| match line.try_borrow_mut() {
        Ok(mut buf) => emit(&mut buf[..], level, now_ms, json, &mut body),
        // A line logged while another is being formatted (from a `Display` impl).
        Err(_) => emit(&mut [0u8; NESTED_LINE], level, now_ms, json, &mut body),
    });
    if written.is_err() {
        // The thread's buffer is gone (a destructor running at thread exit).
        emit(&mut [0u8; NESTED_LINE], level, now_ms, json, &mut body);
    }
}

/// Formats the line into `buf` with this thread's invocation ids, and writes it.
fn emit(
    buf: &mut [u8],
    level: Level,
    now_ms: u64,
    json: bool,
    body: &mut dyn FnMut(&mut Line<'_>),
) {
    // The ids are copied into the line and the record let go before the message is formatted:
    // a panic in the message's `Display` must find the record free (the panic hook reads it).
    let head = crate::current::with(|cur| {
        fn text(id: Option<&[u8]>) -> Option<&str> {
            id.and_then(|id| core::str::from_utf8(id).ok())
        }
        write_head(
            buf,
            level,
            now_ms,
            json,
            text(cur.request_id()),
            text(cur.tenant_id()),
        )
    })
    .unwrap_or_else(|| write_head(buf, level, now_ms, json, None, None));
    let mut line = Line::new(buf, head, json);
    body(&mut line);
    let len = line.finish();
    let _ = io::stderr().lock().write_all(&buf[..len]);
}

/// Formats one whole line into `buf`; returns its length. Always one line, ending in `\n`,
/// cut to fit.
#[cfg(test)]
fn format_line(
    buf: &mut [u8],
    level: Level,
    now_ms: u64,
    json: bool,
    request_id: Option<&str>,
    tenant_id: Option<&str>,
    args: fmt::Arguments<'_>,
) -> usize {
    let head = write_head(buf, level, now_ms, json, request_id, tenant_id);
    let mut line = Line::new(buf, head, json);
    line.message(args);
    line.finish()
}

/// Writes the start of a line, up to the message, into `buf`; returns its length.
fn write_head(
    buf: &mut [u8],
    level: Level,
    now_ms: u64,
    json: bool,
    request_id: Option<&str>,
    tenant_id: Option<&str>,
) -> usize {
    let mut time = [0u8; 24];
    rfc3339_ms(now_ms, &mut time);
    let mut w = Prefix { buf, len: 0 };
    if !json {
        // timestamp, request id (empty outside an invocation), level, then the message.
        w.put(&time);
        w.put(b"\t");
        let end = w.len;
        let len = escaped(w.buf, end, false, request_id.unwrap_or(""));
        w.len = len;
        w.put(b"\t");
        w.put(level.as_str().as_bytes());
        w.put(b"\t");
        return w.len;
    }
    w.put(b"{\"timestamp\":\"");
    w.put(&time);
    w.put(b"\",\"level\":\"");
    w.put(level.as_str().as_bytes());
    w.put(b"\"");
    for (name, value) in [(&b"requestId"[..], request_id), (b"tenantId", tenant_id)] {
        let Some(value) = value else { continue };
        w.put(b",\"");
        w.put(name);
        w.put(b"\":\"");
        let end = w.len;
        w.len = escaped(w.buf, end, true, value);
        w.put(b"\"");
    }
    w.put(b",\"message\":\"");
    w.len
}

/// Appends `text` to `buf[..at]`, escaped for the format, as far as it fits; returns the new
/// length.
fn escaped(buf: &mut [u8], at: usize, json: bool, text: &str) -> usize {
    let end = buf.len();
    let mut m = Message {
        buf,
        len: at,
        end,
        json,
    };
    let _ = fmt::Write::write_str(&mut m, text);
    m.len
}

/// Bytes kept free at the end of a line for its end: `…`, the message's closing quote, a
/// closing `]` and `}`, and `\n`.
const RESERVE: usize = CUT.len() + 4;
/// What marks a message cut to fit.
const CUT: &str = "…";

/// A line after its head (timestamp, level, ids), in the buffer it is formatted into: the
/// message, then (for the `tracing` subscriber) more text or JSON members. Whatever was
/// written, [`Line::finish`] ends it as one line (one JSON object in the JSON format): a
/// message that does not fit is cut at a character and ends in `…`; a piece written with
/// [`Line::raw`] or [`Line::text`] that does not fit is not written, nor anything after it.
pub(crate) struct Line<'b> {
    buf: &'b mut [u8],
    len: usize,
    /// Where the content must stop: [`RESERVE`] bytes before the end of `buf`.
    end: usize,
    json: bool,
    /// The message did not fit: it is cut, and nothing more is written.
    cut: bool,
    /// A piece did not fit: nothing more is written.
    full: bool,
    /// The message's string (JSON) is closed.
    message_closed: bool,
    /// A JSON array is open ([`Line::open_array`]).
    array_open: bool,
}

impl<'b> Line<'b> {
    fn new(buf: &'b mut [u8], head: usize, json: bool) -> Line<'b> {
        let end = buf.len().saturating_sub(RESERVE);
        Line {
            buf,
            len: head.min(end),
            end,
            json,
            cut: false,
            full: false,
            message_closed: false,
            array_open: false,
        }
    }

    /// Whether the line is a JSON object (`AWS_LAMBDA_LOG_FORMAT=JSON`).
    #[cfg(feature = "tracing")]
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// Appends to the message, escaped for the format; cut (and the line full) if it does not
    /// fit.
    pub(crate) fn message(&mut self, args: fmt::Arguments<'_>) {
        if self.full || self.message_closed {
            return;
        }
        let mut message = Message {
            buf: self.buf,
            len: self.len,
            end: self.end,
            json: self.json,
        };
        let cut = fmt::write(&mut message, args).is_err();
        self.len = message.len;
        if cut {
            self.cut = true;
            self.full = true;
        }
    }

    /// Ends the message: `…` if it was cut, then its closing quote in the JSON format.
    pub(crate) fn close_message(&mut self) {
        if self.message_closed {
            return;
        }
        self.message_closed = true;
        if self.cut {
            self.put_reserved(CUT.as_bytes());
        }
        if self.json {
            self.put_reserved(b"\"");
        }
    }

    /// Where the line ends now, to [`Line::rollback`] to.
    #[cfg(feature = "tracing")]
    pub(crate) fn mark(&self) -> usize {
        self.len
    }

    /// Drops what was written after `mark` (a piece that did not fit whole).
    #[cfg(feature = "tracing")]
    pub(crate) fn rollback(&mut self, mark: usize) {
        self.len = mark.min(self.len);
    }

    /// Appends `bytes` as they are (JSON punctuation, a name known to need no escaping), if
    /// they fit; false (and the line full) if not.
    #[cfg(feature = "tracing")]
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> bool {
        if self.full || self.len + bytes.len() > self.end {
            self.full = true;
            return false;
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
        true
    }

    /// Appends text escaped for the format (inside a JSON string, or a text line's newlines
    /// as carriage returns), if it all fits; false (and the line full, the text partly
    /// written: [`Line::rollback`]) if not.
    #[cfg(feature = "tracing")]
    pub(crate) fn text(&mut self, args: fmt::Arguments<'_>) -> bool {
        if self.full {
            return false;
        }
        let mut text = Message {
            buf: self.buf,
            len: self.len,
            end: self.end,
            json: self.json,
        };
        let fits = fmt::write(&mut text, args).is_ok();
        self.len = text.len;
        self.full = !fits;
        fits
    }

    /// Opens a JSON array after `head` (`,"name":`), if it fits; the line's end closes it.
    #[cfg(feature = "tracing")]
    pub(crate) fn open_array(&mut self, head: &[u8]) -> bool {
        let mark = self.len;
        if self.raw(head) && self.raw(b"[") {
            self.array_open = true;
            return true;
        }
        self.rollback(mark);
        false
    }

    /// Closes the array [`Line::open_array`] opened.
    pub(crate) fn close_array(&mut self) {
        if self.array_open {
            self.array_open = false;
            self.put_reserved(b"]");
        }
    }

    /// Appends a few bytes of the line's end, into the reserved room.
    fn put_reserved(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        // What follows counts against the room left.
        self.end = self.end.max(self.len).min(self.buf.len());
    }

    /// Ends the line (`"}\n` or `\n`, with `…` for a cut message); returns its length.
    fn finish(mut self) -> usize {
        self.close_message();
        self.close_array();
        if self.json {
            self.put_reserved(b"}");
        }
        self.put_reserved(b"\n");
        self.len
    }
}

/// Logs a line at `TRACE` ([`logging`](crate::logging)): `lambda_zero::trace!("{x}")`.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => {
        if $crate::logging::enabled($crate::logging::Level::Trace) {
            $crate::logging::log($crate::logging::Level::Trace, ::core::format_args!($($arg)+))
        }
    };
}

/// Logs a line at `DEBUG` ([`logging`](crate::logging)): `lambda_zero::debug!("{x}")`.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => {
        if $crate::logging::enabled($crate::logging::Level::Debug) {
            $crate::logging::log($crate::logging::Level::Debug, ::core::format_args!($($arg)+))
        }
    };
}

/// Logs a line at `INFO` ([`logging`](crate::logging)): `lambda_zero::info!("{x}")`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => {
        if $crate::logging::enabled($crate::logging::Level::Info) {
            $crate::logging::log($crate::logging::Level::Info, ::core::format_args!($($arg)+))
        }
    };
}

/// Logs a line at `WARN` ([`logging`](crate::logging)): `lambda_zero::warn!("{x}")`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => {
        if $crate::logging::enabled($crate::logging::Level::Warn) {
            $crate::logging::log($crate::logging::Level::Warn, ::core::format_args!($($arg)+))
        }
    };
}

/// Logs a line at `ERROR` ([`logging`](crate::logging)): `lambda_zero::error!("{x}")`.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => {
        if $crate::logging::enabled($crate::logging::Level::Error) {
            $crate::logging::log($crate::logging::Level::Error, ::core::format_args!($($arg)+))
        }
    };
}

/// Logs a line at `FATAL` ([`logging`](crate::logging)): `lambda_zero::fatal!("{x}")`.
#[macro_export]
macro_rules! fatal {
    ($($arg:tt)+) => {
        if $crate::logging::enabled($crate::logging::Level::Fatal) {
            $crate::logging::log($crate::logging::Level::Fatal, ::core::format_args!($($arg)+))
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_764_162_896_789; // 2025-11-26T13:14:56.789Z

    fn line(
        json: bool,
        level: Level,
        request_id: Option<&str>,
        tenant_id: Option<&str>,
        args: fmt::Arguments<'_>,
    ) -> String {
        let mut buf = [0u8; MAX_LINE];
        let len = format_line(&mut buf, level, T, json, request_id, tenant_id, args);
        String::from_utf8(buf[..len].to_vec()).expect("a line is UTF-8")
    }

    #[test]
    fn json_lines_are_the_managed_runtimes_objects_field_for_field() {
        assert_eq!(
            line(true, Level::Info, Some("8f5e-1"), Some("blue"), format_args!("{} bytes", 42)),
            "{\"timestamp\":\"2025-11-26T13:14:56.789Z\",\"level\":\"INFO\",\"requestId\":\"8f5e-1\",\"tenantId\":\"blue\",\"message\":\"42 bytes\"}\n"
        );
        assert_eq!(
            line(true, Level::Fatal, Some("8f5e-1"), None, format_args!("x")),
            "{\"timestamp\":\"2025-11-26T13:14:56.789Z\",\"level\":\"FATAL\",\"requestId\":\"8f5e-1\",\"message\":\"x\"}\n"
        );
        // Outside an invocation: no requestId.
        assert_eq!(
            line(true, Level::Warn, None, None, format_args!("at init")),
            "{\"timestamp\":\"2025-11-26T13:14:56.789Z\",\"level\":\"WARN\",\"message\":\"at init\"}\n"
        );
    }

    #[test]
    fn json_lines_escape_the_message_and_the_ids() {
        let text = line(
            true,
            Level::Error,
            Some("id\"\\"),
            Some("t\n"),
            format_args!("say \"{}\"\\ {}", "hi", "two\nlines\t\u{1}é"),
        );
        assert_eq!(text.matches('\n').count(), 1, "{text:?}");
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).expect(&text);
        assert_eq!(v["requestId"], "id\"\\");
        assert_eq!(v["tenantId"], "t\n");
        assert_eq!(v["message"], "say \"hi\"\\ two\nlines\t\u{1}é");
    }

    #[test]
    fn text_lines_are_tab_separated_single_lines() {
        assert_eq!(
            line(
                false,
                Level::Debug,
                Some("8f5e-1"),
                Some("blue"),
                format_args!("a\nb")
            ),
            "2025-11-26T13:14:56.789Z\t8f5e-1\tDEBUG\ta\rb\n"
        );
        assert_eq!(
            line(false, Level::Info, None, None, format_args!("at init")),
            "2025-11-26T13:14:56.789Z\t\tINFO\tat init\n"
        );
    }

    #[test]
    fn long_lines_are_cut_at_a_character_and_stay_valid() {
        let long = "é\"".repeat(MAX_LINE);
        for json in [true, false] {
            let text = line(json, Level::Info, Some("id"), None, format_args!("{long}"));
            assert!(
                text.len() <= MAX_LINE && text.len() > MAX_LINE - 16,
                "{}",
                text.len()
            );
            assert_eq!(text.matches('\n').count(), 1);
            if json {
                let v: serde_json::Value = serde_json::from_str(text.trim_end()).expect(&text);
                assert!(v["message"].as_str().unwrap().ends_with('…'));
            } else {
                assert!(text.ends_with("…\n"), "{:?}", &text[text.len() - 10..]);
            }
        }
        // The nested buffer holds the longest head (ids of 256 characters that all need
        // escaping) and stays valid JSON.
        let id = "\u{1}".repeat(256);
        let mut buf = [0u8; NESTED_LINE];
        let len = format_line(
            &mut buf,
            Level::Info,
            T,
            true,
            Some(&id),
            Some(&id),
            format_args!("{long}"),
        );
        let text = core::str::from_utf8(&buf[..len]).unwrap();
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).expect(text);
        assert_eq!(v["tenantId"].as_str().unwrap().len(), 256);
    }

    #[test]
    fn levels_are_read_from_lambdas_names() {
        assert_eq!(Level::from_name("warn"), Some(Level::Warn));
        assert_eq!(Level::from_name(" Fatal "), Some(Level::Fatal));
        assert_eq!(Level::from_name("verbose"), None);
        assert!(Level::Trace < Level::Debug && Level::Error < Level::Fatal);
        assert_eq!(Level::Info.to_string(), "INFO");
    }
}
