//! The `lambda-zero-adapter` binary end to end, through real sockets: the mock Runtime API,
//! the adapter process, and a real app process (an HTTP server of the test, an HTTP/1.0 server
//! that closes after each answer, `python3 -m http.server`, a chunked streamer). Every vendored
//! HTTP sample event goes through, buffered and streamed, and each answer is checked against
//! what the app saw.
#![cfg(all(feature = "http", feature = "testing"))]

use std::path::Path;
use std::time::Duration;

use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use serde_json::Value;

#[path = "common/adapter_apps.rs"]
mod apps;
#[path = "common/http_samples.rs"]
mod http_samples;

use apps::{Adapter, App, Behaviour, CHUNKS};
use http_samples::SAMPLES;
use lambda_zero::http::Source;

const WAIT: Duration = Duration::from_secs(20);

fn read_event(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/events")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = text.bytes().filter(|&b| b != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= u32::from(value(c)) << (18 - 6 * i);
        }
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// Runs `events` through the adapter in front of `app`; returns the outcomes, checking that
/// each invocation got exactly one.
fn run(
    app_port: u16,
    env: &[(&str, &str)],
    events: Vec<Invocation>,
) -> (Vec<Outcome>, MockRuntimeApi) {
    let mock = MockRuntimeApi::start().expect("mock");
    let ids: Vec<String> = events.into_iter().map(|e| mock.push(e)).collect();
    let port = app_port.to_string();
    let mut vars = vec![("AWS_LWA_PORT", port.as_str())];
    vars.extend_from_slice(env);
    let _adapter = Adapter::start(&mock, &vars, &[]);
    let outcomes = mock.wait_outcomes(ids.len(), WAIT);
    assert_eq!(outcomes.len(), ids.len(), "{outcomes:?}");
    for (id, outcome) in ids.iter().zip(&outcomes) {
        assert_eq!(outcome.request_id(), Some(id.as_str()));
        assert_eq!(mock.outcome_count(id), 1, "one answer per invocation");
    }
    (outcomes, mock)
}

fn response(outcome: &Outcome) -> Value {
    assert!(matches!(outcome, Outcome::Response { .. }), "{outcome:?}");
    serde_json::from_slice(outcome.body()).expect("JSON response")
}

/// The body of a buffered response, decoded.
fn body_of(res: &Value) -> Vec<u8> {
    let body = res["body"].as_str().unwrap_or("");
    if res["isBase64Encoded"] == Value::Bool(true) {
        decode_base64(body)
    } else {
        body.as_bytes().to_vec()
    }
}

/// A streamed HTTP response: the prelude and the body.
fn streamed(outcome: &Outcome) -> (Value, Vec<u8>) {
    let Outcome::Streamed { body, trailers, .. } = outcome else {
        panic!("not streamed: {outcome:?}")
    };
    assert!(trailers.is_empty(), "no error trailers: {trailers:?}");
    let at = body
        .windows(8)
        .position(|w| w == [0u8; 8])
        .expect("the prelude separator");
    let prelude = serde_json::from_slice(&body[..at]).expect("prelude JSON");
    (prelude, body[at + 8..].to_vec())
}

fn header<'v>(echo: &'v Value, name: &str) -> Vec<&'v str> {
    echo["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
        .map(|h| h[1].as_str().unwrap())
        .collect()
}

/// What the app must have seen for `event`: the method, the path, the request context, the
/// Lambda context, the body.
fn check_echo(name: &str, source: Source, event: &Value, echo: &Value, request_id: &str) {
    let method = event["httpMethod"]
        .as_str()
        .or(event["requestContext"]["http"]["method"].as_str())
        .unwrap_or("GET");
    assert_eq!(echo["method"], method, "{name}");
    let target = echo["target"].as_str().unwrap();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let raw_path = event["rawPath"]
        .as_str()
        .or(event["path"].as_str())
        .unwrap_or("/");
    let expected_path = if raw_path.is_empty() { "/" } else { raw_path };
    // Bytes a request target cannot hold are percent-encoded.
    let encoded: String = expected_path
        .bytes()
        .map(|b| {
            if b > b' ' && b < 0x7f && !b"\"#<>?`{}".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert_eq!(path, encoded, "{name}: path");
    if let Some(raw) = event["rawQueryString"].as_str() {
        assert_eq!(query, raw, "{name}: query");
    }
    let context: Value =
        serde_json::from_str(header(echo, "x-amzn-request-context")[0]).expect("request context");
    assert_eq!(
        context, event["requestContext"],
        "{name}: x-amzn-request-context"
    );
    let lambda: Value =
        serde_json::from_str(header(echo, "x-amzn-lambda-context")[0]).expect("lambda context");
    assert_eq!(lambda["request_id"], request_id, "{name}");
    assert_eq!(lambda["env_config"]["function_name"], "mock-function");
    assert_eq!(lambda["env_config"]["memory"], 128);
    let body = event["body"].as_str().unwrap_or("");
    let expected: Vec<u8> = if event["isBase64Encoded"] == Value::Bool(true) {
        decode_base64(body)
    } else {
        body.as_bytes().to_vec()
    };
    assert_eq!(
        decode_base64(echo["body"].as_str().unwrap()),
        expected,
        "{name}: body"
    );
    // One Host, the event's when it has one; no hop-by-hop header from the event.
    assert_eq!(header(echo, "host").len(), 1, "{name}: {echo}");
    assert!(header(echo, "transfer-encoding").is_empty());
    assert!(header(echo, "connection").is_empty());
    if source.is_payload_v2() {
        if let Some(cookies) = event["cookies"].as_array() {
            let joined: Vec<&str> = cookies.iter().map(|c| c.as_str().unwrap()).collect();
            assert_eq!(
                header(echo, "cookie"),
                [joined.join("; ")],
                "{name}: cookies"
            );
        }
    }
}

#[test]
fn every_sample_event_buffered() {
    let app = App::start(Behaviour::Echo);
    let events: Vec<(&str, Source, Vec<u8>)> = SAMPLES
        .iter()
        .map(|&(name, source)| (name, source, read_event(name)))
        .collect();
    let invocations: Vec<Invocation> = events
        .iter()
        .map(|(_, _, e)| Invocation::new(e.clone()))
        .collect();
    let (outcomes, _mock) = run(app.port, &[], invocations);
    for ((name, source, event), outcome) in events.iter().zip(&outcomes) {
        let res = response(outcome);
        assert_eq!(res["statusCode"], 200, "{name}: {res}");
        let echo: Value = serde_json::from_slice(&body_of(&res)).expect("echo JSON");
        let event: Value = serde_json::from_slice(event).unwrap();
        check_echo(name, *source, &event, &echo, outcome.request_id().unwrap());
        if matches!(source, Source::Alb | Source::VpcLattice) {
            assert!(res["statusDescription"].is_string(), "{name}");
        }
    }
    // One keep-alive connection: the readiness check's, kept for every invocation.
    assert_eq!(app.connections.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn every_sample_event_streamed() {
    let app = App::start(Behaviour::Echo);
    let events: Vec<(&str, Source, Vec<u8>)> = SAMPLES
        .iter()
        .map(|&(name, source)| (name, source, read_event(name)))
        .collect();
    let invocations: Vec<Invocation> = events
        .iter()
        .map(|(_, _, e)| Invocation::new(e.clone()))
        .collect();
    let (outcomes, _mock) = run(
        app.port,
        &[("AWS_LWA_INVOKE_MODE", "response_stream")],
        invocations,
    );
    for ((name, source, event), outcome) in events.iter().zip(&outcomes) {
        let (prelude, body) = streamed(outcome);
        assert_eq!(prelude["statusCode"], 200, "{name}");
        let echo: Value = serde_json::from_slice(&body).expect("echo JSON");
        let event: Value = serde_json::from_slice(event).unwrap();
        check_echo(name, *source, &event, &echo, outcome.request_id().unwrap());
    }
}

fn http_api_event(path: &str) -> Vec<u8> {
    let mut event: Value =
        serde_json::from_slice(&read_event("example-apigw-v2-request-no-authorizer.json")).unwrap();
    event["rawPath"] = Value::from(path);
    event["rawQueryString"] = Value::from("");
    event["requestContext"]["http"]["method"] = Value::from("GET");
    event["requestContext"]["stage"] = Value::from("$default");
    event["body"] = Value::Null;
    serde_json::to_vec(&event).unwrap()
}

fn rest_event(path: &str) -> Vec<u8> {
    let mut event: Value =
        serde_json::from_slice(&read_event("example-apigw-request.json")).unwrap();
    event["path"] = Value::from(path);
    event["httpMethod"] = Value::from("GET");
    event["body"] = Value::Null;
    serde_json::to_vec(&event).unwrap()
}

#[test]
fn chunked_answers_buffered_and_streamed() {
    let app = App::start(Behaviour::Chunked);
    let (outcomes, _m) = run(
        app.port,
        &[],
        vec![
            Invocation::new(http_api_event("/stream")),
            Invocation::new(http_api_event("/stream")),
        ],
    );
    for outcome in &outcomes {
        let res = response(outcome);
        assert_eq!(body_of(&res), CHUNKS.concat().as_bytes());
        assert!(
            res["headers"].get("transfer-encoding").is_none(),
            "the body is sent decoded: {res}"
        );
    }
    let (outcomes, _m) = run(
        app.port,
        &[("AWS_LWA_INVOKE_MODE", "RESPONSE_STREAM")],
        vec![Invocation::new(http_api_event("/stream"))],
    );
    let (prelude, body) = streamed(&outcomes[0]);
    assert_eq!(prelude["headers"]["content-type"], "text/plain");
    assert_eq!(body, CHUNKS.concat().as_bytes());
}

#[test]
fn the_readiness_connection_carries_the_first_invocation() {
    let app = App::start(Behaviour::Echo);
    let (outcomes, _m) = run(
        app.port,
        &[],
        vec![
            Invocation::new(http_api_event("/first")),
            Invocation::new(http_api_event("/second")),
        ],
    );
    for outcome in &outcomes {
        assert_eq!(response(outcome)["statusCode"], 200);
    }
    assert_eq!(app.connections.load(std::sync::atomic::Ordering::SeqCst), 1);
    let heads = app.heads.lock().unwrap();
    assert_eq!(heads.len(), 3, "{heads:?}");
    assert!(heads[0].starts_with("GET / HTTP/1.1\r\n"), "{}", heads[0]);
    assert!(
        !heads[0].to_ascii_lowercase().contains("connection: close"),
        "{}",
        heads[0]
    );
    assert!(heads[1].starts_with("GET /first"), "{}", heads[1]);
    assert!(heads[2].starts_with("GET /second"), "{}", heads[2]);
}

#[test]
fn an_app_that_drops_the_readiness_connection_silently() {
    // The kept connection is closed by the app before the first invocation: the request is
    // sent again, once, on a new connection, and so on for every invocation.
    let app = App::start(Behaviour::SilentClose);
    let invocations = (0..3)
        .map(|i| Invocation::new(http_api_event(&format!("/n/{i}"))))
        .collect();
    let (outcomes, _m) = run(app.port, &[], invocations);
    for (i, outcome) in outcomes.iter().enumerate() {
        let res = response(outcome);
        let echo: Value = serde_json::from_slice(&body_of(&res)).unwrap();
        assert_eq!(echo["target"], format!("/n/{i}"));
    }
    assert_eq!(app.requests.load(std::sync::atomic::Ordering::SeqCst), 4);
    assert_eq!(app.connections.load(std::sync::atomic::Ordering::SeqCst), 4);
}

#[test]
fn an_app_that_closes_after_each_answer() {
    let app = App::start(Behaviour::CloseEach);
    let invocations = (0..4)
        .map(|i| Invocation::new(http_api_event(&format!("/n/{i}"))))
        .collect();
    let (outcomes, _m) = run(app.port, &[], invocations);
    for (i, outcome) in outcomes.iter().enumerate() {
        let res = response(outcome);
        let echo: Value = serde_json::from_slice(&body_of(&res)).unwrap();
        assert_eq!(echo["target"], format!("/n/{i}"));
    }
    // The readiness check and one connection per answer.
    assert_eq!(app.connections.load(std::sync::atomic::Ordering::SeqCst), 5);
}

#[test]
fn python_http_server_started_by_the_adapter() {
    // `.ci/run` installs python3; elsewhere a machine without it skips this test, saying so.
    let has_python = std::process::Command::new("python3")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_python {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is required under CI (.ci/run installs it)"
        );
        eprintln!("python3 not found: python_http_server_started_by_the_adapter skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("lz-adapter-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello.txt"), b"hello from python\n").unwrap();
    let port = apps::closed_port().to_string();
    let mock = MockRuntimeApi::start().unwrap();
    let ids = [
        mock.push(Invocation::new(http_api_event("/hello.txt"))),
        mock.push(Invocation::new(rest_event("/missing.txt"))),
        mock.push(Invocation::new(http_api_event("/hello.txt"))),
    ];
    let dir_arg = dir.display().to_string();
    let _adapter = Adapter::start(
        &mock,
        &[("AWS_LWA_PORT", &port)],
        &[
            "python3",
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            "--directory",
            &dir_arg,
            &port,
        ],
    );
    let outcomes = mock.wait_outcomes(3, WAIT);
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    let hello = response(&outcomes[0]);
    assert_eq!(hello["statusCode"], 200);
    assert_eq!(body_of(&hello), b"hello from python\n");
    let missing = response(&outcomes[1]);
    assert_eq!(missing["statusCode"], 404);
    assert_eq!(body_of(&response(&outcomes[2])), b"hello from python\n");
    for id in &ids {
        assert_eq!(mock.outcome_count(id), 1);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn binary_bodies_cookies_and_interim_answers() {
    let app = App::start(Behaviour::Echo);
    let (outcomes, _m) = run(
        app.port,
        &[],
        vec![
            Invocation::new(http_api_event("/binary")),
            Invocation::new(http_api_event("/cookies")),
            Invocation::new(rest_event("/cookies")),
            Invocation::new(http_api_event("/interim")),
            Invocation::new(http_api_event("/status/418")),
        ],
    );
    let binary = response(&outcomes[0]);
    assert_eq!(binary["isBase64Encoded"], true);
    assert_eq!(body_of(&binary), (0..=255u8).collect::<Vec<u8>>());
    let v2 = response(&outcomes[1]);
    assert_eq!(v2["statusCode"], 201);
    assert_eq!(v2["cookies"], serde_json::json!(["a=1; Secure", "b=2"]));
    assert_eq!(v2["headers"]["x-custom"], "yes");
    let rest = response(&outcomes[2]);
    assert_eq!(
        rest["multiValueHeaders"]["set-cookie"],
        serde_json::json!(["a=1; Secure", "b=2"])
    );
    let interim = response(&outcomes[3]);
    assert_eq!(body_of(&interim), b"final");
    assert_eq!(response(&outcomes[4])["statusCode"], 418);
}

#[test]
fn non_http_events_go_to_the_pass_through_path() {
    let app = App::start(Behaviour::Echo);
    let sqs = read_event("example-sqs-event.json");
    let eventbridge = read_event("example-eventbridge-event-obj.json");
    for (mode, path) in [("buffered", "/events"), ("response_stream", "/sqs")] {
        let (outcomes, _m) = run(
            app.port,
            &[
                ("AWS_LWA_INVOKE_MODE", mode),
                ("AWS_LWA_PASS_THROUGH_PATH", path),
            ],
            vec![
                Invocation::new(sqs.clone()),
                Invocation::new(eventbridge.clone()),
            ],
        );
        for (outcome, event) in outcomes.iter().zip([&sqs, &eventbridge]) {
            let body = match outcome {
                Outcome::Response { body, .. } => body.clone(),
                Outcome::Streamed { body, trailers, .. } => {
                    assert!(trailers.is_empty());
                    body.clone()
                }
                other => panic!("{other:?}"),
            };
            let echo: Value = serde_json::from_slice(&body).expect("the app's body as it is");
            assert_eq!(echo["method"], "POST");
            assert_eq!(echo["target"], path);
            assert_eq!(header(&echo, "content-type"), ["application/json"]);
            assert_eq!(&decode_base64(echo["body"].as_str().unwrap()), event);
        }
    }
}

#[test]
fn configuration_base_path_authorization_tenant_trace_and_error_status() {
    let app = App::start(Behaviour::Echo);
    let mut event: Value =
        serde_json::from_slice(&read_event("example-apigw-v2-request-no-authorizer.json")).unwrap();
    event["rawPath"] = Value::from("/api/users/7");
    event["headers"]["x-token"] = Value::from("Bearer abc");
    let event = serde_json::to_vec(&event).unwrap();
    let (outcomes, _m) = run(
        app.port,
        &[
            ("AWS_LWA_REMOVE_BASE_PATH", "/api"),
            ("AWS_LWA_AUTHORIZATION_SOURCE", "x-token"),
            ("AWS_LWA_ERROR_STATUS_CODES", "500,502-504"),
        ],
        vec![
            Invocation::new(event)
                .tenant_id("tenant-42")
                .trace_id("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"),
            Invocation::new(http_api_event("/status/503")),
            Invocation::new(http_api_event("/status/501")),
        ],
    );
    let echo: Value = serde_json::from_slice(&body_of(&response(&outcomes[0]))).unwrap();
    assert!(
        echo["target"].as_str().unwrap().starts_with("/users/7"),
        "{echo}"
    );
    assert_eq!(header(&echo, "authorization"), ["Bearer abc"]);
    assert!(header(&echo, "x-token").is_empty());
    assert_eq!(header(&echo, "x-amz-tenant-id"), ["tenant-42"]);
    assert_eq!(
        header(&echo, "x-amzn-trace-id"),
        ["Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"]
    );
    let lambda: Value = serde_json::from_str(header(&echo, "x-amzn-lambda-context")[0]).unwrap();
    assert_eq!(
        lambda["xray_trace_id"],
        "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    );
    assert_eq!(outcomes[1].error_type(), Some("Function.AppErrorStatus"));
    assert_eq!(response(&outcomes[2])["statusCode"], 501);
}

#[test]
fn tcp_readiness_and_a_separate_readiness_port() {
    let app = App::start(Behaviour::Echo);
    let check = App::start(Behaviour::Echo);
    let check_port = check.port.to_string();
    let (outcomes, _m) = run(
        app.port,
        &[
            ("AWS_LWA_READINESS_CHECK_PROTOCOL", "tcp"),
            ("AWS_LWA_READINESS_CHECK_PORT", &check_port),
        ],
        vec![Invocation::new(http_api_event("/x"))],
    );
    assert_eq!(response(&outcomes[0])["statusCode"], 200);
    // TCP: a connection, no request.
    assert_eq!(check.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(check.connections.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    assert_eq!(app.connections.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn extension_mode_registers_then_serves_the_invocations() {
    // As from /opt/extensions/: the adapter registers with the Extensions API, keeps its
    // event/next poll open, and serves the Runtime API's invocations itself (the function's
    // own runtime only starts the app).
    let app = App::start(Behaviour::Echo);
    let invocations = (0..3)
        .map(|i| Invocation::new(http_api_event(&format!("/ext/{i}"))))
        .collect();
    let (outcomes, mock) = run(
        app.port,
        &[("LAMBDA_ZERO_ADAPTER_EXTENSION", "true")],
        invocations,
    );
    for (i, outcome) in outcomes.iter().enumerate() {
        let res = response(outcome);
        assert_eq!(res["statusCode"], 200);
        let echo: Value = serde_json::from_slice(&body_of(&res)).unwrap();
        assert_eq!(echo["target"], format!("/ext/{i}"));
    }
    assert_eq!(mock.extensions(), ["lambda-zero-adapter"]);
    let requests = mock.requests();
    let register = requests
        .iter()
        .position(|r| r.path.ends_with("/extension/register"))
        .expect("a register request");
    let first_next = requests
        .iter()
        .position(|r| r.path.ends_with("/runtime/invocation/next"))
        .expect("a /next");
    assert!(register < first_next, "registered before the first /next");
    let register = &requests[register];
    assert!(
        register
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("lambda-extension-name")
                && v == "lambda-zero-adapter"),
        "the extension's name header"
    );
    let until = std::time::Instant::now() + WAIT;
    while !mock
        .requests()
        .iter()
        .any(|r| r.path.ends_with("/extension/event/next"))
    {
        assert!(std::time::Instant::now() < until, "no event/next poll");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn without_extension_mode_nothing_registers() {
    let app = App::start(Behaviour::Echo);
    let (outcomes, mock) = run(
        app.port,
        &[],
        vec![Invocation::new(http_api_event("/plain"))],
    );
    assert_eq!(response(&outcomes[0])["statusCode"], 200);
    assert!(
        mock.extensions().is_empty(),
        "a bootstrap registers no extension"
    );
}

/// An HTTP API event for `path` with an `accept-encoding` header.
fn http_api_event_accepting(path: &str, accept_encoding: &str) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(&http_api_event(path)).unwrap();
    event["headers"]["accept-encoding"] = Value::from(accept_encoding);
    serde_json::to_vec(&event).unwrap()
}

#[cfg(feature = "compression")]
#[test]
fn compression_gzips_answers_for_clients_that_take_gzip() {
    let app = App::start(Behaviour::Echo);
    let (outcomes, _m) = run(
        app.port,
        &[("AWS_LWA_ENABLE_COMPRESSION", "true")],
        vec![
            Invocation::new(http_api_event_accepting("/gz", "gzip, deflate, br")),
            Invocation::new(http_api_event("/plain")),
            Invocation::new(http_api_event_accepting("/br-only", "br")),
            Invocation::new(http_api_event_accepting("/status/200", "gzip")),
        ],
    );
    // Taken: gzip, in base64, without the app's Content-Length.
    let res = response(&outcomes[0]);
    assert_eq!(res["headers"]["content-encoding"], "gzip", "{res}");
    assert_eq!(res["headers"]["vary"], "accept-encoding", "{res}");
    assert!(res["headers"].get("content-length").is_none(), "{res}");
    assert_eq!(res["isBase64Encoded"], true);
    let gz = body_of(&res);
    assert_eq!(&gz[..3], &[0x1f, 0x8b, 8]);
    // zlib-rs inflates the member and checks its CRC-32 and length.
    let mut inflate = zlib_rs::Inflate::new(true, 31);
    let mut json = vec![0u8; 1 << 20];
    let status = inflate
        .decompress(&gz, &mut json, zlib_rs::InflateFlush::Finish)
        .expect("a valid gzip member");
    assert_eq!(status, zlib_rs::Status::StreamEnd);
    json.truncate(inflate.total_out() as usize);
    let echo: Value = serde_json::from_slice(&json).expect("the app's JSON, inflated");
    assert_eq!(echo["target"], "/gz");
    // No Accept-Encoding, Brotli only, or a body under 32 bytes: as the app sent it.
    for (outcome, path) in outcomes[1..3].iter().zip(["/plain", "/br-only"]) {
        let res = response(outcome);
        assert!(res["headers"].get("content-encoding").is_none(), "{res}");
        let echo: Value = serde_json::from_slice(&body_of(&res)).unwrap();
        assert_eq!(echo["target"], path);
    }
    let res = response(&outcomes[3]);
    assert!(res["headers"].get("content-encoding").is_none(), "{res}");
    assert_eq!(body_of(&res), b"as asked");
}

#[test]
fn without_compression_configured_a_gzip_client_gets_the_body_as_it_is() {
    let app = App::start(Behaviour::Echo);
    let (outcomes, _m) = run(
        app.port,
        &[],
        vec![Invocation::new(http_api_event_accepting("/x", "gzip"))],
    );
    let res = response(&outcomes[0]);
    assert!(res["headers"].get("content-encoding").is_none(), "{res}");
    let echo: Value = serde_json::from_slice(&body_of(&res)).unwrap();
    assert_eq!(echo["target"], "/x");
}
