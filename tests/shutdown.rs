//! Graceful shutdown end to end: `examples/graceful_shutdown` (built with the
//! `graceful-shutdown` feature) runs as a real bootstrap process against the mock Runtime API,
//! which serves the Extensions API too. The test sends the `SIGTERM` Lambda would send.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use lambda_zero::testing::{MockRuntimeApi, RecordedRequest};

mod common;

fn build_graceful_shutdown() -> PathBuf {
    common::build_bootstrap("graceful_shutdown", &["graceful-shutdown"])
}

fn start(bin: &PathBuf, server: &MockRuntimeApi) -> Child {
    start_with(bin, server, &[])
}

fn start_with(bin: &PathBuf, server: &MockRuntimeApi, env: &[(&str, &str)]) -> Child {
    Command::new(bin)
        .env_clear()
        .envs(server.lambda_env(bin))
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bootstrap starts")
}

/// Sends `SIGTERM` and waits for the process to end: its status, stdout and stderr.
fn terminate(mut child: Child) -> (ExitStatus, String, String) {
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the bootstrap did not exit after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, out, err)
}

const REGISTER: &str = "/2020-01-01/extension/register";
const EXTENSION_POLL: &str = "/2020-01-01/extension/event/next";
const NEXT: &str = "/2018-06-01/runtime/invocation/next";

/// Waits until `done` holds of the requests recorded so far; returns them.
fn wait_for_requests(
    server: &MockRuntimeApi,
    done: impl Fn(&[RecordedRequest]) -> bool,
) -> Vec<RecordedRequest> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let requests = server.requests();
        if done(&requests) {
            return requests;
        }
        assert!(Instant::now() < deadline, "still waiting: {requests:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits for the extension's event poll, then checks that the extension registered once, and
/// before the runtime's first `/next` (Lambda takes registrations only during init). Returns
/// the requests recorded so far.
fn registered_during_init(server: &MockRuntimeApi) -> Vec<RecordedRequest> {
    let requests = wait_for_requests(server, |r| r.iter().any(|r| r.path == EXTENSION_POLL));
    let register = requests
        .iter()
        .position(|r| r.path == REGISTER)
        .expect("the extension registered");
    let first_next = requests
        .iter()
        .position(|r| r.path == NEXT)
        .expect("the runtime polled");
    assert!(
        register < first_next,
        "registered during init: {requests:?}"
    );
    assert_eq!(server.extensions(), ["lambda-zero"]);
    requests
}

#[test]
fn sigterm_runs_the_shutdown_hook_of_a_function_with_its_internal_extension() {
    let bin = build_graceful_shutdown();
    let server = MockRuntimeApi::start().unwrap();
    let one = server.push_event("one");
    let two = server.push_event("two");
    let child = start(&bin, &server);

    let outcomes = server.wait_outcomes(2, Duration::from_secs(20));
    assert_eq!(outcomes[0].request_id(), Some(one.as_str()));
    assert_eq!(outcomes[1].request_id(), Some(two.as_str()));
    assert_eq!(outcomes[1].body(), b"two");

    // Registered during init, before the runtime's first /next, for no events; then the
    // extension polls with the identifier it was given (the mock refuses any other).
    let requests = registered_during_init(&server);
    let register = requests.iter().find(|r| r.path == REGISTER).unwrap();
    assert_eq!(register.method, "POST");
    assert_eq!(
        register.header("Lambda-Extension-Name"),
        Some("lambda-zero")
    );
    assert_eq!(register.body, br#"{"events":[]}"#);
    let poll = requests.iter().find(|r| r.path == EXTENSION_POLL).unwrap();
    assert_eq!(poll.method, "GET");
    assert!(
        poll.header("Lambda-Extension-Identifier")
            .is_some_and(|id| id.starts_with("ext-1-")),
        "{poll:?}"
    );

    let (status, out, err) = terminate(child);
    assert_eq!(status.code(), Some(0), "{status:?}; stderr: {err}");
    assert_eq!(out, "shutting down after 2 invocations\n");
    assert!(err.contains("SIGTERM: running the shutdown hook"), "{err}");
    assert!(!err.contains("graceful shutdown is off"), "{err}");
}

#[test]
fn without_the_extensions_api_the_function_serves_and_still_honours_sigterm() {
    let bin = build_graceful_shutdown();
    let server = MockRuntimeApi::builder()
        .extensions_api(false)
        .start()
        .unwrap();
    let id = server.push_event("hello");
    let child = start(&bin, &server);
    let outcomes = server.wait_outcomes(1, Duration::from_secs(20));
    assert_eq!(outcomes[0].request_id(), Some(id.as_str()));
    assert_eq!(outcomes[0].body(), b"hello");
    assert!(server.extensions().is_empty());

    let (status, out, err) = terminate(child);
    assert_eq!(status.code(), Some(0), "{status:?}; stderr: {err}");
    assert_eq!(out, "shutting down after 1 invocations\n");
    assert!(
        err.contains("graceful shutdown is off: registering the internal extension failed")
            && err.contains("404"),
        "{err}"
    );
}

#[test]
fn with_concurrent_workers_the_extension_registers_once_and_sigterm_runs_the_hook() {
    // Lambda Managed Instances: two workers, two connections polling /next, one extension.
    let bin = build_graceful_shutdown();
    let server = MockRuntimeApi::start().unwrap();
    let ids: Vec<String> = (0..6).map(|i| server.push_event(format!("e{i}"))).collect();
    let child = start_with(&bin, &server, &[("AWS_LAMBDA_MAX_CONCURRENCY", "2")]);
    let outcomes = server.wait_outcomes(6, Duration::from_secs(20));
    let mut answered: Vec<&str> = outcomes.iter().filter_map(|o| o.request_id()).collect();
    let mut pushed: Vec<&str> = ids.iter().map(String::as_str).collect();
    answered.sort_unstable();
    pushed.sort_unstable();
    assert_eq!(answered, pushed, "every event answered once");
    // The extension registered once, before either worker's first /next.
    registered_during_init(&server);
    // Each worker polls on its own connection (one may have served all six events before the
    // other's first poll arrived: wait for it).
    wait_for_requests(&server, |requests| {
        let mut pollers: Vec<usize> = requests
            .iter()
            .filter(|r| r.path == NEXT)
            .map(|r| r.connection)
            .collect();
        pollers.sort_unstable();
        pollers.dedup();
        pollers.len() >= 2
    });

    let (status, out, err) = terminate(child);
    assert_eq!(status.code(), Some(0), "{status:?}; stderr: {err}");
    assert_eq!(out, "shutting down after 6 invocations\n");
}
