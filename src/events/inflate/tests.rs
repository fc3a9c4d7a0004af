use super::*;

/// A stream of one final fixed block: `bytes` as literals, then end-of-block.
fn fixed_literals(bytes: &[u8]) -> Vec<u8> {
    let mut w = BitWriter::default();
    w.bits(0b011, 3); // final, fixed
    for &b in bytes {
        // Literals 0..=143 are the 8-bit codes 0x30 + b, sent from the top bit.
        assert!(b < 144);
        w.code(0x30 + u32::from(b), 8);
    }
    w.code(0, 7); // end-of-block
    w.finish()
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// `n` bits of `v`, low bit first (header fields and extra bits).
    fn bits(&mut self, v: u32, n: u32) {
        self.acc |= u64::from(v) << self.n;
        self.n += n;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code of `n` bits, top bit first.
    fn code(&mut self, v: u32, n: u32) {
        for i in (0..n).rev() {
            self.bits((v >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn inflate(input: &[u8], cap: usize) -> Result<(Inflated, Vec<u8>), InflateError> {
    let mut out = vec![0u8; cap];
    let r = Inflater::new().inflate(input, &mut out)?;
    out.truncate(r.written);
    Ok((r, out))
}

#[test]
fn a_fixed_block_of_literals_inflates_and_reports_what_it_took() {
    let stream = fixed_literals(b"hello");
    let (r, out) = inflate(&stream, 64).unwrap();
    assert_eq!(out, b"hello");
    assert_eq!(r.consumed, stream.len());
    // What follows the stream (a gzip trailer) is not taken.
    let mut longer = stream.clone();
    longer.extend_from_slice(&[0xaa; 8]);
    assert_eq!(inflate(&longer, 64).unwrap().0.consumed, stream.len());
}

#[test]
fn stored_blocks_copy_their_bytes_and_check_their_lengths() {
    // Not final, stored "ab"; then final, stored "" ; bytes after the header are aligned.
    let stream = [0x00, 2, 0, !2, 0xff, b'a', b'b', 0x01, 0, 0, 0xff, 0xff];
    let (r, out) = inflate(&stream, 8).unwrap();
    assert_eq!(out, b"ab");
    assert_eq!(r.consumed, stream.len());
    let bad = [0x01, 2, 0, 2, 0xff, b'a', b'b'];
    assert_eq!(
        inflate(&bad, 8).unwrap_err(),
        InflateError::Corrupt("invalid stored block lengths")
    );
    assert_eq!(
        inflate(&stream[..6], 8).unwrap_err(),
        InflateError::Truncated
    );
    assert_eq!(inflate(&stream, 1).unwrap_err(), InflateError::OutputFull);
}

#[test]
fn overlapping_matches_repeat_their_pattern() {
    // Fixed block: "ab", then length 7 at distance 2 (length code 261, distance code 1).
    let mut w = BitWriter::default();
    w.bits(0b011, 3);
    w.code(0x30 + u32::from(b'a'), 8);
    w.code(0x30 + u32::from(b'b'), 8);
    w.code(261 - 256, 7); // 257..279 are the 7-bit codes 1..23: length 7
    w.code(1, 5); // distance code 1: distance 2
    w.code(0, 7);
    let (_, out) = inflate(&w.finish(), 64).unwrap();
    assert_eq!(out, b"ababababa");
}

#[test]
fn refusals_name_what_is_wrong() {
    // Block type 3.
    assert_eq!(
        inflate(&[0b111], 8).unwrap_err(),
        InflateError::Corrupt("invalid block type")
    );
    // A match before the start of the output.
    let mut w = BitWriter::default();
    w.bits(0b011, 3);
    w.code(1, 7); // length 3
    w.code(0, 5); // distance 1
    w.code(0, 7);
    assert_eq!(
        inflate(&w.finish(), 8).unwrap_err(),
        InflateError::Corrupt("invalid distance too far back")
    );
    // Fixed distance code 30 does not exist.
    let mut w = BitWriter::default();
    w.bits(0b011, 3);
    w.code(0x30, 8);
    w.code(1, 7);
    w.code(30, 5);
    assert_eq!(
        inflate(&w.finish(), 8).unwrap_err(),
        InflateError::Corrupt("invalid distance code")
    );
    // Output full on a literal and on a match.
    assert_eq!(
        inflate(&fixed_literals(b"abc"), 2).unwrap_err(),
        InflateError::OutputFull
    );
    // Every proper prefix of a stream is refused.
    let stream = fixed_literals(b"a longer run of literal bytes");
    for cut in 0..stream.len() {
        assert!(
            inflate(&stream[..cut], 64).is_err(),
            "prefix of {cut} bytes"
        );
    }
}

#[test]
fn code_tables_follow_the_canonical_code() {
    // Lengths 2, 1, 3, 3 (RFC 1951 3.2.2's example shape): codes B=0, A=10, C=110, D=111.
    let mut table = Table::<16>::new();
    build(
        &mut table,
        3,
        &Lengths::of(&[2, 1, 3, 3]),
        &PRECODE_SYMBOLS,
        CodeKind::Precode,
    )
    .unwrap();
    assert_eq!(table.bits, 3);
    let symbol_at = |bits: u32| {
        let e = table.entries[bits as usize];
        (e.value, e.bits)
    };
    // Index = the code's bits as they arrive (first bit lowest).
    assert_eq!(symbol_at(0b000), (1, 1));
    assert_eq!(symbol_at(0b110), (1, 1));
    assert_eq!(symbol_at(0b001), (0, 2));
    assert_eq!(symbol_at(0b101), (0, 2));
    assert_eq!(symbol_at(0b011), (2, 3));
    assert_eq!(symbol_at(0b111), (3, 3));
    // Over-subscribed and incomplete code length codes are refused.
    assert!(build(
        &mut table,
        3,
        &Lengths::of(&[1, 1, 1]),
        &PRECODE_SYMBOLS,
        CodeKind::Precode
    )
    .is_err());
    assert!(build(
        &mut table,
        3,
        &Lengths::of(&[1, 2]),
        &PRECODE_SYMBOLS,
        CodeKind::Precode
    )
    .is_err());
    // One distance code of one bit is allowed (RFC 1951 3.2.7), two bits incomplete is not.
    let mut dist = Table::<DIST_ENTRIES>::new();
    build(
        &mut dist,
        DIST_BITS,
        &Lengths::of(&[1]),
        &DIST_SYMBOLS,
        CodeKind::Dist,
    )
    .unwrap();
    assert_eq!(dist.entries[1], INVALID_ENTRY);
    assert!(build(
        &mut dist,
        DIST_BITS,
        &Lengths::of(&[2, 2, 2]),
        &DIST_SYMBOLS,
        CodeKind::Dist
    )
    .is_err());
}

#[test]
fn codes_longer_than_the_root_go_through_subtables() {
    // 15-bit codes: lengths 1, 2, ..., 14, 15, 15 over 16 symbols (complete).
    let mut lengths: Vec<u8> = (1..=15).collect();
    lengths.push(15);
    let mut table = Table::<LITLEN_ENTRIES>::new();
    build(
        &mut table,
        LITLEN_BITS,
        &Lengths::of(&lengths),
        &LITLEN_SYMBOLS,
        CodeKind::LitLen,
    )
    .unwrap();
    // Symbol 15 (literal 15) is fifteen 1 bits; symbol 14 fourteen 1s then a 0.
    let mut w = BitWriter::default();
    w.code(0x7fff, 15);
    w.code(0x7ffe, 15);
    w.code(0, 1);
    let input = w.finish();
    let mut bits = Bits {
        input: &input,
        pos: 0,
        buf: 0,
        count: 0,
    };
    bits.refill().unwrap();
    let decoded: Vec<u16> = (0..3)
        .map(|_| decode(&mut bits, table.codes()).value)
        .collect();
    assert_eq!(decoded, [15, 14, 0]);
    assert_eq!(bits.pos * 8 - bits.count as usize, 31);
}

/// zlib-rs (the reference): the output and the bytes taken, or `None` when refused.
#[cfg(feature = "compression")]
fn reference(input: &[u8], cap: usize) -> Option<(usize, Vec<u8>)> {
    let mut out = vec![0u8; cap];
    let mut z = zlib_rs::Inflate::new(false, 15);
    let status = z.decompress(input, &mut out, zlib_rs::InflateFlush::Finish);
    match status {
        Ok(zlib_rs::Status::StreamEnd) => {
            out.truncate(z.total_out() as usize);
            Some((z.total_in() as usize, out))
        }
        _ => None,
    }
}

#[cfg(feature = "compression")]
fn deflate(data: &[u8], level: i32, strategy: zlib_rs::Strategy) -> Vec<u8> {
    let mut out = vec![0u8; data.len() * 2 + 1024];
    let config = zlib_rs::DeflateConfig {
        level,
        method: zlib_rs::Method::Deflated,
        window_bits: -15,
        mem_level: 8,
        strategy,
    };
    let (stream, rc) = zlib_rs::compress_slice(&mut out, data, config);
    assert_eq!(rc, zlib_rs::ReturnCode::Ok);
    stream.to_vec()
}

/// A deterministic pseudo-random sequence (xorshift64).
#[cfg(feature = "compression")]
fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// Deterministic test data: text-like (words from a small vocabulary), random bytes, runs.
#[cfg(feature = "compression")]
fn corpus() -> Vec<Vec<u8>> {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let words = [
        "logEvents",
        "timestamp",
        "message",
        "[ERROR]",
        "id",
        "{",
        "}",
        "\"",
        ":",
        ",",
        " ",
        "eventId",
        "1440442987000",
        "testLogGroup",
        "\n",
    ];
    let mut out = vec![Vec::new(), b"a".to_vec(), vec![0u8; 70_000]];
    for size in [10usize, 325, 4_000, 100_000, 300_000] {
        let mut text = Vec::with_capacity(size);
        while text.len() < size {
            text.extend_from_slice(words[(next() % words.len() as u64) as usize].as_bytes());
        }
        out.push(text);
        out.push((0..size).map(|_| next() as u8).collect());
        out.push(
            (0..size)
                .map(|i| (i / 97 % 7) as u8 + (next() % 3) as u8)
                .collect(),
        );
    }
    out
}

#[cfg(feature = "compression")]
#[test]
fn every_level_and_strategy_of_zlib_rs_round_trips() {
    use zlib_rs::Strategy;
    let mut inflater = Inflater::new();
    for data in corpus() {
        for level in [0, 1, 6, 9] {
            for strategy in [
                Strategy::Default,
                Strategy::Fixed,
                Strategy::HuffmanOnly,
                Strategy::Rle,
                Strategy::Filtered,
            ] {
                let stream = deflate(&data, level, strategy);
                let mut out = vec![0u8; data.len()];
                let r = inflater.inflate(&stream, &mut out).unwrap();
                assert_eq!(r.written, data.len());
                assert!(
                    out == data,
                    "level {level} {strategy:?}, {} bytes",
                    data.len()
                );
                assert_eq!(r.consumed, stream.len());
                if !data.is_empty() {
                    let short = &mut out[..data.len() - 1];
                    assert_eq!(
                        inflater.inflate(&stream, short),
                        Err(InflateError::OutputFull)
                    );
                }
            }
        }
    }
}

#[cfg(feature = "compression")]
#[test]
fn damaged_streams_are_accepted_and_refused_as_zlib_rs_does() {
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    let mut inflater = Inflater::new();
    let mut out = vec![0u8; 1 << 20];
    let corpus = corpus();
    let mut accepted = 0;
    for round in 0..6_000 {
        let data = &corpus[round % corpus.len()];
        let data = &data[..data.len().min(5_000)];
        let mut stream = deflate(data, [1, 6, 9][round % 3], zlib_rs::Strategy::Default);
        if !stream.is_empty() {
            for _ in 0..1 + next() % 3 {
                let at = (next() % stream.len() as u64) as usize;
                stream[at] ^= 1 << (next() % 8);
            }
        }
        let cut = stream.len() - (next() % 4) as usize % (stream.len() + 1);
        let stream = &stream[..cut];
        let ours = inflater.inflate(stream, &mut out);
        match (reference(stream, out.len()), ours) {
            (Some((consumed, expected)), Ok(r)) => {
                accepted += 1;
                assert_eq!(r.consumed, consumed, "round {round}");
                assert!(out[..r.written] == expected[..], "round {round}");
            }
            (None, Err(_)) => {}
            (reference, ours) => panic!(
                "round {round}: zlib-rs {:?}, lambda-zero {ours:?}",
                reference.map(|(c, o)| (c, o.len()))
            ),
        }
    }
    // Some damage leaves a valid stream (a flipped literal bit): both paths are exercised.
    assert!(accepted > 0);
}
