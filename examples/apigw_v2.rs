//! A typed API Gateway HTTP API (payload format 2.0) function, also right for function URLs.
//!
//! The event is parsed in place by simd-json and deserialized into `Request<'_>`, whose `&str`
//! fields point into the event buffer (escaped strings included: simd-json unescapes them in
//! place). The handler reads the path, the `name` query string parameter and the `user-agent`
//! header, and answers a JSON body through the proxy response builder, written into the
//! adapter's reused output buffer. No heap allocation per request.
//!
//! ```text
//! GET /hello?name=Ada  ->  200 {"message":"Hello, Ada!","path":"/hello","userAgent":"curl/8.5.0",...}
//! POST /hello          ->  405 {"message":"use GET"}   with an `allow: GET` header
//! ```
//!
//! Run it against a Runtime API, e.g. the mock one:
//! `AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 cargo run --example apigw_v2`.

use lambda_zero::json::{JsonWriter, ProxyResponse, Typed, TypedHandler};
use lambda_zero::{Context, Error};
use serde::Deserialize;

/// The parts of the HTTP API event this function reads; everything else is skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    raw_path: &'a str,
    /// Absent when the request has no query string.
    #[serde(borrow, default)]
    query_string_parameters: Query<'a>,
    /// HTTP APIs lower-case header names.
    #[serde(borrow, default)]
    headers: Headers<'a>,
    #[serde(borrow)]
    request_context: RequestContext<'a>,
}

#[derive(Deserialize, Default)]
struct Query<'a> {
    name: Option<&'a str>,
}

#[derive(Deserialize, Default)]
struct Headers<'a> {
    #[serde(rename = "user-agent")]
    user_agent: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestContext<'a> {
    request_id: &'a str,
    #[serde(borrow)]
    http: Http<'a>,
}

#[derive(Deserialize)]
struct Http<'a> {
    method: &'a str,
}

struct Hello;

impl TypedHandler for Hello {
    type Event<'de> = Request<'de>;

    fn handle(
        &mut self,
        req: Request<'_>,
        out: &mut JsonWriter<'_>,
        _ctx: &Context<'_>,
    ) -> Result<(), Error> {
        if req.request_context.http.method != "GET" {
            let mut response = ProxyResponse::new(out, 405)?;
            response
                .header("allow", "GET")?
                .header("content-type", "application/json")?;
            response.body_json(|w| w.object(|w| w.field("message", "use GET")))?;
            return Ok(());
        }
        let name = req.query_string_parameters.name.unwrap_or("world");
        let mut response = ProxyResponse::new(out, 200)?;
        response.header("content-type", "application/json")?;
        response.body_json(|w| {
            w.object(|w| {
                w.field("message", format_args!("Hello, {name}!"))?;
                w.field("path", req.raw_path)?;
                w.field("userAgent", req.headers.user_agent)?;
                w.field("requestId", req.request_context.request_id)
            })
        })?;
        Ok(())
    }
}

fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(Typed::new(Hello))
}

#[cfg(test)]
// `lambda_zero::Error` is inline by design (no heap), so results carrying it are large.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use lambda_zero::json::Limits;
    use lambda_zero::{Config, Handler};

    fn invoke(event: &str) -> Result<(serde_json::Value, serde_json::Value), Error> {
        let config = Config::default();
        let ctx = Context::for_test("req-1", &config);
        let mut handler = Typed::with_limits(Hello, Limits::strict(64 * 1024, 64 * 1024));
        let mut event = event.as_bytes().to_vec();
        let response: serde_json::Value =
            serde_json::from_slice(handler.handle(&mut event, &ctx)?).unwrap();
        let body = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        Ok((response, body))
    }

    fn sample_event() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/events/example-apigw-v2-request-no-authorizer.json"
        );
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn greets_with_path_query_and_header() {
        let (response, body) = invoke(&sample_event()).unwrap();
        assert_eq!(response["statusCode"], 200);
        assert_eq!(response["headers"]["content-type"], "application/json");
        assert_eq!(response["isBase64Encoded"], false);
        assert_eq!(body["message"], "Hello, world!");
        assert_eq!(body["path"], "/");
        assert_eq!(body["userAgent"], "curl/7.58.0");
        assert_eq!(body["requestId"], "LV7fzho-PHcEJPw=");

        let event = sample_event()
            .replace(r#""rawPath": "/""#, r#""rawPath": "/h\u00e9llo""#)
            .replace(
                r#""isBase64Encoded": false"#,
                r#""isBase64Encoded": false, "queryStringParameters": {"name": "A\"da"}"#,
            );
        let (_, body) = invoke(&event).unwrap();
        assert_eq!(body["message"], "Hello, A\"da!");
        assert_eq!(body["path"], "/héllo");
    }

    #[test]
    fn other_methods_get_405_and_bad_events_a_clear_error() {
        let (response, body) =
            invoke(&sample_event().replace(r#""method": "GET""#, r#""method": "POST""#)).unwrap();
        assert_eq!(response["statusCode"], 405);
        assert_eq!(response["headers"]["allow"], "GET");
        assert_eq!(body["message"], "use GET");
        let e = invoke(r#"{"rawPath": "/"}"#).unwrap_err();
        assert_eq!(e.error_type(), "Runtime.InvalidEvent");
        assert!(
            e.message().contains("missing field `requestContext`"),
            "{}",
            e.message()
        );
        let e = invoke(r#"{"rawPath": "/"#).unwrap_err();
        assert_eq!(e.error_type(), "Runtime.InvalidJson");
    }
}
