//! Reading one whole response out of a buffer that fills up over time.
//!
//! A [`Reader`] is fed the bytes received so far (`buf[..filled]`, starting with this message)
//! and answers either "need more" or a complete [`Message`]: the parsed head, where the body
//! lies in `buf`, and where the next (pipelined) message begins. Bodies framed by
//! `Content-Length` are left where they arrived (zero copy); chunked bodies are decoded in place,
//! each chunk's data moved down over the framing before it, so the decoded body is contiguous
//! and the buffer never holds more than the body plus one unread tail. In `discard` mode (for
//! acknowledgements, whose bodies nobody reads) body bytes are dropped as they arrive, so any
//! length fits in a small buffer.
//!
//! Every transition works at any split point of the input; the tests check all of them.

use core::ops::Range;

use super::response::{parse_head, Framing, Head};
use super::{ProtoError, MAX_HEAD};

/// Longest chunk-size line accepted, extensions included.
const MAX_CHUNK_LINE: u32 = 4096;

/// A complete response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The head; its spans point into the buffer given to [`Reader::advance`].
    pub head: Head,
    /// Where the (decoded) body lies in that buffer. Empty in discard mode.
    pub body: Range<usize>,
    /// Where the next message begins: `buf[end..filled]` are bytes that arrived after this one.
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    Size { n: u64, digits: u32 },
    Ext { n: u64, len: u32 },
    SizeLf { n: u64 },
    Data { rem: u64 },
    DataCr,
    DataLf,
    TrailerStart,
    Trailer,
    TrailerEndLf,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Remaining(u64),
    Chunked(Chunk),
    UntilClose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Body {
        head: Head,
        /// Next byte not yet looked at.
        raw: usize,
        /// End of the decoded body so far (`raw` for identity framing).
        out: usize,
        /// Decoded body bytes, including discarded ones.
        total: u64,
        /// Bytes of trailer section seen.
        trailer: u32,
        body: Body,
    },
}

/// Reads one response at a time; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Reader {
    limit: u64,
    discard: bool,
    state: State,
}

impl Reader {
    /// A reader for bodies up to `limit` bytes; with `discard`, bodies are dropped as they
    /// arrive (the limit still applies: a peer that declares a huge body is an error, not a
    /// wait).
    pub fn new(limit: u64, discard: bool) -> Reader {
        Reader {
            limit,
            discard,
            state: State::Head,
        }
    }

    /// Forgets any partial message, ready for a new one (after a reconnect).
    pub fn reset(&mut self) {
        self.state = State::Head;
    }

    /// True when no byte of the current message has been consumed yet.
    pub fn at_start(&self) -> bool {
        self.state == State::Head
    }

    /// Advances over `buf[..*filled]`, which starts with this message. May move bytes within
    /// `buf[..*filled]` and lower `*filled` (chunk framing and discarded bodies are squeezed out).
    ///
    /// `eof` says the connection has closed: a body framed by the close ends here, anything else
    /// unfinished is [`ProtoError::Truncated`]. Once `*filled == buf.len()` and the message is
    /// still unfinished, no read can help: that is reported as too large rather than a hang.
    pub fn advance(
        &mut self,
        buf: &mut [u8],
        filled: &mut usize,
        eof: bool,
    ) -> Result<Option<Message>, ProtoError> {
        debug_assert!(*filled <= buf.len());
        let result = self.step(buf, filled, eof);
        if result.is_err() || matches!(result, Ok(Some(_))) {
            self.state = State::Head;
        }
        result
    }

    fn step(
        &mut self,
        buf: &mut [u8],
        filled: &mut usize,
        eof: bool,
    ) -> Result<Option<Message>, ProtoError> {
        loop {
            match self.state {
                State::Head => {
                    // Nothing received yet is an incomplete head (`parse_head` would say so).
                    let head = match *filled {
                        0 => None,
                        n => parse_head(&buf[..n])?,
                    };
                    let Some(head) = head else {
                        if eof {
                            return Err(ProtoError::Truncated);
                        }
                        if *filled == buf.len() {
                            return Err(ProtoError::HeadTooLarge);
                        }
                        return Ok(None);
                    };
                    if (100..200).contains(&head.status) {
                        // Interim response (100 Continue, 103 Early Hints): skip it.
                        buf.copy_within(head.len..*filled, 0);
                        *filled -= head.len;
                        continue;
                    }
                    let body = match head.framing {
                        Framing::Length(n) => {
                            if n > self.limit {
                                return Err(ProtoError::BodyTooLarge(n));
                            }
                            // The whole body is here already (the usual case): the message is
                            // done without going through the body state.
                            let avail = *filled - head.len;
                            if n <= avail as u64 {
                                let end = head.len + n as usize;
                                let out = if self.discard { head.len } else { end };
                                if out < end {
                                    buf.copy_within(end..*filled, out);
                                    *filled -= end - out;
                                }
                                return Ok(Some(Message {
                                    head,
                                    body: head.len..out,
                                    end: out,
                                }));
                            }
                            Body::Remaining(n)
                        }
                        Framing::Chunked => Body::Chunked(Chunk::Size { n: 0, digits: 0 }),
                        Framing::UntilClose => Body::UntilClose,
                    };
                    self.state = State::Body {
                        head,
                        raw: head.len,
                        out: head.len,
                        total: 0,
                        trailer: 0,
                        body,
                    };
                }
                State::Body {
                    head,
                    mut raw,
                    mut out,
                    mut total,
                    mut trailer,
                    mut body,
                } => {
                    let start = head.len;
                    let done = match &mut body {
                        Body::Remaining(rem) => {
                            let take =
                                (*filled - raw).min(usize::try_from(*rem).unwrap_or(usize::MAX));
                            raw += take;
                            if !self.discard {
                                out = raw;
                            }
                            total += take as u64;
                            *rem -= take as u64;
                            *rem == 0
                        }
                        Body::UntilClose => {
                            let take = *filled - raw;
                            raw += take;
                            total += take as u64;
                            if !self.discard {
                                out = raw;
                            }
                            if total > self.limit {
                                return Err(ProtoError::BodyTooLarge(total));
                            }
                            eof
                        }
                        Body::Chunked(chunk) => {
                            let discard = self.discard;
                            let limit = self.limit;
                            let mut cx = ChunkCx {
                                buf: &mut *buf,
                                raw,
                                out,
                                total,
                                trailer,
                                filled: *filled,
                                discard,
                                limit,
                            };
                            cx.run(chunk)?;
                            (raw, out, total, trailer) = (cx.raw, cx.out, cx.total, cx.trailer);
                            *chunk == Chunk::Done
                        }
                    };
                    // Squeeze out framing and discarded bytes: the unread tail moves down to `out`.
                    if out < raw {
                        buf.copy_within(raw..*filled, out);
                        *filled = out + (*filled - raw);
                        raw = out;
                    }
                    if done {
                        return Ok(Some(Message {
                            head,
                            body: start..out,
                            end: raw,
                        }));
                    }
                    if eof {
                        return Err(ProtoError::Truncated);
                    }
                    if *filled == buf.len() {
                        return Err(ProtoError::BodyTooLarge(total));
                    }
                    self.state = State::Body {
                        head,
                        raw,
                        out,
                        total,
                        trailer,
                        body,
                    };
                    return Ok(None);
                }
            }
        }
    }
}

/// The working state of one pass of the chunked decoder.
struct ChunkCx<'b> {
    buf: &'b mut [u8],
    raw: usize,
    out: usize,
    total: u64,
    trailer: u32,
    filled: usize,
    discard: bool,
    limit: u64,
}

impl ChunkCx<'_> {
    fn run(&mut self, chunk: &mut Chunk) -> Result<(), ProtoError> {
        while self.raw < self.filled && *chunk != Chunk::Done {
            if let Chunk::Data { rem } = chunk {
                let take =
                    (self.filled - self.raw).min(usize::try_from(*rem).unwrap_or(usize::MAX));
                if !self.discard {
                    self.buf.copy_within(self.raw..self.raw + take, self.out);
                    self.out += take;
                }
                self.raw += take;
                *rem -= take as u64;
                if *rem == 0 {
                    *chunk = Chunk::DataCr;
                }
                continue;
            }
            let b = self.buf[self.raw];
            self.raw += 1;
            *chunk = match *chunk {
                Chunk::Size { n, digits } => match hex_value(b) {
                    Some(v) if digits < 16 => Chunk::Size {
                        n: (n << 4) | u64::from(v),
                        digits: digits + 1,
                    },
                    Some(_) => return Err(ProtoError::BadChunk),
                    None if digits == 0 => return Err(ProtoError::BadChunk),
                    None => match b {
                        b';' | b' ' | b'\t' => Chunk::Ext { n, len: digits + 1 },
                        b'\r' => Chunk::SizeLf { n },
                        _ => return Err(ProtoError::BadChunk),
                    },
                },
                Chunk::Ext { n, len } => match b {
                    b'\r' => Chunk::SizeLf { n },
                    b'\n' => return Err(ProtoError::BadChunk),
                    _ if len >= MAX_CHUNK_LINE => return Err(ProtoError::BadChunk),
                    _ => Chunk::Ext { n, len: len + 1 },
                },
                Chunk::SizeLf { n } => match b {
                    b'\n' if n == 0 => Chunk::TrailerStart,
                    b'\n' => {
                        let total = self.total.checked_add(n).ok_or(ProtoError::BadChunk)?;
                        if total > self.limit {
                            return Err(ProtoError::BodyTooLarge(total));
                        }
                        self.total = total;
                        Chunk::Data { rem: n }
                    }
                    _ => return Err(ProtoError::BadChunk),
                },
                Chunk::DataCr => match b {
                    b'\r' => Chunk::DataLf,
                    _ => return Err(ProtoError::BadChunk),
                },
                Chunk::DataLf => match b {
                    b'\n' => Chunk::Size { n: 0, digits: 0 },
                    _ => return Err(ProtoError::BadChunk),
                },
                Chunk::TrailerStart => match b {
                    b'\r' => Chunk::TrailerEndLf,
                    _ => self.trailer_byte(b)?,
                },
                Chunk::Trailer => self.trailer_byte(b)?,
                Chunk::TrailerEndLf => match b {
                    b'\n' => Chunk::Done,
                    _ => return Err(ProtoError::BadChunk),
                },
                Chunk::Data { .. } | Chunk::Done => unreachable_state(),
            };
        }
        Ok(())
    }

    /// One byte of a trailer field line (skipped: no trailer matters to a runtime client).
    fn trailer_byte(&mut self, b: u8) -> Result<Chunk, ProtoError> {
        self.trailer += 1;
        if self.trailer as usize > MAX_HEAD {
            return Err(ProtoError::BadChunk);
        }
        Ok(if b == b'\n' {
            Chunk::TrailerStart
        } else {
            Chunk::Trailer
        })
    }
}

/// `Data` is handled before the byte match and `Done` ends the loop, so neither reaches it.
#[cold]
fn unreachable_state() -> Chunk {
    Chunk::Done
}

#[inline]
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in two parts split at every point (and byte by byte), checking that the
    /// result is the same as in one go. Returns (status, body, leftover).
    fn read_all(
        input: &[u8],
        limit: u64,
        discard: bool,
        cap: usize,
    ) -> Result<(u16, Vec<u8>, Vec<u8>), ProtoError> {
        let whole = read_split(input, &[input.len()], limit, discard, cap, true);
        for cut in 0..=input.len() {
            let got = read_split(input, &[cut, input.len()], limit, discard, cap, true);
            assert_eq!(
                got,
                whole,
                "split at {cut} of {:?}",
                String::from_utf8_lossy(input)
            );
        }
        let cuts: Vec<usize> = (1..=input.len()).collect();
        assert_eq!(
            read_split(input, &cuts, limit, discard, cap, true),
            whole,
            "byte by byte"
        );
        whole
    }

    /// Delivers `input` up to each cut in turn (as far as the buffer has room), then EOF.
    fn read_split(
        input: &[u8],
        cuts: &[usize],
        limit: u64,
        discard: bool,
        cap: usize,
        eof_after: bool,
    ) -> Result<(u16, Vec<u8>, Vec<u8>), ProtoError> {
        let mut buf = vec![0u8; cap];
        let (mut filled, mut sent, mut i) = (0, 0, 0);
        let mut reader = Reader::new(limit, discard);
        loop {
            let target = cuts.get(i).copied().unwrap_or(input.len());
            let n = target.saturating_sub(sent).min(cap - filled);
            buf[filled..filled + n].copy_from_slice(&input[sent..sent + n]);
            filled += n;
            sent += n;
            if sent >= target && i < cuts.len() {
                i += 1;
            }
            let eof = eof_after && sent == input.len() && i >= cuts.len();
            if let Some(m) = reader.advance(&mut buf, &mut filled, eof)? {
                let mut leftover = buf[m.end..filled].to_vec();
                leftover.extend_from_slice(&input[sent..]);
                return Ok((m.head.status, buf[m.body].to_vec(), leftover));
            }
            assert!(!eof, "reader wanted more after EOF without an error");
        }
    }

    const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\nB\r\nworld, and!\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";

    #[test]
    fn content_length_bodies_stay_in_place() {
        let input = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 202";
        assert_eq!(
            read_all(input, 100, false, 256),
            Ok((200, b"hello".to_vec(), b"HTTP/1.1 202".to_vec()))
        );
        let empty = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(read_all(empty, 100, false, 256), Ok((202, vec![], vec![])));
    }

    #[test]
    fn chunked_bodies_are_decoded_in_place() {
        assert_eq!(
            read_all(CHUNKED, 100, false, 256),
            Ok((200, b"hello world, and!".to_vec(), b"NEXT".to_vec()))
        );
    }

    #[test]
    fn discard_mode_drops_bodies_larger_than_the_buffer() {
        assert_eq!(
            read_all(CHUNKED, 100, true, 256),
            Ok((200, vec![], b"NEXT".to_vec()))
        );
        let mut big = b"HTTP/1.1 202 Accepted\r\nContent-Length: 5000\r\n\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 5000));
        big.extend_from_slice(b"HTTP/1.1 200");
        // A 128-byte buffer holds the head and then keeps dropping body bytes.
        let got = read_split(
            &big,
            &(1..=big.len()).collect::<Vec<_>>(),
            5000,
            true,
            128,
            true,
        );
        assert_eq!(got, Ok((202, vec![], b"HTTP/1.1 200".to_vec())));
    }

    #[test]
    fn discard_mode_still_enforces_the_limit() {
        let declared = b"HTTP/1.1 202 Accepted\r\nContent-Length: 104857600\r\n\r\n";
        assert_eq!(
            read_all(declared, 65536, true, 256),
            Err(ProtoError::BodyTooLarge(104_857_600))
        );
        let chunked = b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n";
        assert_eq!(
            read_all(chunked, 65536, true, 256),
            Err(ProtoError::BodyTooLarge(65537))
        );
    }

    #[test]
    fn until_close_bodies_end_at_eof() {
        let input = b"HTTP/1.0 200 OK\r\n\r\nall of it";
        assert_eq!(
            read_all(input, 100, false, 256),
            Ok((200, b"all of it".to_vec(), vec![]))
        );
    }

    #[test]
    fn interim_responses_are_skipped() {
        let input =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(
            read_all(input, 100, false, 256),
            Ok((202, b"ok".to_vec(), vec![]))
        );
    }

    #[test]
    fn bad_chunks_table() {
        let bad: &[&[u8]] = &[
            b"zz\r\n",
            b"\r\n",
            b"5\nhello\r\n0\r\n\r\n",
            b"5\r\nhelloX\r\n",
            b"5\r\nhello\rX",
            b"11111111111111111\r\n",
            b"5;ext\nhello",
            b"0\r\n\rX",
        ];
        for body in bad {
            let mut input = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            input.extend_from_slice(body);
            assert_eq!(
                read_all(&input, 1 << 20, false, 4096).unwrap_err(),
                ProtoError::BadChunk,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn limits_are_enforced_for_every_framing() {
        let declared = b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n";
        assert_eq!(
            read_all(declared, 1000, false, 256),
            Err(ProtoError::BodyTooLarge(104_857_600))
        );
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n";
        assert_eq!(
            read_all(chunked, 1000, false, 256),
            Err(ProtoError::BodyTooLarge(1001))
        );
        let mut close = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
        close.extend(std::iter::repeat_n(b'x', 1001));
        assert_eq!(
            read_all(&close, 1000, false, 4096),
            Err(ProtoError::BodyTooLarge(1001))
        );
        let mut trailers = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".to_vec();
        trailers.extend(std::iter::repeat_n(b'x', MAX_HEAD + 1));
        let cuts: Vec<usize> = (1..=trailers.len() / 512)
            .map(|i| i * 512)
            .chain([trailers.len()])
            .collect();
        assert_eq!(
            read_split(&trailers, &cuts, 1000, false, 1024, true),
            Err(ProtoError::BadChunk)
        );
    }

    #[test]
    fn a_full_buffer_is_an_error_not_a_hang() {
        let input = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789";
        let mut buf = input.to_vec();
        let mut filled = buf.len();
        let mut r = Reader::new(1000, false);
        assert!(matches!(
            r.advance(&mut buf, &mut filled, false),
            Err(ProtoError::BodyTooLarge(_))
        ));
        let mut head_only = b"HTTP/1.1 200 OK\r\nX: y".to_vec();
        let mut filled = head_only.len();
        assert_eq!(
            r.advance(&mut head_only, &mut filled, false),
            Err(ProtoError::HeadTooLarge)
        );
    }

    #[test]
    fn truncated_messages_are_reported() {
        for input in [
            &b"HTTP/1.1 200 OK\r\nContent-Le"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
            b"",
        ] {
            assert_eq!(
                read_split(input, &[input.len()], 100, false, 256, true),
                Err(ProtoError::Truncated)
            );
        }
    }
}
