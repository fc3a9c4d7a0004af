//! `lambda-zero-adapter`: any web app on Lambda, configured as the AWS Lambda Web Adapter is
//! (`AWS_LWA_*`). See `docs/adapter.md`.
//!
//! - As the `bootstrap` of a `provided.al2023` function: `bootstrap` runs
//!   `lambda-zero-adapter <app command...>`, which starts the app, waits until it is ready and
//!   serves the invocations. With no arguments it serves the app already listening on the
//!   configured port.
//! - As an extension in a layer (`/opt/extensions/<name>`): it registers with the Extensions
//!   API and serves the invocations, while the function's runtime starts the app through
//!   `AWS_LAMBDA_EXEC_WRAPPER`.

#![allow(clippy::result_large_err)] // lambda_zero::Error is inline (about 1.1 KiB), never boxed

use std::process::{Child, Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_zero::adapter::config::{AdapterConfig, InvokeMode};
use lambda_zero::adapter::extension;
use lambda_zero::adapter::forward::{
    Buffered, Forwarder, Streaming, BUFFERED_ANSWER_CAPACITY, STREAMING_ANSWER_CAPACITY,
};
use lambda_zero::adapter::readiness::{Readiness, ASYNC_INIT_WAIT};
use lambda_zero::{Error, Runtime, RuntimeError};

/// Reserved buffers (the event, the app's answer, the parser's index) cost no page until used.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: lambda_zero::alloc::MappedLarge = lambda_zero::alloc::MappedLarge;

/// lambda-zero's own bound on the readiness wait at init, in milliseconds (none by default:
/// as the Lambda Web Adapter, the adapter waits until Lambda's init timeout ends it).
const READINESS_TIMEOUT_VAR: &str = "LAMBDA_ZERO_READINESS_TIMEOUT_MS";

fn main() -> ExitCode {
    let mut args = std::env::args();
    let program = args.next().unwrap_or_default();
    let app_command: Vec<String> = args.collect();
    let config = AdapterConfig::from_env();
    if let Ok(Some(proxy)) = config.as_ref().map(|c| c.runtime_api_proxy.clone()) {
        // As the Lambda Web Adapter: the proxy takes the place of the Runtime API.
        std::env::set_var("AWS_LAMBDA_RUNTIME_API", proxy);
    }
    let runtime = match Runtime::from_env() {
        Ok(rt) => rt,
        Err(e) => return fail(&e),
    };
    if extension::is_extension(&program) {
        let api = std::env::var("AWS_LAMBDA_RUNTIME_API").unwrap_or_default();
        let name = program.rsplit('/').next().unwrap_or("lambda-zero-adapter");
        match extension::register(&api, name) {
            Ok(id) => extension::poll_events(api, id),
            Err(e) => say(format_args!("extension registration failed: {e}")),
        }
    }
    let config = match config {
        Ok(c) => Arc::new(c),
        // Reported to /runtime/init/error by the first init.
        Err(e) => {
            let message = e.to_string();
            let outcome = runtime.run_with_init(move |_| -> Result<Buffered, Error> {
                Err(Error::runtime("InvalidConfiguration", &message))
            });
            return match outcome {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            };
        }
    };
    if config.enable_compression {
        #[cfg(not(feature = "compression"))]
        say(format_args!(
            "AWS_LWA_ENABLE_COMPRESSION: this build has no compression (cargo feature \
             `compression`, on in the layer builds): bodies go out as the app sends them"
        ));
        #[cfg(feature = "compression")]
        if config.invoke_mode == InvokeMode::ResponseStream {
            say(format_args!(
                "AWS_LWA_ENABLE_COMPRESSION is not applied to streamed responses \
                 (AWS_LWA_INVOKE_MODE=response_stream), as in the Lambda Web Adapter"
            ));
        }
    }
    let mut app = if app_command.is_empty() {
        None
    } else {
        match Command::new(&app_command[0])
            .args(&app_command[1..])
            .spawn()
        {
            Ok(child) => Some(child),
            Err(e) => {
                let message = format!("cannot start the app `{}`: {e}", app_command[0]);
                return init_failure(runtime, message);
            }
        }
    };
    let readiness = match Readiness::new(&config) {
        Ok(r) => Arc::new(r),
        Err(e) => {
            let message = format!("cannot resolve the app's host `{}`: {e}", config.host);
            return init_failure(runtime, message);
        }
    };
    let timeout = std::env::var(READINESS_TIMEOUT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_millis);
    let mode = config.invoke_mode;
    let mut waited = false;
    let mut init = move |mode: InvokeMode| -> Result<Forwarder, Error> {
        if !waited {
            waited = true;
            wait_ready(&readiness, &config, app.as_mut(), timeout)?;
        }
        let capacity = match mode {
            InvokeMode::Buffered => BUFFERED_ANSWER_CAPACITY,
            InvokeMode::ResponseStream => STREAMING_ANSWER_CAPACITY,
        };
        Forwarder::new(config.clone(), readiness.clone(), capacity).map_err(|e| {
            Error::runtime(
                "InvalidConfiguration",
                format_args!("cannot resolve the app's address: {e}"),
            )
        })
    };
    let outcome = match mode {
        InvokeMode::Buffered => runtime.run_with_init(|_| init(mode).map(Buffered::new)),
        InvokeMode::ResponseStream => runtime.run_with_init(|_| init(mode).map(Streaming::new)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Waits for the app before the first `/next`: until it is ready; under async init at most
/// 9.8 s; an app that exits, or that is not ready within `LAMBDA_ZERO_READINESS_TIMEOUT_MS`,
/// fails init.
fn wait_ready(
    readiness: &Readiness,
    config: &AdapterConfig,
    mut app: Option<&mut Child>,
    timeout: Option<Duration>,
) -> Result<(), Error> {
    let start = Instant::now();
    let until = match (config.async_init, timeout) {
        (true, t) => Some(start + t.map_or(ASYNC_INIT_WAIT, |t| t.min(ASYNC_INIT_WAIT))),
        (false, t) => t.map(|t| start + t),
    };
    let addr = readiness.addr();
    let gone = || {
        let child = app.as_deref_mut()?;
        match child.try_wait() {
            Ok(Some(status)) => Some(format!("the app exited ({status}) before it was ready")),
            _ => None,
        }
    };
    let progress = |waited: Duration, last| {
        say(format_args!(
            "the app at {addr} is not ready after {} ms ({last})",
            waited.as_millis()
        ));
    };
    match readiness.wait(until, gone, progress) {
        Ok(true) => Ok(()),
        Ok(false) if config.async_init => {
            say(format_args!(
                "the app at {addr} is not ready after {} ms: taking \
                 invocations, which wait for it (AWS_LWA_ASYNC_INIT)",
                start.elapsed().as_millis()
            ));
            Ok(())
        }
        Ok(false) => {
            let last = readiness.check().err();
            Err(Error::runtime(
                "AppNotReady",
                format_args!(
                    "the app at {addr} was not ready after {} ms ({READINESS_TIMEOUT_VAR}){}",
                    start.elapsed().as_millis(),
                    last.map(|l| format!(": {l}")).unwrap_or_default()
                ),
            ))
        }
        Err((why, last)) => Err(Error::runtime(
            "AppNotReady",
            format_args!("{why} (last check of {addr}: {last})"),
        )),
    }
}

/// Reports `message` as the init error and ends.
fn init_failure(runtime: Runtime, message: String) -> ExitCode {
    let outcome = runtime.run_with_init(move |_| -> Result<Buffered, Error> {
        Err(Error::runtime("AppNotReady", &message))
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &RuntimeError) -> ExitCode {
    say(format_args!("{e}"));
    ExitCode::FAILURE
}

/// Writes `lambda-zero-adapter: <message>` to stderr in one write, so that the line is never
/// split or interleaved with another thread's.
fn say(message: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let line = format!("lambda-zero-adapter: {message}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}
