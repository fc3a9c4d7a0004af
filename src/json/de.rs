//! Typed events through serde, read straight off simd-json's tape without allocating.
//!
//! simd-json has its own serde deserializer, but its errors carry a heap `String` and no
//! position; this one keeps the message inline and reports where in the event the mismatch is
//! (`$.requestContext.http.method`), so a bad event costs no allocation either. Strings are
//! handed to serde as borrowed (`visit_borrowed_str`), so `&'de str` fields point into the
//! event buffer, where simd-json already resolved the escapes. Unknown fields are skipped in
//! O(1) by jumping over their nodes.

use core::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde::forward_to_deserialize_any;
use simd_json::{Node, StaticNode};

use super::inline::InlineText;
use super::key::Key;
use super::value::{span, subtree, to_f64};

/// Longest message kept in a [`DecodeError`], in bytes.
const MESSAGE_LEN: usize = 200;
/// Longest path kept in a [`DecodeError`], in bytes.
const PATH_LEN: usize = 200;

/// The event is valid JSON but does not fit the handler's type: what serde expected, and where.
#[derive(Clone)]
pub struct DecodeError {
    message: InlineText<MESSAGE_LEN>,
    path: InlineText<PATH_LEN>,
}

impl DecodeError {
    /// serde's description, e.g. ``missing field `rawPath` ``.
    pub fn message(&self) -> &str {
        self.message.as_str()
    }

    /// Where in the value it happened, as a JSONPath-like string: `$`, `$.a.b`, `$.Records[2]`,
    /// `$["content-type"]`.
    pub fn path(&self) -> &str {
        self.path.as_str()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.message, self.path)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("message", &self.message.as_str())
            .field("path", &self.path.as_str())
            .finish()
    }
}

impl std::error::Error for DecodeError {}

/// The error serde sees while deserializing: a message and the tape index it belongs to.
#[derive(Clone)]
pub(crate) struct DeError {
    message: InlineText<MESSAGE_LEN>,
    at: Option<usize>,
}

impl DeError {
    fn new(args: fmt::Arguments<'_>) -> DeError {
        DeError {
            message: InlineText::format(args),
            at: None,
        }
    }

    /// Records the node the error belongs to; the innermost position wins.
    fn at(mut self, index: usize) -> DeError {
        if self.at.is_none() {
            self.at = Some(index);
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_str())
    }
}

impl fmt::Debug for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DeError({:?} at node {:?})",
            self.message.as_str(),
            self.at
        )
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> DeError {
        DeError::new(format_args!("{msg}"))
    }
}

/// Deserializes the value whose subtree is `nodes` (the first node is the value).
pub(crate) fn from_nodes<'t, 'de, T: de::Deserialize<'de>>(
    nodes: &'t [Node<'de>],
) -> Result<T, DecodeError> {
    let nodes = subtree(nodes, 0);
    let mut de = Deserializer { nodes, pos: 0 };
    T::deserialize(&mut de).map_err(|e| {
        let mut path = InlineText::new();
        let _ = write_path(nodes, e.at.unwrap_or(0), &mut path);
        DecodeError {
            message: e.message,
            path,
        }
    })
}

/// Writes the path from the root of `nodes` to the node at `target`, JSONPath style.
fn write_path(nodes: &[Node<'_>], target: usize, out: &mut impl fmt::Write) -> fmt::Result {
    out.write_str("$")?;
    let mut at = 0;
    'descend: while at != target {
        match nodes.get(at) {
            Some(Node::Object { len, .. }) => {
                let mut key_at = at + 1;
                for _ in 0..*len {
                    let key = match nodes.get(key_at) {
                        Some(Node::String(key)) => *key,
                        _ => return Ok(()),
                    };
                    let value_at = key_at + 1;
                    let value_end = value_at + nodes.get(value_at).map_or(1, span);
                    if target == key_at || (value_at..value_end).contains(&target) {
                        write_key(key, out)?;
                        at = if target == key_at { target } else { value_at };
                        continue 'descend;
                    }
                    key_at = value_end;
                }
                return Ok(());
            }
            Some(Node::Array { len, .. }) => {
                let mut item_at = at + 1;
                for index in 0..*len {
                    let item_end = item_at + nodes.get(item_at).map_or(1, span);
                    if (item_at..item_end).contains(&target) {
                        write!(out, "[{index}]")?;
                        at = item_at;
                        continue 'descend;
                    }
                    item_at = item_end;
                }
                return Ok(());
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

fn write_key(key: &str, out: &mut impl fmt::Write) -> fmt::Result {
    let plain = key
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plain {
        write!(out, ".{key}")
    } else {
        write!(out, "[{key:?}]")
    }
}

/// A serde deserializer over a tape slice, positioned at `pos`.
pub(crate) struct Deserializer<'t, 'de> {
    nodes: &'t [Node<'de>],
    pos: usize,
}

impl<'de> Deserializer<'_, 'de> {
    #[inline]
    fn peek(&self) -> Result<Node<'de>, DeError> {
        match self.nodes.get(self.pos) {
            Some(node) => Ok(*node),
            None => Err(self.end_of_event()),
        }
    }

    #[cold]
    #[inline(never)]
    fn end_of_event(&self) -> DeError {
        DeError::new(format_args!("unexpected end of the event")).at(self.pos)
    }

    /// Moves past the value at `start` (wherever a visitor left off inside it).
    #[inline]
    fn skip_value_at(&mut self, start: usize) {
        self.pos = start + self.nodes.get(start).map_or(1, span);
    }
}

fn unexpected<'a>(node: &Node<'a>) -> de::Unexpected<'a> {
    #[allow(unreachable_patterns)] // simd-json's `128bit` feature adds integer variants.
    match *node {
        Node::String(s) => de::Unexpected::Str(s),
        Node::Object { .. } => de::Unexpected::Map,
        Node::Array { .. } => de::Unexpected::Seq,
        Node::Static(StaticNode::Null) => de::Unexpected::Unit,
        Node::Static(StaticNode::Bool(b)) => de::Unexpected::Bool(b),
        Node::Static(StaticNode::I64(n)) => de::Unexpected::Signed(n),
        Node::Static(StaticNode::U64(n)) => de::Unexpected::Unsigned(n),
        Node::Static(StaticNode::F64(n)) => de::Unexpected::Float(to_f64(n)),
        Node::Static(_) => de::Unexpected::Other("a 128-bit integer"),
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'_, 'de> {
    type Error = DeError;

    #[allow(unreachable_patterns)] // simd-json's `128bit` feature adds integer variants.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let start = self.pos;
        let node = self.peek()?;
        let result = match node {
            Node::String(s) => {
                self.pos += 1;
                visitor.visit_borrowed_str(s)
            }
            Node::Static(StaticNode::Null) => {
                self.pos += 1;
                visitor.visit_unit()
            }
            Node::Static(StaticNode::Bool(b)) => {
                self.pos += 1;
                visitor.visit_bool(b)
            }
            Node::Static(StaticNode::I64(n)) => {
                self.pos += 1;
                visitor.visit_i64(n)
            }
            Node::Static(StaticNode::U64(n)) => {
                self.pos += 1;
                visitor.visit_u64(n)
            }
            Node::Static(StaticNode::F64(n)) => {
                self.pos += 1;
                visitor.visit_f64(to_f64(n))
            }
            Node::Array { len, .. } => {
                self.pos += 1;
                let mut seq = Seq {
                    de: &mut *self,
                    left: len,
                };
                let value = visitor.visit_seq(&mut seq);
                let left = seq.left;
                self.skip_value_at(start);
                match value {
                    Ok(_) if left > 0 => Err(de::Error::invalid_length(len, &"fewer elements")),
                    other => other,
                }
            }
            Node::Object { len, .. } => {
                self.pos += 1;
                let value = visitor.visit_map(Map {
                    de: &mut *self,
                    left: len,
                });
                self.skip_value_at(start);
                value
            }
            Node::Static(_) => {
                self.pos += 1;
                Err(DeError::new(format_args!(
                    "128-bit integers are not supported"
                )))
            }
        };
        result.map_err(|e| e.at(start))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let start = self.pos;
        if let Node::Static(StaticNode::Null) = self.peek()? {
            self.pos += 1;
            visitor.visit_none().map_err(|e: DeError| e.at(start))
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let start = self.pos;
        let result = match self.peek()? {
            Node::String(s) => {
                self.pos += 1;
                visitor.visit_enum(BorrowedStrDeserializer::<DeError>::new(s))
            }
            Node::Object { len: 1, .. } => {
                self.pos += 1;
                let value = visitor.visit_enum(Enum { de: &mut *self });
                self.skip_value_at(start);
                value
            }
            other => {
                self.skip_value_at(start);
                Err(de::Error::invalid_type(
                    unexpected(&other),
                    &"a variant name or an object with one key",
                ))
            }
        };
        result.map_err(|e| e.at(start))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let start = self.pos;
        self.peek()?;
        self.skip_value_at(start);
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// The elements of an array, `left` still unread.
struct Seq<'a, 't, 'de> {
    de: &'a mut Deserializer<'t, 'de>,
    left: usize,
}

impl<'de> SeqAccess<'de> for Seq<'_, '_, 'de> {
    type Error = DeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, DeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// The members of an object, `left` still unread.
struct Map<'a, 't, 'de> {
    de: &'a mut Deserializer<'t, 'de>,
    left: usize,
}

impl<'de> MapAccess<'de> for Map<'_, '_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let at = self.de.pos;
        match self.de.peek()? {
            Node::String(key) => {
                self.de.pos += 1;
                seed.deserialize(Key::<_, DeError>::new(key))
                    .map(Some)
                    .map_err(|e| e.at(at))
            }
            _ => Err(DeError::new(format_args!("object key is not a string")).at(at)),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        seed.deserialize(&mut *self.de)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// An externally tagged enum written as `{"Variant": value}`.
struct Enum<'a, 't, 'de> {
    de: &'a mut Deserializer<'t, 'de>,
}

impl<'de> EnumAccess<'de> for Enum<'_, '_, 'de> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let at = self.de.pos;
        match self.de.peek()? {
            Node::String(key) => {
                self.de.pos += 1;
                let variant = seed
                    .deserialize(Key::<_, DeError>::new(key))
                    .map_err(|e| e.at(at))?;
                Ok((variant, self))
            }
            _ => Err(DeError::new(format_args!("object key is not a string")).at(at)),
        }
    }
}

impl<'de> VariantAccess<'de> for Enum<'_, '_, 'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserialize::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(&mut *self.de, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    fn decode<T: for<'a> Deserialize<'a> + fmt::Debug>(json: &str) -> Result<T, DecodeError> {
        let mut bytes = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut bytes).unwrap();
        from_nodes::<T>(&tape.0)
    }

    /// The error of decoding `json` into a borrowing type.
    macro_rules! decode_err {
        ($t:ty, $json:expr) => {{
            let mut bytes = $json.as_bytes().to_vec();
            let tape = simd_json::to_tape(&mut bytes).unwrap();
            from_nodes::<$t>(&tape.0).map(|_| ()).unwrap_err()
        }};
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Request<'a> {
        raw_path: &'a str,
        #[serde(default)]
        cookies: Vec<&'a str>,
        context: Context<'a>,
        count: Option<u8>,
        kind: Kind,
        shape: Option<Shape>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Context<'a> {
        method: &'a str,
        #[serde(rename = "x-y")]
        xy: Option<f64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum Kind {
        A,
        B,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum Shape {
        Circle(f64),
        Rect { w: u32, h: u32 },
        Pair(i8, i8),
        Dot,
    }

    #[test]
    fn borrows_strings_and_skips_unknown_fields() {
        let json = r#"{"rawPath":"/a\"b","ignored":{"deep":[1,{"x":[]}]},"cookies":["c=1"],
            "context":{"method":"GET","x-y":1},"count":null,"kind":"B","shape":{"Rect":{"w":1,"h":2}}}"#;
        let mut bytes = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut bytes).unwrap();
        let r: Request<'_> = from_nodes(&tape.0).unwrap();
        assert_eq!(r.raw_path, "/a\"b");
        assert_eq!(r.cookies, ["c=1"]);
        assert_eq!(
            r.context,
            Context {
                method: "GET",
                xy: Some(1.0)
            }
        );
        assert_eq!((r.count, r.kind), (None, Kind::B));
        assert_eq!(r.shape, Some(Shape::Rect { w: 1, h: 2 }));
    }

    #[test]
    fn enums_in_every_form() {
        assert_eq!(
            decode::<Shape>(r#"{"Circle":2.5}"#).unwrap(),
            Shape::Circle(2.5)
        );
        assert_eq!(
            decode::<Shape>(r#"{"Pair":[-1,2]}"#).unwrap(),
            Shape::Pair(-1, 2)
        );
        assert_eq!(decode::<Shape>(r#""Dot""#).unwrap(), Shape::Dot);
        assert_eq!(decode::<Shape>(r#"{"Dot":null}"#).unwrap(), Shape::Dot);
        let e = decode::<Shape>(r#""Hexagon""#).unwrap_err();
        assert!(e.message().starts_with("unknown variant `Hexagon`"), "{e}");
        let e = decode::<Shape>(r#"{"Circle":1,"Dot":null}"#).unwrap_err();
        assert!(
            e.message()
                .contains("a variant name or an object with one key"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_the_problem_and_the_path() {
        let base = r#"{"rawPath":"/","context":{"method":"GET"},"kind":"A"}"#;
        let e = decode_err!(Request<'_>, r#"{"rawPath":"/","kind":"A"}"#);
        assert_eq!((e.message(), e.path()), ("missing field `context`", "$"));
        let e = decode_err!(Request<'_>, base.replace("\"GET\"", "7"));
        assert_eq!(e.path(), "$.context.method");
        assert!(
            e.message()
                .starts_with("invalid type: integer `7`, expected"),
            "{e}"
        );
        let e = decode_err!(
            Request<'_>,
            base.replace("\"kind\":\"A\"", "\"kind\":\"A\",\"count\":300")
        );
        assert_eq!(e.path(), "$.count");
        assert!(e.message().contains("300"), "{e}");
        let e = decode_err!(
            Request<'_>,
            base.replace("\"GET\"}", "\"GET\",\"x-y\":\"no\"}")
        );
        assert_eq!(e.path(), "$.context[\"x-y\"]");
        let e = decode::<Vec<Vec<u8>>>("[[1],[2,-3]]").unwrap_err();
        assert_eq!(e.path(), "$[1][1]");
        assert_eq!(e.to_string(), format!("{} at $[1][1]", e.message()));
        let e = decode::<(u8, u8)>("[1,2,3]").unwrap_err();
        assert!(e.message().starts_with("invalid length 3"), "{e}");
    }

    #[test]
    fn unknown_fields_are_reported_at_the_key_when_denied() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            a: u8,
        }
        let e = decode::<Vec<Strict>>(r#"[{"a":1},{"a":1,"b":2}]"#).unwrap_err();
        assert_eq!(e.path(), "$[1].b");
        assert!(e.message().starts_with("unknown field `b`"), "{e}");
    }

    #[test]
    fn maps_with_number_keys_and_nested_options() {
        let m = decode::<BTreeMap<u32, Option<bool>>>(r#"{"1":true,"20":null}"#).unwrap();
        assert_eq!(
            m.into_iter().collect::<Vec<_>>(),
            [(1, Some(true)), (20, None)]
        );
        let e = decode::<BTreeMap<u32, bool>>(r#"{"x":true}"#).unwrap_err();
        assert_eq!(e.path(), "$.x");
        let v = decode::<Option<Option<u64>>>("18446744073709551615").unwrap();
        assert_eq!(v, Some(Some(u64::MAX)));
    }
}
