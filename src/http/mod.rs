//! HTTP functions: one request view for every HTTP front door of Lambda, and a response
//! builder that writes the shape the caller expects. No allocation per invocation.
//!
//! API Gateway REST APIs (payload 1.0), HTTP APIs (payload 2.0), function URLs, Application
//! Load Balancers (single and multi-value headers), API Gateway WebSocket APIs and VPC Lattice
//! (v2) each send their own event shape and want their own response shape. The adapters here
//! detect the [`Source`] from the event, hand the handler a [`Request`] borrowed from the
//! event buffer, and write the handler's [`Response`] in the source's shape:
//!
//! ```no_run
//! use lambda_zero::http;
//!
//! fn main() -> Result<(), lambda_zero::RuntimeError> {
//!     lambda_zero::Runtime::from_env()?.run(http::http_fn(|req, res, _ctx| {
//!         let name = req.query().get("name").unwrap_or("world");
//!         res.content_type("text/plain")
//!             .text_display(&format_args!("Hello, {name}! ({} {})", req.method(), req.path()))?;
//!         Ok(())
//!     }))
//! }
//! ```
//!
//! | You write | Wrap it in | Runs as |
//! |---|---|---|
//! | a closure `(req, res, ctx)` | [`http_fn`] | a [`Handler`] |
//! | `impl` [`HttpHandler`] | [`Http::new`] | a [`Handler`] |
//! | a closure `(req, res: &mut StreamResponse, ctx)` | [`http_stream_fn`] | a [`StreamingHandler`] (function URLs in `RESPONSE_STREAM` mode, REST streaming integrations) |
//! | `impl` [`HttpStreamingHandler`] | [`HttpStream::new`] | a [`StreamingHandler`] |
//!
//! # The request
//!
//! Everything is borrowed from the event: method, the path the client sent
//! ([`Request::path`]) and the path without the stage ([`Request::path_without_stage`]), path
//! parameters, stage, query parameters (first value, all values, the raw query string where
//! the source sends one; see [`Query`] for each source's decoding), headers looked up
//! case-insensitively with every value ([`Headers`]), cookies from the payload 2.0 array or
//! the `Cookie` header alike ([`Cookies`]), the body (base64 decoded in place in the event
//! buffer when `isBase64Encoded`), source IP, user agent, request id, and the authorizer's
//! output as a JSON [`Value`]. What must be decoded (percent-encoded
//! query parameters, a stage-prefixed path, the joined `cookie` header of an HTTP API) is
//! written once into a buffer the adapter made at start-up.
//!
//! # The response
//!
//! [`Response`] keeps the status and headers and writes the whole response object when the
//! body is given: `multiValueHeaders` for REST when the request used them, the `cookies` array
//! for HTTP APIs and function URLs, `statusDescription` for ALB, multi-value headers for ALB
//! only in that mode; binary bodies base64-encoded on the fly by content type (or explicitly).
//! [`StreamResponse`] writes the streaming prelude of function URLs and of API Gateway REST
//! streaming integrations, then the body as it comes.
//!
//! # Fixed capacities
//!
//! | what | capacity | beyond it |
//! |---|---|---|
//! | query parameters (each value of a repeated name counts) | [`MAX_QUERY_PARAMS`] = 128 | the client gets a 414 saying so |
//! | request headers, cookies, path parameters | none: read from the parsed event | — |
//! | response headers (each value counts; cookies are `Set-Cookie` headers) | [`MAX_RESPONSE_HEADERS`] = 64 | `Function.InvalidResponse` |
//! | response header names and values, together | [`MAX_RESPONSE_HEADER_BYTES`] = 16 KiB | `Function.InvalidResponse` |
//! | the response | [`Limits::max_response`] (6 MiB) | `Function.ResponseTooLarge` |
//!
//! # When the event is not a good HTTP event
//!
//! See [`RequestError`]: an event no HTTP source sent is a `Runtime.NotAnHttpEvent` error; one
//! whose source is known but lacks a field that source always sends (`httpMethod`,
//! `requestContext.http.method`) is `Runtime.InvalidHttpEvent`, naming the source and the
//! field; a client's mistake (a body marked base64 that is not, too many query parameters) is
//! answered with a 4xx in the source's shape, without calling the handler. Invalid JSON is
//! `Runtime.InvalidJson`, as for every JSON handler.

// Errors are kept inline (no heap), as the crate's `Error` is; they only travel on the cold path.
#![allow(clippy::result_large_err)]

mod base64;
mod body;
mod cookies;
mod error;
mod headers;
mod json_body;
mod query;
mod request;
mod response;
mod scratch;
mod source;
mod stream;

use core::fmt;

use memchr::memmem::Finder;

pub use cookies::{Cookie, CookieIter, Cookies};
pub use error::RequestError;
pub use headers::{HeaderIter, HeaderValues, Headers};
pub use json_body::{BodyError, JsonBody};
pub use query::{Query, MAX_QUERY_PARAMS};
pub use request::Request;
pub use response::{reason_phrase, Response, MAX_RESPONSE_HEADERS, MAX_RESPONSE_HEADER_BYTES};
pub use source::Source;
pub use stream::StreamResponse;

use crate::json::{Limits, Parser, Value};
use crate::{Context, Error, Handler, ResponseStream, StreamingHandler};
use request::Settings;
use response::{Head, Shape};
use scratch::Scratch;

/// An HTTP function: reads the request, writes the response. Wrap it in [`Http`].
pub trait HttpHandler {
    /// Handles one request. An `Err` becomes the invocation's error (API Gateway and the
    /// others then answer the client with a 502); to answer with an error status, set it on
    /// `res` and return `Ok`.
    fn handle(
        &mut self,
        req: &Request<'_>,
        res: &mut Response<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error>;
}

/// A closure usable as an [`HttpHandler`] (see [`http_fn`]).
pub trait HttpFn:
    FnMut(&Request<'_>, &mut Response<'_>, &Context<'_>) -> Result<(), Error>
{
}

impl<F> HttpFn for F where
    F: FnMut(&Request<'_>, &mut Response<'_>, &Context<'_>) -> Result<(), Error>
{
}

/// An [`HttpHandler`] made from a closure.
#[derive(Debug, Clone)]
pub struct HttpFnHandler<F>(pub F);

impl<F: HttpFn> HttpHandler for HttpFnHandler<F> {
    fn handle(
        &mut self,
        req: &Request<'_>,
        res: &mut Response<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error> {
        (self.0)(req, res, ctx)
    }
}

/// Turns a closure `(req, res, ctx) -> Result<(), Error>` into a ready [`Handler`] with the
/// default [`Limits`].
pub fn http_fn<F: HttpFn>(f: F) -> Http<HttpFnHandler<F>> {
    Http::new(HttpFnHandler(f))
}

/// A streaming HTTP function. Wrap it in [`HttpStream`].
pub trait HttpStreamingHandler {
    /// Handles one request, streaming the response through `res`. An `Err` before the first
    /// write is the invocation's error; after it, it travels in the stream's error trailers.
    fn handle(
        &mut self,
        req: &Request<'_>,
        res: &mut StreamResponse<'_, '_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error>;
}

/// A closure usable as an [`HttpStreamingHandler`] (see [`http_stream_fn`]).
pub trait HttpStreamFn:
    FnMut(&Request<'_>, &mut StreamResponse<'_, '_>, &Context<'_>) -> Result<(), Error>
{
}

impl<F> HttpStreamFn for F where
    F: FnMut(&Request<'_>, &mut StreamResponse<'_, '_>, &Context<'_>) -> Result<(), Error>
{
}

/// An [`HttpStreamingHandler`] made from a closure.
#[derive(Debug, Clone)]
pub struct HttpStreamFnHandler<F>(pub F);

impl<F: HttpStreamFn> HttpStreamingHandler for HttpStreamFnHandler<F> {
    fn handle(
        &mut self,
        req: &Request<'_>,
        res: &mut StreamResponse<'_, '_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error> {
        (self.0)(req, res, ctx)
    }
}

/// Turns a closure `(req, res, ctx) -> Result<(), Error>` into a ready [`StreamingHandler`].
pub fn http_stream_fn<F: HttpStreamFn>(f: F) -> HttpStream<HttpStreamFnHandler<F>> {
    HttpStream::new(HttpStreamFnHandler(f))
}

/// What both adapters keep: the parser, the decoding buffer, the response head.
struct Core {
    parser: Parser,
    /// Decoded text of the request (see the `scratch` module): twice the largest event, so
    /// that it never fills (reserved, touched only as far as decoding reaches).
    scratch: Box<[u8]>,
    head: Head,
    marker: Finder<'static>,
    settings: Settings,
}

impl Core {
    fn new(limits: Limits) -> Core {
        Core {
            parser: Parser::new(limits),
            scratch: vec![0u8; limits.max_event.saturating_mul(2).saturating_add(64)]
                .into_boxed_slice(),
            head: Head::new(),
            marker: Finder::new(body::BASE64_MARKER),
            settings: Settings {
                ignore_stage_in_path: std::env::var_os("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH")
                    .is_some(),
            },
        }
    }

    /// Decodes a base64 body in place, parses the event and builds the request; `f` gets the
    /// request (or why there is none) and the response head.
    #[inline]
    fn with_request<R>(
        &mut self,
        event: &mut [u8],
        f: impl FnOnce(Result<Request<'_>, RequestError>, &mut Head) -> R,
    ) -> Result<R, Error> {
        let Core {
            parser,
            scratch,
            head,
            marker,
            settings,
        } = self;
        head.reset();
        let (json, in_place) = body::decode_in_place(event, marker);
        let json_at = json.as_ptr() as usize;
        let settings = *settings;
        parser
            .with_value(json, |root: Value<'_, '_>| {
                let mut scratch = Scratch::new(scratch);
                let request = Request::parse(root, json_at, in_place, &mut scratch, settings);
                f(request, head)
            })
            .map_err(|e| e.to_error())
    }
}

/// The shape of the response to `req`.
fn shape_of(req: &Request<'_>) -> Shape {
    Shape {
        source: req.source(),
        multi: req.multi_value_headers(),
    }
}

/// The shape for an answer to a request that failed to build (the source is known).
fn error_shape(source: Source) -> Shape {
    Shape {
        source,
        multi: matches!(source, Source::ApiGatewayRest | Source::WebSocket),
    }
}

/// The [`Handler`] for an [`HttpHandler`]: one request view per event, the response written
/// in the source's shape into a buffer made once.
pub struct Http<H> {
    handler: H,
    core: Core,
    out: Box<[u8]>,
}

impl<H> Http<H> {
    /// Wraps `handler` with the default [`Limits`] (Lambda's).
    pub fn new(handler: H) -> Http<H> {
        Http::with_limits(handler, Limits::default())
    }

    /// Wraps `handler`, sizing the buffers for `limits`.
    pub fn with_limits(handler: H, limits: Limits) -> Http<H> {
        Http {
            handler,
            core: Core::new(limits),
            out: vec![0u8; limits.max_response].into_boxed_slice(),
        }
    }

    /// Whether [`Request::path`] leaves the stage out (on by default when
    /// `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set, as in `lambda_http`).
    pub fn ignore_stage_in_path(mut self, ignore: bool) -> Http<H> {
        self.core.settings.ignore_stage_in_path = ignore;
        self
    }

    /// The wrapped handler.
    pub fn handler(&mut self) -> &mut H {
        &mut self.handler
    }
}

impl<H> fmt::Debug for Http<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http")
            .field("parser", &self.core.parser)
            .field("max_response", &self.out.len())
            .finish_non_exhaustive()
    }
}

impl<H: HttpHandler> Handler for Http<H> {
    fn handle<'a>(&'a mut self, event: &'a mut [u8], ctx: &Context<'_>) -> Result<&'a [u8], Error> {
        let Http { handler, core, out } = self;
        let len = core.with_request(event, |request, head| match request {
            Ok(req) => {
                let mut res = Response::new(out, head, shape_of(&req));
                let outcome = handler.handle(&req, &mut res, ctx);
                res.conclude(outcome)
            }
            Err(e) => match (e.status(), e.source()) {
                (Some(status), Some(source)) => {
                    let mut res = Response::new(out, head, error_shape(source));
                    res.status(status).content_type("text/plain; charset=utf-8");
                    let written = res.text_display(&e);
                    res.conclude(written.map_err(Error::from))
                }
                _ => Err(e.to_error()),
            },
        })??;
        Ok(&self.out[..len])
    }
}

/// The [`StreamingHandler`] for an [`HttpStreamingHandler`].
pub struct HttpStream<H> {
    handler: H,
    core: Core,
    prelude: Box<[u8]>,
}

impl<H> HttpStream<H> {
    /// Wraps `handler` for events up to Lambda's limits.
    pub fn new(handler: H) -> HttpStream<H> {
        HttpStream::with_limits(handler, Limits::default())
    }

    /// Wraps `handler`, sizing the parser for `limits` (`max_response` is not used: the
    /// body streams).
    pub fn with_limits(handler: H, limits: Limits) -> HttpStream<H> {
        HttpStream {
            handler,
            core: Core::new(limits),
            prelude: vec![0u8; stream::PRELUDE_CAPACITY].into_boxed_slice(),
        }
    }

    /// See [`Http::ignore_stage_in_path`].
    pub fn ignore_stage_in_path(mut self, ignore: bool) -> HttpStream<H> {
        self.core.settings.ignore_stage_in_path = ignore;
        self
    }

    /// The wrapped handler.
    pub fn handler(&mut self) -> &mut H {
        &mut self.handler
    }
}

impl<H> fmt::Debug for HttpStream<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpStream")
            .field("parser", &self.core.parser)
            .finish_non_exhaustive()
    }
}

impl<H: HttpStreamingHandler> StreamingHandler for HttpStream<H> {
    fn handle(
        &mut self,
        event: &mut [u8],
        ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        let HttpStream {
            handler,
            core,
            prelude,
        } = self;
        core.with_request(event, |request, head| match request {
            Ok(req) => {
                let mut res = StreamResponse::new(out, head, prelude, shape_of(&req));
                let outcome = handler.handle(&req, &mut res, ctx);
                res.conclude(outcome)
            }
            Err(e) => match (e.status(), e.source()) {
                (Some(status), Some(source)) => {
                    let mut res = StreamResponse::new(out, head, prelude, error_shape(source));
                    res.status(status).content_type("text/plain; charset=utf-8");
                    let written = res.write_display(&e);
                    res.conclude(written)
                }
                _ => Err(e.to_error()),
            },
        })?
    }
}
