//! An object key as a serde deserializer, shared by both typed paths: the tape's ([`super::de`],
//! keys already checked UTF-8 by simd-json) and the fast path's ([`super::fast`], keys as raw
//! bytes, checked only when read as text).
//!
//! A key reads as a string, and also as a number or a boolean when the map's key type wants
//! one (`HashMap<u32, _>`), as in serde_json.

use core::marker::PhantomData;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, Visitor};
use serde::forward_to_deserialize_any;

/// The text of a key, as each path holds it.
pub(super) trait KeyText<'de>: Copy {
    /// The key as a string borrowed for `'de`.
    fn text<E: de::Error>(self) -> Result<&'de str, E>;
    /// Hands the key to a field or variant name visitor.
    fn identifier<V: Visitor<'de>, E: de::Error>(self, visitor: V) -> Result<V::Value, E>;
}

impl<'de> KeyText<'de> for &'de str {
    #[inline]
    fn text<E: de::Error>(self) -> Result<&'de str, E> {
        Ok(self)
    }

    #[inline]
    fn identifier<V: Visitor<'de>, E: de::Error>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_borrowed_str(self)
    }
}

/// Raw key bytes: field and variant names are shown as bytes, which serde's derive matches as
/// it matches strings, without a UTF-8 check.
impl<'de> KeyText<'de> for &'de [u8] {
    #[inline]
    fn text<E: de::Error>(self) -> Result<&'de str, E> {
        core::str::from_utf8(self).map_err(|_| E::custom("an object key is not UTF-8"))
    }

    #[inline]
    fn identifier<V: Visitor<'de>, E: de::Error>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_bytes(self)
    }
}

/// One object key, deserialized with the path's error type `E`.
pub(super) struct Key<'de, T, E> {
    key: T,
    marker: PhantomData<(&'de (), E)>,
}

impl<'de, T: KeyText<'de>, E> Key<'de, T, E> {
    /// A deserializer for `key`.
    #[inline]
    pub(super) fn new(key: T) -> Self {
        Key {
            key,
            marker: PhantomData,
        }
    }
}

macro_rules! parse_key {
    ($($method:ident => $visit:ident : $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            let key = self.key.text::<E>()?;
            match key.parse::<$ty>() {
                Ok(n) => visitor.$visit(n),
                Err(_) => Err(de::Error::invalid_value(
                    de::Unexpected::Str(key),
                    &concat!("a ", stringify!($ty), " as an object key"),
                )),
            }
        }
    )*};
}

impl<'de, T: KeyText<'de>, E: de::Error> de::Deserializer<'de> for Key<'de, T, E> {
    type Error = E;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_borrowed_str(self.key.text()?)
    }

    #[inline]
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        self.key.identifier(visitor)
    }

    parse_key! {
        deserialize_bool => visit_bool: bool,
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_enum(BorrowedStrDeserializer::<E>::new(self.key.text()?))
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        ignored_any
    }
}

/// Whether the object key `key` is the member name `name`. At `opt-level = "z"` (the release
/// profile) a string comparison is a call to `memcmp` for every candidate name; this is a length
/// test and at most four word compares (when `name` is a literal, its words are constants).
#[doc(hidden)]
#[inline(always)]
#[allow(unsafe_code)]
pub fn key_is(key: &str, name: &str) -> bool {
    let (k, n) = (key.as_bytes(), name.as_bytes());
    if k.len() != n.len() {
        return false;
    }
    let len = n.len();
    // SAFETY: for every `word` below, `k` and `n` are both `len` bytes long, and each arm reads
    // `N` bytes at offsets `at` with `at + N <= len`: 0 and `len - 4` for `len` of 4 to 7, 0 and
    // `len - 8` for 8 to 16, 0, 8 and `len - 8` for 17 to 24, 0, 8, 16 and `len - 8` for 25 to 32.
    unsafe {
        match len {
            0 => true,
            // The first, middle and last bytes: all of them.
            1..=3 => k[0] == n[0] && k[len / 2] == n[len / 2] && k[len - 1] == n[len - 1],
            // Two words that overlap cover the name.
            4..=7 => {
                word::<4>(k, 0) == word::<4>(n, 0) && word::<4>(k, len - 4) == word(n, len - 4)
            }
            8..=16 => {
                word::<8>(k, 0) == word::<8>(n, 0) && word::<8>(k, len - 8) == word(n, len - 8)
            }
            17..=24 => {
                word::<8>(k, 0) == word::<8>(n, 0)
                    && word::<8>(k, 8) == word::<8>(n, 8)
                    && word::<8>(k, len - 8) == word::<8>(n, len - 8)
            }
            25..=32 => {
                word::<8>(k, 0) == word::<8>(n, 0)
                    && word::<8>(k, 8) == word::<8>(n, 8)
                    && word::<8>(k, 16) == word::<8>(n, 16)
                    && word::<8>(k, len - 8) == word::<8>(n, len - 8)
            }
            _ => k == n,
        }
    }
}

/// The `N` bytes of `b` from `at`, read as one word (a slice's chunk or subslice is a call at
/// `opt-level = "z"`).
///
/// # Safety
/// `at + N <= b.len()`.
#[allow(unsafe_code)]
#[inline(always)]
unsafe fn word<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    // SAFETY: the caller guarantees `b[at..at + N]` is in bounds; an unaligned read of an
    // array of bytes has no other requirement.
    unsafe { b.as_ptr().add(at).cast::<[u8; N]>().read_unaligned() }
}

#[cfg(test)]
mod tests {
    use super::key_is;

    /// Every length up to past the word compares, and a change in each byte: `key_is` is `==`.
    #[test]
    fn key_is_agrees_with_string_equality_at_every_length_and_byte() {
        for len in 0..=48usize {
            let name: &str = &(0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect::<String>();
            assert!(key_is(name, name), "{name:?}");
            for at in 0..len {
                let mut key = name.as_bytes().to_vec();
                key[at] = b'Z';
                let key = String::from_utf8(key).unwrap();
                assert!(!key_is(&key, name), "{key:?} is not {name:?}");
            }
            let longer = format!("{name}a");
            assert!(!key_is(&longer, name), "{longer:?} is longer than {name:?}");
            if len > 0 {
                assert!(!key_is(&name[..len - 1], name), "{name:?} cut");
            }
        }
    }
}
