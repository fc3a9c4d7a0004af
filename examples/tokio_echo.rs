//! The echo function as an async handler on a current-thread tokio runtime (feature `tokio`):
//! answers every event with the event itself.
//!
//! Measured beside `examples/echo.rs` and `examples/async_echo.rs`; keep its name and
//! behaviour. One runtime per worker (`AWS_LAMBDA_MAX_CONCURRENCY` of them under Lambda Managed
//! Instances), built by `tokio_init` before the first event; each invocation is one
//! `block_on` on the worker's thread.
//!
//! `cargo build --release --example tokio_echo --features tokio`

use lambda_zero::asynchronous::tokio_init;
use lambda_zero::{async_handler_fn, Runtime, RuntimeError};

fn main() -> Result<(), RuntimeError> {
    Runtime::from_env()?.run_with_init(tokio_init(async |_config| {
        Ok(async_handler_fn(async |event, _ctx| Ok(&*event)))
    }))
}
