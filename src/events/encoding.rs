//! Decoding on demand, into the caller's memory: base64 ([`Base64`]: Kinesis and Firehose data,
//! DynamoDB `B`, SQS binary attributes, Kafka values) and S3's URL-encoded object keys
//! ([`url_decode`]).

use core::fmt;

use crate::json::Value;

use super::{FromValue, Mismatch};

/// Why decoding into a caller's buffer failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeFailure {
    /// The text is not standard padded base64 (RFC 4648 §4): the first wrong character's
    /// offset.
    InvalidBase64 {
        /// Offset of the first character that does not fit.
        at: usize,
    },
    /// The buffer holds fewer bytes than the decoded value needs.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// The decoded bytes are not UTF-8 where text is expected.
    NotUtf8,
}

impl fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeFailure::InvalidBase64 { at } => {
                write!(f, "invalid base64 at character {at}")
            }
            DecodeFailure::BufferTooSmall { needed } => {
                write!(f, "the decoded value needs a buffer of {needed} bytes")
            }
            DecodeFailure::NotUtf8 => f.write_str("the decoded value is not UTF-8"),
        }
    }
}

impl std::error::Error for DecodeFailure {}

const INVALID: u8 = 0xff;

static VALUES: [u8; 256] = {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// A base64 string of the event (standard alphabet, padded), decoded only when asked, into
/// memory the caller owns.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Base64<'de>(pub &'de str);

impl<'de> Base64<'de> {
    /// The base64 text as it is in the event.
    pub fn as_str(&self) -> &'de str {
        self.0
    }

    /// How many bytes the text decodes to (exact for well-formed text).
    pub fn decoded_len(&self) -> usize {
        decoded_len(self.0.as_bytes())
    }

    /// Decodes into the start of `buf`; returns the decoded bytes. The whole text is checked,
    /// with the rules of the `base64` crate's `STANDARD` engine: a whole number of 4-character
    /// groups, `=` only at the end, the bits past the last byte zero.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], DecodeFailure> {
        let len = decode(self.0.as_bytes(), buf)?;
        Ok(&buf[..len])
    }

    /// Decodes into the start of `buf` and checks the bytes are UTF-8.
    pub fn decode_str_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, DecodeFailure> {
        let bytes = self.decode_into(buf)?;
        core::str::from_utf8(bytes).map_err(|_| DecodeFailure::NotUtf8)
    }
}

impl fmt::Debug for Base64<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64({:?})", self.0)
    }
}

impl<'t, 'de> FromValue<'t, 'de> for Base64<'de> {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        value
            .as_str()
            .map(Base64)
            .ok_or_else(|| Mismatch::expected("a base64 string", value))
    }
}

fn decoded_len(text: &[u8]) -> usize {
    let pad = text.iter().rev().take(2).filter(|&&b| b == b'=').count();
    (text.len() / 4 * 3).saturating_sub(pad)
}

/// Decodes standard padded base64 `text` into the start of `out`; returns the length.
fn decode(text: &[u8], out: &mut [u8]) -> Result<usize, DecodeFailure> {
    if !text.len().is_multiple_of(4) {
        // The first character past the last whole group.
        return Err(DecodeFailure::InvalidBase64 {
            at: text.len() / 4 * 4,
        });
    }
    let needed = decoded_len(text);
    if out.len() < needed {
        // A too-small buffer is reported as such only for text that is otherwise valid.
        check(text)?;
        return Err(DecodeFailure::BufferTooSmall { needed });
    }
    let groups = text.len() / 4;
    // Every group but the last, two at a time (8 characters into 6 bytes, one validity test
    // and one 8-byte store, its last 2 bytes overwritten next or past the result), while 8
    // bytes of `out` are left; then one group at a time, which also finds where any invalid
    // character is.
    let (mut g, mut written) = (0, 0);
    // Four groups at a time first: two independent chains of eight lookups.
    while g + 5 <= groups {
        let (Some(chunk), Some(dst)) = (
            text.get(g * 4..g * 4 + 16),
            out.get_mut(written..written + 14),
        ) else {
            break;
        };
        let (mut n, mut m) = (0u64, 0u64);
        let mut bad = 0u8;
        for (&c, &d) in chunk[..8].iter().zip(&chunk[8..]) {
            let (v, w) = (VALUES[usize::from(c)], VALUES[usize::from(d)]);
            bad |= v | w;
            n = n << 6 | u64::from(v & 0x3f);
            m = m << 6 | u64::from(w & 0x3f);
        }
        if bad & 0xc0 != 0 {
            break;
        }
        dst[..8].copy_from_slice(&(n << 16).to_be_bytes());
        dst[6..14].copy_from_slice(&(m << 16).to_be_bytes());
        written += 12;
        g += 4;
    }
    while g + 3 <= groups {
        let (Some(chunk), Some(dst)) = (
            text.get(g * 4..g * 4 + 8),
            out.get_mut(written..written + 8),
        ) else {
            break;
        };
        let mut n = 0u64;
        let mut bad = 0u8;
        for &c in chunk {
            let v = VALUES[usize::from(c)];
            bad |= v;
            n = n << 6 | u64::from(v & 0x3f);
        }
        // Only INVALID has its top bits set.
        if bad & 0xc0 != 0 {
            break;
        }
        dst.copy_from_slice(&(n << 16).to_be_bytes());
        written += 6;
        g += 2;
    }
    for (g, chunk) in text.chunks_exact(4).enumerate().skip(g) {
        let last = g + 1 == groups;
        let at = g * 4;
        let value = |i: usize| -> Result<u32, DecodeFailure> {
            let v = VALUES[usize::from(chunk[i])];
            if v == INVALID {
                Err(DecodeFailure::InvalidBase64 { at: at + i })
            } else {
                Ok(u32::from(v))
            }
        };
        let pad = if last {
            match (chunk[2], chunk[3]) {
                (b'=', b'=') => 2,
                (_, b'=') => 1,
                _ => 0,
            }
        } else {
            0
        };
        let a = value(0)?;
        let b = value(1)?;
        let c = if pad == 2 { 0 } else { value(2)? };
        let d = if pad >= 1 { 0 } else { value(3)? };
        let n = (a << 18) | (b << 12) | (c << 6) | d;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = 3 - pad;
        // Canonical: the bits past the last byte are zero.
        if (pad == 2 && n & 0xffff != 0) || (pad == 1 && n & 0xff != 0) {
            return Err(DecodeFailure::InvalidBase64 { at: at + 3 - pad });
        }
        out[written..written + keep].copy_from_slice(&bytes[..keep]);
        written += keep;
    }
    Ok(written)
}

/// Checks `text` without writing (used to tell invalid text from a too-small buffer).
fn check(text: &[u8]) -> Result<(), DecodeFailure> {
    let mut scratch = [0u8; 3];
    for (g, chunk) in text.chunks_exact(4).enumerate() {
        decode(chunk, &mut scratch).map_err(|e| match e {
            DecodeFailure::InvalidBase64 { at } => {
                // `=` inside the text is only valid in the last group.
                DecodeFailure::InvalidBase64 { at: g * 4 + at }
            }
            other => other,
        })?;
        if g + 1 < text.len() / 4 && chunk.contains(&b'=') {
            let at = chunk.iter().position(|&b| b == b'=').unwrap_or(0);
            return Err(DecodeFailure::InvalidBase64 { at: g * 4 + at });
        }
    }
    Ok(())
}

/// Decodes an S3 object key as S3 encodes it in event notifications (`+` for a space, `%xx`
/// for a byte, as an HTML form) into the start of `buf`; returns the decoded key. A `%` not
/// followed by two hex digits is kept as it is. `buf` needs at most the key's length.
pub fn url_decode<'b>(key: &str, buf: &'b mut [u8]) -> Result<&'b str, DecodeFailure> {
    let src = key.as_bytes();
    let mut written = 0;
    let mut i = 0;
    while i < src.len() {
        let (byte, used) = match src[i] {
            b'+' => (b' ', 1),
            b'%' => match (src.get(i + 1).and_then(hex), src.get(i + 2).and_then(hex)) {
                (Some(hi), Some(lo)) => ((hi << 4) | lo, 3),
                _ => (b'%', 1),
            },
            b => (b, 1),
        };
        let slot = buf
            .get_mut(written)
            .ok_or(DecodeFailure::BufferTooSmall { needed: src.len() })?;
        *slot = byte;
        written += 1;
        i += used;
    }
    core::str::from_utf8(&buf[..written]).map_err(|_| DecodeFailure::NotUtf8)
}

fn hex(b: &u8) -> Option<u8> {
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

    fn b64(text: &str) -> Result<Vec<u8>, DecodeFailure> {
        let mut buf = [0u8; 64];
        Base64(text).decode_into(&mut buf).map(<[u8]>::to_vec)
    }

    #[test]
    fn base64_decodes_standard_padded_text() {
        assert_eq!(b64("SGVsbG8gV29ybGQ=").unwrap(), b"Hello World");
        assert_eq!(b64("").unwrap(), b"");
        assert_eq!(b64("TQ==").unwrap(), b"M");
        assert_eq!(b64("TWE=").unwrap(), b"Ma");
        assert_eq!(b64("TWFu").unwrap(), b"Man");
        assert_eq!(b64("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(Base64("TWE=").decoded_len(), 2);
    }

    #[test]
    fn base64_refuses_what_the_standard_engine_refuses() {
        let bad = |t: &str, at: usize| {
            assert_eq!(b64(t), Err(DecodeFailure::InvalidBase64 { at }), "{t:?}")
        };
        bad("TWF", 0);
        bad("TW-u", 2);
        bad("TQ=A", 2);
        bad("TR==", 1);
        bad("TWF=", 2);
        bad("TQ==TWFu", 2);
        bad("=QQQ", 0);
        bad("TWFu ", 4);
        let mut small = [0u8; 2];
        assert_eq!(
            Base64("TWFu").decode_into(&mut small),
            Err(DecodeFailure::BufferTooSmall { needed: 3 })
        );
        assert_eq!(
            Base64("TW-u").decode_into(&mut small),
            Err(DecodeFailure::InvalidBase64 { at: 2 })
        );
        let mut buf = [0u8; 4];
        assert_eq!(
            Base64("/w==").decode_str_into(&mut buf),
            Err(DecodeFailure::NotUtf8)
        );
    }

    /// Standard padded base64 of `data`, one group at a time.
    fn encode(data: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut text = String::new();
        for chunk in data.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for k in 0..4 {
                text.push(if k <= chunk.len() {
                    char::from(ALPHABET[(n >> (18 - 6 * k) & 0x3f) as usize])
                } else {
                    '='
                });
            }
        }
        text
    }

    #[test]
    fn base64_blocks_and_groups_agree_at_every_length_and_error_position() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..100usize {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let text = encode(&data);
            // Exactly the room needed, and more.
            for room in [len, len + 8] {
                let mut buf = vec![0u8; room];
                assert_eq!(
                    Base64(&text).decode_into(&mut buf).unwrap(),
                    &data[..],
                    "{len}"
                );
            }
            // An invalid character anywhere is reported where it is.
            for at in 0..text.len().saturating_sub(4) {
                let mut bad = text.clone().into_bytes();
                bad[at] = b'-';
                let bad = String::from_utf8(bad).unwrap();
                let mut buf = vec![0u8; len + 8];
                assert_eq!(
                    Base64(&bad).decode_into(&mut buf),
                    Err(DecodeFailure::InvalidBase64 { at }),
                    "{bad}"
                );
            }
        }
    }

    #[test]
    fn url_decoding_reads_plus_and_percent_escapes() {
        let mut buf = [0u8; 64];
        assert_eq!(
            url_decode("Happy%20Face.jpg", &mut buf).unwrap(),
            "Happy Face.jpg"
        );
        assert_eq!(url_decode("a+b%2Bc", &mut buf).unwrap(), "a b+c");
        assert_eq!(
            url_decode("caf%C3%A9/%e2%82%ac", &mut buf).unwrap(),
            "café/€"
        );
        assert_eq!(url_decode("100%", &mut buf).unwrap(), "100%");
        assert_eq!(url_decode("%zz%4", &mut buf).unwrap(), "%zz%4");
        assert_eq!(url_decode("%ff", &mut buf), Err(DecodeFailure::NotUtf8));
        let mut small = [0u8; 2];
        assert_eq!(
            url_decode("abc", &mut small),
            Err(DecodeFailure::BufferTooSmall { needed: 3 })
        );
    }
}
