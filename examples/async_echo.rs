//! The echo function as an async handler on the built-in driver: answers every event with the
//! event itself.
//!
//! Measured beside `examples/echo.rs` (the same function, synchronous) and
//! `examples/tokio_echo.rs` (the same, on tokio); keep its name and behaviour. The future is
//! ready at its first poll, so the built-in `block_on` polls it once, with no waker made and no
//! allocation.

use lambda_zero::{async_handler_fn, Runtime, RuntimeError};

fn main() -> Result<(), RuntimeError> {
    // `&*event`: the response is the event, borrowed.
    Runtime::from_env()?.run(async_handler_fn(async |event, _ctx| Ok(&*event)))
}
