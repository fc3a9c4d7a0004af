//! The runtime: the [`Runtime`] builder and the one invocation loop behind it.
//!
//! - `mod.rs`: [`Runtime`], its settings, and start-up (resolve, connect, init).
//! - `event_loop.rs`: the loop over one connection: `GET /next`, the handler, the answer POST (with
//!   the next `GET /next` pipelined), acknowledgements, reconnects, init errors.
//! - `streaming.rs`: a streamed answer (chunked POST, error trailers).
//! - `dispatch.rs`: which of the two a handler gets, by its kind.
//! - `workers.rs`: several loops at once, for Lambda Managed Instances.
//! - `snapstart.rs`: the SnapStart snapshot lifecycle (hooks, `restore/next`, reconnecting).
//! - `io.rs`: [`Io`], the seam between the loop and the network (the mio transport, or a
//!   scripted peer in tests and fuzz targets).

mod dispatch;
mod event_loop;
mod io;
mod snapstart;
mod streaming;
mod workers;

use std::net::{SocketAddr, ToSocketAddrs};

use crate::context::Config;
use crate::error::Error;
use crate::error::RuntimeError;
use crate::handler::Function;
use crate::proto::Endpoint;
use crate::{log, panic_report, transport};

pub(crate) use dispatch::Dispatch;
pub(crate) use event_loop::{PanicMessage, Recv, Session, Settings, ACK_TIMEOUT};
pub use io::Io;

/// The runtime: settings, then [`Runtime::run`] (one handler) or [`Runtime::run_with_init`]
/// (handlers built at start-up, one per worker).
///
/// Every setting composes with every other and with both handler kinds ([`Handler`],
/// [`StreamingHandler`]): concurrency, init, the shutdown hook, pipelining and the
/// acknowledgement limit.
///
/// ```no_run
/// use lambda_zero::{handler_fn, Error, Runtime, RuntimeError};
///
/// fn main() -> Result<(), RuntimeError> {
///     Runtime::from_env()?
///         .pipelining(true)
///         .run_with_init(|config| {
///             // Fails init (reported to /runtime/init/error) when the variable is missing.
///             let table = std::env::var("TABLE_NAME")
///                 .map_err(|_| Error::function("MissingConfig", "TABLE_NAME is not set"))?;
///             eprintln!("{} serves table {table}", config.function_name);
///             Ok(handler_fn(|event, _ctx| Ok(event)))
///         })
/// }
/// ```
///
/// [`Handler`]: crate::Handler
/// [`StreamingHandler`]: crate::StreamingHandler
#[derive(Debug, Clone)]
pub struct Runtime {
    settings: Settings,
    #[cfg(feature = "graceful-shutdown")]
    shutdown: Option<crate::shutdown::ShutdownHook>,
    snapstart: snapstart::Hooks,
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
                ack_timeout: Some(ACK_TIMEOUT),
                workers: None,
                trace_id_env: false,
                config: Config::default(),
            },
            #[cfg(feature = "graceful-shutdown")]
            shutdown: None,
            snapstart: snapstart::Hooks::default(),
        })
    }

    /// Whether the response POST and the next `GET /next` go out in one write (default: on,
    /// on Linux). Saves a round trip and two system calls per invocation. It never waits on a
    /// delayed ACK, whatever the server does with Nagle's algorithm: before waiting after a
    /// read, the transport has the kernel acknowledge at once (`TCP_QUICKACK`). Off by default
    /// where that option does not exist.
    pub fn pipelining(mut self, on: bool) -> Runtime {
        self.settings.pipelining = on;
        self
    }

    /// Stops after answering `n` invocations (for tests and benchmarks; Lambda never needs it).
    /// With several workers, each stops after `n`.
    pub fn max_invocations(mut self, n: u64) -> Runtime {
        self.settings.max_invocations = Some(n);
        self
    }

    /// How long the acknowledgement of a response or error may keep the runtime waiting with no
    /// byte arriving (default: 10 s; Lambda acknowledges at once). After that the connection is
    /// taken for lost: the runtime reconnects and posts the answer again, as after a dropped
    /// connection. The long poll for the next event is never limited.
    ///
    /// `None` waits as long as it takes, which saves the kernel a timer per invocation: for a
    /// Runtime API known to acknowledge, as Lambda's does.
    pub fn ack_timeout(mut self, idle: Option<std::time::Duration>) -> Runtime {
        self.settings.ack_timeout = idle;
        self
    }

    /// Whether to set the environment variable `_X_AMZN_TRACE_ID` to each invocation's trace id
    /// before calling the handler, and remove it for an invocation without one (default: off).
    ///
    /// The AWS SDK for Rust reads the variable to send `X-Amzn-Trace-Id`, which X-Ray and
    /// Lambda's recursive loop detection follow. It is off by default because `setenv` is not
    /// free: glibc keeps every value it was given (+160 B of memory per invocation with
    /// distinct trace ids; `scripts/setenv-growth.sh`), and a variable is one per process, so
    /// with more than one worker it is not set. The handler can always read
    /// [`Context::trace_id`](crate::Context::trace_id) instead.
    pub fn trace_id_env(mut self, on: bool) -> Runtime {
        self.settings.trace_id_env = on;
        self
    }

    /// How many invocations [`Runtime::run_with_init`] serves at once (default:
    /// `AWS_LAMBDA_MAX_CONCURRENCY`, which Lambda Managed Instances set; one when unset). Each
    /// worker is a thread with its own handler, connection and buffers.
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
        self.shutdown = Some(crate::shutdown::ShutdownHook::new(hook));
        self
    }

    /// Runs `hook` before Lambda takes the SnapStart snapshot of this execution environment:
    /// close connections, flush buffers, drop what must not be shared by every environment
    /// restored from the snapshot.
    ///
    /// Hooks run only when Lambda initialises the function for a snapshot
    /// (`AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`, [`Config::is_snap_start`]), once, on the
    /// thread that called `run`, after the function's initialisation (every worker's, with
    /// [`Runtime::concurrency`]) and the shutdown extension's registration: the last registered
    /// first, so that what depends on something registered earlier goes first. Then the
    /// runtime sends `GET /runtime/restore/next`, during which Lambda takes the snapshot. An
    /// `Err` (or a panic) from a hook is posted to `/runtime/init/error` as
    /// `Runtime.BeforeSnapshotError` (its message names the hook and its error); no later hook
    /// runs and the run ends with [`RuntimeError::InitFailed`]. A hook shares state with the
    /// handler through what both capture (an `Arc`).
    ///
    /// Without any hook the runtime still makes the `restore/next` call under SnapStart, which
    /// is what Lambda requires of a container image's runtime.
    pub fn before_snapshot(
        mut self,
        hook: impl FnMut() -> Result<(), Error> + Send + 'static,
    ) -> Runtime {
        self.snapstart.add_before_snapshot(hook);
        self
    }

    /// Runs `hook` in every execution environment Lambda restores from the SnapStart snapshot,
    /// before the first invocation: re-seed random numbers, regenerate unique ids, refresh
    /// credentials, open the connections that [`Runtime::before_snapshot`] closed.
    ///
    /// Only under `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`; once, on the thread that called
    /// `run`, in registration order, right after `GET /runtime/restore/next` is answered and
    /// the runtime has replaced its own connections (every connection open at the snapshot is
    /// stale: the Runtime API's, the shutdown extension's; the workers of
    /// [`Runtime::concurrency`] connect only after the restore). Lambda fails a restore that
    /// takes more than 10 s, hooks included. An `Err` (or a panic) is posted to
    /// `/runtime/restore/error` as `Runtime.AfterRestoreError`, and hooks that end past the
    /// 10 s as `Runtime.AfterRestoreTimeout`; no later hook runs and the run ends with
    /// [`RuntimeError::InitFailed`]. A hook cannot be interrupted: keep it well inside the
    /// limit. With `panic = "abort"` a panicking hook ends the process, which fails the
    /// restore too.
    ///
    /// ```no_run
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::sync::Arc;
    /// use lambda_zero::{handler_fn, Runtime, RuntimeError};
    ///
    /// fn main() -> Result<(), RuntimeError> {
    ///     // Drawn at init, so shared by every environment restored from one snapshot: draw
    ///     // it again after each restore.
    ///     let seed = Arc::new(AtomicU64::new(fresh_seed()));
    ///     let for_hook = Arc::clone(&seed);
    ///     Runtime::from_env()?
    ///         .after_restore(move || {
    ///             for_hook.store(fresh_seed(), Ordering::Relaxed);
    ///             Ok(())
    ///         })
    ///         .run(handler_fn(move |event, _ctx| {
    ///             let _seed = seed.load(Ordering::Relaxed);
    ///             Ok(event)
    ///         }))
    /// }
    /// # fn fresh_seed() -> u64 { 4 }
    /// ```
    pub fn after_restore(
        mut self,
        hook: impl FnMut() -> Result<(), Error> + Send + 'static,
    ) -> Runtime {
        self.snapstart.add_after_restore(hook);
        self
    }

    /// Replaces the function configuration handed to the handler in [`Context::config`].
    ///
    /// [`Context::config`]: crate::Context::config
    pub fn config(mut self, config: Config) -> Runtime {
        self.settings.config = config;
        self
    }

    /// Runs `handler` (a [`Handler`] or a [`StreamingHandler`]) on this thread until a fatal
    /// error or the invocation limit.
    ///
    /// One handler serves one invocation at a time: under Lambda Managed Instances
    /// (`AWS_LAMBDA_MAX_CONCURRENCY`) or with [`Runtime::concurrency`], use
    /// [`Runtime::run_with_init`], which builds one handler per worker.
    ///
    /// [`Handler`]: crate::Handler
    /// [`StreamingHandler`]: crate::StreamingHandler
    pub fn run<K, H: Function<K>>(self, handler: H) -> Result<(), RuntimeError> {
        if self.workers() > 1 {
            log::warn(format_args!(
                "{} workers were asked for, but Runtime::run was given one handler: serving one \
                 invocation at a time (Runtime::run_with_init builds one handler per worker)",
                self.workers()
            ));
        }
        let addrs = self.resolve()?;
        let transport = self.transport(&addrs)?;
        self.serve(transport, move |_| Ok(handler))
    }

    /// Builds the function with `init`, then runs it until a fatal error or the invocation
    /// limit. An `Err` or a panic from `init` is reported to `/runtime/init/error` and returned
    /// as [`RuntimeError::InitFailed`].
    ///
    /// With [`Runtime::concurrency`] above one (by default `AWS_LAMBDA_MAX_CONCURRENCY`, set
    /// by Lambda Managed Instances), `init` is called once per worker, on this thread, before
    /// any event is taken; each worker thread then runs its own handler on its own connection
    /// with its own buffers, so a warm invocation is the same as with one worker: no
    /// allocation, no lock, no shared state but what the handlers share themselves (through an
    /// `Arc` captured by `init`). Returns the first worker's fatal error at once, or `Ok` when
    /// every worker reached its invocation limit. With one worker it runs on this thread.
    pub fn run_with_init<K, H, F>(self, init: F) -> Result<(), RuntimeError>
    where
        H: Function<K> + Send + 'static,
        F: FnMut(&Config) -> Result<H, Error>,
    {
        workers::run(self, init)
    }

    /// The number of workers [`Runtime::run_with_init`] starts.
    fn workers(&self) -> u32 {
        self.settings
            .workers
            .unwrap_or(self.settings.config.max_concurrency)
            .max(1)
    }

    /// The process-wide set-up (panic reports, the shutdown hook) and the first connection.
    fn transport(&self, addrs: &[SocketAddr]) -> Result<transport::MioTransport, RuntimeError> {
        panic_report::install(&self.settings.endpoint, addrs);
        #[cfg(feature = "graceful-shutdown")]
        if let Some(hook) = &self.shutdown {
            (hook.install)(&self.settings.endpoint, addrs, hook.clone());
        }
        transport::MioTransport::new(addrs.to_vec()).map_err(|source| RuntimeError::Unreachable {
            endpoint: self.settings.endpoint.host.clone(),
            source,
        })
    }

    /// One loop over `io`: connect, build the handler with `init`, serve.
    pub(crate) fn serve<I, K, H, F>(self, io: I, init: F) -> Result<(), RuntimeError>
    where
        I: Io,
        H: Dispatch<K>,
        F: FnOnce(&Config) -> Result<H, Error>,
    {
        let mut session = Session::new(io, self.settings.clone());
        let mut recv = Recv::new();
        <H as Dispatch<K>>::prepare_thread();
        session.ensure_connected()?;
        let mut handler = build(&mut session, init, &self.settings.config)?;
        self.wait_until_registered();
        self.snapshot(&mut session)?;
        session.serve(&mut recv, &mut handler)
    }

    /// Under SnapStart, once the function is initialised: the before-snapshot hooks, the
    /// snapshot (`GET /runtime/restore/next`), new connections, the after-restore hooks.
    // Not inlined: one copy for the one-worker loop and the workers' start, which both call it.
    #[inline(never)]
    fn snapshot<I: Io>(&self, session: &mut Session<I>) -> Result<(), RuntimeError> {
        self.snapstart.run(session, || {
            #[cfg(feature = "graceful-shutdown")]
            if let Some(hook) = &self.shutdown {
                (hook.reconnect_after_restore)();
            }
        })
    }

    /// Before the first `/next`: waits for the shutdown extension's registration, if
    /// [`Runtime::on_shutdown`] set a hook.
    fn wait_until_registered(&self) {
        #[cfg(feature = "graceful-shutdown")]
        if let Some(hook) = &self.shutdown {
            (hook.wait_until_registered)();
        }
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
    crate::current::enter_init();
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| init(config)));
    crate::current::leave();
    let failure = match built {
        Ok(Ok(handler)) => return Ok(handler),
        Ok(Err(failure)) => failure,
        Err(payload) => Error::function("InitPanic", PanicMessage("init", &*payload)),
    };
    session.post_init_error(&failure)?;
    Err(RuntimeError::InitFailed(Box::new(failure)))
}
