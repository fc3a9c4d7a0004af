//! [`TracingSubscriber`]: the lines of [`crate::logging`] for events logged with `tracing`.
//!
//! Events are formatted by the same code as [`log`](crate::logging::log)'s lines (the head with
//! the timestamp, level and invocation ids, the message escaped and cut the same way), into the
//! same per-thread buffer, and written with the same one `write` under the standard error
//! lock. What `tracing` adds, fields and spans, goes after the message.
//!
//! Spans are kept in a table of fixed-size slots allocated when the subscriber is made (with
//! room for [`INITIAL_SPANS`] open at once; it grows, and then allocates, only past the most
//! spans ever open at once): a span's fields are copied into its slot as values (numbers and
//! booleans as they are, text and `Debug` output into the slot's [`FIELD_TEXT`] bytes), so that
//! opening, entering and closing a span and logging an event allocate nothing. Which spans a
//! thread is in is a per-thread stack, as `tracing` enters and exits them.

use core::fmt;
use std::cell::RefCell;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tracing_core::field::{Field, Visit};
use tracing_core::span::{self, Attributes, Current, Id};
use tracing_core::subscriber::{Interest, Subscriber};
use tracing_core::{Event, Metadata};

use super::{enabled, write_line, Level, Line};

/// Spans the table has room for before it grows (allocates).
pub const INITIAL_SPANS: usize = 64;
/// Fields kept per span; more are left out.
pub const MAX_SPAN_FIELDS: usize = 16;
/// Bytes of text (string values, `Debug` output) kept per span; longer text is cut at a
/// character.
pub const FIELD_TEXT: usize = 512;
/// Spans rendered on a line, and spans a thread can be in: the innermost are kept.
const MAX_DEPTH: usize = 32;
/// Spans a thread is in that the per-thread stack remembers.
const STACK: usize = 64;

/// Event and span field names that would repeat a member of the line's head in the JSON
/// format: such a field is written as `fields.<name>`.
const RESERVED: [&str; 6] = [
    "timestamp",
    "level",
    "requestId",
    "tenantId",
    "message",
    "spans",
];

/// A `tracing` subscriber that writes what `tracing`'s macros log as the lines of
/// [`crate::logging`]: the same head (timestamp, level, the current invocation's request id and
/// tenant id), the event's message, then its fields and the fields of the spans it is in.
///
/// With `AWS_LAMBDA_LOG_FORMAT=JSON`, one JSON object per line: the event's fields as members
/// after `message`, and the spans, outermost first, as `spans`:
///
/// ```text
/// {"timestamp":"…","level":"WARN","requestId":"8f5e…","message":"slow","ms":120,"spans":[{"name":"order","id":7}]}
/// ```
///
/// Otherwise a text line: `…\t8f5e…\tWARN\torder{id=7}: slow ms=120`. Levels map by name
/// (`tracing` has no `FATAL`), filtered by `AWS_LAMBDA_LOG_LEVEL` like every line. Install it
/// once, as the process's default, with [`init_tracing`] (or `tracing`'s
/// `set_global_default`).
pub struct TracingSubscriber {
    spans: Mutex<Table>,
}

/// Makes a [`TracingSubscriber`] the process's default `tracing` subscriber. Fails if one was
/// set already.
///
/// ```no_run
/// lambda_zero::logging::init_tracing().expect("the first subscriber");
/// ```
pub fn init_tracing() -> Result<(), tracing_core::dispatcher::SetGlobalDefaultError> {
    tracing_core::dispatcher::set_global_default(tracing_core::Dispatch::new(
        TracingSubscriber::new(),
    ))
}

impl TracingSubscriber {
    /// A subscriber with room for [`INITIAL_SPANS`] open spans (allocated now).
    pub fn new() -> TracingSubscriber {
        let mut slots = Vec::with_capacity(INITIAL_SPANS);
        slots.resize_with(INITIAL_SPANS, Slot::free);
        let mut table = Table { slots, free: NONE };
        for i in (0..INITIAL_SPANS).rev() {
            table.slots[i].next_free = table.free;
            table.free = i;
        }
        TracingSubscriber {
            spans: Mutex::new(table),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.spans.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The span id an event or a span of `explicit` parent (or contextual) is in: 0 for none.
    fn parent_of(&self, explicit: Option<&Id>, contextual: bool) -> u64 {
        match explicit {
            Some(id) => id.into_u64(),
            None if contextual => stack_top(),
            None => 0,
        }
    }

    /// Writes the spans from the outermost to `leaf` as the format has them: `a{x=1}:b: `
    /// before a text line's message, a `spans` array at the end of a JSON object.
    fn write_spans(&self, line: &mut Line<'_>, leaf: u64) {
        if leaf == 0 {
            return;
        }
        let table = self.table();
        let mut chain = [0usize; MAX_DEPTH];
        let mut depth = 0;
        let mut id = leaf;
        while let Some(slot) = table.live(id) {
            if depth == MAX_DEPTH {
                break;
            }
            chain[depth] = index_of(id);
            depth += 1;
            id = slot.parent;
        }
        if depth == 0 {
            return;
        }
        let json = line.is_json();
        if json && !line.open_array(b",\"spans\":") {
            return;
        }
        for (n, &i) in chain[..depth].iter().rev().enumerate() {
            let slot = &table.slots[i];
            let name = slot.meta.map_or("", |m| m.name());
            let mark = line.mark();
            let whole = if json {
                (n == 0 || line.raw(b","))
                    && line.raw(b"{\"name\":\"")
                    && line.text(format_args!("{name}"))
                    && line.raw(b"\"")
                    && slot.fields.write_json(line, true)
                    && line.raw(b"}")
            } else {
                (n == 0 || line.raw(b":"))
                    && line.text(format_args!("{name}"))
                    && slot.fields.write_text(line)
            };
            if !whole {
                line.rollback(mark);
                break;
            }
        }
        if json {
            line.close_array();
        } else {
            let mark = line.mark();
            if !line.raw(b": ") {
                line.rollback(mark);
            }
        }
    }
}

impl Default for TracingSubscriber {
    fn default() -> Self {
        TracingSubscriber::new()
    }
}

impl fmt::Debug for TracingSubscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingSubscriber").finish_non_exhaustive()
    }
}

/// `tracing`'s level as lambda-zero's.
fn level_of(level: &tracing_core::Level) -> Level {
    match *level {
        tracing_core::Level::ERROR => Level::Error,
        tracing_core::Level::WARN => Level::Warn,
        tracing_core::Level::INFO => Level::Info,
        tracing_core::Level::DEBUG => Level::Debug,
        _ => Level::Trace,
    }
}

impl Subscriber for TracingSubscriber {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // `AWS_LAMBDA_LOG_LEVEL` is read when the runtime starts, maybe after the callsite
        // registered: ask every time (an atomic load).
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        enabled(level_of(metadata.level()))
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        // The values are read (user `Debug` code) before the table is locked.
        let mut fields = Fields::EMPTY;
        attrs.record(&mut fields);
        let parent = self.parent_of(attrs.parent(), attrs.is_contextual());
        let mut table = self.table();
        let parent = if table.live(parent).is_some() {
            table.slots[index_of(parent)].refs += 1;
            parent
        } else {
            0
        };
        let i = table.take();
        let slot = &mut table.slots[i];
        slot.refs = 1;
        slot.parent = parent;
        slot.meta = Some(attrs.metadata());
        slot.fields = fields;
        Id::from_u64(i as u64 + 1)
    }

    fn record(&self, span: &Id, values: &span::Record<'_>) {
        let mut fields = Fields::EMPTY;
        values.record(&mut fields);
        let mut table = self.table();
        if table.live(span.into_u64()).is_some() {
            table.slots[index_of(span.into_u64())].fields.merge(&fields);
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let level = level_of(event.metadata().level());
        if !enabled(level) {
            return;
        }
        let leaf = self.parent_of(event.parent(), event.is_contextual());
        write_line(level, |line| {
            if !line.is_json() {
                self.write_spans(line, leaf);
            }
            let mut message = MessageOf { line, wrote: false };
            event.record(&mut message);
            let spaced = message.wrote;
            line.close_message();
            event.record(&mut FieldsOf { line, spaced });
            if line.is_json() {
                self.write_spans(line, leaf);
            }
        });
    }

    fn enter(&self, span: &Id) {
        let id = span.into_u64();
        let _ = THREAD_SPANS.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                s.push(id);
            }
        });
    }

    fn exit(&self, span: &Id) {
        let id = span.into_u64();
        let _ = THREAD_SPANS.try_with(|s| {
            if let Ok(mut s) = s.try_borrow_mut() {
                s.pop(id);
            }
        });
    }

    fn clone_span(&self, span: &Id) -> Id {
        let mut table = self.table();
        if table.live(span.into_u64()).is_some() {
            table.slots[index_of(span.into_u64())].refs += 1;
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let mut table = self.table();
        let mut id = span.into_u64();
        let mut closed = false;
        // Closing a span lets go of its parent, which may close in turn.
        while table.live(id).is_some() {
            let i = index_of(id);
            table.slots[i].refs -= 1;
            if table.slots[i].refs > 0 {
                break;
            }
            closed |= id == span.into_u64();
            let parent = table.slots[i].parent;
            table.give_back(i);
            id = parent;
        }
        closed
    }

    fn current_span(&self) -> Current {
        let id = stack_top();
        let table = self.table();
        match table.live(id).and_then(|slot| slot.meta) {
            Some(meta) => Current::new(Id::from_u64(id), meta),
            None => Current::none(),
        }
    }
}

/// No slot: the end of the free list.
const NONE: usize = usize::MAX;

/// The open spans: slot `i` is the span of id `i + 1`.
struct Table {
    slots: Vec<Slot>,
    /// The first free slot, [`NONE`] when all are taken.
    free: usize,
}

impl Table {
    /// The open span of `id` (0, unknown or closed: none).
    fn live(&self, id: u64) -> Option<&Slot> {
        let i = usize::try_from(id).ok()?.checked_sub(1)?;
        self.slots.get(i).filter(|slot| slot.refs > 0)
    }

    /// A free slot's index, growing the table when none is.
    fn take(&mut self) -> usize {
        if self.free == NONE {
            self.slots.push(Slot::free());
            return self.slots.len() - 1;
        }
        let i = self.free;
        self.free = self.slots[i].next_free;
        i
    }

    fn give_back(&mut self, i: usize) {
        let slot = &mut self.slots[i];
        slot.refs = 0;
        slot.meta = None;
        slot.fields.count = 0;
        slot.fields.text_len = 0;
        slot.next_free = self.free;
        self.free = i;
    }
}

/// `id`'s slot (for an id [`Table::live`] accepted).
fn index_of(id: u64) -> usize {
    usize::try_from(id).map_or(0, |id| id.saturating_sub(1))
}

struct Slot {
    /// Handles and child spans holding it; 0: free.
    refs: usize,
    /// The parent span's id, 0 for none.
    parent: u64,
    meta: Option<&'static Metadata<'static>>,
    fields: Fields,
    /// The next free slot, while this one is free.
    next_free: usize,
}

impl Slot {
    fn free() -> Slot {
        Slot {
            refs: 0,
            parent: 0,
            meta: None,
            fields: Fields::EMPTY,
            next_free: NONE,
        }
    }
}

/// A field's value as kept in a span.
#[derive(Clone, Copy)]
enum Value {
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    /// `Fields::text[at..at + len]`.
    Text {
        at: usize,
        len: usize,
    },
}

/// A span's fields, copied out of `tracing`'s values.
#[derive(Clone)]
struct Fields {
    names: [&'static str; MAX_SPAN_FIELDS],
    values: [Value; MAX_SPAN_FIELDS],
    count: usize,
    text: [u8; FIELD_TEXT],
    text_len: usize,
}

impl Fields {
    const EMPTY: Fields = Fields {
        names: [""; MAX_SPAN_FIELDS],
        values: [Value::Bool(false); MAX_SPAN_FIELDS],
        count: 0,
        text: [0; FIELD_TEXT],
        text_len: 0,
    };

    /// Sets `name` (a new field, or a new value of one).
    fn set(&mut self, name: &'static str, value: Value) {
        if let Some(i) = self.names[..self.count].iter().position(|n| *n == name) {
            self.values[i] = value;
        } else if self.count < MAX_SPAN_FIELDS {
            self.names[self.count] = name;
            self.values[self.count] = value;
            self.count += 1;
        }
    }

    /// Sets `name` to text written by `write`, cut at a character to what room is left.
    fn set_text(&mut self, name: &'static str, write: impl FnOnce(&mut TextWriter<'_>)) {
        let at = self.text_len;
        let mut w = TextWriter {
            text: &mut self.text,
            len: at,
        };
        write(&mut w);
        self.text_len = w.len;
        self.set(
            name,
            Value::Text {
                at,
                len: self.text_len - at,
            },
        );
    }

    fn str_of(&self, at: usize, len: usize) -> &str {
        self.text
            .get(at..at + len)
            .and_then(|t| core::str::from_utf8(t).ok())
            .unwrap_or("")
    }

    /// Takes `other`'s values (`Span::record`).
    fn merge(&mut self, other: &Fields) {
        for i in 0..other.count {
            match other.values[i] {
                Value::Text { at, len } => {
                    let text = other.str_of(at, len);
                    self.set_text(other.names[i], |w| {
                        let _ = fmt::Write::write_str(w, text);
                    });
                }
                value => self.set(other.names[i], value),
            }
        }
    }

    /// `,"name":value` per field; false if one did not fit.
    fn write_json(&self, line: &mut Line<'_>, in_span: bool) -> bool {
        (0..self.count).all(|i| {
            let name = self.names[i];
            json_name(line, name, in_span)
                && match self.values[i] {
                    Value::Text { at, len } => json_string(line, self.str_of(at, len)),
                    value => write_value(line, value),
                }
        })
    }

    /// `{a=1 b=x}`, nothing without fields; false if it did not fit.
    fn write_text(&self, line: &mut Line<'_>) -> bool {
        if self.count == 0 {
            return true;
        }
        line.raw(b"{")
            && (0..self.count).all(|i| {
                (i == 0 || line.raw(b" "))
                    && line.text(format_args!("{}=", self.names[i]))
                    && match self.values[i] {
                        Value::Text { at, len } => {
                            line.text(format_args!("{}", self.str_of(at, len)))
                        }
                        value => write_value(line, value),
                    }
            })
            && line.raw(b"}")
    }
}

/// Writes text into a span's bytes, as far as whole characters fit.
struct TextWriter<'t> {
    text: &'t mut [u8; FIELD_TEXT],
    len: usize,
}

impl fmt::Write for TextWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            let n = c.len_utf8();
            if self.len + n > FIELD_TEXT {
                return Err(fmt::Error);
            }
            c.encode_utf8(&mut self.text[self.len..self.len + n]);
            self.len += n;
        }
        Ok(())
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.set_text(field.name(), |w| {
            let _ = fmt::write(w, format_args!("{value:?}"));
        });
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set_text(field.name(), |w| {
            let _ = fmt::Write::write_str(w, value);
        });
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field.name(), Value::I64(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field.name(), Value::U64(value));
    }
    fn record_i128(&mut self, field: &Field, value: i128) {
        self.set(field.name(), Value::I128(value));
    }
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.set(field.name(), Value::U128(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field.name(), Value::F64(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field.name(), Value::Bool(value));
    }
}

/// A number or boolean: a JSON value, or the text of a text line. A float that is not finite
/// is a string in JSON (`"NaN"`, `"inf"`).
fn write_value(line: &mut Line<'_>, value: Value) -> bool {
    let quoted = line.is_json() && matches!(value, Value::F64(f) if !f.is_finite());
    let open = !quoted || line.raw(b"\"");
    open && match value {
        Value::I64(v) => line.text(format_args!("{v}")),
        Value::U64(v) => line.text(format_args!("{v}")),
        Value::I128(v) => line.text(format_args!("{v}")),
        Value::U128(v) => line.text(format_args!("{v}")),
        Value::F64(v) => line.text(format_args!("{v}")),
        Value::Bool(v) => line.raw(if v { b"true" } else { b"false" }),
        Value::Text { .. } => true,
    } && (!quoted || line.raw(b"\""))
}

/// `,"name":` (`fields.name` for a name of the head's, or `name` in a span).
fn json_name(line: &mut Line<'_>, name: &str, in_span: bool) -> bool {
    let reserved = RESERVED.contains(&name) || (in_span && name == "name");
    line.raw(b",\"")
        && (!reserved || line.raw(b"fields."))
        && line.text(format_args!("{name}"))
        && line.raw(b"\":")
}

/// A JSON string.
fn json_string(line: &mut Line<'_>, text: &str) -> bool {
    line.raw(b"\"") && line.text(format_args!("{text}")) && line.raw(b"\"")
}

/// Writes an event's `message` field as the line's message.
struct MessageOf<'l, 'b> {
    line: &'l mut Line<'b>,
    /// A message was written.
    wrote: bool,
}

impl Visit for MessageOf<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let mark = self.line.mark();
            self.line.message(format_args!("{value:?}"));
            self.wrote |= self.line.mark() != mark;
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let mark = self.line.mark();
            self.line.message(format_args!("{value}"));
            self.wrote |= self.line.mark() != mark;
        }
    }
}

/// Writes an event's other fields after the message: `,"name":value` members, or ` name=value`
/// (without the space before the first one of a text line without a message).
struct FieldsOf<'l, 'b> {
    line: &'l mut Line<'b>,
    /// A text field goes after a space.
    spaced: bool,
}

impl FieldsOf<'_, '_> {
    /// One field, whole or not at all.
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut Line<'_>) -> bool) {
        let name = field.name();
        if name == "message" {
            return;
        }
        let line = &mut *self.line;
        let mark = line.mark();
        let head = if line.is_json() {
            json_name(line, name, false)
        } else {
            (!self.spaced || line.raw(b" ")) && line.text(format_args!("{name}="))
        };
        if head && value(line) {
            self.spaced = true;
        } else {
            line.rollback(mark);
        }
    }
}

impl Visit for FieldsOf<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |line| {
            if line.is_json() {
                line.raw(b"\"") && line.text(format_args!("{value:?}")) && line.raw(b"\"")
            } else {
                line.text(format_args!("{value:?}"))
            }
        });
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |line| {
            if line.is_json() {
                json_string(line, value)
            } else {
                line.text(format_args!("{value}"))
            }
        });
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |line| write_value(line, Value::I64(value)));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |line| write_value(line, Value::U64(value)));
    }
    fn record_i128(&mut self, field: &Field, value: i128) {
        self.field(field, |line| write_value(line, Value::I128(value)));
    }
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.field(field, |line| write_value(line, Value::U128(value)));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.field(field, |line| write_value(line, Value::F64(value)));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |line| write_value(line, Value::Bool(value)));
    }
}

/// The spans this thread is in, innermost last.
struct Stack {
    ids: [u64; STACK],
    depth: usize,
    /// Entered past the stack's room (left out, but counted so that exits match).
    overflow: usize,
}

impl Stack {
    fn push(&mut self, id: u64) {
        if self.depth == STACK {
            self.overflow += 1;
        } else {
            self.ids[self.depth] = id;
            self.depth += 1;
        }
    }

    fn pop(&mut self, id: u64) {
        if self.overflow > 0 {
            self.overflow -= 1;
            return;
        }
        // Usually the innermost; a span exited out of order is taken out where it is.
        if let Some(at) = self.ids[..self.depth].iter().rposition(|&i| i == id) {
            self.ids.copy_within(at + 1..self.depth, at);
            self.depth -= 1;
        }
    }
}

thread_local! {
    // Const-initialised and without a destructor: no allocation, no registration.
    static THREAD_SPANS: RefCell<Stack> = const {
        RefCell::new(Stack { ids: [0; STACK], depth: 0, overflow: 0 })
    };
}

/// The innermost span this thread is in, 0 for none.
fn stack_top() -> u64 {
    THREAD_SPANS
        .try_with(|s| {
            s.try_borrow()
                .ok()
                .and_then(|s| s.depth.checked_sub(1).map(|top| s.ids[top]))
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_stack_matches_enters_and_exits_in_any_order_and_past_its_room() {
        let mut s = Stack {
            ids: [0; STACK],
            depth: 0,
            overflow: 0,
        };
        s.push(1);
        s.push(2);
        s.push(3);
        s.pop(2);
        assert_eq!(&s.ids[..s.depth], &[1, 3]);
        for _ in 0..STACK + 5 {
            s.push(9);
        }
        assert_eq!((s.depth, s.overflow), (STACK, 7));
        for _ in 0..STACK + 5 {
            s.pop(9);
        }
        assert_eq!(&s.ids[..s.depth], &[1, 3]);
        s.pop(42);
        assert_eq!(s.depth, 2);
    }

    /// A line as an event with a long message, fields and two spans makes it, formatted into
    /// `size` bytes.
    fn line_of(size: usize, json: bool, message: &str) -> String {
        let mut buf = vec![0u8; size];
        let head = super::super::write_head(
            &mut buf,
            Level::Warn,
            1_764_162_896_789,
            json,
            Some("req-\"1"),
            None,
        );
        let mut line = Line::new(&mut buf, head, json);
        let mut span = Fields::EMPTY;
        span.set("id", Value::U64(7));
        span.set_text("who", |w| {
            let _ = fmt::Write::write_str(w, "ada \"l\"\n");
        });
        // Two spans, the second inside the first.
        let subscriber = TracingSubscriber::new();
        {
            let mut table = subscriber.table();
            for parent in [0, 1] {
                let i = table.take();
                let slot = &mut table.slots[i];
                (slot.refs, slot.parent, slot.meta) = (1, parent, Some(&META));
                slot.fields = span.clone();
            }
        }
        if !json {
            subscriber.write_spans(&mut line, 2);
        }
        line.message(format_args!("{message}"));
        line.close_message();
        let mut fields = FieldsOf {
            line: &mut line,
            spaced: !message.is_empty(),
        };
        let field = |name: &str| META.fields().field(name).expect("the field");
        fields.record_u64(&field("count"), 3);
        fields.record_str(&field("text"), "x\"\n\u{1}é");
        fields.record_f64(&field("nan"), f64::NAN);
        fields.record_bool(&field("level"), true);
        if json {
            subscriber.write_spans(&mut line, 2);
        }
        let len = line.finish();
        String::from_utf8(buf[..len].to_vec()).expect("UTF-8")
    }

    struct Callsite;
    static CALLSITE: Callsite = Callsite;
    static NAMES: [&str; 4] = ["count", "text", "nan", "level"];
    static META: Metadata<'static> = Metadata::new(
        "s",
        "test",
        tracing_core::Level::WARN,
        None,
        None,
        None,
        tracing_core::field::FieldSet::new(&NAMES, tracing_core::identify_callsite!(&CALLSITE)),
        tracing_core::metadata::Kind::SPAN,
    );
    impl tracing_core::Callsite for Callsite {
        fn set_interest(&self, _: Interest) {}
        fn metadata(&self) -> &Metadata<'_> {
            &META
        }
    }

    #[test]
    fn lines_with_fields_and_spans_stay_one_valid_line_at_every_size() {
        let whole = line_of(4096, true, "checked");
        let v: serde_json::Value = serde_json::from_str(whole.trim_end()).expect(&whole);
        assert_eq!(v["requestId"], "req-\"1");
        assert_eq!(v["message"], "checked");
        assert_eq!(v["count"], 3);
        assert_eq!(v["text"], "x\"\n\u{1}é");
        assert_eq!(v["nan"], "NaN");
        assert_eq!(v["fields.level"], true);
        assert_eq!(
            v["spans"],
            serde_json::json!([
                {"name": "s", "id": 7, "who": "ada \"l\"\n"},
                {"name": "s", "id": 7, "who": "ada \"l\"\n"}
            ])
        );
        assert_eq!(
            line_of(4096, false, "checked"),
            "2025-11-26T13:14:56.789Z\treq-\"1\tWARN\ts{id=7 who=ada \"l\"\r}:s{id=7 who=ada \"l\"\r}: \
             checked count=3 text=x\"\r\u{1}é nan=NaN level=true\n"
        );
        for message in ["", "checked", &"é\"".repeat(40)] {
            // From a buffer that holds the head (every real one does: 4 KiB holds the longest)
            // to one that holds the whole line.
            for size in 100..whole.len() + 120 {
                let text = line_of(size, true, message);
                assert!(
                    text.len() <= size && text.ends_with("}\n"),
                    "{size}: {text:?}"
                );
                assert_eq!(text.matches('\n').count(), 1, "{size}: {text:?}");
                let v: serde_json::Value = serde_json::from_str(text.trim_end())
                    .unwrap_or_else(|e| panic!("{size}: not JSON ({e}): {text}"));
                assert!(v["message"].is_string(), "{size}: {text}");
                let text = line_of(size, false, message);
                assert!(
                    text.len() <= size && text.ends_with('\n'),
                    "{size}: {text:?}"
                );
                assert_eq!(text.matches('\n').count(), 1, "{size}: {text:?}");
            }
        }
    }

    #[test]
    fn span_text_is_cut_at_a_character_and_fields_past_the_room_left_out() {
        let mut f = Fields::EMPTY;
        f.set_text("long", |w| {
            let _ = fmt::write(w, format_args!("{}", "é".repeat(FIELD_TEXT)));
        });
        let Value::Text { at, len } = f.values[0] else {
            panic!("text")
        };
        assert_eq!((at, len), (0, FIELD_TEXT));
        assert_eq!(f.str_of(at, len), "é".repeat(FIELD_TEXT / 2));
        const NAMES: [&str; MAX_SPAN_FIELDS + 2] = [
            "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q",
            "r",
        ];
        for name in NAMES {
            f.set(name, Value::U64(1));
        }
        assert_eq!(f.count, MAX_SPAN_FIELDS);
        f.set("long", Value::Bool(true));
        assert!(matches!(f.values[0], Value::Bool(true)));
    }
}
