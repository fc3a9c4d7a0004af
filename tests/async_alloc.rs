//! The zero-allocation proof for async handlers: with a handler whose future itself allocates
//! nothing, the runtime's path allocates nothing after start-up, on the built-in driver and
//! (feature `tokio`) on the tokio driver, whether the future is ready at once, wakes itself,
//! is woken by another thread, waits on a tokio timer, fails, or is given up at the deadline.
//!
//! A counting global allocator counts the allocations of the runtime's threads from the end of
//! the handler's init (buffers allocated, connection open, tokio runtime built) until the run
//! ends. The mock Runtime API and the waking thread are not counted.
// `lambda_zero::Error` is inline by design (no allocation on the error path).
#![allow(clippy::result_large_err)]

use std::future::{poll_fn, Future};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::Duration;

use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use lambda_zero::{AsyncHandler, Context, Error, Runtime};

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// The tests share the process-wide count: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// How long each event may take (the mock's deadline after serving it); `late` events wait
/// until the driver gives up, just before it.
const FUNCTION_TIMEOUT: Duration = Duration::from_millis(300);

/// What the future of one event does, by the event's first bytes.
const MODES: [&[u8]; 6] = [b"now", b"yield", b"wake", b"err", b"timer", b"late"];

/// Pending `n` times, waking itself each time (a cooperative yield that needs no scheduler).
fn yield_times(n: u32) -> impl Future<Output = ()> {
    let mut left = n;
    poll_fn(move |cx| {
        if left == 0 {
            return Poll::Ready(());
        }
        left -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

/// A thread that ends a `wake` wait: made at init, with its slot and a bounded channel, so that
/// nothing is allocated per wait.
#[derive(Clone)]
struct Waking {
    slot: Arc<Mutex<(bool, Option<Waker>)>>,
    go: mpsc::SyncSender<()>,
}

impl Waking {
    fn start() -> Waking {
        let slot = Arc::new(Mutex::new((false, None::<Waker>)));
        let (go, rx) = mpsc::sync_channel(1);
        let shared = slot.clone();
        std::thread::spawn(move || {
            for () in rx {
                std::thread::sleep(Duration::from_micros(200));
                let waker = {
                    let mut slot = shared.lock().unwrap();
                    slot.0 = true;
                    slot.1.take()
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
        });
        Waking { slot, go }
    }

    /// Waits until the thread has been asked to end the wait and has done so; keeps the latest
    /// poll's waker in the slot.
    fn wait(&self) -> impl Future<Output = ()> + '_ {
        *self.slot.lock().unwrap() = (false, None);
        let mut asked = false;
        poll_fn(move |cx| {
            {
                let mut slot = self.slot.lock().unwrap();
                if slot.0 {
                    return Poll::Ready(());
                }
                if !slot.1.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    slot.1 = Some(cx.waker().clone());
                }
            }
            if !std::mem::replace(&mut asked, true) {
                let _ = self.go.send(());
            }
            Poll::Pending
        })
    }
}

/// Echoes the event after the wait its first bytes name ([`MODES`]); `err` fails with a typed
/// error, `late` never finishes. `timer` waits on a tokio timer under the tokio driver and
/// yields otherwise. Allocates nothing itself.
struct Quiet {
    waking: Waking,
    tokio: bool,
}

impl AsyncHandler for Quiet {
    async fn handle<'a>(
        &'a mut self,
        event: &'a mut [u8],
        ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        if event.starts_with(b"yield") {
            yield_times(3).await;
        } else if event.starts_with(b"wake") {
            self.waking.wait().await;
        } else if event.starts_with(b"err") {
            yield_times(1).await;
            return Err(Error::function(
                "Rejected",
                format_args!("{} bytes for {} rejected", event.len(), ctx.request_id),
            ));
        } else if event.starts_with(b"timer") {
            if self.tokio {
                tokio_sleep().await;
            } else {
                yield_times(1).await;
            }
        } else if event.starts_with(b"late") {
            std::future::pending::<()>().await;
        }
        Ok(event)
    }
}

#[cfg(feature = "tokio")]
async fn tokio_sleep() {
    tokio::time::sleep(Duration::from_micros(500)).await;
}

#[cfg(not(feature = "tokio"))]
async fn tokio_sleep() {}

/// Starts a count: this test alone, from zero, and a mock that records no requests, with
/// [`FUNCTION_TIMEOUT`] deadlines; queues `n` events cycling through [`MODES`] (`late` ones
/// only every 250th, each costing a deadline), some chunked. Returns how many of each mode.
fn counting_alone(
    n: usize,
) -> (
    std::sync::MutexGuard<'static, ()>,
    MockRuntimeApi,
    [usize; 6],
) {
    let alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    counting::reset_total();
    let server = MockRuntimeApi::builder()
        .record_requests(false)
        .function_timeout(FUNCTION_TIMEOUT)
        .start()
        .expect("mock starts");
    let mut counts = [0; 6];
    for i in 0..n {
        let mode = if i % 250 == 249 { 5 } else { i % 5 };
        counts[mode] += 1;
        let mut body = MODES[mode].to_vec();
        body.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, i % 700));
        let inv = Invocation::new(body);
        server.push(if i % 10 == 3 { inv.chunked(64) } else { inv });
    }
    (alone, server, counts)
}

/// Checks that every event got its answer: an echo, `Function.Rejected` or `Function.Timeout`.
fn check_answers(server: &MockRuntimeApi, n: usize, counts: [usize; 6]) {
    let outcomes = server.wait_outcomes(n, Duration::from_secs(30));
    assert_eq!(outcomes.len(), n, "every event answered");
    let errors = |t: &str| {
        outcomes
            .iter()
            .filter(|o| o.error_type() == Some(t))
            .count()
    };
    assert_eq!(errors("Function.Rejected"), counts[3]);
    assert_eq!(errors("Function.Timeout"), counts[5]);
    let echoes = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Response { body, .. } if MODES[..5].iter().any(|m| body.starts_with(m))))
        .count();
    assert_eq!(echoes, n - counts[3] - counts[5], "the others echoed");
}

/// Runs `run` (a runtime that arms the count once its init is over) on a thread of its own and
/// returns the allocations counted.
fn allocations(
    run: impl FnOnce() -> Result<(), lambda_zero::RuntimeError> + Send + 'static,
) -> u64 {
    let result = std::thread::spawn(move || {
        let result = run();
        counting::arm(false);
        result
    })
    .join()
    .expect("runtime thread");
    result.expect("the runtime finished cleanly");
    counting::total()
}

const INVOCATIONS: usize = 2_000;

#[test]
fn async_handlers_on_the_built_in_driver_allocate_nothing_per_invocation() {
    let (_alone, server, counts) = counting_alone(INVOCATIONS);
    let waking = Waking::start();
    let runtime = Runtime::new(&server.endpoint())
        .unwrap()
        .max_invocations(INVOCATIONS as u64);
    let allocations = allocations(move || {
        runtime.run_with_init(move |_| {
            let handler = Quiet {
                waking: waking.clone(),
                tokio: false,
            };
            counting::arm(true); // start-up is over
            Ok(handler)
        })
    });
    eprintln!("{INVOCATIONS} async invocations (modes {counts:?}) on the built-in driver: {allocations} allocations");
    check_answers(&server, INVOCATIONS, counts);
    assert_eq!(allocations, 0, "heap allocations after start-up");
}

/// A [`Quiet`] handler for a concurrent worker: counts its thread's allocations from its first
/// invocation on (a worker's own start-up, its thread and connection, comes before).
struct CountingWorker(Quiet);

impl AsyncHandler for CountingWorker {
    async fn handle<'a>(
        &'a mut self,
        event: &'a mut [u8],
        ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        counting::arm(true);
        self.0.handle(event, ctx).await
    }
}

#[test]
fn concurrent_async_workers_allocate_nothing_once_warm() {
    const WORKERS: u32 = 3;
    const EACH: usize = 666;
    let total = WORKERS as usize * EACH;
    let (_alone, server, counts) = counting_alone(total);
    let runtime = Runtime::new(&server.endpoint())
        .unwrap()
        .max_invocations(EACH as u64)
        .concurrency(WORKERS);
    // Each worker waits on its own waking thread.
    let mut wakings = (0..WORKERS)
        .map(|_| Waking::start())
        .collect::<Vec<_>>()
        .into_iter();
    std::thread::spawn(move || {
        runtime.run_with_init(move |_| {
            Ok(CountingWorker(Quiet {
                waking: wakings.next().expect("one per worker"),
                tokio: false,
            }))
        })
    })
    .join()
    .expect("runtime thread")
    .expect("every worker finished cleanly");
    let allocations = counting::total();
    eprintln!("{total} async invocations on {WORKERS} workers: {allocations} allocations");
    check_answers(&server, total, counts);
    assert_eq!(allocations, 0, "heap allocations on warm workers");
}

#[cfg(feature = "tokio")]
mod on_tokio {
    use super::*;
    use lambda_zero::asynchronous::tokio_init;
    use lambda_zero::Handler;

    /// Stops the count when the run is over and the handler is dropped: the tokio runtime's
    /// drop (its blocking pool's shutdown allocates once) happens only when a run ends at its
    /// invocation limit, never on Lambda, and is not an invocation's.
    struct StopCountingOnDrop<H>(H);

    impl<H: Handler> Handler for StopCountingOnDrop<H> {
        fn handle<'a>(
            &'a mut self,
            event: &'a mut [u8],
            ctx: &Context<'_>,
        ) -> Result<&'a [u8], Error> {
            self.0.handle(event, ctx)
        }
    }

    impl<H> Drop for StopCountingOnDrop<H> {
        fn drop(&mut self) {
            counting::arm(false);
        }
    }

    #[test]
    fn async_handlers_on_tokio_allocate_nothing_per_invocation() {
        let (_alone, server, counts) = counting_alone(INVOCATIONS);
        let waking = Waking::start();
        let runtime = Runtime::new(&server.endpoint())
            .unwrap()
            .max_invocations(INVOCATIONS as u64);
        let allocations = allocations(move || {
            let mut waking = Some(waking);
            let mut init = tokio_init(async move |_| {
                let waking = waking.take().expect("one worker");
                Ok(Quiet {
                    waking,
                    tokio: true,
                })
            });
            runtime.run_with_init(move |config| {
                let handler = StopCountingOnDrop(init(config)?);
                counting::arm(true); // start-up is over: the runtime is built
                Ok(handler)
            })
        });
        eprintln!("{INVOCATIONS} async invocations (modes {counts:?}) on tokio: {allocations} allocations");
        check_answers(&server, INVOCATIONS, counts);
        assert_eq!(allocations, 0, "heap allocations after start-up");
    }
}
