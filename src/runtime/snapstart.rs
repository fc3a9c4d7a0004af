//! Lambda SnapStart: the snapshot lifecycle a runtime coordinates through the Runtime API.
//!
//! Under `AWS_LAMBDA_INITIALIZATION_TYPE=snap-start`, once the function is initialised:
//!
//! 1. the before-snapshot hooks run, last registered first;
//! 2. `GET /runtime/restore/next` is sent; Lambda takes the snapshot while it is pending, and
//!    answers it (`200`) in every execution environment restored from that snapshot, which may
//!    be days later and many times over;
//! 3. every connection open at the snapshot is stale: the Runtime API connection is closed and
//!    opened again, and so is the shutdown extension's (feature `graceful-shutdown`);
//! 4. the after-restore hooks run, first registered first, within Lambda's restore limit
//!    ([`RESTORE_LIMIT`]);
//! 5. the invocation loop starts with its first `GET /invocation/next` on the new connection.
//!
//! A failing before-snapshot hook (or a refused `restore/next`) is an init failure, posted to
//! `/runtime/init/error` as `Runtime.BeforeSnapshotError`; a failing after-restore hook is
//! posted to `/runtime/restore/error` as `Runtime.AfterRestoreError`, and hooks that run past
//! the limit as `Runtime.AfterRestoreTimeout`. Either way the run ends with
//! [`RuntimeError::InitFailed`]. All of this happens once, before the first event: nothing here
//! touches a warm invocation.

use core::fmt;
use std::io::IoSlice;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, RuntimeError};
use crate::log;
use crate::proto::request::{self, Writer};

use super::event_loop::{
    buffer_full, connect_with_retry, read_ack, split, PanicMessage, ReadError, Scratch,
};
use super::{Io, Session};

/// How long Lambda gives a restored environment, after-restore hooks included, before it
/// fails the restore (`SnapStartTimeoutException`).
pub(crate) const RESTORE_LIMIT: Duration = Duration::from_secs(10);

/// Times `GET /runtime/restore/next` is sent before the runtime gives up on a connection that
/// keeps failing under it.
const RESTORE_ATTEMPTS: u32 = 5;

/// A hook as the runtime keeps it: shared, so that [`crate::Runtime`] stays `Clone`, and
/// behind a lock, so that it may be `FnMut` (it is locked once, on the main thread).
type Hook = Arc<Mutex<dyn FnMut() -> Result<(), Error> + Send>>;

/// The hooks registered with [`crate::Runtime::before_snapshot`] and
/// [`crate::Runtime::after_restore`], in registration order.
#[derive(Clone, Default)]
struct HookLists {
    before_snapshot: Vec<Hook>,
    after_restore: Vec<Hook>,
}

/// What the lifecycle asks of the registered hooks. [`Hooks`] keeps them as a trait object,
/// made by the first hook registered: the code that runs hooks, formats their failures and
/// drops them is reached only through its vtable, so a function without hooks (which still
/// waits for the restore under SnapStart) links none of it.
trait HookSet: Send + Sync {
    /// The hooks themselves.
    fn lists(&self) -> &HookLists;
    /// Runs the hooks of `side` ([`run_side`]).
    fn run_side(&self, side: Side, deadline: &Deadline) -> Result<(), Error>;
    /// Logs that the hooks do not run: the environment is not a SnapStart one.
    fn skipped(&self, initialization_type: &str);
}

impl HookSet for HookLists {
    fn lists(&self) -> &HookLists {
        self
    }

    fn run_side(&self, side: Side, deadline: &Deadline) -> Result<(), Error> {
        let hooks = match side {
            Side::BeforeSnapshot => &self.before_snapshot,
            Side::AfterRestore => &self.after_restore,
        };
        let ran = run_side(hooks, side, deadline);
        if let (Err(failure), Side::AfterRestore) = (&ran, side) {
            // Before the snapshot, `fail_init` logs the failure it posts.
            log::error(format_args!("{failure}"));
        }
        ran
    }

    fn skipped(&self, initialization_type: &str) {
        log::debug(format_args!(
            "AWS_LAMBDA_INITIALIZATION_TYPE is `{initialization_type}`, not snap-start: the {} \
             SnapStart hooks do not run",
            self.before_snapshot.len() + self.after_restore.len()
        ));
    }
}

/// The SnapStart hooks of a [`crate::Runtime`], if any.
#[derive(Clone)]
pub(crate) struct Hooks {
    set: Option<Arc<dyn HookSet>>,
    /// [`RESTORE_LIMIT`] (shorter in unit tests).
    restore_limit: Duration,
}

impl Default for Hooks {
    fn default() -> Hooks {
        Hooks {
            set: None,
            restore_limit: RESTORE_LIMIT,
        }
    }
}

/// When the after-restore hooks must be done by: Lambda's restore limit from the restore.
struct Deadline {
    restored: Option<Instant>,
    limit: Duration,
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lists = self.set.as_deref().map(HookSet::lists);
        f.debug_struct("Hooks")
            .field(
                "before_snapshot",
                &lists.map_or(0, |l| l.before_snapshot.len()),
            )
            .field("after_restore", &lists.map_or(0, |l| l.after_restore.len()))
            .finish()
    }
}

/// Which side of the snapshot a hook runs on.
#[derive(Clone, Copy)]
enum Side {
    BeforeSnapshot,
    AfterRestore,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::BeforeSnapshot => "before-snapshot",
            Side::AfterRestore => "after-restore",
        }
    }
}

/// How `GET /runtime/restore/next` was answered.
enum Restore {
    /// A 2xx: this is a restored execution environment.
    Restored,
    /// Any other status but 500.
    Refused(u16),
}

impl Hooks {
    pub(crate) fn add_before_snapshot(
        &mut self,
        hook: impl FnMut() -> Result<(), Error> + Send + 'static,
    ) {
        self.add(Side::BeforeSnapshot, Arc::new(Mutex::new(hook)));
    }

    pub(crate) fn add_after_restore(
        &mut self,
        hook: impl FnMut() -> Result<(), Error> + Send + 'static,
    ) {
        self.add(Side::AfterRestore, Arc::new(Mutex::new(hook)));
    }

    /// A new set with `hook` added (sets are shared by clones of the runtime).
    fn add(&mut self, side: Side, hook: Hook) {
        let mut lists = self
            .set
            .as_deref()
            .map(HookSet::lists)
            .cloned()
            .unwrap_or_default();
        match side {
            Side::BeforeSnapshot => lists.before_snapshot.push(hook),
            Side::AfterRestore => lists.after_restore.push(hook),
        }
        self.set = Some(Arc::new(lists));
    }

    /// Runs the snapshot lifecycle on `session`, connected and with the function initialised,
    /// when the environment is a SnapStart one; does nothing otherwise. `reconnect_others`
    /// replaces the other connections the process had open at the snapshot (the shutdown
    /// extension's); it runs right after the Runtime API connection is opened again.
    pub(crate) fn run<I: Io>(
        &self,
        session: &mut Session<I>,
        reconnect_others: impl FnOnce(),
    ) -> Result<(), RuntimeError> {
        let set = self.set.as_deref();
        if !session.settings.config.is_snap_start() {
            if let Some(set) = set {
                set.skipped(&session.settings.config.initialization_type);
            }
            return Ok(());
        }
        if let Some(set) = set {
            let none = Deadline {
                restored: None,
                limit: self.restore_limit,
            };
            if let Err(failure) = set.run_side(Side::BeforeSnapshot, &none) {
                return fail_init(session, failure);
            }
        }
        match wait_for_restore(session)? {
            Restore::Restored => {}
            Restore::Refused(status) => {
                let failure = Error::runtime(
                    "BeforeSnapshotError",
                    format_args!(
                        "GET /runtime/restore/next answered {status}: the Runtime API took no \
                         snapshot"
                    ),
                );
                return fail_init(session, failure);
            }
        }
        let deadline = Deadline {
            restored: set.map(|_| Instant::now()),
            limit: self.restore_limit,
        };
        // The connection the answer came on was open at the snapshot: whatever it looks like
        // now, the peer it was made with may be gone. Nothing is outstanding on it.
        session.drop_connection();
        session.ensure_connected()?;
        reconnect_others();
        if let Some(set) = set {
            if let Err(failure) = set.run_side(Side::AfterRestore, &deadline) {
                session.post_restore_error(&failure)?;
                return Err(RuntimeError::InitFailed(Box::new(failure)));
            }
        }
        Ok(())
    }

    #[cfg(test)]
    pub(crate) fn restore_limit(&mut self, limit: Duration) {
        self.restore_limit = limit;
    }
}

/// Posts `failure` to `/runtime/init/error` and ends the run with it.
fn fail_init<I: Io>(session: &mut Session<I>, failure: Error) -> Result<(), RuntimeError> {
    log::error(format_args!("{failure}"));
    session.post_init_error(&failure)?;
    Err(RuntimeError::InitFailed(Box::new(failure)))
}

/// Runs the hooks of `side` (before the snapshot: last registered first, so that dependents
/// registered after what they depend on are torn down first; after the restore: in
/// registration order, each to end within `deadline`); the first failure, described.
fn run_side(hooks: &[Hook], side: Side, deadline: &Deadline) -> Result<(), Error> {
    let count = hooks.len();
    let order: &mut dyn Iterator<Item = (usize, &Hook)> = match side {
        Side::BeforeSnapshot => &mut hooks.iter().enumerate().rev(),
        Side::AfterRestore => &mut hooks.iter().enumerate(),
    };
    for (index, hook) in order {
        // Before the snapshot the process is still initialising (log lines say so).
        let init = matches!(side, Side::BeforeSnapshot);
        if init {
            crate::current::enter_init();
        }
        let ran = call(hook);
        if init {
            crate::current::leave();
        }
        let error_type = match side {
            Side::BeforeSnapshot => "BeforeSnapshotError",
            Side::AfterRestore => "AfterRestoreError",
        };
        if let Err(cause) = ran {
            return Err(Error::runtime(
                error_type,
                HookFailure {
                    side,
                    index,
                    count,
                    cause: &cause,
                },
            ));
        }
        let late = deadline
            .restored
            .map(|t| t.elapsed())
            .filter(|e| *e > deadline.limit);
        if let Some(elapsed) = late {
            return Err(Error::runtime(
                "AfterRestoreTimeout",
                format_args!(
                    "after-restore hook {} of {count} ended {}ms after the restore, past \
                     Lambda's restore limit of {}ms",
                    index + 1,
                    elapsed.as_millis(),
                    deadline.limit.as_millis()
                ),
            ));
        }
    }
    Ok(())
}

/// Calls one hook, a panic in it being its error.
fn call(hook: &Hook) -> Result<(), Error> {
    // A hook that panicked while holding the lock left nothing the runtime relies on.
    let mut hook = hook.lock().unwrap_or_else(|e| e.into_inner());
    match panic::catch_unwind(AssertUnwindSafe(|| (*hook)())) {
        Ok(result) => result,
        Err(payload) => Err(Error::runtime("HookPanic", PanicMessage("hook", &*payload))),
    }
}

/// Sends `GET /runtime/restore/next` and waits, with no time limit, for its answer: Lambda
/// holds it over the snapshot. A connection that fails under it is replaced and the request
/// sent again (it asks for nothing that can be lost).
fn wait_for_restore<I: Io>(session: &mut Session<I>) -> Result<Restore, RuntimeError> {
    let Session {
        io,
        settings,
        bufs,
        connected,
        ..
    } = session;
    let Scratch { head, ack, .. } = split(&mut bufs.scratch);
    let mut request = Writer::new(head);
    if request::write_restore_next(&mut request, &settings.endpoint).is_err() {
        // Only a host name longer than the whole head buffer could do this.
        return Err(RuntimeError::ConnectionLost(buffer_full()));
    }
    let mut attempt = 1;
    loop {
        if !*connected {
            connect_with_retry(io, connected, &settings.endpoint.host)?;
        }
        let answer = io
            .write_all(&mut [IoSlice::new(request.written())])
            .map_err(ReadError::Connection)
            .and_then(|()| read_ack(io, &mut *ack, None));
        let failure = match answer {
            Ok(ack) => {
                return match ack.status {
                    200..=299 => Ok(Restore::Restored),
                    500 => Err(RuntimeError::Fatal {
                        request: "GET /restore/next",
                        status: 500,
                    }),
                    status => Ok(Restore::Refused(status)),
                };
            }
            Err(ReadError::Connection(e)) => RuntimeError::ConnectionLost(e),
            Err(ReadError::Protocol(e)) => RuntimeError::Protocol(e),
        };
        io.close();
        *connected = false;
        if attempt == RESTORE_ATTEMPTS {
            return Err(failure);
        }
        log::warn(format_args!(
            "waiting for the restore: {failure}; asking again on a new connection"
        ));
        io.sleep(Duration::from_millis(1 << attempt));
        attempt += 1;
    }
}

/// "before-snapshot hook 2 of 3 failed: Function.Flush: disk full".
struct HookFailure<'a> {
    side: Side,
    index: usize,
    count: usize,
    cause: &'a Error,
}

impl fmt::Display for HookFailure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} hook {} of {} failed: {}",
            self.side.name(),
            self.index + 1,
            self.count,
            self.cause
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Config;
    use crate::proto::Endpoint;
    use crate::runtime::{Settings, ACK_TIMEOUT};
    use std::collections::VecDeque;
    use std::io;

    /// A peer that replays one script per connection (pieces delivered whatever is written;
    /// end of file when a script runs out), records what each connection was sent, and logs
    /// connects, writes and hook calls in one sequence.
    #[derive(Default)]
    struct Script {
        conns: VecDeque<VecDeque<Vec<u8>>>,
        current: Option<VecDeque<Vec<u8>>>,
        written: Vec<Vec<u8>>,
        events: Arc<Mutex<Vec<String>>>,
    }

    impl Script {
        fn conn(mut self, pieces: &[&[u8]]) -> Script {
            self.conns
                .push_back(pieces.iter().map(|p| p.to_vec()).collect());
            self
        }
        fn text(&self, conn: usize) -> String {
            String::from_utf8_lossy(&self.written[conn]).into_owned()
        }
        fn events(&self) -> Vec<String> {
            self.events.lock().unwrap().clone()
        }
    }

    impl Io for &mut Script {
        fn connect(&mut self) -> io::Result<()> {
            let next = self
                .conns
                .pop_front()
                .ok_or_else(|| io::Error::from(io::ErrorKind::ConnectionRefused))?;
            self.current = Some(next);
            self.written.push(Vec::new());
            let n = self.written.len() - 1;
            self.events.lock().unwrap().push(format!("connect {n}"));
            Ok(())
        }
        fn write_all(&mut self, bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
            let n = self.written.len().saturating_sub(1);
            let out = self
                .written
                .last_mut()
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
            let start = out.len();
            for b in bufs.iter() {
                out.extend_from_slice(b);
            }
            let line = String::from_utf8_lossy(&out[start..]);
            let line = line
                .split(" HTTP/1.1")
                .next()
                .unwrap_or_default()
                .to_string();
            self.events.lock().unwrap().push(format!("{n}: {line}"));
            Ok(())
        }
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let conn = self
                .current
                .as_mut()
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))?;
            let Some(mut piece) = conn.pop_front() else {
                return Ok(0);
            };
            let n = piece.len().min(buf.len());
            buf[..n].copy_from_slice(&piece[..n]);
            if n < piece.len() {
                conn.push_front(piece.split_off(n));
            }
            Ok(n)
        }
        fn close(&mut self) {
            self.current = None;
        }
        fn sleep(&mut self, _: Duration) {}
    }

    const RESTORED: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    const ACK: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n";

    fn connected_session<'s>(
        script: &'s mut Script,
        initialization_type: &str,
    ) -> Session<&'s mut Script> {
        let settings = Settings {
            endpoint: Endpoint::parse("127.0.0.1:9001").unwrap(),
            pipelining: true,
            max_invocations: None,
            ack_timeout: Some(ACK_TIMEOUT),
            workers: None,
            trace_id_env: false,
            config: Config {
                initialization_type: initialization_type.into(),
                ..Config::default()
            },
        };
        let mut session = Session::new(script, settings);
        session.ensure_connected().unwrap();
        session
    }

    /// A hook that logs `name` into the script's sequence, then returns `result`.
    fn hook(
        events: &Arc<Mutex<Vec<String>>>,
        name: &'static str,
        result: fn() -> Result<(), Error>,
    ) -> impl FnMut() -> Result<(), Error> + Send + 'static {
        let events = Arc::clone(events);
        move || {
            events.lock().unwrap().push(name.to_string());
            result()
        }
    }

    fn ok() -> Result<(), Error> {
        Ok(())
    }

    fn posts(text: &str) -> Vec<&str> {
        text.match_indices("POST ")
            .map(|(i, _)| text[i..].split(" HTTP/1.1").next().unwrap())
            .collect()
    }

    #[test]
    fn the_lifecycle_runs_in_the_documented_order() {
        let mut script = Script::default().conn(&[RESTORED]).conn(&[]);
        let events = Arc::clone(&script.events);
        let mut hooks = Hooks::default();
        hooks.add_before_snapshot(hook(&events, "before 1", ok));
        hooks.add_before_snapshot(hook(&events, "before 2", ok));
        hooks.add_after_restore(hook(&events, "after 1", ok));
        hooks.add_after_restore(hook(&events, "after 2", ok));
        let others = Arc::clone(&events);
        let mut session = connected_session(&mut script, "snap-start");
        hooks
            .run(&mut session, move || {
                others.lock().unwrap().push("other connections".into())
            })
            .unwrap();
        drop(session);
        assert_eq!(
            script.events(),
            [
                "connect 0",
                "before 2",
                "before 1",
                "0: GET /2018-06-01/runtime/restore/next",
                "connect 1",
                "other connections",
                "after 1",
                "after 2",
            ]
        );
        assert!(
            script.text(1).is_empty(),
            "the new connection is left for /next"
        );
    }

    #[test]
    fn nothing_happens_outside_snap_start() {
        for kind in ["on-demand", "provisioned-concurrency", ""] {
            let mut script = Script::default().conn(&[]);
            let events = Arc::clone(&script.events);
            let mut hooks = Hooks::default();
            hooks.add_before_snapshot(hook(&events, "before", ok));
            hooks.add_after_restore(hook(&events, "after", ok));
            let mut session = connected_session(&mut script, kind);
            hooks.run(&mut session, || panic!("reconnected")).unwrap();
            drop(session);
            assert_eq!(script.events(), ["connect 0"], "{kind:?}");
        }
    }

    #[test]
    fn a_snap_start_without_hooks_still_waits_for_the_restore() {
        let mut script = Script::default().conn(&[RESTORED]).conn(&[]);
        let mut session = connected_session(&mut script, "snap-start");
        Hooks::default().run(&mut session, || {}).unwrap();
        drop(session);
        assert_eq!(
            script.events(),
            [
                "connect 0",
                "0: GET /2018-06-01/runtime/restore/next",
                "connect 1"
            ]
        );
    }

    #[test]
    fn a_failing_before_snapshot_hook_is_an_init_error_and_takes_no_snapshot() {
        let mut script = Script::default().conn(&[ACK]);
        let events = Arc::clone(&script.events);
        let mut hooks = Hooks::default();
        hooks.add_before_snapshot(hook(&events, "before 1", ok));
        hooks.add_before_snapshot(hook(&events, "before 2", || {
            Err(Error::function("Flush", "disk full"))
        }));
        let mut session = connected_session(&mut script, "snap-start");
        let Err(RuntimeError::InitFailed(failure)) = hooks.run(&mut session, || {}) else {
            panic!("the run goes on after a failed hook");
        };
        drop(session);
        assert_eq!(failure.error_type(), "Runtime.BeforeSnapshotError");
        assert_eq!(
            failure.message(),
            "before-snapshot hook 2 of 2 failed: Function.Flush: disk full"
        );
        assert_eq!(
            script.events(),
            [
                "connect 0",
                "before 2",
                "0: POST /2018-06-01/runtime/init/error"
            ]
        );
        let sent = script.text(0);
        assert!(sent
            .contains("\r\nLambda-Runtime-Function-Error-Type: Runtime.BeforeSnapshotError\r\n"));
        assert!(sent.ends_with(
            r#"{"errorMessage":"before-snapshot hook 2 of 2 failed: Function.Flush: disk full","errorType":"Runtime.BeforeSnapshotError","stackTrace":[]}"#
        ));
    }

    #[test]
    fn a_failing_or_panicking_after_restore_hook_is_posted_to_restore_error() {
        type Make = fn(&Arc<Mutex<Vec<String>>>) -> Box<dyn FnMut() -> Result<(), Error> + Send>;
        let failing: Make = |events| {
            Box::new(hook(events, "after 2", || {
                Err(Error::function("Reconnect", "database unreachable"))
            }))
        };
        let panicking: Make = |events| {
            let events = Arc::clone(events);
            Box::new(move || {
                events.lock().unwrap().push("after 2".into());
                panic!("seed file missing")
            })
        };
        let cases = [
            (failing, "after-restore hook 2 of 3 failed: Function.Reconnect: database unreachable"),
            (panicking, "after-restore hook 2 of 3 failed: Runtime.HookPanic: hook panicked: seed file missing"),
        ];
        for (make, message) in cases {
            let mut script = Script::default().conn(&[RESTORED]).conn(&[ACK]);
            let events = Arc::clone(&script.events);
            let mut hooks = Hooks::default();
            hooks.add_after_restore(hook(&events, "after 1", ok));
            hooks.add_after_restore(make(&events));
            hooks.add_after_restore(hook(&events, "after 3", ok));
            let mut session = connected_session(&mut script, "snap-start");
            let Err(RuntimeError::InitFailed(failure)) = hooks.run(&mut session, || {}) else {
                panic!("the run goes on after a failed hook");
            };
            drop(session);
            assert_eq!(failure.error_type(), "Runtime.AfterRestoreError");
            assert_eq!(failure.message(), message);
            assert_eq!(
                script.events(),
                [
                    "connect 0",
                    "0: GET /2018-06-01/runtime/restore/next",
                    "connect 1",
                    "after 1",
                    "after 2",
                    "1: POST /2018-06-01/runtime/restore/error",
                ]
            );
            let sent = script.text(1);
            assert!(sent
                .contains("\r\nLambda-Runtime-Function-Error-Type: Runtime.AfterRestoreError\r\n"));
            assert!(sent.contains(&format!("{{\"errorMessage\":\"{message}\"")));
        }
    }

    #[test]
    fn hooks_that_run_past_the_restore_limit_fail_the_restore() {
        let mut script = Script::default().conn(&[RESTORED]).conn(&[ACK]);
        let events = Arc::clone(&script.events);
        let mut hooks = Hooks::default();
        hooks.restore_limit(Duration::from_millis(20));
        hooks.add_after_restore(hook(&events, "after 1", ok));
        let slow = Arc::clone(&events);
        hooks.add_after_restore(move || {
            slow.lock().unwrap().push("after 2".into());
            std::thread::sleep(Duration::from_millis(40));
            Ok(())
        });
        hooks.add_after_restore(hook(&events, "after 3", ok));
        let mut session = connected_session(&mut script, "snap-start");
        let Err(RuntimeError::InitFailed(failure)) = hooks.run(&mut session, || {}) else {
            panic!("a restore past the limit goes on");
        };
        drop(session);
        assert_eq!(failure.error_type(), "Runtime.AfterRestoreTimeout");
        assert!(
            failure
                .message()
                .starts_with("after-restore hook 2 of 3 ended ")
                && failure
                    .message()
                    .ends_with("past Lambda's restore limit of 20ms"),
            "{}",
            failure.message()
        );
        assert_eq!(
            posts(&script.text(1)),
            ["POST /2018-06-01/runtime/restore/error"]
        );
        assert!(!script.events().contains(&"after 3".to_string()));
    }

    #[test]
    fn a_connection_lost_during_the_snapshot_asks_again_on_a_new_one() {
        // The first connection ends before any answer; the second is reset mid-head; the third
        // answers in pieces.
        let mut script = Script::default()
            .conn(&[])
            .conn(&[b"HTTP/1.1 2"])
            .conn(&[b"HTTP/1.1 200 OK\r\n", b"Content-Length: 2\r\n\r\n{}"])
            .conn(&[]);
        let mut session = connected_session(&mut script, "snap-start");
        Hooks::default().run(&mut session, || {}).unwrap();
        drop(session);
        assert_eq!(
            script.events(),
            [
                "connect 0",
                "0: GET /2018-06-01/runtime/restore/next",
                "connect 1",
                "1: GET /2018-06-01/runtime/restore/next",
                "connect 2",
                "2: GET /2018-06-01/runtime/restore/next",
                "connect 3",
            ]
        );
    }

    #[test]
    fn a_refused_restore_is_an_init_error_and_a_500_is_fatal() {
        let refused = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        let mut script = Script::default().conn(&[refused, ACK]);
        let mut session = connected_session(&mut script, "snap-start");
        let Err(RuntimeError::InitFailed(failure)) = Hooks::default().run(&mut session, || {})
        else {
            panic!("a refused restore goes on");
        };
        drop(session);
        assert_eq!(failure.error_type(), "Runtime.BeforeSnapshotError");
        assert!(
            failure.message().contains("answered 404"),
            "{}",
            failure.message()
        );
        assert_eq!(
            posts(&script.text(0)),
            ["POST /2018-06-01/runtime/init/error"]
        );

        let fatal = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n";
        let mut script = Script::default().conn(&[fatal]);
        let mut again = connected_session(&mut script, "snap-start");
        assert!(matches!(
            Hooks::default().run(&mut again, || {}),
            Err(RuntimeError::Fatal {
                request: "GET /restore/next",
                status: 500
            })
        ));
    }

    #[test]
    fn a_server_that_never_answers_the_restore_ends_the_run() {
        let mut script = Script::default();
        for _ in 0..RESTORE_ATTEMPTS {
            script = script.conn(&[]);
        }
        let mut session = connected_session(&mut script, "snap-start");
        assert!(matches!(
            Hooks::default().run(&mut session, || {}),
            Err(RuntimeError::ConnectionLost(_))
        ));
    }
}
