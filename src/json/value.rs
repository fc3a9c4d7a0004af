//! A borrowed, allocation-free view of one parsed JSON value: a window into simd-json's tape.
//!
//! The tape is a flat list of nodes in document order: an object or array node says how many
//! nodes follow inside it, so skipping a value is one addition and nothing needs a hash map.
//! Lookups by key are linear scans over the object's members, which for Lambda events (tens of
//! keys) beats hashing and never allocates.

use core::fmt;

use serde::Deserialize;
use simd_json::{Node, StaticNode};

use super::de::{self, DecodeError};

/// The JSON type of a [`Value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number (integer or float).
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        })
    }
}

/// One JSON value of an event parsed in place: strings are `&'de str` borrowed from the event
/// buffer (already unescaped there), containers are windows into the reused tape.
///
/// `'t` is the tape borrow (valid during one invocation), `'de` the event buffer. Copying a
/// `Value` copies a slice reference. Nothing here allocates.
#[derive(Clone, Copy)]
pub struct Value<'t, 'de> {
    /// The value's node followed by every node inside it (exactly its subtree).
    nodes: &'t [Node<'de>],
}

/// A tape float as `f64` (simd-json's `ordered-float` feature wraps it).
#[inline]
pub(crate) fn to_f64<F: Into<f64>>(n: F) -> f64 {
    n.into()
}

/// The number of tape nodes `node` spans, itself included.
#[inline(always)]
pub(crate) fn span(node: &Node<'_>) -> usize {
    match *node {
        Node::Object { count, .. } | Node::Array { count, .. } => count.saturating_add(1),
        _ => 1,
    }
}

/// The subtree starting at `nodes[at]`, cut to what the slice holds.
#[inline(always)]
pub(crate) fn subtree<'t, 'de>(nodes: &'t [Node<'de>], at: usize) -> &'t [Node<'de>] {
    match nodes.get(at) {
        Some(node) => {
            let end = at.saturating_add(span(node)).min(nodes.len());
            &nodes[at..end]
        }
        None => &[],
    }
}

static NULL: [Node<'static>; 1] = [Node::Static(StaticNode::Null)];

impl<'t, 'de> Value<'t, 'de> {
    /// The root value of a tape filled by simd-json (`null` for an empty tape).
    pub fn from_tape(nodes: &'t [Node<'de>]) -> Value<'t, 'de> {
        let nodes = subtree(nodes, 0);
        if nodes.is_empty() {
            Value { nodes: &NULL }
        } else {
            Value { nodes }
        }
    }

    /// The tape nodes of this value, for simd-json's own APIs. The first node is this value.
    pub fn nodes(&self) -> &'t [Node<'de>] {
        self.nodes
    }

    #[inline(always)]
    fn head(&self) -> Node<'de> {
        self.nodes
            .first()
            .copied()
            .unwrap_or(Node::Static(StaticNode::Null))
    }

    /// The JSON type of this value.
    #[allow(unreachable_patterns)] // simd-json's `128bit` feature adds integer variants.
    #[inline(always)]
    pub fn kind(&self) -> Kind {
        match self.head() {
            Node::String(_) => Kind::String,
            Node::Object { .. } => Kind::Object,
            Node::Array { .. } => Kind::Array,
            Node::Static(StaticNode::Null) => Kind::Null,
            Node::Static(StaticNode::Bool(_)) => Kind::Bool,
            Node::Static(_) => Kind::Number,
        }
    }

    /// True for `null`.
    #[inline(always)]
    pub fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    /// The string, borrowed from the event (escapes already resolved).
    #[inline(always)]
    pub fn as_str(&self) -> Option<&'de str> {
        match self.head() {
            Node::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self.head() {
            Node::Static(StaticNode::Bool(b)) => Some(b),
            _ => None,
        }
    }

    /// The number as a `u64`, when it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self.head() {
            Node::Static(StaticNode::U64(n)) => Some(n),
            Node::Static(StaticNode::I64(n)) => u64::try_from(n).ok(),
            _ => None,
        }
    }

    /// The number as an `i64`, when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.head() {
            Node::Static(StaticNode::I64(n)) => Some(n),
            Node::Static(StaticNode::U64(n)) => i64::try_from(n).ok(),
            _ => None,
        }
    }

    /// The number as an `f64` (integers are converted, possibly rounding beyond 2^53).
    pub fn as_f64(&self) -> Option<f64> {
        match self.head() {
            Node::Static(StaticNode::F64(n)) => Some(to_f64(n)),
            Node::Static(StaticNode::I64(n)) => Some(n as f64),
            Node::Static(StaticNode::U64(n)) => Some(n as f64),
            _ => None,
        }
    }

    /// The static node (number, boolean or null), for exact access to the parsed number.
    pub fn as_static(&self) -> Option<StaticNode> {
        match self.head() {
            Node::Static(s) => Some(s),
            _ => None,
        }
    }

    /// Elements of an array or members of an object; 0 for anything else.
    pub fn len(&self) -> usize {
        match self.head() {
            Node::Object { len, .. } | Node::Array { len, .. } => len,
            _ => 0,
        }
    }

    /// True when [`Value::len`] is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of the first member named `key` (compared after unescaping), if this is an
    /// object that has one.
    pub fn get(&self, key: &str) -> Option<Value<'t, 'de>> {
        self.members()
            .find(|(k, _)| super::key_is(k, key))
            .map(|(_, v)| v)
    }

    /// The string member `key`: `get(key)?.as_str()`.
    pub fn get_str(&self, key: &str) -> Option<&'de str> {
        self.get(key)?.as_str()
    }

    /// The element at `index`, if this is an array that long.
    pub fn at(&self, index: usize) -> Option<Value<'t, 'de>> {
        self.elements().nth(index)
    }

    /// Follows a path of object keys: `v.path(&["requestContext", "http", "method"])`.
    pub fn path(&self, keys: &[&str]) -> Option<Value<'t, 'de>> {
        let mut v = *self;
        for key in keys {
            v = v.get(key)?;
        }
        Some(v)
    }

    /// Follows an RFC 6901 JSON pointer such as `/Records/0/body` (`~1` is `/`, `~0` is `~`).
    /// The empty pointer is the value itself.
    pub fn pointer(&self, pointer: &str) -> Option<Value<'t, 'de>> {
        if pointer.is_empty() {
            return Some(*self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut v = *self;
        for token in rest.split('/') {
            v = match v.kind() {
                Kind::Object => v.members().find(|(k, _)| pointer_token_eq(token, k))?.1,
                Kind::Array => v.at(parse_index(token)?)?,
                _ => return None,
            };
        }
        Some(v)
    }

    /// The elements of an array (nothing for other values).
    pub fn elements(&self) -> Elements<'t, 'de> {
        match self.head() {
            Node::Array { len, .. } => Elements {
                rest: self.nodes.get(1..).unwrap_or(&[]),
                left: len,
            },
            _ => Elements { rest: &[], left: 0 },
        }
    }

    /// The `(key, value)` members of an object, in document order (nothing for other values).
    pub fn members(&self) -> Members<'t, 'de> {
        match self.head() {
            Node::Object { len, .. } => Members {
                rest: self.nodes.get(1..).unwrap_or(&[]),
                left: len,
            },
            _ => Members { rest: &[], left: 0 },
        }
    }

    /// Deserializes this value into `T` without allocating (unless `T` itself allocates):
    /// `&'de str` fields borrow from the event, unknown fields are skipped by jumping over
    /// their nodes. Errors say what did not match and where, relative to this value
    /// (`$.requestContext.http.method`).
    pub fn deserialize<T: Deserialize<'de>>(&self) -> Result<T, DecodeError> {
        de::from_nodes(self.nodes)
    }
}

/// Compares an RFC 6901 reference token (with `~0`/`~1` escapes) to a key, without allocating.
fn pointer_token_eq(token: &str, key: &str) -> bool {
    let mut t = token.bytes();
    let mut k = key.bytes();
    loop {
        let want = match t.next() {
            None => return k.next().is_none(),
            Some(b'~') => match t.next() {
                Some(b'0') => b'~',
                Some(b'1') => b'/',
                _ => return false,
            },
            Some(b) => b,
        };
        if k.next() != Some(want) {
            return false;
        }
    }
}

/// An RFC 6901 array index: `0` or digits without a leading zero.
fn parse_index(token: &str) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    if !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

/// Iterator over the elements of an array [`Value`].
#[derive(Clone)]
pub struct Elements<'t, 'de> {
    rest: &'t [Node<'de>],
    left: usize,
}

impl<'t, 'de> Iterator for Elements<'t, 'de> {
    type Item = Value<'t, 'de>;

    #[inline(always)]
    fn next(&mut self) -> Option<Value<'t, 'de>> {
        if self.left == 0 {
            return None;
        }
        let nodes = subtree(self.rest, 0);
        if nodes.is_empty() {
            self.left = 0;
            return None;
        }
        self.left -= 1;
        self.rest = &self.rest[nodes.len()..];
        Some(Value { nodes })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// Iterator over the `(key, value)` members of an object [`Value`].
#[derive(Clone)]
pub struct Members<'t, 'de> {
    rest: &'t [Node<'de>],
    left: usize,
}

impl<'t, 'de> Iterator for Members<'t, 'de> {
    type Item = (&'de str, Value<'t, 'de>);

    #[inline(always)]
    fn next(&mut self) -> Option<(&'de str, Value<'t, 'de>)> {
        if self.left == 0 {
            return None;
        }
        let (key, nodes) = match self.rest.split_first() {
            Some((Node::String(key), after)) => (*key, subtree(after, 0)),
            _ => ("", &[][..]),
        };
        if nodes.is_empty() {
            self.left = 0;
            return None;
        }
        self.left -= 1;
        self.rest = &self.rest[1 + nodes.len()..];
        Some((key, Value { nodes }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

impl fmt::Debug for Value<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.head() {
            Node::String(s) => fmt::Debug::fmt(s, f),
            Node::Static(s) => write!(f, "{s}"),
            Node::Array { .. } => f.debug_list().entries(self.elements()).finish(),
            Node::Object { .. } => f.debug_map().entries(self.members()).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_value(json: &str, check: impl FnOnce(Value<'_, '_>)) {
        let mut bytes = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut bytes).unwrap();
        check(Value::from_tape(&tape.0));
    }

    #[test]
    fn navigates_objects_arrays_and_scalars() {
        with_value(
            r#"{"a":{"b":[1,-2,3.5,"x\"y",true,null,{"c/d":{"e~f":18446744073709551615}}]},"z":[]}"#,
            |v| {
                assert_eq!(v.kind(), Kind::Object);
                assert_eq!(v.len(), 2);
                let b = v.path(&["a", "b"]).unwrap();
                assert_eq!(b.len(), 7);
                assert_eq!(b.at(0).unwrap().as_u64(), Some(1));
                assert_eq!(b.at(1).unwrap().as_i64(), Some(-2));
                assert_eq!(b.at(1).unwrap().as_u64(), None);
                assert_eq!(b.at(2).unwrap().as_f64(), Some(3.5));
                assert_eq!(b.at(3).unwrap().as_str(), Some("x\"y"));
                assert_eq!(b.at(4).unwrap().as_bool(), Some(true));
                assert!(b.at(5).unwrap().is_null());
                assert!(b.at(7).is_none());
                let deep = v.pointer("/a/b/6/c~1d/e~0f").unwrap();
                assert_eq!(deep.as_u64(), Some(u64::MAX));
                assert!(v.pointer("/a/b/06").is_none());
                assert!(v.pointer("/a/b/x").is_none());
                assert!(v.pointer("a").is_none());
                assert_eq!(v.pointer("").unwrap().len(), 2);
                assert_eq!(v.get("z").unwrap().elements().count(), 0);
                let keys: Vec<&str> = v.members().map(|(k, _)| k).collect();
                assert_eq!(keys, ["a", "z"]);
                assert!(v.get("missing").is_none());
                assert_eq!(format!("{:?}", v.get("z").unwrap()), "[]");
            },
        );
    }

    #[test]
    fn scalars_at_the_root() {
        with_value("42", |v| assert_eq!(v.as_u64(), Some(42)));
        with_value("\"s\"", |v| assert_eq!(v.as_str(), Some("s")));
        with_value("null", |v| {
            assert!(v.is_null() && v.elements().next().is_none())
        });
        assert!(Value::from_tape(&[]).is_null());
    }
}
