//! The axum app of `src/axum_app.rs` as two bootstrap processes, `axum_app` (lambda-zero's
//! tower bridge) and `axum_app_lambda_http` (`lambda_http::run`), each given every HTTP
//! sample and generated event through lambda-zero's mock Runtime API: both answer every event
//! the same as the client sees it (`as_the_client_sees_it`: status, headers as the source
//! reads them, cookies, body and its encoding). The raw answers may differ in one way only:
//! for ALB, lambda_http writes both `headers` and `multiValueHeaders` and the load balancer
//! reads the one its target group's mode names; lambda-zero writes only that one. And one
//! difference is asserted exactly: lambda-zero writes VPC Lattice's optional
//! `statusDescription`, lambda_http leaves it out.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lambda_zero::http::Source;
use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use lambda_zero_compare_http::events;
use serde_json::Value;

/// The one sample `lambda_http` cannot read (as in tests/differential.rs).
const REFUSED_BY_LAMBDA_HTTP: &str = "example-apigw-v2-custom-authorizer-v2-request.json";

const WAIT: Duration = Duration::from_secs(60);

struct Bootstrap(Child);

impl Drop for Bootstrap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every answer of `bin` to `events`, in order, from one process.
fn answers(bin: &Path, events: &[Vec<u8>]) -> Vec<Outcome> {
    let server = MockRuntimeApi::start().unwrap();
    let ids: Vec<String> = events
        .iter()
        .map(|e| server.push(Invocation::new(e.clone())))
        .collect();
    let _bootstrap = Bootstrap(
        Command::new(bin)
            .env_clear()
            .envs(server.lambda_env(bin))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let outcomes = server.wait_outcomes(events.len(), WAIT);
    assert_eq!(
        outcomes.len(),
        events.len(),
        "{}: every event answered",
        bin.display()
    );
    ids.iter()
        .map(|id| {
            outcomes
                .iter()
                .find(|o| o.request_id() == Some(id.as_str()))
                .unwrap()
                .clone()
        })
        .collect()
}

/// The answer as JSON with its JSON body parsed, so that member order does not count.
fn json(outcome: &Outcome) -> Value {
    let mut v: Value = serde_json::from_slice(outcome.body())
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(outcome.body()).into()));
    if let Some(body) = v["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
    {
        v["body"] = body;
    }
    v
}

/// What the client gets from `answer`: the headers the source reads (name → every value),
/// status, description, cookies, body, encoding.
fn as_the_client_sees_it(answer: &Value, source: Source, request: &Value) -> Value {
    let request_multi = request["multiValueHeaders"].is_object();
    let single = || answer["headers"].as_object().cloned().unwrap_or_default();
    let multi = || {
        answer["multiValueHeaders"]
            .as_object()
            .cloned()
            .unwrap_or_default()
    };
    let mut headers = serde_json::Map::new();
    let add_single = |headers: &mut serde_json::Map<String, Value>| {
        for (k, v) in single() {
            headers
                .entry(k.to_ascii_lowercase())
                .or_insert_with(|| Value::Array(vec![v]));
        }
    };
    match source {
        // The load balancer reads one object: the one its multi-value mode names.
        Source::Alb if request_multi => {
            for (k, v) in multi() {
                headers.insert(k.to_ascii_lowercase(), v);
            }
        }
        Source::Alb | Source::HttpApi | Source::FunctionUrl | Source::VpcLattice => {
            add_single(&mut headers)
        }
        // API Gateway REST and WebSocket merge both objects, the multi-value one first.
        Source::ApiGatewayRest | Source::WebSocket => {
            for (k, v) in multi() {
                headers.insert(k.to_ascii_lowercase(), v);
            }
            add_single(&mut headers);
        }
    }
    // lambda_http rebuilds a query string from a hash map (REST, ALB, Lattice): its order of
    // names is arbitrary. The echo's query is compared as a sorted list of pairs.
    let mut body = answer["body"].clone();
    if let Some(query) = body["query"].as_str() {
        let mut pairs: Vec<&str> = query.split('&').collect();
        pairs.sort();
        body["query"] = Value::from(pairs.join("&"));
    }
    serde_json::json!({
        "statusCode": answer["statusCode"],
        "statusDescription": answer["statusDescription"],
        "headers": headers,
        // An empty `cookies` array and none are the same answer.
        "cookies": match &answer["cookies"] {
            Value::Array(c) if c.is_empty() => Value::Null,
            c => c.clone(),
        },
        "body": body,
        "isBase64Encoded": answer["isBase64Encoded"],
        "errorType": answer["errorType"],
    })
}

#[test]
fn the_axum_app_answers_every_event_alike_on_lambda_zero_and_on_lambda_http() {
    let all = events();
    let bytes: Vec<Vec<u8>> = all.iter().map(|(_, e, _)| e.clone()).collect();
    let ours = answers(Path::new(env!("CARGO_BIN_EXE_axum_app")), &bytes);
    let theirs = answers(
        Path::new(env!("CARGO_BIN_EXE_axum_app_lambda_http")),
        &bytes,
    );
    let mut compared = 0;
    for (((name, event, source), ours), theirs) in all.iter().zip(&ours).zip(&theirs) {
        let (ours, theirs) = (json(ours), json(theirs));
        println!("{name} ({source:?}):\n  lambda-zero: {ours}\n  lambda_http: {theirs}");
        let request: Value = serde_json::from_slice(event).unwrap();
        if name == REFUSED_BY_LAMBDA_HTTP {
            // lambda_http cannot read this sample at all; lambda-zero's app answers it.
            assert_eq!(ours["statusCode"], 200, "{name}");
            assert!(theirs["errorType"]
                .as_str()
                .unwrap()
                .contains("DeserializeError"));
            compared += 1;
            continue;
        }
        let mut ours = ours;
        if *source == Source::VpcLattice {
            // lambda-zero writes Lattice's optional `statusDescription`; lambda_http does not.
            let code = ours["statusCode"].as_u64().unwrap();
            assert!(ours["statusDescription"]
                .as_str()
                .unwrap()
                .starts_with(&code.to_string()));
            assert!(theirs["statusDescription"].is_null(), "{name}");
            ours.as_object_mut().unwrap().remove("statusDescription");
        }
        assert_eq!(
            as_the_client_sees_it(&ours, *source, &request),
            as_the_client_sees_it(&theirs, *source, &request),
            "{name}"
        );
        compared += 1;
    }
    assert_eq!(compared, all.len());
}
