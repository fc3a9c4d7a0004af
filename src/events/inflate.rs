//! Raw DEFLATE (RFC 1951) decoding into a buffer the caller owns, without allocating: the
//! inflater of CloudWatch Logs payloads.
//!
//! The whole stream is in memory and inflates into one output buffer, so there is no window:
//! a match copies from earlier in the output. The decoder's tables live in the [`Inflater`],
//! made once; a payload builds its blocks' Huffman tables there and nothing else.
//!
//! Subscription payloads are small (the vendored sample is 208 bytes of gzip inflating to
//! 325), so building a dynamic block's tables costs as much as the symbol loop. The code
//! lengths are bucketed by length as they are read (the buckets are the canonical order, so
//! nothing is sorted), and a table is filled length by length: the filled part doubled before
//! each length (a code of `l` bits owns every `2^l`-th entry), then one store per symbol.
//! Codes longer than the root take subtables, as in zlib.
//!
//! What the decoder accepts and refuses follows zlib (over-subscribed and incomplete codes, the
//! code length repeats, the end-of-block code, distances before the start), which the tests
//! (against zlib-rs's deflate and inflate, feature `compression`) and a differential fuzz
//! target (`fuzz/fuzz_targets/inflate.rs`) check.

use core::fmt;

/// Root bits of the literal/length table: a code of up to this many bits is one lookup.
const LITLEN_BITS: u32 = 10;
/// Root bits of the distance table.
const DIST_BITS: u32 = 8;
/// Bits of the code-length code's table (its codes are at most 7 bits: no subtables).
const PRECODE_BITS: u32 = 7;
/// Entries of the literal/length table: the root, and room for the subtables of any
/// complete code over 288 symbols (zlib's `enough 288 10 15` is 1332; writes are checked).
const LITLEN_ENTRIES: usize = 2048;
/// Entries of the distance table (zlib's `enough 32 8 15` is under 600).
const DIST_ENTRIES: usize = 1024;
/// Entries of the code-length code's table.
const PRECODE_ENTRIES: usize = 1 << PRECODE_BITS;

/// Why a DEFLATE stream was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateError {
    /// The stream ends before its final block does.
    Truncated,
    /// The stream inflates to more than the output buffer.
    OutputFull,
    /// The stream is not DEFLATE: what is wrong (zlib's wording).
    Corrupt(&'static str),
}

impl fmt::Display for InflateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InflateError::Truncated => f.write_str("truncated deflate data"),
            InflateError::OutputFull => f.write_str("inflates to more than the buffer"),
            InflateError::Corrupt(what) => f.write_str(what),
        }
    }
}

/// How much of the input a stream took and how much output it made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inflated {
    /// Bytes of input up to the end of the final block (the rest is the caller's: a gzip
    /// trailer).
    pub consumed: usize,
    /// Bytes written at the start of the output.
    pub written: usize,
}

/// A table entry: what `bits` bits of input decode to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    /// A literal byte, a length or distance base, a code length symbol, or (for [`SUBTABLE`])
    /// where the subtable starts.
    value: u16,
    /// The bits the code takes (for a subtable pointer: the root bits).
    bits: u8,
    /// `0..=13`: a length or distance with that many extra bits; [`LITERAL`], [`END`],
    /// [`INVALID`], or [`SUBTABLE`] with the subtable's bits in the low four.
    kind: u8,
}

const LITERAL: u8 = 0x40;
const END: u8 = 0x41;
const INVALID: u8 = 0x42;
const SUBTABLE: u8 = 0x80;

const INVALID_ENTRY: Entry = Entry {
    value: 0,
    bits: 1,
    kind: INVALID,
};

/// Base lengths of the length symbols 257 to 285, and their extra bits.
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// Base distances of the distance symbols 0 to 29, and their extra bits.
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order in which a dynamic block sends the code length code's lengths.
const PRECODE_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// What each literal/length symbol decodes to (`bits` is set when a table is built).
const LITLEN_SYMBOLS: [Entry; 288] = {
    let mut table = [INVALID_ENTRY; 288];
    let mut s = 0;
    while s < 288 {
        table[s] = if s < 256 {
            Entry {
                value: s as u16,
                bits: 0,
                kind: LITERAL,
            }
        } else if s == 256 {
            Entry {
                value: 0,
                bits: 0,
                kind: END,
            }
        } else if s < 286 {
            Entry {
                value: LENGTH_BASE[s - 257],
                bits: 0,
                kind: LENGTH_EXTRA[s - 257],
            }
        } else {
            INVALID_ENTRY
        };
        s += 1;
    }
    table
};

/// What each distance symbol decodes to.
const DIST_SYMBOLS: [Entry; 32] = {
    let mut table = [INVALID_ENTRY; 32];
    let mut s = 0;
    while s < 30 {
        table[s] = Entry {
            value: DIST_BASE[s],
            bits: 0,
            kind: DIST_EXTRA[s],
        };
        s += 1;
    }
    table
};

/// What each code length symbol decodes to: itself.
const PRECODE_SYMBOLS: [Entry; 19] = {
    let mut table = [INVALID_ENTRY; 19];
    let mut s = 0;
    while s < 19 {
        table[s] = Entry {
            value: s as u16,
            bits: 0,
            kind: LITERAL,
        };
        s += 1;
    }
    table
};

/// A decoding table: `entries[bits of input & (2^bits - 1)]`, then a subtable if needed.
struct Table<const N: usize> {
    entries: [Entry; N],
    bits: u32,
}

impl<const N: usize> Table<N> {
    fn new() -> Table<N> {
        Table {
            entries: [INVALID_ENTRY; N],
            bits: 1,
        }
    }

    fn codes(&self) -> Codes<'_, N> {
        Codes {
            entries: &self.entries,
            bits: self.bits,
        }
    }
}

/// A built table, as the block decoder reads it. `N` is a power of two: an index masked with
/// `N - 1` needs no bounds check (every index a built table produces is below `N` already).
#[derive(Clone, Copy)]
struct Codes<'a, const N: usize> {
    entries: &'a [Entry; N],
    bits: u32,
}

/// Which rules a code follows: the code length code must be complete; a literal/length or
/// distance code may be incomplete only when it has one code of one bit (or none), as zlib
/// allows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CodeKind {
    Precode,
    LitLen,
    Dist,
}

impl CodeKind {
    /// The error of an over-subscribed or incomplete code (zlib's wording).
    fn refusal(self) -> InflateError {
        InflateError::Corrupt(match self {
            CodeKind::Precode => "invalid code lengths set",
            CodeKind::LitLen => "invalid literal/lengths set",
            CodeKind::Dist => "invalid distances set",
        })
    }
}

/// The symbols of a code that have a length, bucketed by length in symbol order (the order
/// of their canonical codes, with no sort): what a table is built from. A dynamic block's are
/// collected as its code lengths are read, a run at a time, so the symbols without a code
/// (most literals) cost nothing.
struct Lengths {
    count: [u16; 16],
    /// `by_length[l][..count[l]]`: the symbols with an `l`-bit code, in increasing order.
    by_length: [[u16; 288]; 16],
}

impl Lengths {
    fn new() -> Lengths {
        Lengths {
            count: [0; 16],
            by_length: [[0; 288]; 16],
        }
    }

    /// The lengths of symbols `0..lengths.len()` (at most 288, each at most 15).
    fn of(lengths: &[u8]) -> Lengths {
        let mut l = Lengths::new();
        for (symbol, &len) in lengths.iter().enumerate() {
            l.push(symbol as u16, len);
        }
        l
    }

    fn clear(&mut self) {
        self.count = [0; 16];
    }

    /// How many symbols have a code.
    fn used(&self) -> usize {
        self.count.iter().map(|&c| usize::from(c)).sum()
    }

    /// `symbol` has a code of `len` bits (0: none); symbols come in increasing order.
    #[inline(always)]
    fn push(&mut self, symbol: u16, len: u8) {
        if len != 0 {
            let len = usize::from(len & 15);
            let n = self.count[len];
            if let Some(slot) = self.by_length[len].get_mut(usize::from(n)) {
                *slot = symbol;
                self.count[len] = n + 1;
            }
        }
    }

    /// The symbols of `len` bits, in canonical order.
    fn of_length(&self, len: usize) -> &[u16] {
        let n = usize::from(self.count[len & 15]);
        &self.by_length[len & 15][..n.min(288)]
    }
}

/// `REVERSED[c]`: the 10 bits of `c` in reverse order.
static REVERSED: [u16; 1024] = {
    let mut table = [0u16; 1024];
    let mut c = 0;
    while c < 1024 {
        let mut r = 0u16;
        let mut b = 0;
        while b < 10 {
            r |= ((c >> b) & 1) << (9 - b);
            b += 1;
        }
        table[c as usize] = r;
        c += 1;
    }
    table
};

/// The table of a code whose codes all fit the root (`bits` is the longest, at most
/// `LITLEN_BITS`): length by length, the filled part doubled before each (a code of `l` bits
/// owns every `2^l`-th entry), then one store per symbol where its canonical code lands. No
/// sort (the buckets are in canonical order), and no loop per symbol, whose trip count would
/// change from one symbol to the next.
fn fill_direct<const N: usize>(
    table: &mut Table<N>,
    bits: u32,
    lengths: &Lengths,
    symbols: &[Entry],
) {
    table.bits = bits;
    let entries = &mut table.entries;
    entries[0] = INVALID_ENTRY;
    entries[1] = INVALID_ENTRY;
    let mut code = 0u16;
    for len in 1..=bits as usize {
        if len > 1 {
            double(entries, 1 << (len - 1));
        }
        code <<= 1;
        let shift = 10 - len;
        for &symbol in lengths.of_length(len) {
            let mut entry = symbols
                .get(usize::from(symbol))
                .copied()
                .unwrap_or(INVALID_ENTRY);
            entry.bits = len as u8;
            let rev = usize::from(REVERSED[usize::from(code) & 1023] >> shift);
            entries[rev & (N - 1)] = entry;
            code += 1;
        }
    }
}

/// Copies `entries[..half]` to `entries[half..2 * half]`: the filled part of a table, doubled
/// for the next code length (small halves without a call to `memmove`).
#[inline(always)]
fn double(entries: &mut [Entry], half: usize) {
    if half < 32 {
        for i in 0..half {
            entries[half + i] = entries[i];
        }
    } else {
        entries.copy_within(..half, half);
    }
}

/// Builds the table of the canonical Huffman code of `lengths` for `symbols`, with `root`
/// bits of root table.
fn build<const N: usize>(
    table: &mut Table<N>,
    root: u32,
    lengths: &Lengths,
    symbols: &[Entry],
    kind: CodeKind,
) -> Result<(), InflateError> {
    let count = lengths.count;
    let max = (1..16).rev().find(|&l| count[l] != 0).unwrap_or(0) as u32;
    let mut left: i32 = 1;
    for &c in &count[1..] {
        left = (left << 1) - i32::from(c);
        if left < 0 {
            return Err(kind.refusal());
        }
    }
    if left > 0 && (kind == CodeKind::Precode || max > 1) {
        return Err(kind.refusal());
    }

    if max <= root {
        fill_direct(table, max.max(1), lengths, symbols);
        return Ok(());
    }

    let total = lengths.used();
    let bits = max.clamp(1, root);
    table.bits = bits;
    let entries = &mut table.entries;
    entries[0] = INVALID_ENTRY;
    entries[1] = INVALID_ENTRY;
    // `rev` is the current code bit-reversed (DEFLATE sends codes from their top bit, and the
    // table is indexed by the bits as they arrive); a longer code appends a zero, which
    // leaves the reversed value unchanged.
    let mut rev: u32 = 0;
    let mut filled = 1; // entries[..1 << filled] hold every code up to `filled` bits
    let mut remaining = count;
    let mut sub_prefix = u32::MAX;
    let mut sub_start = 0usize;
    let mut sub_bits = 0u32;
    let mut next_free = 1usize << bits;
    let canonical = (1..16).flat_map(|len| {
        lengths
            .of_length(len)
            .iter()
            .map(move |&s| (len as u32, usize::from(s)))
    });
    for (k, (len, symbol)) in canonical.enumerate() {
        let mut entry = symbols.get(symbol).copied().unwrap_or(INVALID_ENTRY);
        if len <= bits {
            while filled < len {
                let half = 1usize << filled;
                double(entries, half);
                filled += 1;
            }
            entry.bits = len as u8;
            entries[rev as usize] = entry;
        } else {
            // A code longer than the root: its first `bits` bits pick a subtable.
            while filled < bits {
                let half = 1usize << filled;
                double(entries, half);
                filled += 1;
            }
            let prefix = rev & ((1 << bits) - 1);
            if prefix != sub_prefix {
                // A new subtable, as large as the codes under this prefix need (zlib's rule).
                sub_bits = len - bits;
                let mut room: i32 = 1 << sub_bits;
                while sub_bits + bits < max {
                    room -= i32::from(remaining[(sub_bits + bits) as usize]);
                    if room <= 0 {
                        break;
                    }
                    sub_bits += 1;
                    room <<= 1;
                }
                sub_start = next_free;
                next_free += 1 << sub_bits;
                if next_free > N || sub_start > usize::from(u16::MAX) {
                    return Err(InflateError::Corrupt("code table overflow"));
                }
                entries[prefix as usize] = Entry {
                    value: sub_start as u16,
                    bits: bits as u8,
                    kind: SUBTABLE | sub_bits as u8,
                };
                sub_prefix = prefix;
            }
            let drop = len - bits;
            entry.bits = drop as u8;
            let mut at = (rev >> bits) as usize;
            while at < 1 << sub_bits {
                entries[sub_start + at] = entry;
                at += 1 << drop;
            }
        }
        remaining[len as usize] -= 1;
        if k + 1 < total {
            // The next canonical code, bit-reversed: clear the run of ones from the top bit
            // down and set the bit below it (the highest zero of the `len` bits).
            let zeros = !rev & ((1u32 << len) - 1);
            if zeros == 0 {
                return Err(InflateError::Corrupt("invalid code"));
            }
            let bit = 1u32 << (31 - zeros.leading_zeros());
            rev = (rev & (bit - 1)) | bit;
        }
    }
    while filled < bits {
        let half = 1usize << filled;
        double(entries, half);
        filled += 1;
    }
    Ok(())
}

/// The input as a little-endian bit stream. Past the end it reads zeros, and fails once the
/// decoder has taken more than the lookahead could hold (the stream is truncated).
#[derive(Clone, Copy)]
struct Bits<'a> {
    input: &'a [u8],
    /// The next byte to load (may pass the end by up to 7: zeros).
    pos: usize,
    buf: u64,
    /// Valid bits in `buf` (bits above may hold the next byte's, loaded again later).
    count: u32,
}

impl<'a> Bits<'a> {
    /// At least 56 bits in the buffer.
    #[inline(always)]
    fn refill(&mut self) -> Result<(), InflateError> {
        if let Some(word) = self.input.get(self.pos..self.pos + 8) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            self.buf |= u64::from_le_bytes(bytes) << self.count;
            self.pos += ((63 - self.count) >> 3) as usize;
            self.count |= 56;
            Ok(())
        } else {
            self.refill_slow()
        }
    }

    #[cold]
    fn refill_slow(&mut self) -> Result<(), InflateError> {
        while self.count <= 56 {
            let byte = match self.input.get(self.pos) {
                Some(&b) => b,
                // Eight bytes of zeros past the end: the decoder took one of them.
                None if self.pos >= self.input.len() + 8 => return Err(InflateError::Truncated),
                None => 0,
            };
            self.buf |= u64::from(byte) << self.count;
            self.pos += 1;
            self.count += 8;
        }
        Ok(())
    }

    #[inline(always)]
    fn peek(&self, n: u32) -> usize {
        (self.buf & ((1u64 << n) - 1)) as usize
    }

    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buf >>= n;
        self.count -= n;
    }

    /// `n` bits (at most 32), refilling first if needed.
    #[inline(always)]
    fn take(&mut self, n: u32) -> Result<u32, InflateError> {
        if self.count < n {
            self.refill()?;
        }
        let v = self.peek(n) as u32;
        self.consume(n);
        Ok(v)
    }

    /// The position after the last whole byte taken (for stored blocks and the end).
    fn align(&mut self) -> Result<usize, InflateError> {
        let partial = self.count & 7;
        self.consume(partial);
        let at = self.pos - (self.count >> 3) as usize;
        if at > self.input.len() {
            return Err(InflateError::Truncated);
        }
        Ok(at)
    }

    /// Restarts at byte `at`, the buffer empty.
    fn seek(&mut self, at: usize) {
        self.pos = at;
        self.buf = 0;
        self.count = 0;
    }
}

/// The decoder's tables and code length buckets, made once (about 50 KiB) and reused for
/// every stream.
pub struct Inflater {
    litlen: Table<LITLEN_ENTRIES>,
    dist: Table<DIST_ENTRIES>,
    precode: Table<PRECODE_ENTRIES>,
    fixed_litlen: Table<LITLEN_ENTRIES>,
    fixed_dist: Table<DIST_ENTRIES>,
    precode_lengths: Lengths,
    litlen_lengths: Lengths,
    dist_lengths: Lengths,
}

impl fmt::Debug for Inflater {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inflater").finish_non_exhaustive()
    }
}

impl Default for Inflater {
    fn default() -> Inflater {
        Inflater::new()
    }
}

impl Inflater {
    /// An inflater, with the fixed code's tables built.
    pub fn new() -> Inflater {
        let mut inflater = Inflater {
            litlen: Table::new(),
            dist: Table::new(),
            precode: Table::new(),
            fixed_litlen: Table::new(),
            fixed_dist: Table::new(),
            precode_lengths: Lengths::new(),
            litlen_lengths: Lengths::new(),
            dist_lengths: Lengths::new(),
        };
        let mut lengths = [8u8; 288];
        lengths[144..256].fill(9);
        lengths[256..280].fill(7);
        let fixed = build(
            &mut inflater.fixed_litlen,
            LITLEN_BITS,
            &Lengths::of(&lengths),
            &LITLEN_SYMBOLS,
            CodeKind::LitLen,
        )
        .and_then(|()| {
            build(
                &mut inflater.fixed_dist,
                DIST_BITS,
                &Lengths::of(&[5u8; 32]),
                &DIST_SYMBOLS,
                CodeKind::Dist,
            )
        });
        debug_assert!(fixed.is_ok(), "the fixed code is complete");
        inflater
    }

    /// Inflates the raw DEFLATE stream at the start of `input` into `out`.
    pub fn inflate(&mut self, input: &[u8], out: &mut [u8]) -> Result<Inflated, InflateError> {
        let mut bits = Bits {
            input,
            pos: 0,
            buf: 0,
            count: 0,
        };
        let mut written = 0usize;
        loop {
            let header = bits.take(3)?;
            match header >> 1 {
                0 => written = stored(&mut bits, out, written)?,
                1 => {
                    written = codes(
                        &mut bits,
                        out,
                        written,
                        self.fixed_litlen.codes(),
                        self.fixed_dist.codes(),
                    )?
                }
                2 => {
                    self.dynamic_tables(&mut bits)?;
                    written = codes(
                        &mut bits,
                        out,
                        written,
                        self.litlen.codes(),
                        self.dist.codes(),
                    )?;
                }
                _ => return Err(InflateError::Corrupt("invalid block type")),
            }
            if header & 1 != 0 {
                let consumed = bits.align()?;
                return Ok(Inflated { consumed, written });
            }
        }
    }

    /// Reads a dynamic block's code lengths and builds its tables.
    fn dynamic_tables(&mut self, bits: &mut Bits<'_>) -> Result<(), InflateError> {
        let nlen = bits.take(5)? as usize + 257;
        let ndist = bits.take(5)? as usize + 1;
        let ncode = bits.take(4)? as usize + 4;
        if nlen > 286 || ndist > 30 {
            return Err(InflateError::Corrupt("too many length or distance symbols"));
        }
        let mut precode_lengths = [0u8; 19];
        for &symbol in &PRECODE_ORDER[..ncode] {
            precode_lengths[symbol] = bits.take(3)? as u8;
        }
        let precode = &mut self.precode_lengths;
        precode.clear();
        for (symbol, &len) in precode_lengths.iter().enumerate() {
            precode.push(symbol as u16, len);
        }
        build(
            &mut self.precode,
            PRECODE_BITS,
            precode,
            &PRECODE_SYMBOLS,
            CodeKind::Precode,
        )?;
        let precode = self.precode.codes();
        let (litlen, dist) = (&mut self.litlen_lengths, &mut self.dist_lengths);
        litlen.clear();
        dist.clear();
        let total = nlen + ndist;
        let mut i = 0;
        let mut previous = None;
        let mut has_end = false;
        while i < total {
            // A code length code (7 bits at most) and its extra bits (7 at most).
            if bits.count < 14 {
                bits.refill()?;
            }
            let e = decode(bits, precode);
            let (len, repeat) = match e.value {
                0..=15 => (e.value as u8, 1),
                16 => {
                    let Some(previous) = previous else {
                        return Err(InflateError::Corrupt("invalid bit length repeat"));
                    };
                    (previous, 3 + bits.take(2)? as usize)
                }
                17 => (0, 3 + bits.take(3)? as usize),
                _ => (0, 11 + bits.take(7)? as usize),
            };
            if i + repeat > total {
                return Err(InflateError::Corrupt("invalid bit length repeat"));
            }
            if len != 0 {
                has_end |= (i..i + repeat).contains(&256);
                for symbol in i..i + repeat {
                    if symbol < nlen {
                        litlen.push(symbol as u16, len);
                    } else {
                        dist.push((symbol - nlen) as u16, len);
                    }
                }
            }
            previous = Some(len);
            i += repeat;
        }
        if !has_end {
            return Err(InflateError::Corrupt(
                "invalid code -- missing end-of-block",
            ));
        }
        build(
            &mut self.litlen,
            LITLEN_BITS,
            litlen,
            &LITLEN_SYMBOLS,
            CodeKind::LitLen,
        )?;
        build(
            &mut self.dist,
            DIST_BITS,
            dist,
            &DIST_SYMBOLS,
            CodeKind::Dist,
        )
    }
}

/// A stored block: its bytes copied as they are. Returns the new output length.
fn stored(bits: &mut Bits<'_>, out: &mut [u8], written: usize) -> Result<usize, InflateError> {
    let at = bits.align()?;
    let input = bits.input;
    let head = input.get(at..at + 4).ok_or(InflateError::Truncated)?;
    let len = u16::from_le_bytes([head[0], head[1]]);
    if len != !u16::from_le_bytes([head[2], head[3]]) {
        return Err(InflateError::Corrupt("invalid stored block lengths"));
    }
    let len = usize::from(len);
    let data = input
        .get(at + 4..at + 4 + len)
        .ok_or(InflateError::Truncated)?;
    out.get_mut(written..written + len)
        .ok_or(InflateError::OutputFull)?
        .copy_from_slice(data);
    bits.seek(at + 4 + len);
    Ok(written + len)
}

/// The entry for the next code of `codes` (through its subtable if it has one), its bits
/// taken. The caller has refilled.
#[inline(always)]
fn decode<const N: usize>(bits: &mut Bits<'_>, codes: Codes<'_, N>) -> Entry {
    let mut e = codes.entries[bits.peek(codes.bits) & (N - 1)];
    if e.kind & SUBTABLE != 0 {
        bits.consume(u32::from(e.bits));
        let at = usize::from(e.value) + bits.peek(u32::from(e.kind & 15));
        e = codes.entries[at & (N - 1)];
    }
    bits.consume(u32::from(e.bits));
    e
}

/// A Huffman-coded block: symbols until end-of-block. Returns the new output length.
fn codes(
    reader: &mut Bits<'_>,
    out: &mut [u8],
    written: usize,
    litlen: Codes<'_, LITLEN_ENTRIES>,
    dist: Codes<'_, DIST_ENTRIES>,
) -> Result<usize, InflateError> {
    // The reader in locals for the loop (through `&mut`, its state goes to memory and back
    // for every symbol).
    let mut bits = *reader;
    let result = symbols(&mut bits, out, written, litlen, dist);
    *reader = bits;
    result
}

#[inline(always)]
fn symbols(
    bits: &mut Bits<'_>,
    out: &mut [u8],
    mut written: usize,
    litlen: Codes<'_, LITLEN_ENTRIES>,
    dist: Codes<'_, DIST_ENTRIES>,
) -> Result<usize, InflateError> {
    loop {
        // 56 bits cover three literal/length codes (15 each), or one with its extra bits (5),
        // a distance code (15) and its extra bits (13). Up to three literals are decoded per
        // refill: the refill's load is on the path from one code to the next.
        bits.refill()?;
        let mut e = decode(bits, litlen);
        if e.kind == LITERAL {
            *out.get_mut(written).ok_or(InflateError::OutputFull)? = e.value as u8;
            written += 1;
            e = decode(bits, litlen);
            if e.kind == LITERAL {
                *out.get_mut(written).ok_or(InflateError::OutputFull)? = e.value as u8;
                written += 1;
                e = decode(bits, litlen);
                if e.kind == LITERAL {
                    *out.get_mut(written).ok_or(InflateError::OutputFull)? = e.value as u8;
                    written += 1;
                    continue;
                }
            }
            bits.refill()?;
        }
        if e.kind == END {
            return Ok(written);
        }
        if e.kind > 13 {
            return Err(InflateError::Corrupt("invalid literal/length code"));
        }
        let extra = u32::from(e.kind);
        let len = usize::from(e.value) + bits.peek(extra);
        bits.consume(extra);
        let d = decode(bits, dist);
        if d.kind > 13 {
            return Err(InflateError::Corrupt("invalid distance code"));
        }
        let extra = u32::from(d.kind);
        let distance = usize::from(d.value) + bits.peek(extra);
        bits.consume(extra);
        if distance > written {
            return Err(InflateError::Corrupt("invalid distance too far back"));
        }
        let end = written + len;
        if end > out.len() {
            return Err(InflateError::OutputFull);
        }
        copy_match(out, written, distance, len);
        written = end;
    }
}

/// Copies the `len` bytes `distance` back from `at` to `at` (`distance <= at`, `at + len`
/// within `out`). A match is short (3 to 258 bytes, most under 16): with room behind it,
/// it is copied in fixed 16- or 8-byte pieces, which may write past its end (bytes that
/// later output overwrites or that are not part of the output).
#[inline(always)]
fn copy_match(out: &mut [u8], at: usize, distance: usize, len: usize) {
    let from = at - distance;
    let end = at + len;
    if distance >= 16 && end + 16 <= out.len() {
        // Each piece reads 16 bytes that are all before the piece it writes.
        let mut i = 0;
        while i < len {
            let mut piece = [0u8; 16];
            piece.copy_from_slice(&out[from + i..from + i + 16]);
            out[at + i..at + i + 16].copy_from_slice(&piece);
            i += 16;
        }
    } else if distance >= 8 && end + 8 <= out.len() {
        let mut i = 0;
        while i < len {
            let mut piece = [0u8; 8];
            piece.copy_from_slice(&out[from + i..from + i + 8]);
            out[at + i..at + i + 8].copy_from_slice(&piece);
            i += 8;
        }
    } else if distance == 1 {
        let byte = out[from];
        out[at..end].fill(byte);
    } else {
        // Overlapping: the copy reads what it writes, a pattern of `distance` bytes.
        for i in at..end {
            out[i] = out[i - distance];
        }
    }
}

#[cfg(test)]
mod tests;
