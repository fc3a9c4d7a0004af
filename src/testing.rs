//! A mock AWS Lambda Runtime API server, for testing handlers and runtimes end to end over real
//! loopback sockets (feature `testing`).
//!
//! [`MockRuntimeApi`] listens on `127.0.0.1` on a free port and speaks the Runtime API
//! (`2018-06-01`) the way Lambda's own Go server does: keep-alive HTTP/1.1, pipelined requests
//! answered in order, `GET .../invocation/next` as a long poll. You queue events, run your
//! function against [`MockRuntimeApi::endpoint`], and read back what it posted.
//!
//! ```
//! use std::time::Duration;
//! use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
//! use lambda_zero::{handler_fn, Error, Runtime};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockRuntimeApi::start()?;
//! let id = server.push(Invocation::new(r#"{"name":"Ada"}"#).tenant_id("blue"));
//! server.push(Invocation::new("").request_id("empty-event"));
//!
//! // Your function, exactly as in the bootstrap, run here for two invocations.
//! let handler = handler_fn(|event, ctx| {
//!     if event.is_empty() {
//!         return Err(Error::function("EmptyEvent", "no body"));
//!     }
//!     assert_eq!(ctx.tenant_id, Some("blue"));
//!     Ok(event)
//! });
//! Runtime::new(&server.endpoint())?.max_invocations(2).run(handler)?;
//!
//! let outcomes = server.wait_outcomes(2, Duration::from_secs(5));
//! assert_eq!(outcomes[0].request_id(), Some(id.as_str()));
//! assert_eq!(outcomes[0].body(), br#"{"name":"Ada"}"#);
//! match &outcomes[1] {
//!     Outcome::Error { request_id, error_type, .. } => {
//!         assert_eq!(request_id, "empty-event");
//!         assert_eq!(error_type, "Function.EmptyEvent");
//!     }
//!     other => panic!("expected an error, got {other:?}"),
//! }
//! // Exactly one response or error per event.
//! assert_eq!(server.outcome_count(&id), 1);
//! # Ok(())
//! # }
//! ```
//!
//! To test a built `bootstrap` binary instead, spawn it with [`MockRuntimeApi::lambda_env`] as
//! its environment (`examples/mock_runtime_api.rs` does exactly that).
//!
//! # What it serves
//!
//! - [`MockRuntimeApi::push`] queues an [`Invocation`]: body, request id, deadline, ARN, trace
//!   id, client context, identity, tenant id, invocation id, extra headers, lower-case header
//!   names, `Content-Length` or chunked framing, and [`Fault`]s. Events are served in order.
//! - With nothing queued, `/next` waits until something is pushed (Lambda's long poll), or,
//!   with [`Builder::idle_timeout`], answers `408` after that long like local emulators do.
//! - [`MockRuntimeApi::push_raw`] serves arbitrary bytes as the next `/next` answer.
//! - [`MockRuntimeApi::script`] queues one-shot answers per endpoint: "`/next`: 408, then 503,
//!   then the event", "`/response`: 413", "`/next`: 500" (the runtime must exit), or a fault.
//! - Accepted posts are acknowledged with [`Ack`]: `202` and `Content-Length: 0` by default;
//!   `200`, a JSON body or a chunked body with [`Builder::ack`] or [`MockRuntimeApi::set_ack`].
//!
//! # SnapStart
//!
//! The mock serves `GET /runtime/restore/next` and `POST /runtime/restore/error` as Lambda does
//! for a function initialised with `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start` (set it in the
//! function's [`crate::Config`], or in the environment of a bootstrap you spawn). The first
//! `restore/next` takes the snapshot: the mock notes which connections are open, holds the
//! request for [`Builder::snapshot_pause`] (or until [`MockRuntimeApi::restore`] with
//! [`Builder::restore_on_demand`]), then answers `200` and applies [`AfterRestore`] to those
//! connections: closed (the default), stale (open, answering nothing) or kept. A
//! `restore/next` sent after the restore is answered at once. `restore/error` is accepted
//! (`202`, an [`Outcome::RestoreError`]) only after a restore, as Lambda's state machine does;
//! before one it gets `403`. [`MockRuntimeApi::snapshots`] counts the snapshots taken.
//!
//! # What it records
//!
//! - Every request, framing removed (chunked bodies decoded, trailers kept):
//!   [`MockRuntimeApi::requests`].
//! - Every accepted post as an [`Outcome`]: response, error (with its
//!   `Lambda-Runtime-Function-Error-Type`), init error, or streamed response (with the error
//!   trailers). See [`Outcome`] for what "accepted" means when acknowledgements get lost.
//! - Counts per request id ([`MockRuntimeApi::outcome_count`], [`MockRuntimeApi::post_count`]),
//!   connections opened, and the round trip of each invocation as seen by the server.
//!
//! # Faults
//!
//! [`Fault`] lists every misbehaviour: connections closed before the headers, mid-headers,
//! mid-body, after the event or after the acknowledgement; `Connection: close`; HTTP/1.0;
//! byte-by-byte trickling; conflicting or garbage `Content-Length`; a real 7 MiB event and a
//! 100 MiB declared one; a 64 KiB header block; 200 headers; missing or garbage request ids and
//! deadlines. Attach them to one invocation with [`Invocation::fault`], or to the next request
//! on an endpoint with [`MockRuntimeApi::script`].
//!
//! ```
//! use std::time::Duration;
//! use lambda_zero::testing::{Fault, Invocation, MockRuntimeApi, Route};
//!
//! # fn main() -> std::io::Result<()> {
//! let server = MockRuntimeApi::builder().path_prefix("/lambda").start()?;
//! assert!(server.endpoint_url().ends_with("/lambda"));
//! server.script(Route::Next, 408);
//! server.script(Route::Next, 503);
//! server.push(Invocation::new("{}").chunked(3).fault(Fault::Trickle(Duration::ZERO)));
//! server.script(Route::Response, Fault::CloseBeforeHeaders); // the first ack gets lost
//! # Ok(())
//! # }
//! ```
//!
//! # Threads and shutdown
//!
//! One thread accepts connections and one thread serves each connection; the state is shared
//! behind a mutex. Dropping the server (or [`MockRuntimeApi::shutdown`]) closes every
//! connection, wakes every waiting thread and joins them all, so nothing is left blocked.
//! Bad input from a client gets a `400` (or `413`, `431`) and the connection closed, never a
//! panic.

mod conn;
mod record;
mod spec;
mod wire;

#[cfg(test)]
mod tests;

pub use record::{Outcome, RecordedRequest, RoundTrip, ERROR_BODY_TRAILER, ERROR_TYPE_HEADER};
pub use spec::{
    Ack, AckBody, AfterRestore, Answer, Fault, Framing, Invocation, Route, DEFAULT_FUNCTION_ARN,
    GARBAGE_REQUEST_ID,
};

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Settings for a [`MockRuntimeApi`], from [`MockRuntimeApi::builder`].
#[derive(Debug, Clone)]
pub struct Builder {
    prefix: String,
    idle_timeout: Option<Duration>,
    function_timeout: Duration,
    record_requests: bool,
    response_limit: Option<usize>,
    acks: [Ack; Route::COUNT],
    extensions_api: bool,
    nagle: bool,
    snapshot_pause: Duration,
    restore_on_demand: bool,
    after_restore: AfterRestore,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder {
            prefix: String::new(),
            idle_timeout: None,
            function_timeout: Duration::from_secs(3),
            record_requests: true,
            response_limit: None,
            acks: [Ack::accepted(); Route::COUNT],
            extensions_api: true,
            nagle: false,
            snapshot_pause: Duration::ZERO,
            restore_on_demand: false,
            after_restore: AfterRestore::CloseConnections,
        }
    }
}

impl Builder {
    /// Serves the API under a path prefix: `"/lambda"` makes `/next`
    /// `/lambda/2018-06-01/runtime/invocation/next`. Requests outside the prefix get 404.
    /// Use [`MockRuntimeApi::endpoint_url`] to hand the whole thing to the runtime.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Builder {
        let prefix = prefix.into();
        let trimmed = prefix.trim_matches('/');
        self.prefix = if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        };
        self
    }

    /// Answers a `/next` that found nothing to serve for this long with `408`, like local
    /// emulators do (Lambda itself waits forever, the default).
    pub fn idle_timeout(mut self, timeout: Duration) -> Builder {
        self.idle_timeout = Some(timeout);
        self
    }

    /// The function timeout used for the default deadline: `Lambda-Runtime-Deadline-Ms` is the
    /// moment the event is served plus this (default 3 s, Lambda's default).
    pub fn function_timeout(mut self, timeout: Duration) -> Builder {
        self.function_timeout = timeout;
        self
    }

    /// Whether to keep every request for [`MockRuntimeApi::requests`] (default on). Turn it off
    /// for long runs: outcomes are still recorded, without copying bodies.
    pub fn record_requests(mut self, on: bool) -> Builder {
        self.record_requests = on;
        self
    }

    /// Rejects non-scripted `/response` posts whose body is larger than this with `413`, like
    /// Lambda does over its payload limit (default: no limit).
    pub fn response_limit(mut self, bytes: usize) -> Builder {
        self.response_limit = Some(bytes);
        self
    }

    /// Whether to serve the Extensions API's `register` and `event/next` (default on); off,
    /// they get `404`, like local emulators that only serve the Runtime API.
    pub fn extensions_api(mut self, on: bool) -> Builder {
        self.extensions_api = on;
        self
    }

    /// Leaves Nagle's algorithm on for the server's sockets (`TCP_NODELAY` off), as Python's
    /// standard-library servers and axum/hyper do by default and as the local emulators built on
    /// them (`cargo lambda watch`) behave; default off, like Lambda's own Go server.
    ///
    /// Each answer is written on its own, so the answer to a pipelined `GET /next` that follows
    /// an acknowledgement goes out as a second small segment: with Nagle on, the kernel holds it
    /// until the client acknowledges the first one. A client whose delayed ACK is not forced
    /// out then waits about 40 ms for every pipelined invocation.
    pub fn nagle(mut self, on: bool) -> Builder {
        self.nagle = on;
        self
    }

    /// How long the SnapStart snapshot takes: the first `GET /runtime/restore/next` is held
    /// this long before the restore answers it (default: no pause).
    pub fn snapshot_pause(mut self, pause: Duration) -> Builder {
        self.snapshot_pause = pause;
        self
    }

    /// Holds the first `GET /runtime/restore/next` until [`MockRuntimeApi::restore`] is
    /// called, instead of for [`Builder::snapshot_pause`]: a test can queue events, or look at
    /// what was sent before the snapshot, while the runtime waits in it.
    pub fn restore_on_demand(mut self) -> Builder {
        self.restore_on_demand = true;
        self
    }

    /// What the restore does to the connections open at the snapshot (default
    /// [`AfterRestore::CloseConnections`]).
    pub fn after_restore(mut self, after: AfterRestore) -> Builder {
        self.after_restore = after;
        self
    }

    /// How accepted posts to `route` are acknowledged (ignored for [`Route::Next`] and
    /// [`Route::RestoreNext`]).
    pub fn ack(mut self, route: Route, ack: Ack) -> Builder {
        self.acks[route.index()] = ack;
        self
    }

    /// Binds `127.0.0.1:0` and starts serving.
    pub fn start(self) -> io::Result<MockRuntimeApi> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                scripts: Default::default(),
                acks: self.acks,
                idle_timeout: self.idle_timeout,
                function_timeout: self.function_timeout,
                record_requests: self.record_requests,
                response_limit: self.response_limit,
                requests: Vec::new(),
                outcomes: Vec::new(),
                outcome_counts: HashMap::new(),
                post_counts: HashMap::new(),
                served: Vec::new(),
                served_at: HashMap::new(),
                round_trips: Vec::new(),
                close_after_ack: HashSet::new(),
                extensions: Vec::new(),
                connections: 0,
                streams: HashMap::new(),
                threads: Vec::new(),
                outcome_targets: Vec::new(),
                request_targets: Vec::new(),
                snapshot: Snapshot {
                    pause: self.snapshot_pause,
                    on_demand: self.restore_on_demand,
                    after: self.after_restore,
                    taken: 0,
                    restore_now: false,
                    restored: false,
                },
                stale: HashSet::new(),
                severed: HashSet::new(),
            }),
            work: Condvar::new(),
            records: Condvar::new(),
            shutdown: AtomicBool::new(false),
            prefix: self.prefix,
            extensions_api: self.extensions_api,
            nagle: self.nagle,
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("mock-runtime-api-accept".into())
            .spawn(move || accept_loop(&accept_shared, &listener))?;
        Ok(MockRuntimeApi {
            shared,
            addr,
            accept: Some(accept),
        })
    }
}

/// A mock Lambda Runtime API on `127.0.0.1`. See the [module documentation](self).
#[derive(Debug)]
pub struct MockRuntimeApi {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

/// What a connection thread can take off the queue.
#[derive(Debug)]
enum Queued {
    Event(Box<Invocation>),
    Raw(Vec<u8>),
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when the queue, the scripts or the shutdown flag change.
    work: Condvar,
    /// Signalled when a waiter's count of requests or outcomes is reached.
    records: Condvar,
    shutdown: AtomicBool,
    prefix: String,
    /// Whether the Extensions API is served ([`Builder::extensions_api`]).
    extensions_api: bool,
    /// Whether Nagle's algorithm stays on for served connections ([`Builder::nagle`]).
    nagle: bool,
}

#[derive(Debug)]
struct State {
    queue: VecDeque<Queued>,
    scripts: [VecDeque<Answer>; Route::COUNT],
    acks: [Ack; Route::COUNT],
    idle_timeout: Option<Duration>,
    function_timeout: Duration,
    record_requests: bool,
    response_limit: Option<usize>,
    requests: Vec<RecordedRequest>,
    outcomes: Vec<Outcome>,
    outcome_counts: HashMap<String, usize>,
    post_counts: HashMap<String, usize>,
    served: Vec<String>,
    served_at: HashMap<String, Instant>,
    round_trips: Vec<RoundTrip>,
    close_after_ack: HashSet<String>,
    /// Registered extensions: name and identifier.
    extensions: Vec<(String, String)>,
    connections: usize,
    /// A handle on every open connection, to unblock its thread at shutdown.
    streams: HashMap<usize, TcpStream>,
    threads: Vec<JoinHandle<()>>,
    /// The counts that threads in `wait_outcomes` / `wait_requests` wait for.
    outcome_targets: Vec<usize>,
    request_targets: Vec<usize>,
    snapshot: Snapshot,
    /// Connections made stale by a restore ([`AfterRestore::StaleConnections`]).
    stale: HashSet<usize>,
    /// Connections closed by a restore ([`AfterRestore::CloseConnections`]): a poll pending on
    /// one ends.
    severed: HashSet<usize>,
}

/// The SnapStart snapshot: its settings and where it is.
#[derive(Debug)]
struct Snapshot {
    pause: Duration,
    on_demand: bool,
    after: AfterRestore,
    /// Snapshots taken (`restore/next` requests held over a snapshot).
    taken: usize,
    /// [`MockRuntimeApi::restore`] was called.
    restore_now: bool,
    /// A `restore/next` was answered: this is a restored environment.
    restored: bool,
}

impl State {
    /// Who waits for outcomes (`true`) or requests (`false`), by the count they wait for.
    fn targets(&mut self, outcomes: bool) -> &mut Vec<usize> {
        if outcomes {
            &mut self.outcome_targets
        } else {
            &mut self.request_targets
        }
    }
}

impl Shared {
    /// Locks the state. A panic elsewhere cannot leave it inconsistent in a way that matters to
    /// a test tool, so a poisoned lock is used as it is.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    loop {
        let accepted = listener.accept();
        if shared.is_shutdown() {
            return;
        }
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => {
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let mut state = shared.lock();
        if shared.is_shutdown() {
            return;
        }
        let id = state.connections;
        state.connections += 1;
        if let Ok(handle) = stream.try_clone() {
            state.streams.insert(id, handle);
        }
        state.threads.retain(|t| !t.is_finished());
        let conn_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name(format!("mock-runtime-api-conn-{id}"))
            .spawn(move || conn::serve(conn_shared, stream, id));
        match spawned {
            Ok(thread) => state.threads.push(thread),
            Err(_) => {
                state.streams.remove(&id);
            }
        }
    }
}

impl MockRuntimeApi {
    /// Starts a server with the default settings.
    pub fn start() -> io::Result<MockRuntimeApi> {
        Builder::default().start()
    }

    /// Settings for a server; finish with [`Builder::start`].
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `127.0.0.1:PORT`: the value for `AWS_LAMBDA_RUNTIME_API`, as Lambda sets it. Without a
    /// path prefix; see [`MockRuntimeApi::endpoint_url`].
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT` followed by the path prefix, if any (the form local emulators
    /// hand out).
    pub fn endpoint_url(&self) -> String {
        format!("http://{}{}", self.addr, self.shared.prefix)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The path prefix (`""` or `"/something"`).
    pub fn path_prefix(&self) -> &str {
        &self.shared.prefix
    }

    /// The environment Lambda gives a `provided.al2023` bootstrap, pointed at this server:
    /// `AWS_LAMBDA_RUNTIME_API` (the prefixed URL when there is a prefix),
    /// `AWS_LAMBDA_FUNCTION_NAME`, `_MEMORY_SIZE`, `_VERSION`, log group and stream,
    /// `AWS_LAMBDA_INITIALIZATION_TYPE`, `AWS_REGION`, `_HANDLER`, `LAMBDA_TASK_ROOT` (the
    /// directory of `bootstrap`) and `TZ`.
    pub fn lambda_env(&self, bootstrap: &Path) -> Vec<(String, String)> {
        let api = if self.shared.prefix.is_empty() {
            self.endpoint()
        } else {
            self.endpoint_url()
        };
        let task_root = bootstrap
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| ".".to_string(), |p| p.display().to_string());
        let handler = bootstrap.file_name().map_or_else(
            || "bootstrap".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        [
            ("AWS_LAMBDA_RUNTIME_API", api.as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", "mock-function"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/mock-function"),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2025/01/01/[$LATEST]00000000000000000000000000000000",
            ),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023"),
            ("_HANDLER", handler.as_str()),
            ("LAMBDA_TASK_ROOT", task_root.as_str()),
            ("TZ", ":UTC"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Queues an invocation and returns its request id.
    pub fn push(&self, invocation: Invocation) -> String {
        let id = invocation.request_id.clone();
        self.enqueue(Queued::Event(Box::new(invocation)));
        id
    }

    /// Queues an invocation with this body and default headers; returns its request id.
    pub fn push_event(&self, body: impl Into<Vec<u8>>) -> String {
        self.push(Invocation::new(body))
    }

    /// Queues raw bytes, written as they are as the answer to one `/next` (status line, headers
    /// and body: anything). The connection stays open afterwards.
    pub fn push_raw(&self, bytes: impl Into<Vec<u8>>) {
        self.enqueue(Queued::Raw(bytes.into()));
    }

    fn enqueue(&self, item: Queued) {
        self.shared.lock().queue.push_back(item);
        self.shared.work.notify_all();
    }

    /// Queues a one-shot answer for the next request on `route` (after those already
    /// scripted). `u16` and [`Fault`] convert into [`Answer`]:
    /// `server.script(Route::Response, 410)`, `server.script(Route::Next, Fault::Http10)`.
    /// A `/next` that is already waiting picks it up at once.
    pub fn script(&self, route: Route, answer: impl Into<Answer>) {
        self.shared.lock().scripts[route.index()].push_back(answer.into());
        self.shared.work.notify_all();
    }

    /// Queues several one-shot answers: `server.script_many(Route::Next, [408, 503])`.
    pub fn script_many<A: Into<Answer>>(&self, route: Route, answers: impl IntoIterator<Item = A>) {
        let mut state = self.shared.lock();
        state.scripts[route.index()].extend(answers.into_iter().map(Into::into));
        drop(state);
        self.shared.work.notify_all();
    }

    /// Changes how accepted posts to `route` are acknowledged from now on.
    pub fn set_ack(&self, route: Route, ack: Ack) {
        self.shared.lock().acks[route.index()] = ack;
    }

    /// How many queued events (and raw answers) were not served yet.
    pub fn pending(&self) -> usize {
        self.shared.lock().queue.len()
    }

    /// Request ids of the events served so far, in order.
    pub fn served(&self) -> Vec<String> {
        self.shared.lock().served.clone()
    }

    /// Every request received so far, in order (empty with `record_requests(false)`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Waits until at least `n` requests were received or `timeout` passed; returns them all.
    pub fn wait_requests(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        self.wait_for(n, timeout, false).requests.clone()
    }

    /// The outcomes recorded so far (minus those taken by [`MockRuntimeApi::take_outcomes`]).
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.shared.lock().outcomes.clone()
    }

    /// Removes and returns the outcomes recorded so far. Counts are kept.
    pub fn take_outcomes(&self) -> Vec<Outcome> {
        std::mem::take(&mut self.shared.lock().outcomes)
    }

    /// Waits until at least `n` outcomes are held or `timeout` passed, and returns them all
    /// (fewer than `n` on timeout).
    pub fn wait_outcomes(&self, n: usize, timeout: Duration) -> Vec<Outcome> {
        self.wait_for(n, timeout, true).outcomes.clone()
    }

    /// Like [`MockRuntimeApi::wait_outcomes`] without copying them: returns how many are held.
    /// The waiting thread is only woken when the count is reached, so it costs nothing to the
    /// invocations being measured.
    pub fn wait_outcome_count(&self, n: usize, timeout: Duration) -> usize {
        self.wait_for(n, timeout, true).outcomes.len()
    }

    fn wait_for(&self, n: usize, timeout: Duration, outcomes: bool) -> MutexGuard<'_, State> {
        let count = |s: &State| {
            if outcomes {
                s.outcomes.len()
            } else {
                s.requests.len()
            }
        };
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.shared.lock();
        if count(&state) >= n {
            return state;
        }
        state.targets(outcomes).push(n);
        loop {
            let now = Instant::now();
            if count(&state) >= n || deadline.is_some_and(|d| d <= now) {
                break;
            }
            state = match deadline {
                Some(d) => {
                    let wait = self.shared.records.wait_timeout(state, d - now);
                    wait.unwrap_or_else(|e| e.into_inner()).0
                }
                None => self
                    .shared
                    .records
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner()),
            };
        }
        let list = state.targets(outcomes);
        if let Some(i) = list.iter().position(|&t| t == n) {
            list.swap_remove(i);
        }
        state
    }

    /// Accepted responses and errors for this request id (see [`Outcome`]). A correct runtime
    /// makes this exactly 1 for every served event.
    pub fn outcome_count(&self, request_id: &str) -> usize {
        self.shared
            .lock()
            .outcome_counts
            .get(request_id)
            .copied()
            .unwrap_or(0)
    }

    /// Every `/response` and `/error` post received for this request id, accepted or not
    /// (re-sends after a lost acknowledgement included).
    pub fn post_count(&self, request_id: &str) -> usize {
        self.shared
            .lock()
            .post_counts
            .get(request_id)
            .copied()
            .unwrap_or(0)
    }

    /// The extensions registered so far (`POST /2020-01-01/extension/register`), by name, in
    /// order. The mock gives each an identifier and holds its `event/next` poll open; it sends
    /// no extension events.
    pub fn extensions(&self) -> Vec<String> {
        let state = self.shared.lock();
        state
            .extensions
            .iter()
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Ends the SnapStart snapshot being taken (with [`Builder::restore_on_demand`]): the
    /// pending `GET /runtime/restore/next` is answered. Called before the snapshot starts, the
    /// snapshot restores as soon as it is taken.
    pub fn restore(&self) {
        self.shared.lock().snapshot.restore_now = true;
        self.shared.work.notify_all();
    }

    /// How many SnapStart snapshots were taken (`GET /runtime/restore/next` requests held over
    /// a snapshot; one sent again after the restore takes none).
    pub fn snapshots(&self) -> usize {
        self.shared.lock().snapshot.taken
    }

    /// Whether a `GET /runtime/restore/next` was answered: the environment is restored.
    pub fn restored(&self) -> bool {
        self.shared.lock().snapshot.restored
    }

    /// Waits until a snapshot has been taken (or is being taken), at most `timeout`; returns
    /// whether one was.
    pub fn wait_snapshot(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        while state.snapshot.taken == 0 {
            let now = Instant::now();
            if now >= deadline || self.shared.is_shutdown() {
                return false;
            }
            state = self
                .shared
                .records
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.lock().connections
    }

    /// The server-side round trip of an invocation: from the moment the event started going
    /// out to the moment its whole response (or error) had been read. Only the first accepted
    /// post counts. After a reconnect it is measured from when the event left the queue.
    pub fn round_trip(&self, request_id: &str) -> Option<Duration> {
        let state = self.shared.lock();
        state
            .round_trips
            .iter()
            .find(|r| r.request_id == request_id)
            .map(RoundTrip::duration)
    }

    /// All round trips so far, in the order the responses arrived.
    pub fn round_trips(&self) -> Vec<RoundTrip> {
        self.shared.lock().round_trips.clone()
    }

    /// Stops the server: closes every connection and joins every thread. Same as dropping it.
    pub fn shutdown(self) {}
}

impl Drop for MockRuntimeApi {
    fn drop(&mut self) {
        {
            let mut state = self.shared.lock();
            self.shared.shutdown.store(true, Ordering::Release);
            for (_, stream) in state.streams.drain() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        self.shared.work.notify_all();
        self.shared.records.notify_all();
        // accept() does not return on its own: connect once to wake it.
        let woken = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let Some(accept) = self.accept.take() {
            if woken {
                let _ = accept.join();
            }
        }
        let threads = std::mem::take(&mut self.shared.lock().threads);
        for thread in threads {
            let _ = thread.join();
        }
    }
}
