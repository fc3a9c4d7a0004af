//! Several invocation loops at once, for Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY`
//! concurrent `/next` polls, one connection each).

use crate::context::Config;
use crate::error::Error;
use crate::error::RuntimeError;
use crate::handler::Function;
use crate::{log, transport};

use super::{build, Dispatch, Recv, Runtime, Session};

/// [`Runtime::run_with_init`]: one worker on this thread, or [`Runtime::concurrency`] worker
/// threads, each with a handler from `init`.
pub(super) fn run<K, H, F>(mut rt: Runtime, mut init: F) -> Result<(), RuntimeError>
where
    H: Function<K> + Send + 'static,
    F: FnMut(&Config) -> Result<H, Error>,
{
    let workers = rt.workers();
    let addrs = rt.resolve()?;
    let transport = rt.transport(&addrs)?;
    if workers == 1 {
        return rt.serve(transport, init);
    }
    if rt.settings.trace_id_env {
        // One variable per process cannot carry several invocations' trace ids.
        log::warn(format_args!(
            "_X_AMZN_TRACE_ID is not set with {workers} workers; read Context::trace_id"
        ));
        rt.settings.trace_id_env = false;
    }
    // With `panic = "abort"`, a panic lets the other workers answer what they hold first.
    crate::panic_report::watch_workers();
    let mut session = Session::new(transport, rt.settings.clone());
    session.ensure_connected()?;
    let mut handlers = Vec::with_capacity(workers as usize);
    for _ in 0..workers {
        handlers.push(build(&mut session, &mut init, &rt.settings.config)?);
    }
    rt.wait_until_registered();
    // Before any worker connects: only worker 0's connection is open at a SnapStart snapshot,
    // and it is replaced after the restore; the others connect in their threads, after it.
    rt.snapshot(&mut session)?;
    // Bounded: its slots are allocated here, so a worker's last act allocates nothing.
    let (done, results) = std::sync::mpsc::sync_channel(handlers.len());
    // Worker 0 keeps the connection that init errors would have used; the others open their own.
    let mut first = Some(session);
    for (worker, mut handler) in handlers.into_iter().enumerate() {
        let session = first.take();
        let (settings, addrs, done) = (rt.settings.clone(), addrs.clone(), done.clone());
        std::thread::Builder::new()
            .name(format!("lambda-zero-{worker}"))
            .spawn(move || {
                <H as Dispatch<K>>::prepare_thread();
                let served = match session {
                    Some(session) => Ok(session),
                    None => transport::MioTransport::new(addrs)
                        .map(|io| Session::new(io, settings))
                        .map_err(RuntimeError::Worker),
                }
                .and_then(|mut session| session.serve(&mut Recv::new(), &mut handler));
                let _ = done.send(served);
            })
            .map_err(RuntimeError::Worker)?;
    }
    drop(done);
    let mut finished = 0;
    for result in results.iter() {
        result?;
        finished += 1;
    }
    if finished < workers {
        // A worker's thread ended without sending its result: it panicked.
        return Err(RuntimeError::Worker(std::io::Error::other(
            "a worker thread ended without returning",
        )));
    }
    Ok(())
}
