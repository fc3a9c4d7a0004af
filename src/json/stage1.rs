//! Stage 1 of the typed fast path: the structural index of an event, in simd-json's sense,
//! found 64 bytes at a time, with AVX2 on x86_64.
//!
//! The index lists, in order, the offset of every `{ } [ ] , :` outside strings, of every
//! string's opening quote, and of the first byte of every other run of non-whitespace outside
//! strings (a number, a literal, or garbage that the pass after refuses). Stage 1 also refuses
//! what only it can see: a string left open, a control byte inside a string, invalid UTF-8.
//!
//! The block arithmetic is the simdjson paper's (Langdale and Lemire, 2019) and is plain safe
//! Rust over `u64` masks ([`Carry::structurals`]); only the classification of 64 bytes into
//! masks and the carry-less multiply are SIMD. This is the crate's one module with `unsafe`:
//! the two loads of a block and the call into the AVX2 function once the CPU is known to have
//! it. CPUs without AVX2, and other architectures, use simd-json's own stage 1 instead (see
//! [`super::fast::Fast::prepare`]), and the typed path is the same after.
//!
//! Why not simd-json's stage 1 directly: its runtime-detected AVX2 build leaves out `popcnt`
//! and `bmi1` (so each block's `count_ones` and each structural's `x & (x - 1)` take several
//! instructions), runs simdutf8's chunked validator on every block, and makes stage 2 start
//! on each call. Here UTF-8 costs one `movemask` per block, and `core::str::from_utf8` runs
//! only over an event that has a byte above 0x7f. `benches/json.rs` measures both
//! (`floor-simd-json-stage1` and `floor-own-stage1`).

use super::fast::Bail;

/// Bytes per block.
pub(crate) const BLOCK: usize = 64;

/// Masks of one block: bit `k` stands for byte `k`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Masks {
    pub(crate) backslash: u64,
    pub(crate) quote: u64,
    /// Bytes below 0x20, which a string may not hold unescaped.
    pub(crate) control: u64,
    /// JSON whitespace: space, tab, line feed, carriage return.
    pub(crate) space: u64,
    /// `{ } [ ] , :`, and the six bytes above 0x7f that simd-json's classifier puts with
    /// them (0xbb 0xbc 0xbd 0xcc 0xdb 0xdd): outside strings they make the event invalid
    /// either way, and keeping them makes the index simd-json's byte for byte.
    pub(crate) operator: u64,
    /// Bytes above 0x7f.
    pub(crate) non_ascii: u64,
}

impl Masks {
    /// The masks of `block`, one byte at a time: the reference the SIMD classifier is
    /// tested against, and the classifier of the tests' scalar stage 1.
    pub(crate) fn scalar(block: &[u8; BLOCK]) -> Masks {
        let mut m = Masks::default();
        for (k, &b) in block.iter().enumerate() {
            let bit = 1u64 << k;
            let set = |mask: &mut u64, yes: bool| *mask |= if yes { bit } else { 0 };
            set(&mut m.backslash, b == b'\\');
            set(&mut m.quote, b == b'"');
            set(&mut m.control, b < 0x20);
            set(&mut m.space, matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
            set(
                &mut m.operator,
                matches!(b, b'{' | b'}' | b'[' | b']' | b',' | b':')
                    || matches!(b, 0xbb | 0xbc | 0xbd | 0xcc | 0xdb | 0xdd),
            );
            set(&mut m.non_ascii, b >= 0x80);
        }
        m
    }
}

/// The characters escaped by a backslash in a block: the byte after each odd-length run of
/// backslashes. `carry` is 1 when the block's first byte is escaped by the run that ended the
/// block before, and is set the same way for the next block.
#[inline(always)]
fn escaped(backslash: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    // An escaped first byte neither starts nor continues a run.
    let b = backslash & !*carry;
    let starts = b & !(b << 1);
    // Adding a run's start bit to the run carries through it to the byte after it; that byte
    // is escaped when the run's length is odd, that is when its start and its end differ in
    // parity. Runs are apart, so their carries never meet.
    let after_even = b.wrapping_add(starts & EVEN) & !b;
    let (sum, out) = b.overflowing_add(starts & !EVEN);
    let after_odd = sum & !b;
    let escaped = (after_even & !EVEN) | (after_odd & EVEN) | *carry;
    // A run from an odd offset to the block's end has odd length: it escapes the next byte.
    // (One from an even offset has even length, and its carry-out is dropped.)
    *carry = u64::from(out);
    escaped
}

/// The prefix XOR of `x` (bit `k` of the result is the parity of bits `0..=k`), with shifts.
#[inline(always)]
pub(crate) fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// What stage 1 carries from one block to the next, and what it found so far.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Carry {
    /// 1 when the next block's first byte is escaped.
    escaped: u64,
    /// All ones when the last block ended inside a string.
    in_string: u64,
    /// 1 when the last block's last byte was whitespace, an operator or a quote: a scalar may
    /// start right after it.
    scalar_may_follow: u64,
    /// Control bytes inside strings, so far.
    bad: u64,
    /// Bytes above 0x7f, so far.
    non_ascii: u64,
}

impl Carry {
    /// A carry for the start of a document.
    pub(crate) fn new() -> Carry {
        Carry {
            scalar_may_follow: 1,
            ..Carry::default()
        }
    }

    /// The structural bits of a block with masks `m`; `prefix_xor` is [`prefix_xor`] or a
    /// faster equivalent.
    #[inline(always)]
    pub(crate) fn structurals(&mut self, m: Masks, prefix_xor: impl Fn(u64) -> u64) -> u64 {
        let quotes = m.quote & !escaped(m.backslash, &mut self.escaped);
        // From each opening quote up to (not including) its closing quote.
        let in_string = prefix_xor(quotes) ^ self.in_string;
        self.in_string = ((in_string as i64) >> 63) as u64;
        self.bad |= in_string & m.control;
        self.non_ascii |= m.non_ascii;
        // Operators outside strings, and every quote for now.
        let operators = (m.operator & !in_string) | quotes;
        // A scalar starts at a byte outside strings, not whitespace, after whitespace or an
        // operator or a quote (whitespace inside strings counts too, as in simd-json; what
        // that adds is only ever a closing quote, dropped below).
        let may_precede = operators | m.space;
        let follows = (may_precede << 1) | self.scalar_may_follow;
        self.scalar_may_follow = may_precede >> 63;
        let scalars = follows & !m.space & !in_string;
        // Closing quotes go: a string is found by its opening quote.
        (operators | scalars) & !(quotes & !in_string)
    }

    /// Whether the document that ended here passes stage 1 (apart from UTF-8, which
    /// [`Carry::non_ascii`] tells whether to check).
    pub(crate) fn clean(&self) -> bool {
        self.in_string == 0 && self.bad == 0
    }

    /// Whether a byte above 0x7f was seen.
    pub(crate) fn non_ascii(&self) -> bool {
        self.non_ascii != 0
    }
}

/// Writes the offsets of the bits of `bits` (block at offset `base`) to `out[..]` and returns
/// how many there were. `out` has room for a whole block, so eight offsets are written at a
/// time, the last group partly past the count (overwritten by the next block).
#[inline(always)]
fn flatten(bits: u64, base: u32, out: &mut [u32; BLOCK]) -> usize {
    let count = bits.count_ones() as usize;
    let mut bits = bits;
    for group in out.chunks_exact_mut(8) {
        if bits == 0 {
            break;
        }
        for slot in group {
            *slot = base.wrapping_add(bits.trailing_zeros());
            bits &= bits.wrapping_sub(1);
        }
    }
    count
}

/// The last, partial block of `event` from `at`, padded with spaces (as simd-json pads).
#[inline(always)]
fn tail(event: &[u8], at: usize) -> [u8; BLOCK] {
    let mut block = [b' '; BLOCK];
    let rest = &event[at..];
    block[..rest.len()].copy_from_slice(rest);
    block
}

/// One block of stage 1: its structurals appended to `index[*n..]`.
#[inline(always)]
fn step(
    carry: &mut Carry,
    masks: Masks,
    at: usize,
    index: &mut [u32],
    n: &mut usize,
    prefix_xor: impl Fn(u64) -> u64,
) -> Result<(), Bail> {
    let bits = carry.structurals(masks, prefix_xor);
    let out: &mut [u32; BLOCK] = index
        .get_mut(*n..*n + BLOCK)
        .and_then(|s| s.try_into().ok())
        .ok_or(Bail)?;
    *n += flatten(bits, at as u32, out);
    Ok(())
}

/// Stage 1 over `event` with a block classifier: fills `index` and returns the number of
/// structurals, or `Bail` when stage 1 refuses the event or `index` is too short for it
/// (`index` needs `event.len() + BLOCK` entries to hold any event).
///
/// No closure is defined in here: the SIMD classifier and `prefix_xor` come from a function
/// compiled for AVX2, and a closure defined here would not be (so it could not inline them).
#[inline(always)]
fn run(
    event: &[u8],
    index: &mut [u32],
    classify: impl Fn(&[u8; BLOCK]) -> Masks,
    prefix_xor: impl Fn(u64) -> u64 + Copy,
) -> Result<usize, Bail> {
    let mut carry = Carry::new();
    let mut n = 0usize;
    let mut at = 0usize;
    let mut blocks = event.chunks_exact(BLOCK);
    for block in &mut blocks {
        let block: &[u8; BLOCK] = block.try_into().map_err(|_| Bail)?;
        step(&mut carry, classify(block), at, index, &mut n, prefix_xor)?;
        at += BLOCK;
    }
    if !blocks.remainder().is_empty() {
        let masks = classify(&tail(event, at));
        step(&mut carry, masks, at, index, &mut n, prefix_xor)?;
    }
    if !carry.clean() || n == 0 {
        return Err(Bail);
    }
    if carry.non_ascii() && core::str::from_utf8(event).is_err() {
        return Err(Bail);
    }
    Ok(n)
}

/// Stage 1 of `event` into `index` (which needs `event.len() + BLOCK` entries for any event;
/// an event with more structurals than fit is refused): the number of structurals, or `None`
/// when this CPU has no AVX2 (the caller then uses simd-json's stage 1), or `Some(Err)` when
/// stage 1 refuses the event.
pub(crate) fn index(event: &[u8], index: &mut [u32]) -> Option<Result<usize, Bail>> {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2::available() {
            return Some(avx2::index(event, index));
        }
    }
    let _ = (event, index);
    None
}

/// Whether [`index`] runs on this CPU (where it does not, the fast path uses simd-json's
/// stage 1).
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        avx2::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The same stage 1 with the one-byte-at-a-time classifier: the reference of the tests and
/// of the `json_event` fuzz target.
pub(crate) fn index_scalar(event: &[u8], index: &mut [u32]) -> Result<usize, Bail> {
    run(event, index, Masks::scalar, prefix_xor)
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use core::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8,
        _mm256_movemask_epi8, _mm256_set1_epi8, _mm256_setr_epi8, _mm256_setzero_si256,
        _mm256_shuffle_epi8, _mm256_srli_epi16, _mm_clmulepi64_si128, _mm_cvtsi128_si64,
        _mm_set1_epi8, _mm_set_epi64x,
    };

    use super::{run, Bail, Masks, BLOCK};

    /// Whether this CPU runs [`index`]'s instructions (std caches the answer).
    #[inline]
    pub(super) fn available() -> bool {
        std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("pclmulqdq")
            && std::is_x86_feature_detected!("popcnt")
            && std::is_x86_feature_detected!("bmi1")
    }

    pub(super) fn index(event: &[u8], index: &mut [u32]) -> Result<usize, Bail> {
        // SAFETY: `available()` returned true, so this CPU has every feature that
        // `index_avx2` is compiled for.
        unsafe { index_avx2(event, index) }
    }

    #[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1")]
    fn index_avx2(event: &[u8], index: &mut [u32]) -> Result<usize, Bail> {
        run(event, index, |block| classify(block), |x| prefix_xor(x))
    }

    /// One 32-byte half of a block, as bit masks.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn half(v: __m256i) -> [u32; 6] {
        // Whitespace and operators by the nibble-table lookup: a byte is in a class when the
        // entries for its low and its high nibble share the class's bit. Space: 0x20; tab,
        // line feed, carriage return: 0x09 0x0a 0x0d; `,` 0x2c; `:` 0x3a; `[` `]` 0x5b 0x5d;
        // `{` `}` 0x7b 0x7d; and simd-json's 0xbb 0xbc 0xbd, 0xcc, 0xdb 0xdd (see
        // [`Masks::operator`]).
        const SPACE_LOW: i8 = 1; // 0x0_ with low 9, a, d
        const SPACE_HIGH: i8 = 2; // 0x20
        const COMMA: i8 = 4;
        const COLON: i8 = 8;
        const BRACKET: i8 = 16; // high 5 or 7, low b or d
        const HIGH_B: i8 = 32; // low b, c or d
        const HIGH_C: i8 = 64; // low c
        const HIGH_D: i8 = -128; // low b or d
        const SPACE: i8 = SPACE_LOW | SPACE_HIGH;
        const OPERATOR: i8 = COMMA | COLON | BRACKET | HIGH_B | HIGH_C | HIGH_D;
        let by_low: [i8; 16] = [
            SPACE_HIGH,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            SPACE_LOW,
            SPACE_LOW | COLON,
            BRACKET | HIGH_B | HIGH_D,
            COMMA | HIGH_B | HIGH_C,
            SPACE_LOW | BRACKET | HIGH_B | HIGH_D,
            0,
            0,
        ];
        let by_high: [i8; 16] = [
            SPACE_LOW,
            0,
            SPACE_HIGH | COMMA,
            COLON,
            0,
            BRACKET,
            0,
            BRACKET,
            0,
            0,
            0,
            HIGH_B,
            HIGH_C,
            HIGH_D,
            0,
            0,
        ];
        // The same 16 entries in both 128-bit lanes (the byte shuffle looks up per lane).
        let table = |t: [i8; 16]| {
            _mm256_setr_epi8(
                t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12],
                t[13], t[14], t[15], t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9],
                t[10], t[11], t[12], t[13], t[14], t[15],
            )
        };
        let (low, high) = (table(by_low), table(by_high));
        let nibble = _mm256_set1_epi8(0x0f);
        let low_class = _mm256_shuffle_epi8(low, _mm256_and_si256(v, nibble));
        let high_class =
            _mm256_shuffle_epi8(high, _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibble));
        let class = _mm256_and_si256(low_class, high_class);
        let zero = _mm256_setzero_si256();
        // Bytes whose class has none of `bits`, as a mask.
        let none_of = |bits: i8| {
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(
                _mm256_and_si256(class, _mm256_set1_epi8(bits)),
                zero,
            )) as u32
        };
        let eq =
            |c: u8| _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8))) as u32;
        let control_limit = _mm256_set1_epi8(0x1f);
        let control =
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(v, control_limit), v)) as u32;
        [
            eq(b'\\'),
            eq(b'"'),
            control,
            !none_of(SPACE),
            !none_of(OPERATOR),
            _mm256_movemask_epi8(v) as u32,
        ]
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn classify(block: &[u8; BLOCK]) -> Masks {
        // SAFETY: `block` is 64 readable bytes; the two unaligned loads read bytes 0..32 and
        // 32..64 of it.
        let (lo, hi) = unsafe {
            (
                _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>()),
            )
        };
        let (lo, hi) = (half(lo), half(hi));
        let join = |k: usize| u64::from(lo[k]) | (u64::from(hi[k]) << 32);
        Masks {
            backslash: join(0),
            quote: join(1),
            control: join(2),
            space: join(3),
            operator: join(4),
            non_ascii: join(5),
        }
    }

    /// [`super::prefix_xor`] as one carry-less multiply by all ones.
    #[inline]
    #[target_feature(enable = "pclmulqdq")]
    fn prefix_xor(x: u64) -> u64 {
        let product = _mm_clmulepi64_si128::<0>(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1));
        _mm_cvtsi128_si64(product) as u64
    }

    #[cfg(test)]
    pub(super) fn classify_for_test(block: &[u8; BLOCK]) -> Option<Masks> {
        // SAFETY: called only when the CPU has AVX2.
        available().then(|| unsafe { classify_avx2(block) })
    }

    #[cfg(test)]
    #[target_feature(enable = "avx2")]
    fn classify_avx2(block: &[u8; BLOCK]) -> Masks {
        classify(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaped bytes of `s`, read one at a time: a backslash that is not itself escaped
    /// escapes the byte after it.
    fn escaped_reference(s: &[u8]) -> Vec<bool> {
        let mut escape_next = false;
        s.iter()
            .map(|&b| {
                let escaped = escape_next;
                escape_next = !escaped && b == b'\\';
                escaped
            })
            .collect()
    }

    /// A small deterministic generator for the property tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn escapes_match_the_byte_by_byte_reading_across_blocks() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..2000 {
            let len = 64 * (1 + rng.next() as usize % 3);
            let s: Vec<u8> = (0..len)
                .map(|_| {
                    if rng.next().is_multiple_of(3) {
                        b'x'
                    } else {
                        b'\\'
                    }
                })
                .collect();
            let want = escaped_reference(&s);
            let mut carry = 0;
            for (b, block) in s.chunks(64).enumerate() {
                let block: &[u8; 64] = block.try_into().unwrap();
                let got = escaped(Masks::scalar(block).backslash, &mut carry);
                // Backslashes inside a run are left out of the mask: only what follows a
                // run can be a quote that the mask must catch.
                for k in (0..64).filter(|&k| block[k] != b'\\') {
                    assert_eq!(
                        got >> k & 1 == 1,
                        want[b * 64 + k],
                        "{s:?} at {}",
                        b * 64 + k
                    );
                }
            }
        }
    }

    #[test]
    fn prefix_xor_is_the_running_parity() {
        let mut rng = Rng(7);
        for _ in 0..1000 {
            let x = rng.next();
            let mut parity = 0;
            let mut want = 0u64;
            for k in 0..64 {
                parity ^= x >> k & 1;
                want |= parity << k;
            }
            assert_eq!(prefix_xor(x), want);
        }
    }

    /// Every shared event, and each of them cut at every block boundary and around it.
    #[test]
    fn the_index_is_simd_jsons_for_every_shared_event_and_its_cuts() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/events");
        let mut files = vec![];
        let mut dirs = vec![std::path::PathBuf::from(dir)];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).expect("../shared/events") {
                let path = e.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|x| x == "json") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 20, "{} events", files.len());
        for path in files {
            let event = std::fs::read(&path).unwrap();
            crate::json::fuzzing::stage1(&event);
            let mut index = vec![0u32; event.len() + BLOCK];
            assert!(
                index_scalar(&event, &mut index).is_ok(),
                "{}",
                path.display()
            );
            for cut in (0..event.len().min(300)).filter(|c| c % 64 < 3 || c % 64 > 61) {
                crate::json::fuzzing::stage1(&event[..cut]);
                crate::json::fuzzing::stage1(&event[cut..]);
            }
        }
    }

    /// What stage 1 alone refuses, and runs of backslashes and quotes across block edges.
    #[test]
    fn refusals_and_escapes_at_block_edges_are_simd_jsons() {
        let mut cases: Vec<Vec<u8>> = [
            &b""[..],
            b"   ",
            b"\"open",
            b"{\"a\":\"b\x01\"}",
            b"{\"a\":\"\xff\"}",
            b"{\"a\":\"\xc3\xa9\"}",
            b"[1 2 tru fals\x01]",
            b"{\"a\":\"\\\"\"}",
            b"x\x7f\x80 \xbb\xbd",
        ]
        .iter()
        .map(|c| c.to_vec())
        .collect();
        for pad in 55..70 {
            for tail in [&b"\\\"\"]"[..], b"\\\\\"]", b"\\\\\\\"\"]", b"\" 1]"] {
                let mut case = b"[\"".to_vec();
                case.extend(std::iter::repeat_n(b'x', pad));
                case.extend_from_slice(tail);
                cases.push(case);
            }
        }
        let mut rng = Rng(42);
        let alphabet = b"{}[],: \t\n\"\\x1-e.tn\x01\xc3\xa9\xc2\xbb\xdd";
        for _ in 0..3000 {
            let len = rng.next() as usize % 200;
            cases.push(
                (0..len)
                    .map(|_| alphabet[rng.next() as usize % alphabet.len()])
                    .collect(),
            );
        }
        for case in &cases {
            crate::json::fuzzing::stage1(case);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_classifier_agrees_with_the_scalar_one_on_every_byte() {
        for start in (0..=255u8).step_by(64).map(usize::from) {
            let mut block = [0u8; 64];
            for (k, b) in block.iter_mut().enumerate() {
                *b = (start + k) as u8;
            }
            if let Some(simd) = avx2::classify_for_test(&block) {
                assert_eq!(simd, Masks::scalar(&block), "bytes {start}..");
            }
        }
    }
}
