//! Local development as fast as production: no invocation waits for a delayed ACK, whatever
//! the Runtime API server does with Nagle's algorithm, and an emulator's idle-poll 408s do not
//! flood the log.
//!
//! A pipelined response POST and `GET /next` go out in one write. A server that answers each
//! request with its own write, with Nagle on (Python's standard library, axum/hyper, and the
//! local emulators built on them), sends the acknowledgement, then holds the next event until the
//! client acknowledges that first segment. Linux delays that ACK by up to 40 ms when the client
//! has nothing to send, so each invocation would take about 40 ms. These tests fail if the stall
//! comes back: 50 back-to-back invocations must take well under 50 × 40 ms.
#![allow(clippy::result_large_err)]

mod common;

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lambda_zero::testing::{Invocation, MockRuntimeApi};
use lambda_zero::{handler_fn, Context, Error, ResponseStream, Runtime, StreamingHandler};

const INVOCATIONS: usize = 50;
/// 50 invocations on loopback take a few milliseconds; 50 stalls take two seconds.
const BOUND: Duration = Duration::from_millis(500);
const WAIT: Duration = Duration::from_secs(30);

fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(WAIT).expect("the runtime finished in time")
}

/// Pushes the events, runs `rt` over them, and returns how long the whole run took.
fn time_echo(
    server: &MockRuntimeApi,
    rt: Runtime,
    invocation: fn(usize) -> Invocation,
) -> Duration {
    for i in 0..INVOCATIONS {
        server.push(invocation(i));
    }
    let started = Instant::now();
    within(move || rt.run(handler_fn(|event, _ctx| Ok(event)))).expect("the run ends cleanly");
    let took = started.elapsed();
    let outcomes = server.wait_outcomes(INVOCATIONS, WAIT);
    assert_eq!(outcomes.len(), INVOCATIONS, "every event answered");
    took
}

fn small(i: usize) -> Invocation {
    Invocation::new(format!(r#"{{"n":{i}}}"#))
}

fn nagle_server() -> MockRuntimeApi {
    MockRuntimeApi::builder().nagle(true).start().unwrap()
}

#[test]
fn pipelined_invocations_against_a_nagle_server_do_not_stall() {
    let server = nagle_server();
    let rt = Runtime::new(&server.endpoint())
        .unwrap()
        .max_invocations(INVOCATIONS as u64);
    let took = time_echo(&server, rt, small);
    assert!(
        took < BOUND,
        "{INVOCATIONS} invocations took {took:?} against a Nagle server: a delayed-ACK stall"
    );
    assert_eq!(server.connections(), 1, "still one keep-alive connection");
}

#[test]
fn chunked_events_against_a_nagle_server_do_not_stall() {
    let server = nagle_server();
    let rt = Runtime::new(&server.endpoint())
        .unwrap()
        .max_invocations(INVOCATIONS as u64);
    let took = time_echo(&server, rt, |i| small(i).chunked(3));
    assert!(
        took < BOUND,
        "{INVOCATIONS} chunked invocations took {took:?}"
    );
}

#[test]
fn without_a_timer_on_acks_a_nagle_server_does_not_stall_either() {
    let server = nagle_server();
    let rt = Runtime::new(&server.endpoint())
        .unwrap()
        .ack_timeout(None)
        .max_invocations(INVOCATIONS as u64);
    let took = time_echo(&server, rt, small);
    assert!(took < BOUND, "{INVOCATIONS} invocations took {took:?}");
}

#[test]
fn the_same_run_against_a_nodelay_server_stays_fast() {
    let server = MockRuntimeApi::start().unwrap();
    let rt = Runtime::new(&server.endpoint())
        .unwrap()
        .max_invocations(INVOCATIONS as u64);
    let took = time_echo(&server, rt, small);
    assert!(took < BOUND, "{INVOCATIONS} invocations took {took:?}");
}

struct Pieces;

impl StreamingHandler for Pieces {
    fn handle(
        &mut self,
        event: &mut [u8],
        _ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        for piece in event.chunks(4) {
            out.write(piece)?;
        }
        Ok(())
    }
}

#[test]
fn streamed_responses_against_a_nagle_server_do_not_stall() {
    let server = nagle_server();
    for i in 0..INVOCATIONS {
        server.push(small(i));
    }
    let rt = Runtime::new(&server.endpoint())
        .unwrap()
        .max_invocations(INVOCATIONS as u64);
    let started = Instant::now();
    within(move || rt.run(Pieces)).expect("the run ends cleanly");
    let took = started.elapsed();
    assert_eq!(server.wait_outcomes(INVOCATIONS, WAIT).len(), INVOCATIONS);
    // A streamed response closes its connection, so each invocation also opens one.
    assert!(
        took < BOUND * 2,
        "{INVOCATIONS} streamed invocations took {took:?}"
    );
}

#[test]
fn concurrent_workers_against_a_nagle_server_do_not_stall() {
    let server = nagle_server();
    for i in 0..INVOCATIONS * 2 {
        server.push(small(i));
    }
    let rt = Runtime::new(&server.endpoint())
        .unwrap()
        .concurrency(2)
        .max_invocations(INVOCATIONS as u64);
    let started = Instant::now();
    within(move || rt.run_with_init(|_| Ok(handler_fn(|event, _ctx| Ok(event)))))
        .expect("the run ends cleanly");
    let took = started.elapsed();
    assert_eq!(
        server.wait_outcomes(INVOCATIONS * 2, WAIT).len(),
        INVOCATIONS * 2
    );
    assert!(took < BOUND, "2 × {INVOCATIONS} invocations took {took:?}");
}

#[test]
fn idle_poll_408s_are_logged_once_and_the_next_event_is_not_held_back() {
    // Polls held 100 ms and ended with 408, as emulators end theirs after a few seconds.
    let server = MockRuntimeApi::builder()
        .idle_timeout(Duration::from_millis(100))
        .start()
        .unwrap();
    let bootstrap = common::build_bootstrap("echo", &[]);
    let mut child = Command::new(&bootstrap)
        .env_clear()
        .envs(server.lambda_env(&bootstrap))
        .stderr(Stdio::piped())
        .spawn()
        .expect("the echo bootstrap starts");
    // About 15 idle polls answered 408: backing off after them as after failures would pause
    // the runtime for hundreds of milliseconds by now.
    std::thread::sleep(Duration::from_millis(1500));
    let polls = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/invocation/next"))
        .count();
    let pushed = Instant::now();
    let id = server.push_event("after a quiet spell");
    let outcomes = server.wait_outcomes(1, WAIT);
    let answered_after = pushed.elapsed();
    let _ = child.kill();
    let output = child.wait_with_output().expect("the bootstrap's stderr");
    assert_eq!(outcomes[0].request_id(), Some(id.as_str()));
    assert_eq!(outcomes[0].body(), b"after a quiet spell");
    // Polled again at once after each 408: 15 polls of 100 ms in 1.5 s (a backoff of 1, 2, 4,
    // ... 256 ms after them would leave 12 at most).
    assert!(
        polls >= 13,
        "{polls} polls in 1.5 s of idle polls held 100 ms each"
    );
    assert!(
        answered_after < Duration::from_millis(150),
        "the event was answered {answered_after:?} after it was queued"
    );
    let log = String::from_utf8_lossy(&output.stderr);
    let lines = log.lines().filter(|l| l.contains("408")).count();
    assert_eq!(lines, 1, "one line about 408s:\n{log}");
}
