//! Amazon CloudWatch Logs subscriptions: the event carries the log events as gzip, base64
//! encoded (`awslogs.data`). [`LogsDecoder`] decodes them into buffers it reserved at
//! start-up and reads the JSON inside with a parser of its own, reused for every invocation.
//!
//! The inflater is the crate's own (`src/events/inflate.rs`): raw DEFLATE into the buffer the
//! decoder reserved, with its tables made once, so a payload allocates nothing; the gzip
//! header and trailer (CRC-32 and size) are checked here. A `flate2` reader (as
//! `aws_lambda_events` uses) allocates and zeroes a new decompressor and grows an output `Vec`
//! on every payload. Subscription payloads are small (the vendored sample is 208 bytes of gzip,
//! one dynamic block), and on them much of an inflater's time is building the block's Huffman
//! tables: this one fills a table with one store per symbol, from code lengths bucketed as
//! they are read (no sort). `cloudwatch_logs::tests::decode_times` times it against zlib-rs's
//! `Inflate` on the sample, side by side, and the CRC-32 (on the hardware: `events::crc32`).

use core::fmt;

use crate::json::{Limits, Parser, SyntaxError};

use super::crc32::crc32;
use super::inflate::{InflateError, Inflater};
use super::view::event_struct;
use super::{Base64, DecodeFailure, FromValue, Mismatch, Seq};

event_struct! {
    /// The event of a CloudWatch Logs subscription filter.
    pub struct CloudWatchLogsEvent<'de> {
        /// The encoded payload.
        "awslogs" => pub aws_logs: AwsLogs<'de>,
    }
}

event_struct! {
    /// The encoded payload: decode it with [`LogsDecoder::decode`].
    pub struct AwsLogs<'de> {
        /// The log events as gzip, base64 encoded.
        "data" => pub data: Base64<'de>,
    }
}

event_struct! {
    /// The decoded payload.
    pub struct LogsData<'t, 'de> {
        /// The account that owns the log group.
        "owner" => pub owner: &'de str,
        /// The log group.
        "logGroup" => pub log_group: &'de str,
        /// The log stream.
        "logStream" => pub log_stream: &'de str,
        /// The names of the subscription filters that matched.
        "subscriptionFilters" => pub subscription_filters: Seq<'t, 'de, &'de str>,
        /// `DATA_MESSAGE`, or `CONTROL_MESSAGE` for the reachability checks CloudWatch Logs
        /// sends when a subscription is made.
        "messageType" => pub message_type: &'de str,
        /// The log events, read as they are iterated.
        "logEvents" => pub log_events: Seq<'t, 'de, LogEntry<'de>>,
    }
}

event_struct! {
    /// One log event.
    pub struct LogEntry<'de> {
        /// The event's unique id.
        "id" => pub id: &'de str,
        /// When it was logged, in milliseconds since the Unix epoch.
        "timestamp" => pub timestamp: i64,
        /// The log line.
        "message" => pub message: &'de str,
    }
}

/// Why a CloudWatch Logs payload could not be decoded.
#[derive(Debug, Clone)]
pub enum LogsError {
    /// `data` is not base64, or does not fit the decoder's compressed buffer.
    Base64(DecodeFailure),
    /// The decoded bytes are not one gzip member: what is wrong.
    Gzip(&'static str),
    /// The payload inflates to more than the decoder's inflated buffer.
    TooLarge {
        /// The decoder's limit, in bytes.
        limit: usize,
    },
    /// The inflated payload is not JSON.
    Syntax(SyntaxError),
    /// The inflated payload is JSON of another shape.
    Mismatch(Mismatch),
}

impl fmt::Display for LogsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogsError::Base64(e) => write!(f, "awslogs.data: {e}"),
            LogsError::Gzip(what) => write!(f, "awslogs.data is not gzip: {what}"),
            LogsError::TooLarge { limit } => {
                write!(f, "awslogs.data inflates to more than {limit} bytes")
            }
            LogsError::Syntax(e) => write!(f, "awslogs.data: {e}"),
            LogsError::Mismatch(e) => write!(f, "awslogs.data: {e}"),
        }
    }
}

impl std::error::Error for LogsError {}

/// Default largest inflated payload: 8 MiB.
pub const DEFAULT_MAX_INFLATED: usize = 8 * 1024 * 1024;

/// Decodes CloudWatch Logs payloads (base64, then gzip, then JSON) into memory reserved once:
/// make one at start-up and keep it in the handler. The buffers are zeroed allocations, which
/// the OS commits page by page as payloads reach into them.
pub struct LogsDecoder {
    compressed: Box<[u8]>,
    inflated: Box<[u8]>,
    inflater: Box<Inflater>,
    parser: Parser,
}

impl fmt::Debug for LogsDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogsDecoder")
            .field("max_compressed", &self.compressed.len())
            .field("max_inflated", &self.inflated.len())
            .finish_non_exhaustive()
    }
}

impl Default for LogsDecoder {
    /// Room for any payload of a Lambda event (6 MiB) inflating to up to
    /// [`DEFAULT_MAX_INFLATED`].
    fn default() -> LogsDecoder {
        LogsDecoder::new(crate::MAX_EVENT_BODY / 4 * 3, DEFAULT_MAX_INFLATED)
    }
}

impl LogsDecoder {
    /// A decoder for gzip payloads of up to `max_compressed` bytes inflating to up to
    /// `max_inflated` bytes.
    pub fn new(max_compressed: usize, max_inflated: usize) -> LogsDecoder {
        LogsDecoder {
            compressed: vec![0u8; max_compressed].into_boxed_slice(),
            inflated: vec![0u8; max_inflated].into_boxed_slice(),
            inflater: Box::new(Inflater::new()),
            parser: Parser::with_index(Limits {
                max_event: max_inflated,
                max_response: 0,
                structurals: max_inflated / 8,
                max_depth: simd_json::DEFAULT_MAX_DEPTH,
            }),
        }
    }

    /// Inflates `logs` into the decoder's buffer and returns the JSON text (for a caller that
    /// reads it otherwise).
    pub fn inflate(&mut self, logs: &AwsLogs<'_>) -> Result<&mut [u8], LogsError> {
        let gzip = logs
            .data
            .decode_into(&mut self.compressed)
            .map_err(LogsError::Base64)?;
        let len = gunzip(gzip, &mut self.inflater, &mut self.inflated)?;
        Ok(&mut self.inflated[..len])
    }

    /// Decodes `logs` and hands the payload to `f`; `f`'s result may not borrow from the
    /// payload, which the next call overwrites.
    pub fn decode<R>(
        &mut self,
        logs: &AwsLogs<'_>,
        f: impl FnOnce(LogsData<'_, '_>) -> R,
    ) -> Result<R, LogsError> {
        let gzip = logs
            .data
            .decode_into(&mut self.compressed)
            .map_err(LogsError::Base64)?;
        let len = gunzip(gzip, &mut self.inflater, &mut self.inflated)?;
        match self.parser.with_value(&mut self.inflated[..len], |v| {
            LogsData::from_value(v).map(f)
        }) {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(m)) => Err(LogsError::Mismatch(m)),
            Err(e) => Err(LogsError::Syntax(e)),
        }
    }
}

const FTEXT_RESERVED: u8 = 0xe0;
const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;

/// Inflates the one gzip member `gzip` (RFC 1952) into `out`; checks the CRC-32 and size of
/// the trailer. Returns the inflated length.
fn gunzip(gzip: &[u8], inflater: &mut Inflater, out: &mut [u8]) -> Result<usize, LogsError> {
    let body = gzip_body(gzip).ok_or(LogsError::Gzip("bad header"))?;
    let (used, written) = match inflater.inflate(body, out) {
        Ok(r) => (r.consumed, r.written),
        Err(InflateError::OutputFull) => return Err(LogsError::TooLarge { limit: out.len() }),
        Err(InflateError::Truncated) => return Err(LogsError::Gzip("truncated")),
        Err(InflateError::Corrupt(what)) => return Err(LogsError::Gzip(what)),
    };
    let trailer = body
        .get(used..used + 8)
        .ok_or(LogsError::Gzip("truncated trailer"))?;
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    if size != written as u32 {
        return Err(LogsError::Gzip("size mismatch"));
    }
    if crc != crc32(&out[..written]) {
        return Err(LogsError::Gzip("CRC mismatch"));
    }
    Ok(written)
}

/// The deflate data after a gzip header, or `None` for a bad header.
fn gzip_body(gzip: &[u8]) -> Option<&[u8]> {
    let (head, mut rest) = (gzip.get(..10)?, gzip.get(10..)?);
    if head[0] != 0x1f || head[1] != 0x8b || head[2] != 8 || head[3] & FTEXT_RESERVED != 0 {
        return None;
    }
    let flags = head[3];
    if flags & FEXTRA != 0 {
        let len = usize::from(u16::from_le_bytes([*rest.first()?, *rest.get(1)?]));
        rest = rest.get(2 + len..)?;
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let end = memchr::memchr(0, rest)?;
            rest = rest.get(end + 1..)?;
        }
    }
    if flags & FHCRC != 0 {
        rest = rest.get(2..)?;
    }
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_with_every_optional_part_are_skipped() {
        let mut gz = vec![
            0x1f,
            0x8b,
            8,
            FEXTRA | FNAME | FCOMMENT | FHCRC,
            0,
            0,
            0,
            0,
            0,
            3,
        ];
        gz.extend_from_slice(&[2, 0, b'x', b'y']);
        gz.extend_from_slice(b"name\0comment\0");
        gz.extend_from_slice(&[0xaa, 0xbb, 0x42]);
        assert_eq!(gzip_body(&gz), Some(&[0x42][..]));
        assert_eq!(gzip_body(&gz[..12]), None);
        let mut reserved = gz.clone();
        reserved[3] |= 0x20;
        assert_eq!(gzip_body(&reserved), None);
        assert_eq!(gzip_body(b"\x1f\x8b\x07\0\0\0\0\0\0\0"), None);
    }

    /// Where the time of decoding the vendored sample goes (run with `cargo test --profile
    /// bench --features events --lib cloudwatch_logs::tests::decode_times -- --ignored
    /// --nocapture`).
    #[test]
    #[ignore]
    fn decode_times() {
        use std::time::Instant;
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/events/example-cloudwatch_logs-event.json"
        );
        let mut event = std::fs::read(path).unwrap();
        let mut parser = Parser::with_index(Limits::strict(64 * 1024, 0));
        let mut decoder = LogsDecoder::new(64 * 1024, 64 * 1024);
        let mut gzip = Vec::new();
        parser
            .with_value(&mut event, |v| {
                let e = CloudWatchLogsEvent::from_value(v).unwrap();
                gzip = e
                    .aws_logs
                    .data
                    .decode_into(&mut decoder.compressed)
                    .unwrap()
                    .to_vec();
            })
            .unwrap();
        let body = gzip_body(&gzip).unwrap().to_vec();
        let text = {
            let mut copy = std::fs::read(path).unwrap();
            let mut text = String::new();
            parser
                .with_value(&mut copy, |v| {
                    let e = CloudWatchLogsEvent::from_value(v).unwrap();
                    text = e.aws_logs.data.as_str().to_owned();
                })
                .unwrap();
            text
        };
        let n = 500_000;
        let time = |what: &str, f: &mut dyn FnMut() -> usize| {
            let t = Instant::now();
            let mut sum = 0;
            for _ in 0..n {
                sum += f();
            }
            let ns = t.elapsed().as_nanos() as f64 / n as f64;
            eprintln!("{what}: {ns:.0} ns ({sum})");
        };
        let compressed = &mut decoder.compressed;
        time("base64", &mut || {
            Base64(std::hint::black_box(&text))
                .decode_into(compressed)
                .unwrap()
                .len()
        });
        let inflater = &mut decoder.inflater;
        let out = &mut decoder.inflated;
        time("inflate", &mut || {
            inflater
                .inflate(std::hint::black_box(&body), out)
                .unwrap()
                .written
        });
        let len = inflater.inflate(&body, out).unwrap().written;
        time("crc32", &mut || {
            crc32(std::hint::black_box(&out[..len])) as usize
        });
        time("gunzip", &mut || {
            gunzip(std::hint::black_box(&gzip), inflater, out).unwrap()
        });
        let json = out[..len].to_vec();
        let mut copy = json.clone();
        let inner = &mut decoder.parser;
        time("parse and read the payload", &mut || {
            copy.copy_from_slice(&json);
            inner
                .with_value(&mut copy, |v| {
                    let d = LogsData::from_value(v).unwrap();
                    d.log_events
                        .iter()
                        .map(|e| e.unwrap().message.len())
                        .sum::<usize>()
                })
                .unwrap()
        });
        let original = std::fs::read(path).unwrap();
        let mut copy = original.clone();
        time("parse and read the event", &mut || {
            copy.copy_from_slice(&original);
            parser
                .with_value(&mut copy, |v| {
                    CloudWatchLogsEvent::from_value(v)
                        .unwrap()
                        .aws_logs
                        .data
                        .as_str()
                        .len()
                })
                .unwrap()
        });
        #[cfg(feature = "compression")]
        {
            let mut z = zlib_rs::Inflate::new(false, 15);
            time("zlib-rs inflate (reset included)", &mut || {
                z.reset(false);
                let _ = z.decompress(
                    std::hint::black_box(&body),
                    out,
                    zlib_rs::InflateFlush::Finish,
                );
                z.total_out() as usize
            });
        }
    }
}
