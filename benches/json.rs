//! Per-invocation cost of parse + respond for JSON events (issue #5).
//!
//! lambda-zero's path (event parsed in place by simd-json with reused buffers, response written
//! by `JsonWriter` into a reused buffer) against what `lambda_runtime` 1.5 does for every
//! invocation (`lambda_runtime::deserializer::deserialize`): `serde_path_to_error` over
//! `serde_json::Deserializer::from_slice` into a `serde_json::Value` or into an owned typed
//! struct (`LambdaEvent<T>` needs `T: DeserializeOwned`), then `serde_json::to_vec` of the
//! response (rows `lambda_runtime-*`). The rows `serde_json-*` leave out the path tracking:
//! they are serde_json alone, the JSON work any serde-based runtime does at the least.
//! Same handler logic on every side, same criterion group. lambda-zero's timings include
//! copying the event into the receive buffer first (its in-place parse consumes the bytes);
//! serde_json reads the bytes where they are. Two floors show what simd-json alone costs for
//! the API Gateway events: its full parse (`floor-simd-json-tape`, what the untyped path
//! builds on) and its stage 1 only (`floor-simd-json-stage1`, what the typed fast path builds
//! on).
//!
//! `cargo bench --bench json` (the README's table quotes it).

// `lambda_zero::Error` is inline by design (no heap), so results carrying it are large.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lambda_zero::json::{json_fn, simd_json, JsonWriter, ProxyResponse, Typed, TypedHandler};
use lambda_zero::{Config, Context, Error, Handler};
use serde::{Deserialize, Serialize};

/// The AWS sample events, in the repository (see `tests/events/SOURCE.md`).
const EVENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/events");

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{EVENTS}/{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every event in `tests/events`: the generic handler counts the top-level members and answers
/// `{"members":N,"requestId":"…"}`.
fn generic(c: &mut Criterion) {
    let mut names: Vec<String> = std::fs::read_dir(EVENTS)
        .expect(EVENTS)
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    let config = Config::default();
    let ctx = Context::for_test("8476a536-e9f4-11e8-9739-2dfe598c3fcd", &config);
    let mut zero = json_fn(|event, out, ctx| {
        out.object(|w| {
            w.field("members", event.len() as u64)?;
            w.field("requestId", ctx.request_id)
        })?;
        Ok(())
    });
    let mut group = c.benchmark_group("json_generic");
    for name in &names {
        let event = fixture(name);
        let label = name
            .trim_start_matches("example-")
            .trim_end_matches(".json");
        group.throughput(Throughput::Bytes(event.len() as u64));
        let mut buf = vec![0u8; event.len()];
        group.bench_with_input(
            BenchmarkId::new("lambda-zero", label),
            &event,
            |b, event| {
                b.iter(|| {
                    buf.copy_from_slice(event);
                    let out = zero.handle(&mut buf, &ctx).expect("handled");
                    black_box(out.len())
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("serde_json-Value", label),
            &event,
            |b, event| {
                b.iter(|| {
                    let value: serde_json::Value =
                        serde_json::from_slice(black_box(event)).expect("valid");
                    let members = value.as_object().map_or(0, |o| o.len());
                    let response =
                        serde_json::json!({ "members": members, "requestId": ctx.request_id });
                    black_box(serde_json::to_vec(&response).expect("serialised").len())
                })
            },
        );
    }
    group.finish();
}

// --- The API Gateway HTTP API handler, three ways -------------------------------------------

/// lambda-zero, typed: borrowed fields straight from the event buffer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    raw_path: &'a str,
    #[serde(borrow, default)]
    headers: Headers<'a>,
    #[serde(borrow)]
    request_context: RequestContext<'a>,
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
}

struct Hello;

impl TypedHandler for Hello {
    type Event<'de> = Request<'de>;

    fn handle(
        &mut self,
        req: Request<'_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        let mut response = ProxyResponse::new(out, 200)?;
        response.header("content-type", "application/json")?;
        response.body_json(|w| {
            w.object(|w| {
                w.field("message", format_args!("Hello from {}", req.raw_path))?;
                w.field("userAgent", req.headers.user_agent)?;
                w.field("requestId", req.request_context.request_id)
            })
        })?;
        Ok(())
    }
}

/// Where lambda-zero's typed time goes, row by row: [`Hello`] without its response (the
/// event parsed into `Request`, `null` answered) ...
struct ParseOnly;

impl TypedHandler for ParseOnly {
    type Event<'de> = Request<'de>;

    fn handle(
        &mut self,
        req: Request<'_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        black_box((
            req.raw_path,
            req.headers.user_agent,
            req.request_context.request_id,
        ));
        out.null()?;
        Ok(())
    }
}

/// ... and with no fields read at all (the whole event still checked: stage 1 and the walk).
struct CheckOnly;

impl TypedHandler for CheckOnly {
    type Event<'de> = serde::de::IgnoredAny;

    fn handle(
        &mut self,
        _: serde::de::IgnoredAny,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        out.null()?;
        Ok(())
    }
}

/// lambda_runtime, typed: `LambdaEvent<T>` needs `DeserializeOwned`, so every field is copied.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnedRequest {
    raw_path: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    request_context: OwnedContext,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnedContext {
    request_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    message: String,
    user_agent: Option<&'a str>,
    request_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    status_code: u16,
    headers: HashMap<&'static str, &'static str>,
    body: String,
    is_base64_encoded: bool,
}

/// How `lambda_runtime` 1.5 turns the event body into the handler's `T`
/// (`lambda_runtime/src/deserializer.rs`): serde_json, with the path tracked for errors.
fn lambda_runtime_deserialize<T: serde::de::DeserializeOwned>(event: &[u8]) -> T {
    let jd = &mut serde_json::Deserializer::from_slice(event);
    serde_path_to_error::deserialize(jd).expect("valid")
}

fn owned_typed(event: &[u8]) -> Vec<u8> {
    respond_owned(serde_json::from_slice(event).expect("valid"))
}

fn lambda_runtime_typed(event: &[u8]) -> Vec<u8> {
    respond_owned(lambda_runtime_deserialize(event))
}

fn respond_owned(req: OwnedRequest) -> Vec<u8> {
    let body = Body {
        message: format!("Hello from {}", req.raw_path),
        user_agent: req.headers.get("user-agent").map(String::as_str),
        request_id: &req.request_context.request_id,
    };
    let response = Response {
        status_code: 200,
        headers: HashMap::from([("content-type", "application/json")]),
        body: serde_json::to_string(&body).expect("serialised"),
        is_base64_encoded: false,
    };
    serde_json::to_vec(&response).expect("serialised")
}

fn value_untyped(event: &[u8]) -> Vec<u8> {
    respond_value(serde_json::from_slice(event).expect("valid"))
}

fn lambda_runtime_value(event: &[u8]) -> Vec<u8> {
    respond_value(lambda_runtime_deserialize(event))
}

fn respond_value(req: serde_json::Value) -> Vec<u8> {
    let body = serde_json::json!({
        "message": format!("Hello from {}", req["rawPath"].as_str().unwrap_or("")),
        "userAgent": req["headers"]["user-agent"],
        "requestId": req["requestContext"]["requestId"],
    });
    let response = serde_json::json!({
        "statusCode": 200,
        "headers": { "content-type": "application/json" },
        "body": body.to_string(),
        "isBase64Encoded": false,
    });
    serde_json::to_vec(&response).expect("serialised")
}

fn api_gateway(c: &mut Criterion) {
    let config = Config::default();
    let ctx = Context::for_test("8476a536-e9f4-11e8-9739-2dfe598c3fcd", &config);
    let mut typed = Typed::new(Hello);
    // The same handler with the other stage 1s (`LAMBDA_ZERO_JSON_STAGE1`, read when the
    // adapter is made): this CPU's best is the row above.
    let typed_with = |stage1: &str| {
        std::env::set_var("LAMBDA_ZERO_JSON_STAGE1", stage1);
        let typed = Typed::new(Hello);
        std::env::remove_var("LAMBDA_ZERO_JSON_STAGE1");
        typed
    };
    let has_avx2 = lambda_zero::__private::json::Stage1::all()
        .iter()
        .any(|s| s.name() == "avx2");
    let mut typed_avx2 = typed_with("avx2");
    let mut typed_simd_json = typed_with("simd-json");
    let mut parse_only = Typed::new(ParseOnly);
    let mut check_only = Typed::new(CheckOnly);
    let mut untyped = json_fn(|req, out, _ctx| {
        let mut response = ProxyResponse::new(out, 200)?;
        response.header("content-type", "application/json")?;
        response.body_json(|w| {
            w.object(|w| {
                w.field(
                    "message",
                    format_args!("Hello from {}", req.get_str("rawPath").unwrap_or("")),
                )?;
                w.field(
                    "userAgent",
                    req.path(&["headers", "user-agent"])
                        .and_then(|v| v.as_str()),
                )?;
                w.field(
                    "requestId",
                    req.path(&["requestContext", "requestId"])
                        .and_then(|v| v.as_str()),
                )
            })
        })?;
        Ok(())
    });
    let mut group = c.benchmark_group("json_apigw_v2");
    // The two AWS examples, and lambda_http's own test event (the `apigw-1.2KiB` event of the
    // round-trip benches).
    for name in [
        "example-apigw-v2-request-no-authorizer.json",
        "example-apigw-v2-request-iam.json",
        "lambda-http/apigw_v2_proxy_request.json",
    ] {
        let event = fixture(name);
        let label = name
            .trim_start_matches("lambda-http/")
            .trim_start_matches("example-")
            .trim_end_matches(".json");
        // Both sides answer the same thing.
        let mut buf = event.clone();
        // The body is a JSON document in a string: compared as parsed (`json!` sorts keys).
        let body_of = |response: &[u8]| -> serde_json::Value {
            let response: serde_json::Value = serde_json::from_slice(response).unwrap();
            serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
        };
        let zero_out = body_of(typed.handle(&mut buf, &ctx).unwrap());
        for serde_side in [
            owned_typed(&event),
            lambda_runtime_typed(&event),
            value_untyped(&event),
            lambda_runtime_value(&event),
        ] {
            assert_eq!(zero_out, body_of(&serde_side), "same response body");
        }
        group.throughput(Throughput::Bytes(event.len() as u64));
        let mut buf = vec![0u8; event.len()];
        // lambda-zero's rows: the typed handler with this CPU's best stage 1 and with the
        // others (no AVX2 row on a CPU without AVX2: the variable would fall back to its
        // best); the typed row taken apart (without the response, without reading any field);
        // the untyped handler. Each copies the event into the receive buffer first.
        let rows: [(&str, &mut dyn Handler); 6] = [
            ("lambda-zero-typed", &mut typed),
            ("lambda-zero-typed-avx2", &mut typed_avx2),
            ("lambda-zero-typed-simd-json-stage1", &mut typed_simd_json),
            ("lambda-zero-typed-no-response", &mut parse_only),
            ("lambda-zero-typed-no-fields", &mut check_only),
            ("lambda-zero-untyped", &mut untyped),
        ];
        for (row, handler) in rows {
            if row == "lambda-zero-typed-avx2" && !has_avx2 {
                continue;
            }
            group.bench_with_input(BenchmarkId::new(row, label), &event, |b, event| {
                b.iter(|| {
                    buf.copy_from_slice(event);
                    black_box(handler.handle(&mut buf, &ctx).expect("handled").len())
                })
            });
        }
        // Floors, parse only (no deserializing, no response), same copies as above: what
        // the tape path's simd-json parse costs (stage 1 + stage 2, the tape), and what the
        // typed fast path's stage 1 costs (the structural index of a padded copy).
        let mut buffers = simd_json::Buffers::new(event.len());
        let mut nodes: Vec<simd_json::Node<'static>> = Vec::with_capacity(event.len());
        group.bench_with_input(
            BenchmarkId::new("floor-simd-json-tape", label),
            &event,
            |b, event| {
                b.iter(|| {
                    buf.copy_from_slice(event);
                    let mut tape = simd_json::Tape(std::mem::take(&mut nodes)).reset();
                    simd_json::fill_tape(&mut buf, &mut buffers, &mut tape).expect("valid");
                    let len = tape.0.len();
                    nodes = tape.reset().0;
                    black_box(len)
                })
            },
        );
        let mut padded = vec![0u8; event.len() + 1 + simd_json::INPUT_PADDING];
        group.bench_with_input(
            BenchmarkId::new("floor-simd-json-stage1", label),
            &event,
            |b, event| {
                b.iter(|| {
                    buf.copy_from_slice(event);
                    padded[0] = b']';
                    padded[1..=buf.len()].copy_from_slice(&buf);
                    let mut tape = simd_json::Tape(std::mem::take(&mut nodes)).reset();
                    // Stops at the `]`, after stage 1 indexed the whole event.
                    let stopped = simd_json::fill_tape_padded(
                        &mut padded,
                        buf.len() + 1,
                        &mut buffers,
                        &mut tape,
                    )
                    .is_err();
                    nodes = tape.reset().0;
                    black_box((stopped, buffers.structural_indexes().len()))
                })
            },
        );
        // lambda-zero's own stage 1 alone, each kernel this CPU runs (what the typed rows
        // build on): no copy, the event indexed where it lies.
        for mut stage1 in lambda_zero::__private::json::Stage1::all() {
            let row = format!("floor-stage1-{}", stage1.name());
            group.bench_with_input(BenchmarkId::new(row, label), &event, |b, event| {
                b.iter(|| black_box(stage1.index(black_box(event))))
            });
        }
        group.bench_with_input(
            BenchmarkId::new("serde_json-typed", label),
            &event,
            |b, event| b.iter(|| black_box(owned_typed(black_box(event)).len())),
        );
        group.bench_with_input(
            BenchmarkId::new("serde_json-Value", label),
            &event,
            |b, event| b.iter(|| black_box(value_untyped(black_box(event)).len())),
        );
        group.bench_with_input(
            BenchmarkId::new("lambda_runtime-typed", label),
            &event,
            |b, event| b.iter(|| black_box(lambda_runtime_typed(black_box(event)).len())),
        );
        group.bench_with_input(
            BenchmarkId::new("lambda_runtime-Value", label),
            &event,
            |b, event| b.iter(|| black_box(lambda_runtime_value(black_box(event)).len())),
        );
    }
    group.finish();
}

criterion_group!(benches, api_gateway, generic);
criterion_main!(benches);
