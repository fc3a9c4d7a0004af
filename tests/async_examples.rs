//! `examples/async_echo` (built-in driver) and `examples/tokio_echo` (tokio driver, feature
//! `tokio`), built with `panic = "abort"` as deployed and run as real bootstrap processes
//! against the mock Runtime API: every event echoed once, whatever its size and framing; under
//! `AWS_LAMBDA_MAX_CONCURRENCY` one connection (and, for tokio, one runtime) per worker; a
//! clear exit without a Runtime API.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lambda_zero::testing::{Fault, Invocation, MockRuntimeApi, Outcome};

/// The longest any wait here may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

/// The bootstrap process, killed when the test is done with it (or fails).
struct Bootstrap(Child);

impl Bootstrap {
    fn spawn(server: &MockRuntimeApi, bin: &Path, extra: &[(&str, &str)]) -> Bootstrap {
        let child = Command::new(bin)
            .env_clear()
            .envs(server.lambda_env(bin))
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the bootstrap starts");
        Bootstrap(child)
    }
}

impl Drop for Bootstrap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Events of every size class and framing, with their bodies.
fn events() -> Vec<Invocation> {
    let mut events = vec![
        Invocation::new(""),
        Invocation::new(r#"{"hello":"world"}"#),
        Invocation::new(vec![b'x'; 100]),
        Invocation::new(vec![b'k'; 64 * 1024]).chunked(1000),
        Invocation::new(vec![b'm'; 1 << 20]),
        Invocation::new("after a dropped connection").fault(Fault::CloseAfterAck),
        Invocation::new(vec![b'q'; lambda_zero::MAX_EVENT_BODY]),
    ];
    events.extend((0..20).map(|i| Invocation::new(format!("event {i}"))));
    events
}

/// Pushes [`events`] and checks that each is answered exactly once with itself.
fn check_echoes(server: &MockRuntimeApi) {
    let events = events();
    let bodies: Vec<Vec<u8>> = events.iter().map(|e| e.body().to_vec()).collect();
    let ids: Vec<String> = events.into_iter().map(|e| server.push(e)).collect();
    let outcomes = server.wait_outcomes(ids.len(), WAIT);
    assert_eq!(outcomes.len(), ids.len(), "every event answered");
    for (id, body) in ids.iter().zip(&bodies) {
        let outcome = outcomes
            .iter()
            .find(|o| o.request_id() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("no answer for {id}"));
        assert!(
            matches!(outcome, Outcome::Response { .. }),
            "{id}: {outcome:?}"
        );
        assert_eq!(outcome.body().len(), body.len(), "{id}");
        assert!(outcome.body() == &body[..], "{id}: the event itself");
        assert_eq!(server.outcome_count(id), 1, "{id} answered once");
    }
}

fn echoes_every_event(example: &str, features: &[&str]) {
    let bin = common::build_bootstrap(example, features);
    let server = MockRuntimeApi::start().unwrap();
    let _bootstrap = Bootstrap::spawn(&server, &bin, &[]);
    check_echoes(&server);
    assert_eq!(
        server.connections(),
        2,
        "one keep-alive connection, and one after the dropped one"
    );
}

#[cfg(feature = "tokio")]
fn serves_on_each_worker(example: &str, features: &[&str]) {
    let bin = common::build_bootstrap(example, features);
    let server = MockRuntimeApi::start().unwrap();
    let _bootstrap = Bootstrap::spawn(&server, &bin, &[("AWS_LAMBDA_MAX_CONCURRENCY", "3")]);
    let polls = server.wait_requests(3, WAIT);
    let connections: std::collections::BTreeSet<usize> =
        polls.iter().map(|r| r.connection).collect();
    assert_eq!(connections.len(), 3, "three workers polling: {polls:?}");
    check_echoes(&server);
}

fn exits_clearly_without_a_runtime_api(example: &str, features: &[&str]) {
    let bin = common::build_bootstrap(example, features);
    for (env, expect) in [
        (None, "AWS_LAMBDA_RUNTIME_API is not set"),
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
        let started = Instant::now();
        let out = cmd.output().expect("the bootstrap runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{env:?}: {stderr}");
        assert!(stderr.contains(expect), "{env:?}: {stderr}");
        assert!(started.elapsed() < WAIT);
    }
}

#[test]
fn async_echo_echoes_every_event_once() {
    echoes_every_event("async_echo", &[]);
}

#[test]
fn async_echo_serves_one_worker_whatever_the_concurrency_variable() {
    // `Runtime::run` with one handler: one worker, whatever the variable says.
    let bin = common::build_bootstrap("async_echo", &[]);
    let server = MockRuntimeApi::start().unwrap();
    let _bootstrap = Bootstrap::spawn(&server, &bin, &[("AWS_LAMBDA_MAX_CONCURRENCY", "3")]);
    check_echoes(&server);
    assert_eq!(
        server.connections(),
        2,
        "one worker, one connection at a time"
    );
}

#[test]
fn async_echo_exits_clearly_without_a_runtime_api() {
    exits_clearly_without_a_runtime_api("async_echo", &[]);
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_echo_echoes_every_event_once() {
    echoes_every_event("tokio_echo", &["tokio"]);
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_echo_serves_on_three_workers_each_with_its_runtime() {
    serves_on_each_worker("tokio_echo", &["tokio"]);
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_echo_exits_clearly_without_a_runtime_api() {
    exits_clearly_without_a_runtime_api("tokio_echo", &["tokio"]);
}
