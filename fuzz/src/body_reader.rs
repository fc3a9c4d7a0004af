//! `proto::body::Reader` fed arbitrary responses at arbitrary split points.

use lambda_zero::__private::proto::body::Reader;
use lambda_zero::__private::proto::{ProtoError, MAX_EVENT_BODY};

use lambda_zero::__private::proto::response::Framing;

use crate::reference::{final_head, read_message, RefMessage};
use crate::Bytes;

/// The decoded form of a `body_reader` input.
///
/// Layout: `flags: u8`, `capacity: u16 LE`, `ncuts: u8`, `ncuts × cut: u16 LE`, then the
/// response bytes. `flags`: bit 0 discard mode; bits 1-2 end of input (0: the connection stays
/// open, 1: EOF reported in a separate call, 2: EOF together with the last bytes); bits 3-4 the
/// body limit (0, 16, 1024, `MAX_EVENT_BODY`). `capacity` 0 means 64 KiB. Each cut delivers the
/// response up to that offset (as far as the buffer has room) before calling `advance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyInput<'a> {
    /// Bodies are dropped.
    pub discard: bool,
    /// 0: never EOF; 1: EOF in its own `advance` call; 2: EOF with the last bytes.
    pub eof_mode: u8,
    /// The reader's body limit.
    pub limit: u64,
    /// Size of the receive buffer.
    pub capacity: usize,
    /// Delivery points, offsets into `response`.
    pub cuts: Vec<usize>,
    /// What the server sends.
    pub response: &'a [u8],
}

/// Limits selectable by the input.
pub const LIMITS: [u64; 4] = [0, 16, 1024, MAX_EVENT_BODY as u64];

impl<'a> BodyInput<'a> {
    /// Decodes the layout described on the type.
    pub fn decode(data: &'a [u8]) -> BodyInput<'a> {
        let mut b = Bytes::new(data);
        let flags = b.u8();
        let capacity = match b.u16() {
            0 => 64 * 1024,
            n => usize::from(n),
        };
        let ncuts = usize::from(b.u8() % 64);
        let cuts = (0..ncuts).map(|_| usize::from(b.u16())).collect();
        BodyInput {
            discard: flags & 1 != 0,
            eof_mode: ((flags >> 1) & 3) % 3,
            limit: LIMITS[usize::from((flags >> 3) & 3)],
            capacity,
            cuts,
            response: b.rest(),
        }
    }

    /// The inverse of [`BodyInput::decode`], for building seeds.
    pub fn encode(&self) -> Vec<u8> {
        let limit = LIMITS.iter().position(|&l| l == self.limit).unwrap_or(3) as u8;
        let mut out = vec![u8::from(self.discard) | (self.eof_mode & 3) << 1 | limit << 3];
        let cap = if self.capacity >= 64 * 1024 {
            0
        } else {
            self.capacity as u16
        };
        out.extend_from_slice(&cap.to_le_bytes());
        out.push(self.cuts.len() as u8);
        for &c in &self.cuts {
            out.extend_from_slice(&(c as u16).to_le_bytes());
        }
        out.extend_from_slice(self.response);
        out
    }
}

/// How the incremental run ended.
#[derive(Debug)]
enum Outcome {
    /// A message: status, body bytes, and every byte after it (left in the buffer or unsent).
    Message(u16, Vec<u8>, Vec<u8>),
    /// An error, and whether the buffer was full when it came.
    Error(ProtoError, bool),
    /// All bytes delivered, no EOF, still waiting.
    NeedMore,
}

/// Feeds the response to a [`Reader`] at the input's split points and checks each step.
fn run(input: &BodyInput<'_>) -> Outcome {
    let response = input.response;
    let cap = input.capacity;
    let mut buf = vec![0xAAu8; cap];
    let mut filled = 0usize;
    let mut sent = 0usize;
    let mut reader = Reader::new(input.limit, input.discard);
    let plan: Vec<usize> = input
        .cuts
        .iter()
        .map(|&c| c.min(response.len()))
        .chain([response.len()])
        .collect();
    let mut step = 0;
    let mut eof_sent = false;
    loop {
        let target = plan[step];
        let n = target.saturating_sub(sent).min(cap - filled);
        buf[filled..filled + n].copy_from_slice(&response[sent..sent + n]);
        filled += n;
        sent += n;
        if sent >= target && step + 1 < plan.len() {
            step += 1;
        }
        let all_sent = sent == response.len() && step + 1 == plan.len();
        let eof = eof_sent || (all_sent && input.eof_mode == 2);
        let before = filled;
        let result = reader.advance(&mut buf, &mut filled, eof);
        assert!(
            filled <= before,
            "advance grew filled from {before} to {filled}"
        );
        match result {
            Ok(Some(m)) => {
                assert!(m.body.start <= m.body.end, "inverted body {:?}", m.body);
                assert!(
                    m.body.end <= m.end,
                    "body {:?} ends after the message end {}",
                    m.body,
                    m.end
                );
                assert!(
                    m.end <= filled,
                    "message end {} past filled {filled}",
                    m.end
                );
                assert_eq!(
                    m.body.start, m.head.len,
                    "body does not start right after the head"
                );
                if input.discard {
                    assert!(m.body.is_empty(), "discard mode handed out a body");
                }
                assert!(reader.at_start(), "reader not reset after a message");
                let mut after = buf[m.end..filled].to_vec();
                after.extend_from_slice(&response[sent..]);
                return Outcome::Message(m.head.status, buf[m.body].to_vec(), after);
            }
            Err(e) => {
                assert!(reader.at_start(), "reader not reset after an error");
                return Outcome::Error(e, filled == cap);
            }
            Ok(None) => {
                assert!(!eof, "reader wants more after EOF");
                assert!(
                    filled < cap,
                    "reader wants more with a full buffer: it would hang"
                );
                if all_sent {
                    if input.eof_mode == 1 && !eof_sent {
                        eof_sent = true;
                        continue;
                    }
                    return Outcome::NeedMore;
                }
            }
        }
    }
}

/// Same variant (the count in `BodyTooLarge` depends on the split points for close-delimited
/// bodies, so only the variant is compared there).
fn same_kind(a: ProtoError, b: ProtoError) -> bool {
    core::mem::discriminant(&a) == core::mem::discriminant(&b)
}

/// The `body_reader` check: never panics; never reports a body outside `filled`; `filled`
/// never grows; never waits with a full buffer or after EOF; and the result (status, body,
/// bytes after the message, or the error) equals [`read_message`] over the whole input, except
/// that a full buffer may end the message early with `HeadTooLarge`/`BodyTooLarge`.
pub fn body_reader(data: &[u8]) {
    let input = BodyInput::decode(data);
    let outcome = run(&input);
    let eof = input.eof_mode != 0;
    let want = read_message(input.response, input.limit, input.discard, eof);
    match (&outcome, &want) {
        (
            Outcome::Message(status, body, after),
            Ok(Some(RefMessage {
                status: s,
                body: b,
                end,
            })),
        ) => {
            assert_eq!(status, s, "status");
            assert!(
                body == b,
                "body differs: got {:?}, want {:?}",
                String::from_utf8_lossy(body),
                String::from_utf8_lossy(b)
            );
            assert!(
                after[..] == input.response[*end..],
                "bytes after the message differ"
            );
        }
        (Outcome::Error(e, full), _) => {
            let agrees = match (*e, &want) {
                // Declared and chunked lengths do not depend on the split points; the count of
                // a close-delimited body does.
                (ProtoError::BodyTooLarge(n), Err(ProtoError::BodyTooLarge(m))) => {
                    n == *m
                        || final_head(input.response)
                            .is_some_and(|h| h.framing == Framing::UntilClose)
                }
                (e, Err(w)) => same_kind(e, *w),
                _ => false,
            };
            let full_buffer =
                *full && matches!(e, ProtoError::HeadTooLarge | ProtoError::BodyTooLarge(_));
            assert!(
                agrees || full_buffer,
                "reader: {outcome:?}, reference: {want:?} for {input:?}"
            );
        }
        (Outcome::NeedMore, Ok(None)) => {}
        _ => panic!("reader: {outcome:?}, reference: {want:?} for {input:?}"),
    }
}
