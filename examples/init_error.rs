//! A fallible initialisation: the function needs the environment variable `GREETING` and
//! answers every event with its value.
//!
//! `init` runs once per worker, before the first event is taken. When `GREETING` is missing
//! (or not valid Unicode) it returns `Err(Error::function("MissingConfig", ...))`: the runtime
//! posts that error to `/runtime/init/error` (error type `Function.MissingConfig`, with the
//! message as the error document), asks for no event, and `run_with_init` returns
//! `RuntimeError::InitFailed`, which `main` returns, so the process prints the message on stderr
//! and exits with status 1. Lambda then reports the init failure to the caller and the logs.
//!
//! With `GREETING` set, every invocation is answered with the greeting, borrowed from the
//! handler (no allocation).

use lambda_zero::{Context, Error, Handler, Runtime, RuntimeError};

/// Answers every event with the same bytes.
struct Greeter {
    greeting: String,
}

impl Handler for Greeter {
    fn handle<'a>(
        &'a mut self,
        _event: &'a mut [u8],
        _ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        Ok(self.greeting.as_bytes())
    }
}

// `Error` is inline by design (no allocation on the error path), which clippy finds large in
// the init closure's `Result`.
#[allow(clippy::result_large_err)]
fn main() -> Result<(), RuntimeError> {
    Runtime::from_env()?.run_with_init(|_config| {
        let greeting = std::env::var("GREETING").map_err(|_| {
            Error::function(
                "MissingConfig",
                "set GREETING to the text this function answers every event with",
            )
        })?;
        Ok(Greeter { greeting })
    })
}
