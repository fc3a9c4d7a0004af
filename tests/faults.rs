//! Fault injection through real loopback sockets: the runtime against a misbehaving mock
//! Runtime API (feature `testing`).
//!
//! Every test serves the faulted invocation first, then normal ones, and asserts the documented
//! behaviour exactly:
//!
//! - an event that arrived whole is answered exactly once (`outcome_count(id) == 1`), on a new
//!   connection when the old one is gone;
//! - an event cut off before it is complete is not answered at all, and the next one is;
//! - an event that cannot be used but names a request id is answered once with a
//!   `Runtime.*` error;
//! - a 500 from any endpoint stops the runtime promptly with [`RuntimeError::Fatal`];
//! - retries are paced (first retry at once, then 1, 2, 4 ms ... up to 500 ms), never a spin.
//!
//! The runtime runs on its own thread; every run is joined with a deadline, so a hang fails the
//! test instead of stalling the suite.

// `lambda_zero::Error` is inline by design (no allocation on the error path).
#![allow(clippy::result_large_err)]

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use lambda_zero::testing::{
    Ack, Answer, Fault, Invocation, MockRuntimeApi, Outcome, RecordedRequest, Route,
    GARBAGE_REQUEST_ID,
};
use lambda_zero::{handler_fn, Context, Error, Handler, Runtime, RuntimeError};

/// How long one run of the runtime may take before it counts as a hang. Healthy runs here take
/// milliseconds; the bound is generous because the test machine is shared and slow.
const HANG: Duration = Duration::from_secs(30);

/// What "promptly" means for a fatal error: no retry loop (the longest single pause is 500 ms),
/// with room for a slow machine.
const PROMPT: Duration = Duration::from_secs(5);

/// The event that makes [`echo_or_fail`] return an error (answered on `/error`).
const FAIL: &str = "fail";

/// Echoes the event, or fails with `Function.Failed` when the event is [`FAIL`].
fn echo_or_fail<'a>(event: &'a mut [u8], _: &Context<'_>) -> Result<&'a [u8], Error> {
    if event == FAIL.as_bytes() {
        Err(Error::function("Failed", "the event asked to fail"))
    } else {
        Ok(event)
    }
}

/// A runtime running on its own thread.
struct Running {
    done: mpsc::Receiver<Result<(), RuntimeError>>,
    started: Instant,
}

impl Running {
    fn spawn(run: impl FnOnce() -> Result<(), RuntimeError> + Send + 'static) -> Running {
        let (tx, done) = mpsc::channel();
        let started = Instant::now();
        thread::Builder::new()
            .name("runtime-under-test".into())
            .spawn(move || {
                let _ = tx.send(run());
            })
            .expect("spawn the runtime thread");
        Running { done, started }
    }

    /// Waits for the runtime to return; a run longer than [`HANG`] fails the test.
    fn join(self, what: &str) -> (Result<(), RuntimeError>, Duration) {
        match self.done.recv_timeout(HANG) {
            Ok(result) => (result, self.started.elapsed()),
            Err(_) => panic!("{what}: the runtime did not return within {HANG:?}: it hangs"),
        }
    }

    /// Waits for the runtime to return `Ok`.
    fn ok(self, what: &str) -> Duration {
        let (result, took) = self.join(what);
        if let Err(e) = result {
            panic!("{what}: the runtime stopped with an error: {e}");
        }
        took
    }
}

fn runtime(server: &MockRuntimeApi, invocations: u64, pipelining: bool) -> Runtime {
    Runtime::new(&server.endpoint())
        .expect("the mock's endpoint parses")
        .max_invocations(invocations)
        .pipelining(pipelining)
}

/// Runs [`echo_or_fail`] for `invocations` answered invocations.
fn serve(server: &MockRuntimeApi, invocations: u64, pipelining: bool) -> Running {
    serve_handler(server, invocations, pipelining, handler_fn(echo_or_fail))
}

fn serve_handler<H: Handler + Send + 'static>(
    server: &MockRuntimeApi,
    invocations: u64,
    pipelining: bool,
    handler: H,
) -> Running {
    let rt = runtime(server, invocations, pipelining);
    Running::spawn(move || rt.run(handler))
}

/// The one outcome recorded for `id`, checked to be the only one.
fn only_outcome(server: &MockRuntimeApi, id: &str, what: &str) -> Outcome {
    assert_eq!(
        server.outcome_count(id),
        1,
        "{what}: invocation {id:?} must be answered exactly once; requests: {:#?}",
        summary(&server.requests())
    );
    let outcomes = server.outcomes();
    let found = outcomes
        .iter()
        .find(|o| o.request_id() == Some(id))
        .unwrap_or_else(|| panic!("{what}: no outcome for {id:?} in {outcomes:?}"));
    found.clone()
}

/// Asserts that `id` was answered exactly once with this response body.
fn assert_responded(server: &MockRuntimeApi, id: &str, body: &[u8], what: &str) {
    match only_outcome(server, id, what) {
        Outcome::Response { body: got, .. } => assert_eq!(
            got,
            body,
            "{what}: response body of {id:?} ({:?})",
            String::from_utf8_lossy(&got)
        ),
        other => panic!("{what}: expected a response for {id:?}, got {other:?}"),
    }
}

/// Asserts that `id` was answered exactly once with an error of this type.
fn assert_failed(server: &MockRuntimeApi, id: &str, error_type: &str, what: &str) -> Vec<u8> {
    match only_outcome(server, id, what) {
        Outcome::Error {
            error_type: got,
            body,
            ..
        } => {
            assert_eq!(got, error_type, "{what}: error type for {id:?}");
            let doc: serde_json::Value =
                serde_json::from_slice(&body).expect("the error document is JSON");
            assert_eq!(doc["errorType"], error_type, "{what}: errorType in {doc}");
            assert!(
                doc["errorMessage"].is_string(),
                "{what}: errorMessage in {doc}"
            );
            body
        }
        other => panic!("{what}: expected an error for {id:?}, got {other:?}"),
    }
}

/// Asserts that nothing at all was posted for `id`.
fn assert_never_answered(server: &MockRuntimeApi, id: &str, what: &str) {
    assert_eq!(
        (server.outcome_count(id), server.post_count(id)),
        (0, 0),
        "{what}: {id:?} must not be answered; requests: {:#?}",
        summary(&server.requests())
    );
}

/// `GET /next` requests received.
fn polls(server: &MockRuntimeApi) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/runtime/invocation/next"))
        .count()
}

/// `connection method path` of every request, for failure messages.
fn summary(requests: &[RecordedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("conn {} {} {}", r.connection, r.method, r.path))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The connection closes while the event is on its way

/// Serves `rounds` pairs of (faulted event, normal event) and checks every faulted one was cut
/// off unanswered, every normal one answered exactly once, one new connection per cut.
fn cut_events(fault: Fault, rounds: usize, pipelining: bool) {
    let what = format!("{fault:?}, pipelining {pipelining}");
    let server = MockRuntimeApi::start().expect("start the mock");
    let mut pairs = Vec::new();
    for i in 0..rounds {
        let cut = server.push(Invocation::new(format!(r#"{{"cut":{i}}}"#)).fault(fault));
        let body = format!(r#"{{"whole":{i}}}"#);
        let whole = server.push(Invocation::new(body.clone()));
        pairs.push((cut, whole, body));
    }
    serve(&server, rounds as u64, pipelining).ok(&what);
    for (cut, whole, body) in &pairs {
        assert_never_answered(&server, cut, &what);
        assert_responded(&server, whole, body.as_bytes(), &what);
    }
    assert_eq!(server.outcomes().len(), rounds, "{what}: no other outcome");
    assert_eq!(
        server.connections(),
        rounds + 1,
        "{what}: one new connection per cut event"
    );
}

#[test]
fn an_event_cut_before_its_headers_is_not_answered_and_the_next_is_20_times() {
    cut_events(Fault::CloseBeforeHeaders, 20, true);
    cut_events(Fault::CloseBeforeHeaders, 20, false);
}

#[test]
fn an_event_cut_mid_headers_is_not_answered_and_the_next_is_20_times() {
    cut_events(Fault::CloseMidHeaders, 20, true);
    cut_events(Fault::CloseMidHeaders, 20, false);
}

#[test]
fn an_event_cut_mid_body_is_not_answered_and_the_next_is_20_times() {
    cut_events(Fault::CloseMidBody, 20, true);
    cut_events(Fault::CloseMidBody, 20, false);
    // A chunked body cut in the middle of its chunks.
    let server = MockRuntimeApi::start().expect("start the mock");
    let cut = server.push(
        Invocation::new(r#"{"chunked":"and cut"}"#)
            .chunked(4)
            .fault(Fault::CloseMidBody),
    );
    let whole = server.push(Invocation::new("next"));
    serve(&server, 1, true).ok("chunked CloseMidBody");
    assert_never_answered(&server, &cut, "chunked CloseMidBody");
    assert_responded(&server, &whole, b"next", "chunked CloseMidBody");
}

#[test]
fn a_post_whose_connection_keeps_dropping_is_given_up_after_five_attempts() {
    // Every post of the answer loses its connection before the acknowledgement: the runtime
    // posts it five times in all, then stops with ConnectionLost (Lambda then restarts it).
    let server = MockRuntimeApi::start().expect("start the mock");
    let a = server.push(Invocation::new("a"));
    server.script_many(Route::Response, [Fault::CloseBeforeHeaders; 10]);
    let (result, took) = serve(&server, 1, true).join("posts that keep dropping");
    assert!(
        matches!(result, Err(RuntimeError::ConnectionLost(_))),
        "{result:?}"
    );
    assert!(took < PROMPT, "gave up after {took:?}");
    assert_eq!(server.post_count(&a), 5, "five attempts, no more");
    assert_eq!(server.outcome_count(&a), 0);
}

#[test]
fn events_cut_again_and_again_are_polled_for_at_a_bounded_rate() {
    // A server that drops every `GET /next` (here: 12 events cut before their headers in a
    // row) is polled with the same growing pauses as one that answers 408/503: after 12
    // failures at least 1 + 2 + ... + 256 ms = 511 ms. A runtime that reconnects at once after
    // every dropped poll would be done in a few milliseconds.
    const CUTS: usize = 12;
    let server = MockRuntimeApi::start().expect("start the mock");
    for i in 0..CUTS {
        server.push(Invocation::new(format!("cut {i}")).fault(Fault::CloseBeforeHeaders));
    }
    let id = server.push(Invocation::new("whole"));
    let took = serve(&server, 1, true).ok("repeated cuts");
    assert_responded(&server, &id, b"whole", "after repeated cuts");
    assert_eq!(server.connections(), CUTS + 1);
    assert!(
        took >= Duration::from_millis(511),
        "{CUTS} dropped polls in a row took {took:?}: no backoff"
    );
}

#[test]
fn an_event_whose_connection_closes_before_the_response_is_answered_once_on_a_new_connection() {
    for pipelining in [true, false] {
        let what = format!("CloseAfterEvent, pipelining {pipelining}");
        let server = MockRuntimeApi::start().expect("start the mock");
        let a = server.push(Invocation::new("a").fault(Fault::CloseAfterEvent));
        let b = server.push(Invocation::new("b"));
        serve(&server, 2, pipelining).ok(&what);
        assert_responded(&server, &a, b"a", &what);
        assert_responded(&server, &b, b"b", &what);
        let requests = server.requests();
        let post_a = requests
            .iter()
            .find(|r| r.method == "POST" && r.path.contains(&a))
            .expect("the response to a was received");
        assert!(
            post_a.connection >= 1,
            "{what}: a is answered on a new connection"
        );
    }
}

#[test]
fn a_connection_closed_after_the_ack_is_reopened_for_the_next_event_20_times() {
    for pipelining in [true, false] {
        let what = format!("CloseAfterAck, pipelining {pipelining}");
        let server = MockRuntimeApi::start().expect("start the mock");
        let mut ids = Vec::new();
        for i in 0..20 {
            let body = format!("event {i}");
            ids.push((
                server.push(Invocation::new(body.clone()).fault(Fault::CloseAfterAck)),
                body,
            ));
        }
        serve(&server, 20, pipelining).ok(&what);
        for (id, body) in &ids {
            assert_responded(&server, id, body.as_bytes(), &what);
            assert_eq!(
                server.post_count(id),
                1,
                "{what}: the ack arrived, no re-send"
            );
        }
        assert_eq!(
            server.connections(),
            20,
            "{what}: one connection per invocation"
        );
    }
}

#[test]
fn an_event_with_connection_close_or_http_1_0_is_answered_once_on_a_new_connection() {
    for fault in [Fault::ConnectionClose, Fault::Http10] {
        for pipelining in [true, false] {
            let what = format!("{fault:?}, pipelining {pipelining}");
            let server = MockRuntimeApi::start().expect("start the mock");
            let a = server.push(Invocation::new("a").fault(fault));
            let b = server.push(Invocation::new("b"));
            serve(&server, 2, pipelining).ok(&what);
            assert_responded(&server, &a, b"a", &what);
            assert_responded(&server, &b, b"b", &what);
            assert_eq!(server.post_count(&a), 1, "{what}: a is posted once");
            assert_eq!(
                server.connections(),
                2,
                "{what}: the closed connection is replaced once, then kept"
            );
        }
    }
}

#[test]
fn a_trickled_event_and_ack_arrive_whole_and_are_answered_once() {
    let server = MockRuntimeApi::start().expect("start the mock");
    let body = r#"{"trickled":"one byte per write","n":[1,2,3]}"#;
    let plain = server.push(Invocation::new(body).fault(Fault::Trickle(Duration::ZERO)));
    let chunked = server.push(
        Invocation::new(body)
            .chunked(5)
            .fault(Fault::Trickle(Duration::ZERO)),
    );
    let paused =
        server.push(Invocation::new("slow").fault(Fault::Trickle(Duration::from_millis(1))));
    server.script(Route::Response, Fault::Trickle(Duration::ZERO));
    let last = server.push(Invocation::new("last"));
    serve(&server, 4, true).ok("Trickle");
    assert_responded(&server, &plain, body.as_bytes(), "trickled event");
    assert_responded(&server, &chunked, body.as_bytes(), "trickled chunked event");
    assert_responded(&server, &paused, b"slow", "trickled event with pauses");
    assert_responded(&server, &last, b"last", "after a trickled ack");
    assert_eq!(server.connections(), 1, "trickling needs no reconnect");
}

// ---------------------------------------------------------------------------------------------
// The acknowledgement goes wrong

#[test]
fn a_lost_acknowledgement_makes_the_runtime_post_again_and_the_invocation_counts_once() {
    for fault in [
        Fault::CloseBeforeHeaders,
        Fault::CloseMidHeaders,
        Fault::CloseMidBody,
    ] {
        for (route, event) in [(Route::Response, "ok"), (Route::Error, FAIL)] {
            for pipelining in [true, false] {
                let what = format!("{fault:?} on {route:?}, pipelining {pipelining}");
                let server = MockRuntimeApi::start().expect("start the mock");
                let a = server.push(Invocation::new(event));
                let b = server.push(Invocation::new("b"));
                server.script(route, fault);
                serve(&server, 2, pipelining).ok(&what);
                assert_answered_again_after_one_reconnect(&server, route, (&a, event), &b, &what);
            }
        }
    }
}

/// After a connection lost under the answer to `a` (posted to `route`, for the event `event`):
/// `a` was answered right, posted exactly twice, `b` served after it, over two connections.
fn assert_answered_again_after_one_reconnect(
    server: &MockRuntimeApi,
    route: Route,
    (a, event): (&str, &str),
    b: &str,
    what: &str,
) {
    match route {
        Route::Error => {
            assert_failed(server, a, "Function.Failed", what);
        }
        _ => assert_responded(server, a, event.as_bytes(), what),
    }
    assert_eq!(
        server.post_count(a),
        2,
        "{what}: posted again once on a new connection"
    );
    assert_responded(server, b, b"b", what);
    assert_eq!(server.connections(), 2, "{what}: one reconnect");
}

#[test]
fn a_stalled_acknowledgement_times_out_and_the_answer_is_posted_again() {
    // The server takes the POST, then sends nothing (or half an acknowledgement) and keeps the
    // connection open. Without a limit on the wait the runtime would hang there for good; with
    // it, a stall is a lost connection: reconnect, post again, go on.
    const IDLE: Duration = Duration::from_millis(150);
    for fault in [Fault::StallBeforeHeaders, Fault::StallMidBody] {
        for (route, event) in [(Route::Response, "ok"), (Route::Error, FAIL)] {
            for pipelining in [true, false] {
                let what = format!("{fault:?} on {route:?}, pipelining {pipelining}");
                let server = MockRuntimeApi::start().expect("start the mock");
                let a = server.push(Invocation::new(event));
                let b = server.push(Invocation::new("b"));
                server.script(route, fault);
                let rt = runtime(&server, 2, pipelining).ack_timeout(Some(IDLE));
                let took = Running::spawn(move || rt.run(handler_fn(echo_or_fail))).ok(&what);
                assert!(
                    took >= IDLE,
                    "{what}: gave up after {took:?}, before the limit"
                );
                assert!(took < PROMPT, "{what}: took {took:?}");
                assert_answered_again_after_one_reconnect(&server, route, (&a, event), &b, &what);
            }
        }
    }
}

#[test]
fn an_acknowledgement_that_closes_the_connection_is_accepted_and_the_next_event_answered() {
    // Scripted on a POST route, CloseAfterEvent means: the whole ack, then close.
    for fault in [
        Fault::ConnectionClose,
        Fault::Http10,
        Fault::CloseAfterEvent,
    ] {
        for pipelining in [true, false] {
            let what = format!("{fault:?} on the ack, pipelining {pipelining}");
            let server = MockRuntimeApi::start().expect("start the mock");
            let a = server.push(Invocation::new("a"));
            let b = server.push(Invocation::new("b"));
            server.script(Route::Response, fault);
            serve(&server, 2, pipelining).ok(&what);
            assert_responded(&server, &a, b"a", &what);
            assert_eq!(
                server.post_count(&a),
                1,
                "{what}: the ack was read, no re-send"
            );
            assert_responded(&server, &b, b"b", &what);
            assert_eq!(server.connections(), 2, "{what}: one reconnect");
        }
    }
}

/// Waits until the runtime has polled on a second connection (it dropped the first).
fn wait_for_reconnected_poll(server: &MockRuntimeApi, what: &str) {
    let deadline = Instant::now() + HANG;
    while !server
        .requests()
        .iter()
        .any(|r| r.connection > 0 && r.method == "GET")
    {
        assert!(
            Instant::now() < deadline,
            "{what}: the runtime never polled on a new connection; requests: {:#?}",
            summary(&server.requests())
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// The first response's acknowledgement is shaped by `fault`, which makes it unusable: the
/// runtime must not post again (the server did answer, so it got the post), must drop the
/// connection, and must answer the next event on a new one.
///
/// With pipelining, the runtime's `GET /next` went out with the post and is left behind on the
/// dropped connection. A server that answers it there (the mock does, like any HTTP/1.1 server
/// reading pipelined requests) hands the next event to a dead connection: no runtime can get
/// it back. So with pipelining the next event is queued only once the runtime polls on its new
/// connection; without pipelining it is queued from the start.
fn unusable_ack(fault: Fault, pipelining: bool) {
    let what = format!("{fault:?} on the ack, pipelining {pipelining}");
    let server = MockRuntimeApi::start().expect("start the mock");
    let a = server.push(Invocation::new("a"));
    server.script(Route::Response, fault);
    let early = (!pipelining).then(|| server.push(Invocation::new("b")));
    let run = serve(&server, 2, pipelining);
    let b = early.unwrap_or_else(|| {
        wait_for_reconnected_poll(&server, &what);
        server.push(Invocation::new("b"))
    });
    run.ok(&what);
    assert_responded(&server, &a, b"a", &what);
    assert_eq!(server.post_count(&a), 1, "{what}: not posted again");
    assert_responded(&server, &b, b"b", &what);
    assert_eq!(
        server.connections(),
        2,
        "{what}: the connection is replaced once"
    );
}

#[test]
fn an_unreadable_acknowledgement_is_never_answered_twice() {
    for fault in [
        Fault::ConflictingContentLength,
        Fault::GarbageContentLength,
        Fault::HugeHeaderBlock,
        Fault::ManyHeaders,
    ] {
        unusable_ack(fault, false);
        unusable_ack(fault, true);
    }
}

#[test]
fn an_oversized_acknowledgement_body_closes_the_connection_without_a_second_post() {
    // 7 MiB of acknowledgement body is over the 64 KiB the runtime accepts for an ack (Lambda's
    // is `{"status":"OK"}`): the connection is dropped rather than drained, the response is not
    // posted again (the server did answer it), and the next event comes on a new connection.
    let server = MockRuntimeApi::start().expect("start the mock");
    let a = server.push(Invocation::new("a"));
    let b = server.push(Invocation::new("b"));
    server.script(Route::Response, Fault::OversizedBody);
    serve(&server, 2, true).ok("OversizedBody on the ack");
    assert_eq!(server.post_count(&a), 1, "posted once");
    assert_responded(&server, &b, b"b", "OversizedBody on the ack");
    assert_eq!(server.connections(), 2, "the connection was replaced");
}

#[test]
fn an_acknowledgement_declaring_a_huge_body_does_not_hang_the_runtime() {
    // The mock declares Content-Length: 104857600 on the ack, sends 4 KiB and keeps the
    // connection open. A runtime that drains ack bodies without a limit waits for 100 MiB
    // that never come. An ack body over the runtime's limit (64 KiB; Lambda's ack is
    // `{"status":"OK"}`) makes the ack unusable: drop the connection, do not post again, go on.
    unusable_ack(Fault::HugeDeclaredLength, false);
    unusable_ack(Fault::HugeDeclaredLength, true);
}

// ---------------------------------------------------------------------------------------------
// Events that cannot be used as they are

#[test]
fn a_7_mib_event_is_answered_once_with_event_too_large() {
    let server = MockRuntimeApi::start().expect("start the mock");
    let big = server.push(Invocation::new("{}").fault(Fault::OversizedBody));
    let next = server.push(Invocation::new("next"));
    serve(&server, 2, true).ok("OversizedBody");
    let body = assert_failed(&server, &big, "Runtime.EventTooLarge", "OversizedBody");
    assert!(
        String::from_utf8_lossy(&body).contains("7340032 bytes"),
        "the message names the size: {}",
        String::from_utf8_lossy(&body)
    );
    assert_responded(&server, &next, b"next", "after OversizedBody");
}

#[test]
fn a_100_mib_declared_event_is_answered_once_with_event_too_large_without_waiting_for_it() {
    for pipelining in [true, false] {
        let what = format!("HugeDeclaredLength, pipelining {pipelining}");
        let server = MockRuntimeApi::start().expect("start the mock");
        let big = server.push(Invocation::new("{}").fault(Fault::HugeDeclaredLength));
        let next = server.push(Invocation::new("next"));
        serve(&server, 2, pipelining).ok(&what);
        let body = assert_failed(&server, &big, "Runtime.EventTooLarge", &what);
        assert!(
            String::from_utf8_lossy(&body).contains("104857600 bytes"),
            "{what}: the message names the declared size"
        );
        assert_responded(&server, &next, b"next", &what);
    }
}

#[test]
fn an_event_head_over_the_size_limit_is_not_answered_and_does_not_stop_the_runtime() {
    // A 64 KiB header block is over MAX_HEAD (32 KiB): the head never completes within the
    // limit, so there is no request id to answer.
    for pipelining in [true, false] {
        let what = format!("HugeHeaderBlock, pipelining {pipelining}");
        let server = MockRuntimeApi::start().expect("start the mock");
        let bad = server.push(Invocation::new("bad").fault(Fault::HugeHeaderBlock));
        let next = server.push(Invocation::new("next"));
        serve(&server, 1, pipelining).ok(&what);
        assert_never_answered(&server, &bad, &what);
        assert_responded(&server, &next, b"next", &what);
        assert_eq!(
            server.connections(),
            2,
            "{what}: the connection is replaced"
        );
    }
}

#[test]
fn an_event_with_too_many_headers_is_answered_once_with_invalid_event() {
    // 200 headers are over MAX_HEADERS (64): the event is refused, but the head is complete, so
    // its request id is salvaged and the invocation gets an error instead of a timeout.
    for pipelining in [true, false] {
        let what = format!("ManyHeaders, pipelining {pipelining}");
        let server = MockRuntimeApi::start().expect("start the mock");
        let bad = server.push(Invocation::new("bad").fault(Fault::ManyHeaders));
        let next = server.push(Invocation::new("next"));
        serve(&server, 2, pipelining).ok(&what);
        assert_failed(&server, &bad, "Runtime.InvalidEvent", &what);
        assert_responded(&server, &next, b"next", &what);
    }
}

#[test]
fn an_event_with_invalid_content_length_is_answered_once_with_invalid_event() {
    // The body cannot be delimited, but the head names a request id: the invocation gets a
    // `Runtime.InvalidEvent` error instead of a timeout, and the runtime goes on with the next
    // event on a new connection.
    for fault in [Fault::ConflictingContentLength, Fault::GarbageContentLength] {
        for pipelining in [true, false] {
            let what = format!("{fault:?}, pipelining {pipelining}");
            let server = MockRuntimeApi::start().expect("start the mock");
            let bad = server.push(Invocation::new("bad").fault(fault));
            let next = server.push(Invocation::new("next"));
            serve(&server, 2, pipelining).ok(&what);
            let body = assert_failed(&server, &bad, "Runtime.InvalidEvent", &what);
            assert!(
                String::from_utf8_lossy(&body).contains("Content-Length"),
                "{what}: the message says why: {}",
                String::from_utf8_lossy(&body)
            );
            assert_responded(&server, &next, b"next", &what);
            assert_eq!(
                server.connections(),
                2,
                "{what}: the connection is replaced"
            );
        }
    }
}

#[test]
fn an_event_without_a_request_id_is_skipped_and_the_next_is_answered() {
    for pipelining in [true, false] {
        let what = format!("MissingRequestId, pipelining {pipelining}");
        let server = MockRuntimeApi::start().expect("start the mock");
        let skipped = server.push(Invocation::new("no id").fault(Fault::MissingRequestId));
        let next = server.push(Invocation::new("next"));
        // A skipped event does not count: one answered invocation is the next one.
        serve(&server, 1, pipelining).ok(&what);
        assert_never_answered(&server, &skipped, &what);
        assert_responded(&server, &next, b"next", &what);
        let posts = server
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(posts, 1, "{what}: only the next event is posted");
        assert_eq!(
            server.connections(),
            1,
            "{what}: the connection stays usable"
        );
    }
}

#[test]
fn a_garbage_request_id_is_percent_encoded_in_the_path_and_answered_once() {
    for event in ["echo me", FAIL] {
        let what = format!("GarbageRequestId, event {event:?}");
        let server = MockRuntimeApi::start().expect("start the mock");
        server.push(Invocation::new(event).fault(Fault::GarbageRequestId));
        let next = server.push(Invocation::new("next"));
        serve(&server, 2, true).ok(&what);
        // The mock percent-decodes the path segment: equality proves a lossless encoding.
        if event == FAIL {
            assert_failed(&server, GARBAGE_REQUEST_ID, "Function.Failed", &what);
        } else {
            assert_responded(&server, GARBAGE_REQUEST_ID, event.as_bytes(), &what);
        }
        let requests = server.requests();
        let post = requests
            .iter()
            .find(|r| r.method == "POST")
            .expect("a post was received");
        assert!(
            post.path.is_ascii() && !post.path.contains([' ', '?', '#', '"', '\\']),
            "{what}: every unsafe byte is escaped: {}",
            post.path
        );
        assert!(
            post.path.contains("%2F") && post.path.contains("%25"),
            "{}",
            post.path
        );
        assert_responded(&server, &next, b"next", &what);
        assert_eq!(server.connections(), 1, "{what}: no reconnect needed");
    }
}

#[test]
fn a_garbage_deadline_reads_as_no_deadline_and_the_event_is_answered() {
    let server = MockRuntimeApi::start().expect("start the mock");
    let bad = server.push(Invocation::new("soon").fault(Fault::GarbageDeadline));
    let good = server.push(Invocation::new("later").deadline_ms(4_102_444_800_000));
    let (tx, rx) = mpsc::channel();
    let handler = handler_fn(move |event, ctx| {
        let _ = tx.send((ctx.request_id.to_string(), ctx.deadline_ms, ctx.remaining()));
        Ok(event)
    });
    serve_handler(&server, 2, true, handler).ok("GarbageDeadline");
    let seen: Vec<_> = rx.try_iter().collect();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[0],
        (bad.clone(), None, None),
        "garbage deadline reads as absent"
    );
    assert_eq!(seen[1].1, Some(4_102_444_800_000));
    assert_responded(&server, &bad, b"soon", "GarbageDeadline");
    assert_responded(&server, &good, b"later", "after GarbageDeadline");
}

// ---------------------------------------------------------------------------------------------
// Status codes

#[test]
fn next_answered_408_503_or_4xx_is_polled_again_with_growing_pauses_then_recovers() {
    const FAILURES: usize = 10;
    let server = MockRuntimeApi::start().expect("start the mock");
    server.script_many(
        Route::Next,
        [408u16, 503, 410, 413, 429]
            .into_iter()
            .cycle()
            .take(FAILURES),
    );
    let id = server.push(Invocation::new("finally"));
    let took = serve(&server, 1, true).ok("408/503 then recover");
    assert_responded(&server, &id, b"finally", "408/503 then recover");
    assert_eq!(
        polls(&server),
        FAILURES + 1,
        "exactly one poll per failure, plus the one that got the event"
    );
    // Pauses after failures 2..=10: 1, 2, 4, ... 256 ms. A runtime that spins would be done in
    // a few milliseconds.
    let paused: u64 = (0..FAILURES as u32 - 1).map(|k| 1u64 << k).sum();
    assert!(
        took >= Duration::from_millis(paused),
        "{FAILURES} failed polls took {took:?}, less than the {paused} ms of backoff"
    );
}

#[test]
fn next_failing_for_two_seconds_is_polled_at_a_bounded_rate() {
    // An emulator with nothing to serve answers every poll at once (here: 408 after no wait).
    // Over 2 s the backoff (0, 1, 2, ... 256, then 500 ms) allows about 14 polls; a runtime
    // without backoff would poll thousands of times, one without a cap on the pause 12 or less.
    let server = MockRuntimeApi::builder()
        .idle_timeout(Duration::ZERO)
        .start()
        .expect("start the mock");
    let run = serve(&server, 1, true);
    thread::sleep(Duration::from_secs(2));
    let during = polls(&server);
    let id = server.push(Invocation::new("at last"));
    run.ok("2 s of 408");
    assert!(
        (11..=25).contains(&during),
        "{during} polls in 2 s: the rate must be bounded and the pause capped at 500 ms"
    );
    assert_responded(&server, &id, b"at last", "after 2 s of 408");
}

#[test]
fn status_410_and_413_on_response_and_error_are_logged_and_the_loop_goes_on() {
    for status in [410u16, 413] {
        for (route, event) in [(Route::Response, "ok"), (Route::Error, FAIL)] {
            let what = format!("{status} on {route:?}");
            let server = MockRuntimeApi::start().expect("start the mock");
            let a = server.push(Invocation::new(event));
            let b = server.push(Invocation::new("b"));
            server.script(route, status);
            serve(&server, 2, true).ok(&what);
            assert_eq!(
                (server.post_count(&a), server.outcome_count(&a)),
                (1, 0),
                "{what}: posted once, rejected, not posted again"
            );
            assert_responded(&server, &b, b"b", &what);
            assert_eq!(server.connections(), 1, "{what}: the connection is kept");
        }
    }
}

/// Statuses that say a post was not processed, so it may be sent again.
const NOT_PROCESSED: [u16; 5] = [408, 429, 502, 503, 504];

#[test]
fn a_post_refused_as_not_processed_is_posted_again_and_counts_once() {
    // 408 (the server timed out reading the request), 429, 502, 503 and 504 mean the post was
    // not processed, so posting it again is safe, and the only way the invocation is answered.
    // Without pipelining nothing else waits on the connection, so the runtime does.
    for status in NOT_PROCESSED {
        for (route, event) in [(Route::Response, "ok"), (Route::Error, FAIL)] {
            let what = format!("{status} on {route:?}");
            let server = MockRuntimeApi::start().expect("start the mock");
            let a = server.push(Invocation::new(event));
            let b = server.push(Invocation::new("b"));
            server.script(route, status);
            serve(&server, 2, false).ok(&what);
            assert_eq!(server.post_count(&a), 2, "{what}: posted again once");
            assert_eq!(server.outcome_count(&a), 1, "{what}: and accepted once");
            assert_responded(&server, &b, b"b", &what);
            assert_eq!(server.connections(), 1, "{what}: on the same connection");
        }
    }
}

#[test]
fn a_post_refused_again_and_again_is_sent_at_most_five_times_and_the_loop_goes_on() {
    let server = MockRuntimeApi::start().expect("start the mock");
    let a = server.push(Invocation::new("a"));
    let b = server.push(Invocation::new("b"));
    server.script_many(Route::Response, [503u16; 10]);
    let took = serve(&server, 2, false).ok("503 forever");
    assert_eq!(
        server.post_count(&a),
        5,
        "five attempts in all, then given up"
    );
    assert_eq!(server.outcome_count(&a), 0);
    // The other five scripted 503s refuse b's posts the same way.
    assert_eq!(server.post_count(&b), 5);
    assert_eq!(server.outcome_count(&b), 0);
    // Re-posts are paced: 2, 4, 8, 16 ms before the 2nd..5th attempt, for each invocation.
    assert!(
        took >= Duration::from_millis(2 * (2 + 4 + 8 + 16)),
        "ten refused posts took only {took:?}"
    );
    assert!(took < PROMPT, "gave up after {took:?}");
}

#[test]
fn a_pipelined_post_refused_as_not_processed_is_not_sent_again_and_the_loop_goes_on() {
    // With a GET pipelined behind the refused POST, a re-post on that connection would wait
    // behind the long poll, and a new connection could lose the event the server hands to the
    // abandoned GET. The runtime logs it (suggesting pipelining(false)) and goes on: the next
    // event is answered, nothing is lost or answered twice.
    for status in NOT_PROCESSED {
        for (route, event) in [(Route::Response, "ok"), (Route::Error, FAIL)] {
            let what = format!("{status} on a pipelined {route:?}");
            let server = MockRuntimeApi::start().expect("start the mock");
            let a = server.push(Invocation::new(event));
            let b = server.push(Invocation::new("b"));
            server.script(route, status);
            serve(&server, 2, true).ok(&what);
            assert_eq!(
                (server.post_count(&a), server.outcome_count(&a)),
                (1, 0),
                "{what}: posted once, refused, not sent again"
            );
            assert_responded(&server, &b, b"b", &what);
            assert_eq!(server.connections(), 1, "{what}: the connection is kept");
        }
    }
}

#[test]
fn status_500_on_next_stops_the_runtime_promptly() {
    let server = MockRuntimeApi::start().expect("start the mock");
    server.script(Route::Next, 500);
    let never = server.push(Invocation::new("never"));
    let (result, took) = serve(&server, 5, true).join("500 on /next");
    assert!(
        matches!(
            result,
            Err(RuntimeError::Fatal {
                request: "GET /next",
                status: 500
            })
        ),
        "{result:?}"
    );
    assert!(took < PROMPT, "stopped after {took:?}");
    assert_eq!(polls(&server), 1, "no poll after the 500");
    assert_eq!(server.pending(), 1, "the queued event was never taken");
    assert_never_answered(&server, &never, "500 on /next");
}

#[test]
fn status_500_on_response_or_error_stops_the_runtime_promptly() {
    for (route, event, request) in [
        (Route::Response, "ok", "POST /response"),
        (Route::Error, FAIL, "POST /error"),
    ] {
        for pipelining in [true, false] {
            let what = format!("500 on {route:?}, pipelining {pipelining}");
            let server = MockRuntimeApi::start().expect("start the mock");
            let a = server.push(Invocation::new(event));
            let b = server.push(Invocation::new("b"));
            server.script(route, 500);
            let (result, took) = serve(&server, 5, pipelining).join(&what);
            assert!(
                matches!(result, Err(RuntimeError::Fatal { request: r, status: 500 }) if r == request),
                "{what}: {result:?}"
            );
            assert!(took < PROMPT, "{what}: stopped after {took:?}");
            assert_eq!(server.post_count(&a), 1, "{what}: no retry after the 500");
            assert_eq!(server.outcome_count(&a), 0);
            // With pipelining the GET went out with the POST and the mock may have served b;
            // either way b is never answered.
            assert_never_answered(&server, &b, &what);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Initialisation errors

/// The handler type of `run_with_init` closures that never build one.
struct Never;

impl Handler for Never {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], _: &Context<'_>) -> Result<&'a [u8], Error> {
        Ok(event)
    }
}

fn failing_init(server: &MockRuntimeApi) -> Running {
    let rt = runtime(server, 1, true);
    Running::spawn(move || {
        rt.run_with_init(|_config| -> Result<Never, Error> {
            Err(Error::function(
                "ConfigMissing",
                "TABLE_NAME is not set in the function configuration",
            ))
        })
    })
}

fn assert_init_failed(result: &Result<(), RuntimeError>, what: &str) {
    assert!(
        matches!(result, Err(RuntimeError::InitFailed(e)) if e.error_type() == "Function.ConfigMissing"),
        "{what}: {result:?}"
    );
}

#[test]
fn a_failed_init_posts_one_init_error_and_takes_no_event() {
    let server = MockRuntimeApi::start().expect("start the mock");
    server.push(Invocation::new("never handled"));
    let (result, took) = failing_init(&server).join("init error");
    assert_init_failed(&result, "init error");
    assert!(took < PROMPT, "returned after {took:?}");
    let outcomes = server.outcomes();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    let Outcome::InitError { error_type, body } = &outcomes[0] else {
        panic!("expected an init error: {outcomes:?}");
    };
    assert_eq!(error_type, "Function.ConfigMissing");
    let doc: serde_json::Value = serde_json::from_slice(body).expect("JSON error document");
    assert_eq!(doc["errorType"], "Function.ConfigMissing");
    assert_eq!(
        doc["errorMessage"],
        "TABLE_NAME is not set in the function configuration"
    );
    assert_eq!(polls(&server), 0, "no event is asked for");
    assert_eq!(server.pending(), 1);
}

#[test]
fn status_500_on_init_error_still_ends_with_init_failed_promptly() {
    let server = MockRuntimeApi::start().expect("start the mock");
    server.script(Route::InitError, 500);
    let (result, took) = failing_init(&server).join("500 on init error");
    assert_init_failed(&result, "500 on init error");
    assert!(took < PROMPT, "returned after {took:?}");
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/runtime/init/error"))
        .count();
    assert_eq!(posts, 1, "no retry after the 500");
    assert!(
        server.outcomes().is_empty(),
        "a rejected post is no outcome"
    );
    assert_eq!(polls(&server), 0);
}

#[test]
fn a_lost_init_error_acknowledgement_is_posted_again_and_counts_once() {
    let server = MockRuntimeApi::start().expect("start the mock");
    server.script(Route::InitError, Fault::CloseBeforeHeaders);
    let (result, _) = failing_init(&server).join("lost init error ack");
    assert_init_failed(&result, "lost init error ack");
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/runtime/init/error"))
        .count();
    assert_eq!(posts, 2, "posted again on a new connection");
    let outcomes = server.outcomes();
    assert!(
        matches!(outcomes.as_slice(), [Outcome::InitError { error_type, .. }] if error_type == "Function.ConfigMissing"),
        "{outcomes:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Acknowledgement styles

#[test]
fn acknowledgements_200_or_202_with_empty_json_or_chunked_bodies_all_work() {
    for pipelining in [true, false] {
        for base in [Ack::ok(), Ack::accepted()] {
            for ack in [base, base.json(), base.chunked()] {
                let what = format!("{ack:?}, pipelining {pipelining}");
                let server = MockRuntimeApi::builder()
                    .ack(Route::Response, ack)
                    .ack(Route::Error, ack)
                    .start()
                    .expect("start the mock");
                let a = server.push(Invocation::new("a"));
                let f = server.push(Invocation::new(FAIL));
                let c = server.push(Invocation::new("c").chunked(1));
                serve(&server, 3, pipelining).ok(&what);
                assert_responded(&server, &a, b"a", &what);
                assert_failed(&server, &f, "Function.Failed", &what);
                assert_responded(&server, &c, b"c", &what);
                for id in [&a, &f, &c] {
                    assert_eq!(server.post_count(id), 1, "{what}: posted once");
                }
                assert_eq!(server.connections(), 1, "{what}: one keep-alive connection");
            }
        }
    }
}

#[test]
fn a_scripted_answer_with_a_body_on_next_is_read_and_polled_past() {
    // A 503 with a JSON body (as Lambda's own errors come): the body is consumed so the
    // connection stays in step.
    let server = MockRuntimeApi::start().expect("start the mock");
    server.script(
        Route::Next,
        Answer::status(503).body(r#"{"errorMessage":"busy","errorType":"ServiceException"}"#),
    );
    let id = server.push(Invocation::new("after 503"));
    serve(&server, 1, true).ok("503 with a body");
    assert_responded(&server, &id, b"after 503", "503 with a body");
    assert_eq!(server.connections(), 1, "the connection is kept");
}
