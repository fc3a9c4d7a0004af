//! The typed fast path: a structural index of the event (stage 1), then a serde deserializer
//! that reads the event through that index, validating as it goes, without building a tape.
//!
//! simd-json parses in two stages: stage 1 finds every structural character with SIMD (and
//! validates UTF-8, quotes and control characters); stage 2 walks them to build the tape,
//! copying every string, escaped or not, into place. For an API Gateway event, stage 2 costs
//! as much as stage 1, and a typed handler then reads a handful of the event's fields.
//!
//! This path keeps stage 1 and replaces stage 2 and the tape deserializer with one pass:
//!
//! 1. [`Fast::prepare`] indexes the event where it lies, with [`super::stage1`] (AVX-512 or
//!    AVX2 on x86_64, NEON on arm64). Where no kernel runs (x86_64 without AVX2, or
//!    `LAMBDA_ZERO_JSON_STAGE1=simd-json`), it copies the event behind
//!    a `]` into a padded buffer and hands it to [`simd_json::fill_tape_padded`]: stage 1
//!    indexes the copy as it would the event (a `]` opens no string, so every later structural
//!    is the event's, one byte further) and stage 2 stops at once, on the `]`, with
//!    `InternalError` at byte 0; the offsets are then moved down by one. Any other outcome (a
//!    stage-1 error) hands the event to the tape path.
//! 2. [`FastDe`] deserializes from the index and checks everything stage 2 would check, for
//!    the values it hands to serde and for those it skips alike: grammar, literals, numbers
//!    (syntax and range), escapes, depth, nothing after the root. Strings without escapes are
//!    borrowed from the event; a string with escapes is unescaped into [`Fast`]'s scratch
//!    buffer and borrowed from there. The event itself is never written.
//! 3. The handler runs only once the whole event was read and found valid.
//!
//! The checks are at least as strict as simd-json's: what they refuse goes to the tape path,
//! which accepts it or reports simd-json's error. Whatever goes wrong (invalid JSON, a type
//! mismatch, anything unusual) makes the adapter run the tape path over the untouched event,
//! so results, errors, paths and messages are the tape path's.

use core::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde::forward_to_deserialize_any;
use simd_json::{ErrorType, Tape, INPUT_PADDING};

use super::key::Key;
use super::stage1::{self, Kernel};
use super::writer::copy_small;
use super::Parser;

/// Largest event the fast path takes: larger events go through the tape, so its buffers stay
/// small (they are reserved at this size, and touched only as far as events reach).
pub(crate) const FAST_MAX_EVENT: usize = 1 << 20;

/// Why the fast path gave up; the tape path then takes the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bail;

impl fmt::Display for Bail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the fast path gave up on this event")
    }
}

impl std::error::Error for Bail {}

impl de::Error for Bail {
    #[cold]
    fn custom<T: fmt::Display>(_msg: T) -> Bail {
        Bail
    }
}

/// The fast path's buffers, sized once.
pub(crate) struct Fast {
    /// The structural index of the event: one offset per structural, with room for a whole
    /// block more than the largest event has ([`Kernel::index`] writes a block at a time).
    index: Box<[u32]>,
    /// The SIMD stage 1 to run, or `None` for simd-json's.
    kernel: Option<Kernel>,
    /// Structurals in `index`.
    count: usize,
    /// Strings with escapes, unescaped: never longer than the event they come from.
    scratch: Box<[u8]>,
    /// `]`, the event, then [`INPUT_PADDING`] bytes, for simd-json's stage 1 where no
    /// [`Kernel`] runs; empty where one does.
    copy: Box<[u8]>,
    /// Whether each open container is an object, while skipping: as deep as the parser
    /// accepts (deeper events go to the tape path, which refuses them).
    stack: Box<[bool]>,
    /// Largest event taken.
    max_len: usize,
}

impl fmt::Debug for Fast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fast")
            .field("max_len", &self.max_len)
            .field("max_depth", &self.stack.len())
            .field("stage1", &self.kernel.map_or("simd-json", Kernel::name))
            .finish_non_exhaustive()
    }
}

impl Fast {
    /// Buffers for events up to `max_len` bytes (capped at [`FAST_MAX_EVENT`]) nested up to
    /// `max_depth`, with the fastest stage 1 this CPU runs, or the one that
    /// `LAMBDA_ZERO_JSON_STAGE1` names (`avx512`, `avx2`, `neon`, `simd-json`; see
    /// [`Kernel::select`]).
    pub(crate) fn new(max_len: usize, max_depth: usize) -> Fast {
        let name = std::env::var("LAMBDA_ZERO_JSON_STAGE1").ok();
        Fast::with_kernel(max_len, max_depth, Kernel::select(name.as_deref()))
    }

    /// [`Fast::new`] with the given stage 1 (`None`: simd-json's), for the tests to try each.
    pub(crate) fn with_kernel(max_len: usize, max_depth: usize, kernel: Option<Kernel>) -> Fast {
        let max_len = max_len.min(FAST_MAX_EVENT);
        // Zeroed allocations of these sizes come straight from the OS, committed on first touch.
        let copy = match kernel {
            Some(_) => Vec::new(),
            None => vec![0u8; max_len + 1 + INPUT_PADDING],
        };
        Fast {
            index: vec![0u32; max_len + stage1::BLOCK].into_boxed_slice(),
            kernel,
            count: 0,
            scratch: vec![0u8; max_len].into_boxed_slice(),
            copy: copy.into_boxed_slice(),
            stack: vec![false; max_depth.min(max_len)].into_boxed_slice(),
            max_len,
        }
    }

    /// Runs stage 1 over `event`; on success [`Fast::deserializer`] can read it.
    pub(crate) fn prepare(&mut self, parser: &mut Parser, event: &[u8]) -> Result<(), Bail> {
        if event.len() > self.max_len {
            return Err(Bail);
        }
        self.count = match self.kernel {
            Some(kernel) => kernel.index(event, &mut self.index)?.structurals,
            None => self.prepare_with_simd_json(parser, event)?,
        };
        Ok(())
    }

    /// simd-json's stage 1 over a copy of `event` behind a `]` (see the module documentation);
    /// the structural offsets are moved down into `index`.
    fn prepare_with_simd_json(&mut self, parser: &mut Parser, event: &[u8]) -> Result<usize, Bail> {
        let doc = event.len() + 1;
        let copy = self.copy.get_mut(..doc + INPUT_PADDING).ok_or(Bail)?;
        copy[0] = b']';
        copy[1..doc].copy_from_slice(event);
        let mut tape: Tape<'_> = Tape(core::mem::take(&mut parser.tape)).reset();
        let stage1 = simd_json::fill_tape_padded(copy, doc, &mut parser.buffers, &mut tape);
        parser.tape = tape.reset().0;
        match stage1 {
            // Stage 2 stopped at the `]`: stage 1 accepted the event.
            Err(e)
                if *e.error() == ErrorType::InternalError
                    && e.index() == 0
                    && e.character() == Some(']') => {}
            _ => return Err(Bail),
        }
        let found = parser.buffers.structural_indexes().get(1..).ok_or(Bail)?;
        let index = self.index.get_mut(..found.len()).ok_or(Bail)?;
        for (to, &from) in index.iter_mut().zip(found) {
            *to = from.wrapping_sub(1);
        }
        Ok(found.len())
    }

    /// A deserializer over the event that [`Fast::prepare`] accepted.
    pub(crate) fn deserializer<'de>(&'de mut self, event: &'de [u8]) -> FastDe<'de, 'de> {
        FastDe {
            src: event,
            index: &self.index[..self.count.min(self.index.len())],
            stack: &mut self.stack,
            depth: 0,
            scratch: &mut self.scratch,
            i: 0,
            backslash: next_backslash(event, 0, event.len()),
        }
    }
}

/// JSON whitespace.
#[inline]
pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// What may follow a scalar inside a container.
#[inline]
pub(super) fn ends_scalar(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b',' | b']' | b'}')
}

/// Offset of the first backslash at or after `from` in `src[..doc]` (`doc` if none).
#[inline]
fn next_backslash(src: &[u8], from: usize, doc: usize) -> usize {
    match src
        .get(from..doc)
        .and_then(|rest| memchr::memchr(b'\\', rest))
    {
        Some(k) => from + k,
        None => doc,
    }
}

/// The first `"` or `\\` in `s`: 8 bytes at a time (then one at a time) for the short runs
/// between escapes, `memchr` for long ones.
#[inline]
fn quote_or_backslash(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while at + 8 <= s.len() && at < 64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        let w = u64::from_le_bytes(w);
        let q = w ^ (ONES * u64::from(b'"'));
        let b = w ^ (ONES * u64::from(b'\\'));
        // Exact for the first match: borrows only run upward from a matching byte.
        let found = ((q.wrapping_sub(ONES) & !q) | (b.wrapping_sub(ONES) & !b)) & HIGH;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    if at < 64 {
        // Fewer than 8 bytes left.
        return s[at..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\')
            .map(|k| at + k);
    }
    memchr::memchr2(b'"', b'\\', &s[at..]).map(|k| at + k)
}

/// Checks the `true`, `false` or `null` (by its first byte `c`) at `p`.
#[inline]
pub(super) fn check_literal(src: &[u8], p: usize, c: u8) -> Result<(), Bail> {
    // The word, little-endian, and its length.
    let (word, len): (u64, usize) = match c {
        b't' => (u64::from(u32::from_le_bytes(*b"true")), 4),
        b'f' => (u64::from_le_bytes(*b"false\0\0\0"), 5),
        _ => (u64::from(u32::from_le_bytes(*b"null")), 4),
    };
    // Eight bytes from `p`; near the end of the event, what is there and zeros (which end no
    // scalar, so a literal that ends the event is left to the tape path).
    let mut have = [0u8; 8];
    match src.get(p..p + 8) {
        Some(eight) => have.copy_from_slice(eight),
        None => {
            let rest = src.get(p..).ok_or(Bail)?;
            have[..rest.len()].copy_from_slice(rest);
        }
    }
    let mask = if len == 4 {
        0xffff_ffff
    } else {
        0xff_ffff_ffff
    };
    if u64::from_le_bytes(have) & mask == word && ends_scalar(have[len]) {
        Ok(())
    } else {
        Err(Bail)
    }
}

/// The byte a one-character escape (`\\n`, `\\"`, ...) stands for, by the character after the
/// backslash; `None` for `u` (and for what is no escape, which `unescape_one` refuses).
#[inline]
pub(super) fn simple_escape(c: u8) -> Option<u8> {
    Some(match c {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        _ => return None,
    })
}

/// Decodes the escape at the start of `s` (`s[0]` is `\`): the bytes it stands for and how
/// many bytes of `s` it takes. Refuses what simd-json refuses (unknown escapes, bad hex, lone
/// surrogates).
#[inline]
pub(super) fn unescape_one<'u>(s: &[u8], utf8: &'u mut [u8; 4]) -> Result<(&'u [u8], usize), Bail> {
    let byte = match s.get(1) {
        Some(b'"') => b'"',
        Some(b'\\') => b'\\',
        Some(b'/') => b'/',
        Some(b'b') => 0x08,
        Some(b'f') => 0x0c,
        Some(b'n') => b'\n',
        Some(b'r') => b'\r',
        Some(b't') => b'\t',
        Some(b'u') => {
            let hi = hex4(s.get(2..6).ok_or(Bail)?)?;
            let (code, used) = match hi {
                0xd800..=0xdbff => {
                    if s.get(6..8) != Some(b"\\u") {
                        return Err(Bail);
                    }
                    let lo = hex4(s.get(8..12).ok_or(Bail)?)?;
                    if !(0xdc00..=0xdfff).contains(&lo) {
                        return Err(Bail);
                    }
                    (0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00), 12)
                }
                0xdc00..=0xdfff => return Err(Bail),
                _ => (hi, 6),
            };
            let c = char::from_u32(code).ok_or(Bail)?;
            let n = c.encode_utf8(utf8).len();
            return Ok((&utf8[..n], used));
        }
        _ => return Err(Bail),
    };
    utf8[0] = byte;
    Ok((&utf8[..1], 2))
}

/// Four hex digits (either case).
#[inline]
fn hex4(h: &[u8]) -> Result<u32, Bail> {
    h.iter().try_fold(0u32, |n, &b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return Err(Bail),
        };
        Ok(n << 4 | u32::from(d))
    })
}

/// A number token, read as simd-json reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Number {
    /// A non-negative integer.
    U64(u64),
    /// A negative integer (`-0` included).
    I64(i64),
    /// A number with a fraction or an exponent.
    F64(f64),
}

/// The end of the digits in `s` from `at` on.
#[inline(always)]
fn digits_end(s: &[u8], mut at: usize) -> usize {
    while at < s.len() && s[at].is_ascii_digit() {
        at += 1;
    }
    at
}

/// Checks the number at `p` (syntax, what may follow it, and that simd-json can represent it)
/// and returns the end of its token.
#[inline]
pub(super) fn check_number(src: &[u8], p: usize) -> Result<usize, Bail> {
    let int_start = p + usize::from(src.get(p) == Some(&b'-'));
    let mut end = digits_end(src, int_start);
    let int_len = end - int_start;
    if int_len == 0 || (int_len > 1 && src[int_start] == b'0') {
        return Err(Bail);
    }
    let mut float = false;
    if src.get(end) == Some(&b'.') {
        let frac_end = digits_end(src, end + 1);
        if frac_end == end + 1 {
            return Err(Bail);
        }
        end = frac_end;
        float = true;
    }
    if matches!(src.get(end), Some(b'e' | b'E')) {
        end += 1;
        if matches!(src.get(end), Some(b'+' | b'-')) {
            end += 1;
        }
        let exp_end = digits_end(src, end);
        if exp_end == end {
            return Err(Bail);
        }
        end = exp_end;
        float = true;
    }
    if !src.get(end).is_some_and(|&b| ends_scalar(b)) {
        return Err(Bail);
    }
    // Integers of up to 17 digits always fit; longer ones and floats are checked the way
    // simd-json would read them (it refuses integers beyond 64 bits and infinite floats).
    if float || int_len > 17 {
        read_number(&src[p..end])?;
    }
    Ok(end)
}

/// The value of a checked number token.
pub(super) fn read_number(token: &[u8]) -> Result<Number, Bail> {
    let negative = token[0] == b'-';
    let is_float = token.iter().any(|b| matches!(b, b'.' | b'e' | b'E'));
    if is_float {
        let text = core::str::from_utf8(token).map_err(|_| Bail)?;
        let x: f64 = text.parse().map_err(|_| Bail)?;
        return if x.is_finite() {
            Ok(Number::F64(x))
        } else {
            Err(Bail)
        };
    }
    let mut n: u64 = 0;
    for &b in &token[usize::from(negative)..] {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(Bail)?;
    }
    if negative {
        // `-9223372036854775808` is i64::MIN; below that simd-json refuses.
        let m = 0i64.checked_sub_unsigned(n).ok_or(Bail)?;
        Ok(Number::I64(m))
    } else {
        Ok(Number::U64(n))
    }
}

/// Unescapes the string of `src` whose quote is at `p` and whose first backslash is at
/// `backslash` into the front of `out`: its length there, and the offset of the first
/// backslash after the string (`src.len()` if none).
fn unescape_into(
    src: &[u8],
    p: usize,
    mut backslash: usize,
    out: &mut [u8],
) -> Result<(usize, usize), Bail> {
    if backslash < p {
        // A backslash outside every string.
        return Err(Bail);
    }
    // The text before the first backslash.
    let mut dst = backslash - 1 - p;
    out.get_mut(..dst)
        .ok_or(Bail)?
        .copy_from_slice(&src[p + 1..backslash]);
    loop {
        // One escape: the common ones are one byte, `\u` ones go through `unescape_one`.
        let used = match simple_escape(*src.get(backslash + 1).ok_or(Bail)?) {
            Some(byte) => {
                *out.get_mut(dst).ok_or(Bail)? = byte;
                dst += 1;
                2
            }
            None => {
                let mut utf8 = [0u8; 4];
                let (bytes, used) = unescape_one(&src[backslash..], &mut utf8)?;
                copy_small(out.get_mut(dst..dst + bytes.len()).ok_or(Bail)?, bytes);
                dst += bytes.len();
                used
            }
        };
        let from = backslash + used;
        let rest = src.get(from..).ok_or(Bail)?;
        let Some(k) = quote_or_backslash(rest) else {
            return Err(Bail);
        };
        copy_small(out.get_mut(dst..dst + k).ok_or(Bail)?, &rest[..k]);
        dst += k;
        if rest[k] == b'"' {
            return Ok((dst, next_backslash(src, from + k + 1, src.len())));
        }
        backslash = from + k;
    }
}

/// A serde deserializer over an event that [`Fast::prepare`] accepted, reading and checking
/// one structural after another (see the module documentation).
pub(crate) struct FastDe<'s, 'de> {
    /// The event: structure, numbers and strings without escapes are read here.
    src: &'de [u8],
    index: &'s [u32],
    /// Kinds of the open containers while skipping (see [`Fast::stack`]).
    stack: &'s mut [bool],
    /// Containers the deserializer is inside.
    depth: usize,
    /// The part of [`Fast::scratch`] not handed out yet: strings with escapes are unescaped
    /// into its front.
    scratch: &'de mut [u8],
    /// The structural to read next.
    i: usize,
    /// Offset of the first backslash not yet accounted for: every backslash must sit in a
    /// string, whose escapes are checked when it is read.
    backslash: usize,
}

impl<'de> FastDe<'_, 'de> {
    /// Checks that the whole event was read: the root is closed, nothing follows, and every
    /// backslash was in a string.
    pub(crate) fn end(&self) -> Result<(), Bail> {
        if self.depth == 0 && self.i == self.index.len() && self.backslash >= self.src.len() {
            Ok(())
        } else {
            Err(Bail)
        }
    }

    /// The offset and the byte of structural `i`.
    #[inline(always)]
    fn token(&self, i: usize) -> Result<(usize, u8), Bail> {
        let p = *self.index.get(i).ok_or(Bail)? as usize;
        let c = *self.src.get(p).ok_or(Bail)?;
        Ok((p, c))
    }

    /// The string at structural `i` (its quote at `p`): checked, unescaped if it has escapes,
    /// borrowed. Also returns the offset of the next structural.
    #[inline(always)]
    fn string(&mut self, i: usize, p: usize) -> Result<(&'de [u8], usize), Bail> {
        // Stage 1 guarantees the closing quote comes before the next structural (inside a
        // container there always is one).
        let next = *self.index.get(i + 1).ok_or(Bail)? as usize;
        if self.backslash < next {
            return Ok((self.unescape(p)?, next));
        }
        // No escapes: the closing quote is the last non-space before the next structural
        // (usually right before it).
        let src = self.src;
        let mut q = next - 1;
        if src[q] != b'"' {
            while is_space(src[q]) {
                q -= 1;
            }
            if src[q] != b'"' {
                return Err(Bail);
            }
        }
        if q <= p {
            return Err(Bail);
        }
        Ok((&src[p + 1..q], next))
    }

    /// Unescapes the string whose quote is at `p` (its first backslash is `self.backslash`)
    /// into the front of the scratch buffer, which it splits off and returns; moves
    /// `self.backslash` past the string. On failure the scratch buffer is left whole.
    #[cold]
    #[inline(never)]
    fn unescape(&mut self, p: usize) -> Result<&'de [u8], Bail> {
        let out = core::mem::take(&mut self.scratch);
        match unescape_into(self.src, p, self.backslash, out) {
            Ok((len, backslash)) => {
                self.backslash = backslash;
                let (string, left) = out.split_at_mut(len);
                self.scratch = left;
                Ok(string)
            }
            Err(bail) => {
                self.scratch = out;
                Err(bail)
            }
        }
    }

    /// Checks the escapes of a string that is skipped, not read: the string whose quote is at
    /// `p` and which ends before the structural at `next` holds the backslash at
    /// `self.backslash`. Nothing is written (unlike [`FastDe::unescape`]); moves
    /// `self.backslash` past the string.
    #[cold]
    #[inline(never)]
    fn check_escapes(&mut self, p: usize, next: usize) -> Result<(), Bail> {
        let src = self.src;
        let mut backslash = self.backslash;
        if backslash < p {
            // A backslash outside every string.
            return Err(Bail);
        }
        // Stage 1 put every byte up to the next structural other than white space after the
        // closing quote in the string, so every backslash before `next` is one of its escapes.
        loop {
            let used = match simple_escape(*src.get(backslash + 1).ok_or(Bail)?) {
                Some(_) => 2,
                None => unescape_one(&src[backslash..], &mut [0u8; 4])?.1,
            };
            // The next escape or the closing quote, whichever comes first: found within the
            // string, so the search past it runs once per string, not once per escape.
            let from = backslash + used;
            let k = quote_or_backslash(src.get(from..next).ok_or(Bail)?).ok_or(Bail)?;
            if src[from + k] == b'"' {
                self.backslash = next_backslash(src, from + k + 1, src.len());
                return Ok(());
            }
            backslash = from + k;
        }
    }

    /// Checks the value starting at structural `self.i` and moves past it.
    #[inline(always)]
    fn skip(&mut self) -> Result<(), Bail> {
        let (p, c) = self.token(self.i)?;
        match c {
            b'"' => {
                let next = *self.index.get(self.i + 1).ok_or(Bail)? as usize;
                if self.backslash < next {
                    self.check_escapes(p, next)?;
                }
                self.i += 1;
                Ok(())
            }
            b'{' | b'[' => self.skip_container(),
            b't' | b'f' | b'n' => {
                check_literal(self.src, p, c)?;
                self.i += 1;
                Ok(())
            }
            b'-' | b'0'..=b'9' => {
                check_number(self.src, p)?;
                self.i += 1;
                Ok(())
            }
            _ => Err(Bail),
        }
    }

    /// Checks the container opening at structural `self.i` and everything in it, and moves
    /// past it: one loop over the structurals with a stack of container kinds.
    #[inline(never)]
    fn skip_container(&mut self) -> Result<(), Bail> {
        let src = self.src;
        let index = self.index;
        let mut backslash = self.backslash;
        let base = self.depth;
        let mut depth = base;
        let mut object = false;
        let mut i = self.i;

        // The offset and the byte of structural `$i`.
        macro_rules! token {
            ($i:expr) => {{
                let p = *index.get($i).ok_or(Bail)? as usize;
                (p, *src.get(p).ok_or(Bail)?)
            }};
        }
        let (mut p, mut c) = token!(i);
        // Checks the escapes of the string at structural `i` (at `p`) and loads the byte of
        // the next structural (which is a `:`, `,` or closing bracket, so `p` is not needed).
        macro_rules! string {
            () => {{
                let next = *index.get(i + 1).ok_or(Bail)? as usize;
                if backslash < next {
                    self.backslash = backslash;
                    self.check_escapes(p, next)?;
                    backslash = self.backslash;
                }
                i += 1;
                c = *src.get(next).ok_or(Bail)?;
            }};
        }
        // After `{` or `,` in an object: a key, its `:`, then the value's first structural.
        macro_rules! key {
            () => {{
                if c != b'"' {
                    return Err(Bail);
                }
                string!();
                if c != b':' {
                    return Err(Bail);
                }
                i += 1;
                (p, c) = token!(i);
            }};
        }

        loop {
            // Structural `i`, at `p`, is `c` and starts a value: most often a string.
            if c == b'"' {
                string!();
            } else {
                match c {
                    b'{' | b'[' => {
                        object = c == b'{';
                        *self.stack.get_mut(depth).ok_or(Bail)? = object;
                        depth += 1;
                        i += 1;
                        (p, c) = token!(i);
                        if c != if object { b'}' } else { b']' } {
                            if object {
                                key!();
                            }
                            continue;
                        }
                        // Empty: `c` closes it below.
                    }
                    b't' | b'f' | b'n' => {
                        check_literal(src, p, c)?;
                        i += 1;
                        c = token!(i).1;
                    }
                    b'-' | b'0'..=b'9' => {
                        check_number(src, p)?;
                        i += 1;
                        c = token!(i).1;
                    }
                    _ => return Err(Bail),
                }
            }
            // Structural `i` is `c` and follows a complete value in a container.
            loop {
                if c == b',' {
                    i += 1;
                    (p, c) = token!(i);
                    if object {
                        key!();
                    }
                    break;
                }
                if c != if object { b'}' } else { b']' } {
                    return Err(Bail);
                }
                depth -= 1;
                i += 1;
                if depth == base {
                    self.i = i;
                    self.backslash = backslash;
                    return Ok(());
                }
                object = *self.stack.get(depth - 1).ok_or(Bail)?;
                c = token!(i).1;
            }
        }
    }
}

impl FastDe<'_, '_> {
    /// Enters the container opening at structural `self.i`.
    #[inline]
    fn open(&mut self) -> Result<(), Bail> {
        if self.depth >= self.stack.len() {
            return Err(Bail);
        }
        self.depth += 1;
        self.i += 1;
        Ok(())
    }

    /// After a value was deserialized from structural `start`: skips it if the seed read
    /// none of it (every deserializer method that reads a value reads all of it).
    #[inline(always)]
    fn finish_value(&mut self, start: usize) -> Result<(), Bail> {
        if self.i == start {
            return self.skip_unread();
        }
        Ok(())
    }

    /// [`FastDe::skip`] for a value a seed did not read (rare).
    #[inline(never)]
    fn skip_unread(&mut self) -> Result<(), Bail> {
        self.skip()
    }
}

impl<'de> de::Deserializer<'de> for &mut FastDe<'_, 'de> {
    type Error = Bail;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        let (p, c) = self.token(self.i)?;
        match c {
            b'"' => {
                let (bytes, _) = self.string(self.i, p)?;
                self.i += 1;
                visitor.visit_borrowed_str(core::str::from_utf8(bytes).map_err(|_| Bail)?)
            }
            b'{' => {
                self.open()?;
                let mut map = Map {
                    de: &mut *self,
                    first: true,
                    done: false,
                };
                let value = visitor.visit_map(&mut map)?;
                if !map.done {
                    // The visitor stopped early: the `}` must come next (else the tape path,
                    // which skips what is left, takes the event).
                    if self.token(self.i)?.1 != b'}' {
                        return Err(Bail);
                    }
                    self.i += 1;
                }
                self.depth -= 1;
                Ok(value)
            }
            b'[' => {
                self.open()?;
                let mut seq = Seq {
                    de: &mut *self,
                    first: true,
                    done: false,
                };
                let value = visitor.visit_seq(&mut seq)?;
                if !seq.done {
                    // A tuple reads its elements and stops: the `]` must come next (elements
                    // left unread are the tape path's length error).
                    if self.token(self.i)?.1 != b']' {
                        return Err(Bail);
                    }
                    self.i += 1;
                }
                self.depth -= 1;
                Ok(value)
            }
            b't' | b'f' | b'n' => {
                check_literal(self.src, p, c)?;
                self.i += 1;
                match c {
                    b't' => visitor.visit_bool(true),
                    b'f' => visitor.visit_bool(false),
                    _ => visitor.visit_unit(),
                }
            }
            _ => {
                let end = check_number(self.src, p)?;
                self.i += 1;
                match read_number(&self.src[p..end])? {
                    Number::U64(n) => visitor.visit_u64(n),
                    Number::I64(n) => visitor.visit_i64(n),
                    Number::F64(x) => visitor.visit_f64(x),
                }
            }
        }
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        let (p, c) = self.token(self.i)?;
        if c == b'n' {
            check_literal(self.src, p, c)?;
            self.i += 1;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Bail> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Bail> {
        let (p, c) = self.token(self.i)?;
        match c {
            b'"' => {
                let (bytes, _) = self.string(self.i, p)?;
                self.i += 1;
                let name = core::str::from_utf8(bytes).map_err(|_| Bail)?;
                visitor.visit_enum(BorrowedStrDeserializer::<Bail>::new(name))
            }
            b'{' => {
                // `{"Variant": value}`: one key, its value, then the `}`.
                self.open()?;
                let (p, c) = self.token(self.i)?;
                if c != b'"' {
                    return Err(Bail);
                }
                let (name, next) = self.string(self.i, p)?;
                if self.src.get(next) != Some(&b':') {
                    return Err(Bail);
                }
                self.i += 2;
                let start = self.i;
                let value = visitor.visit_enum(Enum {
                    de: &mut *self,
                    name,
                })?;
                if self.i == start || self.token(self.i)?.1 != b'}' {
                    return Err(Bail);
                }
                self.i += 1;
                self.depth -= 1;
                Ok(value)
            }
            _ => Err(Bail),
        }
    }

    #[inline]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Bail> {
        self.skip()?;
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// The members of an object.
struct Map<'a, 's, 'de> {
    de: &'a mut FastDe<'s, 'de>,
    /// Nothing read yet: a key or `}` comes next, else `,` or `}`.
    first: bool,
    /// The `}` was read.
    done: bool,
}

impl<'de> MapAccess<'de> for Map<'_, '_, 'de> {
    type Error = Bail;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Bail> {
        let de = &mut *self.de;
        let (mut p, mut c) = de.token(de.i)?;
        if c == b'}' {
            de.i += 1;
            self.done = true;
            return Ok(None);
        }
        if !self.first {
            if c != b',' {
                return Err(Bail);
            }
            de.i += 1;
            (p, c) = de.token(de.i)?;
        }
        self.first = false;
        if c != b'"' {
            return Err(Bail);
        }
        let (key, next) = de.string(de.i, p)?;
        if de.src.get(next) != Some(&b':') {
            return Err(Bail);
        }
        de.i += 2;
        seed.deserialize(Key::<_, Bail>::new(key)).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Bail> {
        let start = self.de.i;
        let value = seed.deserialize(&mut *self.de)?;
        self.de.finish_value(start)?;
        Ok(value)
    }
}

/// The elements of an array.
struct Seq<'a, 's, 'de> {
    de: &'a mut FastDe<'s, 'de>,
    /// Nothing read yet: an element or `]` comes next, else `,` or `]`.
    first: bool,
    /// The `]` was read.
    done: bool,
}

impl<'de> SeqAccess<'de> for Seq<'_, '_, 'de> {
    type Error = Bail;

    #[inline]
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Bail> {
        let de = &mut *self.de;
        let (_, c) = de.token(de.i)?;
        if c == b']' {
            de.i += 1;
            self.done = true;
            return Ok(None);
        }
        if !self.first {
            if c != b',' {
                return Err(Bail);
            }
            de.i += 1;
        }
        self.first = false;
        let start = de.i;
        let value = seed.deserialize(&mut *de)?;
        de.finish_value(start)?;
        Ok(Some(value))
    }
}

/// An externally tagged enum written as `{"Variant": value}`, its name read.
struct Enum<'a, 's, 'de> {
    de: &'a mut FastDe<'s, 'de>,
    /// The variant name.
    name: &'de [u8],
}

impl<'de> EnumAccess<'de> for Enum<'_, '_, 'de> {
    type Error = Bail;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Bail> {
        let variant = seed.deserialize(Key::<_, Bail>::new(self.name))?;
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for Enum<'_, '_, 'de> {
    type Error = Bail;

    fn unit_variant(self) -> Result<(), Bail> {
        de::Deserialize::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Bail> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Bail> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Bail> {
        de::Deserializer::deserialize_map(&mut *self.de, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fuzzing::{fast_against_tape, Any, AnyValue, Decode, Outcome};
    use serde::Deserialize;

    fn both(json: &str) -> (Outcome<Any>, Outcome<Any>) {
        fast_against_tape::<AnyValue, Any>(json.as_bytes(), Any::clone)
    }

    /// Taken by the fast path, with the tape path's value.
    fn fast(json: &str) -> Any {
        match both(json) {
            (Outcome::Value(v), _) => v,
            other => panic!("{json}: the fast path did not take it: {other:?}"),
        }
    }

    /// Left to the tape path, which refuses it.
    fn refused(json: &str) {
        match both(json) {
            (Outcome::Gave, Outcome::Refused(_)) => {}
            other => panic!("{json}: {other:?}"),
        }
    }

    fn sample_events() -> Vec<(String, Vec<u8>)> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/events");
        let mut events = Vec::new();
        for dir in [root.to_owned(), format!("{root}/lambda-http")] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    events.push((path.display().to_string(), std::fs::read(path).unwrap()));
                }
            }
        }
        assert!(events.len() > 30);
        events
    }

    #[test]
    fn a_short_event_after_a_long_one_reads_only_its_own_bytes() {
        // Regression (json_event fuzz target): the adapters persist across invocations, and
        // "2" right after "22" was read as 22 from the previous event's bytes in the padding.
        // `fuzzing::event` panics when the fast path and the tape path disagree.
        for json in ["22", "2", "123456", "1", "-7", "0", "[1]", "7"] {
            super::super::fuzzing::event(json.as_bytes());
        }
    }

    #[test]
    fn every_sample_event_takes_the_fast_path_with_the_tape_paths_values() {
        for (name, event) in sample_events() {
            match fast_against_tape::<AnyValue, Any>(&event, Any::clone) {
                (Outcome::Value(_), Outcome::Value(_)) => {}
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn strings_and_escapes() {
        let v = fast(r#"{"a":"\n\t\"\\\/\b\f\r\u00e9\ud83d\ude00x","k\u0041y":"","é":"ü"}"#);
        let Any::Map(members) = v else { panic!() };
        assert_eq!(
            members[0].1,
            Any::Str("\n\t\"\\/\u{8}\u{c}\ré😀x".into(), true)
        );
        assert_eq!(members[1].0, Any::Str("kAy".into(), true));
        assert_eq!(
            members[2],
            (Any::Str("é".into(), true), Any::Str("ü".into(), true))
        );
        // Escapes next to each other, at both ends, and in several strings in a row.
        fast(r#"["\\\\", "\"", "a\"", "\"b", "\u0000", "x\\", ["\n", {"\t": "\r"}]]"#);
        for bad in [
            r#"["\x"]"#,
            r#"["\u12"]"#,
            r#"["\u12g4"]"#,
            r#"["\ud800"]"#,
            r#"["\udc00"]"#,
            r#"["\ud800\u0041"]"#,
            r#"["\ud800x"]"#,
            r#"{"a\q":1}"#,
            r#"["ok", 1\]"#,
            r#"[1, "a"] \"#,
        ] {
            refused(bad);
        }
        // A bad escape after a good one (unescaped into the scratch buffer): the tape path
        // then reads the event as it arrived.
        refused(r#"{"a":"x\ny","b":"\q"}"#);
        refused(r#"{"a":"x\ny","b":tru}"#);
    }

    #[test]
    fn skipped_strings_have_their_escapes_checked_without_being_unescaped() {
        struct Ignored;
        impl Decode for Ignored {
            type Out<'de> = serde::de::IgnoredAny;
        }
        let skip = |json: &str| fast_against_tape::<Ignored, ()>(json.as_bytes(), |_| ());
        for good in [
            r#"{"a":"x\ny","b":["\\\"\u00e9\ud83d\ude00",{"k\tey":"\/"}]}"#,
            r#"["\\", "\"", "a\\\\b\"c", "\b\f\r\t"]"#,
        ] {
            let got = skip(good);
            assert!(
                matches!(got, (Outcome::Value(()), Outcome::Value(()))),
                "{good}: {got:?}"
            );
        }
        for bad in [
            r#"{"a":"\q"}"#,
            r#"["ok","\u12g4"]"#,
            r#"{"a":["\ud800"]}"#,
            r#"{"a":"\udc00x"}"#,
            r#"["\ud800\u0041"]"#,
            r#"["\u00"]"#,
            r#"[1, "a"] \"#,
        ] {
            let got = skip(bad);
            assert!(
                matches!(got, (Outcome::Gave, Outcome::Refused(_))),
                "{bad}: {got:?}"
            );
        }
        // A string value skipped by a typed event (serde's ignored field), then a read one.
        assert!(matches!(
            typed(r#"{"other":"a\nb\u0041","name":"x\ty"}"#),
            (Outcome::Value(_), Outcome::Value(_))
        ));
        assert!(matches!(
            typed(r#"{"other":"a\qb","name":"x"}"#),
            (Outcome::Gave, Outcome::Refused(_))
        ));
    }

    #[test]
    fn numbers_as_simd_json_reads_them() {
        let Any::Seq(v) = fast(
            "[0, -0, 1.5, -1e5, 1E+2, 2.5e-3, 123456789012345678, 18446744073709551615, \
             -9223372036854775808, 1e-400, 0e999999, 17976931348623157e292]",
        ) else {
            panic!()
        };
        assert_eq!(v[0], Any::U64(0));
        assert_eq!(v[1], Any::I64(0));
        assert_eq!(v[2], Any::F64(1.5f64.to_bits()));
        assert_eq!(v[3], Any::F64((-1e5f64).to_bits()));
        assert_eq!(v[7], Any::U64(u64::MAX));
        assert_eq!(v[8], Any::I64(i64::MIN));
        for bad in [
            "[01]",
            "[1.]",
            "[.1]",
            "[-]",
            "[1e]",
            "[1e+]",
            "[+1]",
            "[18446744073709551616]",
            "[-9223372036854775809]",
            "[1e400]",
            "[-1e400]",
            "[1x]",
            "[1-2]",
            "[0x10]",
        ] {
            refused(bad);
        }
    }

    #[test]
    fn structure_and_literals() {
        fast(" { \"a\" : [ 1 , { } , [ ] , true , false , null ] ,\r\n\t\"b\":{}} ");
        fast("[]");
        fast("[[[[[[[[[[{}]]]]]]]]]]");
        for bad in [
            "{\"a\":1,}",
            "[1,]",
            "[,1]",
            "{,}",
            "{\"a\" 1}",
            "{\"a\":1 \"b\":2}",
            "{\"a\"}",
            "{1:2}",
            "[1 2]",
            "[1:2]",
            "{} x",
            "{}}",
            "[[]]]",
            "[[]",
            "{\"a\":[}",
            "[tru]",
            "[truex]",
            "[nul]",
            "[null1]",
            "[True]",
            "",
            "   ",
        ] {
            refused(bad);
        }
        // Root scalars and strings are left to the tape path, which accepts them.
        for root in ["\"x\"", "1", "true", "null"] {
            assert!(
                matches!(both(root), (Outcome::Gave, Outcome::Value(_))),
                "{root}"
            );
        }
        // As deep as simd-json allows, and no deeper (skipped: a generic value that deep
        // would overflow the test's stack, on either path).
        struct Ignored;
        impl Decode for Ignored {
            type Out<'de> = serde::de::IgnoredAny;
        }
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes();
        assert!(matches!(
            fast_against_tape::<Ignored, ()>(&deep(1024), |_| ()),
            (Outcome::Value(()), Outcome::Value(()))
        ));
        assert!(matches!(
            fast_against_tape::<Ignored, ()>(&deep(1025), |_| ()),
            (Outcome::Gave, Outcome::Refused(_))
        ));
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // Only deserialized.
    struct Typed<'a> {
        #[serde(borrow)]
        name: Option<&'a str>,
        pair: Option<(u8, u8)>,
        shape: Option<Shape>,
        #[serde(default)]
        list: Vec<i32>,
        #[serde(rename = "the-map", default, borrow)]
        map: std::collections::BTreeMap<&'a str, u16>,
        by_number: Option<std::collections::BTreeMap<u8, bool>>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // Only deserialized.
    enum Shape {
        Dot,
        Circle(f64),
        Rect { w: u8, h: u8 },
        Pair(i8, i8),
    }

    struct TypedEvent;

    impl Decode for TypedEvent {
        type Out<'de> = Typed<'de>;
    }

    fn typed(json: &str) -> (Outcome<String>, Outcome<String>) {
        fast_against_tape::<TypedEvent, String>(json.as_bytes(), |t| format!("{t:?}"))
    }

    #[test]
    fn typed_events_and_mismatches() {
        for good in [
            r#"{"name":"a\"b","pair":[1,2],"shape":"Dot","list":[-1,2],"the-map":{"x":1},"other":{"deep":[1,{"x":null}]}}"#,
            r#"{"shape":{"Circle":2.5},"by_number":{"1":true,"20":false}}"#,
            r#"{"shape":{"Rect":{"w":1,"h":2}},"name":null}"#,
            r#"{"shape":{"Pair":[-1,2]}}"#,
            r#"{}"#,
        ] {
            let got = typed(good);
            assert!(
                matches!(got, (Outcome::Value(_), Outcome::Value(_))),
                "{good}: {got:?}"
            );
        }
        for mismatch in [
            r#"{"name":7}"#,
            r#"{"pair":[1,2,3]}"#,
            r#"{"pair":[1]}"#,
            r#"{"shape":"Hexagon"}"#,
            r#"{"shape":{"Circle":1,"Dot":null}}"#,
            r#"{"shape":{}}"#,
            r#"{"list":[1,"x"]}"#,
            r#"{"the-map":{"x":70000}}"#,
            r#"{"by_number":{"x":true}}"#,
            r#"[1]"#,
        ] {
            assert!(
                matches!(typed(mismatch), (Outcome::Gave, Outcome::Refused(_))),
                "{mismatch}"
            );
        }
    }
}
