//! The runtime's own log lines (a failed invocation, a retry, a reconnect), on stderr.
//!
//! Each line is formatted into a stack buffer and written with one `write` of at most
//! [`LINE`] bytes (below `PIPE_BUF`), so Lambda's log capture never splits one and nothing is
//! allocated. With `AWS_LAMBDA_LOG_FORMAT=JSON` a line is a JSON object with `timestamp`
//! (RFC 3339), `level` and `message`, which Lambda's log-level filtering reads (a plain-text
//! line would count as `INFO` there and be dropped under `AWS_LAMBDA_LOG_LEVEL=WARN`);
//! otherwise it is `lambda-zero: message`, with newlines inside the message turned into
//! carriage returns so that a multi-line error stays one log event.

use core::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Longest line, in bytes; a longer message is cut at a character and ends in `…`.
pub(crate) const LINE: usize = 2048;

/// How serious a line is (the JSON `level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Detail for chasing a problem, written only under `AWS_LAMBDA_LOG_LEVEL=DEBUG` or `TRACE`.
    Debug,
    /// Something went wrong and the runtime recovered (a retry, a reconnect).
    Warn,
    /// An invocation failed or could not be answered, or the runtime stops.
    Error,
}

/// Whether lines are JSON (`AWS_LAMBDA_LOG_FORMAT=JSON`).
static JSON: AtomicBool = AtomicBool::new(false);

/// Whether [`Level::Debug`] lines are written (`AWS_LAMBDA_LOG_LEVEL` is `DEBUG` or `TRACE`).
static DEBUG: AtomicBool = AtomicBool::new(false);

/// Chooses the line format from the function's `AWS_LAMBDA_LOG_FORMAT` (`JSON` or text).
pub(crate) fn set_format(log_format: &str) {
    JSON.store(log_format.eq_ignore_ascii_case("json"), Ordering::Relaxed);
}

/// Chooses whether debug lines are written from the function's `AWS_LAMBDA_LOG_LEVEL`, and the
/// level of the function's own lines ([`crate::logging`]).
pub(crate) fn set_level(log_level: &str) {
    let debug = log_level.eq_ignore_ascii_case("debug") || log_level.eq_ignore_ascii_case("trace");
    DEBUG.store(debug, Ordering::Relaxed);
    crate::logging::set_threshold(log_level);
}

/// Whether lines are JSON objects ([`set_format`]).
pub(crate) fn is_json() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// A panic as one `ERROR` line, in place of the standard text message (which would be a
/// text line among JSON ones): `panicked at src/main.rs:7:5: message`. Without the thread's
/// name: `std::thread::current` made the arm64 glibc bootstrap's code 4.4 KiB larger (its text
/// segment, `scripts/build-arm64.sh` then `readelf -lW`), and the name is `main` but under
/// `Runtime::run_with_init`.
pub(crate) fn panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload_as_str().unwrap_or("Box<dyn Any>");
    match info.location() {
        Some(at) => error(format_args!(
            "panicked at {}:{}:{}: {payload}",
            at.file(),
            at.line(),
            at.column()
        )),
        None => error(format_args!("panicked: {payload}")),
    }
}

/// Logs at [`Level::Error`].
pub(crate) fn error(args: fmt::Arguments<'_>) {
    write_line(Level::Error, args);
}

/// Logs at [`Level::Debug`], if debug lines are on ([`set_level`]).
pub(crate) fn debug(args: fmt::Arguments<'_>) {
    if DEBUG.load(Ordering::Relaxed) {
        write_line(Level::Debug, args);
    }
}

/// Logs at [`Level::Warn`].
pub(crate) fn warn(args: fmt::Arguments<'_>) {
    write_line(Level::Warn, args);
}

fn write_line(level: Level, args: fmt::Arguments<'_>) {
    let json = JSON.load(Ordering::Relaxed);
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let mut buf = [0u8; LINE];
    let len = format_line(&mut buf, level, json.then_some(now_ms), args);
    let _ = io::stderr().lock().write_all(&buf[..len]);
}

/// Formats one line into `buf` (JSON when `json_time_ms`, the time, is given); returns its
/// length. Always one line, ending in `\n`, cut to fit.
fn format_line(
    buf: &mut [u8],
    level: Level,
    json_time_ms: Option<u64>,
    args: fmt::Arguments<'_>,
) -> usize {
    const CUT: &str = "…";
    let (head_len, tail): (usize, &[u8]) = match json_time_ms {
        Some(ms) => {
            let mut time = [0u8; 24];
            rfc3339_ms(ms, &mut time);
            let level = match level {
                Level::Debug => "DEBUG",
                Level::Warn => "WARN",
                Level::Error => "ERROR",
            };
            let mut w = Prefix { buf, len: 0 };
            w.put(b"{\"timestamp\":\"");
            w.put(&time);
            w.put(b"\",\"level\":\"");
            w.put(level.as_bytes());
            w.put(b"\",\"logger\":\"lambda-zero\",\"message\":\"");
            (w.len, b"\"}\n")
        }
        None => {
            let mut w = Prefix { buf, len: 0 };
            w.put(b"lambda-zero: ");
            (w.len, b"\n")
        }
    };
    let end = buf.len().saturating_sub(tail.len() + CUT.len());
    let mut message = Message {
        buf,
        len: head_len,
        end,
        json: json_time_ms.is_some(),
    };
    let cut = fmt::write(&mut message, args).is_err();
    let mut len = message.len;
    if cut {
        buf[len..len + CUT.len()].copy_from_slice(CUT.as_bytes());
        len += CUT.len();
    }
    buf[len..len + tail.len()].copy_from_slice(tail);
    len + tail.len()
}

/// Appends the fixed start of a line (always short enough).
pub(crate) struct Prefix<'b> {
    pub(crate) buf: &'b mut [u8],
    pub(crate) len: usize,
}

impl Prefix<'_> {
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }
}

/// The message, escaped for its format, in `buf[..end]`: fails (and stops) when it is full.
pub(crate) struct Message<'b> {
    pub(crate) buf: &'b mut [u8],
    pub(crate) len: usize,
    pub(crate) end: usize,
    pub(crate) json: bool,
}

impl fmt::Write for Message<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            let mut utf8 = [0u8; 6];
            let bytes: &[u8] = match (self.json, c) {
                (true, '"') => b"\\\"",
                (true, '\\') => b"\\\\",
                (true, '\n') => b"\\n",
                (true, '\r') => b"\\r",
                (true, '\t') => b"\\t",
                (true, c) if (c as u32) < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    utf8 = *b"\\u0000";
                    utf8[4] = HEX[(c as usize) >> 4];
                    utf8[5] = HEX[(c as usize) & 0xf];
                    &utf8
                }
                (false, '\n') => b"\r",
                (_, c) => c.encode_utf8(&mut utf8).as_bytes(),
            };
            // `end` is within `buf`, so the slice below is too.
            if self.len + bytes.len() > self.end {
                return Err(fmt::Error);
            }
            self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        }
        Ok(())
    }
}

/// The date (year, month 1–12, day 1–31) of a day counted from 1970-01-01, in the proleptic
/// Gregorian calendar, era by era of 400 years (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + u64::from(month <= 2), month, day)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the Unix epoch (UTC).
pub(crate) fn rfc3339_ms(unix_ms: u64, out: &mut [u8; 24]) {
    let secs = unix_ms / 1000;
    let (days, day_secs) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    let mut put = |at: usize, value: u64, digits: usize| {
        let mut v = value;
        for i in (0..digits).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year % 10_000, 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, day_secs / 3600, 2);
    put(14, day_secs / 60 % 60, 2);
    put(17, day_secs % 60, 2);
    put(20, unix_ms % 1000, 3);
    for (at, b) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
    ] {
        out[at] = b;
    }
    out[23] = b'Z';
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(level: Level, json_ms: Option<u64>, args: fmt::Arguments<'_>) -> String {
        let mut buf = [0u8; LINE];
        let len = format_line(&mut buf, level, json_ms, args);
        String::from_utf8(buf[..len].to_vec()).expect("a line is UTF-8")
    }

    #[test]
    fn timestamps_are_rfc3339_in_utc() {
        for (ms, want) in [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_709_164_799_999, "2024-02-28T23:59:59.999Z"),
            (1_764_162_896_789, "2025-11-26T13:14:56.789Z"),
            (4_102_444_800_000, "2100-01-01T00:00:00.000Z"),
        ] {
            let mut out = [0u8; 24];
            rfc3339_ms(ms, &mut out);
            assert_eq!(core::str::from_utf8(&out).unwrap(), want, "{ms}");
        }
    }

    #[test]
    fn text_lines_are_single_lines_cut_at_a_character() {
        let text = line(
            Level::Error,
            None,
            format_args!("invocation {} failed: {}", "id-1", "a\nb"),
        );
        assert_eq!(text, "lambda-zero: invocation id-1 failed: a\rb\n");
        let long = "é".repeat(LINE);
        let text = line(Level::Warn, None, format_args!("{long}"));
        assert!(
            text.len() <= LINE && text.len() > LINE - 8,
            "{}",
            text.len()
        );
        assert!(text.ends_with("é…\n"), "{text:?}");
        assert_eq!(text.matches('\n').count(), 1);
    }

    #[test]
    fn json_lines_carry_level_and_time_and_stay_valid_when_cut() {
        let text = line(
            Level::Warn,
            Some(1_764_162_896_789),
            format_args!("say \"{}\"\\ {}", "hi", "two\nlines\t\u{1}é"),
        );
        assert!(
            text.ends_with("\"}\n") && text.matches('\n').count() == 1,
            "{text:?}"
        );
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).expect(&text);
        assert_eq!(v["timestamp"], "2025-11-26T13:14:56.789Z");
        assert_eq!(v["level"], "WARN");
        assert_eq!(v["message"], "say \"hi\"\\ two\nlines\t\u{1}é");
        let error = line(Level::Error, Some(0), format_args!("x"));
        let v: serde_json::Value = serde_json::from_str(error.trim_end()).unwrap();
        assert_eq!(v["level"], "ERROR");
        // Cut inside a run of escapes: still one valid JSON object, marked.
        let long = "\"\n".repeat(LINE);
        let text = line(Level::Error, Some(0), format_args!("{long}"));
        assert!(text.len() <= LINE, "{}", text.len());
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).expect(&text);
        assert!(v["message"].as_str().unwrap().ends_with("…"));
    }
}
