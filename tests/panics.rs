//! With `panic = "abort"` nothing can catch a handler panic: the panic hook must post the error
//! before the process dies. This builds `examples/panicking` with `panic = "abort"` (profile
//! `panic-abort`) and runs it as a real bootstrap process against the mock Runtime API.

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lambda_zero::testing::{MockRuntimeApi, Outcome};

mod common;

fn build_panicking_with_abort() -> PathBuf {
    common::build_bootstrap("panicking", &[])
}

#[test]
fn a_panic_is_posted_before_the_process_aborts() {
    let bin = build_panicking_with_abort();
    let server = MockRuntimeApi::start().unwrap();
    let fine = server.push_event("fine");
    let boom = server.push_event("panic");
    server.push_event("never reached");
    let mut child = Command::new(&bin)
        .env_clear()
        .envs(server.lambda_env(&bin))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bootstrap starts");

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the bootstrap did not abort");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.signal(), Some(6), "ended by SIGABRT: {status:?}");
    let outcomes = server.wait_outcomes(2, Duration::from_secs(5));
    assert_eq!(outcomes[0].request_id(), Some(fine.as_str()));
    assert_eq!(outcomes[0].body(), b"fine");
    let Outcome::Error {
        request_id,
        error_type,
        body,
    } = &outcomes[1]
    else {
        panic!("{outcomes:?}")
    };
    assert_eq!(
        (request_id.as_str(), error_type.as_str()),
        (boom.as_str(), "Function.Panic")
    );
    let doc: serde_json::Value = serde_json::from_slice(body).unwrap();
    let message = doc["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("asked to panic") && message.contains("panicking.rs"),
        "{message}"
    );
    assert_eq!(server.pending(), 1, "the process stopped at the panic");
}

/// Runs the `panic = "abort"` build with two workers on `slow`, `panic`, `after` and returns
/// its exit status: one worker holds `slow` (300 ms) while the other panics on `panic`.
fn two_workers_one_panics(
    server: &MockRuntimeApi,
    bin: &std::path::Path,
) -> std::process::ExitStatus {
    let mut child = Command::new(bin)
        .env_clear()
        .envs(server.lambda_env(bin))
        .env("AWS_LAMBDA_MAX_CONCURRENCY", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("bootstrap starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the bootstrap did not abort");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn with_two_workers_a_panic_lets_the_other_worker_answer_before_the_abort() {
    // Without the drain the abort would end the `slow` invocation in flight: Lambda would see
    // the environment exit with it unanswered.
    let bin = build_panicking_with_abort();
    let server = MockRuntimeApi::start().unwrap();
    let slow = server.push_event("slow");
    let boom = server.push_event("panic");
    server.push_event("after");
    let status = two_workers_one_panics(&server, &bin);
    assert_eq!(status.signal(), Some(6), "ended by SIGABRT: {status:?}");
    let outcomes = server.wait_outcomes(2, Duration::from_secs(5));
    let panicked = outcomes
        .iter()
        .find(|o| o.request_id() == Some(boom.as_str()))
        .unwrap_or_else(|| panic!("the panic was not posted: {outcomes:?}"));
    assert_eq!(panicked.error_type(), Some("Function.Panic"));
    let answered = outcomes
        .iter()
        .find(|o| o.request_id() == Some(slow.as_str()))
        .unwrap_or_else(|| panic!("the slow invocation was lost: {outcomes:?}"));
    assert_eq!(answered.body(), b"slow");
    assert_eq!(
        outcomes[0].request_id(),
        Some(boom.as_str()),
        "the panic came while `slow` was in flight (two workers): {outcomes:?}"
    );
    assert_eq!(
        server.pending(),
        1,
        "no event is taken once the drain has begun"
    );
}

#[test]
fn a_bootstrap_without_the_runtime_api_exits_with_a_clear_message() {
    let bin = build_panicking_with_abort();
    for (env, expect) in [
        (None, "AWS_LAMBDA_RUNTIME_API is not set"),
        (Some("https://example:1"), "plain HTTP"),
        (
            Some("127.0.0.1:1"),
            "cannot reach the Lambda Runtime API at 127.0.0.1:1",
        ),
    ] {
        let mut cmd = Command::new(&bin);
        cmd.env_clear();
        if let Some(value) = env {
            cmd.env("AWS_LAMBDA_RUNTIME_API", value);
        }
        let out = cmd.output().expect("bootstrap runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{env:?}: {stderr}");
        assert!(stderr.contains(expect), "{env:?}: {stderr}");
    }
}

#[test]
fn a_bootstrap_writes_json_log_lines_when_the_function_asks_for_them() {
    // `AWS_LAMBDA_LOG_FORMAT=JSON`: the runtime's own lines are JSON objects with a level and an
    // RFC 3339 timestamp, which Lambda's log-level filtering reads (a text line would count as
    // INFO and be dropped under AWS_LAMBDA_LOG_LEVEL=WARN).
    let bin = build_panicking_with_abort();
    let out = Command::new(&bin)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:1")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .output()
        .expect("bootstrap runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let line = stderr.lines().last().expect("a line on stderr");
    let v: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    assert_eq!(v["level"], "ERROR", "{line}");
    assert!(
        v["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot reach the Lambda Runtime API at 127.0.0.1:1")),
        "{line}"
    );
    let time = v["timestamp"].as_str().unwrap_or_default();
    assert!(
        time.len() == 24 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
        "{line}"
    );
}

#[test]
fn in_json_log_mode_a_panic_is_a_json_line_too() {
    // With `AWS_LAMBDA_LOG_FORMAT=JSON` every line on stderr must be JSON, the panic message
    // included (the standard hook would print it as text), and the panic is still posted.
    let bin = build_panicking_with_abort();
    let server = MockRuntimeApi::start().unwrap();
    let boom = server.push_event("panic");
    let out = Command::new(&bin)
        .env_clear()
        .envs(server.lambda_env(&bin))
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .output()
        .expect("bootstrap runs");
    assert_eq!(out.status.signal(), Some(6), "ended by SIGABRT: {out:?}");
    let outcomes = server.wait_outcomes(1, Duration::from_secs(5));
    assert_eq!(outcomes[0].request_id(), Some(boom.as_str()));
    assert_eq!(outcomes[0].error_type(), Some("Function.Panic"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let panic_line = lines
        .iter()
        .find(|v| {
            v["message"]
                .as_str()
                .is_some_and(|m| m.contains("panicked at"))
        })
        .unwrap_or_else(|| panic!("no panic line: {stderr}"));
    assert_eq!(panic_line["level"], "ERROR");
    let message = panic_line["message"].as_str().unwrap();
    assert!(
        message.starts_with("panicked at ")
            && message.contains("panicking.rs:")
            && message.ends_with(": asked to panic"),
        "{message}"
    );
}
