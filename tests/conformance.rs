//! What local emulators do differently from Lambda, through real loopback sockets against the
//! mock Runtime API (feature `testing`):
//!
//! - `cargo lambda watch` (1.9.2, checked against the real thing) hands out
//!   `AWS_LAMBDA_RUNTIME_API=http://127.0.0.1:9000/.rt` (a URL with a path prefix), sends
//!   lower-case header names (hyper), a deadline of `600000` (ten minutes as a duration, not an
//!   epoch timestamp), the ARN `function-arn`, CORS headers, and acknowledges posts with `200`
//!   and an empty body. Its `/next` handler answers `204 No Content`, with a request id of its
//!   own, when its queue yields no invocation.
//! - The AWS Runtime Interface Emulator (SAM, container images) uses `host:port` like Lambda
//!   and does not support X-Ray, so there is no trace id.
//! - Emulators and proxies answer an idle poll with 408 or 204 instead of waiting.
//!
//! `scripts/emulators.sh` runs the examples under the real `cargo lambda watch`.

// `lambda_zero::Error` is inline by design (no allocation on the error path).
#![allow(clippy::result_large_err)]

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use lambda_zero::testing::{Ack, Answer, Invocation, MockRuntimeApi, Outcome, Route};
use lambda_zero::{handler_fn, Context, Error, Handler, Runtime, RuntimeError};

/// How long one run of the runtime may take before it counts as a hang (generous: the machine
/// is shared and slow; healthy runs take milliseconds).
const HANG: Duration = Duration::from_secs(30);

/// The Runtime API path prefix `cargo lambda watch` serves under.
const CARGO_LAMBDA_PREFIX: &str = "/.rt";

/// Runs `run` on its own thread and waits for it; a run longer than [`HANG`] fails the test.
fn within(
    what: &str,
    run: impl FnOnce() -> Result<(), RuntimeError> + Send + 'static,
) -> (Result<(), RuntimeError>, Duration) {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    thread::spawn(move || {
        let _ = tx.send(run());
    });
    match rx.recv_timeout(HANG) {
        Ok(result) => (result, started.elapsed()),
        Err(_) => panic!("{what}: the runtime did not return within {HANG:?}: it hangs"),
    }
}

/// Runs `handler` against `endpoint` for `invocations` answered invocations; must end `Ok`.
fn run_ok<H: Handler + Send + 'static>(
    what: &str,
    endpoint: &str,
    invocations: u64,
    handler: H,
) -> Duration {
    let rt = Runtime::new(endpoint)
        .unwrap_or_else(|e| panic!("{what}: {endpoint:?} must be accepted: {e}"))
        .max_invocations(invocations);
    let (result, took) = within(what, move || rt.run(handler));
    if let Err(e) = result {
        panic!("{what}: the runtime stopped with an error: {e}");
    }
    took
}

/// Echoes the event; fails with `Function.InvalidInput` on an event that is not an object.
fn echo_objects<'a>(event: &'a mut [u8], _: &Context<'_>) -> Result<&'a [u8], Error> {
    if event.first() == Some(&b'{') {
        Ok(event)
    } else {
        Err(Error::function(
            "InvalidInput",
            "the event must be a JSON object",
        ))
    }
}

/// The context of one invocation, owned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Seen {
    request_id: String,
    deadline_ms: Option<u64>,
    remaining: Option<Duration>,
    function_arn: String,
    trace_id: Option<String>,
    client_context: Option<String>,
    identity: Option<String>,
    tenant_id: Option<String>,
    invocation_id: Option<String>,
}

/// A handler that echoes and sends each invocation's context to the returned receiver.
fn recording() -> (impl Handler + Send + 'static, mpsc::Receiver<Seen>) {
    let (tx, rx) = mpsc::channel();
    let handler = handler_fn(move |event, ctx| {
        let own = |s: Option<&str>| s.map(str::to_string);
        let _ = tx.send(Seen {
            request_id: ctx.request_id.to_string(),
            deadline_ms: ctx.deadline_ms,
            remaining: ctx.remaining(),
            function_arn: ctx.invoked_function_arn.to_string(),
            trace_id: own(ctx.trace_id),
            client_context: own(ctx.client_context),
            identity: own(ctx.identity),
            tenant_id: own(ctx.tenant_id),
            invocation_id: own(ctx.invocation_id),
        });
        Ok(event)
    });
    (handler, rx)
}

/// The handler type of `run_with_init` closures that never build one.
struct Never;

impl Handler for Never {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], _: &Context<'_>) -> Result<&'a [u8], Error> {
        Ok(event)
    }
}

fn outcome_for(server: &MockRuntimeApi, id: &str) -> Outcome {
    assert_eq!(
        server.outcome_count(id),
        1,
        "{id:?} must be answered exactly once"
    );
    server
        .outcomes()
        .into_iter()
        .find(|o| o.request_id() == Some(id))
        .unwrap_or_else(|| panic!("no outcome for {id:?}"))
}

#[test]
fn a_url_endpoint_with_a_path_prefix_is_used_for_every_request() {
    let server = MockRuntimeApi::builder()
        .path_prefix(CARGO_LAMBDA_PREFIX)
        .start()
        .expect("start the mock");
    let url = server.endpoint_url();
    assert_eq!(url, format!("http://{}/.rt", server.addr()));
    // As printed by cargo lambda, with a trailing slash, and with an upper-case scheme.
    let forms = [
        url.clone(),
        format!("{url}/"),
        url.replacen("http://", "HTTP://", 1),
    ];
    for (i, endpoint) in forms.iter().enumerate() {
        let ok = server.push(Invocation::new(format!(r#"{{"form":{i}}}"#)));
        let bad = server.push(Invocation::new("not an object"));
        run_ok(endpoint, endpoint, 2, handler_fn(echo_objects));
        assert_eq!(
            outcome_for(&server, &ok).body(),
            format!(r#"{{"form":{i}}}"#).as_bytes()
        );
        assert_eq!(
            outcome_for(&server, &bad).error_type(),
            Some("Function.InvalidInput")
        );
    }
    // The init error goes under the prefix too.
    let rt = Runtime::new(&url).expect("the prefixed URL is accepted");
    let (result, _) = within("init error under a prefix", move || {
        rt.run_with_init(|_| -> Result<Never, Error> {
            Err(Error::function("NoConfig", "missing configuration"))
        })
    });
    assert!(
        matches!(result, Err(RuntimeError::InitFailed(_))),
        "{result:?}"
    );
    let requests = server.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert!(
            r.path.starts_with("/.rt/2018-06-01/runtime/"),
            "{} {} is outside the prefix",
            r.method,
            r.path
        );
    }
    assert!(requests
        .iter()
        .any(|r| r.path == "/.rt/2018-06-01/runtime/init/error"));
}

#[test]
fn lowercase_header_names_are_understood() {
    let server = MockRuntimeApi::start().expect("start the mock");
    let full = |body: &str| {
        Invocation::new(body)
            .lowercase_headers(true)
            .deadline_ms(4_102_444_800_000)
            .function_arn("arn:aws:lambda:eu-west-1:123456789012:function:lower")
            .trace_id("Root=1-65f0a1b2-0123456789abcdef01234567;Sampled=1")
            .client_context(r#"{"client":{"app_title":"lower"}}"#)
            .identity(r#"{"cognitoIdentityId":"us-east-1:abc"}"#)
            .tenant_id("tenant-lower")
            .invocation_id("inv-lower")
    };
    let plain = server.push(full(r#"{"framing":"content-length"}"#));
    let chunked = server.push(full(r#"{"framing":"chunked"}"#).chunked(4));
    let (handler, seen) = recording();
    run_ok("lowercase headers", &server.endpoint(), 2, handler);
    let seen: Vec<Seen> = seen.try_iter().collect();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for (s, id) in seen.iter().zip([&plain, &chunked]) {
        let want = Seen {
            request_id: id.clone(),
            deadline_ms: Some(4_102_444_800_000),
            remaining: s.remaining,
            function_arn: "arn:aws:lambda:eu-west-1:123456789012:function:lower".into(),
            trace_id: Some("Root=1-65f0a1b2-0123456789abcdef01234567;Sampled=1".into()),
            client_context: Some(r#"{"client":{"app_title":"lower"}}"#.into()),
            identity: Some(r#"{"cognitoIdentityId":"us-east-1:abc"}"#.into()),
            tenant_id: Some("tenant-lower".into()),
            invocation_id: Some("inv-lower".into()),
        };
        assert_eq!(s, &want);
    }
    assert_eq!(
        outcome_for(&server, &plain).body(),
        br#"{"framing":"content-length"}"#
    );
    assert_eq!(
        outcome_for(&server, &chunked).body(),
        br#"{"framing":"chunked"}"#
    );
    assert_eq!(
        outcome_for(&server, &plain).header("Lambda-Runtime-Invocation-Id"),
        Some("inv-lower"),
        "the invocation id is echoed"
    );
}

#[test]
fn a_deadline_that_is_not_an_epoch_timestamp_does_not_break_the_invocation() {
    // cargo lambda sends 600000: ten minutes as a duration, i.e. 1970 as a timestamp. The
    // context reports the number as sent, but no deadline and no remaining time (rather than
    // "already out of time"); the invocation runs.
    let server = MockRuntimeApi::start().expect("start the mock");
    let id = server.push(Invocation::new("{}").deadline_ms(600_000));
    let (handler, seen) = recording();
    run_ok("deadline 600000", &server.endpoint(), 1, handler);
    let seen: Vec<Seen> = seen.try_iter().collect();
    assert_eq!(seen[0].deadline_ms, Some(600_000));
    assert_eq!(seen[0].remaining, None);
    assert_eq!(outcome_for(&server, &id).body(), b"{}");
}

/// A `/next` answer written by hand: status 200, these extra header lines, the body.
fn raw_event(id: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: {id}\r\n{headers}content-length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn deadlines_that_are_absent_or_not_numbers_read_as_none() {
    let server = MockRuntimeApi::start().expect("start the mock");
    let cases = [
        ("no-deadline", ""),
        ("empty-deadline", "lambda-runtime-deadline-ms: \r\n"),
        ("word-deadline", "lambda-runtime-deadline-ms: soon\r\n"),
        ("float-deadline", "lambda-runtime-deadline-ms: 1.7e12\r\n"),
        ("negative-deadline", "lambda-runtime-deadline-ms: -1\r\n"),
        (
            "overflow-deadline",
            "lambda-runtime-deadline-ms: 99999999999999999999999\r\n",
        ),
    ];
    for (id, header) in cases {
        server.push_raw(raw_event(id, header, "{}"));
    }
    let (handler, seen) = recording();
    run_ok(
        "odd deadlines",
        &server.endpoint(),
        cases.len() as u64,
        handler,
    );
    let seen: Vec<Seen> = seen.try_iter().collect();
    assert_eq!(seen.len(), cases.len());
    for ((id, _), s) in cases.iter().zip(&seen) {
        assert_eq!(
            (s.request_id.as_str(), s.deadline_ms, s.remaining),
            (*id, None, None)
        );
        assert_eq!(outcome_for(&server, id).body(), b"{}");
    }
}

#[test]
fn an_absent_trace_id_and_arn_read_as_none_and_empty() {
    let server = MockRuntimeApi::start().expect("start the mock");
    let id = server.push(Invocation::new("{}").trace_id("").function_arn(""));
    let (handler, seen) = recording();
    run_ok("no trace id", &server.endpoint(), 1, handler);
    let seen: Vec<Seen> = seen.try_iter().collect();
    assert_eq!(seen[0].trace_id, None);
    assert_eq!(seen[0].function_arn, "");
    assert_eq!(outcome_for(&server, &id).body(), b"{}");
}

#[test]
fn a_cargo_lambda_style_conversation_is_answered() {
    // Byte for byte what cargo lambda 1.9.2 (axum/hyper) sends on `/next` (captured from the
    // real emulator), posts acknowledged with 200 and an empty body. Two `204 No Content`
    // answers first, each with a request id of its own: they are not events and must not be
    // answered.
    let server = MockRuntimeApi::builder()
        .path_prefix(CARGO_LAMBDA_PREFIX)
        .ack(Route::Response, Ack::ok())
        .ack(Route::Error, Ack::ok())
        .start()
        .expect("start the mock");
    let common = "lambda-runtime-deadline-ms: 600000\r\n\
                  lambda-runtime-invoked-function-arn: function-arn\r\n";
    let trace = "lambda-runtime-trace-id: \
                 Root=1-6b024dcd-5f86d608caf02482598b5f64;Parent=22601b3e16305a51;Sampled=1\r\n";
    let cors = "vary: origin, access-control-request-method, access-control-request-headers\r\n\
                access-control-allow-credentials: true\r\n";
    let date = "date: Sun, 22 Nov 2026 02:05:01 GMT\r\n";
    for idle in ["idle-1", "idle-2"] {
        server.push_raw(format!(
            "HTTP/1.1 204 No Content\r\nlambda-runtime-aws-request-id: {idle}\r\n\
             {common}{cors}{date}\r\n"
        ));
    }
    let echo_id = "e051d385-6259-4b9f-8e74-490eb4b2569a";
    let fail_id = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
    let headers = format!("{common}{trace}{cors}");
    // `content-length` comes after the CORS headers and before `date` in hyper's output.
    let event = |id: &str, body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: {id}\r\n{headers}\
             content-length: {}\r\n{date}\r\n{body}",
            body.len()
        )
    };
    server.push_raw(event(echo_id, r#"{"a":1}"#));
    server.push_raw(event(fail_id, "[1,2,3]"));
    let (handler, seen) = recording();
    let handler = FailNonObjects(handler);
    run_ok(
        "cargo lambda conversation",
        &server.endpoint_url(),
        2,
        handler,
    );
    assert_eq!(outcome_for(&server, echo_id).body(), br#"{"a":1}"#);
    let failed = outcome_for(&server, fail_id);
    assert_eq!(failed.error_type(), Some("Function.InvalidInput"));
    let doc: serde_json::Value = serde_json::from_slice(failed.body()).expect("JSON error");
    assert_eq!(doc["errorType"], "Function.InvalidInput");
    for idle in ["idle-1", "idle-2"] {
        assert_eq!(server.post_count(idle), 0, "{idle} is not an event");
    }
    assert_eq!(server.connections(), 1, "204s keep the connection");
    // Only the object reached the recording handler.
    let seen: Vec<Seen> = seen.try_iter().collect();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].request_id, echo_id);
    assert_eq!(seen[0].deadline_ms, Some(600_000));
    assert_eq!(seen[0].function_arn, "function-arn");
    assert_eq!(
        seen[0].trace_id.as_deref(),
        Some("Root=1-6b024dcd-5f86d608caf02482598b5f64;Parent=22601b3e16305a51;Sampled=1")
    );
}

/// Wraps a handler: events that are not JSON objects fail with `Function.InvalidInput` before
/// reaching it (what `examples/failing.rs` does).
struct FailNonObjects<H>(H);

impl<H: Handler> Handler for FailNonObjects<H> {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        if event.first() == Some(&b'{') {
            self.0.handle(event, ctx)
        } else {
            echo_objects(event, ctx)
        }
    }
}

#[test]
fn idle_204_answers_are_polled_again_at_a_bounded_rate() {
    // An emulator whose /next answers 204 at once when it has nothing (cargo lambda's handler
    // does when its queue yields nothing) is polled again with the same backoff as for errors
    // (0, 1, 2, 4 ... 500 ms), never in a tight loop.
    const IDLE: usize = 10;
    let server = MockRuntimeApi::start().expect("start the mock");
    server.script_many(
        Route::Next,
        std::iter::repeat_n(Answer::status(204).body(""), IDLE),
    );
    let id = server.push(Invocation::new("{}"));
    let took = run_ok("idle 204", &server.endpoint(), 1, handler_fn(echo_objects));
    let polls = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(polls, IDLE + 1, "one poll per 204, then the event");
    let paused: u64 = (0..IDLE as u32 - 1).map(|k| 1u64 << k).sum();
    assert!(
        took >= Duration::from_millis(paused),
        "{IDLE} idle polls took {took:?}, less than {paused} ms of backoff"
    );
    assert_eq!(outcome_for(&server, &id).body(), b"{}");
}

#[test]
fn a_host_port_endpoint_as_the_runtime_interface_emulator_sets_works() {
    // The RIE (and Lambda) set `127.0.0.1:9001`: no scheme, no prefix.
    let server = MockRuntimeApi::start().expect("start the mock");
    let id = server.push(Invocation::new(r#"{"rie":true}"#));
    let endpoint = server.endpoint();
    assert!(!endpoint.contains("://"));
    run_ok("host:port", &endpoint, 1, handler_fn(echo_objects));
    assert_eq!(outcome_for(&server, &id).body(), br#"{"rie":true}"#);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.path.starts_with("/2018-06-01/runtime/")));
}
