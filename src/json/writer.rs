//! A JSON writer into a fixed, caller-provided buffer: no heap, no growth, an error when full.
//!
//! [`JsonWriter`] keeps the commas and the nesting for you (up to [`MAX_DEPTH`] levels, tracked
//! in a bit set inside the writer) and refuses calls that would make invalid JSON, such as a
//! value without a key inside an object. The first failure sticks: every later call returns
//! the same error, so a handler that ignores one still cannot produce a corrupt document.
//!
//! Strings are escaped as JSON requires (quotes, backslashes and control characters; other
//! UTF-8 as it is), after a check 8 bytes at a time finds most need nothing; integers go
//! through `itoa`, floats
//! through `core::fmt`'s shortest round-trip formatting (non-finite floats become `null`).

use core::fmt;

use simd_json::{Node, StaticNode};

use super::value::{to_f64, Kind, Value};
use crate::proto::request::{push_base64, Full, Writer};

/// Deepest nesting of arrays and objects a [`JsonWriter`] accepts (simd-json's default limit).
pub const MAX_DEPTH: usize = 1024;

/// Why a [`JsonWriter`] call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteError {
    /// The output buffer is full; it never grows.
    Full {
        /// The buffer size, in bytes.
        capacity: usize,
    },
    /// The call would have produced invalid JSON (the text says which rule it broke).
    Misuse(&'static str),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Full { capacity } => {
                write!(
                    f,
                    "the JSON response does not fit in the {capacity}-byte output buffer"
                )
            }
            WriteError::Misuse(rule) => write!(f, "invalid JSON writer call: {rule}"),
        }
    }
}

impl std::error::Error for WriteError {}

/// Where the writer is inside the current container (or the top level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pos {
    /// Nothing written at the top level yet.
    Start,
    /// Just after `[` or `{`.
    First,
    /// After a complete value (or a closed container).
    AfterValue,
    /// After an object key and its `:`.
    AfterKey,
}

/// Words of the container bit set: [`MAX_DEPTH`] levels for the document, and as many again
/// for a document written inside it by [`JsonWriter::json_string`].
const LEVEL_WORDS: usize = 2 * MAX_DEPTH / 64;

/// The nesting state: which open containers are objects, how deep, where in the innermost.
///
/// Depths count from `base`, the top level of the document being written: 0 for the whole
/// document, the outer depth inside [`JsonWriter::json_string`], whose inner document stacks
/// its containers on top of the outer ones (so nothing is saved or copied for it).
#[derive(Debug, Clone, Copy)]
struct Nesting {
    objects: [u64; LEVEL_WORDS],
    depth: usize,
    base: usize,
    pos: Pos,
    /// Whether the innermost open container is an object (false at the top level).
    in_object: bool,
}

impl Nesting {
    const fn new() -> Nesting {
        Nesting {
            objects: [0; LEVEL_WORDS],
            depth: 0,
            base: 0,
            pos: Pos::Start,
            in_object: false,
        }
    }

    /// True at the top level of the current document.
    #[inline]
    fn at_top(&self) -> bool {
        self.depth == self.base
    }

    #[inline]
    fn level_is_object(&self, level: usize) -> bool {
        self.objects[level / 64] & (1 << (level % 64)) != 0
    }

    #[inline]
    fn push(&mut self, object: bool) {
        let level = self.depth;
        let bit = 1u64 << (level % 64);
        if object {
            self.objects[level / 64] |= bit;
        } else {
            self.objects[level / 64] &= !bit;
        }
        self.depth += 1;
        self.pos = Pos::First;
        self.in_object = object;
    }

    #[inline]
    fn pop(&mut self) {
        self.depth -= 1;
        self.pos = Pos::AfterValue;
        self.in_object = !self.at_top() && self.level_is_object(self.depth - 1);
    }

    #[inline]
    fn is_complete(&self) -> bool {
        self.at_top() && self.pos == Pos::AfterValue
    }
}

/// Writes one JSON document into a fixed buffer.
///
/// ```
/// use lambda_zero::json::JsonWriter;
///
/// let mut buf = [0u8; 128];
/// let mut w = JsonWriter::new(&mut buf);
/// w.object(|w| {
///     w.field("ok", true)?;
///     w.field("name", "tab\there")?;
///     w.field_array("ids", |w| {
///         w.value(1u32)?;
///         w.value(-2i64)
///     })?;
///     w.field("ratio", 0.25)
/// })
/// .unwrap();
/// assert_eq!(w.written(), br#"{"ok":true,"name":"tab\there","ids":[1,-2],"ratio":0.25}"#);
/// ```
pub struct JsonWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    nesting: Nesting,
    /// Inside [`JsonWriter::json_string`]: everything written is escaped once more.
    escape: bool,
    error: Option<WriteError>,
}

impl fmt::Debug for JsonWriter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonWriter")
            .field("len", &self.len)
            .field("capacity", &self.buf.len())
            .field("depth", &self.nesting.depth)
            .field("error", &self.error)
            .finish()
    }
}

impl<'b> JsonWriter<'b> {
    /// A writer that fills `buf` from the start and never writes past its end.
    #[inline]
    pub fn new(buf: &'b mut [u8]) -> JsonWriter<'b> {
        JsonWriter {
            buf,
            len: 0,
            nesting: Nesting::new(),
            escape: false,
            error: None,
        }
    }

    /// The bytes written so far.
    pub fn written(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The buffer size.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The first error any call returned, if one did.
    pub fn error(&self) -> Option<WriteError> {
        self.error
    }

    /// Records `e` as the writer's error (unless one is already recorded) and returns the
    /// recorded one.
    pub(crate) fn fail(&mut self, e: WriteError) -> WriteError {
        *self.error.get_or_insert(e)
    }

    /// Checks that the output is one complete JSON document (or nothing at all) and that no
    /// call failed; returns its length.
    pub fn finish(&self) -> Result<usize, WriteError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.nesting.pos {
            Pos::Start => Ok(0),
            _ if self.nesting.is_complete() => Ok(self.len),
            _ => Err(WriteError::Misuse(
                "the document is incomplete: a container is still open",
            )),
        }
    }

    // ----- the byte sink -----

    #[cold]
    fn full(&self) -> WriteError {
        WriteError::Full {
            capacity: self.buf.len(),
        }
    }

    /// Appends `bytes` as they are, or fails without writing anything.
    #[inline]
    fn push(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        match self.buf.get_mut(self.len..self.len + bytes.len()) {
            Some(dst) => {
                copy_small(dst, bytes);
                self.len += bytes.len();
                Ok(())
            }
            None => Err(self.full()),
        }
    }

    /// Writes JSON syntax (or a number, or a raw fragment): escaped inside `json_string`.
    #[inline]
    fn emit(&mut self, s: &str) -> Result<(), WriteError> {
        if self.escape {
            self.contents(s.as_bytes(), false)
        } else {
            self.push(s.as_bytes())
        }
    }

    /// Writes one byte of JSON syntax that never needs escaping (`,` `:` `{` `}` `[` `]`).
    #[inline]
    fn emit_byte(&mut self, b: u8) -> Result<(), WriteError> {
        match self.buf.get_mut(self.len) {
            Some(dst) => {
                *dst = b;
                self.len += 1;
                Ok(())
            }
            None => Err(self.full()),
        }
    }

    /// Writes `"`, escaped inside `json_string`.
    #[inline]
    fn quote(&mut self) -> Result<(), WriteError> {
        let token: &[u8] = if self.escape { b"\\\"" } else { b"\"" };
        self.push(token)
    }

    /// Writes `":` after a key, escaped inside `json_string`.
    #[inline]
    fn quote_colon(&mut self) -> Result<(), WriteError> {
        let token: &[u8] = if self.escape { b"\\\":" } else { b"\":" };
        self.push(token)
    }

    /// Writes `bytes` (UTF-8 text) as string contents: escaped once for the document, and
    /// once more inside `json_string`. With `text` false, `bytes` is JSON syntax, escaped only
    /// inside `json_string`.
    #[inline]
    fn contents(&mut self, bytes: &[u8], text: bool) -> Result<(), WriteError> {
        // Text without bytes to escape is the same escaped once or twice: copy it.
        if is_plain(bytes) {
            return self.push(bytes);
        }
        let times = usize::from(text) + usize::from(self.escape);
        self.escaped(bytes, times)
    }

    /// Writes `bytes` escaped `times` times (0, 1 or 2), copying the runs that need nothing.
    #[cold]
    fn escaped(&mut self, bytes: &[u8], times: usize) -> Result<(), WriteError> {
        if times == 0 {
            return self.push(bytes);
        }
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if !needs_escape(b) {
                continue;
            }
            self.push(&bytes[start..i])?;
            let mut once = [0u8; 6];
            let once = escape_byte(b, &mut once);
            if times == 1 {
                self.push(once)?;
            } else {
                // Each byte of an escape sequence is `\`, `"`, a letter or a digit.
                for &e in once {
                    let twice: &[u8] = match e {
                        b'\\' => b"\\\\",
                        b'"' => b"\\\"",
                        _ => core::slice::from_ref(&e),
                    };
                    self.push(twice)?;
                }
            }
            start = i + 1;
        }
        self.push(&bytes[start..])
    }

    /// Writes `,` if `comma`, then `s` as a quoted string (escaped), then `:` if `colon`: in
    /// one step when `s` needs no escaping.
    #[inline(always)]
    fn quoted(&mut self, comma: bool, s: &str, colon: bool) -> Result<(), WriteError> {
        let bytes = s.as_bytes();
        if !is_plain(bytes) {
            return self.quoted_escaped(comma, bytes, colon);
        }
        let quote = 1 + usize::from(self.escape);
        let need = usize::from(comma) + 2 * quote + bytes.len() + usize::from(colon);
        let len = self.len;
        let Some(dst) = self.buf.get_mut(len..len + need) else {
            return Err(self.full());
        };
        let mut at = usize::from(comma);
        if comma {
            dst[0] = b',';
        }
        // Inside `json_string` the quotes are escaped: `\"`.
        if quote == 2 {
            dst[at] = b'\\';
        }
        dst[at + quote - 1] = b'"';
        at += quote;
        copy_small(&mut dst[at..at + bytes.len()], bytes);
        at += bytes.len();
        if quote == 2 {
            dst[at] = b'\\';
        }
        dst[at + quote - 1] = b'"';
        if colon {
            dst[at + quote] = b':';
        }
        self.len = len + need;
        Ok(())
    }

    /// [`JsonWriter::quoted`] for text that needs escaping.
    #[cold]
    fn quoted_escaped(&mut self, comma: bool, bytes: &[u8], colon: bool) -> Result<(), WriteError> {
        if comma {
            self.emit_byte(b',')?;
        }
        self.quote()?;
        self.escaped(bytes, 1 + usize::from(self.escape))?;
        if colon {
            self.quote_colon()
        } else {
            self.quote()
        }
    }

    // ----- the structure -----

    /// Runs one public operation, recording its failure (and refusing to run after one).
    #[inline]
    fn op(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let r = f(self);
        if let Err(e) = r {
            // Keep the first failure (an inner call may have recorded it already).
            return Err(*self.error.get_or_insert(e));
        }
        r
    }

    /// Checks that a value may come next and writes the comma in front of it if needed.
    #[inline]
    fn before_value(&mut self) -> Result<(), WriteError> {
        if self.value_comma()? {
            self.emit_byte(b',')?;
        }
        Ok(())
    }

    /// Checks that a value may come next; true when a comma must precede it.
    #[inline]
    fn value_comma(&self) -> Result<bool, WriteError> {
        if self.nesting.in_object {
            return match self.nesting.pos {
                Pos::AfterKey => Ok(false),
                _ => Err(WriteError::Misuse(
                    "a value inside an object needs a key first",
                )),
            };
        }
        if self.nesting.at_top() {
            return match self.nesting.pos {
                Pos::Start => Ok(false),
                _ => Err(WriteError::Misuse(
                    "a JSON document has exactly one top-level value",
                )),
            };
        }
        Ok(self.nesting.pos == Pos::AfterValue)
    }

    #[inline]
    fn scalar(&mut self, text: &str) -> Result<(), WriteError> {
        self.op(|w| {
            w.before_value()?;
            w.emit(text)?;
            w.nesting.pos = Pos::AfterValue;
            Ok(())
        })
    }

    /// Writes `null`.
    #[inline]
    pub fn null(&mut self) -> Result<(), WriteError> {
        self.scalar("null")
    }

    /// Writes `true` or `false`.
    #[inline]
    pub fn bool(&mut self, b: bool) -> Result<(), WriteError> {
        self.scalar(if b { "true" } else { "false" })
    }

    /// Writes any primitive integer, formatted by `itoa`.
    pub fn int<I: itoa::Integer>(&mut self, n: I) -> Result<(), WriteError> {
        let mut digits = itoa::Buffer::new();
        self.scalar(digits.format(n))
    }

    /// Writes an `f64` in the shortest form that reads back as the same number (`0.1`,
    /// `1e300`, `-0.0`); NaN and infinities, which JSON cannot express, become `null`.
    pub fn f64(&mut self, x: f64) -> Result<(), WriteError> {
        self.float(x.is_finite(), &x)
    }

    /// Writes an `f32` in its own shortest round-trip form (`0.1f32` is written `0.1`).
    pub fn f32(&mut self, x: f32) -> Result<(), WriteError> {
        self.float(x.is_finite(), &x)
    }

    /// A float as its `{:?}` form — the shortest round-trip form, with an exponent for very
    /// large or small magnitudes; both are valid JSON numbers — or `null` when not finite.
    fn float(&mut self, finite: bool, x: &dyn fmt::Debug) -> Result<(), WriteError> {
        if !finite {
            return self.null();
        }
        self.op(|w| {
            w.before_value()?;
            w.formatted(format_args!("{x:?}"), false, "float formatting failed")?;
            w.nesting.pos = Pos::AfterValue;
            Ok(())
        })
    }

    /// Writes `args` through the escaping sink: as string contents when `text`, else as JSON
    /// syntax (escaped only inside `json_string`). `failure` names a formatting error that is
    /// not the writer's own.
    fn formatted(
        &mut self,
        args: fmt::Arguments<'_>,
        text: bool,
        failure: &'static str,
    ) -> Result<(), WriteError> {
        let mut sink = Sink {
            w: self,
            error: None,
            contents: text,
        };
        if fmt::write(&mut sink, args).is_err() {
            return Err(sink.error.unwrap_or(WriteError::Misuse(failure)));
        }
        Ok(())
    }

    /// Writes a string value, escaped.
    #[inline]
    pub fn str(&mut self, s: &str) -> Result<(), WriteError> {
        self.op(|w| {
            let comma = w.value_comma()?;
            w.quoted(comma, s, false)?;
            w.nesting.pos = Pos::AfterValue;
            Ok(())
        })
    }

    /// Writes the `Display` output of `value` as a string value, escaped, without an
    /// intermediate `String`: `w.display(&format_args!("Hello, {name}!"))`.
    pub fn display(&mut self, value: &dyn fmt::Display) -> Result<(), WriteError> {
        self.op(|w| {
            w.before_value()?;
            w.quoted_display(value)?;
            w.nesting.pos = Pos::AfterValue;
            Ok(())
        })
    }

    /// `"…"` around the `Display` output of `value`, escaped.
    fn quoted_display(&mut self, value: &dyn fmt::Display) -> Result<(), WriteError> {
        self.quoted_args(format_args!("{value}"))
    }

    /// `"…"` around the text `args` formats, escaped: one formatting pass, none for text
    /// without arguments.
    fn quoted_args(&mut self, args: fmt::Arguments<'_>) -> Result<(), WriteError> {
        if let Some(text) = args.as_str() {
            return self.quoted(false, text, false);
        }
        self.quote()?;
        self.formatted(args, true, "a Display impl failed")?;
        self.quote()
    }

    /// Writes a pre-serialized JSON value as it is (it must be one valid JSON value; it is
    /// not checked).
    pub fn raw(&mut self, json: &str) -> Result<(), WriteError> {
        self.scalar(json)
    }

    /// Writes a string value holding `bytes` in standard base64 (for binary proxy bodies).
    pub fn base64(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        self.op(|w| {
            w.before_value()?;
            w.quote()?;
            // Base64 text needs no escaping, even inside `json_string`.
            let mut out = Writer::new(&mut w.buf[w.len..]);
            let pushed = push_base64(&mut out, bytes);
            let written = out.len();
            pushed.map_err(|Full| w.full())?;
            w.len += written;
            w.quote()?;
            w.nesting.pos = Pos::AfterValue;
            Ok(())
        })
    }

    /// Writes any [`WriteJson`] value.
    pub fn value<V: WriteJson>(&mut self, value: V) -> Result<(), WriteError> {
        value.write_json(self)
    }

    /// Opens an object: `{`.
    #[inline]
    pub fn begin_object(&mut self) -> Result<(), WriteError> {
        self.begin(true)
    }

    /// Opens an array: `[`.
    #[inline]
    pub fn begin_array(&mut self) -> Result<(), WriteError> {
        self.begin(false)
    }

    #[inline]
    fn begin(&mut self, object: bool) -> Result<(), WriteError> {
        self.op(|w| w.open(object))
    }

    /// The step of [`JsonWriter::begin_object`] and [`JsonWriter::begin_array`], for use
    /// inside one [`JsonWriter::op`].
    #[inline(always)]
    fn open(&mut self, object: bool) -> Result<(), WriteError> {
        self.before_value()?;
        if self.nesting.depth - self.nesting.base >= MAX_DEPTH {
            return Err(WriteError::Misuse("nesting deeper than MAX_DEPTH"));
        }
        self.emit_byte(if object { b'{' } else { b'[' })?;
        self.nesting.push(object);
        Ok(())
    }

    /// Closes the innermost object: `}`.
    #[inline]
    pub fn end_object(&mut self) -> Result<(), WriteError> {
        self.end(true)
    }

    /// Closes the innermost array: `]`.
    #[inline]
    pub fn end_array(&mut self) -> Result<(), WriteError> {
        self.end(false)
    }

    #[inline]
    fn end(&mut self, object: bool) -> Result<(), WriteError> {
        self.op(|w| w.close(object))
    }

    /// The step of [`JsonWriter::end_object`] and [`JsonWriter::end_array`], for use inside
    /// one [`JsonWriter::op`].
    #[inline(always)]
    fn close(&mut self, object: bool) -> Result<(), WriteError> {
        if self.nesting.at_top() || self.nesting.in_object != object {
            return Err(WriteError::Misuse(if object {
                "end_object without a matching begin_object"
            } else {
                "end_array without a matching begin_array"
            }));
        }
        if self.nesting.pos == Pos::AfterKey {
            return Err(WriteError::Misuse("an object key without a value"));
        }
        self.emit_byte(if object { b'}' } else { b']' })?;
        self.nesting.pop();
        Ok(())
    }

    /// Writes an object key (escaped) and its `:`; a value must follow.
    #[inline]
    pub fn key(&mut self, key: &str) -> Result<(), WriteError> {
        self.op(|w| w.key_step(key))
    }

    /// The step of [`JsonWriter::key`], for use inside one [`JsonWriter::op`].
    #[inline(always)]
    fn key_step(&mut self, key: &str) -> Result<(), WriteError> {
        if !self.nesting.in_object {
            return Err(WriteError::Misuse("a key outside an object"));
        }
        let comma = match self.nesting.pos {
            Pos::AfterKey => return Err(WriteError::Misuse("two keys in a row")),
            Pos::AfterValue => true,
            _ => false,
        };
        self.quoted(comma, key, true)?;
        self.nesting.pos = Pos::AfterKey;
        Ok(())
    }

    // ----- fused steps, for shapes written often (the proxy response) -----

    /// `{"key":text`: opens an object whose first member is a scalar (`text` is its JSON).
    #[inline]
    pub(crate) fn open_object_with(&mut self, key: &str, text: &str) -> Result<(), WriteError> {
        self.op(|w| {
            w.open(true)?;
            w.key_step(key)?;
            w.emit(text)?;
            w.nesting.pos = Pos::AfterValue;
            Ok(())
        })
    }

    /// Closes the innermost container if `close` says which it is, then writes `"key":`
    /// and, if `open` says which, opens a container as the member's value: `},"key":{`.
    #[inline]
    pub(crate) fn close_key_open(
        &mut self,
        close: Option<bool>,
        key: &str,
        open: Option<bool>,
    ) -> Result<(), WriteError> {
        self.op(|w| {
            if let Some(object) = close {
                w.close(object)?;
            }
            w.key_step(key)?;
            match open {
                Some(object) => w.open(object),
                None => Ok(()),
            }
        })
    }

    /// `"key":text}`: a last member that is a scalar, and the object's end.
    #[inline]
    pub(crate) fn scalar_member_then_close(
        &mut self,
        key: &str,
        text: &str,
    ) -> Result<(), WriteError> {
        self.op(|w| {
            w.key_step(key)?;
            w.emit(text)?;
            w.nesting.pos = Pos::AfterValue;
            w.close(true)
        })
    }

    /// Writes a member: `"key":value`.
    #[inline]
    pub fn field<V: WriteJson>(&mut self, key: &str, value: V) -> Result<(), WriteError> {
        value.write_field(key, self)
    }

    /// Writes the key and `,`/`:` of a member (the checks of [`JsonWriter::key`]), then
    /// `value` with `write`, and marks the member complete: one step for the common members.
    #[inline(always)]
    fn member(
        &mut self,
        key: &str,
        write: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        self.op(|w| {
            if !w.nesting.in_object {
                return Err(WriteError::Misuse("a key outside an object"));
            }
            let comma = match w.nesting.pos {
                Pos::AfterKey => return Err(WriteError::Misuse("two keys in a row")),
                Pos::AfterValue => true,
                _ => false,
            };
            w.quoted(comma, key, true)?;
            write(w)?;
            w.nesting.pos = Pos::AfterValue;
            Ok(())
        })
    }

    /// `"key":"value"` in one step.
    #[inline]
    fn str_member(&mut self, key: &str, value: &str) -> Result<(), WriteError> {
        self.member(key, |w| w.quoted(false, value, false))
    }

    /// `"key":text` in one step, `text` being a scalar's JSON (a number, `true`, `null`).
    #[inline]
    fn scalar_member(&mut self, key: &str, text: &str) -> Result<(), WriteError> {
        self.member(key, |w| w.emit(text))
    }

    /// Writes an object whose members `f` writes: `{...}`.
    pub fn object(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        self.begin_object()?;
        f(self)?;
        self.end_object()
    }

    /// Writes an array whose elements `f` writes: `[...]`.
    pub fn array(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        self.begin_array()?;
        f(self)?;
        self.end_array()
    }

    /// Writes a member whose value is an object: `"key":{...}`.
    pub fn field_object(
        &mut self,
        key: &str,
        f: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        self.key(key)?;
        self.object(f)
    }

    /// Writes a member whose value is an array: `"key":[...]`.
    pub fn field_array(
        &mut self,
        key: &str,
        f: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        self.key(key)?;
        self.array(f)
    }

    /// Writes a string value whose content is the JSON document `f` writes, escaped on the fly
    /// (no intermediate buffer): the `body` of a proxy response, an SQS message body.
    /// `f` must write exactly one complete value; `json_string` cannot nest in itself.
    pub fn json_string(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        self.op(|w| {
            if w.escape {
                return Err(WriteError::Misuse("json_string inside json_string"));
            }
            w.before_value()?;
            w.quote()?;
            // The inner document starts a new top level above the outer containers.
            let (pos, in_object) = (w.nesting.pos, w.nesting.in_object);
            w.nesting.base = w.nesting.depth;
            w.nesting.pos = Pos::Start;
            w.nesting.in_object = false;
            w.escape = true;
            let inner = f(w);
            let complete = w.nesting.is_complete();
            w.escape = false;
            w.nesting.depth = w.nesting.base;
            w.nesting.base = 0;
            w.nesting.pos = pos;
            w.nesting.in_object = in_object;
            inner?;
            if !complete {
                return Err(WriteError::Misuse(
                    "json_string: the inner document is incomplete",
                ));
            }
            w.quote()?;
            w.nesting.pos = Pos::AfterValue;
            Ok(())
        })
    }
}

/// True for the bytes a JSON string must escape: `"`, `\\` and control characters.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// The escape sequence of a byte that [`needs_escape`], written into `out`.
fn escape_byte(b: u8, out: &mut [u8; 6]) -> &[u8] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        _ => {
            *out = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ];
            return &out[..];
        }
    };
    out[0] = b'\\';
    out[1] = short;
    &out[..2]
}

/// True when no byte of the 8 packed in `x` [`needs_escape`] (exact: borrows only propagate
/// from a byte that matches).
#[inline]
fn word_is_plain(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let control = x.wrapping_sub(ONES * 0x20) & !x;
    let q = x ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let b = x ^ (ONES * u64::from(b'\\'));
    let backslash = b.wrapping_sub(ONES) & !b;
    (control | quote | backslash) & HIGH == 0
}

/// The 8 bytes at the start of `b` (which has at least 8), as one little-endian word.
#[inline(always)]
fn word8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// The 4 bytes at the start of `b` (which has at least 4), as one little-endian word.
#[inline(always)]
fn word4(b: &[u8]) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[..4]);
    u64::from(u32::from_le_bytes(w))
}

/// True when `bytes` need no escaping in a JSON string (no `"`, `\\` or control character),
/// checked 8 bytes at a time (the last word overlapping the one before).
#[inline]
fn is_plain(bytes: &[u8]) -> bool {
    let n = bytes.len();
    if n >= 8 {
        let mut at = 0;
        while at + 8 <= n {
            if !word_is_plain(word8(&bytes[at..])) {
                return false;
            }
            at += 8;
        }
        at == n || word_is_plain(word8(&bytes[n - 8..]))
    } else if n >= 4 {
        word_is_plain(word4(bytes) | (word4(&bytes[n - 4..]) << 32))
    } else {
        bytes.iter().all(|&b| !needs_escape(b))
    }
}

/// Copies `src` into `dst` (of the same length) without a call for short strings: two
/// overlapping words.
#[inline(always)]
pub(super) fn copy_small(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n > 16 || dst.len() != n {
        dst.copy_from_slice(src);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..].copy_from_slice(&src[n - 4..]);
    } else if n > 0 {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// `fmt::Write` into the writer: as JSON syntax (numbers) or as string contents (escaped).
struct Sink<'w, 'b> {
    w: &'w mut JsonWriter<'b>,
    error: Option<WriteError>,
    contents: bool,
}

impl fmt::Write for Sink<'_, '_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let r = self.w.contents(s.as_bytes(), self.contents);
        r.map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

/// A value that can write itself with a [`JsonWriter`].
///
/// Implemented for strings, booleans, integers, floats, `()` (null), `Option` (null when
/// `None`), slices (arrays), [`Value`] (copied through), [`Raw`], [`Text`] and
/// `fmt::Arguments` (text from `format_args!`), and references to any of them.
pub trait WriteJson {
    /// Writes `self` as one JSON value.
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError>;

    /// Writes the object member `"key":self` ([`JsonWriter::field`]). The default writes the
    /// key, then the value; strings, booleans and integers write both in one step.
    #[inline]
    fn write_field(&self, key: &str, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.key(key)?;
        self.write_json(w)
    }
}

impl<T: WriteJson + ?Sized> WriteJson for &T {
    #[inline]
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        (**self).write_json(w)
    }

    #[inline]
    fn write_field(&self, key: &str, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        (**self).write_field(key, w)
    }
}

impl WriteJson for str {
    #[inline]
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.str(self)
    }

    #[inline]
    fn write_field(&self, key: &str, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.str_member(key, self)
    }
}

impl WriteJson for String {
    #[inline]
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.str(self)
    }

    #[inline]
    fn write_field(&self, key: &str, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.str_member(key, self)
    }
}

impl WriteJson for bool {
    #[inline]
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.bool(*self)
    }

    #[inline]
    fn write_field(&self, key: &str, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.scalar_member(key, if *self { "true" } else { "false" })
    }
}

/// Text from `format_args!`, written as a JSON string without an intermediate `String` and
/// in one formatting pass: `w.field("greeting", format_args!("Hello, {name}!"))`.
impl WriteJson for fmt::Arguments<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.op(|w| {
            w.before_value()?;
            w.quoted_args(*self)?;
            w.nesting.pos = Pos::AfterValue;
            Ok(())
        })
    }

    fn write_field(&self, key: &str, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.member(key, |w| w.quoted_args(*self))
    }
}

impl WriteJson for () {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.null()
    }
}

impl WriteJson for f64 {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.f64(*self)
    }
}

impl WriteJson for f32 {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.f32(*self)
    }
}

macro_rules! write_json_int {
    ($($t:ty)*) => {$(
        impl WriteJson for $t {
            #[inline]
            fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
                w.int(*self)
            }

            #[inline]
            fn write_field(&self, key: &str, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
                w.scalar_member(key, itoa::Buffer::new().format(*self))
            }
        }
    )*};
}

write_json_int!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize);

impl<T: WriteJson> WriteJson for Option<T> {
    #[inline]
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        match self {
            Some(v) => v.write_json(w),
            None => w.null(),
        }
    }

    #[inline]
    fn write_field(&self, key: &str, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        match self {
            Some(v) => v.write_field(key, w),
            None => w.scalar_member(key, "null"),
        }
    }
}

impl<T: WriteJson> WriteJson for [T] {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.array(|w| self.iter().try_for_each(|v| v.write_json(w)))
    }
}

impl<T: WriteJson, const N: usize> WriteJson for [T; N] {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        self.as_slice().write_json(w)
    }
}

impl<T: WriteJson> WriteJson for Vec<T> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        self.as_slice().write_json(w)
    }
}

/// A pre-serialized JSON value, written as it is (not checked).
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a>(pub &'a str);

impl WriteJson for Raw<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.raw(self.0)
    }
}

/// Anything `Display`, written as a JSON string (see [`JsonWriter::display`]).
#[derive(Debug, Clone, Copy)]
pub struct Text<T>(pub T);

impl<T: fmt::Display> WriteJson for Text<T> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.display(&self.0)
    }

    fn write_field(&self, key: &str, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.member(key, |w| w.quoted_display(&self.0))
    }
}

impl WriteJson for Value<'_, '_> {
    /// Copies a parsed value through (numbers re-formatted, strings re-escaped).
    #[allow(unreachable_patterns)] // simd-json's `128bit` feature adds integer variants.
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        match self.kind() {
            Kind::Object => w.object(|w| {
                self.members().try_for_each(|(k, v)| {
                    w.key(k)?;
                    v.write_json(w)
                })
            }),
            Kind::Array => w.array(|w| self.elements().try_for_each(|v| v.write_json(w))),
            _ => match self.nodes().first() {
                Some(Node::String(s)) => w.str(s),
                Some(Node::Static(StaticNode::I64(n))) => w.int(*n),
                Some(Node::Static(StaticNode::U64(n))) => w.int(*n),
                Some(Node::Static(StaticNode::F64(n))) => w.f64(to_f64(*n)),
                Some(Node::Static(StaticNode::Bool(b))) => w.bool(*b),
                Some(Node::Static(StaticNode::Null)) | None => w.null(),
                Some(_) => Err(WriteError::Misuse("128-bit integers are not supported")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(f: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>) -> String {
        let mut buf = vec![0u8; 4096];
        let mut w = JsonWriter::new(&mut buf);
        f(&mut w).unwrap();
        let n = w.finish().unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn scalars() {
        assert_eq!(write(|w| w.null()), "null");
        assert_eq!(write(|w| w.bool(false)), "false");
        assert_eq!(write(|w| w.int(u64::MAX)), "18446744073709551615");
        assert_eq!(write(|w| w.int(i64::MIN)), "-9223372036854775808");
        assert_eq!(write(|w| w.int(-7i8)), "-7");
        assert_eq!(write(|w| w.f64(0.1)), "0.1");
        assert_eq!(write(|w| w.f64(1.0)), "1.0");
        assert_eq!(write(|w| w.f64(-0.0)), "-0.0");
        assert_eq!(write(|w| w.f64(1e300)), "1e300");
        assert_eq!(
            write(|w| w.f64(f64::MIN_POSITIVE)),
            "2.2250738585072014e-308"
        );
        assert_eq!(write(|w| w.f64(f64::NAN)), "null");
        assert_eq!(write(|w| w.f64(f64::NEG_INFINITY)), "null");
        assert_eq!(write(|w| w.f32(0.1)), "0.1");
        assert_eq!(
            write(|w| w.str("a\"b\\c\n\u{1}é😀\u{7f}")),
            "\"a\\\"b\\\\c\\n\\u0001é😀\u{7f}\""
        );
        assert_eq!(
            write(|w| w.display(&format_args!("{}-\"{}\"", 1, "x"))),
            r#""1-\"x\"""#
        );
        assert_eq!(write(|w| w.raw(r#"{"pre":[1]}"#)), r#"{"pre":[1]}"#);
        assert_eq!(write(|w| w.base64(b"foob")), r#""Zm9vYg==""#);
        assert_eq!(write(|w| w.value(Some([1u8, 2]))), "[1,2]");
        assert_eq!(write(|w| w.value(None::<u8>)), "null");
        assert_eq!(write(|w| w.value(Text(42))), r#""42""#);
    }

    #[test]
    fn commas_and_nesting() {
        let s = write(|w| {
            w.object(|w| {
                w.field("a", 1u8)?;
                w.field_array("b", |w| {
                    w.value("x")?;
                    w.array(|_| Ok(()))?;
                    w.object(|w| w.field("c", ()))
                })?;
                w.field_object("d", |_| Ok(()))?;
                w.key("e\"")?;
                w.raw("0")
            })
        });
        assert_eq!(s, r#"{"a":1,"b":["x",[],{"c":null}],"d":{},"e\"":0}"#);
        let deep = write(|w| {
            for _ in 0..MAX_DEPTH {
                w.begin_array()?;
            }
            for _ in 0..MAX_DEPTH {
                w.end_array()?;
            }
            Ok(())
        });
        assert_eq!(deep.len(), 2 * MAX_DEPTH);
    }

    #[test]
    fn misuse_is_refused_and_sticks() {
        let mut buf = [0u8; 2 * MAX_DEPTH];
        type Case = fn(&mut JsonWriter<'_>) -> Result<(), WriteError>;
        let cases: &[(&str, Case)] = &[
            ("two top-level values", |w| {
                w.null()?;
                w.null()
            }),
            ("value without key", |w| {
                w.begin_object()?;
                w.null()
            }),
            ("key in array", |w| {
                w.begin_array()?;
                w.key("k")
            }),
            ("key at top level", |w| w.key("k")),
            ("two keys", |w| {
                w.begin_object()?;
                w.key("a")?;
                w.key("b")
            }),
            ("dangling key", |w| {
                w.begin_object()?;
                w.key("a")?;
                w.end_object()
            }),
            ("mismatched end", |w| {
                w.begin_array()?;
                w.end_object()
            }),
            ("end at top", |w| w.end_array()),
            ("field in array", |w| {
                w.begin_array()?;
                w.field("k", "v")
            }),
            ("field at top level", |w| w.field("k", 1u8)),
            ("field after a key", |w| {
                w.begin_object()?;
                w.key("a")?;
                w.field("b", true)
            }),
            ("text field after a key", |w| {
                w.begin_object()?;
                w.key("a")?;
                w.field("b", Text(1))
            }),
            ("too deep", |w| {
                for _ in 0..=MAX_DEPTH {
                    w.begin_array()?;
                }
                Ok(())
            }),
        ];
        for (name, case) in cases {
            let mut w = JsonWriter::new(&mut buf);
            let e = case(&mut w).unwrap_err();
            assert!(matches!(e, WriteError::Misuse(_)), "{name}: {e:?}");
            assert_eq!(w.null(), Err(e), "{name}: the error sticks");
            assert_eq!(w.finish(), Err(e), "{name}");
        }
        let mut w = JsonWriter::new(&mut buf);
        w.begin_object().unwrap();
        assert!(matches!(w.finish(), Err(WriteError::Misuse(_))));
        let w = JsonWriter::new(&mut buf);
        assert_eq!(w.finish(), Ok(0));
    }

    #[test]
    // `&7u8`: the forwarding of `&T` is part of what is checked.
    #[allow(clippy::needless_borrows_for_generic_args)]
    fn fields_of_every_kind_match_key_then_value() {
        // `field` writes strings, booleans, integers, options and text in one step: the same
        // bytes as `key` then the value, at the top of a document and inside `json_string`.
        fn members(w: &mut JsonWriter<'_>, split: bool) -> Result<(), WriteError> {
            let s = "q\"uote\\ and é\n";
            if split {
                w.key("s")?;
                w.str(s)?;
                w.key("b")?;
                w.bool(false)?;
                w.key("i")?;
                w.int(-42i64)?;
                w.key("none")?;
                w.null()?;
                w.key("some")?;
                w.str("x")?;
                w.key("t")?;
                w.display(&format_args!("{}-{}", 7, "\""))?;
                w.key("k\"ey")?;
                w.int(7u8)
            } else {
                w.field("s", s)?;
                w.field("b", false)?;
                w.field("i", -42i64)?;
                w.field("none", None::<&str>)?;
                w.field("some", Some("x"))?;
                w.field("t", Text(format_args!("{}-{}", 7, "\"")))?;
                w.field("k\"ey", &7u8)
            }
        }
        for nested in [false, true] {
            let doc = |split: bool| {
                write(|w| {
                    if nested {
                        w.object(|w| {
                            w.key("body")?;
                            w.json_string(|w| w.object(|w| members(w, split)))
                        })
                    } else {
                        w.object(|w| members(w, split))
                    }
                })
            };
            assert_eq!(doc(true), doc(false), "nested: {nested}");
        }
        let plain: serde_json::Value =
            serde_json::from_str(&write(|w| w.object(|w| members(w, false)))).unwrap();
        assert_eq!(
            plain,
            serde_json::json!({"s": "q\"uote\\ and é\n", "b": false, "i": -42, "none": null,
                "some": "x", "t": "7-\"", "k\"ey": 7})
        );
    }

    #[test]
    fn format_args_write_as_strings_escaped_once_or_twice() {
        let name = "Zoë \"Q\"";
        let s = write(|w| {
            w.object(|w| {
                w.field("greeting", format_args!("Hello, {name}!\n"))?;
                // No arguments: written from the literal, still escaped.
                w.field("plain", format_args!("tab\there"))?;
                w.key("list")?;
                w.array(|w| {
                    w.value(format_args!("{}+{}", 1, 2))?;
                    w.value(format_args!("x"))
                })?;
                w.key("body")?;
                w.json_string(|w| w.object(|w| w.field("inner", format_args!("{name}\\"))))
            })
        });
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["greeting"], "Hello, Zoë \"Q\"!\n");
        assert_eq!(v["plain"], "tab\there");
        assert_eq!(v["list"], serde_json::json!(["1+2", "x"]));
        let body: serde_json::Value = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["inner"], "Zoë \"Q\"\\");
    }

    #[test]
    fn full_buffer_fails_and_never_grows() {
        let mut buf = [0u8; 8];
        let mut w = JsonWriter::new(&mut buf);
        assert_eq!(w.str("0123456789"), Err(WriteError::Full { capacity: 8 }));
        assert_eq!(w.null(), Err(WriteError::Full { capacity: 8 }));
        assert!(w.finish().is_err());
        assert!(w.written().len() <= 8);
    }

    #[test]
    fn json_string_escapes_the_inner_document() {
        let s = write(|w| {
            w.object(|w| {
                w.key("body")?;
                w.json_string(|w| {
                    w.object(|w| {
                        w.field("msg", "say \"hi\"\n\\")?;
                        w.field("n", 1.5)?;
                        w.key("t")?;
                        w.display(&format_args!("{}\t", "tab"))
                    })
                })?;
                w.field("after", true)
            })
        });
        let outer: serde_json::Value = serde_json::from_str(&s).unwrap();
        let body = outer["body"].as_str().unwrap();
        let inner: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            inner,
            serde_json::json!({"msg": "say \"hi\"\n\\", "n": 1.5, "t": "tab\t"})
        );
        assert_eq!(outer["after"], true);
        // Long strings with escapes cross the scratch chunks correctly.
        let long: String = (0..500)
            .map(|i| ['a', '"', '\\', '\n', 'é', '\u{1}'][i % 6])
            .collect();
        let s = write(|w| w.json_string(|w| w.str(&long)));
        let body: String = serde_json::from_str(&s).unwrap();
        let inner: String = serde_json::from_str(&body).unwrap();
        assert_eq!(inner, long);
        let mut buf = [0u8; 64];
        let mut w = JsonWriter::new(&mut buf);
        assert!(w.json_string(|w| w.begin_object()).is_err());
        let mut w = JsonWriter::new(&mut buf);
        assert!(w.json_string(|w| w.json_string(|w| w.null())).is_err());
    }
}
