//! The user-facing side: the [`Handler`] trait, the per-invocation [`Context`], the function's
//! static [`Config`], and the typed [`Error`] a handler returns.
//!
//! The core contract is `&mut [u8] -> &[u8]`: the event bytes go in (mutable, so JSON can be
//! parsed in place), the response bytes come out, borrowed from the event, from the handler's own
//! state, or `'static`. Nothing here allocates per invocation.

use core::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A Lambda function: turns one event into one response.
///
/// The returned slice may borrow from `event`, from `self` (a reused output buffer) or be
/// `'static`. Implement this for a struct that keeps state across invocations; for the simple
/// case a closure works through [`crate::run`] or [`handler_fn`].
///
/// ```
/// use lambda_zero::{Context, Error, Handler};
///
/// /// Upper-cases the event into a buffer reused across invocations.
/// struct Shout { out: Vec<u8> }
///
/// impl Handler for Shout {
///     fn handle<'a>(&'a mut self, event: &'a mut [u8], _ctx: &Context<'_>) -> Result<&'a [u8], Error> {
///         self.out.clear();
///         self.out.extend(event.iter().map(u8::to_ascii_uppercase));
///         Ok(&self.out)
///     }
/// }
/// ```
pub trait Handler {
    /// Handles one invocation. An `Err` is reported to Lambda as the invocation's error.
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error>;
}

/// The kinds of handler, as the marker types of [`Function`]: each picks the loop that serves
/// it. You never name them; the compiler infers them from the handler's trait.
pub mod kind {
    /// A [`Handler`](crate::Handler): the response is sent whole.
    #[derive(Debug)]
    pub enum Buffered {}
    /// A [`StreamingHandler`](crate::StreamingHandler): the response is streamed in chunks.
    #[derive(Debug)]
    pub enum Streaming {}
}

/// What [`Runtime::run`](crate::Runtime::run) and
/// [`Runtime::run_with_init`](crate::Runtime::run_with_init) serve: every [`Handler`] (kind
/// [`kind::Buffered`]) and every [`StreamingHandler`](crate::StreamingHandler) (kind
/// [`kind::Streaming`]). Implemented for both, and only for them; the kind is inferred.
pub trait Function<K>: crate::runtime::Dispatch<K> {}

impl<K, T: crate::runtime::Dispatch<K>> Function<K> for T {}

/// A closure usable with [`crate::run`]: event bytes in, response bytes out.
///
/// Implemented for every `FnMut(&[u8]) -> &[u8]`, so `lambda_zero::run(|event: &[u8]| event)`
/// type-checks without annotations on the return type.
pub trait EventFn: for<'a> FnMut(&'a [u8]) -> &'a [u8] {}

impl<F: for<'a> FnMut(&'a [u8]) -> &'a [u8]> EventFn for F {}

/// Adapts an [`EventFn`] closure into a [`Handler`].
#[derive(Debug, Clone)]
pub struct EventFnHandler<F>(pub F);

impl<F: EventFn> Handler for EventFnHandler<F> {
    #[inline]
    fn handle<'a>(&'a mut self, event: &'a mut [u8], _: &Context<'_>) -> Result<&'a [u8], Error> {
        Ok((self.0)(event))
    }
}

/// A closure with the full handler signature: mutable event, [`Context`], typed [`Error`].
pub trait ContextFn: for<'a> FnMut(&'a mut [u8], &Context<'_>) -> Result<&'a [u8], Error> {}

impl<F> ContextFn for F where F: for<'a> FnMut(&'a mut [u8], &Context<'_>) -> Result<&'a [u8], Error>
{}

/// Turns a closure over `(event, context)` into a [`Handler`].
///
/// ```
/// use lambda_zero::{handler_fn, Error};
///
/// let handler = handler_fn(|event, ctx| {
///     if event.is_empty() {
///         return Err(Error::function("EmptyEvent", format_args!("request {} had no body", ctx.request_id)));
///     }
///     Ok(event)
/// });
/// # let _ = handler;
/// ```
pub fn handler_fn<F: ContextFn>(f: F) -> HandlerFn<F> {
    HandlerFn(f)
}

/// A [`Handler`] made from a closure by [`handler_fn`].
#[derive(Debug, Clone)]
pub struct HandlerFn<F>(F);

impl<F: ContextFn> Handler for HandlerFn<F> {
    #[inline]
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        (self.0)(event, ctx)
    }
}

impl<H: Handler + ?Sized> Handler for &mut H {
    #[inline]
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        (**self).handle(event, ctx)
    }
}

impl<H: Handler + ?Sized> Handler for Box<H> {
    #[inline]
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        (**self).handle(event, ctx)
    }
}

/// The function's static configuration, read once from the environment at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB (0 when unset or not a number).
    pub memory_size_mb: u32,
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub function_version: String,
    /// `AWS_LAMBDA_LOG_GROUP_NAME`.
    pub log_group_name: String,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`.
    pub log_stream_name: String,
    /// `_HANDLER`: the handler name configured for the function.
    pub handler: String,
    /// `AWS_LAMBDA_INITIALIZATION_TYPE`: `on-demand`, `provisioned-concurrency`, `snap-start`, ...
    pub initialization_type: String,
    /// `AWS_LAMBDA_LOG_FORMAT`: `Text` or `JSON`.
    pub log_format: String,
    /// `AWS_LAMBDA_LOG_LEVEL`, when the function sets one.
    pub log_level: String,
    /// `AWS_LAMBDA_MAX_CONCURRENCY`: how many invocations Lambda may hand this execution
    /// environment at once (Lambda Managed Instances); 0 when unset, as on default Lambda,
    /// where there is one at a time. [`crate::Runtime::run_with_init`] runs that many.
    pub max_concurrency: u32,
}

impl Config {
    /// Reads the configuration from the process environment. Missing variables read as empty.
    ///
    /// This runs before the first request, so it counts in the cold start: ten lookups, each
    /// allocating only for a variable that is set (walking `vars_os` would allocate a pair of
    /// strings for every variable of the environment).
    pub fn from_env() -> Config {
        let var = |name: &str| {
            std::env::var_os(name)
                .and_then(|v| v.into_string().ok())
                .unwrap_or_default()
        };
        Config {
            function_name: var("AWS_LAMBDA_FUNCTION_NAME"),
            memory_size_mb: var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
                .trim()
                .parse()
                .unwrap_or(0),
            function_version: var("AWS_LAMBDA_FUNCTION_VERSION"),
            log_group_name: var("AWS_LAMBDA_LOG_GROUP_NAME"),
            log_stream_name: var("AWS_LAMBDA_LOG_STREAM_NAME"),
            handler: var("_HANDLER"),
            initialization_type: var("AWS_LAMBDA_INITIALIZATION_TYPE"),
            log_format: var("AWS_LAMBDA_LOG_FORMAT"),
            log_level: var("AWS_LAMBDA_LOG_LEVEL"),
            max_concurrency: var("AWS_LAMBDA_MAX_CONCURRENCY")
                .trim()
                .parse()
                .unwrap_or(0),
        }
    }
}

/// Everything Lambda says about one invocation, borrowed from the `/next` response head.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: &'a str,
    /// `Lambda-Runtime-Deadline-Ms` as epoch milliseconds; `None` when absent or not a number
    /// (some local emulators send other things).
    pub deadline_ms: Option<u64>,
    /// `Lambda-Runtime-Invoked-Function-Arn` (empty when absent).
    pub invoked_function_arn: &'a str,
    /// `Lambda-Runtime-Trace-Id`: the X-Ray trace header, when tracing is on.
    pub trace_id: Option<&'a str>,
    /// `Lambda-Runtime-Client-Context`: JSON from mobile SDK callers.
    pub client_context: Option<&'a str>,
    /// `Lambda-Runtime-Cognito-Identity`: JSON from mobile SDK callers.
    pub identity: Option<&'a str>,
    /// `Lambda-Runtime-Aws-Tenant-Id`, for functions in tenant isolation mode.
    pub tenant_id: Option<&'a str>,
    /// `Lambda-Runtime-Invocation-Id`, echoed back on the response by the runtime.
    pub invocation_id: Option<&'a str>,
    /// The function's static configuration.
    pub config: &'a Config,
}

impl<'a> Context<'a> {
    /// A context for calling a handler directly in unit tests.
    pub fn for_test(request_id: &'a str, config: &'a Config) -> Context<'a> {
        Context {
            request_id,
            deadline_ms: None,
            invoked_function_arn: "",
            trace_id: None,
            client_context: None,
            identity: None,
            tenant_id: None,
            invocation_id: None,
            config,
        }
    }

    /// The deadline as a [`SystemTime`], when Lambda sent one. A value too small to be epoch
    /// milliseconds (before September 2001) reads as no deadline: `cargo lambda watch` sends
    /// the function timeout (`600000`) there, not a point in time.
    pub fn deadline(&self) -> Option<SystemTime> {
        self.deadline_ms
            .filter(|&ms| ms >= EARLIEST_DEADLINE_MS)
            .map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
    }

    /// Time left before the deadline (zero once it has passed); `None` without a deadline.
    pub fn remaining(&self) -> Option<Duration> {
        let deadline = self.deadline()?;
        Some(
            deadline
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    }
}

/// Deadlines below this many epoch milliseconds (2001-09-09) are not timestamps.
const EARLIEST_DEADLINE_MS: u64 = 1_000_000_000_000;

/// Longest error message kept, in bytes; longer messages are cut at a character boundary.
pub const MAX_ERROR_MESSAGE: usize = 1024;
/// Longest error type kept, in bytes, including the `Function.` or `Runtime.` prefix.
pub const MAX_ERROR_TYPE: usize = 64;

/// Which side an error belongs to: the first part of its error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `Function.*`: the handler failed.
    Function,
    /// `Runtime.*`: the runtime failed around the handler (bad event, panic, ...).
    Runtime,
}

impl ErrorKind {
    fn prefix(self) -> &'static [u8] {
        match self {
            ErrorKind::Function => b"Function.",
            ErrorKind::Runtime => b"Runtime.",
        }
    }
}

/// A typed invocation error: an error type and a message, kept inline (no heap).
///
/// Inline storage makes the type about 1.1 KiB, so clippy's `result_large_err` lint fires on
/// functions returning `Result<_, Error>`; that size is the price of never allocating on the
/// error path (it is only moved when an error actually happens). Allow the lint, as with other
/// inline error types.
///
/// The error type always matches `(Runtime|Function)\.[A-Z][a-zA-Z]+`, the pattern Lambda accepts
/// for `Lambda-Runtime-Function-Error-Type` (anything else would be rewritten to `*.Unknown`):
/// names are cleaned on construction. Any `std::error::Error` converts with `?`, named after its
/// type (`ParseIntError` becomes `Function.ParseIntError`).
#[derive(Clone)]
pub struct Error {
    error_type: InlineStr<MAX_ERROR_TYPE>,
    message: InlineStr<MAX_ERROR_MESSAGE>,
}

impl Error {
    /// A `Function.<name>` error. `name` is cleaned to letters (`bad_input` becomes `BadInput`).
    pub fn function(name: &str, message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Function, name, message)
    }

    /// A `Runtime.<name>` error.
    pub fn runtime(name: &str, message: impl fmt::Display) -> Error {
        Error::new(ErrorKind::Runtime, name, message)
    }

    /// An error of the given kind; `name` may already carry a `Function.`/`Runtime.` prefix,
    /// which then wins over `kind`.
    pub fn new(kind: ErrorKind, name: &str, message: impl fmt::Display) -> Error {
        let mut error = Error {
            error_type: InlineStr::new(),
            message: InlineStr::new(),
        };
        error.error_type.set_error_type(kind, name);
        let _ = fmt::write(&mut error.message, format_args!("{message}"));
        error
    }

    /// The error type, e.g. `Function.ParseIntError`.
    pub fn error_type(&self) -> &str {
        self.error_type.as_str()
    }

    /// The message, at most [`MAX_ERROR_MESSAGE`] bytes.
    pub fn message(&self) -> &str {
        self.message.as_str()
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(error: E) -> Error {
        let mut out = Error::new(ErrorKind::Function, short_type_name::<E>(), &error);
        let mut source = error.source();
        while let Some(cause) = source {
            let _ = fmt::write(&mut out.message, format_args!(": {cause}"));
            source = cause.source();
        }
        out
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("error_type", &self.error_type())
            .field("message", &self.message())
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type(), self.message())
    }
}

/// `core::num::error::ParseIntError` -> `ParseIntError`; `a::B<c::D>` -> `B`.
fn short_type_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let no_generics = full.split('<').next().unwrap_or(full);
    no_generics.rsplit("::").next().unwrap_or(no_generics)
}

/// A string of at most `N` bytes stored inline; writes past `N` are cut at a char boundary.
#[derive(Clone, Copy)]
struct InlineStr<const N: usize> {
    len: usize,
    bytes: [u8; N],
}

impl<const N: usize> InlineStr<N> {
    const fn new() -> Self {
        InlineStr {
            len: 0,
            bytes: [0; N],
        }
    }

    fn as_str(&self) -> &str {
        // Only whole UTF-8 characters are ever pushed (see `write_str`), or ASCII letters.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    fn push_byte(&mut self, b: u8) -> bool {
        if self.len == N {
            return false;
        }
        self.bytes[self.len] = b;
        self.len += 1;
        true
    }

    /// Builds `Function.Name` / `Runtime.Name` from a free-form name.
    fn set_error_type(&mut self, kind: ErrorKind, name: &str) {
        self.len = 0;
        let (kind, name) = if let Some(rest) = name.strip_prefix("Function.") {
            (ErrorKind::Function, rest)
        } else if let Some(rest) = name.strip_prefix("Runtime.") {
            (ErrorKind::Runtime, rest)
        } else {
            (kind, name)
        };
        for &b in kind.prefix() {
            self.push_byte(b);
        }
        let prefix_len = self.len;
        let mut upper_next = true;
        for b in name.bytes() {
            if b.is_ascii_alphabetic() {
                let b = if upper_next {
                    b.to_ascii_uppercase()
                } else {
                    b
                };
                if !self.push_byte(b) {
                    break;
                }
                upper_next = false;
            } else {
                upper_next = true;
            }
        }
        // The pattern wants an upper-case letter and then at least one more letter.
        if self.len < prefix_len + 2 {
            self.len = prefix_len;
            for &b in b"Unknown" {
                self.push_byte(b);
            }
        }
    }
}

impl<const N: usize> fmt::Write for InlineStr<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = N - self.len;
        let take = if s.len() <= room {
            s.len()
        } else {
            let mut end = room;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            end
        };
        self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        if take < s.len() {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches_lambda_pattern(t: &str) -> bool {
        let rest = t
            .strip_prefix("Function.")
            .or_else(|| t.strip_prefix("Runtime."));
        match rest {
            Some(r) => {
                let b = r.as_bytes();
                b.len() >= 2 && b[0].is_ascii_uppercase() && b.iter().all(u8::is_ascii_alphabetic)
            }
            None => false,
        }
    }

    #[test]
    fn error_types_are_cleaned_to_the_lambda_pattern() {
        let table: &[(ErrorKind, &str, &str)] = &[
            (ErrorKind::Function, "BadInput", "Function.BadInput"),
            (ErrorKind::Function, "bad_input", "Function.BadInput"),
            (ErrorKind::Runtime, "Panic", "Runtime.Panic"),
            (ErrorKind::Function, "Runtime.Oops", "Runtime.Oops"),
            (ErrorKind::Runtime, "Function.Oops", "Function.Oops"),
            (ErrorKind::Function, "", "Function.Unknown"),
            (ErrorKind::Function, "x", "Function.Unknown"),
            (ErrorKind::Function, "E1", "Function.Unknown"),
            (ErrorKind::Function, "\r\nX-Evil: 1", "Function.XEvil"),
            (ErrorKind::Function, "héllo wörld", "Function.HLloWRld"),
            (ErrorKind::Function, "Function.", "Function.Unknown"),
        ];
        for &(kind, name, want) in table {
            let e = Error::new(kind, name, "m");
            assert_eq!(e.error_type(), want, "name {name:?}");
            assert!(matches_lambda_pattern(e.error_type()), "{}", e.error_type());
        }
        let long = "A".repeat(500);
        let e = Error::function(&long, "m");
        assert_eq!(e.error_type().len(), MAX_ERROR_TYPE);
        assert!(matches_lambda_pattern(e.error_type()));
    }

    #[test]
    fn std_errors_convert_with_their_type_name() {
        let parse: Result<u32, _> = "x".parse::<u32>();
        let e: Error = parse.unwrap_err().into();
        assert_eq!(e.error_type(), "Function.ParseIntError");
        assert_eq!(e.message(), "invalid digit found in string");
    }

    #[test]
    fn long_messages_are_cut_at_a_char_boundary() {
        let msg = "é".repeat(MAX_ERROR_MESSAGE); // 2 bytes each
        let e = Error::function("Big", &msg);
        assert!(e.message().len() <= MAX_ERROR_MESSAGE);
        assert!(e.message().len() >= MAX_ERROR_MESSAGE - 1);
        assert!(e.message().chars().all(|c| c == 'é'));
    }

    #[test]
    fn closures_infer_their_signatures() {
        fn takes<F: EventFn>(f: F) -> F {
            f
        }
        let mut echo = EventFnHandler(takes(|event: &[u8]| event));
        let config = Config::default();
        let ctx = Context::for_test("id", &config);
        let mut buf = *b"abc";
        assert_eq!(echo.handle(&mut buf, &ctx).unwrap(), b"abc");

        let mut failing = handler_fn(|_event, ctx| Err(Error::function("Nope", ctx.request_id)));
        let err = failing.handle(&mut buf, &ctx).unwrap_err();
        assert_eq!((err.error_type(), err.message()), ("Function.Nope", "id"));
    }

    #[test]
    fn config_is_read_from_the_lambda_environment() {
        // Only this test reads or writes these variables.
        let vars = [
            ("AWS_LAMBDA_FUNCTION_NAME", "fn-a"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1769"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/fn-a"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/22/[$LATEST]abc"),
            ("_HANDLER", "bootstrap"),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ("AWS_LAMBDA_MAX_CONCURRENCY", "32"),
        ];
        for (k, v) in vars {
            std::env::set_var(k, v);
        }
        let config = Config::from_env();
        assert_eq!(
            config,
            Config {
                function_name: "fn-a".into(),
                memory_size_mb: 1769,
                function_version: "$LATEST".into(),
                log_group_name: "/aws/lambda/fn-a".into(),
                log_stream_name: "2026/11/22/[$LATEST]abc".into(),
                handler: "bootstrap".into(),
                initialization_type: "on-demand".into(),
                log_format: "JSON".into(),
                log_level: "DEBUG".into(),
                max_concurrency: 32,
            }
        );
        std::env::set_var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots");
        assert_eq!(Config::from_env().memory_size_mb, 0);
    }

    #[test]
    fn remaining_time_is_zero_after_the_deadline() {
        let config = Config::default();
        let mut ctx = Context::for_test("id", &config);
        assert_eq!(ctx.remaining(), None);
        ctx.deadline_ms = Some(1_500_000_000_000); // 2017
        assert_eq!(ctx.remaining(), Some(Duration::ZERO));
        ctx.deadline_ms = Some(600_000); // cargo lambda's "ten minutes"
        assert_eq!((ctx.deadline(), ctx.remaining()), (None, None));
        let far = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
            + 60_000;
        ctx.deadline_ms = Some(far);
        assert!(ctx.remaining().unwrap() > Duration::from_secs(50));
    }
}
