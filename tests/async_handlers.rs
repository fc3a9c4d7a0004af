//! Async handlers end to end through real loopback sockets, against the mock Runtime API: the
//! built-in driver (`Runtime::run` of an `AsyncHandler`) and, with the `tokio` feature, the
//! tokio driver (`OnTokio`, `tokio_init`). Responses, typed errors, panics, deadlines, wake-ups
//! from other threads, several workers and streamed responses, on each driver.
// `lambda_zero::Error` is inline by design (no allocation on the error path).
#![allow(clippy::result_large_err)]

use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_zero::asynchronous::{async_streaming_fn, DEADLINE_MARGIN};
use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use lambda_zero::{
    async_handler_fn, AsyncHandler, AsyncStreamingHandler, Context, Error, ResponseStream, Runtime,
};

const WAIT: Duration = Duration::from_secs(20);

/// Runs `f` on a thread and fails the test if it does not finish within [`WAIT`].
fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(WAIT).expect("the runtime finished in time")
}

fn runtime(server: &MockRuntimeApi, n: u64) -> Runtime {
    Runtime::new(&server.endpoint()).unwrap().max_invocations(n)
}

/// Pending once, waking itself at once: the smallest real wait.
fn yield_once() -> impl Future<Output = ()> {
    let mut yielded = false;
    poll_fn(move |cx| {
        if std::mem::replace(&mut yielded, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    })
}

/// What a [`waker_thread`] and a [`woken_by`] future share: whether the wait is over, and the
/// waker of the future's latest poll.
type Slot = Arc<Mutex<(bool, Option<Waker>)>>;

/// A thread that, for each slot it is sent, waits `delay`, marks the slot done and wakes the
/// waker in it: a wait that only another thread ends.
fn waker_thread(delay: Duration) -> mpsc::Sender<Slot> {
    let (tx, rx) = mpsc::channel::<Slot>();
    std::thread::spawn(move || {
        for slot in rx {
            std::thread::sleep(delay);
            let waker = {
                let mut slot = slot.lock().unwrap();
                slot.0 = true;
                slot.1.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    });
    tx
}

/// Waits until the [`waker_thread`] behind `tx` says so, keeping the waker of its latest poll
/// in the slot (as every future must).
fn woken_by(tx: &mpsc::Sender<Slot>) -> impl Future<Output = ()> + '_ {
    let slot: Slot = Arc::new(Mutex::new((false, None)));
    let mut sent = false;
    poll_fn(move |cx| {
        {
            let mut state = slot.lock().unwrap();
            if state.0 {
                return Poll::Ready(());
            }
            if !state.1.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                state.1 = Some(cx.waker().clone());
            }
        }
        if !std::mem::replace(&mut sent, true) {
            tx.send(slot.clone()).unwrap();
        }
        Poll::Pending
    })
}

/// Lets a future through only when `need` of them wait at once, across threads: with fewer
/// workers than that serving at the same time, the test hangs (and fails in [`within`]).
struct Meeting {
    need: usize,
    state: Mutex<(usize, u64, Vec<Waker>)>, // arrived in this round, round, wakers
}

impl Meeting {
    fn new(need: usize) -> Arc<Meeting> {
        Arc::new(Meeting {
            need,
            state: Mutex::new((0, 0, Vec::new())),
        })
    }

    fn meet(&self) -> impl Future<Output = ()> + '_ {
        let mut round = None;
        poll_fn(move |cx| {
            let mut state = self.state.lock().unwrap();
            let (arrived, current, wakers) = &mut *state;
            match round {
                None => {
                    *arrived += 1;
                    if *arrived == self.need {
                        *arrived = 0;
                        *current += 1;
                        wakers.drain(..).for_each(Waker::wake);
                        return Poll::Ready(());
                    }
                    round = Some(*current);
                }
                Some(r) if *current > r => return Poll::Ready(()),
                Some(_) => {}
            }
            wakers.push(cx.waker().clone());
            Poll::Pending
        })
    }
}

/// Answers `{request id}:{event}` from its own buffer after a wait, fails `err` events, panics
/// on `panic` events (after a wait), and waits for ever on `stuck` events.
struct Mixed {
    out: Vec<u8>,
}

impl AsyncHandler for Mixed {
    async fn handle<'a>(
        &'a mut self,
        event: &'a mut [u8],
        ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        yield_once().await;
        match &*event {
            b"err" => Err(Error::function(
                "Rejected",
                format_args!("{} rejected", ctx.request_id),
            )),
            b"panic" => panic!("asked to panic after a wait"),
            b"stuck" => {
                std::future::pending::<()>().await;
                Ok(b"never")
            }
            _ => {
                self.out.clear();
                self.out.extend_from_slice(ctx.request_id.as_bytes());
                self.out.push(b':');
                self.out.extend_from_slice(event);
                Ok(&self.out)
            }
        }
    }
}

fn mixed() -> Mixed {
    Mixed {
        out: Vec::with_capacity(256),
    }
}

/// Checks the outcomes of [`Mixed`] for `ok` (answered), `err` (Function.Rejected) and
/// `panic` (Function.Panic).
fn check_mixed(outcomes: &[Outcome], ok: &str, err: &str, panic: &str) {
    let find = |id: &str| {
        outcomes
            .iter()
            .find(|o| o.request_id() == Some(id))
            .unwrap_or_else(|| panic!("no outcome for {id}: {outcomes:?}"))
    };
    assert_eq!(find(ok).body(), format!("{ok}:fine").as_bytes());
    assert_eq!(find(err).error_type(), Some("Function.Rejected"));
    let doc: serde_json::Value = serde_json::from_slice(find(err).body()).unwrap();
    assert_eq!(doc["errorMessage"], format!("{err} rejected"));
    let Outcome::Error {
        error_type, body, ..
    } = find(panic)
    else {
        panic!("{outcomes:?}")
    };
    assert_eq!(error_type, "Function.Panic");
    assert!(
        String::from_utf8_lossy(body).contains("asked to panic after a wait"),
        "{}",
        String::from_utf8_lossy(body)
    );
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn an_async_handler_answers_fails_and_panics_per_invocation() {
    let server = MockRuntimeApi::start().unwrap();
    let ok = server.push_event("fine");
    let err = server.push_event("err");
    let panic = server.push_event("panic");
    let after = server.push_event("fine");
    let rt = runtime(&server, 4);
    within(move || rt.run(mixed())).unwrap();
    let outcomes = server.wait_outcomes(4, WAIT);
    check_mixed(&outcomes, &ok, &err, &panic);
    assert_eq!(
        outcomes[3].body(),
        format!("{after}:fine").as_bytes(),
        "the loop goes on after a panic"
    );
    assert_eq!(server.connections(), 1, "one keep-alive connection");
}

#[test]
fn an_async_closure_reads_the_context_and_borrows_the_event() {
    let server = MockRuntimeApi::start().unwrap();
    let a = server.push(Invocation::new("hello").tenant_id("blue"));
    let b = server.push_event("");
    let rt = runtime(&server, 2);
    within(move || {
        rt.run(async_handler_fn(async |event, ctx| {
            yield_once().await;
            if event.is_empty() {
                return Err(Error::function(
                    "EmptyEvent",
                    format_args!("request {} had no body", ctx.request_id),
                ));
            }
            assert_eq!(ctx.tenant_id, Some("blue"));
            event.make_ascii_uppercase();
            Ok(&*event)
        }))
    })
    .unwrap();
    let outcomes = server.wait_outcomes(2, WAIT);
    assert_eq!(outcomes[0].request_id(), Some(a.as_str()));
    assert_eq!(outcomes[0].body(), b"HELLO");
    assert_eq!(outcomes[1].request_id(), Some(b.as_str()));
    assert_eq!(outcomes[1].error_type(), Some("Function.EmptyEvent"));
}

#[test]
fn a_future_woken_by_another_thread_is_answered() {
    let server = MockRuntimeApi::start().unwrap();
    let ids: Vec<String> = (0..5).map(|i| server.push_event(format!("e{i}"))).collect();
    let rt = runtime(&server, 5);
    let waker = waker_thread(Duration::from_millis(5));
    let started = Instant::now();
    within(move || {
        rt.run(async_handler_fn(async move |event, _ctx| {
            woken_by(&waker).await;
            Ok(&*event)
        }))
    })
    .unwrap();
    let outcomes = server.wait_outcomes(5, WAIT);
    // Woken, not timed out: well under the mock's deadline of 3 s per event.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    for (i, (outcome, id)) in outcomes.iter().zip(&ids).enumerate() {
        assert_eq!(outcome.request_id(), Some(id.as_str()));
        assert_eq!(outcome.body(), format!("e{i}").as_bytes());
    }
}

/// Serves one `stuck` event of a [`Mixed`] with a deadline `timeout` after it is served, then
/// a `fine` one; returns the outcomes and when the first arrived, against its deadline.
fn stuck_until_the_deadline(
    run: impl FnOnce(Runtime) -> Result<(), lambda_zero::RuntimeError> + Send + 'static,
) {
    let timeout = Duration::from_millis(400);
    let server = MockRuntimeApi::builder()
        .function_timeout(timeout)
        .start()
        .unwrap();
    let stuck = server.push_event("stuck");
    let fine = server.push_event("fine");
    let served_at = now_ms();
    let rt = runtime(&server, 2);
    let runner = std::thread::spawn(move || run(rt));
    let first = server.wait_outcomes(1, WAIT);
    let answered_at = now_ms();
    runner.join().unwrap().unwrap();
    let outcomes = server.wait_outcomes(2, WAIT);
    assert_eq!(first[0].request_id(), Some(stuck.as_str()));
    assert_eq!(first[0].error_type(), Some("Function.Timeout"));
    let deadline = served_at + timeout.as_millis() as u64;
    assert!(
        answered_at < deadline,
        "answered {} ms after the deadline",
        answered_at - deadline
    );
    assert!(
        answered_at + DEADLINE_MARGIN.as_millis() as u64 + 100 >= deadline,
        "given up {} ms before the deadline",
        deadline - answered_at
    );
    assert_eq!(outcomes[1].body(), format!("{fine}:fine").as_bytes());
}

#[test]
fn a_future_pending_at_the_deadline_fails_with_function_timeout_before_it() {
    stuck_until_the_deadline(|rt| rt.run(mixed()));
}

#[test]
fn concurrent_async_workers_wait_at_the_same_time() {
    const WORKERS: usize = 3;
    let server = MockRuntimeApi::start().unwrap();
    for i in 0..3 * WORKERS {
        server.push_event(format!("e{i}"));
    }
    let meeting = Meeting::new(WORKERS);
    let inits = Arc::new(AtomicUsize::new(0));
    let (m, n) = (meeting.clone(), inits.clone());
    let rt = runtime(&server, 3).concurrency(WORKERS as u32);
    within(move || {
        rt.run_with_init(move |_| {
            n.fetch_add(1, Ordering::Relaxed);
            let meeting = m.clone();
            Ok(async_handler_fn(async move |event, _ctx| {
                meeting.meet().await;
                Ok(&*event)
            }))
        })
    })
    .unwrap();
    let outcomes = server.wait_outcomes(3 * WORKERS, WAIT);
    assert_eq!(outcomes.len(), 3 * WORKERS);
    assert!(outcomes.iter().all(|o| !o.is_error()), "{outcomes:?}");
    assert_eq!(
        inits.load(Ordering::Relaxed),
        WORKERS,
        "one handler per worker"
    );
    assert_eq!(server.connections(), WORKERS);
}

/// Streams the event back in three pieces with waits between them; `fail` fails after the
/// first piece, `early` before any.
struct Pieces;

impl AsyncStreamingHandler for Pieces {
    async fn handle(
        &mut self,
        event: &mut [u8],
        _ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        yield_once().await;
        if event == b"early" {
            return Err(Error::function("Early", "nothing written"));
        }
        out.set_content_type("text/plain");
        let third = event.len() / 3;
        out.write(&event[..third])?;
        yield_once().await;
        if event == b"fail" {
            return Err(Error::function("MidStream", "failed after the first piece"));
        }
        out.write(&event[third..2 * third])?;
        yield_once().await;
        out.write(&event[2 * third..])
    }
}

/// Checks the outcomes of [`Pieces`] for `ok`, `fail` and `early`, in that order.
fn check_pieces(outcomes: &[Outcome], ok: &str, fail: &str, early: &str) {
    let Outcome::Streamed {
        request_id,
        body,
        trailers,
        ..
    } = &outcomes[0]
    else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        (request_id.as_str(), &body[..]),
        (ok, &b"three waits apart"[..])
    );
    assert!(trailers.is_empty(), "{trailers:?}");
    assert_eq!(outcomes[0].header("Content-Type"), Some("text/plain"));
    assert_eq!(outcomes[1].request_id(), Some(fail));
    assert_eq!(outcomes[1].error_type(), Some("Function.MidStream"));
    let doc: serde_json::Value =
        serde_json::from_slice(&outcomes[1].stream_error_body().expect("error body trailer"))
            .unwrap();
    assert_eq!(doc["errorMessage"], "failed after the first piece");
    let Outcome::Error {
        request_id,
        error_type,
        ..
    } = &outcomes[2]
    else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        (request_id.as_str(), error_type.as_str()),
        (early, "Function.Early")
    );
}

#[test]
fn async_streams_arrive_whole_and_errors_travel_in_trailers() {
    let server = MockRuntimeApi::start().unwrap();
    let ok = server.push_event("three waits apart");
    let fail = server.push_event("fail");
    let early = server.push_event("early");
    let rt = runtime(&server, 3);
    within(move || rt.run(Pieces)).unwrap();
    check_pieces(&server.wait_outcomes(3, WAIT), &ok, &fail, &early);
}

#[test]
fn an_async_streaming_closure_streams_its_pieces() {
    let server = MockRuntimeApi::start().unwrap();
    let id = server.push_event("abcdefghij");
    let rt = runtime(&server, 1);
    within(move || {
        rt.run(async_streaming_fn(async |event, _ctx, out| {
            for piece in event.chunks(4) {
                yield_once().await;
                out.write(piece)?;
            }
            Ok(())
        }))
    })
    .unwrap();
    let outcomes = server.wait_outcomes(1, WAIT);
    assert_eq!(outcomes[0].request_id(), Some(id.as_str()));
    assert_eq!(outcomes[0].body(), b"abcdefghij");
    let chunks = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the streamed POST")
        .chunk_sizes;
    assert_eq!(chunks, [4, 4, 2], "one chunk per write");
}

#[test]
fn a_failing_or_panicking_async_init_is_reported_once() {
    for (panics, expect) in [(false, "Function.NoTable"), (true, "Function.InitPanic")] {
        let server = MockRuntimeApi::start().unwrap();
        server.push_event("never taken");
        let rt = runtime(&server, 1);
        let result = within(move || {
            rt.run_with_init(move |_| {
                if panics {
                    panic!("init panicked");
                }
                lambda_zero::asynchronous::block_on(async {
                    yield_once().await;
                    Err::<Mixed, _>(Error::function("NoTable", "TABLE_NAME is not set"))
                })
            })
        });
        assert!(result.is_err());
        let outcomes = server.wait_outcomes(1, WAIT);
        assert!(
            matches!(&outcomes[0], Outcome::InitError { error_type, .. } if error_type == expect),
            "{outcomes:?}"
        );
        assert_eq!(server.pending(), 1, "no event taken");
    }
}

#[cfg(feature = "tokio")]
mod on_tokio {
    use super::*;
    use lambda_zero::asynchronous::{tokio_init, OnTokio};
    use std::sync::atomic::AtomicU64;

    /// [`Mixed`], after a tokio timer and a task spawned on the worker's runtime.
    struct OnTimers(Mixed);

    impl AsyncHandler for OnTimers {
        async fn handle<'a>(
            &'a mut self,
            event: &'a mut [u8],
            ctx: &Context<'_>,
        ) -> Result<&'a [u8], Error> {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let spawned = tokio::spawn(async { 6 * 7 }).await;
            assert_eq!(spawned.ok(), Some(42));
            tokio::task::yield_now().await;
            self.0.handle(event, ctx).await
        }
    }

    #[test]
    fn tokio_handlers_answer_fail_and_panic_per_invocation() {
        let server = MockRuntimeApi::start().unwrap();
        let ok = server.push_event("fine");
        let err = server.push_event("err");
        let panic = server.push_event("panic");
        let after = server.push_event("fine");
        let rt = runtime(&server, 4);
        within(move || rt.run_with_init(tokio_init(async |_| Ok(OnTimers(mixed()))))).unwrap();
        let outcomes = server.wait_outcomes(4, WAIT);
        check_mixed(&outcomes, &ok, &err, &panic);
        assert_eq!(
            outcomes[3].body(),
            format!("{after}:fine").as_bytes(),
            "the runtime and the loop go on after a panic"
        );
    }

    #[test]
    fn the_async_init_runs_on_the_runtime_the_handler_uses() {
        // A task spawned during init ticks every millisecond; it runs while invocations await.
        let server = MockRuntimeApi::start().unwrap();
        let ids: Vec<String> = (0..3).map(|_| server.push_event("")).collect();
        let rt = runtime(&server, 3);
        within(move || {
            rt.run_with_init(tokio_init(async |config| {
                assert!(config.function_name.is_empty());
                let ticks = Arc::new(AtomicU64::new(0));
                let t = ticks.clone();
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                        t.fetch_add(1, Ordering::Relaxed);
                    }
                });
                tokio::task::yield_now().await;
                Ok(async_handler_fn(async move |_event, _ctx| {
                    let before = ticks.load(Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    let after = ticks.load(Ordering::Relaxed);
                    Ok(if after > before {
                        &b"ticked"[..]
                    } else {
                        &b"still"[..]
                    })
                }))
            }))
        })
        .unwrap();
        let outcomes = server.wait_outcomes(3, WAIT);
        for (o, id) in outcomes.iter().zip(&ids) {
            assert_eq!(o.request_id(), Some(id.as_str()));
            assert_eq!(
                o.body(),
                b"ticked",
                "the init's task ran during the invocation"
            );
        }
    }

    #[test]
    fn a_tokio_future_pending_at_the_deadline_fails_with_function_timeout_before_it() {
        stuck_until_the_deadline(|rt| rt.run_with_init(tokio_init(async |_| Ok(mixed()))));
    }

    #[test]
    fn a_tokio_future_woken_by_another_thread_is_answered() {
        let server = MockRuntimeApi::start().unwrap();
        let id = server.push_event("x");
        let rt = runtime(&server, 1);
        let waker = waker_thread(Duration::from_millis(5));
        within(move || {
            let handler = OnTokio::new(async_handler_fn(async move |event, _ctx| {
                woken_by(&waker).await;
                Ok(&*event)
            }))
            .unwrap();
            rt.run(handler)
        })
        .unwrap();
        let outcomes = server.wait_outcomes(1, WAIT);
        assert_eq!(outcomes[0].request_id(), Some(id.as_str()));
        assert_eq!(outcomes[0].body(), b"x");
    }

    #[test]
    fn concurrent_tokio_workers_each_have_a_runtime_and_wait_at_the_same_time() {
        const WORKERS: usize = 3;
        let server = MockRuntimeApi::start().unwrap();
        for i in 0..3 * WORKERS {
            server.push_event(format!("e{i}"));
        }
        let meeting = Meeting::new(WORKERS);
        let threads = Arc::new(Mutex::new(Vec::new()));
        let (m, t) = (meeting.clone(), threads.clone());
        let rt = runtime(&server, 3).concurrency(WORKERS as u32);
        within(move || {
            rt.run_with_init(tokio_init(async move |_| {
                let (meeting, threads) = (m.clone(), t.clone());
                Ok(async_handler_fn(async move |event, _ctx| {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    meeting.meet().await;
                    let name = std::thread::current().name().map(str::to_string);
                    threads.lock().unwrap().push(name);
                    Ok(&*event)
                }))
            }))
        })
        .unwrap();
        let outcomes = server.wait_outcomes(3 * WORKERS, WAIT);
        assert!(outcomes.iter().all(|o| !o.is_error()), "{outcomes:?}");
        let mut names = threads.lock().unwrap().clone();
        names.sort();
        names.dedup();
        assert_eq!(
            names.len(),
            WORKERS,
            "each worker's runtime ran on its own worker thread: {names:?}"
        );
    }

    #[test]
    fn tokio_streams_arrive_whole_and_errors_travel_in_trailers() {
        let server = MockRuntimeApi::start().unwrap();
        let ok = server.push_event("three waits apart");
        let fail = server.push_event("fail");
        let early = server.push_event("early");
        let rt = runtime(&server, 3);
        within(move || rt.run_with_init(tokio_init(async |_| Ok(Pieces)))).unwrap();
        check_pieces(&server.wait_outcomes(3, WAIT), &ok, &fail, &early);
    }

    #[test]
    fn a_failing_or_panicking_tokio_init_is_reported_once() {
        for (panics, expect) in [(false, "Function.NoTable"), (true, "Function.InitPanic")] {
            let server = MockRuntimeApi::start().unwrap();
            server.push_event("never taken");
            let rt = runtime(&server, 1);
            let result = within(move || {
                rt.run_with_init(tokio_init(async move |_| {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    if panics {
                        panic!("init panicked");
                    }
                    Err::<Mixed, _>(Error::function("NoTable", "TABLE_NAME is not set"))
                }))
            });
            assert!(result.is_err());
            let outcomes = server.wait_outcomes(1, WAIT);
            assert!(
                matches!(&outcomes[0], Outcome::InitError { error_type, .. } if error_type == expect),
                "{outcomes:?}"
            );
            assert_eq!(server.pending(), 1, "no event taken");
        }
    }
}

#[test]
fn a_far_deadline_does_not_delay_a_woken_future() {
    // A deadline an hour away: the driver parks until the wake-up, not until the deadline.
    let server = MockRuntimeApi::start().unwrap();
    server.push(Invocation::new("x").deadline_ms(now_ms() + 3_600_000));
    let rt = runtime(&server, 1);
    let waker = waker_thread(Duration::from_millis(5));
    let started = Instant::now();
    within(move || {
        rt.run(async_handler_fn(async move |event, _ctx| {
            woken_by(&waker).await;
            Ok(&*event)
        }))
    })
    .unwrap();
    assert_eq!(server.wait_outcomes(1, WAIT)[0].body(), b"x");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}
