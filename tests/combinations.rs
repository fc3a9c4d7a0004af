//! One way to run, every combination: the handler's kind (buffered or streaming) × one or three
//! workers × an init that succeeds or fails × pipelining on or off × a shutdown hook or none,
//! each through the mock Runtime API with `Runtime::run_with_init`, and `Runtime::run` for each
//! kind. Each combination must answer every event exactly once, in the right shape, on one
//! connection per worker; a failed init must be reported once and take no event.
#![allow(clippy::result_large_err)]

use std::sync::mpsc;
use std::time::Duration;

use lambda_zero::testing::{MockRuntimeApi, Outcome};
use lambda_zero::{
    handler_fn, Context, Error, Function, Handler, ResponseStream, Runtime, RuntimeError,
    StreamingHandler,
};

const WAIT: Duration = Duration::from_secs(20);
const PER_WORKER: u64 = 4;

fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(WAIT).expect("the runtime finished in time")
}

/// Streams the event back in two pieces.
#[derive(Clone)]
struct Halves;

/// Answers the event with itself.
#[derive(Clone)]
struct Echo;

impl Handler for Echo {
    fn handle<'a>(
        &'a mut self,
        event: &'a mut [u8],
        _ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        Ok(event)
    }
}

impl StreamingHandler for Halves {
    fn handle(
        &mut self,
        event: &mut [u8],
        _ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        let (a, b) = event.split_at(event.len() / 2);
        out.write(a)?;
        out.write(b)
    }
}

#[derive(Clone, Copy, Debug)]
struct Combination {
    streaming: bool,
    workers: u32,
    init_fails: bool,
    pipelining: bool,
    hook: bool,
}

fn all() -> Vec<Combination> {
    let mut all = Vec::new();
    for streaming in [false, true] {
        for workers in [1, 3] {
            for init_fails in [false, true] {
                for hook in [false, true] {
                    // Pipelining alternates so that both settings meet every other one.
                    let pipelining = (workers == 1) ^ hook;
                    all.push(Combination {
                        streaming,
                        workers,
                        init_fails,
                        pipelining,
                        hook,
                    });
                }
            }
        }
    }
    all
}

fn runtime(server: &MockRuntimeApi, c: Combination) -> Runtime {
    let rt = Runtime::new(&server.endpoint())
        .unwrap()
        .concurrency(c.workers)
        .pipelining(c.pipelining)
        .max_invocations(PER_WORKER);
    if c.hook {
        rt.on_shutdown(|| {})
    } else {
        rt
    }
}

fn init<H>(c: Combination, handler: H) -> impl FnMut(&lambda_zero::Config) -> Result<H, Error>
where
    H: Clone,
{
    move |_| {
        if c.init_fails {
            Err(Error::function("NoConfig", "init asked to fail"))
        } else {
            Ok(handler.clone())
        }
    }
}

fn serve<K, H: Function<K> + Clone + Send + 'static>(
    server: &MockRuntimeApi,
    c: Combination,
    handler: H,
) -> Result<(), RuntimeError> {
    let rt = runtime(server, c);
    let init = init(c, handler);
    within(move || rt.run_with_init(init))
}

fn check(c: Combination) {
    let server = MockRuntimeApi::start().unwrap();
    let events = PER_WORKER * u64::from(c.workers);
    let ids: Vec<String> = (0..events)
        .map(|i| server.push_event(format!("event-{i}")))
        .collect();
    let result = if c.streaming {
        serve(&server, c, Halves)
    } else {
        serve(&server, c, Echo)
    };
    if c.init_fails {
        assert!(
            matches!(result, Err(RuntimeError::InitFailed(_))),
            "{c:?}: {result:?}"
        );
        let outcomes = server.wait_outcomes(1, WAIT);
        assert_eq!(
            outcomes.len(),
            1,
            "{c:?}: one init error, whatever the workers"
        );
        assert!(
            matches!(&outcomes[0], Outcome::InitError { error_type, .. } if error_type == "Function.NoConfig"),
            "{c:?}: {outcomes:?}"
        );
        assert_eq!(server.pending(), events as usize, "{c:?}: no event taken");
        return;
    }
    result.unwrap_or_else(|e| panic!("{c:?}: {e}"));
    let outcomes = server.wait_outcomes(events as usize, WAIT);
    assert_eq!(outcomes.len(), events as usize, "{c:?}");
    for id in &ids {
        assert_eq!(server.outcome_count(id), 1, "{c:?}: {id} answered once");
    }
    for outcome in &outcomes {
        let id = outcome.request_id().expect("an invocation outcome");
        let i = ids.iter().position(|x| x == id).expect("a served id");
        match outcome {
            Outcome::Streamed { body, .. } => {
                assert!(c.streaming, "{c:?}: streamed");
                assert_eq!(body, format!("event-{i}").as_bytes(), "{c:?}");
            }
            Outcome::Response { .. } => {
                assert!(!c.streaming, "{c:?}: buffered");
                assert_eq!(outcome.body(), format!("event-{i}").as_bytes(), "{c:?}");
            }
            other => panic!("{c:?}: {other:?}"),
        }
    }
    if !c.streaming {
        // A streamed response closes its connection; a buffered one keeps it.
        assert_eq!(server.connections(), c.workers as usize, "{c:?}: one each");
    }
}

#[test]
fn every_combination_answers_every_event_once() {
    let combinations = all();
    assert_eq!(combinations.len(), 16);
    for c in combinations {
        check(c);
    }
}

#[test]
fn run_serves_either_kind_with_every_setting() {
    for streaming in [false, true] {
        let server = MockRuntimeApi::start().unwrap();
        let a = server.push_event("first");
        let b = server.push_event("second");
        let rt = Runtime::new(&server.endpoint())
            .unwrap()
            .pipelining(!streaming)
            .ack_timeout(None)
            .on_shutdown(|| {})
            .max_invocations(2);
        let result = if streaming {
            within(move || rt.run(Halves))
        } else {
            within(move || rt.run(handler_fn(|event, _ctx| Ok(event))))
        };
        result.unwrap();
        let outcomes = server.wait_outcomes(2, WAIT);
        assert_eq!(outcomes[0].request_id(), Some(a.as_str()));
        assert_eq!(outcomes[1].request_id(), Some(b.as_str()));
        assert_eq!(
            matches!(outcomes[0], Outcome::Streamed { .. }),
            streaming,
            "{outcomes:?}"
        );
    }
}
