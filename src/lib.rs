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
//! the handler's own reused buffer, or `'static`. Everything beyond the one-liner goes through
//! one builder, [`Runtime`], whose settings all compose:
//!
//! ```no_run
//! use lambda_zero::{handler_fn, Runtime, RuntimeError};
//!
//! fn main() -> Result<(), RuntimeError> {
//!     Runtime::from_env()?          // AWS_LAMBDA_RUNTIME_API, the function's Config
//!         .pipelining(true)         // settings: concurrency, on_shutdown, ack_timeout, ...
//!         .run_with_init(|_config| Ok(handler_fn(|event, _ctx| Ok(event))))
//! }
//! ```
//!
//! | You write | Run it with |
//! |---|---|
//! | a closure from event bytes to response bytes | [`run`] |
//! | a closure over the event and its [`Context`], through [`handler_fn`] | [`Runtime::run`] |
//! | `impl` [`Handler`] (state across invocations) | [`Runtime::run`] |
//! | `impl` [`StreamingHandler`] (response streaming, function URLs) | [`Runtime::run`] |
//! | a fallible init, or one handler per worker (Lambda Managed Instances) | [`Runtime::run_with_init`] |
//!
//! The handler's kind picks the loop ([`Function`]); [`Runtime::concurrency`] (by default
//! `AWS_LAMBDA_MAX_CONCURRENCY`) picks how many run at once. With the `json` feature (on by
//! default), [`json`] parses events in place with simd-json, reads them into serde types
//! borrowed from the event, and writes JSON responses without allocating. With
//! `graceful-shutdown`, [`Runtime::on_shutdown`] runs a hook when Lambda shuts the environment
//! down. With `testing`, [`testing`] is a mock Runtime API to test a function end to end.
//! With `events`, [`events`] has typed AWS event sources (SQS, SNS, S3, DynamoDB Streams,
//! Kinesis, EventBridge, CloudWatch Logs, ...) borrowed from the event buffer.
//!
//! ## Layers
//!
//! ```text
//!   your handler          Handler / StreamingHandler / handler_fn / run  handler.rs, stream.rs
//!        │  &mut [u8] event, &Context  →  &[u8] response | Error
//!   runtime               Runtime builder; one loop: next → handle →     runtime/
//!        │                respond (+ next, pipelined); workers
//!        │  generic over Io: connect / writev / read / sleep
//!   ┌────┴──────────────┐
//!   proto (sans-IO)      transport (the only mio user)                    proto/, transport.rs
//!   request heads,       one TcpStream, edge-triggered epoll,
//!   httparse heads,      writev + epoll_wait + read per invocation,
//!   in-place chunked     delayed ACKs forced out (TCP_QUICKACK)
//!
//!   json (feature)       Json: simd-json tape, a Value view to navigate    json/
//!                        Typed: stage 1 (AVX-512 / AVX2 here, else
//!                        simd-json's) → one validating serde pass
//!                        JsonWriter / ProxyResponse into a reused buffer
//!   testing (feature)    MockRuntimeApi: the Runtime API on loopback       testing/
//! ```
//!
//! - The protocol code never touches sockets, the clock or the environment: every parser and
//!   writer is tested at every split point and fuzzed on its own.
//! - Every received event gets exactly one response or error POST, also across a dropped
//!   connection (the event stays in the receive buffer until its answer is acknowledged, and is
//!   answered again on a new connection if needed).
//! - `unsafe` is denied everywhere but in three places, each block with a `SAFETY` comment: the
//!   typed JSON path's x86_64 stage 1 (`json/stage1.rs`: the SIMD loads and stores of a 64-byte
//!   block, and the call into the code compiled for AVX2 or AVX-512 once the CPU is known to
//!   have it; checked against a byte-at-a-time classifier and simd-json's by tests and by the
//!   `json_event` fuzz target), the one `setsockopt(TCP_QUICKACK)` in `transport.rs`, and the
//!   optional global allocator [`MappedLarge`](crate::alloc::MappedLarge) (`mmap`/`munmap`/`mremap` of large
//!   blocks; Linux).
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

#[cfg(target_os = "linux")]
pub mod alloc;
pub mod asynchronous;
mod context;
mod current;
mod error;
mod handler;
mod log;
pub mod logging;
mod panic_report;
mod proto;
mod runtime;
#[cfg(feature = "graceful-shutdown")]
mod shutdown;
mod stream;
mod transport;

#[cfg(feature = "http")]
pub mod adapter;
#[cfg(feature = "events")]
pub mod events;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "json")]
pub mod json;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "tower")]
pub mod tower;

pub use asynchronous::{async_handler_fn, AsyncHandler, AsyncStreamingHandler};
pub use context::{Config, Context};
pub use error::{Error, ErrorKind, RuntimeError, MAX_ERROR_MESSAGE, MAX_ERROR_TYPE};
pub use handler::{
    handler_fn, kind, ContextFn, EventFn, EventFnHandler, Function, Handler, HandlerFn,
};
pub use proto::MAX_EVENT_BODY;
pub use runtime::Runtime;
pub use stream::{ResponseStream, StreamingHandler, HTTP_INTEGRATION_CONTENT_TYPE};

/// Runs a closure as the function, forever: `lambda_zero::run(|event: &[u8]| event)`.
///
/// Exits the process with status 1 and a message on stderr when the runtime cannot go on
/// (no `AWS_LAMBDA_RUNTIME_API`, Runtime API unreachable, a 500 from it). Everything else
/// goes through [`Runtime`].
pub fn run<F: EventFn>(handler: F) -> ! {
    match Runtime::from_env().and_then(|rt| rt.run(EventFnHandler(handler))) {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            log::error(format_args!("{e}"));
            std::process::exit(1)
        }
    }
}

/// Not part of the API: the pieces the project's own fuzz targets and benches drive directly
/// (the sans-IO protocol, the loop over a scripted peer, the JSON stage 1). They change in any
/// release without notice.
#[doc(hidden)]
pub mod __private {
    /// The JSON adapters' entry points for fuzzing, and stage 1 alone for benches.
    #[cfg(feature = "json")]
    pub mod json {
        pub use crate::json::fuzzing::*;
    }
    /// The DEFLATE decoder of CloudWatch Logs payloads, for its differential fuzz target.
    #[cfg(feature = "events")]
    pub mod inflate {
        pub use crate::events::inflate::{InflateError, Inflated, Inflater};
    }
    /// The sans-IO protocol: request writers, response and body parsers.
    pub mod proto {
        pub use crate::proto::*;
    }
    pub use crate::runtime::Io;

    use crate::{Config, Error, Function, Runtime, RuntimeError};

    /// [`Runtime::run_with_init`] with one worker, over any [`Io`] instead of a socket.
    pub fn run_over_io<I, K, H, F>(rt: Runtime, io: I, init: F) -> Result<(), RuntimeError>
    where
        I: Io,
        H: Function<K>,
        F: FnOnce(&Config) -> Result<H, Error>,
    {
        rt.serve(io, init)
    }
}
