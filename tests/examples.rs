//! `examples/managed_instances` and `examples/init_error`, built and run as real bootstrap
//! processes against the mock Runtime API.
//!
//! - `managed_instances`: with `AWS_LAMBDA_MAX_CONCURRENCY=4`, four workers on four connections
//!   share one invocation count; without the variable, one worker on one connection.
//! - `init_error`: without `GREETING` the init error is posted, no event is asked for and the
//!   process exits with status 1 and the message; with it, every event gets the greeting.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use lambda_zero::testing::{Fault, Invocation, MockRuntimeApi, Outcome};

/// The longest any wait here may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

/// The bootstrap process, killed when the test is done with it (or fails).
struct Bootstrap(Child);

impl Bootstrap {
    /// Starts `bin` with Lambda's environment for `server` plus `extra`; stderr is kept.
    fn spawn(server: &MockRuntimeApi, bin: &Path, extra: &[(&str, &str)]) -> Bootstrap {
        let child = Command::new(bin)
            .env_clear()
            .envs(server.lambda_env(bin))
            .envs(extra.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the bootstrap starts");
        Bootstrap(child)
    }

    /// Waits for the process to exit (failing the test after [`WAIT`]); returns its status and
    /// what it wrote on stderr.
    fn wait_exit(&mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.0.try_wait().expect("try_wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "the bootstrap did not exit");
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut stderr = String::new();
        if let Some(mut pipe) = self.0.stderr.take() {
            pipe.read_to_string(&mut stderr).expect("stderr is read");
        }
        (status, stderr)
    }
}

impl Drop for Bootstrap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `(worker, served)` pair of a `managed_instances` answer, `{"worker":W,"served":N}`.
fn answer(outcome: &Outcome) -> (u64, u64) {
    let Outcome::Response { body, .. } = outcome else {
        panic!("expected a response, got {outcome:?}")
    };
    let doc: serde_json::Value = serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)));
    let field = |name: &str| {
        doc[name]
            .as_u64()
            .unwrap_or_else(|| panic!("no {name} in {doc}"))
    };
    assert_eq!(doc.as_object().map(|o| o.len()), Some(2), "{doc}");
    (field("worker"), field("served"))
}

/// The connection each request id's response POST came on.
fn response_connections(server: &MockRuntimeApi) -> HashMap<String, usize> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/response"))
        .map(|r| {
            let id = r
                .path
                .rsplit('/')
                .nth(1)
                .expect("an invocation path")
                .to_string();
            (id, r.connection)
        })
        .collect()
}

/// Checks that `outcomes` answer each of `ids` exactly once, with the environment-wide counts
/// 1..=ids.len(); returns the worker that answered each, by request id.
fn check_served(
    server: &MockRuntimeApi,
    ids: &[String],
    outcomes: &[Outcome],
) -> Vec<(String, u64)> {
    assert_eq!(
        outcomes.len(),
        ids.len(),
        "every event answered: {outcomes:?}"
    );
    let answered: BTreeSet<&str> = outcomes.iter().map(|o| o.request_id().unwrap()).collect();
    let pushed: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(answered, pushed, "the answers are to the events pushed");
    for id in ids {
        assert_eq!(server.outcome_count(id), 1, "{id} answered exactly once");
    }
    let served: BTreeSet<u64> = outcomes.iter().map(|o| answer(o).1).collect();
    assert_eq!(
        served,
        (1..=ids.len() as u64).collect::<BTreeSet<_>>(),
        "each invocation got its own place in the shared count"
    );
    outcomes
        .iter()
        .map(|o| (o.request_id().unwrap().to_string(), answer(o).0))
        .collect()
}

#[test]
fn managed_instances_serves_on_four_workers_that_share_one_count() {
    let bin = common::build_bootstrap("managed_instances", &[]);
    let server = MockRuntimeApi::start().unwrap();
    let mut bootstrap = Bootstrap::spawn(&server, &bin, &[("AWS_LAMBDA_MAX_CONCURRENCY", "4")]);

    // The four workers' polls, one per connection, before any event: every worker can take one.
    let polls = server.wait_requests(4, WAIT);
    assert_eq!(polls.len(), 4, "four polls for events: {polls:?}");
    assert!(
        polls
            .iter()
            .all(|r| r.method == "GET" && r.path.ends_with("/invocation/next")),
        "{polls:?}"
    );
    let poll_connections: BTreeSet<usize> = polls.iter().map(|r| r.connection).collect();
    assert_eq!(
        poll_connections.len(),
        4,
        "one poll per connection: {polls:?}"
    );

    // The first four events are written one byte a millisecond, so the connection serving one
    // is busy for a while and cannot take another: each of them goes to a different worker, on
    // any scheduling. The other 36 go to whichever worker asks first.
    let ids: Vec<String> = (0..40)
        .map(|i| {
            let event = Invocation::new(format!(r#"{{"n":{i}}}"#));
            server.push(if i < 4 {
                event.fault(Fault::Trickle(Duration::from_millis(1)))
            } else {
                event
            })
        })
        .collect();
    let outcomes = server.wait_outcomes(ids.len(), WAIT);
    let by_worker = check_served(&server, &ids, &outcomes);

    let workers: BTreeSet<u64> = by_worker.iter().map(|(_, w)| *w).collect();
    assert!(
        workers.iter().all(|&w| w < 4),
        "workers 0 to 3: {workers:?}"
    );
    assert_eq!(workers.len(), 4, "every worker answered: {workers:?}");
    assert_eq!(server.connections(), 4, "one connection per worker");

    // Each worker answers on its own connection, and no two workers share one.
    let connections = response_connections(&server);
    let mut worker_connections: HashMap<u64, BTreeSet<usize>> = HashMap::new();
    for (id, worker) in &by_worker {
        worker_connections
            .entry(*worker)
            .or_default()
            .insert(connections[id]);
    }
    for (worker, conns) in &worker_connections {
        assert_eq!(
            conns.len(),
            1,
            "worker {worker} on one connection: {conns:?}"
        );
    }
    let distinct: BTreeSet<usize> = worker_connections.values().flatten().copied().collect();
    assert_eq!(
        distinct.len(),
        worker_connections.len(),
        "{worker_connections:?}"
    );

    assert!(
        bootstrap.0.try_wait().unwrap().is_none(),
        "the workers keep polling for events"
    );
}

#[test]
fn managed_instances_without_the_variable_serves_on_one_connection() {
    let bin = common::build_bootstrap("managed_instances", &[]);
    let server = MockRuntimeApi::start().unwrap();
    let ids: Vec<String> = (0..10).map(|_| server.push_event("{}")).collect();
    let _bootstrap = Bootstrap::spawn(&server, &bin, &[]);

    let outcomes = server.wait_outcomes(ids.len(), WAIT);
    let by_worker = check_served(&server, &ids, &outcomes);
    assert!(
        by_worker.iter().all(|(_, w)| *w == 0),
        "one worker: {by_worker:?}"
    );
    // In order, on the one connection: the count follows the events.
    let served: Vec<u64> = outcomes.iter().map(|o| answer(o).1).collect();
    assert_eq!(served, (1..=10).collect::<Vec<_>>());
    assert_eq!(server.connections(), 1);
}

#[test]
fn init_error_without_greeting_reports_the_init_error_and_exits() {
    let bin = common::build_bootstrap("init_error", &[]);
    let server = MockRuntimeApi::start().unwrap();
    // An event is there to be taken: the runtime must not ask for it.
    server.push_event("{}");
    let mut bootstrap = Bootstrap::spawn(&server, &bin, &[]);

    let (status, stderr) = bootstrap.wait_exit();
    assert_eq!(
        status.code(),
        Some(1),
        "exit status 1: {status:?}, {stderr}"
    );
    assert!(
        stderr.contains("function initialisation failed")
            && stderr.contains("Function.MissingConfig")
            && stderr.contains("set GREETING"),
        "a clear message on stderr: {stderr}"
    );

    let outcomes = server.wait_outcomes(1, WAIT);
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    let Outcome::InitError { error_type, body } = &outcomes[0] else {
        panic!("expected an init error, got {outcomes:?}")
    };
    assert_eq!(error_type, "Function.MissingConfig");
    let doc: serde_json::Value = serde_json::from_slice(body).unwrap();
    let message = doc["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("set GREETING"), "{doc}");

    let requests = server.requests();
    let init_errors = requests
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/runtime/init/error"))
        .count();
    assert_eq!(init_errors, 1, "{requests:?}");
    assert!(
        !requests.iter().any(|r| r.path.contains("/invocation/")),
        "no event asked for or answered: {requests:?}"
    );
    assert_eq!(server.pending(), 1, "the event is still queued");
}

#[test]
fn init_error_with_greeting_answers_every_event_with_it() {
    let bin = common::build_bootstrap("init_error", &[]);
    let server = MockRuntimeApi::start().unwrap();
    let ids: Vec<String> = ["{}", "", r#"{"name":"Ada"}"#]
        .into_iter()
        .map(|event| server.push_event(event))
        .collect();
    let _bootstrap = Bootstrap::spawn(&server, &bin, &[("GREETING", "hi")]);

    let outcomes = server.wait_outcomes(ids.len(), WAIT);
    assert_eq!(
        outcomes.len(),
        ids.len(),
        "every event answered: {outcomes:?}"
    );
    for (outcome, id) in outcomes.iter().zip(&ids) {
        assert!(
            matches!(outcome, Outcome::Response { .. }),
            "a response: {outcome:?}"
        );
        assert_eq!(outcome.request_id(), Some(id.as_str()));
        assert_eq!(outcome.body(), b"hi");
    }
    assert!(
        !server
            .requests()
            .iter()
            .any(|r| r.path.ends_with("/runtime/init/error")),
        "no init error"
    );
}
