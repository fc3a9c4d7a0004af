//! Async handlers: `async fn(event, ctx) -> Result<response, Error>`, run by the same loop as
//! every other handler, with the response borrowed as ever (from the event, from the handler's
//! state, or `'static`).
//!
//! - [`AsyncHandler`] and [`AsyncStreamingHandler`] are the traits; [`async_handler_fn`] and
//!   [`async_streaming_fn`] turn async closures into them.
//! - **Built-in driver**: [`Runtime::run`](crate::Runtime::run) and
//!   [`Runtime::run_with_init`](crate::Runtime::run_with_init) take an async handler as they
//!   take any other (kinds [`kind::Async`](crate::kind::Async),
//!   [`kind::AsyncStreaming`](crate::kind::AsyncStreaming)), and poll its future on the worker's
//!   thread with [`block_on`]: pinned on the stack, no dependency, nothing allocated. It is for
//!   futures that need no reactor: ones that finish at once, or that another thread wakes (a
//!   channel, a thread pool).
//! - **tokio driver** (feature `tokio`): [`OnTokio`] runs an async handler on its own
//!   current-thread tokio runtime, built once per worker by [`tokio_init`], which also runs the
//!   function's async init on it (to build AWS SDK clients, connection pools). For futures that
//!   need tokio's I/O or timers.
//!
//! ```no_run
//! use lambda_zero::{async_handler_fn, Runtime, RuntimeError};
//!
//! fn main() -> Result<(), RuntimeError> {
//!     // `&*event`: the response is a shared borrow of the (mutable) event.
//!     Runtime::from_env()?.run(async_handler_fn(async |event, _ctx| Ok(&*event)))
//! }
//! ```
//!
//! # Panics and deadlines
//!
//! A handler future that panics fails its invocation with `Function.Panic`, as a synchronous
//! handler does: caught with `panic = "unwind"`, posted by the panic hook before the process
//! aborts with `panic = "abort"`. A future still pending [`DEADLINE_MARGIN`] before the
//! invocation's deadline is dropped and the invocation fails with `Function.Timeout`, so that
//! the error reaches Lambda before it ends the invocation itself. Both drivers observe the
//! deadline only while the future waits (returns `Pending`): a future that computes, or blocks
//! its thread (`std::thread::sleep`, a blocking read) without yielding, is not interrupted, and
//! Lambda's own timeout ends it. Without a deadline (some local emulators send none) a future
//! may wait for ever.

mod block_on;
mod deadline;
mod handler;
#[cfg(feature = "tokio")]
mod tokio;

#[cfg(feature = "tokio")]
pub use self::tokio::{tokio_init, OnTokio};
pub use block_on::block_on;
pub use deadline::DEADLINE_MARGIN;
pub use handler::{
    async_handler_fn, async_streaming_fn, AsyncHandler, AsyncHandlerFn, AsyncStreamingFn,
    AsyncStreamingHandler,
};

pub(crate) use block_on::{prepare_thread, OnThisThread};
// The bridge of feature `tower` drives a service's future as the drivers drive a handler's.
#[cfg(feature = "tower")]
pub(crate) use self::tokio::until_deadline as until_deadline_on_tokio;
#[cfg(feature = "tower")]
pub(crate) use block_on::until_deadline;
