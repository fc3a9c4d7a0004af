//! JSON events parsed in place with simd-json, and JSON responses written without allocating.
//!
//! Two handler forms sit on top of the `&mut [u8] -> &[u8]` core ([`crate::Handler`]):
//!
//! - [`JsonHandler`] (or a closure through [`json_fn`]), wrapped in [`Json`]: the handler gets
//!   the event as a [`Value`], a view into simd-json's tape, to navigate (`get`, `pointer`,
//!   `elements`, `members`, `as_str`, ...) and to deserialize parts of on demand
//!   ([`Value::deserialize`]).
//! - [`TypedHandler`], wrapped in [`Typed`]: the handler gets its own `Deserialize<'de>` type.
//!   `&'de str` fields borrow from the event buffer; since simd-json unescapes strings inside
//!   that buffer, escaped strings borrow too.
//!
//! Both write the response with a [`JsonWriter`] over the adapter's own output buffer, which
//! the adapter hands back to the runtime as the response bytes. [`ProxyResponse`] writes the
//! API Gateway / ALB / function URL response shape.
//!
//! ```no_run
//! use lambda_zero::json;
//!
//! fn main() -> Result<(), lambda_zero::RuntimeError> {
//!     // `{"name":"Ada"}` -> `{"greeting":"Hello, Ada!"}`
//!     lambda_zero::Runtime::from_env()?.run(json::json_fn(|event, out, _ctx| {
//!         let name = event.get_str("name").unwrap_or("world");
//!         out.object(|w| w.field("greeting", format_args!("Hello, {name}!")))?;
//!         Ok(())
//!     }))
//! }
//! ```
//!
//! # Allocation
//!
//! Nothing allocates per invocation, including the first one, for events up to
//! [`Limits::max_event`] bytes whose structure fits [`Limits::structurals`]:
//!
//! - the parser's buffers (simd-json's [`simd_json::Buffers`]: the padded input copy, the
//!   string scratch, the structural index, the stage-2 stack) and the tape are sized at
//!   construction, and reused: each invocation refills the tape with
//!   [`simd_json::fill_tape`]. Construction writes nothing: the buffers are address space
//!   that the OS commits page by page as events reach into them. simd-json sizes its
//!   structural index and stage-2 stack from the input length it is given (one entry per 128
//!   bytes), so the input copy and the string scratch are reserved at 128 bytes per
//!   structural: about 250 MB of address space for the default limits, of which a small
//!   event touches a few pages (`examples/apigw_v2`, `RUNS=100 scripts/startup.sh` at
//!   `13ec30d`: 251.5 MiB of address space, 2.12 MiB peak RSS against 1.88 MiB for `echo`,
//!   cold start 1.08× `echo`'s).
//! - [`Value`] and the typed deserializer read the tape in place; errors (bad JSON, a
//!   mismatched event) are formatted into inline buffers.
//! - [`Typed`] also keeps its fast path's buffers (events up to 1 MiB, see [`Typed`]): the
//!   structural index (4 bytes per event byte: 4 MiB with the default limits), a scratch
//!   buffer for strings with escapes (1 MiB), and, where simd-json's stage 1 is used, a padded
//!   copy of the event (1 MiB). They are reserved at construction and touched only as far as
//!   events reach.
//! - [`Parser::with_index`] also keeps its tape pass's buffers (events up to 1 MiB): the
//!   structural index (4 bytes per event byte), a stack as deep as [`Limits::max_depth`], a
//!   copy of the event for simd-json to decide on what the pass refuses (1 MiB) and, where
//!   simd-json's stage 1 is used, its padded copy (1 MiB), reserved at construction and
//!   touched only as far as events reach.
//! - the response is written into a buffer of [`Limits::max_response`] bytes, allocated once.
//!
//! An event denser than the structural budget (more than one structural character, that is a
//! bracket, brace, comma, colon, string or scalar, per 8 bytes of a 6 MiB event with the
//! default limits) is still parsed: simd-json grows its buffers once, and they keep the new
//! size for later invocations. AWS events run at 7 to 35 bytes per structural; use
//! [`Limits::strict`] to rule out growth for any event up to a size.
//!
//! Not offered here, because they allocate per invocation: simd-json's `BorrowedValue` and
//! `OwnedValue` (a hash map or vector per object and array) and simd-json's own serde entry
//! points (`from_slice_with_buffers` builds a new tape vector per call, and serde errors carry
//! a `String`).

// Errors are kept inline (no heap), as the crate's `Error` is; they only travel on the cold path.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

mod de;
mod fast;
pub(crate) mod fuzzing;
mod inline;
mod key;
mod proxy;
mod stage1;
mod tape;
mod value;
mod writer;

use core::fmt;

use serde::Deserialize;
use simd_json::{Buffers, ErrorType, Node, Tape};

pub use de::DecodeError;
#[doc(hidden)]
pub use key::key_is;
pub use proxy::ProxyResponse;
/// simd-json, re-exported because its tape types are part of this module's API
/// ([`Value::from_tape`], [`Value::nodes`], [`Value::as_static`]): its version (0.19) is part of
/// lambda-zero's contract, and a change of it is a breaking change here.
pub use simd_json;
pub use value::{Elements, Kind, Members, Value};
pub use writer::{JsonWriter, Raw, Text, WriteError, WriteJson, MAX_DEPTH};

use crate::{Context, Error, Handler, MAX_EVENT_BODY};
use fast::{Bail, Fast};
use inline::InlineText;
use tape::TapeIndex;

/// Largest synchronous response Lambda accepts: 6 MiB.
pub const MAX_RESPONSE: usize = 6 * 1024 * 1024;

/// How large the buffers of a JSON adapter are made at construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest event parsed without growing a buffer, in bytes.
    pub max_event: usize,
    /// Size of the response buffer, in bytes; a larger response fails with
    /// `Function.ResponseTooLarge`.
    pub max_response: usize,
    /// Structural characters (brackets, braces, commas, colons, strings, scalars) reserved in
    /// the parser's index and tape. Kept at least `max_event / 8`, which simd-json reserves up
    /// front for an event of `max_event` bytes.
    pub structurals: usize,
    /// Deepest nesting accepted in an event; deeper events are refused as invalid JSON.
    pub max_depth: usize,
}

impl Limits {
    /// Lambda's limits: events up to [`MAX_EVENT_BODY`] with up to one structural per 8 bytes
    /// (AWS events have one per 7 to 35 bytes; denser events still parse, growing the
    /// buffers once), responses up to [`MAX_RESPONSE`], nesting up to 1024.
    pub const fn lambda() -> Limits {
        Limits {
            max_event: MAX_EVENT_BODY,
            max_response: MAX_RESPONSE,
            structurals: MAX_EVENT_BODY / 8,
            max_depth: simd_json::DEFAULT_MAX_DEPTH,
        }
    }

    /// Limits under which no event of up to `max_event` bytes ever allocates, however dense.
    /// Reserves address space in proportion to `max_event` (the tape, the index and
    /// simd-json's buffers, sized for one structural per byte, that is 128 bytes of input copy
    /// and 128 of string scratch per event byte; see [`Parser::new`]), committed only as far
    /// as events reach: nothing is touched at start-up.
    pub const fn strict(max_event: usize, max_response: usize) -> Limits {
        Limits {
            max_event,
            max_response,
            structurals: max_event,
            max_depth: simd_json::DEFAULT_MAX_DEPTH,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::lambda()
    }
}

/// simd-json's parser state, reused for every event: buffers and tape, sized once.
pub struct Parser {
    buffers: Buffers,
    /// Always empty between parses; `Tape::reset` moves it between lifetimes.
    tape: Vec<Node<'static>>,
    limits: Limits,
    /// Lambda-zero's own stage 1 and tape pass ([`Parser::with_index`]), where enabled and
    /// this CPU runs it.
    index: Option<TapeIndex>,
}

impl fmt::Debug for Parser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parser")
            .field("limits", &self.limits)
            .field("tape_capacity", &self.tape.capacity())
            .field("index", &self.index)
            .finish()
    }
}

/// Room simd-json needs in its structural index beyond the count: it reserves 64 entries
/// before each 64-byte block.
const INDEX_SLACK: usize = 64;

/// Input bytes per structural-index entry that `simd_json::Buffers::with_max_depth` reserves
/// (`input_len / 128` entries, and as many stage-2 stack entries).
const BUFFERS_BYTES_PER_INDEX_ENTRY: usize = 128;

impl Parser {
    /// A parser sized for `limits` (see [`Limits`] for what is reserved and what is touched).
    ///
    /// Nothing is written at construction, so a parser costs address space, not memory: the
    /// buffers are reserved for the largest event and committed by the OS page by page as
    /// events reach into them. simd-json sizes its structural index and stage-2 stack from
    /// the input length it is given (one entry per 128 bytes), so the buffers are made for
    /// 128 bytes per structural to be reserved: the input copy and string scratch are then
    /// reserved larger than `max_event` needs, which costs nothing until touched.
    pub fn new(limits: Limits) -> Parser {
        // One more for the `]` that the typed fast path puts in front of the event.
        let structurals = limits.structurals.max(limits.max_event / 8) + INDEX_SLACK + 1;
        let reserve_for = limits
            .max_event
            .max(structurals.saturating_mul(BUFFERS_BYTES_PER_INDEX_ENTRY));
        Parser {
            buffers: Buffers::with_max_depth(reserve_for, limits.max_depth),
            tape: Vec::with_capacity(structurals),
            limits,
            index: None,
        }
    }

    /// A parser sized for `limits` that builds the tape of most events itself, 1.3 to 2 times
    /// as fast as simd-json for AWS events (x86_64): lambda-zero's own stage 1 (AVX-512 or
    /// AVX2 on x86_64, NEON on arm64, as [`Typed`]'s fast path) indexes the event where it
    /// lies, escapes are resolved in place, and one pass over the index writes simd-json's
    /// tape, borrowing each string where it lies instead of copying it through simd-json's
    /// string buffer and back. The tape, the [`Value`]s and the errors are simd-json's: an
    /// event larger than 1 MiB, with an invalid escape, whose root is not an object or an
    /// array, or that the pass finds anything wrong with (invalid JSON included) is parsed by
    /// simd-json, as it came.
    ///
    /// Where no stage 1 of lambda-zero's runs (x86_64 without AVX2, or
    /// `LAMBDA_ZERO_JSON_STAGE1=simd-json`), simd-json's stage 1 indexes a copy of the event
    /// behind a `]`, as [`Typed`]'s fast path does, and the pass is the same: on x86_64 that is
    /// 0.8 to 1.25 times the time of [`Parser::new`] for the S3, EventBridge, SNS and API
    /// Gateway samples. (Times on arm64 are not measured: the tests run there under qemu.)
    ///
    /// Reserves, besides [`Parser::new`]'s buffers, the structural index (4 bytes per event
    /// byte up to 1 MiB), a stack as deep as [`Limits::max_depth`], a copy of the event for
    /// simd-json (1 MiB), and where simd-json's stage 1 is used its padded copy (1 MiB), all
    /// touched only as far as events reach.
    pub fn with_index(limits: Limits) -> Parser {
        let mut parser = Parser::new(limits);
        parser.index = TapeIndex::new(limits.max_event, limits.max_depth);
        parser
    }

    /// The limits the parser was sized for.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Parses `event` in place and hands its root [`Value`] to `f`.
    ///
    /// Strings are unescaped inside `event`, so it is changed; `f`'s result may borrow from
    /// the event but not from the tape.
    #[inline]
    pub fn with_value<'de, R>(
        &mut self,
        event: &'de mut [u8],
        f: impl FnOnce(Value<'_, 'de>) -> R,
    ) -> Result<R, SyntaxError> {
        let len = event.len();
        let mut tape: Tape<'de> = Tape(core::mem::take(&mut self.tape)).reset();
        let capacity = tape.0.capacity();
        let indexed = match self.index.as_mut() {
            Some(index) => match index.index(event, capacity, &mut self.buffers, &mut tape.0) {
                Ok(false) => true,
                // Escapes resolved in place, or the event restored for simd-json.
                Ok(true) => index.unescape(event).is_ok(),
                Err(_) => false,
            },
            None => false,
        };
        let result = match self.index.as_mut() {
            Some(index) if indexed => {
                // Stage 1 accepted the event: its strings borrow from it now, the tape pass
                // never writes it, and what the pass refuses simd-json decides on a copy.
                let event: &'de [u8] = event;
                let built = match index.build(event, &mut tape.0) {
                    Ok(()) => Ok(()),
                    Err(_) => index.fallback(event, &mut self.buffers, &mut tape.0),
                };
                match built {
                    Ok(()) => Ok(f(Value::from_tape(&tape.0))),
                    Err(Some(e)) => Err(SyntaxError::new(&e, len)),
                    Err(None) => Err(SyntaxError::utf8(len)),
                }
            }
            _ => match simd_json::fill_tape(event, &mut self.buffers, &mut tape) {
                Ok(()) => Ok(f(Value::from_tape(&tape.0))),
                Err(e) => Err(SyntaxError::new(&e, len)),
            },
        };
        self.tape = tape.reset().0;
        result
    }

    /// Parses `event` in place into `T`, whose `&'de str` fields borrow from `event`.
    pub fn parse<'de, T: Deserialize<'de>>(
        &mut self,
        event: &'de mut [u8],
    ) -> Result<T, EventError> {
        match self.with_value(event, |v| v.deserialize::<T>()) {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(e)) => Err(EventError::Decode(e)),
            Err(e) => Err(EventError::Syntax(e)),
        }
    }
}

/// The event is not valid JSON: what is wrong and, when simd-json knows, at which byte.
#[derive(Clone)]
pub struct SyntaxError {
    what: InlineText<96>,
    offset: Option<usize>,
    character: Option<char>,
    len: usize,
}

impl SyntaxError {
    fn new(e: &simd_json::Error, len: usize) -> SyntaxError {
        let what = match describe(e.error()) {
            Some(text) => InlineText::format(format_args!("{text}")),
            None => InlineText::format(format_args!("{:?}", e.error())),
        };
        // Errors found while scanning the whole input (stage 1) carry no position, and the
        // SIMD string parsers report escape errors relative to the string.
        let in_string = matches!(
            e.error(),
            ErrorType::InvalidEscape
                | ErrorType::InvalidUnicodeEscape
                | ErrorType::InvalidUnicodeCodepoint
        );
        let located = !in_string && (e.character().is_some() || e.index() > 0);
        SyntaxError {
            what,
            offset: located.then_some(e.index()),
            character: e.character(),
            len,
        }
    }

    /// The tape of [`Parser::with_index`] could not borrow simd-json's strings from the event
    /// (which does not happen: the event is valid UTF-8 once stage 1 accepted it, and
    /// simd-json leaves strings without escapes where they are).
    #[cold]
    fn utf8(len: usize) -> SyntaxError {
        SyntaxError {
            what: InlineText::format(format_args!("invalid UTF-8")),
            offset: None,
            character: None,
            len,
        }
    }

    /// What is wrong, in words.
    pub fn reason(&self) -> &str {
        self.what.as_str()
    }

    /// The byte offset simd-json reported, when it reported one.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }
}

fn describe(e: &ErrorType) -> Option<&'static str> {
    Some(match e {
        ErrorType::Eof => "unexpected end of input",
        ErrorType::TrailingData => "more data after the JSON value",
        ErrorType::InvalidUtf8 => "invalid UTF-8",
        ErrorType::UnterminatedString => "unterminated string",
        ErrorType::Syntax => {
            "syntax error (unbalanced brackets or quotes, or a raw control character in a string)"
        }
        ErrorType::InternalError => "misplaced character, or data after the JSON value",
        ErrorType::InvalidEscape => "invalid escape sequence in a string",
        ErrorType::InvalidUnicodeEscape | ErrorType::InvalidUnicodeCodepoint => {
            "invalid \\u escape in a string"
        }
        ErrorType::InvalidNumber | ErrorType::InvalidExponent => "invalid number",
        ErrorType::ExpectedObjectColon => "expected ':' after an object key",
        ErrorType::ExpectedObjectKey | ErrorType::KeyMustBeAString => {
            "expected a string as object key"
        }
        ErrorType::ExpectedMapComma | ErrorType::ExpectedMapEnd => {
            "expected ',' or '}' in an object"
        }
        ErrorType::ExpectedArrayComma => "expected ',' or ']' in an array",
        ErrorType::ExpectedArrayContent => "unexpected content in an array",
        ErrorType::ExpectedObjectContent => "unexpected content in an object",
        ErrorType::ExpectedNull | ErrorType::ExpectedTrue | ErrorType::ExpectedFalse => {
            "invalid literal (expected true, false or null)"
        }
        ErrorType::UnexpectedCharacter => "unexpected character",
        ErrorType::DepthLimitExceeded => "nested deeper than the depth limit",
        ErrorType::InputTooLarge => "larger than 4 GiB",
        _ => return None,
    })
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len == 0 {
            return f.write_str("the event is empty, expected a JSON document");
        }
        write!(
            f,
            "the {}-byte event is not valid JSON: {}",
            self.len, self.what
        )?;
        if let Some(offset) = self.offset {
            write!(f, " at byte {offset}")?;
        }
        if let Some(c) = self.character {
            write!(f, " (near {c:?})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SyntaxError({self})")
    }
}

impl std::error::Error for SyntaxError {}

/// Why an event could not be turned into the handler's type.
#[derive(Debug, Clone)]
pub enum EventError {
    /// Not valid JSON.
    Syntax(SyntaxError),
    /// Valid JSON of another shape.
    Decode(DecodeError),
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::Syntax(e) => e.fmt(f),
            EventError::Decode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EventError {}

impl SyntaxError {
    /// The invocation error reported to Lambda: `Runtime.InvalidJson`.
    pub fn to_error(&self) -> Error {
        Error::runtime("InvalidJson", self)
    }
}

/// `Runtime.InvalidEvent`: the event is JSON, but not of the handler's type `T`.
fn invalid_event<T: ?Sized>(e: &DecodeError) -> Error {
    let name = core::any::type_name::<T>();
    let name = name.split('<').next().unwrap_or(name);
    let name = name.rsplit("::").next().unwrap_or(name);
    Error::runtime(
        "InvalidEvent",
        format_args!("the event does not match `{name}`: {e}"),
    )
}

/// The invocation error for a response that could not be written.
fn response_error(e: WriteError) -> Error {
    match e {
        WriteError::Full { .. } => Error::function("ResponseTooLarge", e),
        WriteError::Misuse(_) => Error::function("InvalidResponse", e),
    }
}

/// A Lambda function over JSON events, given as a navigable [`Value`]. Wrap it in [`Json`].
pub trait JsonHandler {
    /// Handles one event, writing the response with `out` (write nothing for an empty
    /// response). An `Err` becomes the invocation's error.
    fn handle(
        &mut self,
        event: Value<'_, '_>,
        out: &mut JsonWriter<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error>;
}

/// A Lambda function over typed JSON events. Wrap it in [`Typed`].
///
/// ```
/// use lambda_zero::json::{JsonWriter, TypedHandler};
/// use lambda_zero::{Context, Error};
///
/// #[derive(serde::Deserialize)]
/// struct Order<'a> {
///     id: &'a str,
///     quantity: u32,
/// }
///
/// struct Orders;
///
/// impl TypedHandler for Orders {
///     type Event<'de> = Order<'de>;
///
///     fn handle(&mut self, order: Order<'_>, out: &mut JsonWriter<'_>, _: &Context<'_>) -> Result<(), Error> {
///         out.object(|w| {
///             w.field("id", order.id)?;
///             w.field("accepted", order.quantity <= 10)
///         })?;
///         Ok(())
///     }
/// }
/// # let _ = lambda_zero::json::Typed::with_limits(Orders, lambda_zero::json::Limits::strict(4096, 4096));
/// ```
pub trait TypedHandler {
    /// The event type; borrow `&'de str` fields from the event to avoid copies.
    type Event<'de>: Deserialize<'de>;

    /// Handles one event, writing the response with `out`. An `Err` becomes the invocation's
    /// error.
    fn handle(
        &mut self,
        event: Self::Event<'_>,
        out: &mut JsonWriter<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error>;
}

/// A closure usable as a [`JsonHandler`] (see [`json_fn`]).
pub trait JsonFn:
    FnMut(Value<'_, '_>, &mut JsonWriter<'_>, &Context<'_>) -> Result<(), Error>
{
}

impl<F> JsonFn for F where
    F: FnMut(Value<'_, '_>, &mut JsonWriter<'_>, &Context<'_>) -> Result<(), Error>
{
}

/// A [`JsonHandler`] made from a closure.
#[derive(Debug, Clone)]
pub struct JsonFnHandler<F>(pub F);

impl<F: JsonFn> JsonFnHandler<F> {
    /// Wraps a closure; unlike the tuple constructor, this lets the compiler infer the
    /// closure's signature (and the error type of its `?`): `Json::with_limits(JsonFnHandler::new(|event, out, ctx| ..), limits)`.
    pub fn new(f: F) -> JsonFnHandler<F> {
        JsonFnHandler(f)
    }
}

impl<F: JsonFn> JsonHandler for JsonFnHandler<F> {
    fn handle(
        &mut self,
        event: Value<'_, '_>,
        out: &mut JsonWriter<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error> {
        (self.0)(event, out, ctx)
    }
}

/// Turns a closure `(event, out, ctx) -> Result<(), Error>` into a ready [`Handler`] with
/// the default [`Limits`].
pub fn json_fn<F: JsonFn>(f: F) -> Json<JsonFnHandler<F>> {
    Json::new(JsonFnHandler(f))
}

/// The parser and the response buffer shared by both adapters.
struct Core {
    parser: Parser,
    out: Box<[u8]>,
}

impl Core {
    fn new(limits: Limits) -> Core {
        Core::with_parser(Parser::new(limits))
    }

    fn with_parser(parser: Parser) -> Core {
        // Zeroed allocations of this size come straight from the OS, committed on first touch.
        Core {
            out: vec![0u8; parser.limits.max_response].into_boxed_slice(),
            parser,
        }
    }

    #[inline]
    fn respond<'a>(
        &'a mut self,
        event: &'a mut [u8],
        f: impl FnOnce(Value<'_, 'a>, &mut JsonWriter<'_>) -> Result<(), Error>,
    ) -> Result<&'a [u8], Error> {
        let mut w = JsonWriter::new(&mut self.out);
        let outcome = match self.parser.with_value(event, |event| f(event, &mut w)) {
            Ok(outcome) => outcome,
            Err(e) => return Err(e.to_error()),
        };
        let len = conclude(outcome, &w)?;
        Ok(&self.out[..len])
    }
}

/// The length of the response `w` holds, or the invocation's error for the handler's
/// `outcome` (a `WriteError` passed up with `?` gets the precise error type).
#[inline]
fn conclude(outcome: Result<(), Error>, w: &JsonWriter<'_>) -> Result<usize, Error> {
    if let Err(e) = outcome {
        return Err(match w.error() {
            Some(we) if e.error_type() == "Function.WriteError" => response_error(we),
            _ => e,
        });
    }
    w.finish().map_err(response_error)
}

/// The [`Handler`] for a [`JsonHandler`]: parses each event in place, hands over a
/// [`Value`], returns what the handler wrote.
pub struct Json<H> {
    handler: H,
    core: Core,
}

impl<H> Json<H> {
    /// Wraps `handler` with the default [`Limits`] (Lambda's).
    pub fn new(handler: H) -> Json<H> {
        Json::with_limits(handler, Limits::default())
    }

    /// Wraps `handler`, sizing the buffers for `limits`.
    pub fn with_limits(handler: H, limits: Limits) -> Json<H> {
        Json {
            handler,
            core: Core::new(limits),
        }
    }

    /// Wraps `handler` with a [`Parser::with_index`] sized for `limits` (the typed events'
    /// adapter).
    #[cfg(feature = "events")]
    pub(crate) fn indexed(handler: H, limits: Limits) -> Json<H> {
        Json {
            handler,
            core: Core::with_parser(Parser::with_index(limits)),
        }
    }

    /// The wrapped handler.
    pub fn handler(&mut self) -> &mut H {
        &mut self.handler
    }
}

impl<H> fmt::Debug for Json<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Json")
            .field("parser", &self.core.parser)
            .finish_non_exhaustive()
    }
}

impl<H: JsonHandler> Handler for Json<H> {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        let handler = &mut self.handler;
        self.core
            .respond(event, |event, out| handler.handle(event, out, ctx))
    }
}

/// The [`Handler`] for a [`TypedHandler`]: parses each event in place, deserializes it into
/// the handler's event type (a mismatch is reported as `Runtime.InvalidEvent` with the path),
/// returns what the handler wrote.
///
/// Events up to 1 MiB take a fast path: a SIMD structural index of the event where it lies
/// (stage 1), then one pass that deserializes straight from that index and checks the whole
/// event as simd-json's stage 2 would, without building the tape or copying the strings the
/// handler does not read. Stage 1 is lambda-zero's own on x86_64 with AVX-512 (BW and VBMI2)
/// or AVX2 and on arm64 (NEON), and simd-json's elsewhere; the environment variable
/// `LAMBDA_ZERO_JSON_STAGE1` (`avx512`, `avx2`, `neon` or `simd-json`), read when the adapter
/// is made, picks another one this CPU runs. Anything unusual (invalid JSON, a type mismatch) sends
/// the event through the tape, so results and errors are the tape path's either way.
pub struct Typed<H> {
    handler: H,
    core: Core,
    fast: Fast,
}

impl<H> Typed<H> {
    /// Wraps `handler` with the default [`Limits`] (Lambda's).
    pub fn new(handler: H) -> Typed<H> {
        Typed::with_limits(handler, Limits::default())
    }

    /// Wraps `handler`, sizing the buffers for `limits`.
    pub fn with_limits(handler: H, limits: Limits) -> Typed<H> {
        Typed {
            handler,
            core: Core::new(limits),
            // simd-json's stage 1, where the fast path uses it, takes a `]` before the event:
            // one byte of the parser's room (the same limit for every stage 1).
            fast: Fast::new(limits.max_event.saturating_sub(1), limits.max_depth),
        }
    }

    /// The wrapped handler.
    pub fn handler(&mut self) -> &mut H {
        &mut self.handler
    }
}

impl<H> fmt::Debug for Typed<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Typed")
            .field("parser", &self.core.parser)
            .field("fast", &self.fast)
            .finish_non_exhaustive()
    }
}

/// Deserializes `T` on the fast path, from an event [`Fast::prepare`] accepted.
#[inline]
fn decode_fast<'de, T: Deserialize<'de>>(fast: &'de mut Fast, event: &'de [u8]) -> Result<T, Bail> {
    let mut de = fast.deserializer(event);
    T::deserialize(&mut de).and_then(|t| de.end().map(|()| t))
}

impl<H: TypedHandler> Handler for Typed<H> {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        let Typed {
            handler,
            core,
            fast,
        } = self;
        if fast.prepare(&mut core.parser, event).is_ok() {
            if let Ok(typed) = decode_fast::<H::Event<'_>>(fast, event) {
                let mut w = JsonWriter::new(&mut core.out);
                let outcome = handler.handle(typed, &mut w, ctx);
                let len = conclude(outcome, &w)?;
                return Ok(&core.out[..len]);
            }
            // The fast path gave up, leaving the event as it was: the tape path decides, and
            // reports invalid JSON or a mismatch with its path.
        }
        core.respond(event, |event, out| {
            let event = event
                .deserialize::<H::Event<'a>>()
                .map_err(|e| invalid_event::<H::Event<'a>>(&e))?;
            handler.handle(event, out, ctx)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn small() -> Limits {
        Limits::strict(4096, 4096)
    }

    #[test]
    fn malformed_events_become_runtime_invalid_json() {
        let config = Config::default();
        let ctx = Context::for_test("id", &config);
        let mut h = Json::with_limits(
            JsonFnHandler(
                |v: Value<'_, '_>, w: &mut JsonWriter<'_>, _: &Context<'_>| {
                    w.value(v)?;
                    Ok(())
                },
            ),
            small(),
        );
        let cases: &[(&[u8], &str)] = &[
            (b"", "the event is empty"),
            (b"{\"a\":}", "not valid JSON"),
            (b"{\"a\" 1}", "expected ':'"),
            (b"[1,2", "not valid JSON"),
            (b"\"abc", "not valid JSON"),
            (b"{\"a\":1} x", "not valid JSON"),
            (b"\xff", "not valid JSON"),
            (b"[\"\x01\"]", "not valid JSON"),
            (b"nul", "not valid JSON"),
            (b"{\"a\":\"\\q\"}", "escape"),
        ];
        for &(event, want) in cases {
            let mut event = event.to_vec();
            let e = h.handle(&mut event, &ctx).unwrap_err();
            assert_eq!(e.error_type(), "Runtime.InvalidJson", "{event:?}");
            assert!(
                e.message().contains(want),
                "{:?}: {}",
                String::from_utf8_lossy(&event),
                e.message()
            );
        }
        let mut ok = b"{\"a\":[1,\"\\u00e9\"]}".to_vec();
        assert_eq!(
            h.handle(&mut ok, &ctx).unwrap(),
            "{\"a\":[1,\"é\"]}".as_bytes()
        );
    }

    #[test]
    fn typed_mismatch_becomes_runtime_invalid_event() {
        #[derive(Deserialize)]
        struct Ev<'a> {
            #[allow(dead_code)]
            name: &'a str,
        }
        struct H;
        impl TypedHandler for H {
            type Event<'de> = Ev<'de>;
            fn handle(
                &mut self,
                e: Ev<'_>,
                w: &mut JsonWriter<'_>,
                _: &Context<'_>,
            ) -> Result<(), Error> {
                w.str(e.name)?;
                Ok(())
            }
        }
        let config = Config::default();
        let ctx = Context::for_test("id", &config);
        let mut h = Typed::with_limits(H, small());
        let mut event = br#"{"name":7}"#.to_vec();
        let e = h.handle(&mut event, &ctx).unwrap_err();
        assert_eq!(e.error_type(), "Runtime.InvalidEvent");
        assert!(
            e.message()
                .starts_with("the event does not match `Ev`: invalid type: integer `7`"),
            "{}",
            e.message()
        );
        assert!(e.message().ends_with("at $.name"), "{}", e.message());
        let mut event = br#"{"name":"a\"b"}"#.to_vec();
        assert_eq!(h.handle(&mut event, &ctx).unwrap(), br#""a\"b""#);
        // The fast path unescapes `x` (into its scratch buffer), then meets the mismatch: the
        // tape path reads the untouched event, so the error is the tape path's.
        let mut event = br#"{"x":"a\nb","name":7}"#.to_vec();
        let e = h.handle(&mut event, &ctx).unwrap_err();
        assert!(
            e.message()
                .starts_with("the event does not match `Ev`: invalid type: integer `7`"),
            "{}",
            e.message()
        );
        assert!(e.message().ends_with("at $.name"), "{}", e.message());
    }

    #[test]
    fn response_errors_are_named() {
        let config = Config::default();
        let ctx = Context::for_test("id", &config);
        let mut big = Json::with_limits(
            JsonFnHandler(
                |_: Value<'_, '_>, w: &mut JsonWriter<'_>, _: &Context<'_>| {
                    w.str(&"x".repeat(100))?;
                    Ok(())
                },
            ),
            Limits::strict(64, 16),
        );
        let e = big.handle(&mut b"{}".to_vec(), &ctx).unwrap_err();
        assert_eq!(e.error_type(), "Function.ResponseTooLarge");
        assert!(e.message().contains("16-byte"), "{}", e.message());
        let mut ignored = Json::with_limits(
            JsonFnHandler(
                |_: Value<'_, '_>, w: &mut JsonWriter<'_>, _: &Context<'_>| {
                    let _ = w.begin_object();
                    let _ = w.null();
                    Ok(())
                },
            ),
            small(),
        );
        let e = ignored.handle(&mut b"{}".to_vec(), &ctx).unwrap_err();
        assert_eq!(e.error_type(), "Function.InvalidResponse");
        let mut open = json_fn(
            |_: Value<'_, '_>, w: &mut JsonWriter<'_>, _: &Context<'_>| {
                w.begin_array()?;
                Ok(())
            },
        );
        let e = open.handle(&mut b"1".to_vec(), &ctx).unwrap_err();
        assert_eq!(e.error_type(), "Function.InvalidResponse");
        assert!(e.message().contains("incomplete"), "{}", e.message());
    }

    #[test]
    fn the_parser_keeps_its_buffers_across_events_of_different_lifetimes() {
        let mut p = Parser::new(small());
        let capacity = p.tape.capacity();
        for i in 0..3u32 {
            let mut ev = format!(r#"{{"i":{i},"s":"x\ny"}}"#).into_bytes();
            let (i2, s) = p
                .with_value(&mut ev, |v| {
                    (
                        v.get("i").and_then(|n| n.as_u64()),
                        v.get_str("s").map(str::len),
                    )
                })
                .unwrap();
            assert_eq!((i2, s), (Some(u64::from(i)), Some(3)));
        }
        assert_eq!(p.tape.capacity(), capacity);
        #[derive(Deserialize, Debug, PartialEq)]
        struct S<'a> {
            s: &'a str,
        }
        let mut ev = br#"{"s":"\u00e9\t"}"#.to_vec();
        assert_eq!(p.parse::<S<'_>>(&mut ev).unwrap(), S { s: "é\t" });
        let mut bad = b"{".to_vec();
        assert!(matches!(
            p.parse::<S<'_>>(&mut bad),
            Err(EventError::Syntax(_))
        ));
    }
}
