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
/// returns how many. The text is checked whole first, so when it is refused `buf` is
/// untouched.
pub(crate) fn decode_json_string_in_place(buf: &mut [u8]) -> Result<usize, InvalidBase64> {
    check(buf)?;
    let len = match memchr::memchr(b'\\', buf) {
        None => buf.len(),
        Some(first) => unescape_ascii_in_place(buf, first),
    };
    Ok(decode_checked_in_place(&mut buf[..len]))
}

/// The characters of raw JSON string contents, escapes resolved: `Err` at an escape that does
/// not stand for printable ASCII (base64 has no other characters).
struct Chars<'b> {
    raw: &'b [u8],
    at: usize,
    /// Characters read so far.
    count: usize,
}

impl Iterator for Chars<'_> {
    type Item = Result<u8, InvalidBase64>;

    fn next(&mut self) -> Option<Result<u8, InvalidBase64>> {
        let b = *self.raw.get(self.at)?;
        let (c, used) = if b == b'\\' {
            match escaped(&self.raw[self.at..]) {
                Some(resolved) => resolved,
                None => return Some(Err(InvalidBase64 { at: self.count })),
            }
        } else {
            (b, 1)
        };
        self.at += used;
        self.count += 1;
        Some(Ok(c))
    }
}

/// The character an escape at the start of `raw` stands for and its length, if it is `\/` or
/// a `\u00XX` of printable ASCII.
fn escaped(raw: &[u8]) -> Option<(u8, usize)> {
    match raw.get(1)? {
        b'/' => Some((b'/', 2)),
        b'u' => {
            let mut n = 0u32;
            for &h in raw.get(2..6)? {
                n = n * 16 + char::from(h).to_digit(16)?;
            }
            let c = u8::try_from(n).ok().filter(u8::is_ascii_graphic)?;
            Some((c, 6))
        }
        _ => None,
    }
}

/// Checks the text (escapes resolved) as standard padded base64, reading only.
fn check(raw: &[u8]) -> Result<(), InvalidBase64> {
    let mut chars = Chars {
        raw,
        at: 0,
        count: 0,
    };
    let mut group = [0u8; 4];
    let mut filled = 0;
    // A whole group is checked once it is known whether it is the last.
    let mut pending: Option<([u8; 4], usize)> = None;
    let mut count = 0;
    for c in &mut chars {
        group[filled] = c?;
        filled += 1;
        count += 1;
        if filled == 4 {
            if let Some((g, at)) = pending.take() {
                check_group(g, false, at)?;
            }
            pending = Some((group, count - 4));
            filled = 0;
        }
    }
    if let Some((g, at)) = pending {
        check_group(g, filled == 0, at)?;
    }
    if filled != 0 {
        // Not a whole number of groups: padding is required.
        return Err(InvalidBase64 { at: count - filled });
    }
    Ok(())
}

/// Checks one group of four characters starting at character `at`; only the `last` group may
/// hold padding (`xx==` or `xxx=`), whose bits past the last byte must be zero.
fn check_group(group: [u8; 4], last: bool, at: usize) -> Result<(), InvalidBase64> {
    let v = group.map(|c| VALUES[usize::from(c)]);
    let bad = |i: usize| Err(InvalidBase64 { at: at + i });
    let first_invalid = v.iter().position(|&x| x == INVALID);
    match first_invalid {
        None => Ok(()),
        Some(i) if i < 2 || !last => bad(i),
        Some(_) => match (group[2], group[3]) {
            (b'=', b'=') if v[1] & 0x0f != 0 => bad(1),
            (b'=', b'=') => Ok(()),
            (_, b'=') if v[2] != INVALID && v[2] & 0x03 != 0 => bad(2),
            (_, b'=') if v[2] != INVALID => Ok(()),
            _ => bad(first_invalid.unwrap_or(3)),
        },
    }
}

/// Resolves the escapes from `first` (the first `\`) on, shifting the text down; returns the
/// new length. The text was [`check`]ed: every escape is one [`escaped`] resolves.
fn unescape_ascii_in_place(buf: &mut [u8], first: usize) -> usize {
    let mut read = first;
    let mut write = first;
    while read < buf.len() {
        let (c, used) = match buf[read] {
            b'\\' => escaped(&buf[read..]).unwrap_or((b'=', 1)),
            b => (b, 1),
        };
        buf[write] = c;
        read += used;
        write += 1;
    }
    write
}

/// Decodes checked base64 `buf` in place; returns the decoded length. Each group of four
/// characters is read before its (at most three) bytes are written, so the output never
/// overtakes the input.
fn decode_checked_in_place(buf: &mut [u8]) -> usize {
    let mut write = 0;
    for read in (0..buf.len() / 4).map(|g| g * 4) {
        let group = [buf[read], buf[read + 1], buf[read + 2], buf[read + 3]];
        let v = group.map(|c| u32::from(VALUES[usize::from(c)] & 0x3f));
        let n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = match (group[2], group[3]) {
            (b'=', _) => 1,
            (_, b'=') => 2,
            _ => 3,
        };
        buf[write..write + keep].copy_from_slice(&bytes[..keep]);
        write += keep;
    }
    write
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
