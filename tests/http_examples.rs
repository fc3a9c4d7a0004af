//! `examples/http_echo` and `examples/http_router`, and a streaming HTTP handler, run by the
//! runtime against the mock Runtime API: every HTTP sample event in `tests/events` (and its
//! `lambda-http` folder) and generated ones go in, and each answer is checked in the response
//! shape of the event's source.
#![cfg(all(feature = "http", feature = "testing"))]
#![allow(clippy::result_large_err)]

use std::path::Path;
use std::time::Duration;

use lambda_zero::http::{self, Source};
use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use lambda_zero::{Runtime, HTTP_INTEGRATION_CONTENT_TYPE};
use serde_json::{json, Value};

#[allow(dead_code)]
#[path = "../examples/http_echo.rs"]
mod echo;

#[allow(dead_code)]
#[path = "../examples/http_router.rs"]
mod router;

const WAIT: Duration = Duration::from_secs(20);

#[path = "common/http_samples.rs"]
mod http_samples;
use http_samples::SAMPLES;

fn read_event(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/events")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serves `events` to `handler` through the mock; returns the outcomes in order.
fn serve<F, K>(handler: F, events: &[Vec<u8>]) -> Vec<Outcome>
where
    F: lambda_zero::Function<K>,
{
    let server = MockRuntimeApi::start().expect("mock starts");
    let ids: Vec<String> = events
        .iter()
        .map(|e| server.push(Invocation::new(e.clone())))
        .collect();
    Runtime::new(&server.endpoint())
        .expect("endpoint")
        .max_invocations(events.len() as u64)
        .run(handler)
        .expect("the runtime serves every event");
    let outcomes = server.wait_outcomes(events.len(), WAIT);
    assert_eq!(outcomes.len(), events.len());
    for (id, outcome) in ids.iter().zip(&outcomes) {
        assert_eq!(outcome.request_id(), Some(id.as_str()));
        assert_eq!(server.outcome_count(id), 1, "one answer per event");
    }
    outcomes
}

fn response_json(outcome: &Outcome) -> Value {
    assert!(matches!(outcome, Outcome::Response { .. }), "{outcome:?}");
    serde_json::from_slice(outcome.body()).expect("the response is JSON")
}

/// The value of response header `name` in whichever object the shape puts it.
fn response_header(res: &Value, name: &str) -> Option<String> {
    let find = |object: &Value| {
        object.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        })
    };
    if let Some(v) = find(&res["headers"]) {
        return v.as_str().map(str::to_string);
    }
    let v = find(&res["multiValueHeaders"])?;
    Some(
        v.as_array()?
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The echo body a sample should get, computed from the event with serde_json.
fn expected_echo(event: &Value, source: Source) -> Value {
    let stage = event["requestContext"]["stage"].as_str();
    let raw_path = match source {
        Source::HttpApi | Source::FunctionUrl => event["rawPath"].as_str(),
        _ => event["path"].as_str(),
    }
    .unwrap_or("");
    let path = match stage {
        Some(stage) if stage != "$default" && source.has_stage() => {
            if raw_path.starts_with(&format!("/{stage}/")) {
                raw_path.to_string()
            } else {
                format!("/{stage}{raw_path}")
            }
        }
        _ if raw_path.is_empty() => "/".to_string(),
        _ => raw_path.to_string(),
    };
    let method = match source {
        Source::HttpApi | Source::FunctionUrl => event["requestContext"]["http"]["method"].as_str(),
        _ => event["httpMethod"].as_str(),
    }
    .unwrap_or("GET");
    let mut query = serde_json::Map::new();
    match source {
        Source::HttpApi | Source::FunctionUrl => {
            for pair in event["rawQueryString"].as_str().unwrap_or("").split('&') {
                if let Some((k, v)) = pair.split_once('=') {
                    query.entry(k.to_string()).or_insert(json!(v));
                }
            }
        }
        _ => {
            let multi = &event["multiValueQueryStringParameters"];
            if multi.as_object().is_some_and(|o| !o.is_empty()) {
                for (k, v) in multi.as_object().unwrap() {
                    query.insert(k.clone(), v[0].clone());
                }
            } else if let Some(o) = event["queryStringParameters"].as_object() {
                for (k, v) in o {
                    query.insert(k.clone(), v.clone());
                }
            }
        }
    }
    let cookies: Vec<String> = match event["cookies"].as_array() {
        Some(array) if source.is_payload_v2() => array
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => {
            let headers = event["multiValueHeaders"]
                .as_object()
                .or(event["headers"].as_object());
            headers
                .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case("cookie")))
                .map(|(_, v)| match v {
                    Value::Array(values) => values
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(";"),
                    v => v.as_str().unwrap_or("").to_string(),
                })
                .map(|c| {
                    c.split(';')
                        .map(|c| c.trim().to_string())
                        .filter(|c| !c.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        }
    };
    json!({
        "source": source.name(),
        "method": method,
        "path": path,
        "query": query,
        "cookies": cookies,
        "body": event["body"].as_str().unwrap_or(""),
    })
}

#[test]
fn http_echo_answers_every_sample_in_its_source_shape() {
    let events: Vec<Vec<u8>> = SAMPLES.iter().map(|(name, _)| read_event(name)).collect();
    let outcomes = serve(echo::handler(), &events);
    for ((name, source), (event, outcome)) in SAMPLES.iter().zip(events.iter().zip(&outcomes)) {
        let event: Value = serde_json::from_slice(event).unwrap();
        let res = response_json(outcome);
        assert_eq!(res["statusCode"], 200, "{name}");
        assert_eq!(res["isBase64Encoded"], false, "{name}");
        assert_eq!(
            response_header(&res, "content-type").as_deref(),
            Some("application/json"),
            "{name}: {res}"
        );
        let body: Value = serde_json::from_str(res["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, expected_echo(&event, *source), "{name}");
        // The shape: each source's own fields and no other's.
        let has = |k: &str| res.get(k).is_some();
        match source {
            Source::HttpApi | Source::FunctionUrl => {
                assert!(
                    has("headers") && !has("multiValueHeaders") && !has("statusDescription"),
                    "{name}: {res}"
                )
            }
            Source::Alb => {
                assert_eq!(res["statusDescription"], "200 OK", "{name}");
                let multi = event.get("multiValueHeaders").is_some();
                assert_eq!(
                    (has("multiValueHeaders"), has("headers")),
                    (multi, !multi),
                    "{name}: {res}"
                );
            }
            Source::ApiGatewayRest | Source::WebSocket => {
                assert!(
                    !has("statusDescription") && !has("cookies"),
                    "{name}: {res}"
                );
                let multi = event.get("multiValueHeaders").is_some();
                assert_eq!(has("multiValueHeaders"), multi, "{name}: {res}");
            }
            Source::VpcLattice => unreachable!("no Lattice sample"),
        }
    }
}

#[test]
fn http_echo_decodes_base64_bodies_and_names_every_source() {
    let v2 = |body: &str, base64: bool| {
        format!(
            r#"{{"version":"2.0","rawPath":"/up","rawQueryString":"a=1&a=2&b=%20","cookies":["s=1","t=2"],
               "requestContext":{{"http":{{"method":"PUT"}},"domainName":"x.lambda-url.us-east-1.on.aws","stage":"$default"}},
               "body":"{body}","isBase64Encoded":{base64}}}"#
        )
        .into_bytes()
    };
    let lattice = br#"{"version":"2.0","path":"/l","method":"DELETE","headers":{"cookie":["a=1; b=2"]},
        "queryStringParameters":{"k":["v%21"]},"requestContext":{"serviceNetworkArn":"arn"},"body":"aGk=","isBase64Encoded":true}"#;
    let events = vec![
        v2("aMOpbGxvIOKYgw==", true),
        v2("\\u00e9\\n", false),
        v2("/w==", true),
        lattice.to_vec(),
    ];
    let outcomes = serve(echo::handler(), &events);
    let bodies: Vec<Value> = outcomes
        .iter()
        .map(|o| serde_json::from_str(response_json(o)["body"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(
        bodies[0],
        json!({"source":"function-url","method":"PUT","path":"/up","query":{"a":"1","b":" "},
               "cookies":["s=1","t=2"],"body":"héllo ☃"})
    );
    assert_eq!(bodies[1]["body"], "é\n");
    assert_eq!(
        bodies[2]["body"], "\u{fffd}",
        "bytes that are not UTF-8 read as U+FFFD"
    );
    assert_eq!(
        bodies[3],
        json!({"source":"vpc-lattice","method":"DELETE","path":"/l","query":{"k":"v!"},
               "cookies":["a=1","b=2"],"body":"hi"})
    );
    let res = response_json(&outcomes[3]);
    assert_eq!(res["statusDescription"], "200 OK");
}

#[test]
fn http_echo_reports_events_that_are_not_http() {
    let events = vec![
        read_event("example-sqs-event.json"),
        b"{\"httpMethod\":".to_vec(),
        br#"{"version":"2.0","requestContext":{"http":{}}}"#.to_vec(),
    ];
    let outcomes = serve(echo::handler(), &events);
    let types: Vec<Option<&str>> = outcomes.iter().map(Outcome::error_type).collect();
    assert_eq!(
        types,
        [
            Some("Runtime.NotAnHttpEvent"),
            Some("Runtime.InvalidJson"),
            Some("Runtime.InvalidHttpEvent")
        ]
    );
    let message: Value = serde_json::from_slice(outcomes[2].body()).unwrap();
    assert!(
        message["errorMessage"]
            .as_str()
            .unwrap()
            .contains("`requestContext.http.method` is missing"),
        "{message}"
    );
}

#[test]
fn http_router_routes_across_sources() {
    let rest = |method: &str, path: &str, body: &str, content_type: &str| {
        format!(
            r#"{{"httpMethod":"{method}","path":"{path}","headers":{{"Content-Type":"{content_type}"}},
               "requestContext":{{"stage":"prod","requestId":"r"}},"body":{}}}"#,
            serde_json::to_string(body).unwrap()
        )
        .into_bytes()
    };
    let v2 = |method: &str, raw_path: &str| {
        format!(
            r#"{{"version":"2.0","rawPath":"{raw_path}","requestContext":{{"http":{{"method":"{method}"}},"stage":"prod"}}}}"#
        )
        .into_bytes()
    };
    let alb_base64 = br#"{"requestContext":{"elb":{}},"httpMethod":"POST","path":"/users/3/greetings",
        "headers":{"content-type":"application/json"},"body":"eyJ0ZXh0IjoiSGkifQ==","isBase64Encoded":true}"#;
    let events = vec![
        v2("GET", "/prod/health"),
        rest("GET", "/users/2", "", "text/plain"),
        rest("GET", "/users/9", "", "text/plain"),
        rest(
            "POST",
            "/users/1/greetings",
            r#"{"text":"Hello \"you\""}"#,
            "application/json",
        ),
        rest(
            "POST",
            "/users/1/greetings",
            r#"{"txt":1}"#,
            "application/json",
        ),
        rest("POST", "/users/1/greetings", "hi", "text/plain"),
        rest("DELETE", "/users/1", "", "text/plain"),
        v2("GET", "/prod/nope"),
        alb_base64.to_vec(),
    ];
    let outcomes = serve(router::handler(), &events);
    let answers: Vec<(u64, Value, Option<String>)> = outcomes
        .iter()
        .map(|o| {
            let res = response_json(o);
            let body = serde_json::from_str(res["body"].as_str().unwrap()).unwrap();
            (
                res["statusCode"].as_u64().unwrap(),
                body,
                response_header(&res, "allow"),
            )
        })
        .collect();
    assert_eq!(answers[0], (200, json!({"ok":true}), None));
    assert_eq!(answers[1], (200, json!({"id":2,"name":"Grace"}), None));
    assert_eq!(answers[2], (404, json!({"error":"no user 9"}), None));
    assert_eq!(
        answers[3],
        (201, json!({"to":"Ada","text":"Hello \"you\""}), None)
    );
    assert_eq!(answers[4].0, 400);
    assert!(answers[4].1["error"]
        .as_str()
        .unwrap()
        .starts_with("the request body does not match"));
    assert_eq!(
        answers[5],
        (415, json!({"error":"send application/json"}), None)
    );
    assert_eq!(
        answers[6],
        (405, json!({"error":"use GET"}), Some("GET".to_string()))
    );
    assert_eq!(
        answers[7],
        (404, json!({"error":"no route for GET /prod/nope"}), None)
    );
    assert_eq!(answers[8], (201, json!({"to":"Barbara","text":"Hi"}), None));
    for o in &outcomes {
        assert_eq!(
            response_header(&response_json(o), "content-type").as_deref(),
            Some("application/json")
        );
    }
}

/// Splits a streamed HTTP integration response into its prelude and body.
fn prelude_and_body(outcome: &Outcome) -> (Value, Vec<u8>) {
    let Outcome::Streamed { body, headers, .. } = outcome else {
        panic!("a streamed response: {outcome:?}");
    };
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str());
    assert_eq!(content_type, Some(HTTP_INTEGRATION_CONTENT_TYPE));
    let at = body
        .windows(8)
        .position(|w| w == [0; 8])
        .expect("the separator");
    (
        serde_json::from_slice(&body[..at]).expect("the prelude is JSON"),
        body[at + 8..].to_vec(),
    )
}

#[test]
fn streamed_responses_send_the_prelude_of_their_source() {
    let handler = http::http_stream_fn(|req, res, _ctx| {
        res.status(207)
            .content_type("text/plain")
            .cookie("a=1")
            .cookie("b=2");
        if req.path() == "/empty" {
            return Ok(());
        }
        res.write(b"path=")?;
        res.write(req.path().as_bytes())?;
        res.write_display(&format_args!(";body={}", req.body_str().unwrap_or("?")))?;
        Ok(())
    });
    let url = br#"{"version":"2.0","rawPath":"/s","requestContext":{"http":{"method":"GET"},"domainName":"u.lambda-url.eu-west-1.on.aws"},"body":"Zm9v","isBase64Encoded":true}"#;
    let rest = br#"{"httpMethod":"GET","path":"/r","requestContext":{"stage":"$default"},"multiValueHeaders":{},"body":"b"}"#;
    let empty =
        br#"{"version":"2.0","rawPath":"/empty","requestContext":{"http":{"method":"GET"}}}"#;
    let bad = br#"{"version":"2.0","rawPath":"/s","requestContext":{"http":{"method":"GET"}},"body":"@@@@","isBase64Encoded":true}"#;
    let outcomes = serve(
        handler,
        &[url.to_vec(), rest.to_vec(), empty.to_vec(), bad.to_vec()],
    );
    let (prelude, body) = prelude_and_body(&outcomes[0]);
    assert_eq!(
        prelude,
        json!({"statusCode":207,"headers":{"content-type":"text/plain"},"cookies":["a=1","b=2"]})
    );
    assert_eq!(body, b"path=/s;body=foo");
    let (prelude, body) = prelude_and_body(&outcomes[1]);
    assert_eq!(
        prelude,
        json!({"statusCode":207,"multiValueHeaders":{"content-type":["text/plain"],"set-cookie":["a=1","b=2"]},"cookies":[]})
    );
    assert_eq!(body, b"path=/r;body=b");
    let (prelude, body) = prelude_and_body(&outcomes[2]);
    assert_eq!(prelude["statusCode"], 207);
    assert!(body.is_empty());
    let (prelude, body) = prelude_and_body(&outcomes[3]);
    assert_eq!(prelude["statusCode"], 400);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("not standard padded base64"));
}
