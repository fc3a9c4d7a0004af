//! The adapter's handlers: each HTTP event becomes a request to the app over one keep-alive
//! connection, the app's answer becomes the response in the source's shape ([`Buffered`]) or
//! is streamed to Lambda as it arrives ([`Streaming`]); every other event is posted to the
//! pass-through path and the app's body is the invocation's response. Every buffer is made
//! once, when the handler is built: a warm invocation allocates nothing.

use std::sync::Arc;
use std::time::Instant;

use super::app::{AppClient, AppError, DEADLINE_MARGIN};
use super::config::AdapterConfig;
use super::readiness::Readiness;
use super::request::HeadWriter;
use super::response::{parse_head, ChunkedDecoder, Framing, Head, MAX_APP_HEADERS};
use crate::http::StreamResponse;
use crate::http::{Http, HttpHandler, HttpStream, HttpStreamingHandler, Request, Response};
use crate::json::{JsonWriter, WriteError};
use crate::{Context, Error, Handler, ResponseStream, StreamingHandler, MAX_EVENT_BODY};

/// Size of the buffer for the request head sent to the app.
pub const REQUEST_HEAD_CAPACITY: usize = 64 * 1024;

/// Size of the buffer the app's answer is read into in buffered mode: its head and the whole
/// body (Lambda's response limit is 6 MiB; a body larger than that could not be returned).
pub const BUFFERED_ANSWER_CAPACITY: usize = 64 * 1024 + 6 * 1024 * 1024;

/// Size of the buffer the app's answer is read into in streaming mode: the head, then the
/// body a read at a time.
pub const STREAMING_ANSWER_CAPACITY: usize = 128 * 1024;

/// Request headers not passed on to the app: they describe the connection to the front door,
/// not the request (the adapter writes its own `Content-Length`).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "content-length",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// What every invocation needs: the settings, the connection and the buffers.
pub struct Forwarder {
    config: Arc<AdapterConfig>,
    readiness: Arc<Readiness>,
    client: AppClient,
    /// `Host` for requests whose event has none (`host:port` of the app).
    host: String,
    head_buf: Box<[u8]>,
    answer: Box<[u8]>,
    /// The gzip writer, when the configuration asks for compression of buffered answers.
    #[cfg(feature = "compression")]
    gzip: Option<super::compress::Gzip>,
}

impl core::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Forwarder")
            .field("app", &self.client.addr())
            .field("answer_capacity", &self.answer.len())
            .finish_non_exhaustive()
    }
}

/// A failed exchange, as the invocation reports it.
fn app_error(client: &AppClient, e: AppError) -> Error {
    let name = match e {
        AppError::Connect(_) => "AppUnreachable",
        AppError::Write(_) | AppError::Read(_) | AppError::Closed(_) => "AppConnectionFailed",
        AppError::Timeout => "AppTimeout",
        AppError::Invalid(_) => "InvalidAppResponse",
        AppError::TooLarge(_) => "AppResponseTooLarge",
    };
    Error::function(name, format_args!("{e} (app at {})", client.addr()))
}

impl Forwarder {
    /// A forwarder to the app of `config`, its buffers sized for `answer_capacity`.
    pub fn new(
        config: Arc<AdapterConfig>,
        readiness: Arc<Readiness>,
        answer_capacity: usize,
    ) -> std::io::Result<Forwarder> {
        let client = AppClient::new(&config.host, config.port)?;
        let host = format!("{}:{}", config.host, config.port);
        let mut forwarder = Forwarder {
            config,
            readiness,
            client,
            host,
            head_buf: vec![0u8; REQUEST_HEAD_CAPACITY].into_boxed_slice(),
            answer: vec![0u8; answer_capacity.max(1024)].into_boxed_slice(),
            #[cfg(feature = "compression")]
            gzip: None,
        };
        #[cfg(feature = "compression")]
        if forwarder.config.enable_compression
            && forwarder.config.invoke_mode == super::config::InvokeMode::Buffered
        {
            forwarder.gzip = Some(super::compress::Gzip::new(answer_capacity));
        }
        forwarder.adopt_readiness_connection();
        Ok(forwarder)
    }

    /// Takes the connection the readiness check left open, if it is to the app's address.
    fn adopt_readiness_connection(&mut self) {
        if self.client.addr() == self.readiness.addr() {
            if let Some(conn) = self.readiness.take_connection() {
                self.client
                    .adopt(conn, Some(super::readiness::CHECK_TIMEOUT));
            }
        }
    }

    /// The connection to the app (for its counters).
    pub fn client(&self) -> &AppClient {
        &self.client
    }

    /// The deadline for the app's answer: the invocation's, less a margin for reporting.
    fn deadline(ctx: &Context<'_>) -> Option<Instant> {
        ctx.remaining()
            .map(|left| Instant::now() + left.saturating_sub(DEADLINE_MARGIN))
    }

    /// Under async init: the app is waited for at the first invocation, within its deadline.
    fn ensure_ready(&mut self, deadline: Option<Instant>) -> Result<(), Error> {
        if self.readiness.is_ready() {
            return Ok(());
        }
        self.readiness.wait_at_invocation(deadline)?;
        self.adopt_readiness_connection();
        Ok(())
    }

    /// Writes the head of the request for `req`; returns its length.
    fn write_request(&mut self, req: &Request<'_>, ctx: &Context<'_>) -> Result<usize, Error> {
        let config = &*self.config;
        let mut w = HeadWriter::new(&mut self.head_buf);
        let mut path = match req.raw_path() {
            "" => req.path(),
            p => p,
        };
        if let Some(base) = config.remove_base_path.as_deref() {
            path = path.trim_start_matches(base);
        }
        w.request_line(req.method(), path);
        match req.raw_query() {
            Some(q) => w.raw_query(q),
            None => {
                for (name, value) in req.query().iter() {
                    w.query_param(name, value);
                }
            }
        }
        w.end_line();
        let auth_source = config
            .authorization_source
            .as_deref()
            .filter(|s| req.headers().contains(s));
        let mut has_host = false;
        for (name, value) in req.headers().iter() {
            if HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
                || (ctx.trace_id.is_some() && name.eq_ignore_ascii_case("x-amzn-trace-id"))
                || (auth_source.is_some() && name.eq_ignore_ascii_case("authorization"))
            {
                continue;
            }
            if auth_source.is_some_and(|s| name.eq_ignore_ascii_case(s)) {
                w.header("authorization", value);
                continue;
            }
            has_host |= name.eq_ignore_ascii_case("host");
            w.header(name, value);
        }
        if !has_host {
            w.header("host", &self.host);
        }
        let body = req.body();
        if !body.is_empty() || !matches!(req.method(), "GET" | "HEAD" | "DELETE" | "OPTIONS") {
            w.header_number("content-length", body.len() as u64);
        }
        w.header_json("x-amzn-request-context", |j| j.value(req.request_context()));
        write_common(&mut w, ctx);
        w.finish().map_err(|e| {
            Error::function(
                "InvalidRequest",
                format_args!("the request cannot be sent to the app: {e}"),
            )
        })
    }

    /// Writes the pass-through request for a non-HTTP event of `len` bytes.
    fn write_pass_through(&mut self, len: usize, ctx: &Context<'_>) -> Result<usize, Error> {
        let mut w = HeadWriter::new(&mut self.head_buf);
        w.request_line("POST", &self.config.pass_through_path);
        w.end_line();
        w.header("host", &self.host);
        w.header("content-type", "application/json");
        w.header_number("content-length", len as u64);
        w.header("x-amzn-request-context", "null");
        write_common(&mut w, ctx);
        w.finish().map_err(|e| {
            Error::function(
                "InvalidRequest",
                format_args!("the event cannot be sent to the app: {e}"),
            )
        })
    }

    /// Sends a request and reads the answer's head. Returns the head and the bytes read.
    fn exchange(
        &mut self,
        head_len: usize,
        body: &[u8],
        head_request: bool,
        deadline: Option<Instant>,
    ) -> Result<(Head, usize), AppError> {
        self.client.exchange(
            &self.head_buf[..head_len],
            body,
            &mut self.answer,
            head_request,
            deadline,
        )
    }

    /// Reads the app's whole answer to `req` into the answer buffer: its head and where the
    /// body is.
    fn fetch(
        &mut self,
        req: &Request<'_>,
        ctx: &Context<'_>,
    ) -> Result<Result<(Head, core::ops::Range<usize>), AppError>, Error> {
        let deadline = Forwarder::deadline(ctx);
        self.ensure_ready(deadline)?;
        let head_len = self.write_request(req, ctx)?;
        let head_request = req.method().eq_ignore_ascii_case("HEAD");
        Ok(self
            .exchange(head_len, req.body(), head_request, deadline)
            .and_then(|(head, filled)| {
                let body = self
                    .client
                    .read_body(&mut self.answer, &head, filled, deadline)?;
                Ok((head, body))
            }))
    }

    /// Answers for an app that gave no usable answer: the configured status, or the error.
    fn app_failed(&self, e: AppError, res: &mut Response<'_>) -> Result<(), Error> {
        match self.config.app_error_status {
            Some(status) => {
                res.status(status)
                    .content_type("text/plain; charset=utf-8")
                    .text_display(&format_args!("{e}"))?;
                Ok(())
            }
            None => Err(app_error(&self.client, e)),
        }
    }

    fn error_status(&self, status: u16) -> Result<(), Error> {
        if self.config.error_status_codes.contains(status) {
            return Err(Error::function(
                "AppErrorStatus",
                format_args!("Request failed with configured error status code: {status}"),
            ));
        }
        Ok(())
    }

    /// Posts a non-HTTP event to the pass-through path; returns where the app's body is in the
    /// answer buffer.
    fn pass_through(
        &mut self,
        event: &[u8],
        ctx: &Context<'_>,
    ) -> Result<core::ops::Range<usize>, Error> {
        let deadline = Forwarder::deadline(ctx);
        self.ensure_ready(deadline)?;
        let head_len = self.write_pass_through(event.len(), ctx)?;
        let fetched = self
            .exchange(head_len, event, false, deadline)
            .and_then(|(head, filled)| {
                self.client
                    .read_body(&mut self.answer, &head, filled, deadline)
                    .map(|body| (head, body))
            });
        let (head, body) = fetched.map_err(|e| app_error(&self.client, e))?;
        self.error_status(head.status)?;
        Ok(body)
    }
}

/// The headers every request to the app gets: the invocation's context, its trace id and its
/// tenant id.
fn write_common(w: &mut HeadWriter<'_>, ctx: &Context<'_>) {
    w.header_json("x-amzn-lambda-context", |j| lambda_context(j, ctx));
    if let Some(trace) = ctx.trace_id {
        w.header("x-amzn-trace-id", trace);
    }
    if let Some(tenant) = ctx.tenant_id {
        w.header("x-amz-tenant-id", tenant);
    }
}

/// The invocation's context as `lambda_runtime::Context` serializes it.
fn lambda_context(j: &mut JsonWriter<'_>, ctx: &Context<'_>) -> Result<(), WriteError> {
    fn raw_object(v: Option<&str>) -> Option<&str> {
        v.map(str::trim)
            .filter(|s| s.starts_with('{') && s.ends_with('}'))
    }
    j.object(|j| {
        j.field("request_id", ctx.request_id)?;
        j.field("deadline", ctx.deadline_ms.unwrap_or(0))?;
        j.field("invoked_function_arn", ctx.invoked_function_arn)?;
        j.field("xray_trace_id", ctx.trace_id)?;
        j.key("client_context")?;
        match raw_object(ctx.client_context) {
            Some(json) => j.raw(json)?,
            None => j.null()?,
        }
        j.key("identity")?;
        match raw_object(ctx.identity) {
            Some(json) => j.raw(json)?,
            None => j.null()?,
        }
        let config = ctx.config;
        j.field_object("env_config", |j| {
            j.field("function_name", config.function_name.as_str())?;
            j.field("memory", config.memory_size_mb)?;
            j.field("version", config.function_version.as_str())?;
            j.field("log_stream", config.log_stream_name.as_str())?;
            j.field("log_group", config.log_group_name.as_str())
        })
    })
}

/// Copies the app's status and headers onto a response: names lowercased, `Set-Cookie` as
/// cookies, `Transfer-Encoding` left out (the body is sent decoded), as the Lambda Web Adapter
/// does.
fn copy_head<'h>(
    headers: &[httparse::Header<'h>],
    mut set: impl FnMut(&str, &str, bool),
) -> Result<(), Error> {
    for h in headers {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            continue;
        }
        let Ok(value) = core::str::from_utf8(h.value) else {
            return Err(Error::function(
                "InvalidAppResponse",
                format_args!("the app's header `{}` is not UTF-8", h.name),
            ));
        };
        let cookie = h.name.eq_ignore_ascii_case("set-cookie");
        let mut lower = [0u8; MAX_LOWERED_NAME];
        match lower.get_mut(..h.name.len()) {
            Some(dst) => {
                dst.copy_from_slice(h.name.as_bytes());
                dst.make_ascii_lowercase();
                // Lowercasing ASCII letters keeps the bytes UTF-8 (the name was a `str`).
                let name = core::str::from_utf8(dst).unwrap_or(h.name);
                set(name, value, cookie);
            }
            None => set(h.name, value, cookie),
        }
    }
    Ok(())
}

/// Header names up to this length are passed on lowercased (as the Lambda Web Adapter, whose
/// `http::HeaderName`s are lowercase, does); longer ones as the app wrote them.
const MAX_LOWERED_NAME: usize = 256;

impl HttpHandler for Forwarder {
    fn handle(
        &mut self,
        req: &Request<'_>,
        res: &mut Response<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error> {
        let (head, body) = match self.fetch(req, ctx)? {
            Ok(answer) => answer,
            Err(e) => return self.app_failed(e, res),
        };
        self.error_status(head.status)?;
        let mut headers = [httparse::EMPTY_HEADER; MAX_APP_HEADERS];
        let head_request = req.method().eq_ignore_ascii_case("HEAD");
        let answer = &self.answer[..];
        // The head parsed before: parsing it again cannot fail.
        parse_head(&answer[..head.len], &mut headers, head_request)
            .ok()
            .flatten()
            .ok_or_else(|| Error::function("InvalidAppResponse", "the app's head changed"))?;
        let headers = &headers[..head.header_count];
        let body = &answer[body];
        #[cfg(feature = "compression")]
        let gzipped = match self.gzip.as_mut() {
            Some(gzip) if should_compress(req, headers, body.len()) => gzip.compress(body),
            _ => None,
        };
        #[cfg(not(feature = "compression"))]
        let gzipped: Option<&[u8]> = None;
        res.status(head.status);
        copy_head(headers, |name, value, cookie| {
            if cookie {
                res.cookie(value);
            } else if !(gzipped.is_some() && name == "content-length") {
                res.header(name, value);
            }
        })?;
        match gzipped {
            Some(gzipped) => {
                res.header("content-encoding", "gzip");
                let varies = headers.iter().any(|h| {
                    h.name.eq_ignore_ascii_case("vary")
                        && h.value
                            .windows(b"accept-encoding".len())
                            .any(|w| w.eq_ignore_ascii_case(b"accept-encoding"))
                });
                if !varies {
                    res.header("vary", "accept-encoding");
                }
                res.binary(true).body(gzipped)?;
            }
            None => res.body(body)?,
        }
        Ok(())
    }
}

/// Whether the app's answer to `req` is gzipped: the client takes gzip, the app did not encode
/// the body itself, and its type and length are worth it (see [`super::compress`]).
#[cfg(feature = "compression")]
fn should_compress(req: &Request<'_>, headers: &[httparse::Header<'_>], len: usize) -> bool {
    use super::compress::{accepts_gzip, compressible};
    if !req.header("accept-encoding").is_some_and(accepts_gzip) {
        return false;
    }
    let mut content_type = None;
    for h in headers {
        if h.name.eq_ignore_ascii_case("content-encoding") {
            return false;
        }
        if h.name.eq_ignore_ascii_case("content-type") {
            content_type = core::str::from_utf8(h.value).ok();
        }
    }
    compressible(content_type, len)
}

impl HttpStreamingHandler for Forwarder {
    fn handle(
        &mut self,
        req: &Request<'_>,
        res: &mut StreamResponse<'_, '_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error> {
        let deadline = Forwarder::deadline(ctx);
        self.ensure_ready(deadline)?;
        let head_len = self.write_request(req, ctx)?;
        let head_request = req.method().eq_ignore_ascii_case("HEAD");
        let (head, filled) = match self.exchange(head_len, req.body(), head_request, deadline) {
            Ok(h) => h,
            Err(e) => {
                return match self.config.app_error_status {
                    Some(status) => {
                        res.status(status).content_type("text/plain; charset=utf-8");
                        res.write_display(&format_args!("{e}"))
                    }
                    None => Err(app_error(&self.client, e)),
                }
            }
        };
        self.error_status(head.status)?;
        {
            let mut headers = [httparse::EMPTY_HEADER; MAX_APP_HEADERS];
            parse_head(&self.answer[..head.len], &mut headers, head_request)
                .ok()
                .flatten()
                .ok_or_else(|| Error::function("InvalidAppResponse", "the app's head changed"))?;
            res.status(head.status);
            copy_head(&headers[..head.header_count], |name, value, cookie| {
                if cookie {
                    res.cookie(value);
                } else {
                    res.header(name, value);
                }
            })?;
            res.start()?;
        }
        let streamed = stream_body(
            &mut self.client,
            &mut self.answer,
            &head,
            filled,
            deadline,
            |data| res.write(data),
        );
        streamed.map_err(|e| match e {
            Streamed::App(e) => {
                self.client.close();
                app_error(&self.client, e)
            }
            Streamed::Sink(e) => {
                self.client.close();
                e
            }
        })
    }
}

/// Why streaming a body stopped.
enum Streamed {
    App(AppError),
    Sink(Error),
}

/// Sends the body after `head` (`filled` bytes of `buf` read so far) to `write` as it
/// arrives: each read of a `Content-Length` or until-close body, each chunk's data of a
/// chunked one.
fn stream_body(
    client: &mut AppClient,
    buf: &mut [u8],
    head: &Head,
    filled: usize,
    deadline: Option<Instant>,
    mut write: impl FnMut(&[u8]) -> Result<(), Error>,
) -> Result<(), Streamed> {
    let mut data = head.len..filled;
    match head.framing {
        Framing::Empty => {
            if !data.is_empty() {
                client.close();
            }
        }
        Framing::Length(total) => {
            let mut left = total;
            loop {
                let take = (data.len() as u64).min(left) as usize;
                if take > 0 {
                    write(&buf[data.start..data.start + take]).map_err(Streamed::Sink)?;
                    left -= take as u64;
                }
                if left == 0 {
                    if data.len() > take {
                        client.close();
                    }
                    break;
                }
                let room = (buf.len() as u64).min(left) as usize;
                match client
                    .read(&mut buf[..room], deadline)
                    .map_err(Streamed::App)?
                {
                    0 => return Err(Streamed::App(AppError::Closed((total - left) as usize))),
                    n => data = 0..n,
                }
            }
        }
        Framing::UntilClose => loop {
            if !data.is_empty() {
                write(&buf[data.clone()]).map_err(Streamed::Sink)?;
            }
            match client.read(buf, deadline).map_err(Streamed::App)? {
                0 => break,
                n => data = 0..n,
            }
        },
        Framing::Chunked => {
            let mut decoder = ChunkedDecoder::new();
            let mut received = 0usize;
            loop {
                let mut pos = data.start;
                while pos < data.end && !decoder.is_done() {
                    let (used, piece) = decoder
                        .decode(&buf[pos..data.end])
                        .map_err(|e| Streamed::App(AppError::Invalid(e)))?;
                    if let Some(piece) = piece {
                        write(piece).map_err(Streamed::Sink)?;
                    }
                    pos += used;
                }
                received += data.len();
                if decoder.is_done() {
                    if pos < data.end {
                        client.close();
                    }
                    break;
                }
                match client.read(buf, deadline).map_err(Streamed::App)? {
                    0 => return Err(Streamed::App(AppError::Closed(received))),
                    n => data = 0..n,
                }
            }
        }
    }
    if !head.keep_alive {
        client.close();
    }
    Ok(())
}

/// Whether an event may be an HTTP event: every HTTP source's event has one of these members
/// (see `http::Source`). An event with none is passed through without being parsed.
fn may_be_http(event: &[u8]) -> bool {
    let has = |key: &[u8]| memchr::memmem::find(event, key).is_some();
    has(b"\"requestContext\"") || has(b"\"httpMethod\"") || has(b"\"method\"")
}

fn is_not_http(e: &Error) -> bool {
    e.error_type() == "Runtime.NotAnHttpEvent"
}

/// The buffered adapter: a [`Handler`] answering each invocation with one response.
pub struct Buffered {
    http: Http<Forwarder>,
    /// The event as it came, kept for the pass-through path (parsing rewrites the event).
    raw: Box<[u8]>,
    /// The response, copied out of the HTTP view's buffer (see [`Buffered::handle`]).
    out: Box<[u8]>,
}

impl core::fmt::Debug for Buffered {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Buffered").finish_non_exhaustive()
    }
}

impl Buffered {
    /// The buffered adapter over `forwarder` (built with [`BUFFERED_ANSWER_CAPACITY`]).
    pub fn new(forwarder: Forwarder) -> Buffered {
        Buffered {
            http: Http::new(forwarder),
            raw: vec![0u8; MAX_EVENT_BODY].into_boxed_slice(),
            out: vec![0u8; crate::json::Limits::default().max_response].into_boxed_slice(),
        }
    }

    /// The forwarder (its connection's counters).
    pub fn forwarder(&mut self) -> &mut Forwarder {
        self.http.handler()
    }
}

impl Handler for Buffered {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        let Buffered { http, raw, out } = self;
        let len = event.len();
        if len > raw.len() {
            return Err(Error::runtime(
                "EventTooLarge",
                "the event is larger than 6 MiB",
            ));
        }
        let payload: &[u8] = if may_be_http(event) {
            raw[..len].copy_from_slice(event);
            // The response is copied out so that the pass-through below may use the forwarder
            // again (returning the HTTP view's borrow on one path would hold it on both).
            match http.handle(event, ctx) {
                Ok(response) => {
                    let n = response.len();
                    out[..n].copy_from_slice(response);
                    return Ok(&out[..n]);
                }
                Err(e) if is_not_http(&e) => &raw[..len],
                Err(e) => return Err(e),
            }
        } else {
            event
        };
        let forwarder = http.handler();
        let body = forwarder.pass_through(payload, ctx)?;
        let n = body.len();
        out[..n].copy_from_slice(&forwarder.answer[body]);
        Ok(&out[..n])
    }
}

/// The streaming adapter (`AWS_LWA_INVOKE_MODE=response_stream`): a [`StreamingHandler`]
/// sending the app's body to Lambda as it arrives.
pub struct Streaming {
    http: HttpStream<Forwarder>,
    raw: Box<[u8]>,
}

impl core::fmt::Debug for Streaming {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Streaming").finish_non_exhaustive()
    }
}

impl Streaming {
    /// The streaming adapter over `forwarder` (built with [`STREAMING_ANSWER_CAPACITY`]).
    pub fn new(forwarder: Forwarder) -> Streaming {
        Streaming {
            http: HttpStream::new(forwarder),
            raw: vec![0u8; MAX_EVENT_BODY].into_boxed_slice(),
        }
    }

    /// The forwarder (its connection's counters).
    pub fn forwarder(&mut self) -> &mut Forwarder {
        self.http.handler()
    }
}

impl StreamingHandler for Streaming {
    fn handle(
        &mut self,
        event: &mut [u8],
        ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        let len = event.len();
        if len > self.raw.len() {
            return Err(Error::runtime(
                "EventTooLarge",
                "the event is larger than 6 MiB",
            ));
        }
        let http_like = may_be_http(event);
        if http_like {
            self.raw[..len].copy_from_slice(event);
            match self.http.handle(event, ctx, out) {
                Err(e) if is_not_http(&e) => {}
                other => return other,
            }
        }
        let payload: &[u8] = if http_like { &self.raw[..len] } else { event };
        let forwarder = self.http.handler();
        let deadline = Forwarder::deadline(ctx);
        forwarder.ensure_ready(deadline)?;
        let head_len = forwarder.write_pass_through(len, ctx)?;
        let (head, filled) = forwarder
            .exchange(head_len, payload, false, deadline)
            .map_err(|e| app_error(&forwarder.client, e))?;
        forwarder.error_status(head.status)?;
        out.set_content_type("application/json");
        let Forwarder { client, answer, .. } = forwarder;
        stream_body(client, answer, &head, filled, deadline, |data| {
            out.write(data)
        })
        .map_err(|e| match e {
            Streamed::App(e) => {
                client.close();
                app_error(client, e)
            }
            Streamed::Sink(e) => {
                client.close();
                e
            }
        })
    }
}
