//! The built-in driver: polls a future on the current thread, parking the thread while the
//! future waits, with no dependency and no allocation per call.
//!
//! The future is pinned on the stack and polled first with a no-op waker: a future that
//! finishes at once (most handlers that await nothing slow) costs one poll and nothing else.
//! A future that returns `Pending` is polled again with this thread's parking waker, made once
//! per thread (one `Arc`; the runtime makes it before a worker's first event, see
//! [`prepare_thread`]), and the thread parks until a wake-up, or, for a handler, until
//! [`DEADLINE_MARGIN`](super::DEADLINE_MARGIN) before the invocation's deadline.

use core::convert::Infallible;
use std::future::{Future, IntoFuture};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use super::deadline::{give_up_at, timed_out};
use super::{AsyncHandler, AsyncStreamingHandler};
use crate::context::Context;
use crate::error::Error;
use crate::handler::Handler;
use crate::stream::{ResponseStream, StreamingHandler};

/// Wakes the thread that made it.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    /// This thread's parking waker, made on first use.
    static PARKER: Waker = Waker::from(Arc::new(Unpark(thread::current())));
}

/// Makes this thread's parking waker now, at start-up, so that a handler future's first
/// `Pending` allocates nothing.
pub(crate) fn prepare_thread() {
    let _ = PARKER.try_with(|_| ());
}

/// Runs `future` to completion on this thread, parking it while the future waits for a
/// wake-up from elsewhere (another thread, or the future itself).
///
/// For futures that need no reactor: an `async` block over channels or a thread pool, a
/// client's constructor in an init. Futures of tokio's I/O or timers need their runtime: see
/// [`OnTokio`](crate::asynchronous::OnTokio) (feature `tokio`). Do not call it from inside a
/// future that another `block_on` is driving on the same thread: the two share the thread's
/// wake-ups.
///
/// ```
/// let answer = lambda_zero::asynchronous::block_on(async { 6 * 7 });
/// assert_eq!(answer, 42);
/// ```
pub fn block_on<F: IntoFuture>(future: F) -> F::Output {
    let parked = drive(future.into_future(), || {
        thread::park();
        Ok::<(), Infallible>(())
    });
    match parked {
        Ok(output) => output,
        Err(never) => match never {},
    }
}

/// Runs a handler's `future` until it finishes or the invocation's deadline is near
/// ([`give_up_at`]), when it is dropped and the invocation fails with `Function.Timeout`.
pub(crate) fn until_deadline<F: Future>(future: F, ctx: &Context<'_>) -> Result<F::Output, Error> {
    // Read the clock only once the future has had to wait.
    let mut give_up: Option<Option<Instant>> = None;
    drive(future, || {
        match *give_up.get_or_insert_with(|| give_up_at(ctx)) {
            None => {
                thread::park();
                Ok(())
            }
            Some(at) => {
                let now = Instant::now();
                if now >= at {
                    return Err(timed_out());
                }
                thread::park_timeout(at - now);
                Ok(())
            }
        }
    })
}

/// Polls `future` until it is ready, calling `park` between polls; `park`'s error ends the wait.
fn drive<F: Future, E>(future: F, mut park: impl FnMut() -> Result<(), E>) -> Result<F::Output, E> {
    let mut future = pin!(future);
    if let Poll::Ready(output) = future
        .as_mut()
        .poll(&mut TaskContext::from_waker(Waker::noop()))
    {
        return Ok(output);
    }
    // A wake-up of the no-op waker is lost, but the poll below, with a waker that works,
    // sees whatever it announced.
    let parked = PARKER.try_with(|waker| {
        let mut cx = TaskContext::from_waker(waker);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return Ok(output);
            }
            park()?;
        }
    });
    match parked {
        Ok(result) => result,
        // The thread's locals are gone (a destructor running at thread exit): poll every
        // millisecond instead of waiting for a wake-up.
        Err(_) => loop {
            if let Poll::Ready(output) = future
                .as_mut()
                .poll(&mut TaskContext::from_waker(Waker::noop()))
            {
                return Ok(output);
            }
            park()?;
            thread::sleep(Duration::from_millis(1));
        },
    }
}

/// An async handler driven on this thread, as the synchronous handler the loop calls.
pub(crate) struct OnThisThread<'h, H>(pub(crate) &'h mut H);

impl<H: AsyncHandler> Handler for OnThisThread<'_, H> {
    #[inline]
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        until_deadline(self.0.handle(event, ctx), ctx)?
    }
}

impl<H: AsyncStreamingHandler> StreamingHandler for OnThisThread<'_, H> {
    #[inline]
    fn handle(
        &mut self,
        event: &mut [u8],
        ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        until_deadline(self.0.handle(event, ctx, out), ctx)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Config;
    use std::sync::mpsc;
    use std::task::Poll;

    /// Pending `n` times, waking itself each time (as a cooperative yield does).
    struct YieldTimes(u32);

    impl Future for YieldTimes {
        type Output = u32;
        fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<u32> {
            if self.0 == 0 {
                return Poll::Ready(7);
            }
            self.0 -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[test]
    fn a_ready_future_and_a_self_waking_one_both_complete() {
        assert_eq!(block_on(async { 1 + 1 }), 2);
        assert_eq!(block_on(YieldTimes(5)), 7);
    }

    #[test]
    fn a_future_woken_from_another_thread_completes() {
        let (tx, rx) = mpsc::channel::<Waker>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let waker_thread = std::thread::spawn(move || {
            let waker = rx.recv().unwrap();
            std::thread::sleep(Duration::from_millis(20));
            done_tx.send(()).unwrap();
            waker.wake();
        });
        let mut sent = false;
        let got = block_on(std::future::poll_fn(|cx| {
            if done_rx.try_recv().is_ok() {
                return Poll::Ready("woken");
            }
            // The first poll's waker is the no-op one: send only a waker that works.
            if !sent && !cx.waker().will_wake(Waker::noop()) {
                tx.send(cx.waker().clone()).unwrap();
                sent = true;
            }
            Poll::Pending
        }));
        assert_eq!(got, "woken");
        waker_thread.join().unwrap();
    }

    #[test]
    fn a_future_pending_near_the_deadline_times_out_in_time() {
        let config = Config::default();
        let mut ctx = Context::for_test("id", &config);
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        ctx.deadline_ms = Some(now_ms + 200);
        let started = Instant::now();
        let result = until_deadline(std::future::pending::<()>(), &ctx);
        let waited = started.elapsed();
        let err = result.unwrap_err();
        assert_eq!(err.error_type(), "Function.Timeout");
        assert!(err.message().contains("still pending"), "{}", err.message());
        // Given up DEADLINE_MARGIN before the deadline (the deadline is whole milliseconds, so
        // up to 1 ms less), and before the deadline itself.
        assert!(
            waited >= Duration::from_millis(188) && waited < Duration::from_millis(200),
            "{waited:?}"
        );
        // A deadline already past: given up at the first wait, without parking.
        ctx.deadline_ms = Some(now_ms - 1000);
        let started = Instant::now();
        assert!(until_deadline(std::future::pending::<()>(), &ctx).is_err());
        assert!(started.elapsed() < Duration::from_millis(5));
        // A future that finishes at once is not bothered by a past deadline.
        assert_eq!(until_deadline(YieldTimes(0), &ctx).unwrap(), 7);
    }
}
