//! The runtime end to end through real loopback sockets, against the mock Runtime API.
// `lambda_zero::Error` is inline by design (no allocation on the error path).
#![allow(clippy::result_large_err)]

use std::sync::mpsc;
use std::time::Duration;

use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome, Route};
use lambda_zero::{
    handler_fn, Config, Context, Error, Handler, ResponseStream, Runtime, RuntimeError,
    StreamingHandler,
};

const WAIT: Duration = Duration::from_secs(20);

type Echo = lambda_zero::EventFnHandler<fn(&[u8]) -> &[u8]>;

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

#[test]
fn a_closure_echoes_events() {
    let server = MockRuntimeApi::start().unwrap();
    let a = server.push_event("first");
    let b = server.push_event("");
    let rt = runtime(&server, 2);
    within(move || {
        fn echo(e: &[u8]) -> &[u8] {
            e
        }
        rt.run(lambda_zero::EventFnHandler(echo))
    })
    .unwrap();
    let outcomes = server.wait_outcomes(2, WAIT);
    assert_eq!(outcomes[0].request_id(), Some(a.as_str()));
    assert_eq!(outcomes[0].body(), b"first");
    assert_eq!(outcomes[1].request_id(), Some(b.as_str()));
    assert_eq!(outcomes[1].body(), b"");
    assert_eq!(server.connections(), 1, "one keep-alive connection");
}

#[test]
fn the_context_carries_every_lambda_header() {
    let server = MockRuntimeApi::start().unwrap();
    server.push(
        Invocation::new("{}")
            .request_id("req-42")
            .deadline_ms(4_102_444_800_000)
            .function_arn("arn:aws:lambda:eu-west-1:1:function:f")
            .trace_id("Root=1-abc;Sampled=1")
            .client_context(r#"{"client":{"app_title":"t"}}"#)
            .identity(r#"{"cognitoIdentityId":"id"}"#)
            .tenant_id("tenant-7")
            .invocation_id("inv-9"),
    );
    let config = Config {
        function_name: "f".into(),
        memory_size_mb: 128,
        ..Config::default()
    };
    let rt = runtime(&server, 1).config(config);
    within(move || {
        rt.run(handler_fn(|event, ctx: &Context<'_>| {
            let ok = ctx.request_id == "req-42"
                && ctx.deadline_ms == Some(4_102_444_800_000)
                && ctx
                    .remaining()
                    .is_some_and(|d| d > Duration::from_secs(3600))
                && ctx.invoked_function_arn == "arn:aws:lambda:eu-west-1:1:function:f"
                && ctx.trace_id == Some("Root=1-abc;Sampled=1")
                && ctx.client_context == Some(r#"{"client":{"app_title":"t"}}"#)
                && ctx.identity == Some(r#"{"cognitoIdentityId":"id"}"#)
                && ctx.tenant_id == Some("tenant-7")
                && ctx.invocation_id == Some("inv-9")
                && ctx.config.function_name == "f"
                && ctx.config.memory_size_mb == 128;
            if ok {
                Ok(event)
            } else {
                Err(Error::function("WrongContext", format_args!("{ctx:?}")))
            }
        }))
    })
    .unwrap();
    let outcomes = server.wait_outcomes(1, WAIT);
    assert!(
        matches!(&outcomes[0], Outcome::Response { .. }),
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes[0].header("Lambda-Runtime-Invocation-Id"),
        Some("inv-9"),
        "the invocation id is echoed"
    );
}

/// Answers with the value of `_X_AMZN_TRACE_ID` as the handler sees it.
struct TraceEnv(String);

impl lambda_zero::Handler for TraceEnv {
    fn handle<'a>(&'a mut self, _: &'a mut [u8], _: &Context<'_>) -> Result<&'a [u8], Error> {
        self.0 = std::env::var("_X_AMZN_TRACE_ID").unwrap_or_else(|_| "(unset)".into());
        Ok(self.0.as_bytes())
    }
}

#[test]
fn trace_id_env_sets_x_amzn_trace_id_per_invocation_only_when_asked() {
    // The only test that touches this variable (the environment is the process's).
    std::env::remove_var("_X_AMZN_TRACE_ID");
    let server = MockRuntimeApi::start().unwrap();
    let traced = |id: &str| Invocation::new("{}").trace_id(id);
    server.push(traced("Root=1-off;Sampled=1"));
    let rt = runtime(&server, 1);
    within(move || rt.run(TraceEnv(String::new()))).unwrap();
    assert_eq!(
        server.wait_outcomes(1, WAIT)[0].body(),
        b"(unset)",
        "off by default"
    );

    server.push(traced(
        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a91;Sampled=1",
    ));
    server.push(traced(""));
    server.push(traced("Root=1-third;Sampled=0"));
    let rt = runtime(&server, 3).trace_id_env(true);
    within(move || rt.run(TraceEnv(String::new()))).unwrap();
    let outcomes = server.wait_outcomes(4, WAIT);
    let bodies: Vec<&[u8]> = outcomes[1..].iter().map(|o| o.body()).collect();
    assert_eq!(
        bodies,
        [
            &b"Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a91;Sampled=1"[..],
            b"(unset)",
            b"Root=1-third;Sampled=0",
        ],
        "set for each invocation, removed for one without a trace id"
    );
    std::env::remove_var("_X_AMZN_TRACE_ID");
}

#[test]
fn errors_are_posted_with_a_valid_type_and_json_body() {
    let server = MockRuntimeApi::start().unwrap();
    let id = server.push_event("not a number");
    let rt = runtime(&server, 1);
    within(move || {
        rt.run(handler_fn(|event, _| {
            let text = std::str::from_utf8(event).map_err(Error::from)?;
            let _n: u32 = text.parse()?;
            Ok(event)
        }))
    })
    .unwrap();
    let outcomes = server.wait_outcomes(1, WAIT);
    let Outcome::Error {
        request_id,
        error_type,
        body,
    } = &outcomes[0]
    else {
        panic!("{outcomes:?}")
    };
    assert_eq!(request_id, &id);
    assert_eq!(error_type, "Function.ParseIntError");
    let doc: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(doc["errorType"], "Function.ParseIntError");
    assert_eq!(doc["errorMessage"], "invalid digit found in string");
    assert_eq!(doc["stackTrace"], serde_json::json!([]));
}

#[test]
fn a_panicking_handler_fails_only_its_invocation() {
    let server = MockRuntimeApi::start().unwrap();
    let boom = server.push_event("panic");
    let fine = server.push_event("fine");
    let rt = runtime(&server, 2);
    within(move || {
        rt.run(handler_fn(|event, _| {
            if event == b"panic" {
                panic!("asked to panic");
            }
            Ok(event)
        }))
    })
    .unwrap();
    let outcomes = server.wait_outcomes(2, WAIT);
    let Outcome::Error {
        request_id,
        error_type,
        body,
    } = &outcomes[0]
    else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        (request_id.as_str(), error_type.as_str()),
        (boom.as_str(), "Function.Panic")
    );
    assert!(String::from_utf8_lossy(body).contains("asked to panic"));
    assert_eq!(outcomes[1].request_id(), Some(fine.as_str()));
    assert_eq!(outcomes[1].body(), b"fine");
}

#[test]
fn with_two_workers_a_panic_fails_only_its_invocation_and_both_workers_go_on() {
    // With unwinding (this test's profile) a panic is caught where it happens: the worker that
    // panicked answers `Function.Panic` and polls again, the other finishes `slow` meanwhile.
    let server = MockRuntimeApi::start().unwrap();
    let slow = server.push_event("slow");
    let boom = server.push_event("panic");
    let after = [server.push_event("a"), server.push_event("b")];
    let rt = runtime(&server, 2).concurrency(2);
    within(move || {
        rt.run_with_init(|_config| {
            Ok::<_, Error>(handler_fn(|event: &mut [u8], _ctx| {
                match &*event {
                    b"panic" => panic!("asked to panic"),
                    b"slow" => std::thread::sleep(Duration::from_millis(300)),
                    _ => {}
                }
                Ok(&*event)
            }))
        })
    })
    .unwrap();
    let outcomes = server.wait_outcomes(4, WAIT);
    assert_eq!(
        outcomes[0].error_type(),
        Some("Function.Panic"),
        "the panic is answered while `slow` runs: {outcomes:?}"
    );
    assert_eq!(outcomes[0].request_id(), Some(boom.as_str()));
    let body_of = |id: &str| {
        outcomes
            .iter()
            .find(|o| o.request_id() == Some(id))
            .map(|o| o.body().to_vec())
    };
    assert_eq!(body_of(&slow).as_deref(), Some(&b"slow"[..]));
    assert_eq!(body_of(&after[0]).as_deref(), Some(&b"a"[..]));
    assert_eq!(body_of(&after[1]).as_deref(), Some(&b"b"[..]));
}

#[test]
fn a_failed_init_is_reported_to_init_error() {
    let server = MockRuntimeApi::start().unwrap();
    server.push_event("never handled");
    let rt = runtime(&server, 1);
    let result = within(move || {
        rt.run_with_init(|_config| -> Result<Echo, Error> {
            Err(Error::function("MissingSecret", "DB_PASSWORD is not set"))
        })
    });
    assert!(
        matches!(result, Err(RuntimeError::InitFailed(ref e)) if e.error_type() == "Function.MissingSecret"),
        "{result:?}"
    );
    let outcomes = server.wait_outcomes(1, WAIT);
    let Outcome::InitError { error_type, body } = &outcomes[0] else {
        panic!("{outcomes:?}")
    };
    assert_eq!(error_type, "Function.MissingSecret");
    assert!(String::from_utf8_lossy(body).contains("DB_PASSWORD is not set"));
    assert_eq!(server.pending(), 1, "no event was taken");
}

#[test]
fn a_panicking_init_is_reported_to_init_error() {
    let server = MockRuntimeApi::start().unwrap();
    let rt = runtime(&server, 1);
    let result = within(move || {
        rt.run_with_init(|_| -> Result<Echo, Error> { panic!("config file missing") })
    });
    assert!(
        matches!(result, Err(RuntimeError::InitFailed(_))),
        "{result:?}"
    );
    let outcomes = server.wait_outcomes(1, WAIT);
    assert!(
        matches!(&outcomes[0], Outcome::InitError { error_type, .. } if error_type == "Function.InitPanic"),
        "{outcomes:?}"
    );
}

/// Counts the invocations in flight across the workers of a concurrent runtime, and makes each
/// wait (up to [`WAIT`]) until `target` are in flight together: with fewer workers than
/// `target` every invocation would time out here and fail.
struct InFlight {
    state: std::sync::Mutex<(u32, u32)>,
    changed: std::sync::Condvar,
    target: u32,
}

impl InFlight {
    fn new(target: u32) -> std::sync::Arc<InFlight> {
        std::sync::Arc::new(InFlight {
            state: std::sync::Mutex::new((0, 0)),
            changed: std::sync::Condvar::new(),
            target,
        })
    }

    /// Joins the invocations in flight and waits for `target` of them; false on a timeout.
    fn meet(&self) -> bool {
        let mut state = self.state.lock().unwrap();
        state.0 += 1;
        state.1 = state.1.max(state.0);
        self.changed.notify_all();
        let (mut state, timeout) = self
            .changed
            .wait_timeout_while(state, WAIT, |s| s.1 < self.target)
            .unwrap();
        state.0 -= 1;
        !timeout.timed_out()
    }

    fn most(&self) -> u32 {
        self.state.lock().unwrap().1
    }
}

#[test]
fn concurrent_workers_serve_that_many_invocations_at_once() {
    const WORKERS: u32 = 3;
    const EACH: u64 = 4;
    let server = MockRuntimeApi::start().unwrap();
    let ids: Vec<String> = (0..u64::from(WORKERS) * EACH)
        .map(|i| server.push_event(format!("event {i}")))
        .collect();
    let in_flight = InFlight::new(WORKERS);
    let built = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let rt = runtime(&server, EACH).concurrency(WORKERS);
    let (flight, count) = (in_flight.clone(), built.clone());
    let result = within(move || {
        rt.run_with_init(move |_config| {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let flight = flight.clone();
            Ok(handler_fn(move |event, _ctx| {
                if flight.meet() {
                    Ok(event)
                } else {
                    Err(Error::function("Alone", "the other workers never came"))
                }
            }))
        })
    });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        built.load(std::sync::atomic::Ordering::SeqCst),
        WORKERS,
        "one handler per worker"
    );
    assert_eq!(
        in_flight.most(),
        WORKERS,
        "{WORKERS} invocations ran at once"
    );
    let outcomes = server.wait_outcomes(ids.len(), WAIT);
    for (i, id) in ids.iter().enumerate() {
        let answers: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.request_id() == Some(id.as_str()))
            .collect();
        assert_eq!(answers.len(), 1, "event {i} answered once: {answers:?}");
        assert_eq!(answers[0].body(), format!("event {i}").as_bytes());
    }
    assert_eq!(
        server.connections(),
        WORKERS as usize,
        "one connection per worker"
    );
}

#[test]
fn concurrent_workers_report_a_failed_init_once_and_takes_no_event() {
    let server = MockRuntimeApi::start().unwrap();
    server.push_event("never handled");
    let rt = runtime(&server, 1).concurrency(4);
    let mut calls = 0;
    let result = within(move || {
        rt.run_with_init(move |_config| -> Result<Echo, Error> {
            calls += 1;
            if calls == 3 {
                return Err(Error::function("ThirdWorker", "no room for a third pool"));
            }
            fn echo(e: &[u8]) -> &[u8] {
                e
            }
            Ok(lambda_zero::EventFnHandler(echo))
        })
    });
    assert!(
        matches!(result, Err(RuntimeError::InitFailed(ref e)) if e.error_type() == "Function.ThirdWorker"),
        "{result:?}"
    );
    let outcomes = server.wait_outcomes(1, WAIT);
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert!(
        matches!(&outcomes[0], Outcome::InitError { error_type, .. } if error_type == "Function.ThirdWorker"),
        "{outcomes:?}"
    );
    assert_eq!(server.pending(), 1, "no event was taken");
}

#[test]
fn concurrent_workers_stop_at_the_first_workers_fatal_error() {
    // One worker's poll is answered 500 ("exit promptly"); the other three wait in their long
    // polls for events that never come. The runtime must not wait for them.
    let server = MockRuntimeApi::start().unwrap();
    server.script(Route::Next, 500);
    let rt = runtime(&server, 1).concurrency(4);
    let result = within(move || rt.run_with_init(|_| Ok(handler_fn(|event, _| Ok(event)))));
    assert!(
        matches!(result, Err(RuntimeError::Fatal { status: 500, .. })),
        "{result:?}"
    );
}

/// A streaming handler that joins the rendezvous before it streams the event back in two pieces.
struct MeetAndStream(std::sync::Arc<InFlight>);

impl StreamingHandler for MeetAndStream {
    fn handle(
        &mut self,
        event: &mut [u8],
        _ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        if !self.0.meet() {
            return Err(Error::function("Alone", "the other workers never came"));
        }
        let (a, b) = event.split_at(event.len() / 2);
        out.write(a)?;
        out.write(b)
    }
}

#[test]
fn concurrent_streaming_workers_stream_that_many_responses_at_once() {
    const WORKERS: u32 = 3;
    const EACH: u64 = 2;
    let server = MockRuntimeApi::start().unwrap();
    let ids: Vec<String> = (0..u64::from(WORKERS) * EACH)
        .map(|i| server.push_event(format!("streamed event {i}")))
        .collect();
    let in_flight = InFlight::new(WORKERS);
    let rt = runtime(&server, EACH).concurrency(WORKERS);
    let flight = in_flight.clone();
    let result = within(move || rt.run_with_init(move |_| Ok(MeetAndStream(flight.clone()))));
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(in_flight.most(), WORKERS, "{WORKERS} streams at once");
    let outcomes = server.wait_outcomes(ids.len(), WAIT);
    for (i, id) in ids.iter().enumerate() {
        let streamed: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| matches!(o, Outcome::Streamed { request_id, .. } if request_id == id))
            .collect();
        assert_eq!(streamed.len(), 1, "event {i} streamed once: {outcomes:?}");
        assert_eq!(streamed[0].body(), format!("streamed event {i}").as_bytes());
    }
}

#[test]
fn one_worker_with_init_is_is_the_plain_loop() {
    let server = MockRuntimeApi::start().unwrap();
    let a = server.push_event("only");
    let rt = runtime(&server, 1).config(Config::default());
    let result = within(move || {
        rt.run_with_init(|_config| {
            fn echo(e: &[u8]) -> &[u8] {
                e
            }
            Ok(lambda_zero::EventFnHandler(echo))
        })
    });
    assert!(result.is_ok(), "{result:?}");
    let outcomes = server.wait_outcomes(1, WAIT);
    assert_eq!(outcomes[0].request_id(), Some(a.as_str()));
    assert_eq!(server.connections(), 1);
}

#[test]
fn pipelining_can_be_switched_off() {
    let server = MockRuntimeApi::start().unwrap();
    for i in 0..20 {
        server.push_event(format!("event {i}"));
    }
    let rt = runtime(&server, 20).pipelining(false);
    within(move || rt.run(handler_fn(|event, _| Ok(event)))).unwrap();
    let outcomes = server.wait_outcomes(20, WAIT);
    for (i, o) in outcomes.iter().enumerate() {
        assert_eq!(o.body(), format!("event {i}").as_bytes());
    }
}

#[test]
fn a_stateful_handler_reuses_its_buffer() {
    struct Counter {
        n: u64,
        out: Vec<u8>,
    }
    impl Handler for Counter {
        fn handle<'a>(
            &'a mut self,
            event: &'a mut [u8],
            _: &Context<'_>,
        ) -> Result<&'a [u8], Error> {
            self.n += 1;
            self.out.clear();
            self.out
                .extend_from_slice(format!("{}:", self.n).as_bytes());
            self.out.extend_from_slice(event);
            Ok(&self.out)
        }
    }
    let server = MockRuntimeApi::start().unwrap();
    server.push_event("a");
    server.push_event("b");
    let rt = runtime(&server, 2);
    within(move || {
        rt.run(Counter {
            n: 0,
            out: Vec::new(),
        })
    })
    .unwrap();
    let outcomes = server.wait_outcomes(2, WAIT);
    assert_eq!(
        (outcomes[0].body(), outcomes[1].body()),
        (&b"1:a"[..], &b"2:b"[..])
    );
}

#[test]
fn chunked_events_are_decoded() {
    let server = MockRuntimeApi::start().unwrap();
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    server.push(Invocation::new(body.clone()).chunked(777));
    let rt = runtime(&server, 1);
    within(move || rt.run(handler_fn(|event, _| Ok(event)))).unwrap();
    assert_eq!(server.wait_outcomes(1, WAIT)[0].body(), &body[..]);
}

#[test]
fn a_path_prefix_endpoint_works() {
    let server = MockRuntimeApi::builder()
        .path_prefix("/lambda/fn")
        .start()
        .unwrap();
    server.push_event("via prefix");
    let rt = Runtime::new(&server.endpoint_url())
        .unwrap()
        .max_invocations(1);
    within(move || rt.run(handler_fn(|event, _| Ok(event)))).unwrap();
    assert_eq!(server.wait_outcomes(1, WAIT)[0].body(), b"via prefix");
}

#[test]
fn status_500_on_next_stops_the_runtime() {
    let server = MockRuntimeApi::start().unwrap();
    server.script(Route::Next, 500);
    let rt = runtime(&server, 1);
    let result = within(move || rt.run(handler_fn(|event, _| Ok(event))));
    assert!(
        matches!(result, Err(RuntimeError::Fatal { status: 500, .. })),
        "{result:?}"
    );
    assert!(result.unwrap_err().to_string().contains("non-recoverable"));
}

#[test]
fn an_unreachable_runtime_api_is_a_clear_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let rt = Runtime::new(&format!("127.0.0.1:{port}")).unwrap();
    let result = within(move || rt.run(handler_fn(|event, _| Ok(event))));
    let err = result.unwrap_err();
    assert!(matches!(err, RuntimeError::Unreachable { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(matches!(
        Runtime::new("https://x:1"),
        Err(RuntimeError::InvalidEndpoint { .. })
    ));
}

/// Streams the event back in three pieces; `fail` events fail after the first piece, `early`
/// events fail before writing anything.
struct Pieces;

impl StreamingHandler for Pieces {
    fn handle(
        &mut self,
        event: &mut [u8],
        _: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        if event == b"early" {
            return Err(Error::function("Early", "nothing written"));
        }
        out.set_content_type("text/plain");
        let third = event.len() / 3;
        out.write(&event[..third])?;
        if event == b"fail" {
            return Err(Error::function("MidStream", "failed after the first piece"));
        }
        out.write(&event[third..2 * third])?;
        out.write(&event[2 * third..])?;
        Ok(())
    }
}

#[test]
fn streamed_responses_arrive_whole_and_errors_travel_in_trailers() {
    let server = MockRuntimeApi::start().unwrap();
    let ok = server.push_event("streamed in three pieces");
    let fail = server.push_event("fail");
    let early = server.push_event("early");
    let rt = runtime(&server, 3);
    within(move || rt.run(Pieces)).unwrap();
    let outcomes = server.wait_outcomes(3, WAIT);
    let Outcome::Streamed {
        request_id,
        body,
        headers,
        trailers,
    } = &outcomes[0]
    else {
        panic!("{outcomes:?}")
    };
    assert_eq!(request_id, &ok);
    assert_eq!(body, b"streamed in three pieces");
    let header = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        header("Lambda-Runtime-Function-Response-Mode"),
        Some("streaming")
    );
    assert_eq!(header("Content-Type"), Some("text/plain"));
    assert!(trailers.is_empty(), "{trailers:?}");

    assert_eq!(outcomes[1].request_id(), Some(fail.as_str()));
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
        (early.as_str(), "Function.Early")
    );
}

#[test]
fn http_integration_streams_carry_the_prelude() {
    struct Url;
    impl StreamingHandler for Url {
        fn handle(
            &mut self,
            _: &mut [u8],
            _: &Context<'_>,
            out: &mut ResponseStream<'_>,
        ) -> Result<(), Error> {
            out.write_http_prelude(br#"{"statusCode":201,"headers":{"x-a":"b"},"cookies":[]}"#)?;
            out.write(b"hello")
        }
    }
    let server = MockRuntimeApi::start().unwrap();
    server.push_event("{}");
    let rt = runtime(&server, 1);
    within(move || rt.run(Url)).unwrap();
    let outcomes = server.wait_outcomes(1, WAIT);
    let Outcome::Streamed { body, headers, .. } = &outcomes[0] else {
        panic!("{outcomes:?}")
    };
    let prelude = br#"{"statusCode":201,"headers":{"x-a":"b"},"cookies":[]}"#;
    let mut want = prelude.to_vec();
    want.extend_from_slice(&[0; 8]);
    want.extend_from_slice(b"hello");
    assert_eq!(body, &want);
    assert!(headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("content-type")
            && v == lambda_zero::HTTP_INTEGRATION_CONTENT_TYPE));
    let post = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the streamed POST");
    assert_eq!(
        post.chunk_sizes,
        [prelude.len(), 8, 5],
        "the prelude, the separator and the body piece each in a chunk of its own"
    );
}

#[test]
fn an_http_prelude_without_cookies_gets_an_empty_cookie_list() {
    struct Url(&'static [u8]);
    impl StreamingHandler for Url {
        fn handle(
            &mut self,
            _: &mut [u8],
            _: &Context<'_>,
            out: &mut ResponseStream<'_>,
        ) -> Result<(), Error> {
            out.write_http_prelude(self.0)?;
            out.write(b"body")
        }
    }
    for (given, sent) in [
        (
            &br#"{"statusCode":200,"headers":{"a":"b"}}"#[..],
            &br#"{"statusCode":200,"headers":{"a":"b"},"cookies":[]}"#[..],
        ),
        (b" {} ", br#"{"cookies":[]}"#),
        (
            br#"{"statusCode":302,"cookies":["a=1"]}"#,
            br#"{"statusCode":302,"cookies":["a=1"]}"#,
        ),
    ] {
        let server = MockRuntimeApi::start().unwrap();
        server.push_event("{}");
        let rt = runtime(&server, 1);
        within(move || rt.run(Url(given))).unwrap();
        let outcomes = server.wait_outcomes(1, WAIT);
        let Outcome::Streamed { body, .. } = &outcomes[0] else {
            panic!("{outcomes:?}")
        };
        let prelude_end = body.len() - 8 - 4;
        assert_eq!(
            &body[..prelude_end],
            sent,
            "{}",
            String::from_utf8_lossy(given)
        );
        assert_eq!(&body[prelude_end..], b"\0\0\0\0\0\0\0\0body");
    }
}

#[test]
fn a_prelude_that_is_not_an_object_fails_the_invocation() {
    struct Url;
    impl StreamingHandler for Url {
        fn handle(
            &mut self,
            _: &mut [u8],
            _: &Context<'_>,
            out: &mut ResponseStream<'_>,
        ) -> Result<(), Error> {
            out.write_http_prelude(b"[200]")?;
            out.write(b"never sent")
        }
    }
    let server = MockRuntimeApi::start().unwrap();
    let id = server.push_event("{}");
    let rt = runtime(&server, 1);
    within(move || rt.run(Url)).unwrap();
    let outcomes = server.wait_outcomes(1, WAIT);
    match &outcomes[0] {
        Outcome::Error {
            request_id,
            error_type,
            ..
        } => {
            assert_eq!(request_id, &id);
            assert_eq!(error_type, "Runtime.InvalidPrelude");
        }
        other => panic!("expected an error, got {other:?}"),
    }
}
