//! Entry points for fuzz targets (`cargo fuzz`): each takes arbitrary bytes and checks an
//! invariant of the JSON layer. They panic only when they find a bug, which is what a fuzzer
//! looks for; they allocate freely and are not meant for the invocation path. [`Stage1`] is
//! stage 1 alone, for the benches.
//!
//! ```
//! lambda_zero::__private::json::event(br#"{"rawPath":"/a","headers":{"x":"\u00e9"}}"#);
//! lambda_zero::__private::json::writer(b"\x01\x02some bytes\xff");
//! ```

use std::cell::RefCell;

use serde::Deserialize;
use simd_json::Node;

use super::fast::Fast;
use super::stage1::{self, Kernel};
use super::{
    decode_fast, Json, JsonHandler, JsonWriter, Limits, Parser, Typed, TypedHandler, Value,
    WriteError,
};
use crate::{Config, Context, Error, Handler};

/// Small buffers: fuzz inputs are small, and larger ones exercise the growth path.
fn limits() -> Limits {
    Limits {
        max_event: 64 * 1024,
        max_response: 256 * 1024,
        structurals: 8 * 1024,
        max_depth: 1024,
    }
}

/// Copies the event through the writer.
struct Echo;

impl JsonHandler for Echo {
    fn handle(
        &mut self,
        event: Value<'_, '_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        out.value(event)?;
        Ok(())
    }
}

/// A typed event with the shapes serde can ask for: borrowed strings, options, numbers,
/// nested structs, sequences, maps, enums.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // Only deserialized.
struct Probe<'a> {
    raw_path: Option<&'a str>,
    #[serde(borrow)]
    headers: Option<std::collections::BTreeMap<&'a str, &'a str>>,
    status_code: Option<u16>,
    ratio: Option<f64>,
    offset: Option<i64>,
    flag: Option<bool>,
    #[serde(borrow)]
    records: Option<Vec<Record<'a>>>,
    kind: Option<Kind>,
    tuple: Option<(u8, char, &'a str)>,
    unit: Option<()>,
    bytes: Option<&'a [u8]>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // Only deserialized.
struct Record<'a> {
    id: &'a str,
    body: Option<&'a str>,
    attributes: Option<std::collections::BTreeMap<u32, Vec<Option<i8>>>>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // Only deserialized.
enum Kind {
    Unit,
    Newtype(u32),
    Tuple(i8, i8),
    Struct { a: u8 },
}

struct TypedProbe;

impl TypedHandler for TypedProbe {
    type Event<'de> = Probe<'de>;

    fn handle(
        &mut self,
        event: Probe<'_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        out.object(|w| {
            w.field("rawPath", event.raw_path)?;
            w.field("records", event.records.map_or(0, |r| r.len()))
        })?;
        Ok(())
    }
}

thread_local! {
    static ADAPTERS: RefCell<Option<(Json<Echo>, Typed<TypedProbe>)>> = const { RefCell::new(None) };
    static PATHS: RefCell<Option<Paths>> = const { RefCell::new(None) };
    static INDEXED: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Any JSON value, as serde's visitor calls describe it: which `visit_*` method, with what.
/// Compares the two deserializers call for call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Any {
    Unit,
    Bool(bool),
    U64(u64),
    I64(i64),
    /// The bits, so that `-0.0` and `0.0` differ.
    F64(u64),
    /// Borrowed (`visit_borrowed_str`) or not.
    Str(String, bool),
    Seq(Vec<Any>),
    Map(Vec<(Any, Any)>),
}

impl<'de> Deserialize<'de> for Any {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Any, D::Error> {
        struct AnyVisitor;
        impl<'de> serde::de::Visitor<'de> for AnyVisitor {
            type Value = Any;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Any, E> {
                Ok(Any::Unit)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Any, E> {
                Ok(Any::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Any, E> {
                Ok(Any::U64(n))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Any, E> {
                Ok(Any::I64(n))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Any, E> {
                Ok(Any::F64(x.to_bits()))
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Any, E> {
                Ok(Any::Str(s.to_owned(), true))
            }
            fn visit_str<E>(self, s: &str) -> Result<Any, E> {
                Ok(Any::Str(s.to_owned(), false))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Any, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(Any::Seq(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Any, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = a.next_entry()? {
                    members.push(member);
                }
                Ok(Any::Map(members))
            }
        }
        d.deserialize_any(AnyVisitor)
    }
}

/// A type to deserialize, borrowing from the event for any lifetime.
pub(crate) trait Decode {
    type Out<'de>: Deserialize<'de>;
}

/// [`Any`] values.
pub(crate) struct AnyValue;

impl Decode for AnyValue {
    type Out<'de> = Any;
}

/// The typed probe.
struct ProbeEvent;

impl Decode for ProbeEvent {
    type Out<'de> = Probe<'de>;
}

/// The typed fast path (once per stage 1: each SIMD kernel this CPU runs, and simd-json's)
/// and the tape path, each with its own buffers.
struct Paths {
    fast: Vec<Fast>,
    fast_parser: Parser,
    tape: Parser,
}

/// What one path made of an event.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome<T> {
    /// Deserialized.
    Value(T),
    /// The fast path gave up (the adapter then takes the tape path).
    Gave,
    /// The tape path refused it: invalid JSON, or not a `T`.
    Refused(String),
}

/// Deserializes `data` into `T` on the typed fast path and on the tape path, and checks that
/// they agree: whatever the fast path accepts, the tape path accepts with an equal value
/// (`same`). The fast path runs once per stage 1 (each SIMD kernel this CPU runs, and
/// simd-json's), and each must come to the same outcome. Returns both outcomes (fast, tape).
pub(crate) fn fast_against_tape<T: Decode, R: PartialEq + core::fmt::Debug>(
    data: &[u8],
    same: impl for<'a> Fn(&T::Out<'a>) -> R,
) -> (Outcome<R>, Outcome<R>) {
    PATHS.with(|cell| {
        let mut cell = cell.borrow_mut();
        let paths = cell.get_or_insert_with(|| {
            let limits = limits();
            let kernels = Kernel::available().into_iter().map(Some);
            Paths {
                fast: kernels
                    .chain([None])
                    .map(|k| Fast::with_kernel(limits.max_event - 1, limits.max_depth, k))
                    .collect(),
                fast_parser: Parser::new(limits),
                tape: Parser::new(limits),
            }
        });
        let mut event = data.to_vec();
        let tape = match paths.tape.parse::<T::Out<'_>>(&mut event) {
            Ok(t) => Outcome::Value(same(&t)),
            Err(e) => Outcome::Refused(e.to_string()),
        };
        let mut outcomes = paths.fast.iter_mut().map(|fast| {
            let path = format!("{fast:?}");
            if fast.prepare(&mut paths.fast_parser, data).is_ok() {
                if let Ok(t) = decode_fast::<T::Out<'_>>(fast, data) {
                    return (path, Outcome::Value(same(&t)));
                }
            }
            (path, Outcome::Gave)
        });
        let (first_path, fast) = outcomes.next().expect("simd-json's stage 1 at least");
        for (path, outcome) in outcomes {
            assert_eq!(
                outcome,
                fast,
                "{path} and {first_path} disagree on {:?}",
                String::from_utf8_lossy(data)
            );
        }
        match (&fast, &tape) {
            (Outcome::Value(f), Outcome::Value(t)) => {
                assert_eq!(
                    f,
                    t,
                    "the fast path read {:?} differently",
                    String::from_utf8_lossy(data)
                );
            }
            (Outcome::Value(f), _) => panic!(
                "the fast path accepted {:?} as {f:?}; the tape path: {tape:?}",
                String::from_utf8_lossy(data)
            ),
            _ => {}
        }
        (fast, tape)
    })
}

/// simd-json's stage 1 over `data`: the structural offsets, or `None` when it refuses it.
/// (Run as the fast path runs it where its own is not available: behind a `]`, stopped in
/// stage 2 on that `]`.)
pub(crate) fn simd_json_stage1(data: &[u8]) -> Option<Vec<u32>> {
    let mut padded = Vec::with_capacity(data.len() + 1 + simd_json::INPUT_PADDING);
    padded.push(b']');
    padded.extend_from_slice(data);
    padded.resize(data.len() + 1 + simd_json::INPUT_PADDING, 0);
    let mut buffers = simd_json::Buffers::new(data.len() + 1);
    let mut tape = simd_json::Tape::null();
    match simd_json::fill_tape_padded(&mut padded, data.len() + 1, &mut buffers, &mut tape) {
        // Without the `]`, an event with no structural at all is refused (`Eof`).
        Err(e)
            if *e.error() == simd_json::ErrorType::InternalError
                && e.index() == 0
                && e.character() == Some(']')
                && buffers.structural_indexes().len() > 1 =>
        {
            Some(
                buffers.structural_indexes()[1..]
                    .iter()
                    .map(|p| p - 1)
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Stage 1 alone, for the benches (`benches/json.rs`'s `floor-stage1-*` rows): one kernel and
/// an index buffer, reused.
///
/// ```
/// use lambda_zero::__private::json::Stage1;
///
/// for mut stage1 in Stage1::all() {
///     // `{` `"a"` `:` `[` `1` `,` `true` `]` `}`
///     assert_eq!(stage1.index(br#"{"a": [1, true]}"#), Some(9), "{}", stage1.name());
/// }
/// ```
#[derive(Debug)]
pub struct Stage1 {
    kernel: Kernel,
    index: Vec<u32>,
}

impl Stage1 {
    /// Every SIMD kernel this CPU runs, each with room for events up to 1 MiB.
    pub fn all() -> Vec<Stage1> {
        Kernel::available()
            .into_iter()
            .map(|kernel| Stage1 {
                kernel,
                index: vec![0; super::fast::FAST_MAX_EVENT + stage1::BLOCK],
            })
            .collect()
    }

    /// The kernel's name (`avx512`, `avx2`, `neon`), as `LAMBDA_ZERO_JSON_STAGE1` takes it.
    pub fn name(&self) -> &'static str {
        self.kernel.name()
    }

    /// Indexes `event`: the number of structurals, or `None` when stage 1 refuses it or it is
    /// over 1 MiB (the fast path's limit).
    pub fn index(&mut self, event: &[u8]) -> Option<usize> {
        if event.len() > super::fast::FAST_MAX_EVENT {
            return None;
        }
        self.kernel
            .index(event, &mut self.index)
            .ok()
            .map(|found| found.structurals)
    }
}

/// Stage 1 three ways: the fast path's own (with each SIMD kernel this CPU runs), the same with
/// the byte-at-a-time classifier, and simd-json's. Panics unless the first two agree exactly
/// (on refusing `data`, or on its structural index), all three refuse `data` or all accept
/// it, and, when `data` is valid JSON, all three give the same index. (On invalid JSON the
/// indexes may differ in what makes it invalid: the fast path after stage 1 must then refuse
/// it, which [`event`] checks.)
///
/// ```
/// lambda_zero::__private::json::stage1(br#"{"a": [1, "b\\"c", true]}"#);
/// ```
pub fn stage1(data: &[u8]) {
    let mut index = vec![0u32; data.len() + stage1::BLOCK];
    let found = stage1::index_scalar(data, &mut index);
    if let Ok(found) = found {
        assert_eq!(
            found.backslash,
            data.contains(&b'\\'),
            "stage 1 missed whether {:?} has a backslash",
            String::from_utf8_lossy(data)
        );
    }
    let scalar = found
        .ok()
        .map(|f| (f.backslash, index[..f.structurals].to_vec()));
    for kernel in Kernel::available() {
        let found = kernel.index(data, &mut index);
        let simd = found
            .ok()
            .map(|f| (f.backslash, index[..f.structurals].to_vec()));
        assert_eq!(
            simd,
            scalar,
            "stage 1's {kernel:?} and scalar classifiers disagree on {:?}",
            String::from_utf8_lossy(data)
        );
    }
    let reference = simd_json_stage1(data);
    assert_eq!(
        scalar.is_some(),
        reference.is_some(),
        "stage 1 and simd-json's disagree on refusing {:?}",
        String::from_utf8_lossy(data)
    );
    if simd_json::to_tape(&mut data.to_vec()).is_ok() {
        assert_eq!(
            scalar.map(|(_, index)| index),
            reference,
            "stage 1 and simd-json's disagree on valid JSON {:?}",
            String::from_utf8_lossy(data)
        );
    }
}

/// Runs `data` as an event through the untyped adapter (copying it through the writer) and the
/// typed adapter. Checks: no panic; invalid JSON is refused as `Runtime.InvalidJson`; a copied
/// event parses back to the same tape (same strings, same numbers, same structure); the typed
/// fast path accepts only what the tape path accepts, and reads it as the tape path does
/// (every serde visitor call, and a typed probe), leaving the event as it arrived when it gives
/// up.
pub fn event(data: &[u8]) {
    let config = Config::default();
    let ctx = Context::for_test("fuzz", &config);
    ADAPTERS.with(|cell| {
        let mut cell = cell.borrow_mut();
        let (echo, typed) = cell.get_or_insert_with(|| {
            (
                Json::with_limits(Echo, limits()),
                Typed::with_limits(TypedProbe, limits()),
            )
        });
        stage1(data);
        let reference = simd_json::to_tape(&mut data.to_vec()).map(|t| owned_tape(&t.0));
        // `Parser::with_index` (its own stage 1 and tape pass where it takes the event) writes
        // simd-json's tape, and refuses what simd-json refuses.
        INDEXED.with(|cell| {
            let mut cell = cell.borrow_mut();
            let parser = cell.get_or_insert_with(|| Parser::with_index(limits()));
            let mut event = data.to_vec();
            match (
                parser.with_value(&mut event, |v| owned_tape(v.nodes())),
                &reference,
            ) {
                (Ok(got), Ok(want)) => assert_eq!(&got, want, "the indexed tape differs"),
                (Err(_), Err(_)) => {}
                (got, want) => panic!(
                    "the indexed parser and simd-json disagree: {:?} vs {:?}",
                    got.is_ok(),
                    want.is_ok()
                ),
            }
        });
        let mut event = data.to_vec();
        match (echo.handle(&mut event, &ctx), &reference) {
            (Ok(copy), Ok(reference)) => {
                let mut copy = copy.to_vec();
                let text = String::from_utf8_lossy(&copy).into_owned();
                let again = simd_json::to_tape(&mut copy)
                    .unwrap_or_else(|e| panic!("the copy does not parse ({e}): {text}"));
                assert_eq!(&owned_tape(&again.0), reference, "the copy differs: {text}");
            }
            (Err(e), Err(_)) => assert_eq!(e.error_type(), "Runtime.InvalidJson", "{e}"),
            (Err(e), Ok(_)) if e.error_type() == "Function.ResponseTooLarge" => {}
            (got, want) => panic!(
                "adapter and simd-json disagree: {got:?} vs {:?}",
                want.is_ok()
            ),
        }
        let mut event = data.to_vec();
        if let Err(e) = typed.handle(&mut event, &ctx) {
            let t = e.error_type();
            assert!(
                t == "Runtime.InvalidJson" || t == "Runtime.InvalidEvent",
                "{e}"
            );
        }
    });
    // The typed fast path against the tape path: generic values, and a typed probe (field
    // names, enums, options, tuples, maps with number keys).
    fast_against_tape::<AnyValue, Any>(data, Any::clone);
    fast_against_tape::<ProbeEvent, String>(data, |p| format!("{p:?}"));
}

/// A tape with owned strings, to compare two parses.
#[derive(Debug, PartialEq)]
enum OwnedNode {
    String(String),
    Object(usize, usize),
    Array(usize, usize),
    Static(simd_json::StaticNode),
}

fn owned_tape(nodes: &[Node<'_>]) -> Vec<OwnedNode> {
    nodes
        .iter()
        .map(|n| match *n {
            Node::String(s) => OwnedNode::String(s.to_owned()),
            Node::Object { len, count } => OwnedNode::Object(len, count),
            Node::Array { len, count } => OwnedNode::Array(len, count),
            Node::Static(s) => OwnedNode::Static(s),
        })
        .collect()
}

/// A JSON value built from fuzz input, written with the writer and compared after parsing.
#[derive(Debug, Clone, PartialEq)]
enum Model {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Array(Vec<Model>),
    Object(Vec<(String, Model)>),
    /// A string holding a nested JSON document (`json_string`).
    Embedded(Box<Model>),
}

/// Reads fuzz input as a source of choices.
struct Bytes<'a> {
    data: &'a [u8],
}

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |n, _| (n << 8) | u64::from(self.byte()))
    }

    fn string(&mut self) -> String {
        let len = usize::from(self.byte() % 24);
        let take = len.min(self.data.len());
        let (s, rest) = self.data.split_at(take);
        self.data = rest;
        String::from_utf8_lossy(s).into_owned()
    }

    fn model(&mut self, depth: usize, embedded: bool) -> Model {
        let choice = self.byte() % if depth > 6 { 6 } else { 9 };
        match choice {
            0 => Model::Null,
            1 => Model::Bool(self.byte() & 1 == 1),
            2 => Model::Int(self.u64() as i64),
            3 => Model::Uint(self.u64()),
            4 => {
                let f = f64::from_bits(self.u64());
                if f.is_finite() {
                    Model::Float(f)
                } else {
                    Model::Null
                }
            }
            5 => Model::Str(self.string()),
            6 => Model::Array(
                (0..self.byte() % 5)
                    .map(|_| self.model(depth + 1, embedded))
                    .collect(),
            ),
            7 => Model::Object(
                (0..self.byte() % 5)
                    .map(|_| (self.string(), self.model(depth + 1, embedded)))
                    .collect(),
            ),
            _ if embedded => Model::Null,
            _ => Model::Embedded(Box::new(self.model(depth + 1, true))),
        }
    }
}

fn write_model(w: &mut JsonWriter<'_>, m: &Model) -> Result<(), WriteError> {
    match m {
        Model::Null => w.null(),
        Model::Bool(b) => w.bool(*b),
        Model::Int(n) => w.int(*n),
        Model::Uint(n) => w.int(*n),
        Model::Float(f) => w.f64(*f),
        Model::Str(s) => w.str(s),
        Model::Array(items) => w.array(|w| items.iter().try_for_each(|m| write_model(w, m))),
        Model::Object(members) => w.object(|w| {
            members.iter().try_for_each(|(k, m)| {
                w.key(k)?;
                write_model(w, m)
            })
        }),
        Model::Embedded(inner) => w.json_string(|w| write_model(w, inner)),
    }
}

/// Checks that `v` (parsed back) is `m`.
fn same(v: Value<'_, '_>, m: &Model) -> bool {
    match m {
        Model::Null => v.is_null(),
        Model::Bool(b) => v.as_bool() == Some(*b),
        Model::Int(n) => v.as_i64() == Some(*n),
        Model::Uint(n) => v.as_u64() == Some(*n),
        Model::Float(f) => v.as_f64().is_some_and(|g| g == *f),
        Model::Str(s) => v.as_str() == Some(s.as_str()),
        Model::Array(items) => {
            v.len() == items.len() && v.elements().zip(items).all(|(v, m)| same(v, m))
        }
        Model::Object(members) => {
            v.len() == members.len()
                && v.members()
                    .zip(members)
                    .all(|((k, v), (mk, m))| k == mk && same(v, m))
        }
        Model::Embedded(inner) => match v.as_str() {
            Some(text) => {
                let mut bytes = text.as_bytes().to_vec();
                match simd_json::to_tape(&mut bytes) {
                    Ok(tape) => same(Value::from_tape(&tape.0), inner),
                    Err(_) => false,
                }
            }
            None => false,
        },
    }
}

/// Builds a JSON value from `data` (strings cut from the input, so every byte value and
/// escape shows up), writes it with [`JsonWriter`] (nested documents with
/// [`JsonWriter::json_string`]), parses the output with simd-json and checks it reads back as
/// the same value. Also checks that a too-small buffer fails cleanly instead of writing past
/// its end or producing a truncated document.
pub fn writer(data: &[u8]) {
    let model = Bytes { data }.model(0, false);
    let mut buf = vec![0u8; 64 * 1024];
    let mut w = JsonWriter::new(&mut buf);
    let written = write_model(&mut w, &model).and_then(|()| w.finish());
    let len = match written {
        Ok(len) => len,
        Err(WriteError::Full { .. }) => return,
        Err(e) => panic!("valid writer calls were refused: {e} for {model:?}"),
    };
    let mut out = buf[..len].to_vec();
    let text = String::from_utf8_lossy(&out).into_owned();
    let tape =
        simd_json::to_tape(&mut out).unwrap_or_else(|e| panic!("output is not JSON ({e}): {text}"));
    assert!(
        same(Value::from_tape(&tape.0), &model),
        "output {text} does not read back as {model:?}"
    );

    // The same value into a buffer one byte short: an error, never a complete document.
    if len > 0 {
        let mut short = vec![0u8; len - 1];
        let mut w = JsonWriter::new(&mut short);
        let r = write_model(&mut w, &model).and_then(|()| w.finish());
        assert!(
            matches!(r, Err(WriteError::Full { .. })),
            "{r:?} for a {}-byte buffer",
            len - 1
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic bytes: xorshift64.
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn event_entry_point_over_sample_events_and_their_mutations() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/events");
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                inputs.push(std::fs::read(path).unwrap());
            }
        }
        assert!(inputs.len() > 30);
        for (i, input) in inputs.iter().enumerate() {
            event(input);
            // Flip, cut and splice bytes: mostly invalid JSON, sometimes valid but different.
            for round in 0..40u64 {
                let mut m = input.clone();
                let r = noise(i as u64 * 1000 + round, 8);
                let at = usize::from(r[0]) * m.len() / 256;
                match r[1] % 4 {
                    0 => m[at] = r[2],
                    1 => m.truncate(at),
                    2 => m.insert(at, b"\"\\{}[],:0-e.tfn\x01\xff"[usize::from(r[2]) % 17]),
                    _ => m
                        .drain(at..(at + usize::from(r[3] % 16)).min(m.len()))
                        .for_each(drop),
                }
                event(&m);
            }
        }
        for (i, input) in [
            "",
            "{}",
            "[]",
            "0",
            "-0",
            "1e308",
            "\"\\u0000\"",
            "{\"a\":1,\"a\":2}",
            "[[[[[]]]]]",
        ]
        .iter()
        .enumerate()
        {
            event(input.as_bytes());
            event(&noise(i as u64, 64));
        }
    }

    #[test]
    fn writer_entry_point_over_noise() {
        for seed in 0..3000 {
            writer(&noise(seed, (seed as usize * 7) % 600));
        }
    }
}
