//! lambda-zero's `http` feature and `lambda_http` side by side, on the same events.
//!
//! - [`events`]: every HTTP sample of `tests/events` (and its `lambda-http` folder), then
//!   generated events (base64 bodies, encoded queries, escapes, VPC Lattice).
//! - [`Fields`]: what a request holds, in one owned form for both crates, read by
//!   [`lambda_zero_fields`] from `lambda_zero::http::Request` and by [`lambda_http_fields`]
//!   from `lambda_http`'s `LambdaRequest` converted to its `http::Request` (the conversion
//!   `lambda_http::run` does).
//! - [`LambdaZeroEcho`] and [`LambdaHttpEcho`]: one invocation, parse and respond, as each
//!   crate runs it: the same echo handler (`examples/http_echo`'s body) written for each.

// `lambda_zero::Error` keeps its message inline (no heap), so results carrying it are large.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use lambda_http::request::LambdaRequest;
use lambda_http::{Body, RequestExt};
use lambda_zero::http::Source;
use lambda_zero::{Config, Context, Handler};

#[allow(dead_code)]
#[path = "../../../examples/http_echo.rs"]
mod echo;

pub mod axum_app;

/// The repository's sample events.
pub fn events_dir() -> PathBuf {
    std::env::var_os("LZ_EVENTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/events"))
}

#[path = "../../../tests/common/http_samples.rs"]
mod http_samples;
pub use http_samples::SAMPLES;

/// A VPC Lattice v2 event (the shape of AWS's documentation; there is no Lattice sample).
pub const LATTICE: &str = r#"{"version":"2.0","path":"/orders/7","method":"PUT",
  "headers":{"content-type":["application/json"],"x-forwarded-for":["10.1.2.3"],"user-agent":["probe/1.0"],"multi":["x","y"]},
  "queryStringParameters":{"state":["open"],"multi":["a","b%20c"]},
  "body":"eyJxdHkiOjJ9","isBase64Encoded":true,
  "requestContext":{"serviceNetworkArn":"arn:aws:vpc-lattice:eu-west-1:123456789012:servicenetwork/sn-0123456789abcdef0",
  "serviceArn":"arn:aws:vpc-lattice:eu-west-1:123456789012:service/svc-0123456789abcdef0",
  "targetGroupArn":"arn:aws:vpc-lattice:eu-west-1:123456789012:targetgroup/tg-0123456789abcdef0",
  "identity":{"sourceVpcArn":"arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0123456789abcdef0","type":"AWS_IAM"},
  "region":"eu-west-1","timeEpoch":"1724875399456789"}}"#;

/// Generated events: a name, the event, the source.
pub fn generated() -> Vec<(String, Vec<u8>, Source)> {
    let v2 = |extra: &str| {
        format!(
            r#"{{"version":"2.0","routeKey":"$default","rawPath":"/p/q","headers":{{"x-e":"a\"b\\c\u00e9\ud83d\ude00","host":"h.example"}},
               "requestContext":{{"http":{{"method":"POST","path":"/p/q"}},"stage":"$default","domainName":"h.example"}}{extra}}}"#
        )
        .into_bytes()
    };
    vec![
        (
            "generated: HTTP API, encoded query, escapes, base64 body".into(),
            v2(r#","rawQueryString":"a=1+2&a=%E2%9C%93&b=x%2By&c","cookies":["s=1","t=\"2\""],"body":"AAEC/f7/","isBase64Encoded":true"#),
            Source::HttpApi,
        ),
        (
            "generated: HTTP API, text body with escapes".into(),
            v2(r#","rawQueryString":"","body":"line\nnext \"q\" \\ \u2603","isBase64Encoded":false"#),
            Source::HttpApi,
        ),
        (
            "generated: REST, base64 body, multi-value query".into(),
            br#"{"resource":"/{proxy+}","path":"/items/9","httpMethod":"PATCH","headers":{"Content-Type":"image/png","Cookie":"a=1; b=2"},
               "multiValueHeaders":{"Content-Type":["image/png"],"Cookie":["a=1; b=2"]},
               "queryStringParameters":{"k":"2"},"multiValueQueryStringParameters":{"k":["1","2"]},
               "pathParameters":{"proxy":"items/9"},"requestContext":{"accountId":"123456789012","resourceId":"r1",
               "stage":"v1","requestId":"r","identity":{"sourceIp":"1.2.3.4","userAgent":"ua"},"resourcePath":"/{proxy+}",
               "httpMethod":"PATCH","apiId":"a1"},
               "body":"iVBORw0KGgo=","isBase64Encoded":true}"#
                .to_vec(),
            Source::ApiGatewayRest,
        ),
        (
            "generated: ALB, encoded query, base64 body".into(),
            br#"{"requestContext":{"elb":{"targetGroupArn":"arn"}},"httpMethod":"POST","path":"/upload",
               "queryStringParameters":{"name":"a%20b","q":"x+y"},"headers":{"host":"alb.example","content-type":"application/octet-stream"},
               "body":"3q2+7w==","isBase64Encoded":true}"#
                .to_vec(),
            Source::Alb,
        ),
        ("generated: VPC Lattice".into(), LATTICE.as_bytes().to_vec(), Source::VpcLattice),
    ]
}

/// Every event the comparison runs on: the samples, then the generated events.
pub fn events() -> Vec<(String, Vec<u8>, Source)> {
    let mut all: Vec<(String, Vec<u8>, Source)> = SAMPLES
        .iter()
        .map(|&(name, source)| {
            let bytes =
                std::fs::read(events_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name.to_string(), bytes, source)
        })
        .collect();
    all.extend(generated());
    all
}

/// A request's parts, owned, the same way for both crates: header names lower-cased, values
/// in order per name; query values in order per name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// The method.
    pub method: String,
    /// The path the client sent: lambda-zero's `path()`, lambda_http's `uri().path()`.
    pub path: String,
    /// The event's own path field: `raw_path()`, lambda_http's `raw_http_path()`.
    pub raw_path: String,
    /// Query parameters: `query()`, lambda_http's `query_string_parameters()`.
    pub query: BTreeMap<String, Vec<String>>,
    /// Headers: `headers()`, lambda_http's `headers()`.
    pub headers: BTreeMap<String, Vec<String>>,
    /// Cookies, `name=value`: `cookies()`, lambda_http's `Cookie` headers split at `;`.
    pub cookies: Vec<String>,
    /// The body, decoded.
    pub body: Vec<u8>,
}

/// lambda-zero's request view of `event`, as [`Fields`].
pub fn lambda_zero_fields(event: &[u8]) -> Result<(Source, Fields), String> {
    let mut out = None;
    let mut handler = lambda_zero::http::http_fn(|req, res, _ctx| {
        let mut f = Fields {
            method: req.method().to_string(),
            path: req.path().to_string(),
            raw_path: req.raw_path().to_string(),
            cookies: req
                .cookies()
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            body: req.body().to_vec(),
            ..Fields::default()
        };
        for (n, v) in req.query().iter() {
            f.query
                .entry(n.to_string())
                .or_default()
                .push(v.to_string());
        }
        for (n, v) in req.headers().iter() {
            f.headers
                .entry(n.to_ascii_lowercase())
                .or_default()
                .push(v.to_string());
        }
        out = Some((req.source(), f));
        res.empty()?;
        Ok(())
    })
    .ignore_stage_in_path(false);
    let config = Config::default();
    let ctx = Context::for_test("compare", &config);
    let mut buf = event.to_vec();
    handler
        .handle(&mut buf, &ctx)
        .map_err(|e| format!("{}: {}", e.error_type(), e.message()))?;
    drop(handler);
    out.ok_or_else(|| "the handler did not run".to_string())
}

/// The name of `lambda_http`'s request origin for `event`.
pub fn lambda_http_origin(request: &LambdaRequest) -> &'static str {
    match request {
        LambdaRequest::ApiGatewayV1(_) => "ApiGatewayV1",
        LambdaRequest::ApiGatewayV2(_) => "ApiGatewayV2",
        LambdaRequest::Alb(_) => "Alb",
        LambdaRequest::WebSocket(_) => "WebSocket",
        LambdaRequest::VpcLatticeV2(_) => "VpcLatticeV2",
        _ => "other",
    }
}

/// `lambda_http`'s request for `event` (its `LambdaRequest` deserializer, then its conversion
/// to `http::Request`), as [`Fields`], with the origin's name.
pub fn lambda_http_fields(event: &[u8]) -> Result<(&'static str, Fields), String> {
    let request: LambdaRequest = serde_json::from_slice(event).map_err(|e| e.to_string())?;
    let origin = lambda_http_origin(&request);
    let req: lambda_http::Request = request.into();
    let mut f = Fields {
        method: req.method().as_str().to_string(),
        path: req.uri().path().to_string(),
        raw_path: req.raw_http_path().to_string(),
        ..Fields::default()
    };
    // `iter()` yields each name once, with its first value; `all` has every value.
    let query = req.query_string_parameters();
    for (name, _) in query.iter() {
        let all = query.all(name).unwrap_or_default();
        f.query.insert(
            name.to_string(),
            all.into_iter().map(str::to_string).collect(),
        );
    }
    for name in req.headers().keys() {
        let values = req
            .headers()
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        f.headers.insert(name.as_str().to_string(), values);
    }
    for value in req.headers().get_all("cookie") {
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        f.cookies.extend(
            text.split(';')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
        );
    }
    f.body = match req.body() {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.clone().into_bytes(),
        Body::Binary(b) => b.clone(),
        _ => Vec::new(),
    };
    Ok((origin, f))
}

/// One lambda-zero invocation: `examples/http_echo` behind `lambda_zero::http::Http`.
pub struct LambdaZeroEcho {
    handler: Box<dyn Handler>,
    config: Config,
}

impl Default for LambdaZeroEcho {
    fn default() -> LambdaZeroEcho {
        LambdaZeroEcho {
            handler: Box::new(echo::handler()),
            config: Config::default(),
        }
    }
}

impl LambdaZeroEcho {
    /// Parses `event` in place and returns the response bytes' length.
    pub fn invoke(&mut self, event: &mut [u8]) -> usize {
        let ctx = Context::for_test("bench", &self.config);
        match self.handler.handle(event, &ctx) {
            Ok(out) => out.len(),
            Err(e) => panic!("{}: {}", e.error_type(), e.message()),
        }
    }

    /// The response to `event`.
    pub fn respond(&mut self, event: &[u8]) -> Vec<u8> {
        let ctx = Context::for_test("bench", &self.config);
        let mut buf = event.to_vec();
        self.handler
            .handle(&mut buf, &ctx)
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    }
}

/// Polls a future that never waits (as every step of a `lambda_http` invocation here).
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// The echo of `examples/http_echo`, written as a `lambda_http` user writes it.
fn lambda_http_echo(req: lambda_http::Request) -> lambda_http::Response<Body> {
    let source = match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV1(_)) => "apigw-rest",
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c))
            if c.domain_name
                .as_deref()
                .is_some_and(|d| d.contains(".lambda-url.")) =>
        {
            "function-url"
        }
        Some(lambda_http::request::RequestContext::ApiGatewayV2(_)) => "apigw-http",
        Some(lambda_http::request::RequestContext::Alb(_)) => "alb",
        Some(lambda_http::request::RequestContext::WebSocket(_)) => "websocket",
        Some(lambda_http::request::RequestContext::VpcLattice(_)) => "vpc-lattice",
        _ => "other",
    };
    let mut query = serde_json::Map::new();
    // `iter()` yields every value; the echo keeps each name's first.
    for (name, value) in req.query_string_parameters().iter() {
        query
            .entry(name.to_string())
            .or_insert_with(|| serde_json::Value::String(value.to_string()));
    }
    let cookies: Vec<String> = req
        .headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';').map(|c| c.trim().to_string()))
        .filter(|c| !c.is_empty())
        .collect();
    let body = match req.body() {
        Body::Text(t) => t.clone(),
        Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    };
    let json = serde_json::json!({
        "source": source,
        "method": req.method().as_str(),
        "path": req.uri().path(),
        "query": query,
        "cookies": cookies,
        "body": body,
    });
    lambda_http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from(json.to_string()))
        .expect("a response")
}

/// One `lambda_http` invocation as `lambda_http::run` makes it: the event deserialized into a
/// `LambdaRequest` (serde_json, as `lambda_runtime` does), its `Adapter` service (request
/// conversion, the handler, `IntoResponse`, the response for the request's origin), and the
/// response serialized.
pub struct LambdaHttpEcho {
    adapter: lambda_http::Adapter<'static, lambda_http::Response<Body>, EchoService>,
}

/// The echo as a `tower::Service`, as `service_fn` would make it.
#[derive(Clone, Copy)]
pub struct EchoService;

impl lambda_http::Service<lambda_http::Request> for EchoService {
    type Response = lambda_http::Response<Body>;
    type Error = lambda_http::Error;
    type Future = std::future::Ready<Result<lambda_http::Response<Body>, lambda_http::Error>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), lambda_http::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: lambda_http::Request) -> Self::Future {
        std::future::ready(Ok(lambda_http_echo(req)))
    }
}

impl Default for LambdaHttpEcho {
    fn default() -> LambdaHttpEcho {
        LambdaHttpEcho {
            adapter: lambda_http::Adapter::from(EchoService),
        }
    }
}

impl LambdaHttpEcho {
    /// The response bytes for `event`.
    pub fn respond(&mut self, event: &[u8]) -> Vec<u8> {
        use lambda_http::Service;
        let request: LambdaRequest =
            serde_json::from_slice(event).expect("lambda_http reads the event");
        let invocation = lambda_http::LambdaEvent::new(request, lambda_http::Context::default());
        let response = ready(self.adapter.call(invocation)).expect("the echo answers");
        serde_json::to_vec(&response).expect("the response serializes")
    }
}
