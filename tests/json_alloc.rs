//! The JSON adapters allocate nothing per invocation: typed and untyped handlers over every
//! event in `tests/events` and over generated events up to Lambda's 6 MiB limit.
//!
//! A counting global allocator counts the allocations of the test thread only (a thread-local
//! switch), and the whole check is one test function, so nothing else runs concurrently.
//! The adapters' `Handler::handle` is called directly; no sockets.
//!
//! `cargo test --release --test json_alloc -- --nocapture` also prints a timing of parse and
//! respond for the API Gateway v2 example event.
#![cfg(feature = "json")]
// `lambda_zero::Error` is inline by design (no heap), so results carrying it are large.
#![allow(clippy::result_large_err)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use lambda_zero::json::{
    Json, JsonHandler, JsonWriter, Limits, ProxyResponse, Typed, TypedHandler, Value,
};
use lambda_zero::{Config, Context, Error, Handler, MAX_EVENT_BODY};
use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

// ----- counting allocator -----

#[path = "common/counting.rs"]
mod counting;

use counting::count;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

// ----- typed events: borrowed fields, no collections -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HttpApiRequest<'a> {
    version: &'a str,
    raw_path: &'a str,
    raw_query_string: &'a str,
    #[serde(borrow)]
    headers: HttpHeaders<'a>,
    #[serde(borrow)]
    query_string_parameters: Option<Query<'a>>,
    #[serde(borrow)]
    request_context: HttpContext<'a>,
    body: Option<&'a str>,
    /// Absent in authorizer events.
    #[serde(default)]
    is_base64_encoded: bool,
}

#[derive(Deserialize)]
struct HttpHeaders<'a> {
    #[serde(rename = "user-agent")]
    user_agent: Option<&'a str>,
    host: Option<&'a str>,
}

#[derive(Deserialize)]
struct Query<'a> {
    name: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HttpContext<'a> {
    request_id: &'a str,
    #[serde(borrow)]
    http: Http<'a>,
    time_epoch: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Http<'a> {
    method: &'a str,
    path: &'a str,
    source_ip: &'a str,
}

/// API Gateway REST (payload 1.0) and ALB requests.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestRequest<'a> {
    http_method: &'a str,
    path: &'a str,
    #[serde(borrow)]
    headers: Option<RestHeaders<'a>>,
    multi_value_headers: Option<IgnoredAny>,
    query_string_parameters: Option<IgnoredAny>,
    body: Option<&'a str>,
    is_base64_encoded: Option<bool>,
}

#[derive(Deserialize)]
struct RestHeaders<'a> {
    #[serde(rename = "User-Agent", alias = "user-agent")]
    user_agent: Option<&'a str>,
}

/// `{"Records": [...]}` events, each record read through `R` and counted: no `Vec`.
#[derive(Deserialize)]
#[serde(bound(deserialize = "Records<R>: Deserialize<'de>"))]
struct RecordsEvent<R> {
    #[serde(rename = "Records")]
    records: Records<R>,
}

struct Records<R> {
    count: usize,
    bytes: usize,
    _record: std::marker::PhantomData<R>,
}

trait Record {
    fn bytes(&self) -> usize;
}

impl<'de, R: Deserialize<'de> + Record> Deserialize<'de> for Records<R> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Each<R>(std::marker::PhantomData<R>);
        impl<'de, R: Deserialize<'de> + Record> Visitor<'de> for Each<R> {
            type Value = Records<R>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of records")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Records<R>, A::Error> {
                let mut out = Records {
                    count: 0,
                    bytes: 0,
                    _record: std::marker::PhantomData,
                };
                while let Some(record) = seq.next_element::<R>()? {
                    out.count += 1;
                    out.bytes += record.bytes();
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Each(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SqsRecord<'a> {
    message_id: &'a str,
    body: &'a str,
    #[serde(rename = "eventSourceARN")]
    event_source_arn: &'a str,
}

impl Record for SqsRecord<'_> {
    fn bytes(&self) -> usize {
        self.message_id.len() + self.body.len() + self.event_source_arn.len()
    }
}

/// Any record: the fields most event sources share, all optional.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnyRecord<'a> {
    #[serde(alias = "EventSource", alias = "eventSource")]
    event_source: Option<&'a str>,
    event_name: Option<&'a str>,
    aws_region: Option<&'a str>,
}

impl Record for AnyRecord<'_> {
    fn bytes(&self) -> usize {
        [self.event_source, self.event_name, self.aws_region]
            .iter()
            .flatten()
            .map(|s| s.len())
            .sum()
    }
}

/// Events of other shapes: a handful of common top-level fields, all optional, the rest
/// skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OtherEvent<'a> {
    version: Option<IgnoredAny>,
    id: Option<&'a str>,
    source: Option<&'a str>,
    #[serde(rename = "detail-type")]
    detail_type: Option<&'a str>,
    region: Option<&'a str>,
    request_type: Option<&'a str>,
    trigger_source: Option<&'a str>,
    user_pool_id: Option<&'a str>,
    status_code: Option<u16>,
    body: Option<&'a str>,
    #[serde(borrow)]
    awslogs: Option<AwsLogs<'a>>,
    detail: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct AwsLogs<'a> {
    data: &'a str,
}

/// Which typed event a file is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    HttpApi,
    Rest,
    Sqs,
    Records,
    Other,
}

fn shape_of(name: &str) -> Shape {
    let http_api = [
        "apigw-v2-request",
        "apigw-v2-custom-authorizer",
        "apigw_v2_proxy",
        "function_url",
    ];
    let rest = [
        "apigw-request",
        "apigw-restapi",
        "apigw-custom-auth-request",
        "apigw-websocket",
        "alb-lambda-target-request",
        "apigw_proxy",
        "alb_request",
    ];
    if http_api.iter().any(|p| name.contains(p)) {
        Shape::HttpApi
    } else if rest.iter().any(|p| name.contains(p)) {
        Shape::Rest
    } else if name.contains("sqs-event") {
        Shape::Sqs
    } else if ["s3-event", "sns-event", "dynamodb", "kinesis-event", "ses-"]
        .iter()
        .any(|p| name.contains(p))
    {
        Shape::Records
    } else {
        Shape::Other
    }
}

// ----- the handlers -----

/// Answers a proxy response built from the typed HTTP API request.
struct HttpApi;

impl TypedHandler for HttpApi {
    type Event<'de> = HttpApiRequest<'de>;

    fn handle(
        &mut self,
        req: HttpApiRequest<'_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        let name = req
            .query_string_parameters
            .and_then(|q| q.name)
            .unwrap_or("world");
        let mut r = ProxyResponse::new(out, 200)?;
        r.header("content-type", "application/json")?;
        r.body_json(|w| {
            w.object(|w| {
                w.field("message", format_args!("Hello, {name}!"))?;
                w.field("version", req.version)?;
                w.field("path", req.raw_path)?;
                w.field("query", req.raw_query_string)?;
                w.field("method", req.request_context.http.method)?;
                w.field("httpPath", req.request_context.http.path)?;
                w.field("sourceIp", req.request_context.http.source_ip)?;
                w.field("requestId", req.request_context.request_id)?;
                w.field("time", req.request_context.time_epoch)?;
                w.field("userAgent", req.headers.user_agent)?;
                w.field("host", req.headers.host)?;
                w.field("bodyBytes", req.body.map_or(0, str::len))?;
                w.field("base64", req.is_base64_encoded)
            })
        })?;
        Ok(())
    }
}

struct Rest;

impl TypedHandler for Rest {
    type Event<'de> = RestRequest<'de>;

    fn handle(
        &mut self,
        req: RestRequest<'_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        let mut r = ProxyResponse::new(out, 200)?;
        r.status_description("200 OK")?;
        r.multi_value_header("x-method", [req.http_method])?;
        let _ = (req.multi_value_headers, req.query_string_parameters);
        r.body_json(|w| {
            w.object(|w| {
                w.field("path", req.path)?;
                w.field("userAgent", req.headers.and_then(|h| h.user_agent))?;
                w.field("bodyBytes", req.body.map_or(0, str::len))?;
                w.field("base64", req.is_base64_encoded)
            })
        })?;
        Ok(())
    }
}

struct Sqs;

impl TypedHandler for Sqs {
    type Event<'de> = RecordsEvent<SqsRecord<'de>>;

    fn handle(
        &mut self,
        ev: Self::Event<'_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        out.object(|w| {
            w.field("records", ev.records.count)?;
            w.field("bytes", ev.records.bytes)?;
            w.field_array("batchItemFailures", |_| Ok(()))
        })?;
        Ok(())
    }
}

struct AnyRecords;

impl TypedHandler for AnyRecords {
    type Event<'de> = RecordsEvent<AnyRecord<'de>>;

    fn handle(
        &mut self,
        ev: Self::Event<'_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        out.object(|w| {
            w.field("records", ev.records.count)?;
            w.field("bytes", ev.records.bytes)
        })?;
        Ok(())
    }
}

struct Other;

impl TypedHandler for Other {
    type Event<'de> = OtherEvent<'de>;

    fn handle(
        &mut self,
        ev: OtherEvent<'_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        let _ = (ev.version, ev.detail);
        out.object(|w| {
            w.field("id", ev.id)?;
            w.field("source", ev.source)?;
            w.field("detailType", ev.detail_type)?;
            w.field("region", ev.region)?;
            w.field("requestType", ev.request_type)?;
            w.field("triggerSource", ev.trigger_source)?;
            w.field("userPoolId", ev.user_pool_id)?;
            w.field("statusCode", ev.status_code)?;
            w.field("body", ev.body)?;
            w.field("logs", ev.awslogs.map(|l| l.data.len()))
        })?;
        Ok(())
    }
}

/// Untyped: walks every node of the tape, then copies the event through the writer next to
/// a summary (so the writer sees every string, number and nesting of every event).
struct Walk;

#[derive(Default)]
struct Tally {
    strings: usize,
    string_bytes: usize,
    numbers: usize,
    containers: usize,
    depth: usize,
}

fn tally(v: Value<'_, '_>, depth: usize, t: &mut Tally) {
    t.depth = t.depth.max(depth);
    if let Some(s) = v.as_str() {
        t.strings += 1;
        t.string_bytes += s.len();
    } else if v.as_f64().is_some() {
        t.numbers += 1;
    }
    if !v.is_empty()
        || matches!(
            v.kind(),
            lambda_zero::json::Kind::Array | lambda_zero::json::Kind::Object
        )
    {
        t.containers += 1;
    }
    for (k, item) in v.members() {
        t.strings += 1;
        t.string_bytes += k.len();
        tally(item, depth + 1, t);
    }
    for item in v.elements() {
        tally(item, depth + 1, t);
    }
}

impl JsonHandler for Walk {
    fn handle(
        &mut self,
        event: Value<'_, '_>,
        out: &mut JsonWriter<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error> {
        let mut t = Tally::default();
        tally(event, 0, &mut t);
        out.object(|w| {
            w.field("requestId", ctx.request_id)?;
            w.field("strings", t.strings)?;
            w.field("stringBytes", t.string_bytes)?;
            w.field("numbers", t.numbers)?;
            w.field("containers", t.containers)?;
            w.field("depth", t.depth)?;
            w.field(
                "first",
                event
                    .pointer("/Records/0/eventSource")
                    .or(event.get("rawPath")),
            )?;
            w.field("event", event)
        })?;
        Ok(())
    }
}

// ----- events -----

fn sample_events() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events");
    let mut files: Vec<PathBuf> = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(
        files.len() >= 40,
        "expected the AWS sample events in {}",
        root.display()
    );
    files
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(&root).unwrap().display().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// A string body of exactly `len` JSON bytes full of escapes (`\"`, `\\`, `\n`, `\u00e9`,
/// `\ud83d\ude00`) and raw UTF-8.
fn escaped_body(len: usize) -> String {
    const PIECES: [&str; 8] = [
        "{\\\"k\\\":",
        "\\\\",
        "\\n",
        "\\u00e9",
        "\\ud83d\\ude00",
        "é",
        "plain text ",
        "\\t",
    ];
    let mut s = String::with_capacity(len);
    let mut i = 0;
    while s.len() < len {
        let piece = PIECES[i % PIECES.len()];
        if s.len() + piece.len() > len {
            s.push_str(&"x".repeat(len - s.len()));
        } else {
            s.push_str(piece);
        }
        i += 1;
    }
    s
}

/// An HTTP API event padded with a body to exactly `total` bytes.
fn big_http_api(total: usize) -> Vec<u8> {
    let head = r#"{"version":"2.0","routeKey":"$default","rawPath":"/big","rawQueryString":"name=big","headers":{"user-agent":"gen/1","host":"h"},"queryStringParameters":{"name":"big"},"requestContext":{"requestId":"r-1","http":{"method":"POST","path":"/big","sourceIp":"1.2.3.4"},"timeEpoch":1},"isBase64Encoded":false,"body":""#;
    let tail = "\"}";
    let mut ev = String::from(head);
    ev.push_str(&escaped_body(total - head.len() - tail.len()));
    ev.push_str(tail);
    assert_eq!(ev.len(), total);
    ev.into_bytes()
}

/// An SQS batch of `n` records whose bodies (escaped JSON) bring the event to about `total`.
fn big_sqs(n: usize, total: usize) -> Vec<u8> {
    let per = total / n - 200;
    let mut ev = String::from(r#"{"Records":["#);
    for i in 0..n {
        if i > 0 {
            ev.push(',');
        }
        write!(
            ev,
            r#"{{"messageId":"m-{i}","receiptHandle":"rh","body":"{}","attributes":{{"ApproximateReceiveCount":"1"}},"eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:1:q"}}"#,
            escaped_body(per)
        )
        .unwrap();
    }
    ev.push_str("]}");
    assert!(ev.len() <= MAX_EVENT_BODY);
    ev.into_bytes()
}

/// The densest JSON: `[0,1,0,1,...]`, one structural per byte, `total` bytes.
fn dense(total: usize) -> Vec<u8> {
    let mut ev = Vec::with_capacity(total);
    ev.extend_from_slice(b"[0");
    // Room for `,d` pairs and the closing `]`.
    while ev.len() + 3 <= total {
        ev.extend_from_slice(if ev.len() % 4 == 2 { b",1" } else { b",0" });
    }
    while ev.len() < total - 1 {
        ev.push(b' ');
    }
    ev.push(b']');
    assert_eq!(ev.len(), total);
    ev
}

/// Nested 1000 deep: `{"a":{"a":...}}` and arrays.
fn deep() -> Vec<u8> {
    let mut ev = String::new();
    for i in 0..1000 {
        ev.push_str(if i % 2 == 0 { "{\"a\":" } else { "[" });
    }
    ev.push_str("\"bottom\"");
    for i in (0..1000).rev() {
        ev.push_str(if i % 2 == 0 { "}" } else { "]" });
    }
    ev.into_bytes()
}

// ----- the check -----

/// Lambda's limits, with room to copy a whole 6 MiB event through the writer.
fn limits() -> Limits {
    Limits {
        max_response: 8 * 1024 * 1024,
        ..Limits::lambda()
    }
}

struct Adapters {
    http: Typed<HttpApi>,
    rest: Typed<Rest>,
    sqs: Typed<Sqs>,
    records: Typed<AnyRecords>,
    other: Typed<Other>,
    walk: Json<Walk>,
}

impl Adapters {
    fn new(limits: Limits) -> Adapters {
        Adapters {
            http: Typed::with_limits(HttpApi, limits),
            rest: Typed::with_limits(Rest, limits),
            sqs: Typed::with_limits(Sqs, limits),
            records: Typed::with_limits(AnyRecords, limits),
            other: Typed::with_limits(Other, limits),
            walk: Json::with_limits(Walk, limits),
        }
    }

    /// Runs `event` through the typed adapter for `shape` and the untyped one; returns the
    /// allocations each made and checks both succeeded.
    fn run(&mut self, name: &str, shape: Shape, event: &[u8], ctx: &Context<'_>) -> (u64, u64) {
        // The event buffer is the runtime's, reused: copy into it outside the counted region.
        let mut buf = event.to_vec();
        let typed: &mut dyn Handler = match shape {
            Shape::HttpApi => &mut self.http,
            Shape::Rest => &mut self.rest,
            Shape::Sqs => &mut self.sqs,
            Shape::Records => &mut self.records,
            Shape::Other => &mut self.other,
        };
        let (result, typed_allocs) = count(|| typed.handle(&mut buf, ctx).map(<[u8]>::len));
        let len = result.unwrap_or_else(|e| panic!("{name} ({shape:?}): {e}"));
        assert!(len > 0, "{name}: empty typed response");
        let mut buf = event.to_vec();
        let (result, walk_allocs) = count(|| self.walk.handle(&mut buf, ctx).map(<[u8]>::len));
        result.unwrap_or_else(|e| panic!("{name} (untyped): {e}"));
        (typed_allocs, walk_allocs)
    }
}

#[test]
fn json_handlers_allocate_nothing_per_invocation() {
    let config = Config::default();
    let ctx = Context::for_test("8476a536-e9f4-11e8-9739-2dfe598c3fcd", &config);

    let (mut adapters, setup_allocs) = count(|| Adapters::new(limits()));
    println!("start-up: {setup_allocs} allocations for 6 adapters");

    // 1. Every sample event, typed and untyped, from the very first invocation.
    let events = sample_events();
    println!(
        "{:<68} {:>6} {:>6} {:>6}",
        "event", "bytes", "typed", "untyped"
    );
    for pass in 0..3 {
        for (name, event) in &events {
            let shape = shape_of(name);
            let (typed, untyped) = adapters.run(name, shape, event, &ctx);
            if pass == 0 {
                println!("{name:<68} {:>6} {typed:>6} {untyped:>6}", event.len());
            }
            assert_eq!(
                (typed, untyped),
                (0, 0),
                "{name}, pass {pass}: allocations (typed, untyped)"
            );
        }
    }

    // 1b. The same with the other stages 1 (`LAMBDA_ZERO_JSON_STAGE1`, read when an adapter is
    //     made; a kernel this CPU lacks falls back to the fastest it has): AVX2 where the
    //     default is AVX-512, and simd-json's (what arm64 runs).
    for stage1 in ["avx2", "simd-json"] {
        std::env::set_var("LAMBDA_ZERO_JSON_STAGE1", stage1);
        let mut other = Adapters::new(limits());
        std::env::remove_var("LAMBDA_ZERO_JSON_STAGE1");
        for pass in 0..2 {
            for (name, event) in &events {
                let (typed, untyped) = other.run(name, shape_of(name), event, &ctx);
                assert_eq!(
                    (typed, untyped),
                    (0, 0),
                    "{name}, stage 1 {stage1}, pass {pass}: allocations (typed, untyped)"
                );
            }
        }
    }

    // The typed responses carry what the handlers read from the events.
    let mut v2 = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/events/example-apigw-v2-request-no-authorizer.json"),
    )
    .unwrap();
    let response = adapters.http.handle(&mut v2, &ctx).unwrap().to_vec();
    let response: serde_json::Value = serde_json::from_slice(&response).unwrap();
    let body: serde_json::Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["userAgent"], "curl/7.58.0");
    assert_eq!(body["message"], "Hello, world!");
    assert_eq!(body["time"], 1587481701067u64);

    // 2. Generated events up to Lambda's limit, with default limits: no growth either.
    let generated: Vec<(&str, Shape, Vec<u8>)> = vec![
        (
            "http api, 6 MiB + 100 B escaped body",
            Shape::HttpApi,
            big_http_api(MAX_EVENT_BODY),
        ),
        (
            "http api, 1 MiB escaped body",
            Shape::HttpApi,
            big_http_api(1024 * 1024),
        ),
        (
            "sqs, 10 records of ~600 KiB",
            Shape::Sqs,
            big_sqs(10, MAX_EVENT_BODY),
        ),
        (
            "sqs, 1000 records of ~6 KiB",
            Shape::Sqs,
            big_sqs(1000, MAX_EVENT_BODY),
        ),
        ("nested 1000 deep", Shape::Other, deep()),
    ];
    for (name, shape, event) in &generated {
        for pass in 0..2 {
            let (typed, untyped) = adapters.run(name, *shape, event, &ctx);
            if pass == 0 {
                println!("{name:<68} {:>6} {typed:>6} {untyped:>6}", event.len());
            }
            assert_eq!((typed, untyped), (0, 0), "{name}, pass {pass}");
        }
    }
    let mut sqs = big_sqs(10, MAX_EVENT_BODY);
    let response = adapters.sqs.handle(&mut sqs, &ctx).unwrap();
    assert!(
        response.starts_with(b"{\"records\":10,"),
        "{}",
        String::from_utf8_lossy(response)
    );

    // 3. The densest 6 MiB event: with `Limits::strict` nothing allocates even the first time;
    //    with the default limits the parser grows once, then never again.
    let dense = dense(MAX_EVENT_BODY);
    let strict = Limits {
        max_response: 16 * 1024 * 1024,
        ..Limits::strict(MAX_EVENT_BODY, 0)
    };
    let (mut strict_walk, _) = count(|| Json::with_limits(Walk, strict));
    for pass in 0..2 {
        let mut buf = dense.clone();
        let (r, allocs) = count(|| strict_walk.handle(&mut buf, &ctx).map(<[u8]>::len));
        r.unwrap();
        println!(
            "{:<68} {:>6} {:>6} {allocs:>6}",
            format!("dense [0,1,...], strict limits, pass {pass}"),
            dense.len(),
            "-"
        );
        assert_eq!(allocs, 0, "dense event with strict limits, pass {pass}");
    }
    let mut default_walk = Json::with_limits(
        Walk,
        Limits {
            max_response: 16 * 1024 * 1024,
            ..Limits::lambda()
        },
    );
    let mut grew = Vec::new();
    for _ in 0..3 {
        let mut buf = dense.clone();
        let (r, allocs) = count(|| default_walk.handle(&mut buf, &ctx).map(<[u8]>::len));
        r.unwrap();
        grew.push(allocs);
    }
    println!("dense [0,1,...], default limits: allocations per pass {grew:?}");
    assert!(
        grew[0] > 0,
        "the default limits are expected to be exceeded by the densest event"
    );
    assert_eq!(
        &grew[1..],
        [0, 0],
        "after growing once, the parser keeps its buffers"
    );

    // 4. Bad input allocates nothing either.
    for (name, bad) in [
        ("syntax", &br#"{"a": tru}"#[..]),
        ("utf-8", b"\"\xff\""),
        ("type", br#"{"rawPath": 1}"#),
    ] {
        let mut buf = bad.to_vec();
        let (r, allocs) = count(|| adapters.http.handle(&mut buf, &ctx).map(|_| ()));
        let e = r.unwrap_err();
        println!(
            "error {name}: {allocs} allocations: {}: {}",
            e.error_type(),
            e.message()
        );
        assert_eq!(allocs, 0, "{name}");
    }
    let mut tiny = Json::with_limits(Walk, Limits::strict(1024, 64));
    let mut buf =
        br#"{"a":"a long enough string to overflow the 64-byte response buffer"}"#.to_vec();
    let (r, allocs) = count(|| tiny.handle(&mut buf, &ctx).map(|_| ()));
    assert_eq!(r.unwrap_err().error_type(), "Function.ResponseTooLarge");
    assert_eq!(allocs, 0, "response too large");

    // 5. Timing: parse + typed handler + proxy response for the HTTP API example.
    let original = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/events/example-apigw-v2-request-no-authorizer.json"),
    )
    .unwrap();
    let mut buf = original.clone();
    let rounds = if cfg!(debug_assertions) {
        2_000
    } else {
        200_000
    };
    let ((per, bytes), allocs) = count(|| {
        let start = Instant::now();
        let mut bytes = 0;
        for _ in 0..rounds {
            buf.copy_from_slice(&original);
            bytes += adapters.http.handle(&mut buf, &ctx).map_or(0, <[u8]>::len);
        }
        (start.elapsed() / rounds, bytes / rounds as usize)
    });
    assert_eq!(allocs, 0, "timing loop");
    println!(
        "timing: {} bytes in, {bytes} bytes out: {per:?} per invocation (copy event in + parse + deserialize + respond){}",
        original.len(),
        if cfg!(debug_assertions) { " [debug build]" } else { "" }
    );
}
