//! CRC-32 (ISO 3309, the polynomial gzip checks its members with): the hardware's where it
//! has one (PCLMULQDQ folding on x86_64, the CRC32 instructions on arm64, both detected at run
//! time), tables sliced by 16 elsewhere and for the tail of what the hardware path takes.
//!
//! `cloudwatch_logs::tests::decode_times` times it on the inflated sample (325 bytes).

/// The CRC-32 of `bytes`.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    !update(!0, bytes)
}

/// The CRC register (pre- and post-inverted by [`crc32`]) after `bytes`.
#[allow(unsafe_code)]
fn update(c: u32, bytes: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= 64
        && std::arch::is_x86_feature_detected!("pclmulqdq")
        && std::arch::is_x86_feature_detected!("sse4.1")
    {
        let folded = bytes.len() & !15;
        // SAFETY: PCLMULQDQ and SSE4.1 were detected just above; `bytes[..folded]` is at least
        // 64 bytes and a multiple of 16, which `fold` requires.
        let c = unsafe { x86::fold(c, &bytes[..folded]) };
        return table_update(c, &bytes[folded..]);
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("crc") {
        // SAFETY: the CRC32 instructions were detected just above.
        return unsafe { arm::update(c, bytes) };
    }
    table_update(c, bytes)
}

/// The CRC-32 tables for slicing by 16: `CRC_TABLES[0]` is the byte-at-a-time table, and
/// `CRC_TABLES[k][n]` the CRC of byte `n` followed by `k` zero bytes.
static CRC_TABLES: [[u32; 256]; 16] = {
    let mut tables = [[0u32; 256]; 16];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        tables[0][n] = c;
        n += 1;
    }
    let mut t = 1;
    while t < 16 {
        let mut n = 0;
        while n < 256 {
            let prev = tables[t - 1][n];
            tables[t][n] = (prev >> 8) ^ tables[0][(prev & 0xff) as usize];
            n += 1;
        }
        t += 1;
    }
    tables
};

/// The CRC register after `bytes`, sixteen bytes per step (the portable path).
fn table_update(mut c: u32, bytes: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut blocks = bytes.chunks_exact(16);
    for b in &mut blocks {
        let lo = c ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        c = t[15][(lo & 0xff) as usize]
            ^ t[14][((lo >> 8) & 0xff) as usize]
            ^ t[13][((lo >> 16) & 0xff) as usize]
            ^ t[12][(lo >> 24) as usize];
        for (k, &byte) in b[4..].iter().enumerate() {
            c ^= t[11 - k][usize::from(byte)];
        }
    }
    for &b in blocks.remainder() {
        c = t[0][((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    c
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod x86 {
    use core::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_clmulepi64_si128, _mm_cvtsi32_si128, _mm_extract_epi32,
        _mm_loadu_si128, _mm_set_epi64x, _mm_setr_epi32, _mm_srli_si128, _mm_xor_si128,
    };

    /// The folding constants of the reflected CRC-32 polynomial (Intel's "Fast CRC
    /// Computation for Generic Polynomials Using PCLMULQDQ"): x^(4*128+32) and x^(4*128-32)
    /// mod P for folding four blocks, x^(128+32) and x^(128-32) for one, x^64 for 64 bits, then
    /// P and its Barrett constant.
    const K1: i64 = 0x1_5444_2bd4;
    const K2: i64 = 0x1_c6e4_1596;
    const K3: i64 = 0x1_7519_97d0;
    const K4: i64 = 0x0_ccaa_009e;
    const K5: i64 = 0x1_63cd_6124;
    const POLY: i64 = 0x1_db71_0641;
    const MU: i64 = 0x1_f701_1641;

    /// 16 bytes of `bytes` from `at`.
    ///
    /// # Safety
    /// `at + 16 <= bytes.len()`.
    #[inline(always)]
    unsafe fn load(bytes: &[u8], at: usize) -> __m128i {
        debug_assert!(at + 16 <= bytes.len());
        _mm_loadu_si128(bytes.as_ptr().add(at).cast())
    }

    /// The CRC register `c` after `bytes`.
    ///
    /// # Safety
    /// The CPU has PCLMULQDQ and SSE4.1; `bytes.len()` is at least 64 and a multiple of 16.
    #[target_feature(enable = "pclmulqdq,sse4.1")]
    pub(super) unsafe fn fold(c: u32, bytes: &[u8]) -> u32 {
        let len = bytes.len();
        let mut x1 = _mm_xor_si128(load(bytes, 0), _mm_cvtsi32_si128(c as i32));
        let mut x2 = load(bytes, 16);
        let mut x3 = load(bytes, 32);
        let mut x4 = load(bytes, 48);
        let mut at = 64;
        let k1k2 = _mm_set_epi64x(K2, K1);
        let fold = |x: __m128i, k: __m128i, next: __m128i| {
            let low = _mm_clmulepi64_si128(x, k, 0x00);
            let high = _mm_clmulepi64_si128(x, k, 0x11);
            _mm_xor_si128(_mm_xor_si128(low, high), next)
        };
        while at + 64 <= len {
            x1 = fold(x1, k1k2, load(bytes, at));
            x2 = fold(x2, k1k2, load(bytes, at + 16));
            x3 = fold(x3, k1k2, load(bytes, at + 32));
            x4 = fold(x4, k1k2, load(bytes, at + 48));
            at += 64;
        }
        let k3k4 = _mm_set_epi64x(K4, K3);
        x1 = fold(x1, k3k4, x2);
        x1 = fold(x1, k3k4, x3);
        x1 = fold(x1, k3k4, x4);
        while at + 16 <= len {
            x1 = fold(x1, k3k4, load(bytes, at));
            at += 16;
        }
        // 128 bits to 64.
        let mask = _mm_setr_epi32(!0, 0, !0, 0);
        let x2 = _mm_clmulepi64_si128(x1, k3k4, 0x10);
        let x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
        let k5 = _mm_set_epi64x(0, K5);
        let x2 = _mm_srli_si128(x1, 4);
        let x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask), k5, 0x00);
        let x1 = _mm_xor_si128(x1, x2);
        // Barrett reduction to 32 bits.
        let poly = _mm_set_epi64x(MU, POLY);
        let x2 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask), poly, 0x10);
        let x2 = _mm_clmulepi64_si128(_mm_and_si128(x2, mask), poly, 0x00);
        _mm_extract_epi32(_mm_xor_si128(x1, x2), 1) as u32
    }
}

#[cfg(target_arch = "aarch64")]
#[allow(unsafe_code)]
mod arm {
    use core::arch::aarch64::{__crc32b, __crc32d};

    /// The CRC register `c` after `bytes`, eight bytes per instruction.
    ///
    /// # Safety
    /// The CPU has the CRC32 instructions.
    #[target_feature(enable = "crc")]
    pub(super) unsafe fn update(mut c: u32, bytes: &[u8]) -> u32 {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            c = __crc32d(c, u64::from_le_bytes(word));
        }
        for &b in words.remainder() {
            c = __crc32b(c, b);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitwise(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    #[test]
    fn crc32_matches_the_check_value_and_the_bitwise_definition() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
        let data: Vec<u8> = (0..1100u32).map(|i| (i * 7 + i / 3) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(crc32(&data[..len]), bitwise(&data[..len]), "{len}");
        }
    }

    #[test]
    fn the_portable_path_matches_the_bitwise_definition() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 13 + i / 5) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(
                !table_update(!0, &data[..len]),
                bitwise(&data[..len]),
                "{len}"
            );
        }
    }

    /// The hardware paths themselves (where the CPU running the tests has them).
    #[test]
    #[allow(unsafe_code)]
    fn the_hardware_path_matches_the_bitwise_definition() {
        let data: Vec<u8> = (0..2048u32).map(|i| (i * 31 + i / 7) as u8).collect();
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("pclmulqdq")
            && std::arch::is_x86_feature_detected!("sse4.1")
        {
            for len in (64..data.len()).step_by(16) {
                // SAFETY: both features detected; `len` is at least 64 and a multiple of 16.
                let c = unsafe { x86::fold(!0, &data[..len]) };
                assert_eq!(!c, bitwise(&data[..len]), "{len}");
            }
        }
        #[cfg(target_arch = "aarch64")]
        if std::arch::is_aarch64_feature_detected!("crc") {
            for len in 0..data.len() {
                // SAFETY: the CRC32 instructions were detected.
                let c = unsafe { arm::update(!0, &data[..len]) };
                assert_eq!(!c, bitwise(&data[..len]), "{len}");
            }
        }
    }
}
