//! The HTTP request view and response shapes, handler called directly: every HTTP sample
//! event in `tests/events` (and `tests/events/lambda-http`) detected as its source and read
//! field by field; every other sample refused as not HTTP; generated events for each source
//! with escapes, empty and absent fields, base64 bodies (round-tripping through request and
//! response), and the errors for malformed events.
#![cfg(feature = "http")]
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};

use lambda_zero::http::{Http, HttpHandler, Request, Response, Source, MAX_QUERY_PARAMS};
use lambda_zero::json::Limits;
use lambda_zero::{Config, Context, Error, Handler};

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events")
}

fn read_event(name: &str) -> Vec<u8> {
    std::fs::read(events_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What a request held, owned.
#[derive(Debug, Clone, Default, PartialEq)]
struct Seen {
    source: Option<Source>,
    method: String,
    path: String,
    raw_path: String,
    path_without_stage: String,
    stage: Option<String>,
    raw_query: Option<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
    body: Vec<u8>,
    base64: bool,
    source_ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    path_parameters: Vec<(String, String)>,
    claims: Option<String>,
    authorizer_context: Option<String>,
    route_key: Option<String>,
    connection_id: Option<String>,
    event_type: Option<String>,
    multi_value_headers: bool,
}

fn s(v: &str) -> String {
    v.to_string()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(n, v)| (s(n), s(v))).collect()
}

impl Seen {
    fn of(req: &Request<'_>) -> Seen {
        Seen {
            source: Some(req.source()),
            method: s(req.method()),
            path: s(req.path()),
            raw_path: s(req.raw_path()),
            path_without_stage: s(req.path_without_stage()),
            stage: req.stage().map(s),
            raw_query: req.raw_query().map(s),
            query: req.query().iter().map(|(n, v)| (s(n), s(v))).collect(),
            headers: req.headers().iter().map(|(n, v)| (s(n), s(v))).collect(),
            cookies: req.cookies().iter().map(|c| s(c.as_str())).collect(),
            body: req.body().to_vec(),
            base64: req.is_base64_encoded(),
            source_ip: req.source_ip().map(s),
            user_agent: req.user_agent().map(s),
            request_id: req.request_id().map(s),
            path_parameters: req.path_parameters().map(|(n, v)| (s(n), s(v))).collect(),
            claims: req.claims().map(|v| format!("{v:?}")),
            authorizer_context: req.authorizer_context().map(|v| format!("{v:?}")),
            route_key: req.route_key().map(s),
            connection_id: req.connection_id().map(s),
            event_type: req.event_type().map(s),
            multi_value_headers: req.multi_value_headers(),
        }
    }

    fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Records the request and answers with the request body, as binary when it was base64.
#[derive(Default)]
struct Recorder {
    seen: Option<Seen>,
}

impl HttpHandler for Recorder {
    fn handle(
        &mut self,
        req: &Request<'_>,
        res: &mut Response<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        self.seen = Some(Seen::of(req));
        if req.is_base64_encoded() {
            res.content_type("application/octet-stream");
        }
        res.body(req.body())?;
        Ok(())
    }
}

fn adapter() -> Http<Recorder> {
    Http::with_limits(Recorder::default(), Limits::strict(256 * 1024, 256 * 1024))
        .ignore_stage_in_path(false)
}

/// The request the adapter built from `event` and the response it wrote.
fn run(event: &[u8]) -> Result<(Seen, serde_json::Value), Error> {
    let mut h = adapter();
    run_with(&mut h, event)
}

fn run_with(h: &mut Http<Recorder>, event: &[u8]) -> Result<(Seen, serde_json::Value), Error> {
    let config = Config::default();
    let ctx = Context::for_test("req-1", &config);
    h.handler().seen = None;
    let mut buf = event.to_vec();
    let out = h.handle(&mut buf, &ctx)?.to_vec();
    let response = serde_json::from_slice(&out).unwrap_or_else(|e| {
        panic!(
            "the response is JSON ({e}): {}",
            String::from_utf8_lossy(&out)
        )
    });
    Ok((h.handler().seen.clone().unwrap_or_default(), response))
}

#[path = "common/http_samples.rs"]
mod http_samples;
use http_samples::SAMPLES;

#[test]
fn every_http_sample_is_detected_as_its_source_and_every_other_sample_is_refused() {
    let mut names: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.ends_with(".json").then_some(name)
        })
        .collect();
    names.sort();
    let mut http = 0;
    for name in &names {
        let event = read_event(name);
        match SAMPLES.iter().find(|(n, _)| n == name) {
            Some(&(_, source)) => {
                let (seen, _) = run(&event).unwrap_or_else(|e| panic!("{name}: {e:?}"));
                assert_eq!(seen.source, Some(source), "{name}");
                http += 1;
            }
            None => {
                let e = run(&event)
                    .err()
                    .unwrap_or_else(|| panic!("{name} is not HTTP"));
                assert_eq!(
                    e.error_type(),
                    "Runtime.NotAnHttpEvent",
                    "{name}: {}",
                    e.message()
                );
                assert!(e
                    .message()
                    .contains("expected an API Gateway REST API event"));
            }
        }
    }
    for &(name, source) in SAMPLES
        .iter()
        .filter(|(n, _)| n.starts_with("lambda-http/"))
    {
        let (seen, _) = run(&read_event(name)).unwrap();
        assert_eq!(seen.source, Some(source), "{name}");
        http += 1;
    }
    assert_eq!(http, SAMPLES.len(), "every HTTP sample was read");
    assert!(
        names.len() > 30,
        "the other samples were there to refuse: {}",
        names.len()
    );
}

#[test]
fn rest_samples_read_field_by_field() {
    let (seen, res) = run(&read_event(
        "example-apigw-request-multi-value-parameters.json",
    ))
    .unwrap();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.raw_path, "/hello/world");
    assert_eq!(seen.path_without_stage, "/hello/world");
    assert_eq!(
        seen.path, "/testStage/hello/world",
        "lambda_http's uri().path()"
    );
    assert_eq!(seen.stage.as_deref(), Some("testStage"));
    assert_eq!(seen.query, pairs(&[("name", "me"), ("name", "me2")]));
    assert_eq!(seen.raw_query, None);
    assert_eq!(
        seen.header_values("headername"),
        ["headerValue", "headerValue2"]
    );
    assert_eq!(seen.header_values("content-type"), ["application/json"]);
    assert_eq!(
        seen.headers.len(),
        20,
        "one pair per value: {:?}",
        seen.headers
    );
    assert_eq!(seen.body, b"{\r\n\t\"a\": 1\r\n}");
    assert!(!seen.base64);
    assert_eq!(seen.source_ip.as_deref(), Some("192.168.196.186"));
    assert_eq!(seen.user_agent.as_deref(), Some("PostmanRuntime/2.4.5"));
    assert_eq!(
        seen.request_id.as_deref(),
        Some("deef4878-7910-11e6-8f14-25afc3e9ae33")
    );
    assert_eq!(seen.path_parameters, pairs(&[("proxy", "hello/world")]));
    assert_eq!(
        seen.authorizer_context.as_deref(),
        Some(r#"{"principalId": "admin", "clientId": 1, "clientName": "Exata"}"#)
    );
    assert!(seen.multi_value_headers);
    assert_eq!(res["statusCode"], 200);
    assert_eq!(res["body"], "{\r\n\t\"a\": 1\r\n}");
    assert!(
        res.get("multiValueHeaders").is_some(),
        "REST answers in multiValueHeaders when asked in them"
    );

    let (seen, _) = run(&read_event("lambda-http/apigw_proxy_request.json")).unwrap();
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", "/test/hello")
    );
    assert_eq!(seen.query, pairs(&[("name", "me")]));
    assert!(seen.body.is_empty());
    assert!(!seen.multi_value_headers);
    assert_eq!(
        seen.header_values("host"),
        ["wt6mne2s9k.execute-api.us-west-2.amazonaws.com"]
    );

    let (seen, _) = run(&read_event(
        "example-apigw-custom-auth-request-type-request.json",
    ))
    .unwrap();
    assert_eq!(seen.query, pairs(&[("QueryString1", "queryValue1")]));
    assert!(seen.path_parameters.is_empty());
    assert_eq!(seen.path, "/test/request");
}

#[test]
fn http_api_and_function_url_samples_read_field_by_field() {
    let (seen, res) = run(&read_event("lambda-http/apigw_v2_proxy_request.json")).unwrap();
    assert_eq!(seen.source, Some(Source::HttpApi));
    assert_eq!(seen.method, "POST");
    assert_eq!(
        (seen.path.as_str(), seen.raw_path.as_str()),
        ("/my/path", "/my/path")
    );
    assert_eq!(seen.stage.as_deref(), Some("$default"));
    assert_eq!(
        seen.raw_query.as_deref(),
        Some("parameter1=value1&parameter1=value2&parameter2=value")
    );
    assert_eq!(
        seen.query,
        pairs(&[
            ("parameter1", "value1"),
            ("parameter1", "value2"),
            ("parameter2", "value")
        ]),
        "from the raw query string, not the comma-joined queryStringParameters"
    );
    assert_eq!(seen.cookies, ["cookie1=value1", "cookie2=value2"]);
    assert_eq!(
        seen.header_values("cookie"),
        ["cookie1=value1; cookie2=value2"]
    );
    assert_eq!(seen.header_values("header1"), ["value1"]);
    assert_eq!(seen.body, b"Hello from Lambda");
    assert_eq!(seen.source_ip.as_deref(), Some("IP"));
    assert_eq!(seen.user_agent.as_deref(), Some("agent"));
    assert_eq!(seen.request_id.as_deref(), Some("id"));
    assert_eq!(seen.route_key.as_deref(), Some("$default"));
    assert_eq!(
        seen.claims.as_deref(),
        Some(r#"{"claim1": "value1", "claim2": "value2"}"#)
    );
    assert_eq!(res["headers"], serde_json::json!({}));
    assert_eq!(res["body"], "Hello from Lambda");
    assert!(res.get("multiValueHeaders").is_none());

    let (seen, _) = run(&read_event("lambda-http/lambda_function_url_request.json")).unwrap();
    assert_eq!(seen.source, Some(Source::FunctionUrl));
    assert_eq!(seen.cookies, ["test=hi"]);
    assert_eq!(seen.header_values("cookie"), ["test=hi"]);
    assert_eq!(seen.user_agent.as_deref(), Some("curl/7.68.0"));
    assert!(seen.body.is_empty());

    let (seen, _) = run(&read_event(
        "example-apigw-v2-request-lambda-authorizer.json",
    ))
    .unwrap();
    assert_eq!(
        seen.authorizer_context.as_deref(),
        Some(r#"{"key": "value"}"#)
    );
    assert_eq!(seen.claims, None);
    assert_eq!(seen.cookies, ["cookie1", "cookie2"]);
    let (seen, _) = run(&read_event("example-apigw-v2-request-no-authorizer.json")).unwrap();
    assert!(seen.query.is_empty() && seen.cookies.is_empty());
    assert_eq!(seen.raw_query.as_deref(), Some(""));
    assert_eq!(seen.path, "/");
}

#[test]
fn alb_and_websocket_samples_read_field_by_field() {
    let (seen, res) = run(&read_event(
        "example-alb-lambda-target-request-multivalue-headers.json",
    ))
    .unwrap();
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.path, "/");
    assert_eq!(seen.stage, None);
    assert_eq!(seen.query, pairs(&[("key", "hello")]));
    assert_eq!(seen.source_ip.as_deref(), Some("72.21.198.67"));
    assert_eq!(seen.user_agent.as_deref(), Some("curl/7.54.0"));
    assert_eq!(seen.request_id, None);
    assert_eq!(seen.body, b"Some text");
    assert!(seen.multi_value_headers);
    assert_eq!(res["statusDescription"], "200 OK");
    assert!(res.get("multiValueHeaders").is_some() && res.get("headers").is_none());

    let (seen, res) = run(&read_event(
        "example-alb-lambda-target-request-headers-only.json",
    ))
    .unwrap();
    assert!(!seen.multi_value_headers);
    assert_eq!(seen.header_values("x-myheader"), ["123"]);
    assert!(res.get("headers").is_some() && res.get("multiValueHeaders").is_none());

    let (seen, _) = run(&read_event("lambda-http/alb_request.json")).unwrap();
    assert_eq!(seen.cookies, ["cookies"]);
    assert_eq!(seen.query, pairs(&[("myKey", "val2")]));

    let (seen, res) = run(&read_event("example-apigw-websocket-request.json")).unwrap();
    assert_eq!(seen.source, Some(Source::WebSocket));
    assert_eq!(seen.connection_id.as_deref(), Some("TWegAcC4EowCHnA="));
    assert_eq!(seen.event_type.as_deref(), Some("CONNECT"));
    assert_eq!(seen.route_key.as_deref(), Some("$connect"));
    assert_eq!(seen.method, "POST");
    assert_eq!(
        seen.header_values("host"),
        ["*.execute-api.eu-central-1.amazonaws.com"],
        "multiValueHeaders win"
    );
    assert_eq!(res["statusCode"], 200);
}

// ----- generated events -----

/// A JSON string literal for `text`.
fn js(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// Every escape JSON has, in one string: quote, backslash, slash, controls, BMP and astral
/// characters through `\u`.
const ESCAPED_JSON: &str = r#"q\"b\\s\/n\nr\rt\tf\fb\bu\u00e9\u2603\ud83d\ude00"#;
const ESCAPED: &str = "q\"b\\s/n\nr\rt\tf\u{c}b\u{8}u\u{e9}\u{2603}\u{1f600}";

fn v2_event(extra: &str) -> String {
    format!(
        r#"{{"version":"2.0","routeKey":"$default","rawPath":"/p","headers":{{}},
           "requestContext":{{"http":{{"method":"GET","path":"/p","sourceIp":"1.2.3.4","userAgent":"ua"}},
           "domainName":"id.execute-api.us-east-1.amazonaws.com","stage":"$default","requestId":"r"}}{extra}}}"#
    )
}

#[test]
fn escapes_are_resolved_in_every_field() {
    let event = format!(
        r#"{{"version":"2.0","rawPath":"/a\/{e}","rawQueryString":"k=v","cookies":["c={e}"],
            "headers":{{"x-e":"{e}","X-\u0041":"caps"}},"pathParameters":{{"p":"{e}"}},
            "requestContext":{{"http":{{"method":"P\u004fST","sourceIp":"{e}","userAgent":"{e}"}},
            "stage":"$default","requestId":"{e}"}},"body":"{e}","isBase64Encoded":false}}"#,
        e = ESCAPED_JSON
    );
    let (seen, res) = run(event.as_bytes()).unwrap();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, format!("/a/{ESCAPED}"));
    assert_eq!(seen.header_values("X-E"), [ESCAPED]);
    assert_eq!(seen.header_values("x-a"), ["caps"]);
    assert_eq!(seen.cookies, [format!("c={ESCAPED}")]);
    assert_eq!(seen.path_parameters, vec![(s("p"), s(ESCAPED))]);
    assert_eq!(seen.source_ip.as_deref(), Some(ESCAPED));
    assert_eq!(seen.user_agent.as_deref(), Some(ESCAPED));
    assert_eq!(seen.request_id.as_deref(), Some(ESCAPED));
    assert_eq!(seen.body, ESCAPED.as_bytes());
    assert_eq!(res["body"], ESCAPED, "and written back escaped");
}

#[test]
fn empty_null_and_absent_fields() {
    // The least an HTTP API event can be: a method.
    let (seen, res) =
        run(br#"{"version":"2.0","requestContext":{"http":{"method":"GET"}}}"#).unwrap();
    assert_eq!(seen.source, Some(Source::HttpApi));
    assert_eq!((seen.path.as_str(), seen.raw_path.as_str()), ("/", ""));
    assert!(seen.headers.is_empty() && seen.query.is_empty() && seen.cookies.is_empty());
    assert!(seen.body.is_empty());
    assert_eq!(
        (
            seen.source_ip,
            seen.user_agent,
            seen.request_id,
            seen.claims
        ),
        (None, None, None, None)
    );
    assert_eq!(res["body"], "");
    // Nulls where objects and strings go, empty strings and objects.
    let event = br#"{"httpMethod":"GET","path":"","headers":null,"multiValueHeaders":null,
        "queryStringParameters":null,"multiValueQueryStringParameters":{},"pathParameters":null,
        "stageVariables":null,"requestContext":{"stage":null},"body":null,"isBase64Encoded":null}"#;
    let (seen, _) = run(event).unwrap();
    assert_eq!(seen.source, Some(Source::ApiGatewayRest));
    assert_eq!(seen.path, "/");
    assert!(seen.headers.is_empty() && seen.query.is_empty() && seen.body.is_empty());
    assert!(!seen.multi_value_headers);
    // Empty values keep their names.
    let (seen, _) =
        run(v2_event(r#","rawQueryString":"a=&b&=c","cookies":[],"body":"""#).as_bytes()).unwrap();
    assert_eq!(seen.query, pairs(&[("a", ""), ("b", ""), ("", "c")]));
    assert!(seen.cookies.is_empty());
    assert_eq!(
        seen.header_values("cookie"),
        Vec::<&str>::new(),
        "no cookie header from an empty array"
    );
    let (seen, _) = run(br#"{"httpMethod":"GET","requestContext":{},"headers":{"x-empty":""},"multiValueHeaders":{"x-none":[]}}"#).unwrap();
    assert_eq!(seen.header_values("x-empty"), [""]);
    assert_eq!(seen.header_values("x-none"), Vec::<&str>::new());
}

#[test]
fn query_decoding_per_source() {
    // HTTP API: the raw query string, form-decoded.
    let (seen, _) = run(v2_event(r#","rawQueryString":"q=a+b%26c&q=%E2%9C%93&bad=%zz&x=%ff","queryStringParameters":{"q":"ignored"}"#).as_bytes()).unwrap();
    assert_eq!(
        seen.query,
        pairs(&[
            ("q", "a b&c"),
            ("q", "✓"),
            ("bad", "%zz"),
            ("x", "\u{fffd}")
        ])
    );
    // Without a raw query string, the parameters as they are.
    let event = br#"{"version":"2.0","requestContext":{"http":{"method":"GET"}},"queryStringParameters":{"a":"1+1"}}"#;
    assert_eq!(run(event).unwrap().0.query, pairs(&[("a", "1+1")]));
    // ALB: passed as the client sent them, so decoded here.
    let event = br#"{"requestContext":{"elb":{}},"httpMethod":"GET","path":"/","queryStringParameters":{"a%20b":"c+d%2Fe"}}"#;
    assert_eq!(run(event).unwrap().0.query, pairs(&[("a b", "c d/e")]));
    let event = br#"{"requestContext":{"elb":{}},"httpMethod":"GET","path":"/","multiValueQueryStringParameters":{"k":["1%2C2","3"]},"queryStringParameters":{"k":"3"}}"#;
    assert_eq!(
        run(event).unwrap().0.query,
        pairs(&[("k", "1,2"), ("k", "3")])
    );
    // REST: decoded by API Gateway already.
    let event =
        br#"{"httpMethod":"GET","requestContext":{},"queryStringParameters":{"a":"1+%20"}}"#;
    assert_eq!(run(event).unwrap().0.query, pairs(&[("a", "1+%20")]));
}

/// A VPC Lattice v2 event (the shape of AWS's documentation).
const LATTICE: &str = r#"{
  "version": "2.0",
  "path": "/orders/7",
  "method": "PUT",
  "headers": {"content-type": ["application/json"], "x-forwarded-for": ["10.1.2.3"], "user-agent": ["probe/1.0"], "multi": ["x", "y"]},
  "queryStringParameters": {"state": ["open"], "multi": ["a", "b%20c"]},
  "body": "eyJxdHkiOjJ9",
  "isBase64Encoded": true,
  "requestContext": {
    "serviceNetworkArn": "arn:aws:vpc-lattice:eu-west-1:123456789012:servicenetwork/sn-0123456789abcdef0",
    "serviceArn": "arn:aws:vpc-lattice:eu-west-1:123456789012:service/svc-0123456789abcdef0",
    "targetGroupArn": "arn:aws:vpc-lattice:eu-west-1:123456789012:targetgroup/tg-0123456789abcdef0",
    "identity": {"sourceVpcArn": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0123456789abcdef0", "type": "AWS_IAM"},
    "region": "eu-west-1",
    "timeEpoch": "1724875399456789"
  }
}"#;

#[test]
fn vpc_lattice_events() {
    let (seen, res) = run(LATTICE.as_bytes()).unwrap();
    assert_eq!(seen.source, Some(Source::VpcLattice));
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("PUT", "/orders/7")
    );
    assert_eq!(seen.header_values("multi"), ["x", "y"]);
    assert_eq!(
        seen.query,
        pairs(&[("state", "open"), ("multi", "a"), ("multi", "b c")])
    );
    assert_eq!(seen.body, br#"{"qty":2}"#);
    assert!(seen.base64);
    assert_eq!(seen.source_ip.as_deref(), Some("10.1.2.3"));
    assert_eq!(seen.user_agent.as_deref(), Some("probe/1.0"));
    assert_eq!(res["statusDescription"], "200 OK");
    assert_eq!(res["isBase64Encoded"], true);
    // Without a method, GET (as lambda_http).
    let (seen, _) =
        run(br#"{"version":"2.0","path":"/","requestContext":{"serviceNetworkArn":"arn"}}"#)
            .unwrap();
    assert_eq!(
        (seen.source, seen.method.as_str()),
        (Some(Source::VpcLattice), "GET")
    );
}

#[test]
fn stages_in_paths() {
    let rest = |path: &str, stage: &str| {
        let event = format!(
            r#"{{"httpMethod":"GET","path":{},"requestContext":{{"stage":{}}}}}"#,
            js(path),
            js(stage)
        );
        let (seen, _) = run(event.as_bytes()).unwrap();
        (seen.path, seen.path_without_stage)
    };
    assert_eq!(
        rest("/users/7", "prod"),
        (s("/prod/users/7"), s("/users/7"))
    );
    assert_eq!(
        rest("/prod/users", "prod"),
        (s("/prod/users"), s("/prod/users")),
        "already prefixed"
    );
    assert_eq!(rest("/users", "$default"), (s("/users"), s("/users")));
    assert_eq!(rest("", "prod"), (s("/prod"), s("")));
    let v2 = |raw: &str, stage: &str| {
        let event = format!(
            r#"{{"version":"2.0","rawPath":{},"requestContext":{{"http":{{"method":"GET"}},"stage":{}}}}}"#,
            js(raw),
            js(stage)
        );
        let (seen, _) = run(event.as_bytes()).unwrap();
        (seen.path, seen.path_without_stage)
    };
    assert_eq!(
        v2("/prod/users/7", "prod"),
        (s("/prod/users/7"), s("/users/7"))
    );
    assert_eq!(
        v2("/prod", "prod"),
        (s("/prod/prod"), s("/")),
        "lambda_http prefixes a bare stage path"
    );
    assert_eq!(v2("/users", "$default"), (s("/users"), s("/users")));
    assert_eq!(
        v2("/production/x", "prod"),
        (s("/prod/production/x"), s("/production/x"))
    );
    // AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH's setting.
    let mut h = Http::with_limits(Recorder::default(), Limits::strict(4096, 4096))
        .ignore_stage_in_path(true);
    let (seen, _) = run_with(
        &mut h,
        br#"{"httpMethod":"GET","path":"/u","requestContext":{"stage":"prod"}}"#,
    )
    .unwrap();
    assert_eq!(seen.path, "/u");
}

#[test]
fn binary_bodies_round_trip_through_request_and_response() {
    use base64_roundtrip::*;
    for len in [0usize, 1, 2, 3, 4, 5, 255, 256, 1000, 65_537] {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        let text = encode(&bytes);
        for (name, event) in [
            (
                "rest",
                format!(
                    r#"{{"httpMethod":"POST","requestContext":{{}},"body":"{text}","isBase64Encoded":true,"z":"after"}}"#
                ),
            ),
            (
                "v2",
                v2_event(&format!(r#","isBase64Encoded":true,"body":"{text}""#)),
            ),
            (
                "alb",
                format!(
                    r#"{{"isBase64Encoded":true,"requestContext":{{"elb":{{}}}},"httpMethod":"PUT","body":"{}"}}"#,
                    text.replace('/', "\\/")
                ),
            ),
        ] {
            let (seen, res) =
                run(event.as_bytes()).unwrap_or_else(|e| panic!("{name} {len}: {e:?}"));
            assert_eq!(seen.body, bytes, "{name} {len}: the request body");
            assert!(seen.base64);
            assert_eq!(res["isBase64Encoded"], true, "{name} {len}");
            assert_eq!(
                res["body"].as_str().map(decode),
                Some(bytes.clone()),
                "{name} {len}: the response body"
            );
        }
    }
}

mod base64_roundtrip {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(data: &[u8]) -> String {
        let mut out = String::new();
        for c in data.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    pub fn decode(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let vals: Vec<u32> = text
            .bytes()
            .filter(|&b| b != b'=')
            .map(|b| T.iter().position(|&t| t == b).unwrap() as u32)
            .collect();
        for c in vals.chunks(4) {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, v)| n | (v << (18 - 6 * i)));
            for i in 0..c.len() - 1 {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        out
    }

    #[test]
    fn the_test_codec_round_trips() {
        for len in 0..10 {
            let data: Vec<u8> = (0..len).collect();
            assert_eq!(decode(&encode(&data)), data);
        }
        assert_eq!(encode(b"fo"), "Zm8=");
    }
}

#[test]
fn client_errors_are_answered_in_the_source_shape() {
    let (seen, res) =
        run(v2_event(r#","isBase64Encoded":true,"body":"not base64!""#).as_bytes()).unwrap();
    assert_eq!(seen, Seen::default(), "the handler is not called");
    assert_eq!(res["statusCode"], 400);
    assert_eq!(res["headers"]["content-type"], "text/plain; charset=utf-8");
    assert!(
        res["body"]
            .as_str()
            .unwrap()
            .contains("not standard padded base64 (at character 3)"),
        "{res}"
    );
    let (_, res) = run(
        br#"{"requestContext":{"elb":{}},"httpMethod":"GET","isBase64Encoded":true,"body":"Zm9"}"#,
    )
    .unwrap();
    assert_eq!(
        (
            res["statusCode"].as_u64(),
            res["statusDescription"].as_str()
        ),
        (Some(400), Some("400 Bad Request"))
    );
    let many: Vec<String> = (0..=MAX_QUERY_PARAMS)
        .map(|i| format!("p{i}={i}"))
        .collect();
    let (_, res) =
        run(v2_event(&format!(r#","rawQueryString":"{}""#, many.join("&"))).as_bytes()).unwrap();
    assert_eq!(res["statusCode"], 414);
    assert!(res["body"]
        .as_str()
        .unwrap()
        .contains("more than 128 query parameters"));
    let fits: Vec<String> = (0..MAX_QUERY_PARAMS).map(|i| format!("p{i}={i}")).collect();
    let (seen, _) =
        run(v2_event(&format!(r#","rawQueryString":"{}""#, fits.join("&"))).as_bytes()).unwrap();
    assert_eq!(seen.query.len(), MAX_QUERY_PARAMS);
}

#[test]
fn malformed_events_name_the_source_and_the_field() {
    let cases: &[(&str, &str, &str)] = &[
        (r#"{"version":"2.0","requestContext":{"http":{}}}"#, "Runtime.InvalidHttpEvent",
         "expected an API Gateway HTTP API event (payload 2.0): `requestContext.http.method` is missing"),
        (r#"{"version":"2.0","requestContext":{"http":"GET"}}"#, "Runtime.InvalidHttpEvent", "`requestContext.http` is not an object"),
        (r#"{"version":"2.0","requestContext":{"http":{"method":7}}}"#, "Runtime.InvalidHttpEvent", "`requestContext.http.method` is not a string"),
        (r#"{"httpMethod":"G T","requestContext":{}}"#, "Runtime.InvalidHttpEvent",
         "expected an API Gateway REST API event (payload 1.0): `httpMethod` is not an HTTP method"),
        (r#"{"httpMethod":"GET","requestContext":{},"headers":[]}"#, "Runtime.InvalidHttpEvent", "`headers` is not an object"),
        (r#"{"httpMethod":"GET","requestContext":{},"body":{}}"#, "Runtime.InvalidHttpEvent", "`body` is not a string"),
        (r#"{"httpMethod":"GET","requestContext":{},"isBase64Encoded":"yes"}"#, "Runtime.InvalidHttpEvent", "`isBase64Encoded` is not a boolean"),
        (r#"{"requestContext":{"elb":{}},"path":"/"}"#, "Runtime.InvalidHttpEvent",
         "expected an Application Load Balancer event: `httpMethod` is missing"),
        (r#"{"version":"2.0","requestContext":{"http":{"method":"GET"}},"cookies":"a=1"}"#, "Runtime.InvalidHttpEvent", "`cookies` is not an array"),
        (r#"{"version":"2.0","requestContext":{}}"#, "Runtime.NotAnHttpEvent", "not an HTTP event"),
        (r#"{"Records":[]}"#, "Runtime.NotAnHttpEvent", "not an HTTP event"),
        (r#"[1,2]"#, "Runtime.NotAnHttpEvent", "not an HTTP event"),
        (r#""GET /""#, "Runtime.NotAnHttpEvent", "not an HTTP event"),
        (r#"{"httpMethod":"GET","#, "Runtime.InvalidJson", "not valid JSON"),
        ("", "Runtime.InvalidJson", "empty"),
        (r#"{"httpMethod":"GET","requestContext":{},"is\u0042ase64Encoded":true,"body":"Zm9v"}"#, "Runtime.InvalidHttpEvent", "not found as the top-level body"),
    ];
    for &(event, error_type, message) in cases {
        let e = run(event.as_bytes())
            .err()
            .unwrap_or_else(|| panic!("{event} is refused"));
        assert_eq!(e.error_type(), error_type, "{event}: {}", e.message());
        assert!(e.message().contains(message), "{event}: {}", e.message());
    }
    // A duplicate body key: the first one counts, for the base64 scan as for the parser.
    let event = br#"{"httpMethod":"GET","requestContext":{},"isBase64Encoded":true,"body":"Zm9v","body":"eA=="}"#;
    assert_eq!(run(event).unwrap().0.body, b"foo");
}

#[test]
fn one_adapter_serves_events_of_every_source_in_turn() {
    let mut h = adapter();
    for round in 0..3 {
        for &(name, source) in SAMPLES {
            let (seen, _) = run_with(&mut h, &read_event(name)).unwrap();
            assert_eq!(seen.source, Some(source), "round {round}: {name}");
        }
        let (seen, _) = run_with(&mut h, LATTICE.as_bytes()).unwrap();
        assert_eq!(seen.body, br#"{"qty":2}"#);
    }
}
