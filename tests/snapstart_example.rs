//! `examples/snapstart`, built and run as a real bootstrap process against the mock Runtime API
//! through a SnapStart snapshot and restore (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`).
//!
//! The lifecycle as the mock sees it, in order: the shutdown extension registers, the runtime
//! sends `GET /runtime/restore/next` (the snapshot is taken while it is pending), the restore
//! closes every connection open at the snapshot, and the first `GET /runtime/invocation/next`
//! comes on a new connection. The after-restore hook has drawn a new environment id, which is
//! the one the invocation answers with: not the one drawn at init.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use lambda_zero::testing::{MockRuntimeApi, Outcome};

/// The longest any wait here may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

/// The 16 hex digits after `prefix` in `stdout`.
fn id_after(stdout: &str, prefix: &str) -> String {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("a line {prefix:?} in {stdout:?}"));
    assert_eq!(line.len(), 16, "{line:?}");
    assert!(line.bytes().all(|b| b.is_ascii_hexdigit()), "{line:?}");
    line.to_string()
}

#[test]
fn snapstart_example_redraws_its_id_after_the_restore_and_serves_on_new_connections() {
    let bin = common::build_bootstrap("snapstart", &["graceful-shutdown"]);
    let server = MockRuntimeApi::builder()
        .restore_on_demand()
        .start()
        .unwrap();
    let mut child = Command::new(&bin)
        .env_clear()
        .envs(server.lambda_env(&bin))
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the bootstrap starts");

    assert!(server.wait_snapshot(WAIT), "restore/next is sent");
    let before: Vec<String> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        before
            .last()
            .is_some_and(|r| r.ends_with("/runtime/restore/next")),
        "restore/next is the last request before the snapshot: {before:?}"
    );
    assert!(
        !before.iter().any(|r| r.contains("/invocation/next")),
        "no event is asked for before the snapshot: {before:?}"
    );
    assert!(
        before.iter().any(|r| r.contains("/extension/register")),
        "the shutdown extension registers at init: {before:?}"
    );
    let snapshot_connection = server.requests().last().map(|r| r.connection);

    let id = server.push_event("{}");
    server.restore();
    let outcomes = server.wait_outcomes(1, WAIT);
    let _ = child.kill();
    let _ = child.wait();
    let mut stdout = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_string(&mut stdout).expect("stdout is read");
    }

    let [Outcome::Response {
        request_id, body, ..
    }] = &outcomes[..]
    else {
        panic!("one response: {outcomes:?}");
    };
    assert_eq!(request_id, &id);
    let answered = String::from_utf8(body.clone()).expect("a text answer");
    let at_init = id_after(&stdout, "init: environment ");
    let after_restore = id_after(&stdout, "after-restore: environment ");
    assert!(
        stdout.contains("before-snapshot: nothing to close"),
        "the before-snapshot hook ran: {stdout:?}"
    );
    assert_eq!(answered, after_restore, "the id drawn after the restore");
    assert_ne!(answered, at_init, "not the id in the snapshot");

    let requests = server.requests();
    let next = requests
        .iter()
        .find(|r| r.path.ends_with("/invocation/next"))
        .expect("a poll for the event");
    assert_ne!(
        Some(next.connection),
        snapshot_connection,
        "the first poll after the restore is on a new connection"
    );
}
