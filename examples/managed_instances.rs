//! A function for Lambda Managed Instances: several invocations at once in one execution
//! environment, one worker per invocation slot.
//!
//! On Lambda Managed Instances an execution environment is handed up to
//! `AWS_LAMBDA_MAX_CONCURRENCY` invocations at the same time (on default Lambda it is one at a
//! time, and the variable is unset). [`Runtime::run_with_init`] reads the variable and calls
//! `init` once per worker, on the main thread, before any event is taken; each worker then runs
//! on a thread of its own, with its own handler, connection and buffers. Without the variable
//! there is one worker, on the main thread.
//!
//! - Shared by every worker: an `Arc<AtomicU64>` counting the invocations the whole environment
//!   has served, captured by `init` and cloned into each handler. It is the only shared state
//!   and it takes no lock.
//! - Per worker: the worker's number and its output buffer, created once in `init` with room
//!   for the longest answer.
//!
//! Each invocation answers `{"worker":W,"served":N}`, where `N` is this invocation's place in
//! the environment-wide count (every invocation gets a different one). The answer is written
//! into the worker's buffer with `itoa` and never outgrows it, so a warm invocation allocates
//! nothing.
//!
//! Run it locally with `AWS_LAMBDA_MAX_CONCURRENCY=4` against a Runtime API emulator;
//! `tests/examples.rs` runs it against the mock Runtime API.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use lambda_zero::{Context, Error, Handler, Runtime, RuntimeError};

/// `{"worker":` + 20 digits + `,"served":` + 20 digits + `}`: the longest answer, 61 bytes.
const ANSWER_CAPACITY: usize = 64;

/// One worker's handler.
struct Worker {
    /// Which worker this is: 0 for the first one `init` built, then 1, 2, ...
    id: u64,
    /// Invocations served by the whole execution environment, every worker included.
    served: Arc<AtomicU64>,
    /// This worker's answer, rewritten in place by every invocation.
    out: Vec<u8>,
}

impl Handler for Worker {
    fn handle<'a>(
        &'a mut self,
        _event: &'a mut [u8],
        _ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        // Relaxed is enough: each invocation only needs a number no other invocation gets.
        let served = self.served.fetch_add(1, Ordering::Relaxed) + 1;
        let mut digits = itoa::Buffer::new();
        self.out.clear();
        self.out.extend_from_slice(br#"{"worker":"#);
        self.out
            .extend_from_slice(digits.format(self.id).as_bytes());
        self.out.extend_from_slice(br#","served":"#);
        self.out.extend_from_slice(digits.format(served).as_bytes());
        self.out.push(b'}');
        Ok(&self.out)
    }
}

// `Error` is inline by design (no allocation on the error path), which clippy finds large in
// the init closure's `Result`.
#[allow(clippy::result_large_err)]
fn main() -> Result<(), RuntimeError> {
    let served = Arc::new(AtomicU64::new(0));
    let mut workers = 0;
    Runtime::from_env()?.run_with_init(move |config| {
        let id = workers;
        workers += 1;
        if id == 0 {
            eprintln!(
                "{}: serving up to {} invocations at once",
                config.function_name,
                config.max_concurrency.max(1)
            );
        }
        Ok(Worker {
            id,
            served: Arc::clone(&served),
            out: Vec::with_capacity(ANSWER_CAPACITY),
        })
    })
}
