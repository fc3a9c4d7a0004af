//! A function that rejects events that are not JSON objects and echoes the others.
//!
//! An event whose first non-blank byte is not `{` fails with the error type
//! `Function.InvalidInput` (posted to `/error` with the `Lambda-Runtime-Function-Error-Type`
//! header and a JSON error document); any other event is answered with itself. Used by
//! `scripts/emulators.sh` to check error answers under `cargo lambda watch`.

use lambda_zero::{handler_fn, Context, Error};

/// Echoes JSON objects; anything else is the caller's mistake.
// `Error` is inline by design (no allocation on the error path), which clippy finds large.
#[allow(clippy::result_large_err)]
fn handle<'a>(event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
    match event.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(event),
        _ => Err(Error::function(
            "InvalidInput",
            format_args!(
                "invocation {}: the event must be a JSON object ({} bytes that are not)",
                ctx.request_id,
                event.len()
            ),
        )),
    }
}

fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(handler_fn(handle))
}
