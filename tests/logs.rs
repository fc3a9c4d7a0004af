//! The function's own log lines (`lambda_zero::logging` and its macros), as a real process
//! writes them: the exact JSON objects and text lines, the request and tenant ids of the
//! invocation each line was logged in (none at init or on another thread), the
//! `AWS_LAMBDA_LOG_LEVEL` filter, whole lines from concurrent workers, and no allocation.
//!
//! Each check runs a function in a child process (this test binary again, running one of the
//! `child_*` tests, which are ignored unless asked for) with the Lambda log variables set, and
//! reads what the child wrote on standard error.
// `lambda_zero::Error` is inline by design (no allocation on the error path).
#![allow(clippy::result_large_err)]

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_zero::testing::{Invocation, MockRuntimeApi};
use lambda_zero::{
    async_handler_fn, debug, error, fatal, handler_fn, info, trace, warn, Config, Runtime,
};

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

/// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS.mmmZ`, checking the form.
fn parse_timestamp(t: &str) -> u64 {
    let b = t.as_bytes();
    assert_eq!(b.len(), 24, "{t}");
    for (i, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        assert_eq!(b[i], c, "{t}");
    }
    let n = |r: std::ops::Range<usize>| -> u64 { t[r].parse().unwrap_or_else(|_| panic!("{t}")) };
    let (y, m, d) = (n(0..4) as i64, n(5..7) as i64, n(8..10) as i64);
    // Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = (era * 146_097 + doe - 719_468) as u64;
    ((days * 24 + n(11..13)) * 60 + n(14..16)) * 60_000 + n(17..19) * 1000 + n(20..23)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// The function lines of `stderr` (not the runtime's own, which say `lambda-zero`).
fn function_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| !l.contains("lambda-zero"))
        .collect()
}

/// The lines [`child_logs_in_init_in_handlers_and_on_a_thread`] logs, in order, with the
/// request and tenant ids each must carry.
const EXPECTED: &[(&str, Option<&str>, Option<&str>, &str)] = &[
    ("INFO", None, None, "init for fn-logs"),
    ("TRACE", Some("req-1"), Some("blue"), "trace 5"),
    ("DEBUG", Some("req-1"), Some("blue"), "debug 5"),
    ("INFO", Some("req-1"), Some("blue"), "info 5 bytes"),
    (
        "WARN",
        Some("req-1"),
        Some("blue"),
        "a \"quoted\" warning\non two lines",
    ),
    ("ERROR", Some("req-1"), Some("blue"), "error\tafter a tab"),
    ("FATAL", Some("req-1"), Some("blue"), "fatal é"),
    ("INFO", None, None, "from a thread of the function's own"),
    ("TRACE", Some("req-2"), None, "trace 0"),
    ("DEBUG", Some("req-2"), None, "debug 0"),
    ("INFO", Some("req-2"), None, "info 0 bytes"),
    (
        "WARN",
        Some("req-2"),
        None,
        "a \"quoted\" warning\non two lines",
    ),
    ("ERROR", Some("req-2"), None, "error\tafter a tab"),
    ("FATAL", Some("req-2"), None, "fatal é"),
    ("INFO", None, None, "from a thread of the function's own"),
    ("INFO", Some("req-3"), None, "async, after a wait, 3 bytes"),
];

#[test]
#[ignore = "a child process of the logs tests: run through them"]
fn child_logs_in_init_in_handlers_and_on_a_thread() {
    let server = MockRuntimeApi::start().unwrap();
    server.push(
        Invocation::new("hello")
            .request_id("req-1")
            .tenant_id("blue"),
    );
    server.push(Invocation::new("").request_id("req-2"));
    server.push(Invocation::new("abc").request_id("req-3"));
    let config = Config {
        function_name: "fn-logs".into(),
        ..Config::from_env()
    };
    let rt = || {
        Runtime::new(&server.endpoint())
            .unwrap()
            .config(config.clone())
    };
    rt().max_invocations(2)
        .run_with_init(|config| {
            info!("init for {}", config.function_name);
            Ok(handler_fn(|event, _ctx| {
                trace!("trace {}", event.len());
                debug!("debug {}", event.len());
                info!("info {} bytes", event.len());
                warn!("a \"quoted\" warning\non two lines");
                error!("error\tafter a tab");
                fatal!("fatal é");
                std::thread::scope(|s| {
                    s.spawn(|| info!("from a thread of the function's own"));
                });
                Ok(event)
            }))
        })
        .unwrap();
    rt().max_invocations(1)
        .run(async_handler_fn(async |event, _ctx| {
            lambda_zero::asynchronous::block_on(async {});
            std::future::ready(()).await;
            info!("async, after a wait, {} bytes", event.len());
            Ok(&*event)
        }))
        .unwrap();
    assert_eq!(server.wait_outcomes(3, WAIT).len(), 3);
}

#[test]
fn json_lines_are_the_managed_runtimes_objects_with_the_invocations_ids() {
    let started = now_ms();
    let (stderr, _) = child(
        "child_logs_in_init_in_handlers_and_on_a_thread",
        &[("AWS_LAMBDA_LOG_FORMAT", "JSON")],
    );
    let ended = now_ms();
    let lines = function_lines(&stderr);
    assert_eq!(lines.len(), EXPECTED.len(), "{stderr}");
    for (line, &(level, request_id, tenant_id, message)) in lines.iter().zip(EXPECTED) {
        // The exact object: its fields in this order, nothing else, the time aside.
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let time = v["timestamp"].as_str().expect("a timestamp");
        let ms = parse_timestamp(time);
        assert!((started..=ended).contains(&ms), "{time} outside the run");
        let mut want = format!(r#"{{"timestamp":"{time}","level":"{level}""#);
        if let Some(id) = request_id {
            want += &format!(r#","requestId":"{id}""#);
        }
        if let Some(id) = tenant_id {
            want += &format!(r#","tenantId":"{id}""#);
        }
        want += &format!(r#","message":{}}}"#, serde_json::Value::from(message));
        assert_eq!(*line, want);
    }
}

#[test]
fn text_lines_are_tab_separated_with_the_request_id() {
    let started = now_ms();
    let (stderr, _) = child("child_logs_in_init_in_handlers_and_on_a_thread", &[]);
    let ended = now_ms();
    let lines = function_lines(&stderr);
    assert_eq!(lines.len(), EXPECTED.len(), "{stderr}");
    for (line, &(level, request_id, _, message)) in lines.iter().zip(EXPECTED) {
        let time = &line[..24];
        assert!((started..=ended).contains(&parse_timestamp(time)), "{line}");
        let want = format!(
            "{time}\t{}\t{level}\t{}",
            request_id.unwrap_or(""),
            message.replace('\n', "\r")
        );
        assert_eq!(*line, want);
    }
}

#[test]
fn the_log_level_drops_the_lines_below_it() {
    for (level, kept) in [
        ("WARN", &["WARN", "ERROR", "FATAL"][..]),
        ("error", &["ERROR", "FATAL"][..]),
        (
            "TRACE",
            &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"][..],
        ),
        (
            "nonsense",
            &["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"][..],
        ),
    ] {
        let (stderr, _) = child(
            "child_logs_in_init_in_handlers_and_on_a_thread",
            &[
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                ("AWS_LAMBDA_LOG_LEVEL", level),
            ],
        );
        let levels: Vec<String> = function_lines(&stderr)
            .iter()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["level"].to_string())
            .collect();
        let want: Vec<String> = EXPECTED
            .iter()
            .filter(|e| kept.contains(&e.0))
            .map(|e| format!("\"{}\"", e.0))
            .collect();
        assert_eq!(levels, want, "AWS_LAMBDA_LOG_LEVEL={level}");
    }
}

/// Invocations per worker of [`child_logs_from_concurrent_workers_without_allocating`].
const EACH: usize = 300;
const WORKERS: usize = 3;

#[test]
#[ignore = "a child process of the logs tests: run through them"]
fn child_logs_from_concurrent_workers_without_allocating() {
    // Three workers log four lines per invocation, one of them longer than a pipe's atomic
    // write (10 KiB), and count their allocations from their first invocation on.
    let server = MockRuntimeApi::builder()
        .record_requests(false)
        .start()
        .unwrap();
    for i in 0..WORKERS * EACH {
        let inv =
            Invocation::new(vec![b'a' + (i % 26) as u8; i % 500]).request_id(format!("req-{i}"));
        server.push(if i.is_multiple_of(3) {
            inv.tenant_id(format!("tenant-{i}"))
        } else {
            inv
        });
    }
    let long = "x".repeat(10 * 1024);
    counting::reset_total();
    Runtime::new(&server.endpoint())
        .unwrap()
        .config(Config::from_env())
        .concurrency(WORKERS as u32)
        .max_invocations(EACH as u64)
        .run_with_init(|_| {
            let long = long.clone();
            Ok(handler_fn(move |event, ctx| {
                counting::arm(true);
                info!("{} got {} bytes", ctx.request_id, event.len());
                debug!("{} debug", ctx.request_id);
                warn!("{} long {long}", ctx.request_id);
                error!("{} {}", ctx.request_id, "quote \" and newline \n");
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
    assert_eq!(allocations, 0, "heap allocations while logging");
}

#[test]
fn concurrent_workers_write_whole_lines_with_their_own_ids_without_allocating() {
    for (format, level) in [("JSON", "TRACE"), ("Text", "TRACE"), ("JSON", "WARN")] {
        let (stderr, stdout) = child(
            "child_logs_from_concurrent_workers_without_allocating",
            &[
                ("AWS_LAMBDA_LOG_FORMAT", format),
                ("AWS_LAMBDA_LOG_LEVEL", level),
            ],
        );
        assert!(stdout.contains("allocations: 0"), "{stdout}");
        let lines = function_lines(&stderr);
        let per_invocation = if level == "WARN" { 2 } else { 4 };
        assert_eq!(
            lines.len(),
            WORKERS * EACH * per_invocation,
            "{format} {level}"
        );
        for line in lines {
            // Every line whole, and carrying the ids of the invocation that logged it (the
            // message starts with its request id).
            let (request_id, tenant_id, message) = if format == "JSON" {
                let v: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not one JSON object ({e}): {line:.200}"));
                let text = |k: &str| v[k].as_str().map(str::to_string);
                (
                    text("requestId"),
                    text("tenantId"),
                    text("message").unwrap(),
                )
            } else {
                let fields: Vec<&str> = line.splitn(4, '\t').collect();
                assert_eq!(fields.len(), 4, "{line:.200}");
                (Some(fields[1].to_string()), None, fields[3].to_string())
            };
            let id = request_id.unwrap_or_else(|| panic!("no request id: {line:.200}"));
            assert!(message.starts_with(&format!("{id} ")), "{line:.200}");
            let n: usize = id["req-".len()..].parse().unwrap();
            if format == "JSON" {
                assert_eq!(
                    tenant_id,
                    n.is_multiple_of(3).then(|| format!("tenant-{n}")),
                    "{line:.200}"
                );
            }
            if message.contains(" long ") {
                assert!(
                    message.ends_with(&"x".repeat(10 * 1024)),
                    "a long line cut: {line:.200}"
                );
            }
        }
    }
}

#[cfg(feature = "tokio")]
#[test]
#[ignore = "a child process of the logs tests: run through them"]
fn child_logs_on_tokio() {
    let server = MockRuntimeApi::start().unwrap();
    server.push(Invocation::new("x").request_id("req-t1").tenant_id("green"));
    server.push(Invocation::new("yy").request_id("req-t2"));
    Runtime::new(&server.endpoint())
        .unwrap()
        .config(Config::from_env())
        .max_invocations(2)
        .run_with_init(lambda_zero::asynchronous::tokio_init(async |_| {
            info!("tokio init");
            Ok(async_handler_fn(async |event, _ctx| {
                tokio::time::sleep(Duration::from_millis(1)).await;
                let n = event.len();
                // A task on the worker's runtime, awaited within the invocation: same thread,
                // same invocation.
                tokio::spawn(async move { info!("task sees {n} bytes") })
                    .await
                    .unwrap();
                warn!("after the timer, {n} bytes");
                Ok(&*event)
            }))
        }))
        .unwrap();
    assert_eq!(server.wait_outcomes(2, WAIT).len(), 2);
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_handlers_and_their_tasks_log_with_the_invocations_ids() {
    let (stderr, _) = child("child_logs_on_tokio", &[("AWS_LAMBDA_LOG_FORMAT", "JSON")]);
    let got: Vec<(String, Option<String>, Option<String>, String)> = function_lines(&stderr)
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let text = |k: &str| v[k].as_str().map(str::to_string);
            (
                text("level").unwrap(),
                text("requestId"),
                text("tenantId"),
                text("message").unwrap(),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        got,
        [
            ("INFO".into(), None, None, "tokio init".into()),
            (
                "INFO".into(),
                s("req-t1"),
                s("green"),
                "task sees 1 bytes".into()
            ),
            (
                "WARN".into(),
                s("req-t1"),
                s("green"),
                "after the timer, 1 bytes".into()
            ),
            ("INFO".into(), s("req-t2"), None, "task sees 2 bytes".into()),
            (
                "WARN".into(),
                s("req-t2"),
                None,
                "after the timer, 2 bytes".into()
            ),
        ]
    );
}
