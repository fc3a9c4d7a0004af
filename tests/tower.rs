//! `lambda_zero::tower`: a hand-written tower service (no axum here: it is heavy) behind
//! `TowerHandler`, over every vendored HTTP sample and a VPC Lattice event: what the service
//! receives (method, URI, every header value, body, extensions) against the request view, the
//! response written in each source's shape (multi-value headers, cookies, base64 by content
//! type), both drivers, and the failures (service error, not-ready service, body error,
//! timeout, panic) each failing its own invocation only.
#![cfg(feature = "tower")]
#![allow(clippy::result_large_err)]

use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body::Frame;
use lambda_zero::http::{Http, HttpHandler, Request as View, Response, Source};
use lambda_zero::testing::MockRuntimeApi;
use lambda_zero::tower::{
    Body, LambdaContext, QueryMap, Request, RequestContext, RequestExt, TowerHandler,
};
use lambda_zero::{Config, Context, Error, Handler, Runtime};
use tower_service::Service;

#[path = "common/http_samples.rs"]
mod http_samples;
use http_samples::SAMPLES;

fn read_event(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/events")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// What the service was given, owned.
#[derive(Debug, Clone, Default)]
struct Given {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    raw_http_path: String,
    query: QueryMap,
    path_parameters: QueryMap,
    stage_variables: QueryMap,
    context: Option<RequestContext>,
    lambda: Option<LambdaContext>,
}

/// The answer [`Recording`] gives: status, headers, body.
#[derive(Clone)]
struct Answer {
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    body: Bytes,
}

/// Records the request, answers with [`Answer`].
#[derive(Clone)]
struct Recording {
    given: Rc<RefCell<Option<Given>>>,
    answer: Answer,
}

impl Service<Request> for Recording {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        *self.given.borrow_mut() = Some(Given {
            method: req.method().to_string(),
            uri: req.uri().to_string(),
            headers: req
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
                .collect(),
            body: req.body().to_vec(),
            raw_http_path: req.raw_http_path().to_string(),
            query: req.query_string_parameters(),
            path_parameters: req.path_parameters(),
            stage_variables: req.stage_variables(),
            context: req.request_context_ref().cloned(),
            lambda: req.lambda_context_ref().cloned(),
        });
        let mut res = http::Response::builder().status(self.answer.status);
        for (n, v) in &self.answer.headers {
            res = res.header(*n, *v);
        }
        std::future::ready(Ok(res.body(Body::from(self.answer.body.clone())).unwrap()))
    }
}

fn recording(answer: Answer) -> (Rc<RefCell<Option<Given>>>, Recording) {
    let given = Rc::new(RefCell::new(None));
    (given.clone(), Recording { given, answer })
}

/// What lambda-zero's own view reads of the same event, to compare with.
#[derive(Debug, Default)]
struct ViewOf {
    method: String,
    path: String,
    raw_path: String,
    raw_query: Option<String>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    path_parameters: Vec<(String, String)>,
    source: Option<Source>,
    stage: Option<String>,
    request_id: Option<String>,
}

struct Viewer(ViewOf);

impl HttpHandler for Viewer {
    fn handle(
        &mut self,
        req: &View<'_>,
        res: &mut Response<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        let s = |v: &str| v.to_string();
        self.0 = ViewOf {
            method: s(req.method()),
            path: s(req.path()),
            raw_path: s(req.raw_path()),
            raw_query: req.raw_query().map(s),
            query: req.query().iter().map(|(n, v)| (s(n), s(v))).collect(),
            headers: req.headers().iter().map(|(n, v)| (s(n), s(v))).collect(),
            body: req.body().to_vec(),
            path_parameters: req.path_parameters().map(|(n, v)| (s(n), s(v))).collect(),
            source: Some(req.source()),
            stage: req.stage().map(s),
            request_id: req.request_id().map(s),
        };
        res.empty()?;
        Ok(())
    }
}

fn view(event: &[u8]) -> ViewOf {
    let mut h = Http::new(Viewer(ViewOf::default())).ignore_stage_in_path(false);
    let config = Config::default();
    let ctx = Context::for_test("req-1", &config);
    let mut event = event.to_vec();
    h.handle(&mut event, &ctx).unwrap();
    std::mem::take(&mut h.handler().0)
}

/// Runs `event` through `service` on the tokio driver; the response JSON or the error.
fn invoke<S, B>(service: S, event: &[u8]) -> Result<serde_json::Value, Error>
where
    S: Service<Request, Response = http::Response<B>>,
    S::Error: std::fmt::Display,
    B: http_body::Body,
    B::Error: std::fmt::Display,
{
    let mut h = Http::new(TowerHandler::new(service).unwrap()).ignore_stage_in_path(false);
    let config = Config::default();
    let mut ctx = Context::for_test("req-1", &config);
    ctx.trace_id = Some("Root=1-5759e988-bd862e3fe1be46a994272793");
    let mut event = event.to_vec();
    let out = h.handle(&mut event, &ctx)?;
    Ok(serde_json::from_slice(out).expect("the response is JSON"))
}

fn plain_answer() -> Answer {
    Answer {
        status: 201,
        headers: vec![
            ("content-type", "text/plain"),
            ("x-many", "one"),
            ("x-many", "two"),
            ("set-cookie", "a=1; Path=/"),
        ],
        body: Bytes::from_static(b"hello"),
    }
}

const LATTICE: &str = r#"{
  "version": "2.0",
  "path": "/orders/7",
  "method": "PUT",
  "headers": {"content-type": ["application/json"], "multi": ["x", "y"], "host": ["svc.example"]},
  "queryStringParameters": {"state": "open"},
  "body": "eyJxdHkiOjJ9",
  "isBase64Encoded": true,
  "requestContext": {"serviceNetworkArn": "arn:aws:vpc-lattice:eu-west-1:1:servicenetwork/sn-1", "region": "eu-west-1"}
}"#;

/// Every sample and the Lattice event, as `(name, bytes)`.
fn all_events() -> Vec<(String, Vec<u8>)> {
    let mut events: Vec<(String, Vec<u8>)> = SAMPLES
        .iter()
        .map(|(name, _)| (name.to_string(), read_event(name)))
        .collect();
    events.push((
        "vpc-lattice (inline)".to_string(),
        LATTICE.as_bytes().to_vec(),
    ));
    events
}

#[test]
fn every_sample_reaches_the_service_as_the_request_view_reads_it() {
    let mut sources = Vec::new();
    for (name, event) in all_events() {
        let seen = view(&event);
        let (given, service) = recording(plain_answer());
        invoke(service, &event).unwrap_or_else(|e| panic!("{name}: {e}"));
        let given = given.borrow().clone().unwrap();
        sources.push(seen.source.unwrap());

        assert_eq!(given.method, seen.method, "{name}");
        let uri: http::Uri = given.uri.parse().unwrap();
        // The view's path (already URI-safe in every sample) is the URI's path.
        assert_eq!(uri.path(), seen.path, "{name}");
        match (&seen.raw_query, uri.query()) {
            (Some(raw), q) if !raw.is_empty() => assert_eq!(q, Some(raw.as_str()), "{name}"),
            (_, q) => {
                // Parameters form-encoded again: they decode to the view's pairs.
                let pairs: Vec<(String, String)> = q
                    .unwrap_or("")
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (n, v) = p.split_once('=').unwrap();
                        (form_decode(n), form_decode(v))
                    })
                    .collect();
                assert_eq!(pairs, seen.query, "{name}");
            }
        }
        // Every header value, in order per name.
        let mut want: Vec<(String, String)> = seen
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect();
        let mut got = given.headers.clone();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{name}");
        assert_eq!(given.body, seen.body, "{name}");
        // Extensions.
        assert_eq!(given.raw_http_path, seen.raw_path, "{name}");
        let query: Vec<(String, String)> = given
            .query
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(query, seen.query, "{name}");
        let params: Vec<(String, String)> = given
            .path_parameters
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(params, seen.path_parameters, "{name}");
        let context = given.context.unwrap();
        assert_eq!(Some(context.source), seen.source, "{name}");
        assert_eq!(context.stage, seen.stage, "{name}");
        assert_eq!(context.request_id, seen.request_id, "{name}");
        let lambda = given.lambda.unwrap();
        assert_eq!(lambda.request_id, "req-1");
        assert_eq!(
            lambda.xray_trace_id.as_deref(),
            Some("Root=1-5759e988-bd862e3fe1be46a994272793")
        );
    }
    for source in [
        Source::ApiGatewayRest,
        Source::HttpApi,
        Source::FunctionUrl,
        Source::Alb,
        Source::WebSocket,
        Source::VpcLattice,
    ] {
        assert!(sources.contains(&source), "{source:?} covered");
    }
}

fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn the_rest_sample_has_its_stage_in_the_path_its_parameters_and_stage_variables() {
    let event = read_event("example-apigw-request.json");
    let (given, service) = recording(plain_answer());
    invoke(service, &event).unwrap();
    let given = given.borrow().clone().unwrap();
    let uri: http::Uri = given.uri.parse().unwrap();
    assert_eq!(uri.scheme_str(), Some("https"));
    assert_eq!(uri.path(), "/testStage/hello/world");
    assert_eq!(given.raw_http_path, "/hello/world");
    assert_eq!(given.path_parameters.first("proxy"), Some("hello/world"));
    assert_eq!(
        given.stage_variables.first("stageVariableName"),
        Some("stageVariableValue")
    );
    assert_eq!(given.query.all("name"), Some(vec!["me"]));
}

#[test]
fn the_response_is_written_in_each_sources_shape() {
    for (name, event) in all_events() {
        let source = view(&event).source.unwrap();
        let multi = serde_json::from_slice::<serde_json::Value>(&event).unwrap()
            ["multiValueHeaders"]
            .is_object();
        let (_, service) = recording(plain_answer());
        let res = invoke(service, &event).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(res["statusCode"], 201, "{name}");
        assert_eq!(res["body"], "hello", "{name}");
        assert_eq!(res["isBase64Encoded"], false, "{name}");
        match source {
            Source::HttpApi | Source::FunctionUrl => {
                assert_eq!(res["cookies"], serde_json::json!(["a=1; Path=/"]), "{name}");
                assert_eq!(res["headers"]["x-many"], "one, two", "{name}");
            }
            _ if multi => {
                let h = &res["multiValueHeaders"];
                assert_eq!(
                    h["x-many"],
                    serde_json::json!(["one", "two"]),
                    "{name}: {res}"
                );
                assert_eq!(
                    h["set-cookie"],
                    serde_json::json!(["a=1; Path=/"]),
                    "{name}"
                );
            }
            Source::ApiGatewayRest | Source::WebSocket => {
                // Single-value headers, and the names with several values as multi-value.
                let many = &res["multiValueHeaders"]["x-many"];
                assert_eq!(many, &serde_json::json!(["one", "two"]), "{name}: {res}");
                assert_eq!(res["headers"]["set-cookie"], "a=1; Path=/", "{name}");
            }
            _ => {
                assert_eq!(res["headers"]["x-many"], "one, two", "{name}: {res}");
                assert_eq!(res["headers"]["set-cookie"], "a=1; Path=/", "{name}");
            }
        }
        if matches!(source, Source::Alb | Source::VpcLattice) {
            assert_eq!(res["statusDescription"], "201 Created", "{name}");
        }
    }
}

#[test]
fn a_binary_body_goes_out_in_base64_and_a_base64_request_body_comes_in_decoded() {
    let (given, service) = recording(Answer {
        status: 200,
        headers: vec![("content-type", "image/png")],
        body: Bytes::from_static(&[0x89, b'P', b'N', b'G', 0, 0xff]),
    });
    let res = invoke(service, LATTICE.as_bytes()).unwrap();
    assert_eq!(res["isBase64Encoded"], true);
    assert_eq!(res["body"], "iVBORwD/");
    assert_eq!(given.borrow().as_ref().unwrap().body, br#"{"qty":2}"#);
    // No content type: text, as lambda_http decides.
    let (_, service) = recording(Answer {
        status: 204,
        headers: vec![],
        body: Bytes::new(),
    });
    let res = invoke(service, LATTICE.as_bytes()).unwrap();
    assert_eq!(res["statusCode"], 204);
    assert_eq!(res["isBase64Encoded"], false);
}

#[test]
fn a_path_and_query_a_uri_cannot_carry_are_percent_encoded() {
    let event = br#"{"version":"2.0","routeKey":"$default","rawPath":"/a b/\u00e9","rawQueryString":"q=x y","headers":{"host":"h.example"},"requestContext":{"stage":"$default","http":{"method":"GET","path":"/a b/\u00e9"}}}"#;
    let (given, service) = recording(plain_answer());
    invoke(service, event).unwrap();
    assert_eq!(
        given.borrow().as_ref().unwrap().uri,
        "https://h.example/a%20b/%C3%A9?q=x%20y"
    );
}

/// A service whose futures misbehave on request: by the URI path.
#[derive(Clone, Default)]
struct Faulty {
    not_ready: bool,
}

/// A response body that fails after its first frame.
struct FailingBody(u8);

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = &'static str;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, &'static str>>> {
        self.0 += 1;
        Poll::Ready(Some(if self.0 == 1 {
            Ok(Frame::data(Bytes::from_static(b"part")))
        } else {
            Err("the upstream went away")
        }))
    }
}

/// A body of three frames and a trailer.
struct Chunks(u8);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0 += 1;
        Poll::Ready(match self.0 {
            1 => Some(Ok(Frame::data(Bytes::from_static(b"{\"a\":")))),
            2 => Some(Ok(Frame::data(Bytes::from_static(b"1")))),
            3 => Some(Ok(Frame::data(Bytes::from_static(b"}")))),
            4 => Some(Ok(Frame::trailers(http::HeaderMap::new()))),
            _ => None,
        })
    }
}

enum Either {
    Failing(FailingBody),
    Chunks(Chunks),
    Slow(Slow),
    Empty,
}

impl http_body::Body for Either {
    type Data = Bytes;
    type Error = &'static str;
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, &'static str>>> {
        match self.get_mut() {
            Either::Failing(b) => Pin::new(b).poll_frame(cx),
            Either::Chunks(b) => Pin::new(b).poll_frame(cx).map_err(|e| match e {}),
            Either::Slow(b) => Pin::new(b).poll_frame(cx).map_err(|e| match e {}),
            Either::Empty => Poll::Ready(None),
        }
    }
}

impl Service<Request> for Faulty {
    type Response = http::Response<Either>;
    type Error = String;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Either>, String>>>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), String>> {
        if self.not_ready {
            Poll::Ready(Err("the pool is closed".to_string()))
        } else {
            Poll::Ready(Ok(()))
        }
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let path = req.uri().path().to_string();
        Box::pin(async move {
            match path.as_str() {
                "/error" => Err("the database said no".to_string()),
                "/panic" => panic!("asked to panic in a service"),
                "/body-error" => Ok(http::Response::new(Either::Failing(FailingBody(0)))),
                "/sleep" => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok(http::Response::new(Either::Chunks(Chunks(0))))
                }
                "/forever" => {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    unreachable!()
                }
                _ => Ok(http::Response::builder()
                    .header("content-type", "application/json")
                    .body(Either::Chunks(Chunks(0)))
                    .unwrap()),
            }
        })
    }
}

fn event_for(path: &str) -> String {
    format!(
        r#"{{"version":"2.0","routeKey":"$default","rawPath":"{path}","rawQueryString":"","headers":{{}},"requestContext":{{"stage":"$default","http":{{"method":"GET","path":"{path}"}}}}}}"#
    )
}

#[test]
fn service_and_body_errors_fail_the_invocation_with_their_message() {
    let err = invoke(Faulty::default(), event_for("/error").as_bytes()).unwrap_err();
    assert_eq!(err.error_type(), "Function.ServiceError");
    assert!(
        err.message().contains("the database said no"),
        "{}",
        err.message()
    );
    let err = invoke(Faulty { not_ready: true }, event_for("/").as_bytes()).unwrap_err();
    assert_eq!(err.error_type(), "Function.ServiceError");
    assert!(err.message().contains("the pool is closed"));
    let err = invoke(Faulty::default(), event_for("/body-error").as_bytes()).unwrap_err();
    assert_eq!(err.error_type(), "Function.BodyError");
    assert!(err.message().contains("the upstream went away"));
    // A body in frames (and a trailer) is collected whole.
    let res = invoke(Faulty::default(), event_for("/").as_bytes()).unwrap();
    assert_eq!(res["body"], r#"{"a":1}"#);
}

#[test]
fn tokio_timers_work_and_the_built_in_driver_runs_a_service_that_needs_no_reactor() {
    let res = invoke(Faulty::default(), event_for("/sleep").as_bytes()).unwrap();
    assert_eq!(res["body"], r#"{"a":1}"#);

    let (given, service) = recording(plain_answer());
    let mut h = Http::new(TowerHandler::built_in(service));
    let config = Config::default();
    let ctx = Context::for_test("req-2", &config);
    for _ in 0..3 {
        let mut event = read_event("lambda-http/apigw_v2_proxy_request.json");
        let out = h.handle(&mut event, &ctx).unwrap();
        let res: serde_json::Value = serde_json::from_slice(out).unwrap();
        assert_eq!(res["body"], "hello");
    }
    assert_eq!(
        given
            .borrow()
            .as_ref()
            .unwrap()
            .lambda
            .as_ref()
            .unwrap()
            .request_id,
        "req-2"
    );
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn a_response_still_pending_near_the_deadline_is_a_timeout_and_the_next_request_is_served() {
    let mut h = Http::new(TowerHandler::new(Faulty::default()).unwrap());
    let config = Config::default();
    let mut ctx = Context::for_test("req-3", &config);
    ctx.deadline_ms = Some(now_ms() + 150);
    let started = Instant::now();
    let mut event = event_for("/forever").into_bytes();
    let err = h.handle(&mut event, &ctx).unwrap_err();
    assert_eq!(err.error_type(), "Function.Timeout");
    assert!(
        started.elapsed() < Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );
    ctx.deadline_ms = Some(now_ms() + 60_000);
    let mut event = event_for("/").into_bytes();
    assert!(h.handle(&mut event, &ctx).is_ok());
}

/// `Faulty` without the `Rc`s, to cross to the runtime's thread.
#[test]
fn a_panicking_service_fails_its_invocation_and_the_function_goes_on() {
    let server = MockRuntimeApi::start().unwrap();
    let panic = server.push_event(event_for("/panic"));
    let error = server.push_event(event_for("/error"));
    let fine = server.push_event(event_for("/"));
    let rt = Runtime::new(&server.endpoint()).unwrap().max_invocations(3);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(rt.run_with_init(|_| lambda_zero::tower::handler(Faulty::default())));
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the runtime finished in time")
        .unwrap();
    let outcomes = server.wait_outcomes(3, Duration::from_secs(20));
    let find = |id: &str| {
        outcomes
            .iter()
            .find(|o| o.request_id() == Some(id))
            .unwrap()
    };
    assert_eq!(find(&panic).error_type(), Some("Function.Panic"));
    assert_eq!(find(&error).error_type(), Some("Function.ServiceError"));
    let res: serde_json::Value = serde_json::from_slice(find(&fine).body()).unwrap();
    assert_eq!(res["body"], r#"{"a":1}"#);
}

/// Splits a streamed HTTP answer into its prelude (JSON) and body.
fn split_stream(body: &[u8]) -> (serde_json::Value, Vec<u8>) {
    let cut = body
        .windows(8)
        .position(|w| w == [0u8; 8])
        .expect("a prelude, then eight NUL bytes");
    let prelude = serde_json::from_slice(&body[..cut]).expect("the prelude is JSON");
    (prelude, body[cut + 8..].to_vec())
}

/// A body of three frames, each after a tokio timer: the stream carries them as they come.
struct Slow {
    sent: u8,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl http_body::Body for Slow {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.sent == 3 {
            return Poll::Ready(None);
        }
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(2))));
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.timer = None;
        let n = self.sent;
        self.sent += 1;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(format!("frame-{n};"))))))
    }
}

#[test]
fn a_streaming_service_sends_its_head_then_every_frame_and_fails_in_the_trailers() {
    #[derive(Clone)]
    struct Streamer;
    impl Service<Request> for Streamer {
        type Response = http::Response<Either>;
        type Error = String;
        type Future = Pin<Box<dyn Future<Output = Result<Self::Response, String>> + Send>>;
        fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), String>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, req: Request) -> Self::Future {
            let path = req.uri().path().to_string();
            Box::pin(async move {
                match path.as_str() {
                    "/error" => Err("no stream today".to_string()),
                    "/body-error" => Ok(http::Response::new(Either::Failing(FailingBody(0)))),
                    "/empty" => Ok(http::Response::builder()
                        .status(204)
                        .body(Either::Empty)
                        .unwrap()),
                    _ => Ok(http::Response::builder()
                        .status(201)
                        .header("content-type", "text/plain")
                        .header("set-cookie", "a=1")
                        .body(Either::Slow(Slow {
                            sent: 0,
                            timer: None,
                        }))
                        .unwrap()),
                }
            })
        }
    }
    let server = MockRuntimeApi::start().unwrap();
    let good = server.push_event(event_for("/stream"));
    let failed = server.push_event(event_for("/body-error"));
    let refused = server.push_event(event_for("/error"));
    let empty = server.push_event(event_for("/empty"));
    let rt = Runtime::new(&server.endpoint()).unwrap().max_invocations(4);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(rt.run_with_init(|_| lambda_zero::tower::streaming_handler(Streamer)));
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the runtime finished in time")
        .unwrap();
    let outcomes = server.wait_outcomes(4, Duration::from_secs(20));
    let find = |id: &str| {
        outcomes
            .iter()
            .find(|o| o.request_id() == Some(id))
            .unwrap()
    };

    let streamed = find(&good);
    assert!(
        matches!(streamed, lambda_zero::testing::Outcome::Streamed { .. }),
        "{streamed:?}"
    );
    assert_eq!(streamed.error_type(), None);
    let (prelude, body) = split_stream(streamed.body());
    assert_eq!(prelude["statusCode"], 201);
    assert_eq!(prelude["headers"]["content-type"], "text/plain");
    assert_eq!(prelude["cookies"][0], "a=1");
    assert_eq!(body, b"frame-0;frame-1;frame-2;");

    // A body error after the first frame: the part sent, then the error in the trailers.
    let broken = find(&failed);
    assert_eq!(broken.error_type(), Some("Function.BodyError"));
    let (prelude, body) = split_stream(broken.body());
    assert_eq!(prelude["statusCode"], 200);
    assert_eq!(body, b"part");

    // A service error before anything went out is the invocation's error.
    let error = find(&refused);
    assert!(
        matches!(error, lambda_zero::testing::Outcome::Error { .. }),
        "{error:?}"
    );
    assert_eq!(error.error_type(), Some("Function.ServiceError"));

    // No body frame at all: the head still goes out.
    let (prelude, body) = split_stream(find(&empty).body());
    assert_eq!(prelude["statusCode"], 204);
    assert!(body.is_empty());
}
