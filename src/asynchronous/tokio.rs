//! The tokio driver (feature `tokio`): an async handler on its own current-thread tokio
//! runtime, built once per worker at init.
//!
//! Each [`OnTokio`] owns a runtime made by `tokio::runtime::Builder::new_current_thread()` with
//! every driver the build has (`enable_all`: the timer always, the I/O driver when a crate in
//! the build enables tokio's `net`, as the AWS SDK and hyper do). An invocation is one
//! `Runtime::block_on` on the worker's own thread: tasks the handler spawns run while it
//! awaits, and between invocations nothing runs (Lambda freezes the environment there
//! anyway). Under Lambda Managed Instances ([`Runtime::run_with_init`] with several workers)
//! every worker has its own runtime, so workers share no scheduler, lock or queue.
//!
//! The runtime's path allocates nothing per invocation on this driver either, timers and
//! wake-ups from other threads included (`tests/async_alloc.rs`). One tokio call does:
//! `tokio::task::yield_now` allocates once per invocation that calls it (tokio 1.54 makes the
//! list of deferred wake-ups anew for each `block_on`); a future that wakes its own waker and
//! returns `Pending` yields without it.
//!
//! [`Runtime::run_with_init`]: crate::Runtime::run_with_init

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

use super::deadline::{give_up_at, timed_out};
use super::{AsyncHandler, AsyncStreamingHandler};
use crate::context::{Config, Context};
use crate::error::Error;
use crate::handler::Handler;
use crate::stream::{ResponseStream, StreamingHandler};

/// An async handler on a current-thread tokio runtime of its own: a [`Handler`] (or, for an
/// [`AsyncStreamingHandler`], a [`StreamingHandler`]) that [`Runtime::run`] and
/// [`Runtime::run_with_init`] serve like any other. Build it with [`tokio_init`], or with
/// [`OnTokio::new`] to call it directly in tests.
///
/// [`Runtime::run`]: crate::Runtime::run
/// [`Runtime::run_with_init`]: crate::Runtime::run_with_init
pub struct OnTokio<H> {
    runtime: tokio::runtime::Runtime,
    handler: H,
}

impl<H> OnTokio<H> {
    /// `handler` on a new current-thread runtime.
    pub fn new(handler: H) -> std::io::Result<OnTokio<H>> {
        Ok(OnTokio {
            runtime: current_thread()?,
            handler,
        })
    }

    /// The runtime the handler runs on.
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    /// The handler.
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }
}

impl<H> core::fmt::Debug for OnTokio<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OnTokio").finish_non_exhaustive()
    }
}

/// The `init` of [`Runtime::run_with_init`] for a function on tokio: for each worker, a new
/// current-thread runtime, and the async `init` run on it to build the handler. Inside `init`
/// every tokio API works (`tokio::spawn`, `tokio::runtime::Handle::current`, the AWS SDK's
/// clients, which keep the runtime's handle for the invocations to come). An `Err` or a panic
/// is reported to `/runtime/init/error`, like any init's.
///
/// ```no_run
/// use lambda_zero::asynchronous::tokio_init;
/// use lambda_zero::{async_handler_fn, Error, Runtime, RuntimeError};
///
/// fn main() -> Result<(), RuntimeError> {
///     Runtime::from_env()?.run_with_init(tokio_init(async |config| {
///         // Runs on this worker's runtime: build clients here, once.
///         let table = std::env::var("TABLE_NAME")
///             .map_err(|_| Error::function("MissingConfig", "TABLE_NAME is not set"))?;
///         eprintln!("{} serves {table}", config.function_name);
///         Ok(async_handler_fn(async |event, _ctx| {
///             tokio::task::yield_now().await;
///             Ok(&*event)
///         }))
///     }))
/// }
/// ```
///
/// [`Runtime::run_with_init`]: crate::Runtime::run_with_init
pub fn tokio_init<H, F>(mut init: F) -> impl FnMut(&Config) -> Result<OnTokio<H>, Error>
where
    F: AsyncFnMut(&Config) -> Result<H, Error>,
{
    move |config| {
        let runtime = current_thread().map_err(|e| {
            Error::runtime(
                "TokioRuntime",
                format_args!("the tokio runtime could not be built: {e}"),
            )
        })?;
        let handler = runtime.block_on(init(config))?;
        Ok(OnTokio { runtime, handler })
    }
}

/// A current-thread runtime with every driver this build of tokio has.
fn current_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Awaits `future` until it finishes or the invocation's deadline is near ([`give_up_at`]),
/// when it is dropped and the invocation fails with `Function.Timeout`. The clock is read and
/// the timer set only once the future has had to wait.
pub(crate) async fn until_deadline<F: Future>(
    future: F,
    ctx: &Context<'_>,
) -> Result<F::Output, Error> {
    let mut future = pin!(future);
    if let Poll::Ready(output) = poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await {
        return Ok(output);
    }
    let Some(at) = give_up_at(ctx) else {
        return Ok(future.await);
    };
    let mut timer = pin!(tokio::time::sleep_until(tokio::time::Instant::from_std(at)));
    // The future has just returned `Pending` in this same task: wait for its wake-up (or the
    // timer's) before polling it again.
    let mut just_polled = true;
    poll_fn(|cx| {
        if !core::mem::take(&mut just_polled) {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
        }
        timer.as_mut().poll(cx).map(|()| Err(timed_out()))
    })
    .await
}

impl<H: AsyncHandler> Handler for OnTokio<H> {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        let OnTokio { runtime, handler } = self;
        runtime.block_on(until_deadline(handler.handle(event, ctx), ctx))?
    }
}

impl<H: AsyncStreamingHandler> StreamingHandler for OnTokio<H> {
    fn handle(
        &mut self,
        event: &mut [u8],
        ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        let OnTokio { runtime, handler } = self;
        runtime.block_on(until_deadline(handler.handle(event, ctx, out), ctx))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    struct Sleepy;

    impl AsyncHandler for Sleepy {
        async fn handle<'a>(
            &'a mut self,
            event: &'a mut [u8],
            _ctx: &Context<'_>,
        ) -> Result<&'a [u8], Error> {
            let ms = core::str::from_utf8(event)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(event)
        }
    }

    #[test]
    fn timers_work_and_a_late_future_times_out_before_the_deadline() {
        let mut on = OnTokio::new(Sleepy).unwrap();
        let config = Config::default();
        let mut ctx = Context::for_test("id", &config);
        let mut event = *b"5";
        assert_eq!(on.handle(&mut event, &ctx).unwrap(), b"5");

        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        ctx.deadline_ms = Some(now_ms + 200);
        let mut event = *b"5000";
        let started = Instant::now();
        let err = on.handle(&mut event, &ctx).unwrap_err();
        let waited = started.elapsed();
        assert_eq!(err.error_type(), "Function.Timeout");
        assert!(
            waited >= Duration::from_millis(188) && waited < Duration::from_millis(200),
            "{waited:?}"
        );
        // The runtime is still good for the next invocation.
        ctx.deadline_ms = Some(now_ms + 60_000);
        let mut event = *b"1";
        assert_eq!(on.handle(&mut event, &ctx).unwrap(), b"1");
    }
}
