//! The echo function on the official `lambda_runtime`, set up as its documentation shows:
//! `#[tokio::main]` (the default multi-threaded runtime) and `lambda_runtime::run(service_fn(..))`.
//!
//! The payload type is `Box<serde_json::value::RawValue>`, the closest `lambda_runtime` comes to
//! raw bytes: the event is checked as JSON and copied once, then written back unchanged (no
//! parse into a tree, no re-encoding). No tracing subscriber is installed, so its per-invocation
//! spans cost as little as they can.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::value::RawValue;

async fn echo(event: LambdaEvent<Box<RawValue>>) -> Result<Box<RawValue>, Error> {
    Ok(event.payload)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(echo)).await
}
