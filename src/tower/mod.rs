//! axum and every other `tower` service on lambda-zero (feature `tower`): the app a
//! `lambda_http` user runs with `lambda_http::run(app)` runs here with
//! `lambda_zero::tower::run(app)`, unchanged.
//!
//! ```no_run
//! # #[derive(Clone)]
//! # struct Router;
//! # impl tower_service::Service<lambda_zero::tower::Request> for Router {
//! #     type Response = http::Response<lambda_zero::tower::Body>;
//! #     type Error = core::convert::Infallible;
//! #     type Future = core::future::Ready<Result<Self::Response, Self::Error>>;
//! #     fn poll_ready(&mut self, _: &mut core::task::Context<'_>) -> core::task::Poll<Result<(), Self::Error>> { core::task::Poll::Ready(Ok(())) }
//! #     fn call(&mut self, _: lambda_zero::tower::Request) -> Self::Future { core::future::ready(Ok(http::Response::new(lambda_zero::tower::Body::empty()))) }
//! # }
//! # let app = Router;
//! // let app = axum::Router::new().route("/hello", get(hello));
//! lambda_zero::tower::run(app)
//! ```
//!
//! Each event goes through [`lambda_zero::http`](crate::http) (the request view of every HTTP
//! source, the response written in the source's shape), then [`TowerHandler`] turns the view
//! into an [`http::Request<Body>`](Request), calls the service, collects the response body and
//! writes it through the [`http::Response`](crate::http::Response) builder:
//!
//! - **method**, **URI**: `https://{host}{path}?{query}` (`x-forwarded-proto` for the scheme
//!   when the source sends it; no host, no scheme and authority), the path as
//!   [`Request::path`](crate::http::Request::path) gives it (stage in front for API Gateway, as
//!   in `lambda_http`), the raw query string where the source sends one, else the parameters
//!   form-encoded again; characters a URI cannot carry are percent-encoded;
//! - **headers**, every value of every name (the cookies of an HTTP API joined into one
//!   `cookie` header, as `lambda_http` does); values that `http` refuses (control bytes) are
//!   left out;
//! - **body**: decoded from base64 when `isBase64Encoded`;
//! - **extensions**, read with [`RequestExt`] as with `lambda_http::RequestExt`:
//!   [`QueryStringParameters`], [`PathParameters`], [`StageVariables`], [`RawHttpPath`], the
//!   [`RequestContext`] (the fields lambda-zero's view names) and the [`LambdaContext`];
//! - the body as the user's type with [`RequestPayloadExt::payload`] (JSON or form by
//!   `Content-Type`), as with `lambda_http::RequestPayloadExt`.
//!
//! With [`run_with_streaming_response`] (or [`streaming_handler`]) the response is streamed
//! instead, as with `lambda_http::run_with_streaming_response`: status and headers first, then
//! each body frame as the service yields it.
//!
//! The response: status, every header (`Set-Cookie` values as cookies: the `cookies` array of
//! HTTP APIs and function URLs, headers elsewhere), the body as text or base64 by content type
//! as `lambda_http` decides. A service error (its `Display`), a body error and a panic fail
//! that invocation only (`Function.ServiceError`, `Function.BodyError`, `Function.Panic`);
//! the function goes on with the next event.
//!
//! # Drivers
//!
//! [`TowerHandler::new`] runs the service on a current-thread tokio runtime of its own, built
//! once (axum handlers use tokio: timers, `tokio::spawn`, clients); [`TowerHandler::built_in`]
//! polls it on the worker's thread with [`block_on`](crate::asynchronous::block_on), for
//! services that need no reactor. Both give up on a response still pending
//! [`DEADLINE_MARGIN`](crate::asynchronous::DEADLINE_MARGIN) before the deadline
//! (`Function.Timeout`).
//!
//! # Allocation
//!
//! `http` allocates: the URI, the header map, the extensions, the body's `Bytes`, and the
//! service's own futures and response. This bridge is the one place in lambda-zero that
//! allocates on a warm invocation; the runtime under it does not, and the collected response
//! body goes into a buffer reused across invocations.

use core::fmt;
use core::future::poll_fn;
use core::pin::{pin, Pin};
use core::task::Poll;
use std::convert::Infallible;
use std::fmt::Write as _;

use bytes::{Buf, Bytes};
use http_body::{Frame, SizeHint};
use tower_service::Service;

use crate::http::{
    Http, HttpHandler, HttpStream, HttpStreamingHandler, Response as HttpResponse, Source,
    StreamResponse,
};
use crate::{Context, Error, Runtime};

mod payload;
pub use payload::{PayloadError, RequestPayloadExt};

/// The request a service gets: `lambda_http::Request` under the same name.
pub type Request = http::Request<Body>;

/// The request body: the event's body (decoded from base64), in one frame. Derefs to the
/// bytes, as `lambda_http::Body` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body(Option<Bytes>);

impl Body {
    /// No body.
    pub fn empty() -> Body {
        Body(None)
    }

    /// The body's bytes (empty once a reader took its frame).
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_deref().unwrap_or_default()
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Body {
        Body((!bytes.is_empty()).then_some(bytes))
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Body {
        Body::from(Bytes::from_static(text.as_bytes()))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Body {
        Body::from(Bytes::from(text))
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body::from(Bytes::from(bytes))
    }
}

impl core::ops::Deref for Body {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut core::task::Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.get_mut().0.take().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.as_bytes().len() as u64)
    }
}

/// Names with every value, in the event's order: `lambda_http`'s `QueryMap` (`first`, `all`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryMap(Vec<(String, String)>);

impl QueryMap {
    /// The first value of `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`; `None` when it has none.
    pub fn all(&self, name: &str) -> Option<Vec<&str>> {
        let all: Vec<&str> = self
            .0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!all.is_empty()).then_some(all)
    }

    /// Every `(name, value)` pair.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> QueryMap {
        QueryMap(pairs.map(|(n, v)| (n.to_owned(), v.to_owned())).collect())
    }
}

/// Extension: the decoded query parameters.
#[derive(Debug, Clone, Default)]
pub struct QueryStringParameters(pub QueryMap);
/// Extension: API Gateway's path parameters (empty elsewhere).
#[derive(Debug, Clone, Default)]
pub struct PathParameters(pub QueryMap);
/// Extension: API Gateway's stage variables (empty elsewhere).
#[derive(Debug, Clone, Default)]
pub struct StageVariables(pub QueryMap);
/// Extension: the event's own path field (see [`crate::http::Request::raw_path`]).
#[derive(Debug, Clone, Default)]
pub struct RawHttpPath(pub String);

/// Extension: what the request context says, for every source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The service the event came from.
    pub source: Source,
    /// The API Gateway stage.
    pub stage: Option<String>,
    /// API Gateway's request id.
    pub request_id: Option<String>,
    /// The API's domain name, else the `Host` header.
    pub domain_name: Option<String>,
    /// The client's address.
    pub source_ip: Option<String>,
    /// The route key (HTTP APIs, WebSocket).
    pub route_key: Option<String>,
    /// The WebSocket connection id.
    pub connection_id: Option<String>,
    /// The WebSocket event type.
    pub event_type: Option<String>,
}

/// Extension: the invocation's context (`lambda_http`'s `lambda_context()`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LambdaContext {
    /// The Lambda request id.
    pub request_id: String,
    /// The deadline, epoch milliseconds.
    pub deadline_ms: Option<u64>,
    /// The invoked function's ARN.
    pub invoked_function_arn: String,
    /// The X-Ray trace header.
    pub xray_trace_id: Option<String>,
    /// The tenant id (tenant isolation mode).
    pub tenant_id: Option<String>,
}

/// The extensions [`TowerHandler`] puts on a request, read as `lambda_http::RequestExt` reads
/// its own: implemented for [`http::Request`], [`http::request::Parts`] and
/// [`http::Extensions`].
pub trait RequestExt {
    /// The extensions.
    fn lambda_extensions(&self) -> &http::Extensions;

    /// The event's own path field (REST `path`, HTTP API `rawPath`, ALB `path`).
    fn raw_http_path(&self) -> &str {
        self.lambda_extensions()
            .get::<RawHttpPath>()
            .map_or("", |p| p.0.as_str())
    }
    /// The query parameters (empty when there are none).
    fn query_string_parameters(&self) -> QueryMap {
        self.query_string_parameters_ref()
            .cloned()
            .unwrap_or_default()
    }
    /// The query parameters, when there are any.
    fn query_string_parameters_ref(&self) -> Option<&QueryMap> {
        self.lambda_extensions()
            .get::<QueryStringParameters>()
            .map(|p| &p.0)
    }
    /// The path parameters (empty when there are none).
    fn path_parameters(&self) -> QueryMap {
        self.path_parameters_ref().cloned().unwrap_or_default()
    }
    /// The path parameters, when there are any.
    fn path_parameters_ref(&self) -> Option<&QueryMap> {
        self.lambda_extensions()
            .get::<PathParameters>()
            .map(|p| &p.0)
    }
    /// The stage variables (empty when there are none).
    fn stage_variables(&self) -> QueryMap {
        self.stage_variables_ref().cloned().unwrap_or_default()
    }
    /// The stage variables, when there are any.
    fn stage_variables_ref(&self) -> Option<&QueryMap> {
        self.lambda_extensions()
            .get::<StageVariables>()
            .map(|p| &p.0)
    }
    /// The request context.
    fn request_context_ref(&self) -> Option<&RequestContext> {
        self.lambda_extensions().get::<RequestContext>()
    }
    /// The invocation's context.
    fn lambda_context_ref(&self) -> Option<&LambdaContext> {
        self.lambda_extensions().get::<LambdaContext>()
    }
    /// The invocation's context (a default one outside an invocation).
    fn lambda_context(&self) -> LambdaContext {
        self.lambda_context_ref().cloned().unwrap_or_default()
    }
}

impl RequestExt for http::Extensions {
    fn lambda_extensions(&self) -> &http::Extensions {
        self
    }
}

impl RequestExt for http::request::Parts {
    fn lambda_extensions(&self) -> &http::Extensions {
        &self.extensions
    }
}

impl<B> RequestExt for http::Request<B> {
    fn lambda_extensions(&self) -> &http::Extensions {
        self.extensions()
    }
}

/// How the service's futures are polled.
enum Driver {
    Tokio(tokio::runtime::Runtime),
    BuiltIn,
}

/// A `tower` service (an axum `Router`, `tower::service_fn`, ...) as an [`HttpHandler`]: wrap
/// it in [`Http`] (or call [`handler`]) to get the function's [`Handler`](crate::Handler).
pub struct TowerHandler<S> {
    service: S,
    driver: Driver,
    /// The collected response body, reused across invocations.
    body: Vec<u8>,
}

impl<S> fmt::Debug for TowerHandler<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TowerHandler")
            .field(
                "driver",
                &match self.driver {
                    Driver::Tokio(_) => "tokio",
                    Driver::BuiltIn => "built-in",
                },
            )
            .finish_non_exhaustive()
    }
}

impl<S> TowerHandler<S> {
    /// `service` on a new current-thread tokio runtime (every driver of this build of tokio).
    pub fn new(service: S) -> std::io::Result<TowerHandler<S>> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(TowerHandler::with_driver(service, Driver::Tokio(runtime)))
    }

    /// `service` polled on the worker's thread by the built-in driver: for services whose
    /// futures need no tokio reactor or timer.
    pub fn built_in(service: S) -> TowerHandler<S> {
        TowerHandler::with_driver(service, Driver::BuiltIn)
    }

    fn with_driver(service: S, driver: Driver) -> TowerHandler<S> {
        TowerHandler {
            service,
            driver,
            body: Vec::new(),
        }
    }

    /// The tokio runtime the service runs on (`None` on the built-in driver): spawn the
    /// app's background tasks or build its clients on it.
    pub fn runtime(&self) -> Option<&tokio::runtime::Runtime> {
        match &self.driver {
            Driver::Tokio(runtime) => Some(runtime),
            Driver::BuiltIn => None,
        }
    }

    /// The service.
    pub fn service_mut(&mut self) -> &mut S {
        &mut self.service
    }
}

/// `service` as the function's handler, on a tokio runtime of its own: give it to
/// [`Runtime::run`].
pub fn handler<S>(service: S) -> Result<Http<TowerHandler<S>>, Error> {
    on_tokio(service).map(Http::new)
}

/// `service` as the function's streaming handler (function URLs in `RESPONSE_STREAM` mode,
/// API Gateway REST streaming integrations), on a tokio runtime of its own: each frame of the
/// response body goes to Lambda as the service yields it. Give it to [`Runtime::run`].
pub fn streaming_handler<S>(service: S) -> Result<HttpStream<TowerHandler<S>>, Error> {
    on_tokio(service).map(HttpStream::new)
}

/// [`TowerHandler::new`], its failure as an init error.
fn on_tokio<S>(service: S) -> Result<TowerHandler<S>, Error> {
    TowerHandler::new(service).map_err(|e| {
        Error::runtime(
            "TokioRuntime",
            format_args!("the tokio runtime could not be built: {e}"),
        )
    })
}

/// Runs `service` as the function, forever, as `lambda_http::run(service)` does: one worker
/// per `AWS_LAMBDA_MAX_CONCURRENCY` (one by default), each with a clone of the service and a
/// tokio runtime of its own. Exits the process with status 1 and a message on stderr when the
/// runtime cannot go on. For other settings (shutdown hook, pipelining), give [`handler`] to
/// [`Runtime`].
pub fn run<S, B>(service: S) -> !
where
    S: Service<Request, Response = http::Response<B>> + Clone + Send + 'static,
    S::Error: fmt::Display,
    B: http_body::Body,
    B::Error: fmt::Display,
{
    run_forever(move || handler(service.clone()))
}

/// Runs `service` as a streaming function, forever, as
/// `lambda_http::run_with_streaming_response(service)` does: status and headers go out first,
/// then every body frame as it comes (a body error after the first frame travels in the
/// stream's error trailers). Otherwise as [`run`].
pub fn run_with_streaming_response<S, B>(service: S) -> !
where
    S: Service<Request, Response = http::Response<B>> + Clone + Send + 'static,
    S::Error: fmt::Display,
    B: http_body::Body,
    B::Error: fmt::Display,
{
    run_forever(move || streaming_handler(service.clone()))
}

/// Serves the handlers `init` makes (one per worker) until the runtime cannot go on, then
/// exits the process (status 1 and the reason on stderr; 0 if it ended cleanly).
fn run_forever<K, H>(mut init: impl FnMut() -> Result<H, Error> + Send) -> !
where
    H: crate::Function<K> + Send + 'static,
{
    let outcome = Runtime::from_env().and_then(|rt| rt.run_with_init(move |_config| init()));
    match outcome {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            crate::log::error(format_args!("{e}"));
            std::process::exit(1)
        }
    }
}

impl<S, B> HttpStreamingHandler for TowerHandler<S>
where
    S: Service<Request, Response = http::Response<B>>,
    S::Error: fmt::Display,
    B: http_body::Body,
    B::Error: fmt::Display,
{
    fn handle(
        &mut self,
        req: &crate::http::Request<'_>,
        res: &mut StreamResponse<'_, '_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error> {
        let request = to_http_request(req, ctx)?;
        let TowerHandler {
            service, driver, ..
        } = self;
        let call = call_and_stream(service, request, res);
        match driver {
            Driver::Tokio(runtime) => {
                runtime.block_on(crate::asynchronous::until_deadline_on_tokio(call, ctx))?
            }
            Driver::BuiltIn => crate::asynchronous::until_deadline(call, ctx)?,
        }
    }
}

/// Calls the service once it is ready, sends its status and headers, then each data frame of
/// its body as it comes.
async fn call_and_stream<S, B>(
    service: &mut S,
    request: Request,
    res: &mut StreamResponse<'_, '_>,
) -> Result<(), Error>
where
    S: Service<Request, Response = http::Response<B>>,
    S::Error: fmt::Display,
    B: http_body::Body,
    B::Error: fmt::Display,
{
    drive(service, request, |piece| match piece {
        Piece::Head(parts) => {
            res.status(parts.status.as_u16());
            for (name, value) in &parts.headers {
                let value = header_text(name, value)?;
                if name == http::header::SET_COOKIE {
                    res.cookie(value);
                } else {
                    res.header(name.as_str(), value);
                }
            }
            Ok(())
        }
        Piece::Data(data) => res.write(data),
    })
    .await?;
    res.start()
}

/// What [`drive`] hands on: the response head, then each piece of body data.
enum Piece<'p> {
    Head(&'p http::response::Parts),
    Data(&'p [u8]),
}

/// Calls the service once it is ready and gives `on` the response's head, then every piece of
/// data of its body frames (trailers are dropped); returns the head.
async fn drive<S, B>(
    service: &mut S,
    request: Request,
    mut on: impl FnMut(Piece<'_>) -> Result<(), Error>,
) -> Result<http::response::Parts, Error>
where
    S: Service<Request, Response = http::Response<B>>,
    S::Error: fmt::Display,
    B: http_body::Body,
    B::Error: fmt::Display,
{
    poll_fn(|cx| service.poll_ready(cx))
        .await
        .map_err(service_error)?;
    let response = service.call(request).await.map_err(service_error)?;
    let (parts, body) = response.into_parts();
    on(Piece::Head(&parts))?;
    let mut body = pin!(body);
    while let Some(frame) = poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            Error::function("BodyError", format_args!("the response body failed: {e}"))
        })?;
        if let Ok(mut data) = frame.into_data() {
            while data.has_remaining() {
                let chunk = data.chunk();
                on(Piece::Data(chunk))?;
                let n = chunk.len();
                data.advance(n);
            }
        }
    }
    Ok(parts)
}

/// A response header's value as text: `http` allows bytes that no Lambda response carries.
fn header_text<'v>(
    name: &http::HeaderName,
    value: &'v http::HeaderValue,
) -> Result<&'v str, Error> {
    value.to_str().map_err(|_| {
        Error::function(
            "InvalidResponse",
            format_args!("the value of response header {name} is not visible ASCII"),
        )
    })
}

impl<S, B> HttpHandler for TowerHandler<S>
where
    S: Service<Request, Response = http::Response<B>>,
    S::Error: fmt::Display,
    B: http_body::Body,
    B::Error: fmt::Display,
{
    fn handle(
        &mut self,
        req: &crate::http::Request<'_>,
        res: &mut HttpResponse<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error> {
        let request = to_http_request(req, ctx)?;
        let TowerHandler {
            service,
            driver,
            body,
        } = self;
        body.clear();
        let call = call_and_collect(service, request, body);
        let parts = match driver {
            Driver::Tokio(runtime) => {
                runtime.block_on(crate::asynchronous::until_deadline_on_tokio(call, ctx))??
            }
            Driver::BuiltIn => crate::asynchronous::until_deadline(call, ctx)??,
        };
        write_response(&parts, body, res)
    }
}

/// Calls the service once it is ready and collects the response body into `out`.
async fn call_and_collect<S, B>(
    service: &mut S,
    request: Request,
    out: &mut Vec<u8>,
) -> Result<http::response::Parts, Error>
where
    S: Service<Request, Response = http::Response<B>>,
    S::Error: fmt::Display,
    B: http_body::Body,
    B::Error: fmt::Display,
{
    drive(service, request, |piece| {
        if let Piece::Data(data) = piece {
            out.extend_from_slice(data);
        }
        Ok(())
    })
    .await
}

fn service_error(e: impl fmt::Display) -> Error {
    Error::function("ServiceError", format_args!("{e}"))
}

/// The status, headers and body of the service's response through lambda-zero's builder.
fn write_response(
    parts: &http::response::Parts,
    body: &[u8],
    res: &mut HttpResponse<'_>,
) -> Result<(), Error> {
    res.status(parts.status.as_u16());
    for (name, value) in &parts.headers {
        let value = header_text(name, value)?;
        if name == http::header::SET_COOKIE {
            res.cookie(value);
        } else {
            res.header(name.as_str(), value);
        }
    }
    res.body(body)?;
    Ok(())
}

/// The `http::Request` of the request view.
fn to_http_request(req: &crate::http::Request<'_>, ctx: &Context<'_>) -> Result<Request, Error> {
    let mut uri = String::with_capacity(req.path().len() + 64);
    if let Some(host) = req.host().filter(|h| !h.is_empty()) {
        let scheme = req.header("x-forwarded-proto").unwrap_or("https");
        uri.push_str(scheme);
        uri.push_str("://");
        uri.push_str(host);
    }
    encode(&mut uri, req.path(), PATH_KEEP);
    match req.raw_query() {
        Some(raw) if !raw.is_empty() => {
            uri.push('?');
            encode(&mut uri, raw, QUERY_KEEP);
        }
        Some(_) => {}
        None if !req.query().is_empty() => {
            for (i, (name, value)) in req.query().iter().enumerate() {
                uri.push(if i == 0 { '?' } else { '&' });
                encode(&mut uri, name, FORM_KEEP);
                uri.push('=');
                encode(&mut uri, value, FORM_KEEP);
            }
        }
        None => {}
    }
    let uri = http::Uri::try_from(uri).map_err(|e| {
        Error::runtime(
            "InvalidHttpEvent",
            format_args!("the request's URI is not valid: {e}"),
        )
    })?;
    let method = http::Method::from_bytes(req.method().as_bytes()).map_err(|_| {
        Error::runtime(
            "InvalidHttpEvent",
            format_args!("the request method {:?} is not a token", req.method()),
        )
    })?;

    let mut headers = http::HeaderMap::with_capacity(req.headers().len());
    for (name, value) in req.headers().iter() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }

    let mut request = http::Request::new(Body::from(Bytes::copy_from_slice(req.body())));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    let extensions = request.extensions_mut();
    extensions.insert(RawHttpPath(req.raw_path().to_owned()));
    if !req.query().is_empty() {
        extensions.insert(QueryStringParameters(QueryMap::from_pairs(
            req.query().iter(),
        )));
    }
    let path_parameters = QueryMap::from_pairs(req.path_parameters());
    if !path_parameters.is_empty() {
        extensions.insert(PathParameters(path_parameters));
    }
    let stage_variables = stage_variables(req);
    if !stage_variables.is_empty() {
        extensions.insert(StageVariables(stage_variables));
    }
    let owned = |s: Option<&str>| s.map(str::to_owned);
    extensions.insert(RequestContext {
        source: req.source(),
        stage: owned(req.stage()),
        request_id: owned(req.request_id()),
        domain_name: owned(req.host()),
        source_ip: owned(req.source_ip()),
        route_key: owned(req.route_key()),
        connection_id: owned(req.connection_id()),
        event_type: owned(req.event_type()),
    });
    extensions.insert(LambdaContext {
        request_id: ctx.request_id.to_owned(),
        deadline_ms: ctx.deadline_ms,
        invoked_function_arn: ctx.invoked_function_arn.to_owned(),
        xray_trace_id: owned(ctx.trace_id),
        tenant_id: owned(ctx.tenant_id),
    });
    Ok(request)
}

/// The `stageVariables` object of the event, string values only.
fn stage_variables(req: &crate::http::Request<'_>) -> QueryMap {
    let mut map = QueryMap::default();
    if let Some(object) = req.event().get("stageVariables") {
        for (name, value) in object.members() {
            if let Some(value) = value.as_str() {
                map.0.push((name.to_owned(), value.to_owned()));
            }
        }
    }
    map
}

/// Bytes kept as they are in a path besides ASCII letters and digits: RFC 3986 `pchar` and `/`
/// (and `%`, so that an already percent-encoded path stays as it is).
const PATH_KEEP: &[u8] = b"-._~!$&'()*+,;=:@/%";
/// In a raw query string: `pchar`, `/`, `?` and `%`.
const QUERY_KEEP: &[u8] = b"-._~!$&'()*+,;=:@/?%";
/// In a form-encoded name or value: what `application/x-www-form-urlencoded` leaves alone.
const FORM_KEEP: &[u8] = b"-._*";

/// Appends `text` to `out`, percent-encoding every byte that is neither an ASCII letter or
/// digit nor in `keep` (a space as `+` in form encoding, as `lambda_http` writes it).
fn encode(out: &mut String, text: &str, keep: &[u8]) {
    let form = core::ptr::eq(keep, FORM_KEEP);
    for &b in text.as_bytes() {
        if form && b == b' ' {
            out.push('+');
        } else if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}
