//! The reading machinery every event family shares: [`FromValue`], the lazy [`Seq`] and
//! [`Map`] views, [`Serde`] for a user's own serde type, and [`Mismatch`], the error of an
//! event that is JSON but not of the expected shape.

use core::fmt;
use core::marker::PhantomData;

use serde::Deserialize;

use crate::json::{DecodeError, Elements, Kind, Members, Value};

/// A type read from a parsed event's [`Value`] without allocating: strings borrow from the
/// event buffer (`'de`), sequences and maps stay windows into the tape (`'t`) whose items are
/// read when they are iterated.
pub trait FromValue<'t, 'de>: Sized {
    /// Reads the value; unknown object members are ignored.
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch>;

    /// What an absent member reads as: `None` (the default) makes the member required;
    /// `Option`, [`Seq`] and [`Map`] read an absent member as `None` or empty.
    fn missing() -> Option<Self> {
        None
    }
}

/// What was wrong with a member, without the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    /// A required member is absent.
    Missing,
    /// The member has another JSON type (or, for enumerations, another value).
    Expected { want: &'static str, found: Kind },
    /// A user type read through serde refused the value.
    Serde,
}

/// The event is JSON, but a member is missing or of another type: which member of which type,
/// and what was expected. Kept inline (`Copy`): building one never allocates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Mismatch {
    owner: &'static str,
    field: &'static str,
    index: Option<usize>,
    problem: Problem,
}

impl Mismatch {
    /// `value` is not the `want` it should be (for instance "a string").
    pub fn expected(want: &'static str, value: Value<'_, '_>) -> Mismatch {
        Mismatch {
            owner: "",
            field: "",
            index: None,
            problem: Problem::Expected {
                want,
                found: value.kind(),
            },
        }
    }

    /// The required member `field` of `owner` is absent.
    pub fn missing(owner: &'static str, field: &'static str) -> Mismatch {
        Mismatch {
            owner,
            field,
            index: None,
            problem: Problem::Missing,
        }
    }

    /// Names the member the error is in, unless an inner member was named already.
    pub fn within(mut self, owner: &'static str, field: &'static str) -> Mismatch {
        if self.owner.is_empty() {
            self.owner = owner;
            self.field = field;
        }
        self
    }

    /// Records the position of the item the error is in, in the innermost sequence (an
    /// outer sequence's position is not recorded over it).
    pub fn at_index(mut self, index: usize) -> Mismatch {
        if self.index.is_none() {
            self.index = Some(index);
        }
        self
    }

    /// The type whose member is wrong (`SqsMessage`), empty at the top level.
    pub fn owner(&self) -> &'static str {
        self.owner
    }

    /// The JSON name of the wrong member (`messageId`), empty at the top level.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// True when a required member is absent (rather than of the wrong type).
    pub fn is_missing(&self) -> bool {
        self.problem == Problem::Missing
    }

    /// The invocation error reported to Lambda: `Runtime.InvalidEvent`, as the typed JSON
    /// adapter reports an event that does not match the handler's type.
    pub fn to_error(&self) -> crate::Error {
        crate::Error::runtime("InvalidEvent", self)
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problem {
            Problem::Missing => write!(f, "missing field `{}`", self.field)?,
            Problem::Expected { want, found } => write!(f, "expected {want}, found {found}")?,
            Problem::Serde => f.write_str("the value does not match the user type")?,
        }
        if !self.owner.is_empty() && !matches!(self.problem, Problem::Missing) {
            write!(f, " at `{}.{}`", self.owner, self.field)?;
        } else if !self.owner.is_empty() {
            write!(f, " in `{}`", self.owner)?;
        }
        if let Some(i) = self.index {
            write!(f, " (item {i})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mismatch({self})")
    }
}

impl std::error::Error for Mismatch {}

impl<'t, 'de> FromValue<'t, 'de> for Value<'t, 'de> {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        Ok(value)
    }

    /// An absent member reads as `null`.
    fn missing() -> Option<Self> {
        Some(Value::from_tape(&[]))
    }
}

impl<'t, 'de> FromValue<'t, 'de> for &'de str {
    #[inline(always)]
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        value
            .as_str()
            .ok_or_else(|| Mismatch::expected("a string", value))
    }
}

impl<'t, 'de> FromValue<'t, 'de> for bool {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        value
            .as_bool()
            .ok_or_else(|| Mismatch::expected("a boolean", value))
    }
}

impl<'t, 'de> FromValue<'t, 'de> for f64 {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        value
            .as_f64()
            .ok_or_else(|| Mismatch::expected("a number", value))
    }
}

macro_rules! integers {
    ($($ty:ty => $via:ident, $want:literal;)*) => {$(
        impl<'t, 'de> FromValue<'t, 'de> for $ty {
            fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
                value
                    .$via()
                    .and_then(|n| <$ty>::try_from(n).ok())
                    .ok_or_else(|| Mismatch::expected($want, value))
            }
        }
    )*};
}

integers! {
    u64 => as_u64, "an unsigned integer";
    u32 => as_u64, "an unsigned 32-bit integer";
    u8 => as_u64, "a byte (0 to 255)";
    i64 => as_i64, "an integer";
    i32 => as_i64, "a 32-bit integer";
}

/// `null` and an absent member read as `None`.
impl<'t, 'de, T: FromValue<'t, 'de>> FromValue<'t, 'de> for Option<T> {
    #[inline(always)]
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        if value.is_null() {
            Ok(None)
        } else {
            T::from_value(value).map(Some)
        }
    }

    fn missing() -> Option<Self> {
        Some(None)
    }
}

/// A JSON array read lazily: holding one is a slice reference into the tape; each item is
/// read into `T` as it is reached. `null` and an absent member read as an empty sequence.
pub struct Seq<'t, 'de, T> {
    value: Value<'t, 'de>,
    item: PhantomData<fn() -> T>,
}

impl<T> Clone for Seq<'_, '_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Seq<'_, '_, T> {}

impl<'t, 'de, T: FromValue<'t, 'de>> Seq<'t, 'de, T> {
    /// The number of items.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// True when there is no item.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The items in order, each read when reached.
    pub fn iter(&self) -> SeqIter<'t, 'de, T> {
        SeqIter {
            elements: self.value.elements(),
            index: 0,
            item: PhantomData,
        }
    }

    /// The item at `index`, read now.
    pub fn get(&self, index: usize) -> Option<Result<T, Mismatch>> {
        self.iter().nth(index)
    }

    /// The array as the tape view (`null` when it was absent).
    pub fn value(&self) -> Value<'t, 'de> {
        self.value
    }
}

impl<'t, 'de, T> FromValue<'t, 'de> for Seq<'t, 'de, T> {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        match value.kind() {
            Kind::Array | Kind::Null => Ok(Seq {
                value,
                item: PhantomData,
            }),
            _ => Err(Mismatch::expected("an array", value)),
        }
    }

    fn missing() -> Option<Self> {
        Some(Seq {
            value: Value::from_tape(&[]),
            item: PhantomData,
        })
    }
}

impl<'t, 'de, T: FromValue<'t, 'de>> IntoIterator for Seq<'t, 'de, T> {
    type Item = Result<T, Mismatch>;
    type IntoIter = SeqIter<'t, 'de, T>;

    fn into_iter(self) -> SeqIter<'t, 'de, T> {
        self.iter()
    }
}

impl<'t, 'de, T: FromValue<'t, 'de>> IntoIterator for &Seq<'t, 'de, T> {
    type Item = Result<T, Mismatch>;
    type IntoIter = SeqIter<'t, 'de, T>;

    fn into_iter(self) -> SeqIter<'t, 'de, T> {
        self.iter()
    }
}

impl<'t, 'de, T: FromValue<'t, 'de> + fmt::Debug> fmt::Debug for Seq<'t, 'de, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The items of a [`Seq`], each read into `T` as it is reached.
pub struct SeqIter<'t, 'de, T> {
    elements: Elements<'t, 'de>,
    index: usize,
    item: PhantomData<fn() -> T>,
}

impl<'t, 'de, T: FromValue<'t, 'de>> Iterator for SeqIter<'t, 'de, T> {
    type Item = Result<T, Mismatch>;

    #[inline(always)]
    fn next(&mut self) -> Option<Result<T, Mismatch>> {
        let value = self.elements.next()?;
        let index = self.index;
        self.index += 1;
        Some(T::from_value(value).map_err(|e| e.at_index(index)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.elements.size_hint()
    }
}

/// A JSON object of like values (attribute maps, headers) read lazily: each value is read
/// into `V` as it is reached. `null` and an absent member read as an empty map. Keys keep
/// document order; [`Map::get`] is a linear scan, which for the tens of keys of an event
/// beats hashing and never allocates.
pub struct Map<'t, 'de, V> {
    value: Value<'t, 'de>,
    item: PhantomData<fn() -> V>,
}

impl<V> Clone for Map<'_, '_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Map<'_, '_, V> {}

impl<'t, 'de, V: FromValue<'t, 'de>> Map<'t, 'de, V> {
    /// The number of members.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// True when there is no member.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The `(key, value)` members in document order, each value read when reached.
    pub fn iter(&self) -> MapIter<'t, 'de, V> {
        MapIter {
            members: self.value.members(),
            item: PhantomData,
        }
    }

    /// The value of the first member named `key`, read now.
    pub fn get(&self, key: &str) -> Option<Result<V, Mismatch>> {
        self.value.get(key).map(V::from_value)
    }

    /// The keys in document order.
    pub fn keys(&self) -> impl Iterator<Item = &'de str> + 't {
        self.value.members().map(|(k, _)| k)
    }

    /// The object as the tape view (`null` when it was absent).
    pub fn value(&self) -> Value<'t, 'de> {
        self.value
    }
}

impl<'t, 'de, V> FromValue<'t, 'de> for Map<'t, 'de, V> {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        match value.kind() {
            Kind::Object | Kind::Null => Ok(Map {
                value,
                item: PhantomData,
            }),
            _ => Err(Mismatch::expected("an object", value)),
        }
    }

    fn missing() -> Option<Self> {
        Some(Map {
            value: Value::from_tape(&[]),
            item: PhantomData,
        })
    }
}

impl<'t, 'de, V: FromValue<'t, 'de>> IntoIterator for Map<'t, 'de, V> {
    type Item = (&'de str, Result<V, Mismatch>);
    type IntoIter = MapIter<'t, 'de, V>;

    fn into_iter(self) -> MapIter<'t, 'de, V> {
        self.iter()
    }
}

impl<'t, 'de, V: FromValue<'t, 'de>> IntoIterator for &Map<'t, 'de, V> {
    type Item = (&'de str, Result<V, Mismatch>);
    type IntoIter = MapIter<'t, 'de, V>;

    fn into_iter(self) -> MapIter<'t, 'de, V> {
        self.iter()
    }
}

impl<'t, 'de, V: FromValue<'t, 'de> + fmt::Debug> fmt::Debug for Map<'t, 'de, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The members of a [`Map`], each value read into `V` as it is reached.
pub struct MapIter<'t, 'de, V> {
    members: Members<'t, 'de>,
    item: PhantomData<fn() -> V>,
}

impl<'t, 'de, V: FromValue<'t, 'de>> Iterator for MapIter<'t, 'de, V> {
    type Item = (&'de str, Result<V, Mismatch>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (key, value) = self.members.next()?;
        Some((key, V::from_value(value)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.members.size_hint()
    }
}

/// A member read into the user's own serde type `T` (borrowing `&'de str` fields from the
/// event), through the crate's tape deserializer: for an EventBridge `detail`, an SNS message
/// attribute, anything whose shape the user knows. The value is read when the member is, and a
/// mismatch keeps serde's message and path ([`Serde::from_value`] fails with a [`Mismatch`];
/// use [`crate::json::Value::deserialize`] on a [`Value`] member for the full [`DecodeError`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Serde<T>(pub T);

impl<'t, 'de, T: Deserialize<'de>> FromValue<'t, 'de> for Serde<T> {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        value
            .deserialize::<T>()
            .map(Serde)
            .map_err(|_: DecodeError| {
                let mut m = Mismatch::expected("the user type", value);
                m.problem = Problem::Serde;
                m
            })
    }
}

/// An event read as `T` that keeps its JSON too: for responses written from the event (the
/// Cognito triggers' [`respond`](crate::events::cognito::respond)) or members the type does
/// not have.
#[derive(Clone, Copy, Debug)]
pub struct WithJson<'t, 'de, T> {
    /// The event as `T`.
    pub typed: T,
    /// The event as JSON.
    pub json: Value<'t, 'de>,
}

impl<'t, 'de, T: FromValue<'t, 'de>> FromValue<'t, 'de> for WithJson<'t, 'de, T> {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        Ok(WithJson {
            typed: T::from_value(value)?,
            json: value,
        })
    }
}

/// Reads `T` from `value`, naming `owner.field` in an error; an absent member (`None`) reads as
/// [`FromValue::missing`] or fails as missing. Used by the generated readers of every event
/// type.
#[doc(hidden)]
#[inline(always)]
pub fn member<'t, 'de, T: FromValue<'t, 'de>>(
    value: Option<Value<'t, 'de>>,
    owner: &'static str,
    field: &'static str,
) -> Result<T, Mismatch> {
    match value {
        Some(v) => T::from_value(v).map_err(|e| e.within(owner, field)),
        None => T::missing().ok_or_else(|| Mismatch::missing(owner, field)),
    }
}

/// Whether an object key is a member name, without a call to `memcmp` (see
/// [`crate::json::key_is`]). Used by the generated readers of every event type.
#[doc(hidden)]
pub use crate::json::key_is;

/// Declares an event struct whose fields are read from JSON members named by string literals,
/// in one pass over the object's members, and implements [`FromValue`] for it.
macro_rules! event_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident $(<$($lt:lifetime),*>)? {
            $(
                $(#[$fmeta:meta])*
                $json:literal $(| $alt:literal)* => pub $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<$($($lt),*)?> {
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
        }

        impl<'t, 'de> $crate::events::FromValue<'t, 'de> for $name<$($($lt),*)?> {
            #[allow(unused_variables, unused_mut)]
            fn from_value(
                value: $crate::json::Value<'t, 'de>,
            ) -> Result<Self, $crate::events::Mismatch> {
                if value.kind() != $crate::json::Kind::Object {
                    return Err($crate::events::Mismatch::expected("an object", value));
                }
                $( let mut $field: Option<$crate::json::Value<'t, 'de>> = None; )*
                for (key, member) in value.members() {
                    $(
                        if $field.is_none()
                            && ($crate::events::view::key_is(key, $json)
                                $(|| $crate::events::view::key_is(key, $alt))*)
                        {
                            $field = Some(member);
                            continue;
                        }
                    )*
                }
                Ok($name {
                    $( $field: $crate::events::view::member($field, stringify!($name), $json)?, )*
                })
            }
        }
    };
}

pub(crate) use event_struct;
