//! The HTTP adapters allocate nothing after start-up: every HTTP sample event in `tests/events`
//! (and its `lambda-http` folder) and generated ones (base64 bodies up to 3 MiB, escapes,
//! encoded queries, VPC Lattice, 400 and 414 answers, events that are not HTTP) through
//! `examples/http_echo`, `examples/http_router` and a streaming HTTP handler.
//!
//! Two ways: the adapters' `Handler::handle` called directly, counting the test thread's
//! allocations from the first event on; and the runtime serving the events from the mock
//! Runtime API on a thread of its own, counting from the end of its init (buffers allocated,
//! connection open), buffered and streaming. A counting global allocator counts the armed
//! threads' allocations (`tests/common/counting.rs`); the tests take turns, since the
//! runtime's count is process-wide.
#![cfg(all(feature = "http", feature = "testing"))]
#![allow(clippy::result_large_err)]

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use lambda_zero::http::{self, MAX_QUERY_PARAMS};
use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use lambda_zero::{Config, Context, Handler, Runtime, StreamingHandler};

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

#[allow(dead_code)]
#[path = "../examples/http_echo.rs"]
mod echo;

#[allow(dead_code)]
#[path = "../examples/http_router.rs"]
mod router;

/// One test at a time: the runtime's count is process-wide.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const SAMPLES: &[&str] = &[
    "example-alb-lambda-target-request-headers-only.json",
    "example-alb-lambda-target-request-multivalue-headers.json",
    "example-apigw-custom-auth-request-type-request.json",
    "example-apigw-request-multi-value-parameters.json",
    "example-apigw-request.json",
    "example-apigw-restapi-openapi-request.json",
    "example-apigw-v2-custom-authorizer-v2-request.json",
    "example-apigw-v2-request-iam.json",
    "example-apigw-v2-request-jwt-authorizer.json",
    "example-apigw-v2-request-lambda-authorizer.json",
    "example-apigw-v2-request-no-authorizer.json",
    "example-apigw-websocket-request.json",
    "lambda-http/alb_request.json",
    "lambda-http/apigw_proxy_request.json",
    "lambda-http/apigw_v2_proxy_request.json",
    "lambda-http/lambda_function_url_request.json",
];

fn read_event(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/events")
            .join(name),
    )
    .unwrap()
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() {
                T[(n >> (18 - 6 * i)) as usize & 63] as char
            } else {
                '='
            });
        }
    }
    out
}

/// Every sample, then generated events of every kind; and how each is answered: `Some(status)`
/// for a response, `None` for an invocation error.
fn events() -> Vec<(Vec<u8>, Option<u16>)> {
    let mut events: Vec<(Vec<u8>, Option<u16>)> = SAMPLES
        .iter()
        .map(|name| (read_event(name), Some(200)))
        .collect();
    let v2_with = |query: &str, extra: &str| {
        format!(
            r#"{{"version":"2.0","rawPath":"/p/q","rawQueryString":"{query}","cookies":["x=1","y=2"],
               "headers":{{"content-type":"application/octet-stream","x-e":"q\"\\\u00e9\ud83d\ude00"}},
               "requestContext":{{"http":{{"method":"POST","sourceIp":"1.2.3.4"}},"stage":"$default",
               "domainName":"u.lambda-url.eu-west-1.on.aws"}}{extra}}}"#
        )
        .into_bytes()
    };
    let v2 = |extra: &str| v2_with("a=1+2&a=%E2%9C%93&b", extra);
    // Bytes of every value for the small bodies; letters for the largest, which the echo
    // answers as text (invalid UTF-8 would triple it past the 6 MiB response limit).
    let binary: Vec<u8> = (0..64u32 << 10).map(|i| (i * 31 + 7) as u8).collect();
    let letters: Vec<u8> = (0..3u32 << 20).map(|i| b'a' + (i % 26) as u8).collect();
    for size in [1, 100, 64 << 10, 3 << 20] {
        let text = base64(if size > binary.len() {
            &letters[..size]
        } else {
            &binary[..size]
        });
        events.push((
            v2(&format!(r#","body":"{text}","isBase64Encoded":true"#)),
            Some(200),
        ));
    }
    events.push((
        v2(r#","body":"text with \"escapes\"\n","isBase64Encoded":false"#),
        Some(200),
    ));
    events.push((
        v2(r#","body":"@@ not base64","isBase64Encoded":true"#),
        Some(400),
    ));
    let many: Vec<String> = (0..=MAX_QUERY_PARAMS).map(|i| format!("k{i}=v")).collect();
    events.push((v2_with(&many.join("&"), ""), Some(414)));
    events.push((
        br#"{"requestContext":{"elb":{}},"httpMethod":"GET","path":"/a%20b","multiValueQueryStringParameters":{"q":["x%2By","z+w"]},"multiValueHeaders":{"cookie":["a=1; b=2"]}}"#.to_vec(),
        Some(200),
    ));
    events.push((
        br#"{"version":"2.0","path":"/l","method":"PUT","headers":{"x":["1","2"]},"queryStringParameters":{"k":["v%21"]},"requestContext":{"serviceNetworkArn":"arn"},"body":"aGk=","isBase64Encoded":true}"#.to_vec(),
        Some(200),
    ));
    events.push((
        br#"{"httpMethod":"GET","path":"/u","requestContext":{"stage":"prod"},"headers":{"Cookie":"s=1"}}"#.to_vec(),
        Some(200),
    ));
    events.push((read_event("example-sqs-event.json"), None));
    events.push((b"{\"httpMethod\":".to_vec(), None));
    events.push((
        br#"{"version":"2.0","requestContext":{"http":{}}}"#.to_vec(),
        None,
    ));
    events
}

/// The status of a buffered response (`{"statusCode":N,...`), read without allocating.
fn status_of(response: &[u8]) -> Option<u16> {
    let rest = response.strip_prefix(b"{\"statusCode\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    core::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// Runs every event through `handler`: once checking each answer, then three times more;
/// returns the allocations of all four passes.
fn check_direct<H: Handler>(
    mut handler: H,
    events: &[(Vec<u8>, Option<u16>)],
    check_status: bool,
) -> u64 {
    let config = Config::default();
    let ctx = Context::for_test("alloc", &config);
    let largest = events.iter().map(|(e, _)| e.len()).max().unwrap_or(0);
    let mut buf: Vec<u8> = Vec::with_capacity(largest);
    // The first pass checks each answer (a failed check allocates, but then fails anyway).
    let ((), first) = counting::count(|| {
        for (event, want) in events {
            buf.clear();
            buf.extend_from_slice(event);
            let got = handler.handle(&mut buf, &ctx).ok().map(status_of);
            if check_status {
                assert_eq!(
                    got.map(|s| s.expect("a status")),
                    *want,
                    "{}",
                    String::from_utf8_lossy(&event[..event.len().min(200)])
                );
            }
        }
    });
    let ((), allocations) = counting::count(|| {
        for _ in 0..3 {
            for (event, _) in events {
                buf.clear();
                buf.extend_from_slice(event);
                let _ = handler.handle(&mut buf, &ctx);
            }
        }
    });
    first + allocations
}

#[test]
fn handlers_called_directly_allocate_nothing() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let events = events();
    let n = events.len();
    let echo = counting::count(echo::handler).0;
    let allocations = check_direct(echo, &events, true);
    eprintln!("http_echo: {n} events x 4: {allocations} allocations");
    assert_eq!(allocations, 0, "http_echo allocations");
    let router = counting::count(router::handler).0;
    let allocations = check_direct(router, &events, false);
    eprintln!("http_router: {n} events x 4: {allocations} allocations");
    assert_eq!(allocations, 0, "http_router allocations");
}

/// A streaming HTTP handler: status, headers and a cookie, then the body in three writes.
fn streaming() -> impl StreamingHandler {
    http::http_stream_fn(|req, res, _ctx| {
        res.status(200)
            .content_type("application/octet-stream")
            .cookie("s=1");
        res.write(req.method().as_bytes())?;
        res.write_display(&format_args!(" {} {} ", req.path(), req.body().len()))?;
        res.write(req.body())
    })
}

/// Serves `events` with the handler `init` makes, on a thread of its own armed once init is
/// over; returns the outcomes and the allocations after start-up.
fn through_the_runtime<H, K>(
    init: impl Fn() -> H + Send + Sync + 'static,
    events: &[(Vec<u8>, Option<u16>)],
) -> (Vec<Outcome>, u64)
where
    H: lambda_zero::Function<K> + Send + 'static,
{
    counting::reset_total();
    let server = MockRuntimeApi::builder()
        .record_requests(false)
        .start()
        .expect("mock starts");
    for _ in 0..2 {
        for (event, _) in events {
            server.push(Invocation::new(event.clone()));
        }
    }
    let total = 2 * events.len();
    let endpoint = server.endpoint();
    let result = std::thread::spawn(move || {
        let r = Runtime::new(&endpoint)
            .expect("endpoint")
            .max_invocations(total as u64)
            .run_with_init(|_| {
                let handler = init();
                counting::arm(true);
                Ok(handler)
            });
        counting::arm(false);
        r
    })
    .join()
    .expect("runtime thread");
    result.expect("the runtime finished cleanly");
    let allocations = counting::total();
    let outcomes = server.wait_outcomes(total, Duration::from_secs(60));
    assert_eq!(outcomes.len(), total, "every event answered");
    (outcomes, allocations)
}

#[test]
fn the_runtime_serving_http_events_allocates_nothing_after_start_up() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let events = events();

    let (outcomes, allocations) = through_the_runtime(echo::handler, &events);
    eprintln!(
        "buffered http_echo: {} invocations: {allocations} allocations",
        outcomes.len()
    );
    for (outcome, (_, want)) in outcomes.iter().zip(events.iter().chain(events.iter())) {
        match want {
            Some(status) => assert_eq!(status_of(outcome.body()), Some(*status), "{outcome:?}"),
            None => assert!(outcome.is_error(), "{outcome:?}"),
        }
    }
    assert_eq!(allocations, 0, "buffered: heap allocations after start-up");

    let (outcomes, allocations) = through_the_runtime(streaming, &events);
    eprintln!(
        "streaming: {} invocations: {allocations} allocations",
        outcomes.len()
    );
    for (outcome, (event, want)) in outcomes.iter().zip(events.iter().chain(events.iter())) {
        match want {
            Some(status) => {
                assert!(matches!(outcome, Outcome::Streamed { .. }), "{outcome:?}");
                let body = outcome.body();
                let at = body
                    .windows(8)
                    .position(|w| w == [0; 8])
                    .expect("a prelude");
                let prelude = format!("{{\"statusCode\":{status},");
                assert!(
                    body.starts_with(prelude.as_bytes()),
                    "{}",
                    String::from_utf8_lossy(&body[..at])
                );
                if *status == 200 && event.len() > 1 << 20 {
                    assert_eq!(body.len() - at - 8, "POST /p/q 3145728 ".len() + (3 << 20));
                }
            }
            None => assert!(outcome.is_error(), "{outcome:?}"),
        }
    }
    assert_eq!(allocations, 0, "streaming: heap allocations after start-up");
}
