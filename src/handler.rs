//! The user-facing side: the [`Handler`] trait, the closures that stand in for it, and
//! [`Function`], which lets [`crate::Runtime`] serve either kind of handler.
//!
//! The core contract is `&mut [u8] -> &[u8]`: the event bytes go in (mutable, so JSON can be
//! parsed in place), the response bytes come out, borrowed from the event, from the handler's own
//! state, or `'static`. Nothing here allocates per invocation.

use crate::context::Context;
use crate::error::Error;

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
    /// An [`AsyncHandler`](crate::AsyncHandler), driven on the worker's thread by the built-in
    /// [`block_on`](crate::asynchronous::block_on): the response is sent whole.
    #[derive(Debug)]
    pub enum Async {}
    /// An [`AsyncStreamingHandler`](crate::AsyncStreamingHandler), driven like [`Async`].
    #[derive(Debug)]
    pub enum AsyncStreaming {}
}

/// What [`Runtime::run`](crate::Runtime::run) and
/// [`Runtime::run_with_init`](crate::Runtime::run_with_init) serve: every [`Handler`] (kind
/// [`kind::Buffered`]), every [`StreamingHandler`](crate::StreamingHandler) (kind
/// [`kind::Streaming`]), every [`AsyncHandler`](crate::AsyncHandler) (kind [`kind::Async`])
/// and every [`AsyncStreamingHandler`](crate::AsyncStreamingHandler) (kind
/// [`kind::AsyncStreaming`]). Implemented for these, and only for them; the kind is inferred.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Config;

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
}
