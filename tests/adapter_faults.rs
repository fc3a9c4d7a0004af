//! The `lambda-zero-adapter` binary against apps that fail: one that resets mid-answer, answers
//! bytes that are not HTTP, closes without answering, hangs past the deadline or answers more
//! than Lambda can return; an app that is down; an app that never becomes ready or exits
//! first. Each failed invocation gets exactly one clear error (or the configured status) and
//! the next invocation is served: the adapter never wedges.
#![cfg(all(feature = "http", feature = "testing"))]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use serde_json::Value;

#[path = "common/adapter_apps.rs"]
mod apps;

use apps::{Adapter, App, Behaviour};

const WAIT: Duration = Duration::from_secs(30);

/// An HTTP API (payload 2.0) GET of `path`.
fn get(path: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "example.com"},
        "requestContext": {
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "192.0.2.1", "userAgent": "test"},
            "requestId": "r", "routeKey": "$default", "stage": "$default"
        },
        "isBase64Encoded": false
    }))
    .unwrap()
}

fn epoch_ms_in(ms: u64) -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        + ms
}

/// Runs the adapter on `invocations` against the app on `port`; one outcome per invocation,
/// in order, each checked to be the only one for its request id.
fn run(port: u16, env: &[(&str, &str)], invocations: Vec<Invocation>) -> Vec<Outcome> {
    let mock = MockRuntimeApi::start().expect("mock");
    let ids: Vec<String> = invocations.into_iter().map(|i| mock.push(i)).collect();
    let port = port.to_string();
    let mut vars = vec![("AWS_LWA_PORT", port.as_str())];
    vars.extend_from_slice(env);
    let _adapter = Adapter::start(&mock, &vars, &[]);
    let outcomes = mock.wait_outcomes(ids.len(), WAIT);
    let kinds: Vec<_> = outcomes
        .iter()
        .map(|o| (o.request_id(), o.error_type()))
        .collect();
    assert_eq!(outcomes.len(), ids.len(), "{kinds:?}");
    for (id, outcome) in ids.iter().zip(&outcomes) {
        assert_eq!(outcome.request_id(), Some(id.as_str()), "{kinds:?}");
        assert_eq!(mock.outcome_count(id), 1, "one answer per invocation");
    }
    outcomes
}

fn status_of(outcome: &Outcome) -> u64 {
    let Outcome::Response { body, .. } = outcome else {
        panic!("not a response: {outcome:?}")
    };
    let res: Value = serde_json::from_slice(body).unwrap();
    res["statusCode"].as_u64().unwrap()
}

fn error_of(outcome: &Outcome) -> (String, String) {
    let Outcome::Error {
        error_type, body, ..
    } = outcome
    else {
        panic!("not an error: {outcome:?}")
    };
    let doc: Value = serde_json::from_slice(body).unwrap();
    (
        error_type.clone(),
        doc["errorMessage"].as_str().unwrap_or("").to_string(),
    )
}

const FAULTS: [(&str, &str); 5] = [
    ("/fault/reset", "Function.AppConnectionFailed"),
    ("/fault/garbage", "Function.InvalidAppResponse"),
    ("/fault/close", "Function.AppConnectionFailed"),
    ("/fault/huge", "Function.AppResponseTooLarge"),
    // Last: it uses up its 2 s deadline, which the deadlines before it (set when the events
    // are made) would not survive.
    ("/fault/hang", "Function.AppTimeout"),
];

/// good, fault, good, fault, ... good: every invocation with a deadline 2 s away.
fn fault_sequence(faults: &[(&str, &str)]) -> Vec<Invocation> {
    let mut invocations = vec![Invocation::new(get("/ok")).deadline_ms(epoch_ms_in(2000))];
    for (path, _) in faults {
        invocations.push(Invocation::new(get(path)).deadline_ms(epoch_ms_in(2000)));
        invocations.push(Invocation::new(get("/ok")).deadline_ms(epoch_ms_in(4000)));
    }
    invocations
}

#[test]
fn each_app_fault_fails_its_invocation_with_a_clear_error_and_the_next_is_served() {
    let app = App::start(Behaviour::Echo);
    let outcomes = run(app.port, &[], fault_sequence(&FAULTS));
    assert_eq!(status_of(&outcomes[0]), 200);
    for (i, (path, expected)) in FAULTS.iter().enumerate() {
        let (error_type, message) = error_of(&outcomes[1 + 2 * i]);
        assert_eq!(&error_type, expected, "{path}: {message}");
        assert!(message.contains("app at 127.0.0.1:"), "{path}: {message}");
        assert_eq!(status_of(&outcomes[2 + 2 * i]), 200, "after {path}");
    }
}

#[test]
fn with_an_app_error_status_each_fault_answers_that_status_instead() {
    let app = App::start(Behaviour::Echo);
    let outcomes = run(
        app.port,
        &[("LAMBDA_ZERO_APP_ERROR_STATUS", "502")],
        fault_sequence(&FAULTS),
    );
    for (i, (path, _)) in FAULTS.iter().enumerate() {
        assert_eq!(status_of(&outcomes[1 + 2 * i]), 502, "{path}");
        assert_eq!(status_of(&outcomes[2 + 2 * i]), 200, "after {path}");
    }
}

#[test]
fn streamed_faults_end_their_invocation_and_the_next_is_served() {
    // A 64 MiB answer is no fault when streamed (it is passed on): left out here.
    let streamed_faults: Vec<_> = FAULTS
        .into_iter()
        .filter(|(path, _)| *path != "/fault/huge")
        .collect();
    let app = App::start(Behaviour::Echo);
    let outcomes = run(
        app.port,
        &[("AWS_LWA_INVOKE_MODE", "response_stream")],
        fault_sequence(&streamed_faults),
    );
    // Each fault is reported (as an error, or as error trailers once the body has begun);
    // each good invocation after it streams the app's 200.
    for (i, (path, _)) in streamed_faults.iter().enumerate() {
        let fault = &outcomes[1 + 2 * i];
        let failed = match fault {
            Outcome::Error { .. } => true,
            Outcome::Streamed { trailers, .. } => !trailers.is_empty(),
            _ => false,
        };
        assert!(failed, "{path} is reported as a failure: {fault:?}");
        let Outcome::Streamed { body, trailers, .. } = &outcomes[2 + 2 * i] else {
            panic!("after {path}: not streamed: {:?}", outcomes[2 + 2 * i])
        };
        assert!(trailers.is_empty(), "after {path}: {trailers:?}");
        let prelude_end = body.windows(8).position(|w| w == [0u8; 8]).unwrap();
        let prelude: Value = serde_json::from_slice(&body[..prelude_end]).unwrap();
        assert_eq!(prelude["statusCode"], 200, "after {path}");
    }
}

#[test]
fn an_app_that_is_down_gets_each_invocation_a_clear_error() {
    // Readiness is checked on a live port; the app's port has nothing listening.
    let ready = App::start(Behaviour::Echo);
    let down = apps::closed_port();
    let ready_port = ready.port.to_string();
    let outcomes = run(
        down,
        &[("AWS_LWA_READINESS_CHECK_PORT", &ready_port)],
        vec![Invocation::new(get("/a")), Invocation::new(get("/b"))],
    );
    for outcome in &outcomes {
        let (error_type, message) = error_of(outcome);
        assert_eq!(error_type, "Function.AppUnreachable", "{message}");
        assert!(message.contains("cannot connect to the app"), "{message}");
    }
}

fn init_error_of(mock: &MockRuntimeApi) -> (String, String) {
    let outcomes = mock.wait_outcomes(1, WAIT);
    let Some(Outcome::InitError { error_type, body }) = outcomes.first() else {
        panic!("no init error: {outcomes:?}")
    };
    let doc: Value = serde_json::from_slice(body).unwrap();
    (
        error_type.clone(),
        doc["errorMessage"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn an_app_that_never_becomes_ready_fails_init_with_a_clear_message() {
    let mock = MockRuntimeApi::start().unwrap();
    let id = mock.push(Invocation::new(get("/never")));
    let port = apps::closed_port().to_string();
    let mut adapter = Adapter::start(
        &mock,
        &[
            ("AWS_LWA_PORT", &port),
            ("LAMBDA_ZERO_READINESS_TIMEOUT_MS", "300"),
        ],
        &[],
    );
    let (error_type, message) = init_error_of(&mock);
    assert_eq!(error_type, "Runtime.AppNotReady");
    assert!(message.contains("was not ready after"), "{message}");
    let status = adapter.wait_exit(WAIT).expect("the adapter exits");
    assert!(!status.success());
    assert_eq!(mock.outcome_count(&id), 0, "the event was never taken");
}

#[test]
fn an_app_that_exits_before_it_is_ready_fails_init_with_its_status() {
    let mock = MockRuntimeApi::start().unwrap();
    let port = apps::closed_port().to_string();
    let mut adapter = Adapter::start(&mock, &[("AWS_LWA_PORT", &port)], &["sh", "-c", "exit 3"]);
    let (error_type, message) = init_error_of(&mock);
    assert_eq!(error_type, "Runtime.AppNotReady");
    assert!(message.contains("the app exited"), "{message}");
    assert!(message.contains('3'), "{message}");
    assert!(!adapter.wait_exit(WAIT).expect("exits").success());
}

#[test]
fn an_app_command_that_cannot_start_fails_init() {
    let mock = MockRuntimeApi::start().unwrap();
    let mut adapter = Adapter::start(&mock, &[], &["/nonexistent/app-binary"]);
    let (error_type, message) = init_error_of(&mock);
    assert_eq!(error_type, "Runtime.AppNotReady");
    assert!(message.contains("cannot start the app"), "{message}");
    assert!(!adapter.wait_exit(WAIT).expect("exits").success());
}
