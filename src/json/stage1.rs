//! Stage 1 of the typed fast path: the structural index of an event, in simd-json's sense,
//! found 64 bytes at a time, with AVX-512 (BW and VBMI2) or AVX2 on x86_64 and NEON on arm64.
//!
//! The index lists, in order, the offset of every `{ } [ ] , :` outside strings, of every
//! string's opening quote, and of the first byte of every other run of non-whitespace outside
//! strings (a number, a literal, or garbage that the pass after refuses). Stage 1 also refuses
//! what only it can see: a string left open, a control byte inside a string, invalid UTF-8.
//!
//! The block arithmetic is the simdjson paper's (Langdale and Lemire, 2019) and is plain safe
//! Rust over `u64` masks ([`Carry::structurals`]); only the classification of 64 bytes into
//! masks, the carry-less multiply, and (AVX-512) the flattening of a block's bits into offsets
//! are SIMD. The `unsafe` is in `mod x86` and `mod arm`: the loads of a block, the stores of
//! the AVX-512 flattener, and the calls into the functions compiled for an instruction set,
//! made only through a [`Kernel`], which only CPU detection makes (NEON is in every aarch64
//! CPU). x86_64 CPUs without AVX2, and other architectures, use simd-json's own stage 1
//! instead (see [`super::fast::Fast::prepare`]), and the typed path is the same after.
//!
//! Why not simd-json's stage 1 directly: its runtime-detected AVX2 build leaves out `popcnt`
//! and `bmi1` (so each block's `count_ones` and each structural's `x & (x - 1)` take several
//! instructions), runs simdutf8's chunked validator on every block, and makes stage 2 start
//! on each call. Here UTF-8 costs one `movemask` per block, and `core::str::from_utf8` runs
//! only over an event that has a byte above 0x7f. `benches/json.rs` measures them side by side
//! (`floor-simd-json-stage1`, `floor-stage1-avx512`, `floor-stage1-avx2`).

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
    /// `{ } [ ] , :`, and the control bytes 0x0c and 0x1a, which the classifier cannot tell
    /// from `,` and `:` at no extra cost: outside strings any control byte but whitespace makes
    /// the event invalid, inside strings stage 1 refuses it, so the index of a valid event is
    /// the same either way.
    pub(crate) operator: u64,
    /// Not zero when the block has a byte above 0x7f.
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
                matches!(b, b'{' | b'}' | b'[' | b']' | b',' | b':' | 0x0c | 0x1a),
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
    /// Backslashes, so far.
    backslash: u64,
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
        self.backslash |= m.backslash;
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

    /// Whether a backslash was seen (so some string has an escape).
    pub(crate) fn backslash(&self) -> bool {
        self.backslash != 0
    }
}

/// Writes the offsets of the bits of `bits` (block at offset `base`) to `out[..]` and returns
/// how many there were. `out` has room for a whole block, so offsets are written eight at a
/// time, the last group partly past the count (overwritten by the next block). The first
/// eight are written whatever the count and the next only when there are more: one branch
/// per block that follows the event's density (API Gateway events have a few structurals per
/// block: the IAM event 227 in 39), where a loop until `bits` runs out would mispredict its
/// exit on most blocks.
#[inline(always)]
fn flatten(bits: u64, base: u32, out: &mut [u32; BLOCK]) -> usize {
    let count = bits.count_ones() as usize;
    let mut bits = bits;
    let (first, more) = out.split_at_mut(8);
    for slot in first {
        *slot = base.wrapping_add(bits.trailing_zeros());
        bits &= bits.wrapping_sub(1);
    }
    if count > 8 {
        for slot in more.iter_mut().take(count - 8) {
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
    flatten: impl Fn(u64, u32, &mut [u32; BLOCK]) -> usize,
) -> Result<(), Bail> {
    let bits = carry.structurals(masks, prefix_xor);
    let out: &mut [u32; BLOCK] = index
        .get_mut(*n..*n + BLOCK)
        .and_then(|s| s.try_into().ok())
        .ok_or(Bail)?;
    *n += flatten(bits, at as u32, out);
    Ok(())
}

/// Stage 1 over `event` with a block classifier and a flattener: fills `index` and returns what
/// it found, or `Bail` when stage 1 refuses the event or `index` is too short for
/// it (`index` needs `event.len() + BLOCK` entries to hold any event).
///
/// No closure is defined in here: the SIMD pieces come from a function compiled for its
/// instruction set, and a closure defined here would not be (so it could not inline them).
#[inline(always)]
fn run(
    event: &[u8],
    index: &mut [u32],
    classify: impl Fn(&[u8; BLOCK]) -> Masks,
    prefix_xor: impl Fn(u64) -> u64 + Copy,
    flatten: impl Fn(u64, u32, &mut [u32; BLOCK]) -> usize + Copy,
) -> Result<Indexed, Bail> {
    let mut carry = Carry::new();
    let mut n = 0usize;
    let mut at = 0usize;
    let mut blocks = event.chunks_exact(BLOCK);
    let rest = blocks.remainder().len();
    let last = tail(event, event.len() - rest);
    let mut last_left = rest > 0;
    // One loop for the whole blocks and the padded last one: each piece has one call site,
    // which is what gets it inlined at `opt-level = "z"`.
    loop {
        let block: &[u8; BLOCK] = match blocks.next() {
            Some(block) => block.try_into().map_err(|_| Bail)?,
            None if last_left => {
                last_left = false;
                &last
            }
            None => break,
        };
        step(
            &mut carry,
            classify(block),
            at,
            index,
            &mut n,
            prefix_xor,
            flatten,
        )?;
        at += BLOCK;
    }
    if !carry.clean() || n == 0 {
        return Err(Bail);
    }
    if carry.non_ascii() && core::str::from_utf8(event).is_err() {
        return Err(Bail);
    }
    Ok(Indexed {
        structurals: n,
        backslash: carry.backslash(),
    })
}

/// What stage 1 found in an event it accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Indexed {
    /// How many structurals the index holds.
    pub(crate) structurals: usize,
    /// Whether the event has a backslash (some string holds an escape).
    pub(crate) backslash: bool,
}

/// The byte shuffles' tables: by low nibble, the whitespace byte with that nibble, if any
/// (space 0x20, tab 0x09, line feed 0x0a, carriage return 0x0d; the other entries are 0,
/// which only the byte 0x00 could equal, and its entry is the space), and the operator
/// with that nibble once bit 0x20 is set (`[` and `]` become `{` and `}`; 0x0c and 0x1a
/// also match, see [`Masks::operator`]). A byte from 0x80 equals no entry (x86's shuffle gives
/// 0 for it, the NEON lookup the entry of its low nibble, all below 0x80).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const SPACE_BY_LOW_NIBBLE: [u8; 16] = table(b" \t\n\r");
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const OPERATOR_BY_LOW_NIBBLE: [u8; 16] = table(b",:{}");

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const fn table(bytes: &[u8]) -> [u8; 16] {
    let mut t = [0u8; 16];
    let mut k = 0;
    while k < bytes.len() {
        t[(bytes[k] & 0x0f) as usize] = bytes[k];
        k += 1;
    }
    t
}

/// A SIMD stage 1 that this CPU runs: only [`Kernel::available`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kernel(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 64-byte compares straight into 64-bit masks (AVX-512BW), and the offsets of a
    /// block's structurals packed with one byte compress (AVX-512 VBMI2: Ice Lake, Zen 4).
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// Two 32-byte halves per block (AVX2).
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// Four 16-byte quarters per block (NEON, in every aarch64 CPU).
    #[cfg(target_arch = "aarch64")]
    Neon,
}

impl Kernel {
    /// The kernels this CPU runs, fastest first (none on other architectures, where the fast
    /// path uses simd-json's stage 1).
    pub(crate) fn available() -> Vec<Kernel> {
        #[cfg(target_arch = "x86_64")]
        let kernels = [
            (x86::has_avx512(), Kind::Avx512),
            (x86::has_avx2(), Kind::Avx2),
        ];
        #[cfg(target_arch = "aarch64")]
        let kernels = [(true, Kind::Neon)];
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        let kernels: [(bool, Kind); 0] = [];
        kernels
            .into_iter()
            .filter(|&(runs, _)| runs)
            .map(|(_, kind)| Kernel(kind))
            .collect()
    }

    /// The fastest kernel this CPU runs.
    pub(crate) fn best() -> Option<Kernel> {
        Kernel::available().first().copied()
    }

    /// The stage 1 that `name` asks for (the value of `LAMBDA_ZERO_JSON_STAGE1`): `avx512`,
    /// `avx2` or `neon` when this CPU runs it, `None` for `simd-json`; otherwise (no name, an
    /// unknown one, a kernel this CPU lacks) the fastest.
    pub(crate) fn select(name: Option<&str>) -> Option<Kernel> {
        if name == Some("simd-json") {
            return None;
        }
        Kernel::available()
            .into_iter()
            .find(|k| Some(k.name()) == name)
            .or_else(Kernel::best)
    }

    /// The kernel's name, as `LAMBDA_ZERO_JSON_STAGE1` takes it.
    pub(crate) fn name(self) -> &'static str {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Kind::Avx512 => "avx512",
            #[cfg(target_arch = "x86_64")]
            Kind::Avx2 => "avx2",
            #[cfg(target_arch = "aarch64")]
            Kind::Neon => "neon",
        }
    }

    /// Stage 1 of `event` into `index`, which needs `event.len() + BLOCK` entries for any event
    /// (an event with more structurals than fit is refused): what it found, or `Bail` when
    /// stage 1 refuses the event.
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(unused_variables)
    )]
    pub(crate) fn index(self, event: &[u8], index: &mut [u32]) -> Result<Indexed, Bail> {
        #[cfg(target_arch = "x86_64")]
        {
            x86::index(self, event, index)
        }
        #[cfg(target_arch = "aarch64")]
        {
            let Kind::Neon = self.0;
            arm::index(event, index)
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        match self.0 {}
    }
}

/// The same stage 1 with the one-byte-at-a-time classifier: the reference of the tests and
/// of the `json_event` fuzz target.
pub(crate) fn index_scalar(event: &[u8], index: &mut [u32]) -> Result<Indexed, Bail> {
    run(event, index, Masks::scalar, prefix_xor, flatten)
}

#[cfg(target_arch = "aarch64")]
#[allow(unsafe_code)]
mod arm {
    use core::arch::aarch64::{
        uint8x16_t, vandq_u8, vceqq_u8, vcleq_u8, vdupq_n_u8, vgetq_lane_u64, vld1q_u8, vmaxvq_u8,
        vorrq_u8, vpaddq_u8, vqtbl1q_u8, vreinterpretq_u64_u8,
    };

    use super::{
        flatten, prefix_xor, run, Bail, Indexed, Masks, BLOCK, OPERATOR_BY_LOW_NIBBLE,
        SPACE_BY_LOW_NIBBLE,
    };

    /// Stage 1 with the NEON classifier (and the portable prefix XOR and flattener).
    pub(super) fn index(event: &[u8], index: &mut [u32]) -> Result<Indexed, Bail> {
        run(event, index, classify, prefix_xor, flatten)
    }

    /// Lane `k` holds bit `k % 8`: a compare's lanes ANDed with it and summed pairwise three
    /// times are one bit per byte of the block, in order (simdjson's NEON movemask).
    const BITS: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];

    /// The 64 lanes of four compares (each 0 or 0xff) as bit `k` for lane `k`.
    #[inline(always)]
    fn bitmask(m: [uint8x16_t; 4], bits: uint8x16_t) -> u64 {
        // SAFETY: NEON is part of the aarch64 baseline: every CPU this code runs on has it.
        unsafe {
            let a = vpaddq_u8(vandq_u8(m[0], bits), vandq_u8(m[1], bits));
            let b = vpaddq_u8(vandq_u8(m[2], bits), vandq_u8(m[3], bits));
            let c = vpaddq_u8(a, b);
            vgetq_lane_u64::<0>(vreinterpretq_u64_u8(vpaddq_u8(c, c)))
        }
    }

    /// The masks of one block, 16 bytes at a time.
    #[inline(always)]
    pub(super) fn classify(block: &[u8; BLOCK]) -> Masks {
        // SAFETY: NEON is part of the aarch64 baseline; `block` is 64 readable bytes, which the
        // four 16-byte loads read (0..16, 16..32, 32..48, 48..64), and each table 16.
        unsafe {
            let p = block.as_ptr();
            let v = [
                vld1q_u8(p),
                vld1q_u8(p.add(16)),
                vld1q_u8(p.add(32)),
                vld1q_u8(p.add(48)),
            ];
            let bits = vld1q_u8(BITS.as_ptr());
            let spaces = vld1q_u8(SPACE_BY_LOW_NIBBLE.as_ptr());
            let operators = vld1q_u8(OPERATOR_BY_LOW_NIBBLE.as_ptr());
            let low = vdupq_n_u8(0x0f);
            // A macro, not a closure: the same expression over the four quarters, inlined at
            // every `opt-level`.
            macro_rules! mask {
                (|$x:ident| $e:expr) => {
                    bitmask(
                        [
                            {
                                let $x = v[0];
                                $e
                            },
                            {
                                let $x = v[1];
                                $e
                            },
                            {
                                let $x = v[2];
                                $e
                            },
                            {
                                let $x = v[3];
                                $e
                            },
                        ],
                        bits,
                    )
                };
            }
            Masks {
                backslash: mask!(|x| vceqq_u8(x, vdupq_n_u8(b'\\'))),
                quote: mask!(|x| vceqq_u8(x, vdupq_n_u8(b'"'))),
                control: mask!(|x| vcleq_u8(x, vdupq_n_u8(0x1f))),
                space: mask!(|x| vceqq_u8(vqtbl1q_u8(spaces, vandq_u8(x, low)), x)),
                operator: mask!(|x| vceqq_u8(
                    vqtbl1q_u8(operators, vandq_u8(x, low)),
                    vorrq_u8(x, vdupq_n_u8(0x20))
                )),
                // Only whether there is one: the largest byte of the block.
                non_ascii: u64::from(
                    vmaxvq_u8(vorrq_u8(vorrq_u8(v[0], v[1]), vorrq_u8(v[2], v[3]))) >= 0x80,
                ),
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use core::arch::x86_64::{
        __m128i, __m256i, __m512i, _mm256_broadcastsi128_si256, _mm256_cmpeq_epi8,
        _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8, _mm256_shuffle_epi8, _mm512_add_epi32, _mm512_broadcast_i32x4,
        _mm512_castsi512_si128, _mm512_cmpeq_epi8_mask, _mm512_cmple_epu8_mask,
        _mm512_cvtepu8_epi32, _mm512_extracti32x4_epi32, _mm512_loadu_si512,
        _mm512_maskz_compress_epi8, _mm512_movepi8_mask, _mm512_or_si512, _mm512_set1_epi32,
        _mm512_set1_epi8, _mm512_set_epi64, _mm512_shuffle_epi8, _mm512_storeu_si512,
        _mm_clmulepi64_si128, _mm_cvtsi128_si64, _mm_loadu_si128, _mm_set1_epi8, _mm_set_epi64x,
    };

    use super::{
        flatten, run, Bail, Indexed, Kernel, Kind, Masks, BLOCK, OPERATOR_BY_LOW_NIBBLE,
        SPACE_BY_LOW_NIBBLE,
    };

    /// Whether this CPU runs [`index_avx2`] (std caches the answers).
    pub(super) fn has_avx2() -> bool {
        std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("pclmulqdq")
            && std::is_x86_feature_detected!("popcnt")
            && std::is_x86_feature_detected!("bmi1")
    }

    /// Whether this CPU runs [`index_avx512`].
    pub(super) fn has_avx512() -> bool {
        std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512vbmi2")
            && std::is_x86_feature_detected!("pclmulqdq")
            && std::is_x86_feature_detected!("popcnt")
            && std::is_x86_feature_detected!("bmi1")
    }

    /// Runs `kernel`'s stage 1: the code compiled for the instruction set that CPU detection
    /// found when it made `kernel`.
    pub(super) fn index(kernel: Kernel, event: &[u8], index: &mut [u32]) -> Result<Indexed, Bail> {
        match kernel.0 {
            // SAFETY: a `Kernel` of this kind is made only when `has_avx512()` returned true
            // (`Kernel::available`), so this CPU has every feature `avx512_stage1` is
            // compiled for.
            Kind::Avx512 => unsafe { avx512_stage1(event, index) },
            // SAFETY: as above, with `has_avx2()` and `avx2_stage1`.
            Kind::Avx2 => unsafe { avx2_stage1(event, index) },
        }
    }

    #[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1")]
    fn avx2_stage1(event: &[u8], index: &mut [u32]) -> Result<Indexed, Bail> {
        run(
            event,
            index,
            |block| classify_avx2(block),
            |x| prefix_xor(x),
            flatten,
        )
    }

    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,pclmulqdq,popcnt,bmi1")]
    fn avx512_stage1(event: &[u8], index: &mut [u32]) -> Result<Indexed, Bail> {
        run(
            event,
            index,
            |block| classify_avx512(block),
            |x| prefix_xor(x),
            |bits, base, out| flatten_compress(bits, base, out),
        )
    }

    /// A 16-byte table as a vector (SSE2 is in every x86_64 CPU: no target feature, so that it
    /// can be inlined at every `opt-level`, `"z"` included).
    #[inline(always)]
    fn lane(t: [u8; 16]) -> __m128i {
        // SAFETY: SSE2 is part of the x86_64 baseline (every CPU this code runs on has it), and
        // `t` is 16 readable bytes, which the unaligned load reads.
        unsafe { _mm_loadu_si128(t.as_ptr().cast::<__m128i>()) }
    }

    /// One 32-byte half of a block, as bit masks: backslash, quote, control, space, operator.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn half(v: __m256i) -> [u32; 5] {
        let movemask = |m: __m256i| _mm256_movemask_epi8(m) as u32;
        let eq = |c: u8| movemask(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(c as i8)));
        let lookup = |t: [u8; 16]| _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(lane(t)), v);
        let space = movemask(_mm256_cmpeq_epi8(lookup(SPACE_BY_LOW_NIBBLE), v));
        let operator = movemask(_mm256_cmpeq_epi8(
            lookup(OPERATOR_BY_LOW_NIBBLE),
            _mm256_or_si256(v, _mm256_set1_epi8(0x20)),
        ));
        // Bytes up to 0x1f: those the unsigned minimum with 0x1f leaves alone.
        let control = movemask(_mm256_cmpeq_epi8(
            _mm256_min_epu8(v, _mm256_set1_epi8(0x1f)),
            v,
        ));
        [eq(b'\\'), eq(b'"'), control, space, operator]
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn classify_avx2(block: &[u8; BLOCK]) -> Masks {
        // SAFETY: `block` is 64 readable bytes; the two unaligned loads read bytes 0..32 and
        // 32..64 of it.
        let (lo, hi) = unsafe {
            (
                _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>()),
            )
        };
        let (a, b) = (half(lo), half(hi));
        let join = |k: usize| u64::from(a[k]) | (u64::from(b[k]) << 32);
        Masks {
            backslash: join(0),
            quote: join(1),
            control: join(2),
            space: join(3),
            operator: join(4),
            // Only whether there is one: the high bits of both halves at once.
            non_ascii: u64::from(_mm256_movemask_epi8(_mm256_or_si256(lo, hi)) as u32),
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn classify_avx512(block: &[u8; BLOCK]) -> Masks {
        // SAFETY: `block` is 64 readable bytes, which the unaligned load reads.
        let v = unsafe { _mm512_loadu_si512(block.as_ptr().cast::<__m512i>()) };
        let eq = |c: u8| _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c as i8));
        let lookup = |t: [u8; 16]| _mm512_shuffle_epi8(_mm512_broadcast_i32x4(lane(t)), v);
        Masks {
            backslash: eq(b'\\'),
            quote: eq(b'"'),
            control: _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1f)),
            space: _mm512_cmpeq_epi8_mask(lookup(SPACE_BY_LOW_NIBBLE), v),
            operator: _mm512_cmpeq_epi8_mask(
                lookup(OPERATOR_BY_LOW_NIBBLE),
                _mm512_or_si512(v, _mm512_set1_epi8(0x20)),
            ),
            non_ascii: _mm512_movepi8_mask(v),
        }
    }

    /// [`super::flatten`] without a loop: the byte offsets 0 to 63 of the set bits packed to
    /// the front by one compress, then widened to `u32` and moved to `base` sixteen at a time
    /// (the first sixteen whatever the count, like [`super::flatten`]'s first eight).
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
    fn flatten_compress(bits: u64, base: u32, out: &mut [u32; BLOCK]) -> usize {
        /// The bytes `from..from + 8` as one little-endian word.
        const fn offsets(from: u64) -> i64 {
            let mut word = 0u64;
            let mut k = 0;
            while k < 8 {
                word |= (from + k) << (8 * k);
                k += 1;
            }
            word as i64
        }
        // Constants: evaluated at compile time at every `opt-level` (a call otherwise at "z").
        const OFFSETS: [i64; 8] = [
            offsets(0),
            offsets(8),
            offsets(16),
            offsets(24),
            offsets(32),
            offsets(40),
            offsets(48),
            offsets(56),
        ];
        let offsets = _mm512_set_epi64(
            OFFSETS[7], OFFSETS[6], OFFSETS[5], OFFSETS[4], OFFSETS[3], OFFSETS[2], OFFSETS[1],
            OFFSETS[0],
        );
        let packed = _mm512_maskz_compress_epi8(bits, offsets);
        let base = _mm512_set1_epi32(base as i32);
        let count = bits.count_ones() as usize;
        // A macro, not a closure: a closure is not compiled for this function's instruction
        // set, and at `opt-level = "z"` it is not inlined either.
        macro_rules! sixteen {
            ($group:expr, $bytes:expr) => {{
                const { assert!(16 * $group + 16 <= BLOCK) };
                let wide = _mm512_add_epi32(_mm512_cvtepu8_epi32($bytes), base);
                // SAFETY: `out` is `BLOCK` writable `u32`s and the assertion above keeps
                // `16 * group + 16` within them: the 64 bytes from `out[16 * group]` that the
                // unaligned store writes. (A pointer, not a subslice: at `opt-level = "z"` the
                // range index is a call.)
                unsafe {
                    _mm512_storeu_si512(out.as_mut_ptr().add(16 * $group).cast::<__m512i>(), wide)
                };
            }};
        }
        sixteen!(0, _mm512_castsi512_si128(packed));
        if count > 16 {
            sixteen!(1, _mm512_extracti32x4_epi32::<1>(packed));
            if count > 32 {
                sixteen!(2, _mm512_extracti32x4_epi32::<2>(packed));
                sixteen!(3, _mm512_extracti32x4_epi32::<3>(packed));
            }
        }
        count
    }

    /// [`super::prefix_xor`] as one carry-less multiply by all ones.
    #[inline]
    #[target_feature(enable = "pclmulqdq")]
    fn prefix_xor(x: u64) -> u64 {
        let product = _mm_clmulepi64_si128::<0>(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1));
        _mm_cvtsi128_si64(product) as u64
    }

    /// The masks of `block` by `kernel`'s classifier.
    #[cfg(test)]
    pub(super) fn classify(kernel: Kernel, block: &[u8; BLOCK]) -> Masks {
        // SAFETY: as in `index_avx2` and `index_avx512`: the kernel exists, so the CPU has
        // its features.
        unsafe {
            match kernel.0 {
                Kind::Avx512 => classify_avx512_alone(block),
                Kind::Avx2 => classify_avx2_alone(block),
            }
        }
    }

    #[cfg(test)]
    #[target_feature(enable = "avx2")]
    fn classify_avx2_alone(block: &[u8; BLOCK]) -> Masks {
        classify_avx2(block)
    }

    #[cfg(test)]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn classify_avx512_alone(block: &[u8; BLOCK]) -> Masks {
        classify_avx512(block)
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

    /// Every event in `tests/events`, and each of them cut at every block boundary and around it.
    #[test]
    fn the_index_is_simd_jsons_for_every_sample_event_and_its_cuts() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/events");
        let mut files = vec![];
        let mut dirs = vec![std::path::PathBuf::from(dir)];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).expect("tests/events") {
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
        // Dense blocks: up to 64 structurals each (every byte), past each flattener's
        // groups of 8 and 16.
        for (open, item, close) in [
            ("[", "1,", "1]"),
            ("[", "[],", "[]]"),
            ("{\"a\":[", "{},", "{}]}"),
        ] {
            for n in [5, 9, 17, 33, 40, 200] {
                cases.push(format!("{open}{}{close}", item.repeat(n)).into_bytes());
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

    /// A random valid JSON document: nested containers, strings with every kind of escape
    /// and non-ASCII text, numbers, literals, and whitespace of every kind between tokens.
    fn valid_json(rng: &mut Rng, depth: usize, out: &mut Vec<u8>) {
        let space = |rng: &mut Rng, out: &mut Vec<u8>| {
            for _ in 0..rng.next() % 3 {
                out.push(b" \t\n\r"[rng.next() as usize % 4]);
            }
        };
        space(rng, out);
        match rng.next() % if depth > 4 { 4 } else { 6 } {
            0 => {
                out.push(b'"');
                for _ in 0..rng.next() % 12 {
                    let pieces: [&[u8]; 9] = [
                        b"a",
                        b"\\\"",
                        b"\\\\",
                        b"\\n",
                        b"\\u00e9",
                        b"\xc3\xa9",
                        b"\xc2\xbb",
                        b" ",
                        b"{[:,]}",
                    ];
                    out.extend_from_slice(pieces[rng.next() as usize % pieces.len()]);
                }
                out.push(b'"');
            }
            1 => out.extend_from_slice(
                [&b"-12.5e3"[..], b"0", b"1583348638390"][rng.next() as usize % 3],
            ),
            2 => out.extend_from_slice([&b"true"[..], b"false", b"null"][rng.next() as usize % 3]),
            3 => out.extend_from_slice(b"\"\""),
            4 => {
                out.push(b'[');
                for k in 0..rng.next() % 5 {
                    if k > 0 {
                        out.push(b',');
                    }
                    valid_json(rng, depth + 1, out);
                }
                space(rng, out);
                out.push(b']');
            }
            _ => {
                out.push(b'{');
                for k in 0..rng.next() % 5 {
                    if k > 0 {
                        out.push(b',');
                    }
                    space(rng, out);
                    out.extend_from_slice(b"\"k\\\\\"");
                    space(rng, out);
                    out.push(b':');
                    valid_json(rng, depth + 1, out);
                }
                space(rng, out);
                out.push(b'}');
            }
        }
        space(rng, out);
    }

    #[test]
    fn random_valid_documents_get_simd_jsons_index() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut checked = 0;
        for _ in 0..3000 {
            let mut doc = vec![];
            valid_json(&mut rng, 0, &mut doc);
            // The generator's documents are valid: the check against simd-json always runs.
            assert!(
                simd_json::to_tape(&mut doc.clone()).is_ok(),
                "{}",
                String::from_utf8_lossy(&doc)
            );
            crate::json::fuzzing::stage1(&doc);
            checked += usize::from(doc.len() > 64);
        }
        assert!(checked > 300, "{checked} documents longer than a block");
    }

    #[test]
    fn the_stage1_variable_picks_a_kernel_this_cpu_runs_or_the_fastest() {
        assert_eq!(Kernel::select(Some("simd-json")), None);
        assert_eq!(Kernel::select(None), Kernel::best());
        assert_eq!(Kernel::select(Some("sse9")), Kernel::best());
        for kernel in Kernel::available() {
            assert_eq!(Kernel::select(Some(kernel.name())), Some(kernel));
        }
    }

    /// The masks of `block` by `kernel`'s classifier alone.
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    fn classify(kernel: Kernel, block: &[u8; BLOCK]) -> Masks {
        #[cfg(target_arch = "x86_64")]
        {
            x86::classify(kernel, block)
        }
        #[cfg(target_arch = "aarch64")]
        {
            let Kind::Neon = kernel.0;
            arm::classify(block)
        }
    }

    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    #[test]
    fn every_simd_classifier_agrees_with_the_scalar_one_on_every_byte() {
        // Every aarch64 CPU runs the NEON kernel.
        #[cfg(target_arch = "aarch64")]
        assert_eq!(Kernel::best().map(Kernel::name), Some("neon"));
        for kernel in Kernel::available() {
            for start in (0..=255u8).step_by(64).map(usize::from) {
                let mut block = [0u8; 64];
                for (k, b) in block.iter_mut().enumerate() {
                    *b = (start + k) as u8;
                }
                let any = |m: Masks| Masks {
                    non_ascii: u64::from(m.non_ascii != 0),
                    ..m
                };
                assert_eq!(
                    any(classify(kernel, &block)),
                    any(Masks::scalar(&block)),
                    "{kernel:?}, bytes {start}.."
                );
            }
        }
    }
}
