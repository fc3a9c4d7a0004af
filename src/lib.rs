//! # lambda-zero
//!
//! An AWS Lambda runtime for functions where every microsecond and every byte counts: one
//! keep-alive HTTP/1.1 connection on `mio`, buffers allocated once, and **no heap allocation on
//! a warm invocation**, for any event up to Lambda's 6 MiB limit.
//!
//! ```no_run
//! // The whole `main` of an echo function's bootstrap:
//! lambda_zero::run(|event: &[u8]| event)
//! ```
//!
//! A handler takes the event bytes and returns the response bytes, borrowed: from the event, from
//! the handler's own reused buffer, or `'static`. For state across invocations implement
//! [`Handler`]; for errors and the invocation's [`Context`] use [`handler_fn`]; for fallible
//! start-up use [`run_with_init`] (failures are reported to `/runtime/init/error`). With the
//! `json` feature (on by default), [`json`] parses events in place with simd-json and writes JSON
//! responses without allocating. With the `graceful-shutdown` feature, `Runtime::on_shutdown`
//! runs a hook when Lambda shuts the execution environment down.
//!
//! ## Layers
//!
//! ```text
//!   your handler          Handler / handler_fn / run(|event| ..)         handler.rs
//!        │  &mut [u8] event, &Context  →  &[u8] response | Error
//!   runtime loop          next → handle → respond (+ next, pipelined)     runtime.rs
//!        │  generic over `Io`: connect / writev / read / sleep
//!   ┌────┴──────────────┐
//!   proto (sans-IO)      transport (the only mio user)                    proto/, transport.rs
//!   request heads,       one TcpStream, edge-triggered epoll,
//!   httparse heads,      writev + epoll_wait + read per invocation
//!   in-place chunked
//!
//!   json (feature)       Json: simd-json tape, a Value view to navigate    json/
//!                        Typed: stage 1 (AVX-512 / AVX2 here, else
//!                        simd-json's) → one validating serde pass
//!                        JsonWriter / ProxyResponse into a reused buffer
//! ```
//!
//! - [`proto`] never touches sockets, the clock or the environment: every parser and writer is
//!   tested at every split point and fuzzed on its own.
//! - Every received event gets exactly one response or error POST, also across a dropped
//!   connection (the event stays in the receive buffer until its answer is acknowledged, and is
//!   answered again on a new connection if needed).
//! - `unsafe` is denied everywhere but in one module, the typed JSON path's x86_64 stage 1
//!   (`json/stage1.rs`): the SIMD loads and stores of a 64-byte block, and the call into the
//!   code compiled for AVX2 or AVX-512 once the CPU is known to have it. Its output is checked
//!   against a byte-at-a-time classifier and against simd-json's by tests and by the
//!   `json_event` fuzz target.
//! - Nothing the server or the handler sends can make the runtime panic: bad input is logged
//!   and, where the protocol allows, reported to Lambda. A handler panic becomes that
//!   invocation's `Function.Panic` error, with `panic = "unwind"` and with `panic = "abort"`.
//! - The request id is percent-encoded into the request line; no server byte can inject into a
//!   request.

#![deny(missing_docs)]
// `Error` keeps its message inline (about 1 KiB) so that failing an invocation never allocates;
// the size is only moved around on the error path.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]
#![deny(unsafe_code)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod error;
mod handler;
mod log;
mod panic_report;
pub mod proto;
mod runtime;
#[cfg(feature = "graceful-shutdown")]
mod shutdown;
mod stream;
mod transport;

#[cfg(feature = "json")]
pub mod json;
#[cfg(feature = "testing")]
pub mod testing;

use std::net::{SocketAddr, ToSocketAddrs};

pub use error::RuntimeError;
pub use handler::{
    handler_fn, Config, Context, ContextFn, Error, ErrorKind, EventFn, EventFnHandler, Handler,
    HandlerFn, MAX_ERROR_MESSAGE, MAX_ERROR_TYPE,
};
pub use proto::MAX_EVENT_BODY;
#[doc(hidden)]
pub use runtime::Io;
pub use stream::{ResponseStream, StreamingHandler, HTTP_INTEGRATION_CONTENT_TYPE};

use proto::Endpoint;
use runtime::{Buffered, Dispatch, Recv, Session, Settings, Streamed};

/// A configured runtime. [`run`], [`run_handler`] and [`run_with_init`] cover the usual case;
/// use this to change settings or to run against a given endpoint (tests, benchmarks).
#[derive(Debug, Clone)]
pub struct Runtime {
    settings: Settings,
    #[cfg(feature = "graceful-shutdown")]
    shutdown: Option<shutdown::ShutdownHook>,
}

impl Runtime {
    /// Reads `AWS_LAMBDA_RUNTIME_API` and the function's [`Config`] from the environment.
    pub fn from_env() -> Result<Runtime, RuntimeError> {
        let value =
            std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(|_| RuntimeError::MissingEndpoint)?;
        Ok(Runtime::new(&value)?.config(Config::from_env()))
    }

    /// A runtime for the Runtime API at `runtime_api`: `host:port` (as Lambda sets it) or
    /// `http://host:port/prefix` (as some local emulators do).
    pub fn new(runtime_api: &str) -> Result<Runtime, RuntimeError> {
        let endpoint =
            Endpoint::parse(runtime_api).map_err(|reason| RuntimeError::InvalidEndpoint {
                value: runtime_api.to_string(),
                reason,
            })?;
        Ok(Runtime {
            settings: Settings {
                endpoint,
                pipelining: transport::CAN_ACK_NOW,
                max_invocations: None,
                ack_timeout: Some(runtime::ACK_TIMEOUT),
                workers: None,
                trace_id_env: false,
                config: Config::default(),
            },
            #[cfg(feature = "graceful-shutdown")]
            shutdown: None,
        })
    }

    /// Whether the response POST and the next `GET /next` go out in one write (default: on).
    /// Saves a round trip and two system calls per invocation.
    pub fn pipelining(mut self, on: bool) -> Runtime {
        self.settings.pipelining = on;
        self
    }

    /// Stops after answering `n` invocations (for tests and benchmarks; Lambda never needs it).
    /// Under [`Runtime::run_concurrent`] each worker stops after `n`.
    pub fn max_invocations(mut self, n: u64) -> Runtime {
        self.settings.max_invocations = Some(n);
        self
    }

    /// How long the acknowledgement of a response or error may keep the runtime waiting with no
    /// byte arriving (default: 10 s; Lambda acknowledges at once). After that the connection is
    /// taken for lost: the runtime reconnects and posts the answer again, as after a dropped
    /// connection. The long poll for the next event is never limited.
    ///
    /// `None` waits as long as it takes, which saves the kernel a timer per invocation (here
    /// about 0.1 µs of CPU and 0.25 µs of round trip, `lzbench`): for a Runtime API known to
    /// acknowledge, as Lambda's does.
    pub fn ack_timeout(mut self, idle: Option<std::time::Duration>) -> Runtime {
        self.settings.ack_timeout = idle;
        self
    }

    /// Whether to set the environment variable `_X_AMZN_TRACE_ID` to each invocation's trace id
    /// before calling the handler, and remove it for an invocation without one (default: off).
    ///
    /// Other runtimes do this (`lambda_runtime` too), and the AWS SDK for Rust reads the
    /// variable to send `X-Amzn-Trace-Id` on its requests, which X-Ray tracing and Lambda's
    /// recursive loop detection follow. It is off by default because `setenv` is not free:
    /// glibc keeps every value it was given (+160 B of memory per invocation with distinct
    /// trace ids, 156 MiB after a million; musl frees them: `scripts/setenv-growth.sh`), and a
    /// variable is one per process, so with more than one worker ([`Runtime::run_concurrent`])
    /// it is not set, as in `lambda_runtime`. With it on, a warm invocation still allocates
    /// nothing through Rust's allocator (`tests/zero_alloc.rs`), but libc's `setenv` does. The
    /// handler can always read [`Context::trace_id`] instead.
    pub fn trace_id_env(mut self, on: bool) -> Runtime {
        self.settings.trace_id_env = on;
        self
    }

    /// How many invocations [`Runtime::run_concurrent`] serves at once (default:
    /// `AWS_LAMBDA_MAX_CONCURRENCY`, which Lambda Managed Instances set; one when unset).
    pub fn concurrency(mut self, workers: u32) -> Runtime {
        self.settings.workers = Some(workers);
        self
    }

    /// Runs `hook` when Lambda shuts the execution environment down (feature
    /// `graceful-shutdown`): close connections, flush metrics or traces.
    ///
    /// Lambda sends `SIGTERM` first only to functions with an extension, so the runtime
    /// registers an internal one during init (`POST /2020-01-01/extension/register`, for no
    /// events), on a thread of its own while the function initialises, and before its first
    /// `/next`; the extension's event poll is sent and left open. When `SIGTERM` comes, `hook`
    /// runs on that thread and the process exits with status 0 (1 if the hook panicked).
    /// Lambda allows the runtime 500 ms. Where the Extensions API is missing (some emulators)
    /// a warning is logged and the function runs as before. A warm invocation is unchanged.
    ///
    /// ```no_run
    /// fn echo(event: &[u8]) -> &[u8] {
    ///     event
    /// }
    ///
    /// fn main() -> Result<(), lambda_zero::RuntimeError> {
    ///     lambda_zero::Runtime::from_env()?
    ///         .on_shutdown(|| eprintln!("flushing before the environment goes away"))
    ///         .run(lambda_zero::EventFnHandler(echo))
    /// }
    /// ```
    #[cfg(feature = "graceful-shutdown")]
    pub fn on_shutdown(mut self, hook: impl Fn() + Send + Sync + 'static) -> Runtime {
        self.shutdown = Some(shutdown::ShutdownHook(std::sync::Arc::new(hook)));
        self
    }

    /// Replaces the function configuration handed to the handler in [`Context::config`].
    pub fn config(mut self, config: Config) -> Runtime {
        self.settings.config = config;
        self
    }

    /// Runs `handler` until a fatal error (or the invocation limit).
    pub fn run<H: Handler>(self, handler: H) -> Result<(), RuntimeError> {
        self.run_with_init(move |_| Ok(handler))
    }

    /// Runs a [`StreamingHandler`] (response streaming) until a fatal error or the limit.
    pub fn run_streaming<H: StreamingHandler>(self, handler: H) -> Result<(), RuntimeError> {
        let addrs = self.resolve()?;
        let transport = self.transport(&addrs)?;
        self.run_streaming_with_io(transport, handler)
    }

    /// [`Runtime::run_streaming`] over any [`Io`]: how the streaming fuzz target drives it.
    #[doc(hidden)]
    pub fn run_streaming_with_io<I: Io, H: StreamingHandler>(
        self,
        io: I,
        handler: H,
    ) -> Result<(), RuntimeError> {
        self.serve(io, move |_| Ok(Streamed(handler)))
    }

    /// Connects, builds the handler with `init`, then runs it. An `Err` or a panic from `init`
    /// is reported to `/runtime/init/error` and returned as [`RuntimeError::InitFailed`].
    pub fn run_with_init<H, F>(self, init: F) -> Result<(), RuntimeError>
    where
        H: Handler,
        F: FnOnce(&Config) -> Result<H, Error>,
    {
        let addrs = self.resolve()?;
        let transport = self.transport(&addrs)?;
        self.run_with_io(transport, init)
    }

    /// Serves up to [`Runtime::concurrency`] invocations at once, for Lambda Managed Instances
    /// (which set `AWS_LAMBDA_MAX_CONCURRENCY` and accept that many `/next` polls at once).
    ///
    /// Each worker is a thread with its own handler, built by `init` (called once per worker,
    /// on this thread, before any event is taken; a failure is reported once to
    /// `/runtime/init/error`), its own connection and its own buffers: a warm invocation is
    /// the same as in [`Runtime::run`] — no allocation, no lock, no shared state but what the
    /// handlers share themselves (through an `Arc` captured by `init`). With one worker (no
    /// `AWS_LAMBDA_MAX_CONCURRENCY`, as on default Lambda) this is [`Runtime::run_with_init`]
    /// on the calling thread.
    ///
    /// Returns the first worker's fatal error at once (the process should then exit, as
    /// [`run_concurrent`] does), or `Ok` when every worker reached its invocation limit.
    pub fn run_concurrent<H, F>(self, mut init: F) -> Result<(), RuntimeError>
    where
        H: Handler + Send + 'static,
        F: FnMut(&Config) -> Result<H, Error>,
    {
        self.run_workers(move |config| init(config).map(Buffered))
    }

    /// [`Runtime::run_concurrent`] for a [`StreamingHandler`]: up to [`Runtime::concurrency`]
    /// streamed responses at once, one worker each.
    pub fn run_concurrent_streaming<H, F>(self, mut init: F) -> Result<(), RuntimeError>
    where
        H: StreamingHandler + Send + 'static,
        F: FnMut(&Config) -> Result<H, Error>,
    {
        self.run_workers(move |config| init(config).map(Streamed))
    }

    /// Runs [`Runtime::concurrency`] workers, each with a handler from `init` (see
    /// [`Runtime::run_concurrent`]).
    fn run_workers<D, F>(mut self, mut init: F) -> Result<(), RuntimeError>
    where
        D: Dispatch + Send + 'static,
        F: FnMut(&Config) -> Result<D, Error>,
    {
        let workers = self
            .settings
            .workers
            .unwrap_or(self.settings.config.max_concurrency)
            .max(1);
        let addrs = self.resolve()?;
        let transport = self.transport(&addrs)?;
        if workers == 1 {
            return self.serve(transport, init);
        }
        if self.settings.trace_id_env {
            // One variable per process cannot carry several invocations' trace ids.
            log::warn(format_args!(
                "_X_AMZN_TRACE_ID is not set with {workers} workers; read Context::trace_id"
            ));
            self.settings.trace_id_env = false;
        }
        let mut session = Session::new(transport, self.settings.clone());
        session.ensure_connected()?;
        let mut handlers = Vec::with_capacity(workers as usize);
        for _ in 0..workers {
            handlers.push(build(&mut session, |c| init(c), &self.settings.config)?);
        }
        #[cfg(feature = "graceful-shutdown")]
        shutdown::wait_until_registered();
        // Bounded: its slots are allocated here, so a worker's last act allocates nothing.
        let (done, results) = std::sync::mpsc::sync_channel(handlers.len());
        // Worker 0 keeps the connection that init errors would have used; the others open
        // their own.
        let mut first = Some(session);
        for (worker, mut handler) in handlers.into_iter().enumerate() {
            let session = first.take();
            let (settings, addrs, done) = (self.settings.clone(), addrs.clone(), done.clone());
            std::thread::Builder::new()
                .name(format!("lambda-zero-{worker}"))
                .spawn(move || {
                    let served = match session {
                        Some(session) => Ok(session),
                        None => transport::MioTransport::new(addrs)
                            .map(|io| Session::new(io, settings))
                            .map_err(RuntimeError::Worker),
                    }
                    .and_then(|mut session| session.serve(&mut Recv::new(), &mut handler));
                    let _ = done.send(served);
                })
                .map_err(RuntimeError::Worker)?;
        }
        drop(done);
        let mut finished = 0;
        for result in results.iter() {
            result?;
            finished += 1;
        }
        if finished < workers {
            // A worker's thread ended without sending its result: it panicked.
            return Err(RuntimeError::Worker(std::io::Error::other(
                "a worker thread ended without returning",
            )));
        }
        Ok(())
    }

    /// The process-wide set-up (panic reports, the shutdown hook) and the first connection.
    fn transport(&self, addrs: &[SocketAddr]) -> Result<transport::MioTransport, RuntimeError> {
        panic_report::install(&self.settings.endpoint, addrs);
        #[cfg(feature = "graceful-shutdown")]
        if let Some(hook) = &self.shutdown {
            shutdown::install(&self.settings.endpoint, addrs, hook.clone());
        }
        transport::MioTransport::new(addrs.to_vec()).map_err(|source| RuntimeError::Unreachable {
            endpoint: self.settings.endpoint.host.clone(),
            source,
        })
    }

    /// Runs over any [`Io`]: how tests and fuzz targets drive the loop without sockets.
    #[doc(hidden)]
    pub fn run_with_io<I, H, F>(self, io: I, init: F) -> Result<(), RuntimeError>
    where
        I: Io,
        H: Handler,
        F: FnOnce(&Config) -> Result<H, Error>,
    {
        self.serve(io, move |config| init(config).map(Buffered))
    }

    fn serve<I, D, F>(self, io: I, init: F) -> Result<(), RuntimeError>
    where
        I: Io,
        D: Dispatch,
        F: FnOnce(&Config) -> Result<D, Error>,
    {
        let mut session = Session::new(io, self.settings.clone());
        let mut recv = Recv::new();
        session.ensure_connected()?;
        let mut handler = build(&mut session, init, &self.settings.config)?;
        #[cfg(feature = "graceful-shutdown")]
        shutdown::wait_until_registered();
        session.serve(&mut recv, &mut handler)
    }

    fn resolve(&self) -> Result<Vec<SocketAddr>, RuntimeError> {
        let host = &self.settings.endpoint.host;
        let addrs: Vec<SocketAddr> = host
            .to_socket_addrs()
            .map_err(|source| RuntimeError::Unreachable {
                endpoint: host.clone(),
                source,
            })?
            .collect();
        if addrs.is_empty() {
            let source = std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the name resolved to no address",
            );
            return Err(RuntimeError::Unreachable {
                endpoint: host.clone(),
                source,
            });
        }
        Ok(addrs)
    }
}

/// Runs the function's initialisation, a panic in it being a `Function.InitPanic` error; a
/// failure is posted to `/runtime/init/error` and returned as [`RuntimeError::InitFailed`].
fn build<I: Io, T>(
    session: &mut Session<I>,
    init: impl FnOnce(&Config) -> Result<T, Error>,
    config: &Config,
) -> Result<T, RuntimeError> {
    panic_report::enter_init();
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| init(config)));
    panic_report::leave();
    let failure = match built {
        Ok(Ok(handler)) => return Ok(handler),
        Ok(Err(failure)) => failure,
        Err(payload) => Error::function("InitPanic", runtime::PanicMessage(&*payload)),
    };
    session.post_init_error(&failure)?;
    Err(RuntimeError::InitFailed(Box::new(failure)))
}

/// Runs a closure as the function, forever: `lambda_zero::run(|event: &[u8]| event)`.
///
/// Exits the process with status 1 and a message on stderr when the runtime cannot go on
/// (no `AWS_LAMBDA_RUNTIME_API`, Runtime API unreachable, a 500 from it).
pub fn run<F: EventFn>(handler: F) -> ! {
    exit_with(Runtime::from_env().and_then(|rt| rt.run(EventFnHandler(handler))))
}

/// Runs a [`Handler`] as the function, forever. Exits like [`run`].
pub fn run_handler<H: Handler>(handler: H) -> ! {
    exit_with(Runtime::from_env().and_then(|rt| rt.run(handler)))
}

/// Runs a [`StreamingHandler`] as the function, forever. Exits like [`run`].
pub fn run_streaming<H: StreamingHandler>(handler: H) -> ! {
    exit_with(Runtime::from_env().and_then(|rt| rt.run_streaming(handler)))
}

/// Runs up to `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once (Lambda Managed Instances), one
/// worker thread and one handler from `init` each; one at a time on the calling thread when the
/// variable is unset. Exits like [`run`]. See [`Runtime::run_concurrent`].
///
/// ```no_run
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
///
/// use lambda_zero::{Context, Error, Handler};
///
/// /// One per worker: the counter is shared, the output buffer is the worker's own.
/// struct Counter {
///     served: Arc<AtomicU64>,
///     out: String,
/// }
///
/// impl Handler for Counter {
///     fn handle<'a>(&'a mut self, _event: &'a mut [u8], _ctx: &Context<'_>) -> Result<&'a [u8], Error> {
///         use std::fmt::Write;
///         let n = self.served.fetch_add(1, Ordering::Relaxed) + 1;
///         self.out.clear();
///         let _ = write!(self.out, "{n}");
///         Ok(self.out.as_bytes())
///     }
/// }
///
/// fn main() {
///     let served = Arc::new(AtomicU64::new(0));
///     lambda_zero::run_concurrent(move |_config| {
///         Ok(Counter { served: served.clone(), out: String::with_capacity(24) })
///     })
/// }
/// ```
pub fn run_concurrent<H, F>(init: F) -> !
where
    H: Handler + Send + 'static,
    F: FnMut(&Config) -> Result<H, Error>,
{
    exit_with(Runtime::from_env().and_then(|rt| rt.run_concurrent(init)))
}

/// [`run_concurrent`] for a [`StreamingHandler`]: up to `AWS_LAMBDA_MAX_CONCURRENCY` streamed
/// responses at once. Exits like [`run`].
pub fn run_concurrent_streaming<H, F>(init: F) -> !
where
    H: StreamingHandler + Send + 'static,
    F: FnMut(&Config) -> Result<H, Error>,
{
    exit_with(Runtime::from_env().and_then(|rt| rt.run_concurrent_streaming(init)))
}

/// Builds the handler with `init` (reporting a failure to `/runtime/init/error`), then runs
/// it forever. Exits like [`run`].
pub fn run_with_init<H, F>(init: F) -> !
where
    H: Handler,
    F: FnOnce(&Config) -> Result<H, Error>,
{
    exit_with(Runtime::from_env().and_then(|rt| rt.run_with_init(init)))
}

fn exit_with(result: Result<(), RuntimeError>) -> ! {
    match result {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            log::error(format_args!("{e}"));
            std::process::exit(1)
        }
    }
}
