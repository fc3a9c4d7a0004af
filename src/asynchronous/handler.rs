//! The async handler traits and the async closures that stand in for them.

use crate::context::Context;
use crate::error::Error;
use crate::stream::ResponseStream;

/// An async Lambda function: turns one event into one response, awaiting what it needs.
///
/// The response may borrow from `event`, from `self` or be `'static`, as with
/// [`Handler`](crate::Handler). The future is polled on the thread of the worker that took the
/// event, so it need not be `Send`.
///
/// ```
/// use lambda_zero::{AsyncHandler, Context, Error};
///
/// /// Answers with the request id, from a buffer reused across invocations.
/// struct Whoami { out: Vec<u8> }
///
/// impl AsyncHandler for Whoami {
///     async fn handle<'a>(&'a mut self, _event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
///         self.out.clear();
///         self.out.extend_from_slice(ctx.request_id.as_bytes());
///         Ok(&self.out)
///     }
/// }
/// ```
// `async fn` in a public trait: callers cannot require the future to be `Send`, and the runtime
// never needs it to be (the future stays on its worker's thread).
#[allow(async_fn_in_trait)]
pub trait AsyncHandler {
    /// Handles one invocation. An `Err` is reported to Lambda as the invocation's error.
    async fn handle<'a>(
        &'a mut self,
        event: &'a mut [u8],
        ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error>;
}

/// An async handler that streams its response through a [`ResponseStream`], like
/// [`StreamingHandler`](crate::StreamingHandler).
///
/// ```
/// use lambda_zero::{AsyncStreamingHandler, Context, Error, ResponseStream};
///
/// struct Countdown;
///
/// impl AsyncStreamingHandler for Countdown {
///     async fn handle(&mut self, _event: &mut [u8], _ctx: &Context<'_>, out: &mut ResponseStream<'_>) -> Result<(), Error> {
///         for line in [&b"3\n"[..], b"2\n", b"1\n"] {
///             out.write(line)?;
///         }
///         Ok(())
///     }
/// }
/// ```
#[allow(async_fn_in_trait)]
pub trait AsyncStreamingHandler {
    /// Handles one invocation, writing the response to `out`. An `Err` is reported to Lambda:
    /// as the invocation's error if nothing was written yet, in the error trailers otherwise.
    async fn handle(
        &mut self,
        event: &mut [u8],
        ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error>;
}

impl<H: AsyncHandler> AsyncHandler for &mut H {
    async fn handle<'a>(
        &'a mut self,
        event: &'a mut [u8],
        ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        (**self).handle(event, ctx).await
    }
}

impl<H: AsyncStreamingHandler> AsyncStreamingHandler for &mut H {
    async fn handle(
        &mut self,
        event: &mut [u8],
        ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        (**self).handle(event, ctx, out).await
    }
}

/// Turns an async closure over `(event, context)` into an [`AsyncHandler`].
///
/// ```
/// use lambda_zero::{async_handler_fn, Error};
///
/// let handler = async_handler_fn(async |event, ctx| {
///     if event.is_empty() {
///         return Err(Error::function("EmptyEvent", format_args!("request {} had no body", ctx.request_id)));
///     }
///     Ok(&*event) // the response borrows the event
/// });
/// # let _ = handler;
/// ```
pub fn async_handler_fn<F>(f: F) -> AsyncHandlerFn<F>
where
    F: for<'a> AsyncFnMut(&'a mut [u8], &Context<'_>) -> Result<&'a [u8], Error>,
{
    AsyncHandlerFn(f)
}

/// An [`AsyncHandler`] made from an async closure by [`async_handler_fn`].
#[derive(Debug, Clone)]
pub struct AsyncHandlerFn<F>(F);

impl<F> AsyncHandler for AsyncHandlerFn<F>
where
    F: for<'a> AsyncFnMut(&'a mut [u8], &Context<'_>) -> Result<&'a [u8], Error>,
{
    async fn handle<'a>(
        &'a mut self,
        event: &'a mut [u8],
        ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        (self.0)(event, ctx).await
    }
}

/// Turns an async closure over `(event, context, stream)` into an [`AsyncStreamingHandler`].
///
/// ```
/// use lambda_zero::asynchronous::async_streaming_fn;
///
/// let handler = async_streaming_fn(async |event, _ctx, out| {
///     out.set_content_type("application/octet-stream");
///     for piece in event.chunks(4096) {
///         out.write(piece)?;
///     }
///     Ok(())
/// });
/// # let _ = handler;
/// ```
pub fn async_streaming_fn<F>(f: F) -> AsyncStreamingFn<F>
where
    F: AsyncFnMut(&mut [u8], &Context<'_>, &mut ResponseStream<'_>) -> Result<(), Error>,
{
    AsyncStreamingFn(f)
}

/// An [`AsyncStreamingHandler`] made from an async closure by [`async_streaming_fn`].
#[derive(Debug, Clone)]
pub struct AsyncStreamingFn<F>(F);

impl<F> AsyncStreamingHandler for AsyncStreamingFn<F>
where
    F: AsyncFnMut(&mut [u8], &Context<'_>, &mut ResponseStream<'_>) -> Result<(), Error>,
{
    async fn handle(
        &mut self,
        event: &mut [u8],
        ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        (self.0)(event, ctx, out).await
    }
}
