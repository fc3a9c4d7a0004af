//! Standard base64 (RFC 4648 §4, padded) decoded in place, from the raw text of a JSON string.
//!
//! The rules are those of the `base64` crate's `STANDARD` engine, which `lambda_http` decodes
//! bodies with: the alphabet `A-Z a-z 0-9 + /`, padding required and canonical (the text is a
//! whole number of 4-character groups, `=` only at the end), no whitespace, and the bits past
//! the last byte zero.
//!
//! The text comes straight from the event, before simd-json unescapes it, so the escapes a
//! JSON encoder may put in base64 text (`\/`, and `\u00XX` for an ASCII character) are resolved
//! first, in place; any other escape stands for a character base64 does not have.

/// A character that is not base64.
const INVALID: u8 = 0xff;

/// The value of each base64 character, [`INVALID`] for every other byte.
static VALUES: [u8; 256] = values();

const fn values() -> [u8; 256] {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// Where the base64 text is wrong: a character offset into the text (escapes resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidBase64 {
    pub(crate) at: usize,
}

/// Decodes the raw JSON string contents `buf` in place: the bytes land at the start of `buf`;
/// returns how many.
pub(crate) fn decode_json_string_in_place(buf: &mut [u8]) -> Result<usize, InvalidBase64> {
    let len = match memchr::memchr(b'\\', buf) {
        None => buf.len(),
        Some(first) => unescape_ascii_in_place(buf, first)?,
    };
    decode_in_place(&mut buf[..len])
}

/// Resolves the JSON escapes from `first` (the first `\`) on, shifting the text down; returns
/// the new length. Escapes that stand for something other than printable ASCII fail: base64
/// has none of them.
fn unescape_ascii_in_place(buf: &mut [u8], first: usize) -> Result<usize, InvalidBase64> {
    let mut read = first;
    let mut write = first;
    while read < buf.len() {
        let b = buf[read];
        if b != b'\\' {
            buf[write] = b;
            read += 1;
            write += 1;
            continue;
        }
        let invalid = InvalidBase64 { at: write };
        let (c, used) = match buf.get(read + 1) {
            Some(b'/') => (b'/', 2),
            Some(b'u') => {
                let hex = buf.get(read + 2..read + 6).ok_or(invalid)?;
                let mut n = 0u32;
                for &h in hex {
                    let digit = char::from(h).to_digit(16).ok_or(invalid)?;
                    n = n * 16 + digit;
                }
                match u8::try_from(n) {
                    Ok(c) if c.is_ascii_graphic() => (c, 6),
                    _ => return Err(invalid),
                }
            }
            _ => return Err(invalid),
        };
        buf[write] = c;
        read += used;
        write += 1;
    }
    Ok(write)
}

/// Decodes base64 `buf` in place; returns the decoded length. Each group of four characters
/// is read before its (at most three) bytes are written, so the output never overtakes the
/// input.
pub(crate) fn decode_in_place(buf: &mut [u8]) -> Result<usize, InvalidBase64> {
    let len = buf.len();
    let mut read = 0;
    let mut write = 0;
    while read + 4 <= len {
        let group = [buf[read], buf[read + 1], buf[read + 2], buf[read + 3]];
        let v = group.map(|c| VALUES[usize::from(c)]);
        let last = read + 4 == len;
        if v.iter().all(|&x| x != INVALID) {
            let n = (u32::from(v[0]) << 18)
                | (u32::from(v[1]) << 12)
                | (u32::from(v[2]) << 6)
                | u32::from(v[3]);
            buf[write] = (n >> 16) as u8;
            buf[write + 1] = (n >> 8) as u8;
            buf[write + 2] = n as u8;
            read += 4;
            write += 3;
            continue;
        }
        // Only the last group may hold padding: `xx==` (one byte) or `xxx=` (two).
        let bad = |i: usize| InvalidBase64 { at: read + i };
        if let Some(i) = v[..2].iter().position(|&x| x == INVALID) {
            return Err(bad(i));
        }
        if !last {
            let i = v.iter().position(|&x| x == INVALID).unwrap_or(0);
            return Err(bad(i));
        }
        match (group[2], group[3]) {
            (b'=', b'=') => {
                // The low four bits of the second character are past the byte: zero.
                if v[1] & 0x0f != 0 {
                    return Err(bad(1));
                }
                buf[write] = (v[0] << 2) | (v[1] >> 4);
                write += 1;
            }
            (_, b'=') if v[2] != INVALID => {
                if v[2] & 0x03 != 0 {
                    return Err(bad(2));
                }
                buf[write] = (v[0] << 2) | (v[1] >> 4);
                buf[write + 1] = (v[1] << 4) | (v[2] >> 2);
                write += 2;
            }
            _ => {
                let i = v.iter().position(|&x| x == INVALID).unwrap_or(3);
                return Err(bad(i));
            }
        }
        read += 4;
    }
    if read != len {
        // Not a whole number of groups: padding is required.
        return Err(InvalidBase64 { at: read });
    }
    Ok(write)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<Vec<u8>, InvalidBase64> {
        let mut buf = text.as_bytes().to_vec();
        let n = decode_json_string_in_place(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    #[test]
    fn decodes_the_standard_alphabet_with_padding() {
        let table: &[(&str, &[u8])] = &[
            ("", b""),
            ("Zg==", b"f"),
            ("Zm8=", b"fo"),
            ("Zm9v", b"foo"),
            ("Zm9vYg==", b"foob"),
            ("Zm9vYmE=", b"fooba"),
            ("Zm9vYmFy", b"foobar"),
            ("AP8=", b"\x00\xff"),
            ("+/+/", b"\xfb\xff\xbf"),
            ("//79", b"\xff\xfe\xfd"),
        ];
        for &(text, want) in table {
            assert_eq!(decode(text).as_deref(), Ok(want), "{text}");
        }
    }

    #[test]
    fn resolves_json_escapes_of_base64_characters() {
        assert_eq!(decode(r"\/\/79").as_deref(), Ok(&b"\xff\xfe\xfd"[..]));
        assert_eq!(decode(r"Zm\u0039v").as_deref(), Ok(&b"foo"[..]));
        assert_eq!(decode(r"Zm9\u002F"), decode("Zm9/"));
        assert_eq!(decode(r"Zm9v\n"), Err(InvalidBase64 { at: 4 }));
        assert_eq!(decode(r"Zm9v\u00e9"), Err(InvalidBase64 { at: 4 }));
        assert_eq!(decode(r"Zm9v\u00"), Err(InvalidBase64 { at: 4 }));
        assert_eq!(decode(r"Zm9v\"), Err(InvalidBase64 { at: 4 }));
    }

    #[test]
    fn refuses_what_the_standard_engine_refuses() {
        let table: &[(&str, usize)] = &[
            ("Zg", 0),         // padding required
            ("Zg=", 0),        // not a whole group
            ("Zm9", 0),        // not a whole group
            ("Zg==Zg==", 2),   // padding before the end
            ("Z===", 1),       // three padding characters
            ("Zh==", 1),       // bits past the byte
            ("Zm9=", 2),       // bits past the second byte
            ("Zm9v YQ==", 4),  // whitespace
            ("Zm9v\nYQ==", 4), // a line break
            ("Zm-_", 2),       // the URL-safe alphabet
            ("=Zm9", 0),       // padding first
            ("Zm=v", 2),       // padding inside a group
        ];
        for &(text, at) in table {
            assert_eq!(decode(text), Err(InvalidBase64 { at }), "{text:?}");
        }
    }

    #[test]
    fn round_trips_every_length_and_byte() {
        // Encoded with the crate's own encoder (the one the runtime writes error bodies with).
        for len in 0..300usize {
            let data: Vec<u8> = (0..len).map(|i| (i * 131 + len) as u8).collect();
            let mut text = vec![0u8; len.div_ceil(3) * 4];
            let mut w = crate::proto::request::Writer::new(&mut text);
            crate::proto::request::push_base64(&mut w, &data).unwrap();
            let text = String::from_utf8(text).unwrap();
            assert_eq!(decode(&text).unwrap(), data, "length {len}");
        }
    }
}
