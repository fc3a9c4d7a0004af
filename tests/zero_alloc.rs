//! The zero-allocation proof: after start-up, invocations perform no heap allocation, for every
//! event and response size up to Lambda's limit, Content-Length and chunked, with handler
//! errors, rejected posts and dropped connections in the mix.
//!
//! A counting global allocator counts the allocations made on the runtime's thread, from the
//! moment the handler is built (after the buffers are allocated and the connection is open,
//! before the first `GET /next`) until the runtime returns. The mock Runtime API runs on other
//! threads; its allocations are not counted.
// `lambda_zero::Error` is inline by design (no allocation on the error path).
#![allow(clippy::result_large_err)]

use std::sync::Arc;
use std::time::Duration;

use lambda_zero::testing::{Fault, Invocation, MockRuntimeApi, Outcome, Route};
use lambda_zero::{Context, Error, Handler, Runtime, MAX_EVENT_BODY};

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// The tests share the process-wide count: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Echoes the event, or fails when it starts with `ERR` (a typed error, posted to `/error`),
/// or answers from its own reused buffer when it starts with `OWN`.
struct Mixed {
    own: Vec<u8>,
}

impl Handler for Mixed {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        if event.starts_with(b"ERR") {
            return Err(Error::function(
                "Rejected",
                format_args!(
                    "event of {} bytes for {} rejected",
                    event.len(),
                    ctx.request_id
                ),
            ));
        }
        if event.starts_with(b"OWN") {
            self.own.clear();
            self.own.extend_from_slice(ctx.request_id.as_bytes());
            return Ok(&self.own);
        }
        Ok(event)
    }
}

/// A deterministic size mix: mostly small events, some up to 64 KiB, a few of 1 MiB and of the
/// maximum size.
fn size_for(i: usize, rng: &mut u64) -> usize {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    match i % 1000 {
        0 => MAX_EVENT_BODY,
        1 => 0,
        500 => 1 << 20,
        n if n % 50 == 7 => (*rng % (64 * 1024)) as usize,
        _ => (*rng % 2048) as usize,
    }
}

/// Starts a count: this test alone (the count is the process's), from zero, and a mock that
/// records no requests (so that serving them does not slow the run down).
fn counting_alone() -> (std::sync::MutexGuard<'static, ()>, MockRuntimeApi) {
    let alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    counting::reset_total();
    let server = MockRuntimeApi::builder()
        .record_requests(false)
        .start()
        .expect("mock starts");
    (alone, server)
}

/// Runs `runtime` with a [`Mixed`] handler on a thread of its own until its invocation limit,
/// and returns the heap allocations that thread made once start-up was over (from the end of
/// the handler's init on: buffers allocated, connection open).
fn allocations_after_start_up(runtime: Runtime) -> u64 {
    let runner = std::thread::spawn(move || {
        let result = runtime.run_with_init(|_| {
            let handler = Mixed {
                own: Vec::with_capacity(256),
            };
            // Start-up is over: buffers are allocated and the connection is open.
            counting::arm(true);
            Ok(handler)
        });
        counting::arm(false);
        result
    });
    runner
        .join()
        .expect("runtime thread")
        .expect("runtime finished cleanly");
    counting::total()
}

#[test]
fn warm_invocations_allocate_nothing() {
    const INVOCATIONS: usize = 10_000;
    let (_alone, server) = counting_alone();

    let max = Arc::<[u8]>::from(vec![b'm'; MAX_EVENT_BODY]);
    let mib = Arc::<[u8]>::from(vec![b'k'; 1 << 20]);
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut expected = Vec::with_capacity(INVOCATIONS);
    let mut counts = [0usize; 6]; // max-size, 1 MiB, chunked, errors, dropped connections, own-buffer
    for i in 0..INVOCATIONS {
        let size = size_for(i, &mut rng);
        let mut inv = match size {
            MAX_EVENT_BODY => {
                counts[0] += 1;
                Invocation::shared(max.clone())
            }
            s if s == 1 << 20 => {
                counts[1] += 1;
                Invocation::shared(mib.clone())
            }
            s => {
                let mut body = vec![b'a' + (i % 26) as u8; s];
                match i % 97 {
                    3 if s >= 3 => {
                        body[..3].copy_from_slice(b"ERR");
                        counts[3] += 1;
                    }
                    5 if s >= 3 => {
                        body[..3].copy_from_slice(b"OWN");
                        counts[5] += 1;
                    }
                    _ => {}
                }
                Invocation::new(body)
            }
        };
        if i % 10 == 4 {
            inv = inv.chunked(1 + i % 4096);
            counts[2] += 1;
        }
        match i % 251 {
            17 => {
                inv = inv.fault(Fault::CloseAfterEvent);
                counts[4] += 1;
            }
            99 => {
                inv = inv.fault(Fault::CloseAfterAck);
                counts[4] += 1;
            }
            150 => {
                inv = inv.fault(Fault::ConnectionClose);
                counts[4] += 1;
            }
            _ => {}
        }
        expected.push(server.push(inv));
    }
    // Rejected posts in the mix: the runtime logs them and goes on.
    server.script(Route::Response, 410);
    server.script(Route::Error, 413);

    let runtime = Runtime::new(&server.endpoint())
        .expect("endpoint")
        .max_invocations(INVOCATIONS as u64);
    let allocations = allocations_after_start_up(runtime);

    let outcomes = server.wait_outcomes(INVOCATIONS - 2, Duration::from_secs(30));
    let errors = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Error { .. }))
        .count();
    eprintln!(
        "{INVOCATIONS} invocations ({} of {MAX_EVENT_BODY} B, {} of 1 MiB, {} chunked, {} handler errors, \
         {} with a dropped connection, {} from the handler's buffer; 2 posts rejected with 410/413) \
         over {} connections: {allocations} allocations",
        counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], server.connections()
    );
    assert!(
        counts.iter().all(|&c| c > 0),
        "every kind of invocation is in the mix: {counts:?}"
    );
    assert!(server.connections() > 1, "reconnects happened");
    assert_eq!(allocations, 0, "heap allocations after start-up");

    // And the run was real: every event answered exactly once, errors as errors.
    assert_eq!(
        outcomes.len(),
        INVOCATIONS - 2,
        "all but the two rejected posts are accepted"
    );
    assert_eq!(
        errors,
        counts[3] - 1,
        "one error post was rejected with 413"
    );
    for id in &expected {
        assert!(server.post_count(id) >= 1, "invocation {id} was answered");
        assert!(
            server.outcome_count(id) <= 1,
            "invocation {id} answered at most once"
        );
    }
}

#[test]
fn setting_x_amzn_trace_id_allocates_nothing_in_rust_either() {
    // `Runtime::trace_id_env(true)`: `setenv` per invocation. Rust's allocator sees nothing
    // (std builds the C strings on the stack); glibc's own heap does grow (see the method's
    // docs and scripts/setenv-growth.sh), which this allocator cannot see.
    const INVOCATIONS: usize = 1_000;
    let (_alone, server) = counting_alone();
    let trace = |i: usize| format!("Root=1-5bef4de7-{i:024x};Parent=9a9197af755a6419;Sampled=1");
    for i in 0..INVOCATIONS {
        server.push(Invocation::new(vec![b'x'; i % 300]).trace_id(trace(i)));
    }
    let runtime = Runtime::new(&server.endpoint())
        .expect("endpoint")
        .max_invocations(INVOCATIONS as u64)
        .trace_id_env(true);
    let allocations = allocations_after_start_up(runtime);
    assert_eq!(
        server.wait_outcome_count(INVOCATIONS, Duration::from_secs(30)),
        INVOCATIONS
    );
    assert_eq!(allocations, 0, "Rust heap allocations with trace_id_env on");
    assert_eq!(
        std::env::var("_X_AMZN_TRACE_ID").as_deref(),
        Ok(trace(INVOCATIONS - 1).as_str()),
        "the variable holds the last invocation's trace id"
    );
}

/// [`Mixed`] for a concurrent worker: counts this worker thread's allocations from its first
/// invocation on (the worker's start-up — its thread, connection and buffers — comes before).
struct CountingWorker(Mixed);

impl Handler for CountingWorker {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        counting::arm(true);
        self.0.handle(event, ctx)
    }
}

#[test]
fn two_concurrent_workers_allocate_nothing_once_warm() {
    assert_concurrent_workers_allocate_nothing(2);
}

#[test]
fn concurrent_workers_allocate_nothing_once_warm() {
    assert_concurrent_workers_allocate_nothing(4);
}

/// `workers` workers (as under `AWS_LAMBDA_MAX_CONCURRENCY=workers`), 500 mixed invocations
/// each: 0 heap allocations on any worker once it has taken its first invocation.
fn assert_concurrent_workers_allocate_nothing(workers: u32) {
    const EACH: usize = 500;
    let (_alone, server) = counting_alone();
    let mib = Arc::<[u8]>::from(vec![b'k'; 1 << 20]);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let total = workers as usize * EACH;
    for i in 0..total {
        let inv = match size_for(i + 1, &mut rng) {
            // The maximum size is the other test's; here, 1 MiB is the largest.
            s if s >= 1 << 20 => Invocation::shared(mib.clone()),
            s => {
                let mut body = vec![b'a' + (i % 26) as u8; s];
                if i % 97 == 3 && s >= 3 {
                    body[..3].copy_from_slice(b"ERR");
                }
                Invocation::new(body)
            }
        };
        server.push(if i % 10 == 4 {
            inv.chunked(1 + i % 4096)
        } else {
            inv
        });
    }
    let endpoint = server.endpoint();
    let result = std::thread::spawn(move || {
        Runtime::new(&endpoint)
            .expect("endpoint")
            .max_invocations(EACH as u64)
            .concurrency(workers)
            .run_with_init(|_| {
                Ok(CountingWorker(Mixed {
                    own: Vec::with_capacity(256),
                }))
            })
    })
    .join()
    .expect("runtime thread");
    result.expect("every worker finished cleanly");
    let allocations = counting::total();
    let outcomes = server.wait_outcomes(total, Duration::from_secs(30));
    eprintln!(
        "{total} invocations on {workers} workers over {} connections: {allocations} allocations",
        server.connections()
    );
    assert_eq!(outcomes.len(), total, "every event answered");
    assert_eq!(server.connections(), workers as usize);
    assert_eq!(allocations, 0, "heap allocations on warm workers");
}
