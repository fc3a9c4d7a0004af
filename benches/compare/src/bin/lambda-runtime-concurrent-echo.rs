//! The echo function on the official `lambda_runtime` in its concurrent mode for Lambda Managed
//! Instances: feature `concurrency-tokio`, `lambda_runtime::run_concurrent(service_fn(..))` on
//! the default multi-threaded tokio runtime, which runs `AWS_LAMBDA_MAX_CONCURRENCY` worker tasks
//! (sequential when unset). The payload is `Box<RawValue>`, as in `lambda-runtime-echo`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::value::RawValue;

async fn echo(event: LambdaEvent<Box<RawValue>>) -> Result<Box<RawValue>, Error> {
    Ok(event.payload)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run_concurrent(service_fn(echo)).await
}
