//! `dynamodb_get` run as a real bootstrap process against lambda-zero's mock Runtime API and a
//! fake DynamoDB endpoint (`tests/common/fake_dynamodb.rs`), with static fake credentials:
//! the request the SDK sends (target, table and key, signature scope, trace header), the
//! answers, the error paths and the trace header under several workers.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::fake_dynamodb::{FakeDynamoDb, Reply, Request};
use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use serde_json::{json, Value};

/// The longest any wait here may take before the test fails.
const WAIT: Duration = Duration::from_secs(30);
const TABLE: &str = "items";
const ACCESS_KEY_ID: &str = "AKIDLAMBDAZEROTEST";

/// The bootstrap process, killed when the test is done with it (or fails).
struct Bootstrap(Child);

impl Drop for Bootstrap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_dynamodb_get"))
}

/// The environment of a deployed function pointed at `dynamodb` (by the service-specific
/// endpoint variable), with static credentials, then `extra` (which may override).
fn spawn(server: &MockRuntimeApi, dynamodb: &FakeDynamoDb, extra: &[(&str, &str)]) -> Bootstrap {
    spawn_without(server, dynamodb, extra, &[])
}

/// [`spawn`] with the variables `unset` removed from that environment.
fn spawn_without(
    server: &MockRuntimeApi,
    dynamodb: &FakeDynamoDb,
    extra: &[(&str, &str)],
    unset: &[&str],
) -> Bootstrap {
    spawn_bin(bin(), server, dynamodb, extra, unset)
}

/// [`spawn_without`] for the bootstrap `bin`.
fn spawn_bin(
    bin: &Path,
    server: &MockRuntimeApi,
    dynamodb: &FakeDynamoDb,
    extra: &[(&str, &str)],
    unset: &[&str],
) -> Bootstrap {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .envs(server.lambda_env(bin))
        .env("TABLE_NAME", TABLE)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", "fake-secret-for-tests")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.url())
        .envs(extra.iter().copied());
    for name in unset {
        command.env_remove(name);
    }
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the bootstrap starts");
    Bootstrap(child)
}

/// The fake table: `42` (every attribute type the function reads), `7`, and nothing else.
fn table(request: &Request) -> Reply {
    match request.key_id().as_str() {
        "42" => Reply::ok(
            json!({"Item": {
                "id": {"S": "42"},
                "name": {"S": "Ada \"the first\""},
                "visits": {"N": "12345678901234567890"},
                "admin": {"BOOL": true},
                "nickname": {"NULL": true},
                "avatar": {"B": "aGkh"},
                "address": {"M": {"city": {"S": "London"}, "zip": {"N": "1"}}},
                "tags": {"L": [{"S": "a"}, {"N": "2.5"}]},
                "roles": {"SS": ["x", "y"]}
            }})
            .to_string(),
        ),
        "7" => Reply::ok(r#"{"Item":{"id":{"S":"7"}}}"#),
        _ => Reply::ok("{}"),
    }
}

fn trace_id(n: usize) -> String {
    format!("Root=1-6560f000-{n:024x};Parent=53995c3f42cd8ad8;Sampled=1")
}

fn get(id: &str) -> Invocation {
    Invocation::new(json!({ "id": id }).to_string())
}

fn answer(outcome: &Outcome) -> Value {
    assert!(
        matches!(outcome, Outcome::Response { .. }),
        "a response: {outcome:?}"
    );
    serde_json::from_slice(outcome.body()).expect("the answer is JSON")
}

/// The outcome of the invocation `id`.
fn outcome_of<'a>(outcomes: &'a [Outcome], id: &str) -> &'a Outcome {
    outcomes
        .iter()
        .find(|o| o.request_id() == Some(id))
        .unwrap_or_else(|| panic!("no outcome for {id}: {outcomes:?}"))
}

/// The error type and message of an error outcome.
fn error_of(outcome: &Outcome) -> (String, String) {
    let Outcome::Error {
        error_type, body, ..
    } = outcome
    else {
        panic!("an error: {outcome:?}")
    };
    let doc: Value = serde_json::from_slice(body).expect("the error document is JSON");
    assert_eq!(doc["errorType"], error_type.as_str(), "{doc}");
    (
        error_type.clone(),
        doc["errorMessage"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn get_item_sends_the_table_key_signature_and_the_invocations_trace_header() {
    let dynamodb = FakeDynamoDb::start(table);
    let server = MockRuntimeApi::start().unwrap();
    // A stale trace id in the environment (what a runtime that sets `_X_AMZN_TRACE_ID` once
    // would leave behind): the SDK's own recursion detection would send it; the invocation's
    // trace id replaces it.
    let _bootstrap = spawn(
        &server,
        &dynamodb,
        &[("_X_AMZN_TRACE_ID", "Root=1-00000000-stale;Sampled=0")],
    );
    let found = server.push(get("42").trace_id(trace_id(1)));
    let missing = server.push(get("nobody").trace_id(trace_id(2)));
    let small = server.push(get("7").trace_id(trace_id(3)));
    let outcomes = server.wait_outcomes(3, WAIT);

    assert_eq!(
        answer(outcome_of(&outcomes, &found)),
        json!({"id": "42", "found": true, "item": {
            "id": "42",
            "name": "Ada \"the first\"",
            "visits": 12345678901234567890u64,
            "admin": true,
            "nickname": null,
            "avatar": "aGkh",
            "address": {"city": "London", "zip": 1},
            "tags": ["a", 2.5],
            "roles": ["x", "y"]
        }})
    );
    // Numbers are DynamoDB's digits as they came, members sorted by name.
    let body = String::from_utf8(outcome_of(&outcomes, &found).body().to_vec()).unwrap();
    assert!(body.contains(r#""visits":12345678901234567890"#), "{body}");
    assert!(
        body.contains(r#""item":{"address":{"city":"London","zip":1},"admin":true"#),
        "{body}"
    );
    assert_eq!(
        answer(outcome_of(&outcomes, &missing)),
        json!({"id": "nobody", "found": false, "item": null})
    );
    assert_eq!(
        answer(outcome_of(&outcomes, &small)),
        json!({"id": "7", "found": true, "item": {"id": "7"}})
    );

    let requests = dynamodb.wait_requests(3, WAIT);
    assert_eq!(
        requests.len(),
        3,
        "one GetItem per invocation: {requests:?}"
    );
    for (n, (request, key)) in requests.iter().zip(["42", "nobody", "7"]).enumerate() {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/");
        assert_eq!(
            request.header("x-amz-target"),
            Some("DynamoDB_20120810.GetItem")
        );
        assert_eq!(
            request.header("content-type"),
            Some("application/x-amz-json-1.0")
        );
        assert_eq!(
            request.json(),
            json!({"TableName": TABLE, "Key": {"id": {"S": key}}})
        );
        let expected_trace = trace_id(n + 1);
        assert_eq!(
            request.header("x-amzn-trace-id"),
            Some(expected_trace.as_str()),
            "the invocation's trace id, not the environment's"
        );
        let authorization = request.header("authorization").expect("a signed request");
        assert!(
            authorization.starts_with(&format!("AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/"))
                && authorization.contains("/us-east-1/dynamodb/aws4_request"),
            "{authorization}"
        );
        // SigV4 leaves the trace header out of the signature: changing it per invocation
        // does not break the signature.
        assert!(
            !authorization.contains("x-amzn-trace-id"),
            "{authorization}"
        );
    }
    // The client is built once: every call on one kept-alive connection.
    assert_eq!(dynamodb.connections(), 1);
}

/// The comparison baseline (feature `compare`) is the same function: same answers, and the
/// trace header reaches the SDK (there through `_X_AMZN_TRACE_ID`, which lambda_runtime sets).
#[cfg(feature = "compare")]
#[test]
fn the_lambda_runtime_baseline_answers_alike_and_sends_the_trace_header() {
    let dynamodb = FakeDynamoDb::start(table);
    let server = MockRuntimeApi::start().unwrap();
    let baseline = Path::new(env!("CARGO_BIN_EXE_dynamodb_get_lambda_runtime"));
    let _bootstrap = spawn_bin(baseline, &server, &dynamodb, &[], &[]);
    let found = server.push(get("7").trace_id(trace_id(20)));
    let missing = server.push(get("nobody").trace_id(trace_id(21)));
    let outcomes = server.wait_outcomes(2, WAIT);
    assert_eq!(
        outcome_of(&outcomes, &found).body(),
        br#"{"found":true,"id":"7","item":{"id":"7"}}"#
    );
    assert_eq!(
        answer(outcome_of(&outcomes, &missing)),
        json!({"id": "nobody", "found": false, "item": null})
    );
    let requests = dynamodb.wait_requests(2, WAIT);
    let traces: Vec<Option<&str>> = requests
        .iter()
        .map(|r| r.header("x-amzn-trace-id"))
        .collect();
    assert_eq!(
        traces,
        [Some(trace_id(20).as_str()), Some(trace_id(21).as_str())]
    );
}

#[test]
fn an_invocation_without_a_trace_id_sends_none_and_the_next_one_sends_its_own() {
    let dynamodb = FakeDynamoDb::start(table);
    let server = MockRuntimeApi::start().unwrap();
    let _bootstrap = spawn(&server, &dynamodb, &[]);
    let ids = [
        server.push(get("7").trace_id(trace_id(10))),
        server.push(get("7").trace_id("")),
        server.push(get("7").trace_id(trace_id(12))),
    ];
    let outcomes = server.wait_outcomes(3, WAIT);
    for id in &ids {
        assert_eq!(answer(outcome_of(&outcomes, id))["found"], true);
    }
    let requests = dynamodb.wait_requests(3, WAIT);
    let traces: Vec<Option<&str>> = requests
        .iter()
        .map(|r| r.header("x-amzn-trace-id"))
        .collect();
    assert_eq!(
        traces,
        [
            Some(trace_id(10).as_str()),
            None,
            Some(trace_id(12).as_str())
        ]
    );
}

#[test]
fn each_of_three_workers_sends_the_trace_id_of_the_invocation_it_serves() {
    // Every answer takes 30 ms, so the three workers' calls overlap.
    let dynamodb = FakeDynamoDb::start(|r| table(r).after(Duration::from_millis(30)));
    let server = MockRuntimeApi::start().unwrap();
    let _bootstrap = spawn(&server, &dynamodb, &[("AWS_LAMBDA_MAX_CONCURRENCY", "3")]);
    let count = 45;
    let ids: Vec<String> = (0..count)
        .map(|n| server.push(get(&format!("key-{n}")).trace_id(trace_id(100 + n))))
        .collect();
    let outcomes = server.wait_outcomes(count, WAIT);
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            answer(outcome_of(&outcomes, id)),
            json!({"id": format!("key-{n}"), "found": false, "item": null})
        );
        assert_eq!(server.outcome_count(id), 1);
    }
    let requests = dynamodb.wait_requests(count, WAIT);
    assert_eq!(requests.len(), count);
    for request in &requests {
        let n: usize = request.key_id()["key-".len()..].parse().unwrap();
        assert_eq!(
            request.header("x-amzn-trace-id"),
            Some(trace_id(100 + n).as_str()),
            "the trace id of the invocation that asked for key-{n}"
        );
    }
    // One client per worker, each on its own connection; all three served.
    let connections: std::collections::BTreeSet<usize> =
        requests.iter().map(|r| r.connection).collect();
    assert_eq!(connections.len(), 3, "{connections:?}");
    assert_eq!(dynamodb.connections(), 3);
}

#[test]
fn service_errors_are_function_errors_named_by_their_code() {
    let dynamodb = FakeDynamoDb::start(|r| match r.key_id().as_str() {
        "missing-table" => Reply::error(
            400,
            "ResourceNotFoundException",
            "Requested resource not found",
        ),
        "bad" => Reply::error(
            400,
            "ValidationException",
            "One or more parameter values were invalid",
        ),
        "boom" => Reply::error(500, "InternalServerError", "Internal server error"),
        "garbage" => Reply {
            status: 500,
            body: "<html>not DynamoDB</html>".into(),
            delay: Duration::ZERO,
        },
        _ => table(r),
    });
    let server = MockRuntimeApi::start().unwrap();
    // Through the endpoint variable for every service this time, and without retries, so
    // that each failure is one request.
    let url = dynamodb.url();
    let _bootstrap = spawn_without(
        &server,
        &dynamodb,
        &[
            ("AWS_ENDPOINT_URL", url.as_str()),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
        &["AWS_ENDPOINT_URL_DYNAMODB"],
    );
    let cases = [
        (
            "missing-table",
            "Function.ResourceNotFoundException",
            "HTTP 400",
        ),
        (
            "bad",
            "Function.ValidationException",
            "One or more parameter values were invalid",
        ),
        ("boom", "Function.InternalServerError", "HTTP 500"),
        ("garbage", "Function.DynamoDbError", "HTTP 500"),
    ];
    let ids: Vec<String> = cases
        .iter()
        .map(|(key, _, _)| server.push(get(key)))
        .collect();
    let after = server.push(get("7"));
    let outcomes = server.wait_outcomes(cases.len() + 1, WAIT);
    for ((key, error_type, detail), id) in cases.iter().zip(&ids) {
        let (got_type, message) = error_of(outcome_of(&outcomes, id));
        assert_eq!(&got_type, error_type, "{key}: {message}");
        assert!(
            message.starts_with("DynamoDB GetItem on table `items` failed with HTTP"),
            "{key}: {message}"
        );
        assert!(message.contains(detail), "{key}: {message}");
    }
    let (_, message) = error_of(outcome_of(&outcomes, &ids[0]));
    assert!(
        message.contains(
            "ResourceNotFoundException: Requested resource not found (request id fake-request-0)"
        ),
        "{message}"
    );
    // The function goes on serving after errors.
    assert_eq!(answer(outcome_of(&outcomes, &after))["found"], true);
    assert_eq!(dynamodb.requests().len(), cases.len() + 1, "no retries");
}

#[test]
fn a_retried_call_succeeds_and_every_attempt_carries_the_trace_header() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let dynamodb = FakeDynamoDb::start(move |r| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Reply::error(500, "InternalServerError", "try again")
        } else {
            table(r)
        }
    });
    let server = MockRuntimeApi::start().unwrap();
    let _bootstrap = spawn(&server, &dynamodb, &[("AWS_MAX_ATTEMPTS", "2")]);
    let id = server.push(get("42").trace_id(trace_id(7)));
    let outcomes = server.wait_outcomes(1, WAIT);
    assert_eq!(answer(outcome_of(&outcomes, &id))["found"], true);
    let requests = dynamodb.wait_requests(2, WAIT);
    assert_eq!(requests.len(), 2, "the 500 and its retry");
    for request in &requests {
        assert_eq!(
            request.header("x-amzn-trace-id"),
            Some(trace_id(7).as_str())
        );
        assert_eq!(request.key_id(), "42");
    }
}

#[test]
fn an_unreachable_endpoint_and_bad_events_are_clear_errors() {
    // A port nobody listens on: the fake is started only to pick a free one, then dropped.
    let closed = {
        let fake = FakeDynamoDb::start(table);
        fake.url()
    };
    let dynamodb = FakeDynamoDb::start(table);
    let server = MockRuntimeApi::start().unwrap();
    let _bootstrap = spawn(
        &server,
        &dynamodb,
        &[
            ("AWS_ENDPOINT_URL_DYNAMODB", closed.as_str()),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
    );
    let unreachable = server.push(get("42"));
    let not_json = server.push(Invocation::new("{\"id\":"));
    let not_a_string = server.push(Invocation::new(r#"{"id":42}"#));
    let empty = server.push(Invocation::new(r#"{"id":""}"#));
    let outcomes = server.wait_outcomes(4, WAIT);
    let (error_type, message) = error_of(outcome_of(&outcomes, &unreachable));
    assert_eq!(error_type, "Function.DynamoDbUnreachable", "{message}");
    assert!(
        message.starts_with("DynamoDB GetItem on table `items` could not be sent: "),
        "{message}"
    );
    assert_eq!(
        error_of(outcome_of(&outcomes, &not_json)).0,
        "Runtime.InvalidJson"
    );
    for id in [&not_a_string, &empty] {
        let (error_type, message) = error_of(outcome_of(&outcomes, id));
        assert_eq!(error_type, "Function.InvalidRequest");
        assert!(message.contains(r#"a non-empty string "id""#), "{message}");
    }
    assert!(dynamodb.requests().is_empty());
}

#[test]
fn a_call_still_waiting_near_the_deadline_is_a_timeout() {
    let dynamodb = FakeDynamoDb::start(|r| table(r).after(Duration::from_secs(5)));
    let server = MockRuntimeApi::start().unwrap();
    let _bootstrap = spawn(&server, &dynamodb, &[]);
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let id = server.push(get("42").deadline_ms(now_ms + 1500));
    let outcomes = server.wait_outcomes(1, WAIT);
    assert_eq!(error_of(outcome_of(&outcomes, &id)).0, "Function.Timeout");
    let waited = server.round_trip(&id).expect("a round trip");
    assert!(waited < Duration::from_millis(1500), "{waited:?}");
}

#[test]
fn a_missing_table_name_or_region_fails_the_init() {
    let dynamodb = FakeDynamoDb::start(table);
    for (unset, error_type) in [
        (&["TABLE_NAME"][..], "Function.MissingTableName"),
        (
            &["AWS_REGION", "AWS_DEFAULT_REGION"][..],
            "Function.MissingRegion",
        ),
    ] {
        let server = MockRuntimeApi::start().unwrap();
        let _bootstrap = spawn_without(&server, &dynamodb, &[], unset);
        let outcomes = server.wait_outcomes(1, WAIT);
        match outcomes.first() {
            Some(Outcome::InitError {
                error_type: got, ..
            }) => assert_eq!(got, error_type),
            other => panic!("{unset:?}: an init error, got {other:?}"),
        }
    }
}
