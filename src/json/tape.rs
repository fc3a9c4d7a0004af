//! The tape of an event without simd-json's stage 2: lambda-zero's own stage 1
//! ([`super::stage1`]) indexes the event where it lies, then one pass over that index writes
//! the same tape simd-json's [`simd_json::fill_tape`] writes, checking what its stage 2 checks.
//!
//! simd-json copies the event into a padded buffer, runs its stage 1 (see [`super::stage1`] for
//! why that one is slower), then copies every string, escaped or not, through its string
//! buffer back into the event. Here a string is borrowed where it lies: its closing quote is
//! the last byte that is not white space before the next structural, so it needs no scan. The
//! pass checks the grammar, literals, numbers (syntax and range), depth and that nothing
//! follows the root, as simd-json's stage 2 does. An event with escapes has them resolved in
//! place first ([`TapeIndex::unescape`]: each such string is rewritten into the end of its own
//! bytes, behind spaces), so the pass never sees one.
//!
//! Once stage 1 accepted the event, its strings borrow from it. What is unusual before that
//! (an event larger than the index or the tape, a stage-1 refusal, an invalid escape) is left
//! to simd-json over the event as it came; what the pass refuses after (invalid JSON, a root
//! that is not a container, nesting at the depth limit) simd-json decides on a copy of the
//! event as it came ([`TapeIndex::fallback`]), so results and errors are simd-json's either
//! way. The stage 1 is lambda-zero's on x86_64 with AVX2 or AVX-512, simd-json's elsewhere
//! (over a copy behind a `]`, as [`super::fast::Fast`] runs it).

use core::fmt;

use simd_json::{Buffers, ErrorType, Node, StaticNode, Tape, INPUT_PADDING};

use super::fast::FAST_MAX_EVENT;
use super::fast::{
    check_literal, check_number, ends_scalar, is_space, read_number, simple_escape, unescape_one,
    Bail, Number,
};
use super::stage1::{Kernel, BLOCK};

/// One open container while the tape is written.
#[derive(Clone, Copy, Default)]
struct Frame {
    /// Where its node is on the tape.
    start: usize,
    /// Its members or elements so far.
    len: usize,
    /// An object (else an array).
    object: bool,
}

/// The index and the container stack of [`Parser::with_index`](super::Parser::with_index),
/// sized once.
pub(crate) struct TapeIndex {
    /// lambda-zero's stage 1, or `None` for simd-json's (over [`TapeIndex::padded`]).
    kernel: Option<Kernel>,
    /// `]`, the event, then [`INPUT_PADDING`] bytes, for simd-json's stage 1 where no
    /// [`Kernel`] runs (as the typed fast path does it); empty where one does.
    padded: Box<[u8]>,
    /// One offset per structural, with a block more room than the largest event needs.
    index: Box<[u32]>,
    /// As deep as the parser accepts (an event nested that deep goes to simd-json).
    frames: Box<[Frame]>,
    /// Largest event taken.
    max_len: usize,
    /// A copy of an event [`TapeIndex::build`] refused, for simd-json to parse (made before
    /// unescaping, for an event with escapes).
    copy: Box<[u8]>,
    /// Whether the copy holds the event [`TapeIndex::index`] accepted last.
    copied: bool,
    /// Structurals of the event stage 1 accepted last (0 when it gave up).
    count: usize,
}

impl fmt::Debug for TapeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TapeIndex")
            .field("stage1", &self.kernel.map_or("simd-json", Kernel::name))
            .field("max_len", &self.max_len)
            .finish_non_exhaustive()
    }
}

impl TapeIndex {
    /// Buffers for events up to `max_len` bytes (capped at 1 MiB) nested up to `max_depth`,
    /// with the fastest stage 1 this CPU runs (or the one `LAMBDA_ZERO_JSON_STAGE1` names):
    /// lambda-zero's where it runs (x86_64 with AVX-512 or AVX2), simd-json's otherwise
    /// (arm64's NEON) or when that variable says `simd-json`.
    pub(crate) fn new(max_len: usize, max_depth: usize) -> Option<TapeIndex> {
        let name = std::env::var("LAMBDA_ZERO_JSON_STAGE1").ok();
        let kernel = Kernel::select(name.as_deref());
        let max_len = max_len.min(FAST_MAX_EVENT);
        let padded = match kernel {
            Some(_) => Vec::new(),
            None => vec![0u8; max_len + 1 + INPUT_PADDING],
        };
        Some(TapeIndex {
            kernel,
            padded: padded.into_boxed_slice(),
            // Zeroed allocations of these sizes come straight from the OS, committed on touch.
            index: vec![0u32; max_len + BLOCK].into_boxed_slice(),
            frames: vec![Frame::default(); max_depth.min(max_len)].into_boxed_slice(),
            copy: vec![0u8; max_len].into_boxed_slice(),
            copied: false,
            max_len,
            count: 0,
        })
    }

    /// Stage 1: indexes `event` for [`TapeIndex::build`], or gives up (an event larger than
    /// the index, refused by stage 1, or with more structurals than `capacity`, the tape's:
    /// every value and key is one structural, so the tape is never longer than the index).
    /// The event is only read. `Ok(true)`: it has a backslash, so [`TapeIndex::unescape`]
    /// must run before the tape is built.
    pub(crate) fn index(
        &mut self,
        event: &[u8],
        capacity: usize,
        buffers: &mut Buffers,
        scratch: &mut Vec<Node<'_>>,
    ) -> Result<bool, Bail> {
        self.count = 0;
        self.copied = false;
        if event.len() > self.max_len {
            return Err(Bail);
        }
        let (n, backslash) = match self.kernel {
            Some(kernel) => {
                let found = kernel.index(event, &mut self.index)?;
                (found.structurals, found.backslash)
            }
            None => {
                let n = self.index_with_simd_json(event, buffers, scratch)?;
                (n, memchr::memchr(b'\\', event).is_some())
            }
        };
        if n > capacity {
            return Err(Bail);
        }
        self.count = n;
        Ok(backslash)
    }

    /// simd-json's stage 1 over a copy of `event` behind a `]`, as the typed fast path runs it
    /// ([`super::fast::Fast`]): stage 2 stops at once on the `]`, and the structural offsets,
    /// moved down by one, are the event's. `scratch` (an empty tape) is lent to simd-json and
    /// left empty.
    #[cold]
    fn index_with_simd_json(
        &mut self,
        event: &[u8],
        buffers: &mut Buffers,
        scratch: &mut Vec<Node<'_>>,
    ) -> Result<usize, Bail> {
        let doc = event.len() + 1;
        let copy = self.padded.get_mut(..doc + INPUT_PADDING).ok_or(Bail)?;
        copy[0] = b']';
        copy[1..doc].copy_from_slice(event);
        let mut tape: Tape<'_> = Tape(core::mem::take(scratch)).reset();
        let stage1 = simd_json::fill_tape_padded(copy, doc, buffers, &mut tape);
        *scratch = tape.reset().0;
        match stage1 {
            // Stage 2 stopped at the `]`: stage 1 accepted the event.
            Err(e)
                if *e.error() == ErrorType::InternalError
                    && e.index() == 0
                    && e.character() == Some(']') => {}
            _ => return Err(Bail),
        }
        let found = buffers.structural_indexes().get(1..).ok_or(Bail)?;
        let index = self.index.get_mut(..found.len()).ok_or(Bail)?;
        for (to, &from) in index.iter_mut().zip(found) {
            *to = from.wrapping_sub(1);
        }
        Ok(found.len())
    }

    /// Resolves the escapes of the event [`TapeIndex::index`] accepted, in place: each string
    /// with a backslash is unescaped into the end of its own bytes (the end of its content
    /// stays right before its closing quote, as unescaping only shortens), a quote is put
    /// before it, spaces fill the bytes freed in front (white space before a string is still
    /// JSON), and its index entry moves to the new quote. The event stays valid UTF-8 with
    /// every structural where it was. The original is kept in the copy, for
    /// [`TapeIndex::fallback`]; on `Bail` (an invalid escape, a backslash outside a string) the
    /// event is restored from it, for simd-json to parse.
    #[cold]
    #[inline(never)]
    pub(crate) fn unescape(&mut self, event: &mut [u8]) -> Result<(), Bail> {
        let copy = self.copy.get_mut(..event.len()).ok_or(Bail)?;
        copy.copy_from_slice(event);
        self.copied = true;
        let outcome = unescape_strings(copy, &mut self.index[..self.count], event);
        if outcome.is_err() {
            event.copy_from_slice(copy);
            self.count = 0;
        }
        outcome
    }

    /// The tape of the event [`TapeIndex::index`] accepted, into `tape` (empty), checked as
    /// simd-json's stage 2 checks it; its strings borrow from `event`. On `Bail` (which
    /// [`TapeIndex::fallback`] then handles) `tape` is left empty.
    pub(crate) fn build<'de>(
        &mut self,
        event: &'de [u8],
        tape: &mut Vec<Node<'de>>,
    ) -> Result<(), Bail> {
        // Stage 1 checked the UTF-8 of an event with bytes above 0x7f; for the others this is
        // the ASCII test only. Strings are then sliced, not checked one by one.
        let outcome = match simdutf8::basic::from_utf8(event) {
            Ok(text) => {
                let index = self.index.get(..self.count).ok_or(Bail)?;
                build(text, index, &mut self.frames, tape)
            }
            Err(_) => Err(Bail),
        };
        if outcome.is_err() {
            tape.clear();
        }
        outcome
    }

    /// simd-json's verdict on an event [`TapeIndex::build`] refused: simd-json parses a copy
    /// (byte for byte the event, so its errors are the event's), and if it accepts it (which
    /// the tests and the `json_event` fuzz check have never seen), its tape goes into `tape`
    /// with each string moved from the copy to the same offset in `event` (without escapes,
    /// simd-json leaves every string where it was). `tape`'s memory is reused (the nodes of
    /// both lifetimes have one layout); only an event denser than the tape's capacity grows it.
    /// `Err(None)`: the remapping failed, which cannot happen for the copy of `event`.
    #[cold]
    #[inline(never)]
    pub(crate) fn fallback<'de>(
        &mut self,
        event: &'de [u8],
        buffers: &mut Buffers,
        tape: &mut Vec<Node<'de>>,
    ) -> Result<(), Option<simd_json::Error>> {
        let base = self.copy.as_ptr() as usize;
        let copy = self.copy.get_mut(..event.len()).ok_or(None)?;
        if !self.copied {
            copy.copy_from_slice(event);
        }
        let mut copied: Tape<'_> = Tape(core::mem::take(tape)).reset();
        let parsed = simd_json::fill_tape(copy, buffers, &mut copied);
        let text = core::str::from_utf8(event).ok();
        let mut lost = parsed.is_err() || text.is_none();
        let text = text.unwrap_or("");
        *tape = copied
            .0
            .into_iter()
            .map(|node| match node {
                Node::String(s) => {
                    // simd-json unescapes a string into the front of its bytes, `unescape` into
                    // their end, behind spaces and a quote: past those, the same text.
                    let mut at = (s.as_ptr() as usize).wrapping_sub(base);
                    if text.as_bytes().get(at.wrapping_sub(1)) == Some(&b' ') {
                        at -= 1;
                        while text.as_bytes().get(at) == Some(&b' ') {
                            at += 1;
                        }
                        at += 1;
                    }
                    match text.get(at..at.wrapping_add(s.len())) {
                        Some(t) if t == s => Node::String(t),
                        _ => {
                            lost = true;
                            Node::Static(StaticNode::Null)
                        }
                    }
                }
                Node::Object { len, count } => Node::Object { len, count },
                Node::Array { len, count } => Node::Array { len, count },
                Node::Static(s) => Node::Static(s),
            })
            .collect();
        match parsed {
            Err(e) => {
                tape.clear();
                Err(Some(e))
            }
            Ok(()) if lost => {
                tape.clear();
                Err(None)
            }
            Ok(()) => Ok(()),
        }
    }
}

/// [`TapeIndex::unescape`]: every string of `src` (the original event, indexed by `index`)
/// that holds a backslash, unescaped into `event` (a copy of `src` so far).
fn unescape_strings(src: &[u8], index: &mut [u32], event: &mut [u8]) -> Result<(), Bail> {
    let mut j = 0usize;
    let mut from = 0usize;
    while let Some(k) = src.get(from..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        let b = from + k;
        // The structural the backslash follows: the string's opening quote.
        while index.get(j + 1).is_some_and(|&next| next as usize <= b) {
            j += 1;
        }
        let p = *index.get(j).ok_or(Bail)? as usize;
        let next = *index.get(j + 1).ok_or(Bail)? as usize;
        if p > b || src.get(p) != Some(&b'"') {
            return Err(Bail);
        }
        // Its closing quote: the last byte that is not white space before the next structural.
        let mut q = next.checked_sub(1).ok_or(Bail)?;
        while q > p && src.get(q).is_some_and(|&c| is_space(c)) {
            q -= 1;
        }
        if q <= b || src.get(q) != Some(&b'"') {
            return Err(Bail);
        }
        let len = unescape_string(src, p, q, b, event.get_mut(p + 1..q).ok_or(Bail)?)?;
        // Right-aligned before the closing quote, behind a quote and spaces.
        let start = q - len;
        event.copy_within(p + 1..p + 1 + len, start);
        event[start - 1] = b'"';
        event[p..start - 1].fill(b' ');
        index[j] = (start - 1) as u32;
        from = q + 1;
    }
    Ok(())
}

/// Unescapes the content of the string of `src` between the quotes at `p` and `q`, whose first
/// backslash is at `b`, into the front of `out`: its length.
fn unescape_string(
    src: &[u8],
    p: usize,
    q: usize,
    mut b: usize,
    out: &mut [u8],
) -> Result<usize, Bail> {
    let mut dst = b - (p + 1);
    out.get_mut(..dst)
        .ok_or(Bail)?
        .copy_from_slice(&src[p + 1..b]);
    loop {
        let used = match simple_escape(*src.get(b + 1).ok_or(Bail)?) {
            Some(byte) => {
                *out.get_mut(dst).ok_or(Bail)? = byte;
                dst += 1;
                2
            }
            None => {
                let mut utf8 = [0u8; 4];
                let (bytes, used) = unescape_one(src.get(b..q).ok_or(Bail)?, &mut utf8)?;
                out.get_mut(dst..dst + bytes.len())
                    .ok_or(Bail)?
                    .copy_from_slice(bytes);
                dst += bytes.len();
                used
            }
        };
        let from = b + used;
        let rest = src.get(from..q).ok_or(Bail)?;
        match memchr::memchr(b'\\', rest) {
            Some(k) => {
                out.get_mut(dst..dst + k)
                    .ok_or(Bail)?
                    .copy_from_slice(&rest[..k]);
                dst += k;
                b = from + k;
            }
            None => {
                out.get_mut(dst..dst + rest.len())
                    .ok_or(Bail)?
                    .copy_from_slice(rest);
                return Ok(dst + rest.len());
            }
        }
    }
}

/// The tape of `text`, indexed by `index`, into `tape`.
///
/// The container being filled is kept in locals (`start`, `len`, `object`); opening one
/// pushes the outer one's on `frames`, closing one pops it.
#[inline(always)]
fn build<'de>(
    text: &'de str,
    index: &[u32],
    frames: &mut [Frame],
    tape: &mut Vec<Node<'de>>,
) -> Result<(), Bail> {
    let src = text.as_bytes();
    let n = index.len();
    let mut depth = 0usize;
    let mut i = 0usize;
    let mut start = 0usize;
    let mut len = 0usize;
    let mut object = false;

    macro_rules! token {
        ($i:expr) => {{
            let p = *index.get($i).ok_or(Bail)? as usize;
            (p, *src.get(p).ok_or(Bail)?)
        }};
    }
    let (mut p, mut c) = token!(0);
    // The string at structural `i`, at `p`, borrowed; loads the byte of the next structural
    // into `c`. Stage 1 checked the string; without escapes, its closing
    // quote is the last byte that is not white space before the next structural (inside a
    // container there is one).
    macro_rules! string {
        () => {{
            let next = *index.get(i + 1).ok_or(Bail)? as usize;
            let mut q = next.checked_sub(1).ok_or(Bail)?;
            if *src.get(q).ok_or(Bail)? != b'"' {
                while is_space(src[q]) {
                    q -= 1;
                }
                if src[q] != b'"' {
                    return Err(Bail);
                }
            }
            if q <= p || src[p] != b'"' {
                return Err(Bail);
            }
            push(tape, Node::String(borrow(text, p + 1, q)))?;
            i += 1;
            c = *src.get(next).ok_or(Bail)?;
        }};
    }
    // After `{` or `,` in an object: the key at `c`, its `:`, then the value's first structural.
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

    // The root: a container (a scalar root is simd-json's).
    if c != b'{' && c != b'[' {
        return Err(Bail);
    }
    loop {
        // Structural `i`, at `p`, is `c` and starts a value.
        if c == b'"' {
            string!();
        } else if c == b'{' || c == b'[' {
            *frames.get_mut(depth).ok_or(Bail)? = Frame { start, len, object };
            depth += 1;
            object = c == b'{';
            start = tape.len();
            len = 0;
            push(tape, Node::Static(StaticNode::Null))?;
            i += 1;
            (p, c) = token!(i);
            if c != if object { b'}' } else { b']' } {
                if object {
                    key!();
                }
                continue;
            }
            // Empty: `c` closes it below, with `len` 0 (the loop below counts one value
            // before it looks at `c`).
            len = usize::MAX;
        } else {
            let node = match c {
                b't' | b'f' | b'n' => {
                    check_literal(src, p, c)?;
                    match c {
                        b't' => StaticNode::Bool(true),
                        b'f' => StaticNode::Bool(false),
                        _ => StaticNode::Null,
                    }
                }
                b'-' | b'0'..=b'9' => number(src, p)?,
                _ => return Err(Bail),
            };
            push(tape, Node::Static(node))?;
            i += 1;
            c = token!(i).1;
        }
        // Structural `i` is `c` and follows a complete value inside a container.
        loop {
            len = len.wrapping_add(1);
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
            let count_in = tape.len() - start - 1;
            *tape.get_mut(start).ok_or(Bail)? = if object {
                Node::Object {
                    len,
                    count: count_in,
                }
            } else {
                Node::Array {
                    len,
                    count: count_in,
                }
            };
            depth -= 1;
            i += 1;
            let outer = *frames.get(depth).ok_or(Bail)?;
            (start, len, object) = (outer.start, outer.len, outer.object);
            if depth == 0 {
                return if i == n { Ok(()) } else { Err(Bail) };
            }
            c = token!(i).1;
        }
    }
}

/// `tape.push(node)` into the capacity reserved for the tape (stage 1 checked that the event
/// has no more structurals than that, and every node is one structural), `Bail` past it.
/// Without `Vec::push`'s growth path, and inlined at every `opt-level` (at `"z"`, `Vec::push`
/// stays a call: a fifth of an S3 event's parse).
#[inline(always)]
#[allow(unsafe_code)]
fn push<'de>(tape: &mut Vec<Node<'de>>, node: Node<'de>) -> Result<(), Bail> {
    let len = tape.len();
    tape.spare_capacity_mut()
        .first_mut()
        .ok_or(Bail)?
        .write(node);
    // SAFETY: `len < capacity` (there was a spare slot), and the slot at `len`, the first
    // spare one, was initialised by the write just above.
    unsafe { tape.set_len(len + 1) };
    Ok(())
}

/// `text[start..end]`, where `text[start - 1]` and `text[end]` are quotes (`"`): without
/// the two char-boundary checks `str::get` would make (about a fifth of the pass over an S3
/// event, whose ~60 strings are short).
#[inline(always)]
#[allow(unsafe_code)]
fn borrow(text: &str, start: usize, end: usize) -> &str {
    let src = text.as_bytes();
    debug_assert!(start >= 1 && start <= end && end < src.len());
    debug_assert!(src[start - 1] == b'"' && src[end] == b'"');
    // SAFETY: the caller checked `src[start - 1] == b'"'`, `src[end] == b'"'` (`end` in
    // bounds) and `start - 1 < end`. `text` is UTF-8 and a quote is an ASCII byte, which is
    // never inside a multi-byte character, so `start` (just after one) and `end` (at one) are
    // char boundaries with `start <= end <= text.len()`.
    unsafe { text.get_unchecked(start..end) }
}

/// The powers of ten that an `f64` holds exactly.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The number at `p`, checked and read as simd-json reads it.
#[inline(always)]
fn number(src: &[u8], p: usize) -> Result<StaticNode, Bail> {
    let negative = src[p] == b'-';
    let start = p + usize::from(negative);
    let mut at = start;
    let mut n: u64 = 0;
    while let Some(&b) = src.get(at) {
        if !b.is_ascii_digit() {
            break;
        }
        n = n.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
        at += 1;
    }
    let digits = at - start;
    let plain = digits > 0
        && digits <= 17
        && (digits == 1 || src[start] != b'0')
        && src.get(at).is_some_and(|&b| ends_scalar(b));
    if plain {
        // Up to 17 digits: no overflow, and `-0` is the integer 0, as simd-json reads it.
        return Ok(if negative {
            StaticNode::I64(-(n as i64))
        } else {
            StaticNode::U64(n)
        });
    }
    // A fraction without exponent whose digits fit 53 bits, as timestamps are
    // (`1428537600.0`): the digits over an exact power of ten, one correctly rounded division,
    // which is the correctly rounded value simd-json reads (Clinger's fast path).
    if digits > 0 && (digits == 1 || src[start] != b'0') && src.get(at) == Some(&b'.') {
        let mut end = at + 1;
        while let Some(&b) = src.get(end) {
            if !b.is_ascii_digit() {
                break;
            }
            n = n.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            end += 1;
        }
        let fraction = end - at - 1;
        if fraction > 0
            && digits + fraction <= 19
            && n <= 1 << 53
            && src.get(end).is_some_and(|&b| ends_scalar(b))
        {
            if let Some(&scale) = POWERS_OF_TEN.get(fraction) {
                let x = n as f64 / scale;
                return Ok(StaticNode::F64(if negative { -x } else { x }));
            }
        }
    }
    // Exponents, long numbers and invalid tokens.
    let end = check_number(src, p)?;
    Ok(match read_number(&src[p..end])? {
        Number::U64(n) => StaticNode::U64(n),
        Number::I64(n) => StaticNode::I64(n),
        Number::F64(x) => StaticNode::F64(x),
    })
}

#[cfg(test)]
mod tests {
    use simd_json::Node;

    use super::TapeIndex;
    use crate::json::{Limits, Parser};

    fn samples() -> Vec<(String, Vec<u8>)> {
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

    /// simd-json's tape of `json`, as owned debug text (strings included).
    fn reference(json: &[u8]) -> Result<String, ()> {
        let mut copy = json.to_vec();
        simd_json::to_tape(&mut copy)
            .map(|t| format!("{:?}", t.0))
            .map_err(|_| ())
    }

    /// The tape of `Parser::with_index`, and whether its own pass took the event.
    fn indexed(parser: &mut Parser, json: &[u8]) -> (Result<String, ()>, bool) {
        let mut copy = json.to_vec();
        let got = parser
            .with_value(&mut copy, |v| format!("{:?}", v.nodes()))
            .map_err(|_| ());
        let mut event = json.to_vec();
        let mut tape: Vec<Node<'_>> = Vec::with_capacity(json.len() + 1);
        let took = parser.index.as_mut().is_some_and(|index| {
            match index.index(
                &event,
                tape.capacity(),
                &mut parser.buffers,
                &mut Vec::new(),
            ) {
                Ok(escaped) => {
                    (!escaped || index.unescape(&mut event).is_ok())
                        && index.build(&event, &mut tape).is_ok()
                }
                Err(_) => false,
            }
        });
        (got, took)
    }

    fn parser() -> Parser {
        Parser::with_index(Limits::strict(256 * 1024, 0))
    }

    #[test]
    fn every_sample_event_gets_simd_jsons_tape() {
        let mut parser = parser();
        let runs = parser.index.is_some();
        for (name, json) in samples() {
            let (got, took) = indexed(&mut parser, &json);
            assert_eq!(got, reference(&json), "{name}");
            // Every sample takes the pass (where a stage 1 of ours runs).
            if runs {
                assert!(took, "{name}: left to simd-json");
            }
            // Compact, and with white space everywhere it may be.
            let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let compact = serde_json::to_vec(&value).unwrap();
            let spaced: Vec<u8> = compact
                .iter()
                .flat_map(|&b| match b {
                    b',' | b':' | b'[' | b'{' | b'}' | b']' => vec![b' ', b, b'\t'],
                    _ => vec![b],
                })
                .collect();
            for variant in [compact, spaced] {
                let (got, _) = indexed(&mut parser, &variant);
                assert_eq!(got, reference(&variant), "{name} (variant)");
            }
        }
    }

    #[test]
    fn values_refusals_and_edges_are_simd_jsons() {
        let mut parser = parser();
        let cases: &[&str] = &[
            "{}",
            "[]",
            "[[]]",
            "{\"a\":{}}",
            "[{},[],{}]",
            "{\"a\":[1,2,{\"b\":null}]}",
            "[0,-0,1,-1,17,12345678901234567,123456789012345678,18446744073709551615]",
            "[18446744073709551616]",
            "[-9223372036854775808]",
            "[-9223372036854775809]",
            "[1.5,-2.25e3,1E400,1e-400,0.1,1e5,1E+2]",
            "[1428537600.0,-0.0,0.0,1700000000.123,9007199254740993.0,0.30000000000000004]",
            "[123456789.123456789,9.999999999999999999,1.0000000000000000000001,00.5,-.5,1.e5]",
            "[01]",
            "[1.]",
            "[.5]",
            "[-]",
            "[1e]",
            "[true,false,null]",
            "[tru]",
            "[nul,1]",
            "[truex]",
            "[true false]",
            "{\"a\" 1}",
            "{\"a\":}",
            "{\"a\":1,}",
            "[1,]",
            "[,1]",
            "{1:2}",
            "{\"a\":1 \"b\":2}",
            "[1] x",
            "[1]]",
            "[[1]",
            "\"a\"",
            "1",
            "",
            " ",
            "[\"a\" \"b\"]",
            "[\"\",\"é\",\"x y\"]",
            "{\"k\":\"v\"}  ",
            r#"["\n","\u00e9","\ud83d\ude00","a\\b","\"","\/","\b\f\r\t","x\u0000y"]"#,
            r#"{"a\nb":1,"c":"\"quoted\" \\ end\\","d":["\u20AC\u20ac"],"e":"plain"}"#,
            r#"["\x"]"#,
            r#"["\u12"]"#,
            r#"["\u12G4"]"#,
            r#"["\ud800"]"#,
            r#"["\udc00"]"#,
            r#"["\ud800\u0041"]"#,
            r#"[1\]"#,
            r#"["a" \ ]"#,
            r#"["\"]"#,
            r#"["a\"#,
            r#"{"k\"":1, "j":"\\"}"#,
            r#"[  "\t"  ,  "\n"  ]"#,
            "  [ 1 , 2 ]  ",
            "[1 2]",
            "{\"a\":1}{",
            "[\"a\\\"b\"]",
        ];
        for case in cases {
            let (got, _) = indexed(&mut parser, case.as_bytes());
            assert_eq!(got, reference(case.as_bytes()), "{case}");
        }
        // Fractions of every length around the fast path's bounds.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut json = String::from("[");
        for k in 0..4000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let digits = format!("{}", seed >> (seed % 60));
            let cut = 1 + (k % digits.len().max(1));
            let (int, frac) = digits.split_at(cut.min(digits.len()));
            let frac = if frac.is_empty() { "0" } else { frac };
            let sign = if k % 3 == 0 { "-" } else { "" };
            json.push_str(&format!("{sign}{int}.{frac},"));
        }
        json.push_str("0.5]");
        let (got, took) = indexed(&mut parser, json.as_bytes());
        assert_eq!(got, reference(json.as_bytes()));
        assert!(took || parser.index.is_none());
        // Nesting at and around the depth limit.
        for depth in [1, 2, 100, 1023, 1024, 1025, 2000] {
            let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let (got, _) = indexed(&mut parser, json.as_bytes());
            assert_eq!(
                got.is_ok(),
                reference(json.as_bytes()).is_ok(),
                "depth {depth}"
            );
        }
    }

    #[test]
    fn the_fallback_is_simd_jsons_tape_with_the_events_strings() {
        let mut parser = parser();
        let Some(index) = parser.index.as_mut() else {
            return;
        };
        for (name, json) in samples() {
            if json.contains(&b'\\') {
                continue;
            }
            let mut tape: Vec<Node<'_>> = Vec::with_capacity(64 * 1024);
            let capacity = tape.capacity();
            index
                .fallback(&json, &mut parser.buffers, &mut tape)
                .unwrap_or_else(|_| panic!("{name}"));
            assert_eq!(Ok(format!("{tape:?}")), reference(&json), "{name}");
            // Every string borrows from the event itself, in the tape's own memory.
            for node in &tape {
                if let Node::String(s) = node {
                    let at = s.as_ptr() as usize - json.as_ptr() as usize;
                    assert!(at + s.len() <= json.len(), "{name}");
                }
            }
            assert_eq!(
                tape.capacity(),
                capacity,
                "{name}: the tape was reallocated"
            );
        }
        let mut tape: Vec<Node<'_>> = Vec::with_capacity(16);
        assert!(matches!(
            index.fallback(b"{\"a\" 1}", &mut parser.buffers, &mut tape),
            Err(Some(_))
        ));
        assert!(tape.is_empty());
    }

    #[test]
    fn the_fallback_after_unescaping_is_simd_jsons_tape() {
        let mut parser = parser();
        let Some(index) = parser.index.as_mut() else {
            return;
        };
        for (name, json) in samples() {
            if !json.contains(&b'\\') {
                continue;
            }
            let mut event = json.clone();
            assert_eq!(
                index.index(&event, 1 << 16, &mut parser.buffers, &mut Vec::new()),
                Ok(true),
                "{name}"
            );
            index.unescape(&mut event).unwrap();
            let mut tape: Vec<Node<'_>> = Vec::with_capacity(1 << 16);
            index
                .fallback(&event, &mut parser.buffers, &mut tape)
                .unwrap_or_else(|_| panic!("{name}"));
            assert_eq!(Ok(format!("{tape:?}")), reference(&json), "{name}");
        }
        // A refused escape leaves the event as it was.
        let json = br#"{"a":"\n","b":"\q"}"#;
        let mut event = json.to_vec();
        assert_eq!(
            index.index(&event, 64, &mut parser.buffers, &mut Vec::new()),
            Ok(true)
        );
        assert!(index.unescape(&mut event).is_err());
        assert_eq!(&event[..], &json[..]);
    }

    #[test]
    fn an_event_denser_than_the_tape_is_simd_jsons() {
        // 4 KiB of room, one structural per byte: more nodes than the tape holds.
        let mut parser = Parser::with_index(Limits {
            structurals: 16,
            ..Limits::strict(4096, 0)
        });
        let json = format!("[{}1]", "1,".repeat(1000));
        let (got, _) = indexed(&mut parser, json.as_bytes());
        assert_eq!(got, reference(json.as_bytes()));
        let _ = TapeIndex::new(0, 0);
    }
}

#[cfg(test)]
mod timing {
    use std::time::Instant;

    use simd_json::Node;

    use crate::json::{Limits, Parser};

    /// Where the time of a parse goes (run with `--profile bench -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn stage1_pass_and_parse_times() {
        for name in [
            "example-s3-event.json",
            "example-eventbridge-event-obj.json",
            "example-sns-event.json",
            "example-apigw-request.json",
        ] {
            let path = format!("{}/tests/events/{name}", env!("CARGO_MANIFEST_DIR"));
            let json = std::fs::read(path).unwrap();
            let mut parser = Parser::with_index(Limits::strict(64 * 1024, 0));
            let mut simd = Parser::new(Limits::strict(64 * 1024, 0));
            let mut copy_simd = json.clone();
            let n = 200_000;
            let t = Instant::now();
            for _ in 0..n {
                copy_simd.copy_from_slice(&json);
                simd.with_value(&mut copy_simd, |v| v.len()).unwrap();
            }
            let simd_json = t.elapsed().as_nanos() as f64 / n as f64;
            let Some(index) = parser.index.as_mut() else {
                return;
            };
            let t = Instant::now();
            for _ in 0..n {
                index
                    .index(
                        std::hint::black_box(&json),
                        1 << 16,
                        &mut parser.buffers,
                        &mut Vec::new(),
                    )
                    .unwrap();
            }
            let stage1 = t.elapsed().as_nanos() as f64 / n as f64;
            let mut tape: Vec<Node<'_>> = Vec::with_capacity(1 << 16);
            let t = Instant::now();
            for _ in 0..n {
                tape.clear();
                let _ = index.build(std::hint::black_box(&json), &mut tape);
            }
            let pass = t.elapsed().as_nanos() as f64 / n as f64;
            let t = Instant::now();
            for _ in 0..n {
                let _ =
                    std::hint::black_box(simdutf8::basic::from_utf8(std::hint::black_box(&json)));
            }
            let utf8 = t.elapsed().as_nanos() as f64 / n as f64;
            let mut copy = json.clone();
            let t = Instant::now();
            for _ in 0..n {
                copy.copy_from_slice(&json);
                parser.with_value(&mut copy, |v| v.len()).unwrap();
            }
            let all = t.elapsed().as_nanos() as f64 / n as f64;
            eprintln!(
                "{name}: stage 1 {stage1:.0} ns, pass (with UTF-8 {utf8:.0} ns) {pass:.0} ns \
                 (without escapes: not the event's tape), with_value {all:.0} ns, \
                 Parser::new's with_value {simd_json:.0} ns"
            );
        }
    }
}
