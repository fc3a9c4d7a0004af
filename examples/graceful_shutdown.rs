//! A function that counts its invocations and reports the count when Lambda shuts the
//! execution environment down (feature `graceful-shutdown`).
//!
//! `Runtime::on_shutdown` registers an internal extension, so Lambda sends `SIGTERM` before the
//! shutdown; the hook then runs on its own thread, where a real function would flush metrics or
//! close connections. `tests/shutdown.rs` runs it against the mock Runtime API and sends the
//! signal.
//!
//! ```text
//! cargo build --release --example graceful_shutdown --features graceful-shutdown
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use lambda_zero::{Context, Error, Handler, Runtime};

/// Echoes each event and counts it.
struct Counting {
    served: Arc<AtomicU64>,
}

impl Handler for Counting {
    fn handle<'a>(
        &'a mut self,
        event: &'a mut [u8],
        _ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        self.served.fetch_add(1, Ordering::Relaxed);
        Ok(event)
    }
}

// `lambda_zero::Error` keeps its message inline (no allocation when an invocation fails).
#[allow(clippy::result_large_err)]
fn main() -> Result<(), lambda_zero::RuntimeError> {
    let served = Arc::new(AtomicU64::new(0));
    let seen = served.clone();
    // One handler per worker under Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY`),
    // all counting into the same total; the plain loop otherwise.
    Runtime::from_env()?
        .on_shutdown(move || {
            println!(
                "shutting down after {} invocations",
                seen.load(Ordering::Relaxed)
            )
        })
        .run_with_init(move |_| {
            Ok(Counting {
                served: served.clone(),
            })
        })
}
