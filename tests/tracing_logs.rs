//! `lambda_zero::logging::TracingSubscriber` (feature `tracing`) as a real process writes its
//! lines: events logged with `tracing`'s macros come out as the lines of `lambda_zero::info!`
//! and its siblings (byte for byte for the same message), with the invocation's request and
//! tenant ids, their fields and the fields of the spans they are in, in both formats; the
//! `AWS_LAMBDA_LOG_LEVEL` filter drops events and spans below it; two workers' lines are
//! whole and carry their own invocation and span; an event with number and boolean fields
//! inside a span allocates nothing per invocation; futures instrumented with a span on the tokio
//! driver keep it across awaits and spawned tasks.
//!
//! Each check runs a function in a child process (this test binary again, running one of the
//! `child_*` tests, which are ignored unless asked for: the subscriber is process-wide) with
//! the Lambda log variables set, and reads what the child wrote on standard error.
#![cfg(feature = "tracing")]
// `lambda_zero::Error` is inline by design (no allocation on the error path).
#![allow(clippy::result_large_err)]

use std::process::Command;
use std::time::Duration;

use lambda_zero::testing::{Invocation, MockRuntimeApi};
use lambda_zero::{handler_fn, Config, Runtime};

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

const WAIT: Duration = Duration::from_secs(20);

/// Runs the ignored test `name` of this binary in a child process with `env` added; returns
/// its standard error and standard output. Fails if the child test failed.
fn child(name: &str, env: &[(&str, &str)]) -> (String, String) {
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove("AWS_LAMBDA_LOG_FORMAT")
        .env_remove("AWS_LAMBDA_LOG_LEVEL")
        .envs(env.iter().copied())
        .output()
        .expect("the child runs");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8 lines");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child {name} failed: {stdout}\n{stderr}"
    );
    (stderr, stdout)
}

/// The function's lines of `stderr` (not the runtime's own, which say `lambda-zero`), each with
/// its timestamp (checked for its form) replaced by `T`.
fn function_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| !l.contains("lambda-zero"))
        .map(|l| {
            let at = if l.starts_with("{\"timestamp\":\"") {
                14
            } else {
                0
            };
            let time = l.get(at..at + 24).unwrap_or_else(|| panic!("short: {l}"));
            let b = time.as_bytes();
            assert!(
                b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && b[23] == b'Z',
                "not an RFC 3339 time: {l}"
            );
            format!("{}T{}", &l[..at], &l[at + 24..])
        })
        .collect()
}

#[test]
#[ignore = "a child process of the tracing tests: run through them"]
fn child_logs_with_tracing() {
    lambda_zero::logging::init_tracing().expect("the first subscriber");
    let server = MockRuntimeApi::start().unwrap();
    server.push(
        Invocation::new("hello")
            .request_id("req-1")
            .tenant_id("blue"),
    );
    server.push(Invocation::new("").request_id("req-2"));
    Runtime::new(&server.endpoint())
        .unwrap()
        .config(Config::from_env())
        .max_invocations(2)
        .run_with_init(|_| {
            tracing::info!(phase = "init", "init");
            Ok(handler_fn(|event, _ctx| {
                lambda_zero::info!("same line {}", event.len());
                tracing::info!("same line {}", event.len());
                let order = tracing::info_span!("order", id = 7u64, who = "ada \"l\"").entered();
                tracing::warn!(
                    count = 3u64,
                    delta = -2i64,
                    ok = true,
                    ratio = 0.5,
                    name = "x\ny",
                    "checked {}",
                    event.len()
                );
                {
                    let _step = tracing::debug_span!("step", n = 1).entered();
                    tracing::error!(level = "clash", "inner");
                }
                drop(order);
                tracing::trace!("trace {}", 1);
                tracing::info!(answer = 42, infinite = f64::INFINITY);
                Ok(event)
            }))
        })
        .unwrap();
    assert_eq!(server.wait_outcomes(2, WAIT).len(), 2);
}

#[test]
fn json_lines_are_lambda_zeros_lines_with_fields_and_spans_as_members() {
    let (stderr, _) = child(
        "child_logs_with_tracing",
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON")],
    );
    let lines = function_lines(&stderr);
    let mut want =
        vec![r#"{"timestamp":"T","level":"INFO","message":"init","phase":"init"}"#.to_string()];
    for (ids, len) in [
        (r#""requestId":"req-1","tenantId":"blue""#, 5),
        (r#""requestId":"req-2""#, 0),
    ] {
        let head = |level: &str| format!(r#"{{"timestamp":"T","level":"{level}",{ids}"#);
        let same = format!(r#"{},"message":"same line {len}"}}"#, head("INFO"));
        let order = r#"{"name":"order","id":7,"who":"ada \"l\""}"#;
        want.extend([
            // lambda_zero::info! and tracing::info!: the same line.
            same.clone(),
            same,
            format!(
                r#"{},"message":"checked {len}","count":3,"delta":-2,"ok":true,"ratio":0.5,"name":"x\ny","spans":[{order}]}}"#,
                head("WARN")
            ),
            format!(
                r#"{},"message":"inner","fields.level":"clash","spans":[{order},{{"name":"step","n":1}}]}}"#,
                head("ERROR")
            ),
            format!(r#"{},"message":"trace 1"}}"#, head("TRACE")),
            format!(
                r#"{},"message":"","answer":42,"infinite":"inf"}}"#,
                head("INFO")
            ),
        ]);
    }
    assert_eq!(lines, want, "{stderr}");
    for line in &lines {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
}

#[test]
fn text_lines_are_lambda_zeros_lines_with_spans_before_and_fields_after_the_message() {
    let (stderr, _) = child("child_logs_with_tracing", &[]);
    let lines = function_lines(&stderr);
    let mut want = vec!["T\t\tINFO\tinit phase=init".to_string()];
    for (id, len) in [("req-1", 5), ("req-2", 0)] {
        let order = r#"order{id=7 who=ada "l"}"#;
        want.extend([
            format!("T\t{id}\tINFO\tsame line {len}"),
            format!("T\t{id}\tINFO\tsame line {len}"),
            format!(
                "T\t{id}\tWARN\t{order}: checked {len} count=3 delta=-2 ok=true ratio=0.5 name=x\ry"
            ),
            format!("T\t{id}\tERROR\t{order}:step{{n=1}}: inner level=clash"),
            format!("T\t{id}\tTRACE\ttrace 1"),
            format!("T\t{id}\tINFO\tanswer=42 infinite=inf"),
        ]);
    }
    assert_eq!(lines, want, "{stderr}");
}

#[test]
fn the_log_level_drops_events_and_spans_below_it() {
    let (stderr, _) = child(
        "child_logs_with_tracing",
        &[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "warn"),
        ],
    );
    let lines = function_lines(&stderr);
    let mut want = Vec::new();
    for (ids, len) in [
        (r#""requestId":"req-1","tenantId":"blue""#, 5),
        (r#""requestId":"req-2""#, 0),
    ] {
        // The `order` and `step` spans (INFO, DEBUG) were not recorded.
        want.extend([
            format!(
                r#"{{"timestamp":"T","level":"WARN",{ids},"message":"checked {len}","count":3,"delta":-2,"ok":true,"ratio":0.5,"name":"x\ny"}}"#
            ),
            format!(
                r#"{{"timestamp":"T","level":"ERROR",{ids},"message":"inner","fields.level":"clash"}}"#
            ),
        ]);
    }
    assert_eq!(lines, want, "{stderr}");
}

/// Invocations per worker of [`child_logs_with_tracing_from_two_workers_without_allocating`].
const EACH: usize = 300;
const WORKERS: usize = 2;

#[test]
#[ignore = "a child process of the tracing tests: run through them"]
fn child_logs_with_tracing_from_two_workers_without_allocating() {
    lambda_zero::logging::init_tracing().expect("the first subscriber");
    let server = MockRuntimeApi::builder()
        .record_requests(false)
        .start()
        .unwrap();
    for i in 0..WORKERS * EACH {
        server.push(Invocation::new(vec![b'a'; i % 300]).request_id(format!("req-{i}")));
    }
    counting::reset_total();
    Runtime::new(&server.endpoint())
        .unwrap()
        .config(Config::from_env())
        .concurrency(WORKERS as u32)
        .max_invocations(EACH as u64)
        .run_with_init(|_| {
            Ok(handler_fn(|event, ctx| {
                counting::arm(true);
                let n: u64 = ctx.request_id["req-".len()..].parse().unwrap_or(0);
                let _span = tracing::info_span!("invocation", n, ok = true).entered();
                tracing::info!(bytes = event.len(), ratio = 0.25, "{} got", ctx.request_id);
                tracing::debug!(delta = -1i64, "{} detail", ctx.request_id);
                Ok(event)
            }))
        })
        .unwrap();
    let allocations = counting::total();
    assert_eq!(
        server.wait_outcome_count(WORKERS * EACH, WAIT),
        WORKERS * EACH
    );
    println!("allocations: {allocations}");
    assert_eq!(
        allocations, 0,
        "heap allocations while logging with tracing"
    );
}

#[test]
fn two_workers_write_whole_lines_with_their_own_invocation_and_span_without_allocating() {
    for format in ["JSON", "Text"] {
        let (stderr, stdout) = child(
            "child_logs_with_tracing_from_two_workers_without_allocating",
            &[("AWS_LAMBDA_LOG_FORMAT", format)],
        );
        assert!(stdout.contains("allocations: 0"), "{stdout}");
        let lines = function_lines(&stderr);
        assert_eq!(lines.len(), WORKERS * EACH * 2, "{format}");
        for line in &lines {
            // Every line whole, with the request id of the invocation that logged it (the
            // message starts with it) and that invocation's span.
            if format == "JSON" {
                let v: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}"));
                let id = v["requestId"].as_str().expect("a request id");
                let n: u64 = id["req-".len()..].parse().unwrap();
                assert!(
                    v["message"]
                        .as_str()
                        .unwrap()
                        .starts_with(&format!("{id} ")),
                    "{line}"
                );
                assert_eq!(
                    v["spans"],
                    serde_json::json!([{"name": "invocation", "n": n, "ok": true}]),
                    "{line}"
                );
                match v["level"].as_str().unwrap() {
                    "INFO" => assert_eq!(
                        (v["bytes"].as_u64(), v["ratio"].as_f64()),
                        (Some(n % 300), Some(0.25)),
                        "{line}"
                    ),
                    "DEBUG" => assert_eq!(v["delta"], -1, "{line}"),
                    other => panic!("level {other}: {line}"),
                }
            } else {
                let fields: Vec<&str> = line.splitn(4, '\t').collect();
                assert_eq!(fields.len(), 4, "{line}");
                let id = fields[1];
                let n: u64 = id["req-".len()..].parse().unwrap();
                let want = match fields[2] {
                    "INFO" => format!("{id} got bytes={} ratio=0.25", n % 300),
                    "DEBUG" => format!("{id} detail delta=-1"),
                    other => panic!("level {other}: {line}"),
                };
                assert_eq!(
                    fields[3],
                    format!("invocation{{n={n} ok=true}}: {want}"),
                    "{line}"
                );
            }
        }
    }
}

#[cfg(feature = "tokio")]
#[test]
#[ignore = "a child process of the tracing tests: run through them"]
fn child_logs_with_tracing_on_tokio() {
    use tracing::Instrument;
    lambda_zero::logging::init_tracing().expect("the first subscriber");
    let server = MockRuntimeApi::start().unwrap();
    server.push(Invocation::new("x").request_id("req-t1"));
    server.push(Invocation::new("yy").request_id("req-t2"));
    Runtime::new(&server.endpoint())
        .unwrap()
        .config(Config::from_env())
        .max_invocations(2)
        .run_with_init(lambda_zero::asynchronous::tokio_init(async |_| {
            Ok(lambda_zero::async_handler_fn(async |event, _ctx| {
                let n = event.len();
                async move {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    tracing::info!("after the timer");
                    // A task of its own, in a span of its own inside the call's.
                    tokio::spawn(
                        async { tracing::warn!(done = true, "task") }
                            .instrument(tracing::info_span!("task")),
                    )
                    .await
                    .unwrap();
                }
                .instrument(tracing::info_span!("call", n))
                .await;
                tracing::info!("outside the span");
                Ok(&*event)
            }))
        }))
        .unwrap();
    assert_eq!(server.wait_outcomes(2, WAIT).len(), 2);
}

#[cfg(feature = "tokio")]
#[test]
fn instrumented_futures_keep_their_spans_across_awaits_and_tasks() {
    let (stderr, _) = child(
        "child_logs_with_tracing_on_tokio",
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON")],
    );
    let lines = function_lines(&stderr);
    let mut want = Vec::new();
    for (id, n) in [("req-t1", 1), ("req-t2", 2)] {
        let head =
            |level: &str| format!(r#"{{"timestamp":"T","level":"{level}","requestId":"{id}""#);
        want.extend([
            format!(
                r#"{},"message":"after the timer","spans":[{{"name":"call","n":{n}}}]}}"#,
                head("INFO")
            ),
            format!(
                r#"{},"message":"task","done":true,"spans":[{{"name":"call","n":{n}}},{{"name":"task"}}]}}"#,
                head("WARN")
            ),
            format!(r#"{},"message":"outside the span"}}"#, head("INFO")),
        ]);
    }
    assert_eq!(lines, want, "{stderr}");
}
