//! One connection: read a request, answer it, repeat, in order (like Go's `net/http`).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::record::{Outcome, RecordedRequest, RoundTrip, ERROR_TYPE_HEADER};
use super::spec::{AckBody, AfterRestore, Answer, Fault, Framing, Route};
use super::wire::{self, Incoming, Message, Plan, Request, RequestReader, Target, OK_JSON};
use super::{Queued, Shared, State};

/// How long a closing connection waits for the client to close too, so the client reads our
/// last answer instead of a reset (Go's server waits 500 ms after closing its side).
const LINGER: Duration = Duration::from_millis(500);
/// Read timeout: a safety net so a reader always gets to see the shutdown flag.
const READ_SLICE: Duration = Duration::from_millis(200);

/// What to do after handling one request.
struct Reply {
    plan: Plan,
    /// The request id of the event this answer serves.
    event: Option<String>,
    /// The outcome to record, unless a fault cuts the acknowledgement short.
    accept: Option<Accepted>,
}

struct Accepted {
    outcome: Outcome,
    request_id: String,
    received_at: Instant,
}

impl Reply {
    fn plain(plan: Plan) -> Reply {
        Reply {
            plan,
            event: None,
            accept: None,
        }
    }
}

/// Serves one connection until either side closes it or the server shuts down.
pub(super) fn serve(shared: Arc<Shared>, mut stream: TcpStream, conn_id: usize) {
    let _ = stream.set_nodelay(!shared.nagle);
    let _ = stream.set_read_timeout(Some(READ_SLICE));
    let mut reader = RequestReader::new();
    // The event last written on this connection, and when its first byte went out.
    let mut last_served: Option<(String, Instant)> = None;
    loop {
        let req = match reader.next(&mut ShutdownAware {
            stream: &mut stream,
            shared: &shared,
        }) {
            Incoming::Request(req) => req,
            Incoming::Closed => break,
            Incoming::Bad(status, reason) => {
                let msg = Message::error(status, reason).header("Connection", "close");
                let _ = stream.write_all(&wire::render(msg, &[]).bytes);
                linger(&shared, &mut stream);
                break;
            }
        };
        let client_close = req.wants_close();
        let reply = handle(&shared, &stream, conn_id, req);
        // Recorded before the acknowledgement goes out, so a client that got it can count on
        // the outcome being there. An acknowledgement cut short by a fault does not count.
        if let Some(accepted) = reply.accept {
            if reply.plan.complete() {
                record_outcome(&shared, accepted, last_served.as_ref());
            }
        }
        let started = Instant::now();
        let written = write_plan(&shared, &mut stream, &reply.plan);
        if let (Ok(()), Some(id)) = (&written, reply.event) {
            last_served = Some((id, started));
        }
        // A restore can have made this connection stale while the answer was being prepared
        // (the `restore/next` answer itself goes out first).
        let stale = shared.lock().stale.contains(&conn_id);
        if written.is_ok() && (reply.plan.hold || stale) {
            hold(&shared, &mut stream);
            break;
        }
        if written.is_err() || reply.plan.close || client_close {
            linger(&shared, &mut stream);
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    shared.lock().streams.remove(&conn_id);
}

/// A stream whose reads retry on the read timeout until the server shuts down.
struct ShutdownAware<'a> {
    stream: &'a mut TcpStream,
    shared: &'a Shared,
}

impl Read for ShutdownAware<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.shared.is_shutdown() {
                return Ok(0);
            }
            match self.stream.read(buf) {
                Err(e) if is_timeout(&e) => continue,
                other => return other,
            }
        }
    }
}

impl Write for ShutdownAware<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

fn write_plan(shared: &Shared, stream: &mut TcpStream, plan: &Plan) -> io::Result<()> {
    let bytes = &plan.bytes[..plan.send];
    let Some(pause) = plan.trickle else {
        return stream.write_all(bytes);
    };
    for byte in bytes {
        if shared.is_shutdown() {
            return Err(io::ErrorKind::ConnectionAborted.into());
        }
        stream.write_all(std::slice::from_ref(byte))?;
        if !pause.is_zero() {
            thread::sleep(pause);
        }
    }
    Ok(())
}

/// Answers nothing more: reads and drops what the client sends until it closes the connection
/// (or the server shuts down).
fn hold(shared: &Shared, stream: &mut TcpStream) {
    let mut sink = [0u8; 4096];
    while !shared.is_shutdown() {
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Closes the connection so that the client can still read our last answer.
///
/// Closing a socket that has unread input makes the kernel send a reset, which can destroy the
/// answer before the client reads it. So: send our FIN, discard what the client had sent before
/// it could see the answer, then wait (at most [`LINGER`]) until the client closes too or sends
/// something new. New data means it has read the answer; the close then resets the connection,
/// as closing any server socket does when a request arrives after it.
fn linger(shared: &Shared, stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let mut sink = [0u8; 4096];
    if stream.set_nonblocking(true).is_ok() {
        loop {
            match stream.read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => return,
            }
        }
        let _ = stream.set_nonblocking(false);
    }
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let end = Instant::now() + LINGER;
    while Instant::now() < end && !shared.is_shutdown() {
        match stream.peek(&mut sink[..1]) {
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            // Closed, new data, or broken: done either way.
            _ => return,
        }
    }
}

fn handle(shared: &Shared, stream: &TcpStream, conn_id: usize, req: Request) -> Reply {
    let target = match wire::target(&shared.prefix, &req.method, &req.path) {
        Target::ExtensionRegister | Target::ExtensionNext if !shared.extensions_api => {
            Target::Unknown
        }
        target => target,
    };
    let mut state = shared.lock();
    if state.record_requests {
        state.requests.push(RecordedRequest {
            connection: conn_id,
            method: req.method.clone(),
            path: req.path.clone(),
            version: req.version,
            headers: req.headers.clone(),
            body: req.body.clone(),
            chunked: req.chunked,
            chunk_sizes: req.chunk_sizes.clone(),
            trailers: req.trailers.clone(),
        });
        let count = state.requests.len();
        if state.request_targets.iter().any(|&t| count >= t) {
            shared.records.notify_all();
        }
    }
    if state.stale.contains(&conn_id) {
        // Recorded above (a test can see the runtime used a stale connection), never answered.
        return Reply::plain(Plan::stall());
    }
    match target {
        Target::Next => next(shared, state, stream, conn_id),
        Target::RestoreNext => restore_next(shared, state, conn_id),
        Target::Post(route, request_id) => post(state, route, request_id, req),
        Target::ExtensionRegister => register_extension(state, &req),
        Target::ExtensionNext => extension_next(shared, state, &req, conn_id),
        Target::WrongMethod => Reply::plain(wire::render(
            Message::error(405, "wrong method for this path"),
            &[],
        )),
        Target::Unknown => Reply::plain(wire::render(
            Message::error(404, "not a Runtime API path"),
            &[],
        )),
    }
}

/// `POST /extension/register`: a new identifier for the named extension, or 400 without a name.
fn register_extension(mut state: MutexGuard<'_, State>, req: &Request) -> Reply {
    let Some(name) = req
        .header("lambda-extension-name")
        .filter(|n| !n.is_empty())
    else {
        let msg = Message::error(400, "Lambda-Extension-Name is missing");
        return Reply::plain(wire::render(msg, &[]));
    };
    let identifier = format!("ext-{}-{}", state.extensions.len() + 1, std::process::id());
    state
        .extensions
        .push((name.to_string(), identifier.clone()));
    let body =
        br#"{"functionName":"lambda-zero-mock","functionVersion":"$LATEST","handler":"bootstrap"}"#;
    let msg = Message::new(200, body)
        .header("Content-Type", "application/json")
        .header("Lambda-Extension-Identifier", &identifier);
    Reply::plain(wire::render(msg, &[]))
}

/// `GET /extension/event/next`: 403 for an unknown identifier; otherwise held open until the
/// mock shuts down or a SnapStart restore closes the connection (it never sends extension
/// events).
fn extension_next(
    shared: &Shared,
    mut state: MutexGuard<'_, State>,
    req: &Request,
    conn_id: usize,
) -> Reply {
    let known = req
        .header("lambda-extension-identifier")
        .is_some_and(|id| state.extensions.iter().any(|(_, known)| known == id));
    if !known {
        let msg = Message::error(403, "unknown Lambda-Extension-Identifier");
        return Reply::plain(wire::render(msg, &[]));
    }
    while !shared.is_shutdown() && !state.severed.contains(&conn_id) {
        state = shared.work.wait(state).unwrap_or_else(|e| e.into_inner());
    }
    Reply::plain(Plan::drop_connection())
}

/// `GET /restore/next` (SnapStart): a scripted refusal; at once after a restore; else the
/// snapshot (the connections open now are noted, the request held for the pause or until
/// [`super::MockRuntimeApi::restore`]), then the restore: `200`, and [`AfterRestore`] applied
/// to those connections.
fn restore_next(shared: &Shared, mut state: MutexGuard<'_, State>, conn_id: usize) -> Reply {
    let mut faults = Vec::new();
    if let Some(answer) = state.scripts[Route::RestoreNext.index()].pop_front() {
        match answer.status {
            Some(status) if !(200..300).contains(&status) => {
                return Reply::plain(wire::render(
                    status_message(status, answer.body),
                    &answer.faults,
                ));
            }
            _ => faults = answer.faults,
        }
    }
    if state.snapshot.restored {
        return Reply::plain(wire::render(Message::new(200, b""), &faults));
    }
    state.snapshot.taken += 1;
    let open: Vec<usize> = state.streams.keys().copied().collect();
    shared.records.notify_all();
    let pause_ends = Instant::now() + state.snapshot.pause;
    loop {
        if shared.is_shutdown() {
            return Reply::plain(Plan::drop_connection());
        }
        if state.snapshot.restore_now {
            break;
        }
        let now = Instant::now();
        state = if state.snapshot.on_demand {
            shared.work.wait(state).unwrap_or_else(|e| e.into_inner())
        } else if now < pause_ends {
            let waited = shared.work.wait_timeout(state, pause_ends - now);
            waited.unwrap_or_else(|e| e.into_inner()).0
        } else {
            break;
        };
    }
    state.snapshot.restored = true;
    let mut plan = wire::render(Message::new(200, b""), &faults);
    match state.snapshot.after {
        AfterRestore::CloseConnections => {
            for id in open {
                state.severed.insert(id);
                if id == conn_id {
                    plan.close = true;
                } else if let Some(stream) = state.streams.get(&id) {
                    let _ = stream.shutdown(Shutdown::Both);
                }
            }
        }
        AfterRestore::StaleConnections => state.stale.extend(open),
        AfterRestore::KeepConnections => {}
    }
    drop(state);
    shared.work.notify_all();
    shared.records.notify_all();
    Reply::plain(plan)
}

/// `GET next`: a scripted answer, the next queued event, a long poll, or 408 when idle. A poll
/// that a SnapStart restore closes or makes stale while it waits takes no event.
fn next(
    shared: &Shared,
    mut state: MutexGuard<'_, State>,
    stream: &TcpStream,
    conn_id: usize,
) -> Reply {
    let idle_deadline = state.idle_timeout.map(|t| Instant::now() + t);
    let mut faults: Vec<Fault> = Vec::new();
    let mut waited = false;
    let queued = loop {
        if shared.is_shutdown() || state.severed.contains(&conn_id) {
            return Reply::plain(Plan::drop_connection());
        }
        if state.stale.contains(&conn_id) {
            return Reply::plain(Plan::stall());
        }
        if let Some(answer) = state.scripts[Route::Next.index()].pop_front() {
            match answer.status {
                Some(status) if status != 200 => {
                    faults.extend(answer.faults.iter().copied());
                    return Reply::plain(wire::render(
                        status_message(status, answer.body),
                        &faults,
                    ));
                }
                _ => faults.extend(answer.faults),
            }
        }
        if !state.queue.is_empty() {
            // After a long wait the client may be gone; leave the event to another connection.
            if waited && !peer_alive(stream) {
                if !faults.is_empty() {
                    let answer = Answer {
                        faults,
                        ..Answer::default()
                    };
                    state.scripts[Route::Next.index()].push_front(answer);
                }
                return Reply::plain(Plan::drop_connection());
            }
            if let Some(queued) = state.queue.pop_front() {
                break queued;
            }
        }
        waited = true;
        state = match idle_deadline {
            None => shared.work.wait(state).unwrap_or_else(|e| e.into_inner()),
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    let msg = Message::error(408, "no invocation arrived in time");
                    return Reply::plain(wire::render(msg, &faults));
                }
                shared
                    .work
                    .wait_timeout(state, deadline - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
        };
    };
    match queued {
        Queued::Raw(bytes) => Reply::plain(Plan::raw(bytes)),
        Queued::Event(inv) => {
            let request_id = inv.request_id.clone();
            state.served.push(request_id.clone());
            state.served_at.insert(request_id.clone(), Instant::now());
            if inv.faults.contains(&Fault::CloseAfterAck) {
                state.close_after_ack.insert(request_id.clone());
            }
            let deadline_ms = inv.deadline_ms.unwrap_or_else(|| {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                (now + state.function_timeout).as_millis() as u64
            });
            drop(state);
            // The close-after-ack fault is for the acknowledgement, not the event.
            faults.extend(
                inv.faults
                    .iter()
                    .copied()
                    .filter(|f| *f != Fault::CloseAfterAck),
            );
            let plan = wire::render(wire::event_message(&inv, deadline_ms, &faults), &faults);
            Reply {
                plan,
                event: Some(request_id),
                accept: None,
            }
        }
    }
}

/// A `POST` to response, error or init error.
fn post(mut state: MutexGuard<'_, State>, route: Route, request_id: String, req: Request) -> Reply {
    if !matches!(route, Route::InitError | Route::RestoreError) {
        *state.post_counts.entry(request_id.clone()).or_default() += 1;
    }
    let mut answer: Answer = state.scripts[route.index()].pop_front().unwrap_or_default();
    if route == Route::RestoreError && !state.snapshot.restored && answer.status.is_none() {
        // Lambda's state machine: there is no restore to fail before one.
        answer.status = Some(403);
        answer.body.get_or_insert_with(|| {
            br#"{"errorMessage":"no restore to fail: GET /runtime/restore/next was not answered","errorType":"InvalidStateTransition"}"#.to_vec()
        });
    }
    let ack = state.acks[route.index()];
    let over_limit = route == Route::Response
        && state
            .response_limit
            .is_some_and(|limit| req.body.len() > limit);
    let status = answer
        .status
        .unwrap_or(if over_limit { 413 } else { ack.status });
    let accepted = (200..300).contains(&status);
    let mut faults = answer.faults;
    if accepted && state.close_after_ack.contains(&request_id) {
        faults.push(Fault::CloseAfterAck);
    }
    drop(state);

    let msg = match answer.body {
        Some(body) => Message::new(status, &body),
        None if !accepted && over_limit => {
            Message::error(status, "response payload larger than the configured limit")
        }
        None if !accepted => status_message(status, None),
        None => match ack.body {
            AckBody::Empty => Message::new(status, b""),
            AckBody::Json => {
                Message::new(status, OK_JSON).header("Content-Type", "application/json")
            }
            AckBody::Chunked => Message {
                framing: Framing::Chunked(OK_JSON.len()),
                ..Message::new(status, OK_JSON).header("Content-Type", "application/json")
            },
        },
    };
    let plan = wire::render(msg, &faults);
    let accept = accepted.then(|| Accepted {
        outcome: outcome(
            route,
            request_id.clone(),
            req.headers,
            req.body,
            req.trailers,
        ),
        request_id,
        received_at: req.received_at,
    });
    Reply {
        plan,
        event: None,
        accept,
    }
}

fn status_message(status: u16, body: Option<Vec<u8>>) -> Message {
    match body {
        Some(body) => Message::new(status, &body),
        None => Message::error(
            status,
            "scripted answer from the lambda-zero mock Runtime API",
        ),
    }
}

fn outcome(
    route: Route,
    request_id: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    trailers: Vec<(String, String)>,
) -> Outcome {
    let error_type = || {
        super::record::find(&headers, ERROR_TYPE_HEADER)
            .or_else(|| super::record::find(&trailers, ERROR_TYPE_HEADER))
            .unwrap_or_default()
            .to_string()
    };
    match route {
        Route::Error => Outcome::Error {
            error_type: error_type(),
            request_id,
            body,
        },
        Route::InitError => Outcome::InitError {
            error_type: error_type(),
            body,
        },
        Route::RestoreError => Outcome::RestoreError {
            error_type: error_type(),
            body,
        },
        // `post` is never called for the two GET routes.
        Route::Response | Route::Next | Route::RestoreNext => {
            let streaming = super::record::find(&headers, "Lambda-Runtime-Function-Response-Mode")
                .is_some_and(|mode| mode.trim().eq_ignore_ascii_case("streaming"));
            if streaming {
                Outcome::Streamed {
                    request_id,
                    body,
                    headers,
                    trailers,
                }
            } else {
                Outcome::Response {
                    request_id,
                    body,
                    headers,
                }
            }
        }
    }
}

fn record_outcome(shared: &Shared, accepted: Accepted, last_served: Option<&(String, Instant)>) {
    let Accepted {
        outcome,
        request_id,
        received_at,
    } = accepted;
    let mut state = shared.lock();
    let is_init = matches!(
        outcome,
        Outcome::InitError { .. } | Outcome::RestoreError { .. }
    );
    state.outcomes.push(outcome);
    if !is_init {
        let count = state.outcome_counts.entry(request_id.clone()).or_default();
        *count += 1;
        let first = *count == 1;
        state.close_after_ack.remove(&request_id);
        if first {
            // Same connection: the exact time the event started going out. Otherwise (the
            // runtime reconnected) the time it was taken from the queue.
            let sent = match last_served {
                Some((id, at)) if *id == request_id => Some(*at),
                _ => state.served_at.get(&request_id).copied(),
            };
            if let Some(sent) = sent {
                state.round_trips.push(RoundTrip {
                    request_id,
                    sent,
                    received: received_at,
                });
            }
        }
    }
    let count = state.outcomes.len();
    if state.outcome_targets.iter().any(|&t| count >= t) {
        shared.records.notify_all();
    }
}

/// False when the peer has closed the connection (checked without blocking or consuming).
fn peer_alive(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let mut probe = [0u8; 1];
    let alive = match stream.peek(&mut probe) {
        Ok(0) => false,
        Ok(_) => true,
        Err(e) => e.kind() == io::ErrorKind::WouldBlock,
    };
    let _ = stream.set_nonblocking(false);
    alive
}

impl Shared {
    pub(super) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }
}

/// A read timeout, as `set_read_timeout` reports it (the kind differs between platforms).
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
