//! What the mock serves: invocations, scripted answers, acknowledgements and faults.

use std::sync::Arc;
use std::time::Duration;

use super::wire;

/// The ARN sent as `Lambda-Runtime-Invoked-Function-Arn` unless an invocation sets its own.
pub const DEFAULT_FUNCTION_ARN: &str =
    "arn:aws:lambda:us-east-1:123456789012:function:mock-function";

/// How an event body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// `Content-Length: N` followed by the body (what Lambda sends).
    #[default]
    ContentLength,
    /// `Transfer-Encoding: chunked`, the body cut into chunks of this many bytes (at least 1; the
    /// last chunk may be shorter). This is what Go's `net/http` does when no length is set.
    Chunked(usize),
}

/// A way to misbehave, for testing how the runtime copes.
///
/// Faults are attached to one invocation ([`Invocation::fault`]) or scripted for the next request
/// on an endpoint ([`Answer::fault`], [`super::MockRuntimeApi::script`]). Unless a variant says
/// otherwise, a fault applies to whatever answer it is attached to: the `/next` event or the
/// acknowledgement of a `POST`.
///
/// An invocation whose event is cut off by a fault (`CloseBeforeHeaders`, `CloseMidHeaders`,
/// `CloseMidBody`) still counts as served: it is not queued again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Read the request, then close the connection without answering anything.
    CloseBeforeHeaders,
    /// Send the first half of the status line and headers, then close.
    CloseMidHeaders,
    /// Send the head and half of the body, then close. An empty body (a plain acknowledgement)
    /// is replaced by `{"status":"OK"}` first, so there is a body to cut.
    CloseMidBody,
    /// Read the request, then send nothing: the connection stays open, and whatever arrives on
    /// it is read and dropped until the client closes it. A client without a read timeout hangs.
    StallBeforeHeaders,
    /// Send the head and half of the body (`{"status":"OK"}` for an empty body, as
    /// [`Fault::CloseMidBody`] does), then nothing more, as [`Fault::StallBeforeHeaders`].
    StallMidBody,
    /// Send the whole answer, then close: on `/next`, the event arrives and the connection is
    /// gone before the runtime can post the response.
    CloseAfterEvent,
    /// On an invocation: answer the event normally, then close the connection right after
    /// acknowledging that invocation's response or error (the runtime finds the connection
    /// closed between invocations, with its pipelined `GET next` unanswered). Scripted on an
    /// endpoint, the same as [`Fault::CloseAfterEvent`]: send the whole answer, then close.
    CloseAfterAck,
    /// Add `Connection: close` to the answer and close after sending it.
    ConnectionClose,
    /// Answer with an `HTTP/1.0` status line (always `Content-Length` framed) and close after
    /// it, as an HTTP/1.0 server without keep-alive does.
    Http10,
    /// Write the answer one byte per `write` call, sleeping this long between bytes (may be
    /// zero: separate writes only).
    Trickle(Duration),
    /// Two `Content-Length` headers that disagree (the real length and one more).
    ConflictingContentLength,
    /// `Content-Length: twelve`.
    GarbageContentLength,
    /// Replace the body with 7 MiB of JSON, over Lambda's 6 MiB limit, all of it sent.
    OversizedBody,
    /// Declare `Content-Length: 104857600` (100 MiB) but send only the first 4 KiB, then keep
    /// the connection open and go on reading requests from it: a runtime that waits for the rest
    /// hangs, one that checks the declared length does not.
    HugeDeclaredLength,
    /// Add one `X-Mock-Padding` header with a 64 KiB value: a head larger than any real one.
    HugeHeaderBlock,
    /// Add 200 `X-Mock-Header-N` headers.
    ManyHeaders,
    /// `/next` only: leave out `Lambda-Runtime-Aws-Request-Id`.
    MissingRequestId,
    /// `/next` only: send [`GARBAGE_REQUEST_ID`] as the request id. It is a legal header value,
    /// so it reaches the runtime, but it holds every byte that must be percent-encoded in a path.
    GarbageRequestId,
    /// `/next` only: `Lambda-Runtime-Deadline-Ms: soon`.
    GarbageDeadline,
}

/// The request id sent by [`Fault::GarbageRequestId`]: space, `/`, `..`, `?`, `#`, `%`, quotes,
/// a backslash and non-ASCII UTF-8.
pub const GARBAGE_REQUEST_ID: &str = "../ bad id/?q=1#frag%zz\"\\ é";

/// The Runtime API endpoints the mock answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /2018-06-01/runtime/invocation/next`.
    Next,
    /// `POST /2018-06-01/runtime/invocation/{id}/response`.
    Response,
    /// `POST /2018-06-01/runtime/invocation/{id}/error`.
    Error,
    /// `POST /2018-06-01/runtime/init/error`.
    InitError,
    /// `GET /2018-06-01/runtime/restore/next` (SnapStart): the snapshot is taken while it is
    /// pending; see [`super::Builder::snapshot_pause`]. A scripted status other than 2xx is
    /// answered at once, without a snapshot.
    RestoreNext,
    /// `POST /2018-06-01/runtime/restore/error` (SnapStart: an after-restore hook failed).
    RestoreError,
}

impl Route {
    /// How many routes there are (the size of the per-route tables).
    pub(super) const COUNT: usize = 6;

    pub(super) fn index(self) -> usize {
        match self {
            Route::Next => 0,
            Route::Response => 1,
            Route::Error => 2,
            Route::InitError => 3,
            Route::RestoreNext => 4,
            Route::RestoreError => 5,
        }
    }
}

/// What a SnapStart restore does to the connections that were open when the snapshot was taken
/// (the runtime's, the extensions'), once the pending `GET /runtime/restore/next` is answered.
///
/// A restored execution environment cannot count on any of them: the Runtime API it was
/// connected to may not be the one that restored it. A runtime has to open new ones, and to
/// lose and duplicate no invocation while doing so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AfterRestore {
    /// Every one of them is closed: the `restore/next` connection right after its answer, the
    /// others at once (their pending polls get no answer). The default.
    #[default]
    CloseConnections,
    /// Every one of them stays open but answers nothing more, as a connection whose peer is
    /// gone can look: requests on it are read and dropped, a poll pending on it never returns,
    /// and no event is ever handed to it. A runtime that reuses one waits for ever.
    StaleConnections,
    /// Nothing happens to them (a local emulator without snapshots).
    KeepConnections,
}

/// One event to serve on `GET .../invocation/next`, built up with chained setters.
///
/// Every header Lambda sends is set to a realistic default: a fresh UUID-like request id, a
/// deadline [`super::Builder::function_timeout`] after the moment the event is served, the
/// [`DEFAULT_FUNCTION_ARN`] and an X-Ray trace id. Optional headers (client context, identity,
/// tenant id, invocation id) are sent only when set, like Lambda does; setting one to `""` leaves
/// it out as well.
///
/// ```
/// use lambda_zero::testing::{Fault, Invocation};
///
/// let inv = Invocation::new(r#"{"hello":"world"}"#)
///     .request_id("req-1")
///     .tenant_id("blue")
///     .chunked(5)
///     .fault(Fault::Trickle(std::time::Duration::ZERO));
/// assert_eq!(inv.id(), "req-1");
/// ```
#[derive(Debug, Clone)]
pub struct Invocation {
    pub(super) body: Arc<[u8]>,
    pub(super) request_id: String,
    pub(super) deadline_ms: Option<u64>,
    pub(super) function_arn: String,
    pub(super) trace_id: String,
    pub(super) client_context: String,
    pub(super) identity: String,
    pub(super) tenant_id: String,
    pub(super) invocation_id: String,
    pub(super) content_type: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) lowercase: bool,
    pub(super) framing: Framing,
    pub(super) faults: Vec<Fault>,
}

impl Invocation {
    /// An invocation with this event body (any bytes; JSON in real life).
    pub fn new(body: impl Into<Vec<u8>>) -> Invocation {
        Invocation::shared(Arc::from(body.into()))
    }

    /// An invocation whose body is shared, not copied: queue the same large event many times
    /// for the memory of one.
    pub fn shared(body: Arc<[u8]>) -> Invocation {
        Invocation {
            body,
            request_id: wire::new_request_id(),
            deadline_ms: None,
            function_arn: DEFAULT_FUNCTION_ARN.to_string(),
            trace_id: wire::new_trace_id(),
            client_context: String::new(),
            identity: String::new(),
            tenant_id: String::new(),
            invocation_id: String::new(),
            content_type: "application/json".to_string(),
            headers: Vec::new(),
            lowercase: false,
            framing: Framing::ContentLength,
            faults: Vec::new(),
        }
    }

    /// The request id this invocation is served with.
    pub fn id(&self) -> &str {
        &self.request_id
    }

    /// The event body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// `Lambda-Runtime-Aws-Request-Id` (default: a fresh unique UUID-like id). Any string is
    /// sent as it is, so this is also how to send odd ids.
    pub fn request_id(mut self, id: impl Into<String>) -> Invocation {
        self.request_id = id.into();
        self
    }

    /// `Lambda-Runtime-Deadline-Ms` as absolute epoch milliseconds (default: the server's
    /// function timeout after the event is served).
    pub fn deadline_ms(mut self, epoch_ms: u64) -> Invocation {
        self.deadline_ms = Some(epoch_ms);
        self
    }

    /// `Lambda-Runtime-Invoked-Function-Arn` (default [`DEFAULT_FUNCTION_ARN`]).
    pub fn function_arn(mut self, arn: impl Into<String>) -> Invocation {
        self.function_arn = arn.into();
        self
    }

    /// `Lambda-Runtime-Trace-Id` (default: a fresh `Root=1-…;Parent=…;Sampled=0`).
    pub fn trace_id(mut self, trace_id: impl Into<String>) -> Invocation {
        self.trace_id = trace_id.into();
        self
    }

    /// `Lambda-Runtime-Client-Context` (JSON from mobile SDK callers).
    pub fn client_context(mut self, json: impl Into<String>) -> Invocation {
        self.client_context = json.into();
        self
    }

    /// `Lambda-Runtime-Cognito-Identity` (JSON from mobile SDK callers).
    pub fn identity(mut self, json: impl Into<String>) -> Invocation {
        self.identity = json.into();
        self
    }

    /// `Lambda-Runtime-Aws-Tenant-Id` (functions in tenant isolation mode).
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Invocation {
        self.tenant_id = tenant_id.into();
        self
    }

    /// `Lambda-Runtime-Invocation-Id`, which the runtime should echo on its response.
    pub fn invocation_id(mut self, invocation_id: impl Into<String>) -> Invocation {
        self.invocation_id = invocation_id.into();
        self
    }

    /// `Content-Type` of the event (default `application/json`; `""` leaves it out).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Invocation {
        self.content_type = content_type.into();
        self
    }

    /// Adds a header, sent after the Lambda headers exactly as given (no checks: a value with
    /// CR or LF in it breaks the head, which can be what a test wants).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Invocation {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends every header name the mock writes in lower case (`lambda-runtime-aws-request-id`,
    /// `content-length`, ...), as HTTP/2-minded proxies do. Extra headers stay as given.
    pub fn lowercase_headers(mut self, on: bool) -> Invocation {
        self.lowercase = on;
        self
    }

    /// How the body is framed (default [`Framing::ContentLength`]).
    pub fn framing(mut self, framing: Framing) -> Invocation {
        self.framing = framing;
        self
    }

    /// Shorthand for `framing(Framing::Chunked(chunk_size))`.
    pub fn chunked(self, chunk_size: usize) -> Invocation {
        self.framing(Framing::Chunked(chunk_size))
    }

    /// Adds a fault to how this invocation is served (several can be combined, e.g. trickling
    /// a chunked event). See [`Fault`] for what each does.
    pub fn fault(mut self, fault: Fault) -> Invocation {
        self.faults.push(fault);
        self
    }
}

/// A one-shot answer scripted for the next request on an endpoint.
///
/// - A status other than 200 on [`Route::Next`] is answered at once, without consuming an event.
/// - A status on a `POST` route replaces the acknowledgement. A 2xx status accepts the post
///   (an [`super::Outcome`] is recorded); any other status rejects it.
/// - Faults shape the answer (see [`Fault`]). With faults only, the answer is the normal one:
///   the next event on `/next`, the configured acknowledgement on a `POST`.
///
/// `u16` and [`Fault`] convert into an `Answer`, so `server.script(Route::Next, 408)` works.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    pub(super) status: Option<u16>,
    pub(super) body: Option<Vec<u8>>,
    pub(super) faults: Vec<Fault>,
}

impl Answer {
    /// Answer with this status. Non-2xx answers get a Lambda-style JSON error body
    /// (`{"errorMessage":…,"errorType":…}`) unless [`Answer::body`] sets one.
    pub fn status(code: u16) -> Answer {
        Answer {
            status: Some(code),
            ..Answer::default()
        }
    }

    /// The normal answer, shaped by this fault.
    pub fn fault(fault: Fault) -> Answer {
        Answer {
            faults: vec![fault],
            ..Answer::default()
        }
    }

    /// Adds another fault.
    pub fn and_fault(mut self, fault: Fault) -> Answer {
        self.faults.push(fault);
        self
    }

    /// The body to send with a scripted status (sent with `Content-Length`).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Answer {
        self.body = Some(body.into());
        self
    }
}

impl From<u16> for Answer {
    fn from(code: u16) -> Answer {
        Answer::status(code)
    }
}

impl From<Fault> for Answer {
    fn from(fault: Fault) -> Answer {
        Answer::fault(fault)
    }
}

/// The body of an acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AckBody {
    /// No body: `Content-Length: 0` (the default).
    #[default]
    Empty,
    /// `{"status":"OK"}` with `Content-Length` and `Content-Type: application/json`.
    Json,
    /// `{"status":"OK"}` with `Transfer-Encoding: chunked`.
    Chunked,
}

/// How a `POST` that the mock accepts is acknowledged. The default is `202 Accepted` with
/// `Content-Length: 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// The status: 202 (what Lambda sends) or 200, or any other 2xx.
    pub status: u16,
    /// The body.
    pub body: AckBody,
}

impl Ack {
    /// `202 Accepted`, empty body.
    pub fn accepted() -> Ack {
        Ack {
            status: 202,
            body: AckBody::Empty,
        }
    }

    /// `200 OK`, empty body.
    pub fn ok() -> Ack {
        Ack {
            status: 200,
            body: AckBody::Empty,
        }
    }

    /// The same status with a JSON body.
    pub fn json(self) -> Ack {
        Ack {
            body: AckBody::Json,
            ..self
        }
    }

    /// The same status with a chunked JSON body.
    pub fn chunked(self) -> Ack {
        Ack {
            body: AckBody::Chunked,
            ..self
        }
    }
}

impl Default for Ack {
    fn default() -> Ack {
        Ack::accepted()
    }
}
