//! The request view: one type for every HTTP source, borrowed from the parsed event.
//!
//! Built in one pass over the event's top-level members and its `requestContext`; nothing is
//! copied but what must be decoded (see the `scratch` module). What each accessor reads, per
//! source, is in its documentation.

use super::body::InPlace;
use super::cookies::Cookies;
use super::error::RequestError;
use super::headers::{null, Headers};
use super::query::{Query, QueryError};
use super::scratch::Scratch;
use super::source::{Markers, Source};
use crate::json::{Kind, Value};

/// An HTTP request, whatever service sent it, borrowed from the event.
///
/// ```
/// # use lambda_zero::http::Request;
/// fn describe<'a>(req: &Request<'a>) -> (&'a str, &'a str, Option<&'a str>) {
///     (req.method(), req.path(), req.query().get("page"))
/// }
/// ```
#[derive(Clone, Copy)]
pub struct Request<'a> {
    source: Source,
    event: Value<'a, 'a>,
    context: Value<'a, 'a>,
    method: &'a str,
    path: &'a str,
    raw_path: &'a str,
    path_without_stage: &'a str,
    stage: Option<&'a str>,
    raw_query: Option<&'a str>,
    query: Query<'a>,
    path_parameters: Value<'a, 'a>,
    stage_variables: Value<'a, 'a>,
    headers: Headers<'a>,
    cookies: Cookies<'a>,
    body: &'a [u8],
    base64: bool,
}

/// How a request is built, beyond the event (the adapter's settings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Settings {
    /// `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` was set: [`Request::path`] is never
    /// stage-prefixed.
    pub(crate) ignore_stage_in_path: bool,
}

/// The top-level members the request reads.
#[derive(Default)]
struct Members<'a> {
    version: Option<Value<'a, 'a>>,
    http_method: Option<Value<'a, 'a>>,
    method: Option<Value<'a, 'a>>,
    path: Option<Value<'a, 'a>>,
    raw_path: Option<Value<'a, 'a>>,
    raw_query: Option<Value<'a, 'a>>,
    headers: Option<Value<'a, 'a>>,
    multi_headers: Option<Value<'a, 'a>>,
    query: Option<Value<'a, 'a>>,
    multi_query: Option<Value<'a, 'a>>,
    path_parameters: Option<Value<'a, 'a>>,
    stage_variables: Option<Value<'a, 'a>>,
    cookies: Option<Value<'a, 'a>>,
    body: Option<Value<'a, 'a>>,
    base64: Option<Value<'a, 'a>>,
    context: Option<Value<'a, 'a>>,
}

/// The `requestContext` members the request reads.
#[derive(Default)]
struct ContextMembers<'a> {
    http: Option<Value<'a, 'a>>,
    stage: Option<Value<'a, 'a>>,
    domain_name: Option<Value<'a, 'a>>,
    elb: bool,
    websocket: bool,
    lattice: bool,
}

/// Sets `slot` to `v` unless it is set: the first member of a name counts, as in
/// [`Value::get`].
#[inline]
fn first<'a>(slot: &mut Option<Value<'a, 'a>>, v: Value<'a, 'a>) {
    if slot.is_none() {
        *slot = Some(v);
    }
}

impl<'a> Members<'a> {
    fn of(event: Value<'a, 'a>) -> Members<'a> {
        let mut m = Members::default();
        for (key, v) in event.members() {
            let slot = match key {
                "version" => &mut m.version,
                "httpMethod" => &mut m.http_method,
                "method" => &mut m.method,
                "path" => &mut m.path,
                "rawPath" => &mut m.raw_path,
                "rawQueryString" => &mut m.raw_query,
                "headers" => &mut m.headers,
                "multiValueHeaders" => &mut m.multi_headers,
                "queryStringParameters" => &mut m.query,
                "multiValueQueryStringParameters" => &mut m.multi_query,
                "pathParameters" => &mut m.path_parameters,
                "stageVariables" => &mut m.stage_variables,
                "cookies" => &mut m.cookies,
                "body" => &mut m.body,
                "isBase64Encoded" => &mut m.base64,
                "requestContext" => &mut m.context,
                _ => continue,
            };
            first(slot, v);
        }
        m
    }
}

impl<'a> ContextMembers<'a> {
    fn of(context: Value<'a, 'a>) -> ContextMembers<'a> {
        let mut c = ContextMembers::default();
        for (key, v) in context.members() {
            match key {
                "http" => first(&mut c.http, v),
                "stage" => first(&mut c.stage, v),
                "domainName" => first(&mut c.domain_name, v),
                "elb" => c.elb = true,
                "connectionId" | "eventType" => c.websocket = true,
                "serviceNetworkArn" | "targetGroupArn" | "serviceArn" => c.lattice = true,
                _ => {}
            }
        }
        c
    }
}

/// The present, non-null value of a member.
#[inline]
fn present<'a>(v: Option<Value<'a, 'a>>) -> Option<Value<'a, 'a>> {
    v.filter(|v| !v.is_null())
}

/// True for an HTTP method token (RFC 9110 `token`), as `http::Method` accepts.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl<'a> Request<'a> {
    /// Builds the request view of a parsed event. `json_at` is the address of the first byte
    /// of the JSON that was parsed and `in_place` what [`super::body::decode_in_place`] did.
    pub(crate) fn parse(
        event: Value<'a, 'a>,
        json_at: usize,
        in_place: InPlace<'a>,
        scratch: &mut Scratch<'a>,
        settings: Settings,
    ) -> Result<Request<'a>, RequestError> {
        let m = Members::of(event);
        let context = present(m.context).unwrap_or_else(null);
        let c = ContextMembers::of(context);
        let markers = Markers {
            version: m.version.and_then(|v| v.as_str()),
            http_method: present(m.http_method).is_some(),
            method: present(m.method).is_some(),
            context: context.kind() == Kind::Object,
            elb: c.elb,
            http: present(c.http).is_some(),
            websocket: c.websocket,
            lattice: c.lattice,
            domain_name: c.domain_name.and_then(|v| v.as_str()),
        };
        let source = markers.detect().ok_or(RequestError::NotHttp)?;
        let invalid = |field: &'static str, problem: &'static str| RequestError::InvalidField {
            source,
            field,
            problem,
        };
        let string = |v: Option<Value<'a, 'a>>,
                      field: &'static str|
         -> Result<Option<&'a str>, RequestError> {
            match present(v) {
                None => Ok(None),
                Some(v) => v
                    .as_str()
                    .map(Some)
                    .ok_or(invalid(field, "is not a string")),
            }
        };
        let object = |v: Option<Value<'a, 'a>>,
                      field: &'static str|
         -> Result<Value<'a, 'a>, RequestError> {
            match present(v) {
                None => Ok(null()),
                Some(v) if v.kind() == Kind::Object => Ok(v),
                Some(_) => Err(invalid(field, "is not an object")),
            }
        };

        // The method.
        let (method_field, method) = match source {
            Source::HttpApi | Source::FunctionUrl => {
                let http = c.http.unwrap_or_else(null);
                if http.kind() != Kind::Object {
                    return Err(invalid("requestContext.http", "is not an object"));
                }
                ("requestContext.http.method", http.get("method"))
            }
            Source::VpcLattice => ("method", m.method),
            _ => ("httpMethod", m.http_method),
        };
        let method = match string(method, method_field)? {
            Some(method) if is_token(method) => method,
            Some(_) => return Err(invalid(method_field, "is not an HTTP method")),
            // WebSocket and VPC Lattice events may lack one; `lambda_http` takes GET.
            None if matches!(source, Source::WebSocket | Source::VpcLattice) => "GET",
            None => return Err(invalid(method_field, "is missing")),
        };

        // The paths.
        let raw_path = match source {
            Source::HttpApi | Source::FunctionUrl => {
                string(m.raw_path, "rawPath")?.or(string(m.path, "path")?)
            }
            _ => string(m.path, "path")?,
        }
        .unwrap_or("");
        let stage = match source.has_stage() {
            true => string(c.stage, "requestContext.stage")?,
            false => None,
        };
        let staged = stage.filter(|s| *s != "$default");
        let path_without_stage = match (source, staged) {
            (Source::HttpApi | Source::FunctionUrl, Some(stage)) => {
                match raw_path
                    .strip_prefix('/')
                    .and_then(|p| p.strip_prefix(stage))
                {
                    Some("") => "/",
                    Some(rest) if rest.starts_with('/') => rest,
                    _ => raw_path,
                }
            }
            _ => raw_path,
        };
        let path = match staged {
            Some(stage) if !settings.ignore_stage_in_path => {
                let prefixed = raw_path
                    .strip_prefix('/')
                    .and_then(|p| p.strip_prefix(stage))
                    .is_some_and(|rest| rest.starts_with('/'));
                if prefixed {
                    raw_path
                } else {
                    scratch
                        .concat(&["/", stage, raw_path])
                        .map_err(|_| RequestError::ScratchFull { source })?
                }
            }
            _ if raw_path.is_empty() => "/",
            _ => raw_path,
        };

        // The headers and cookies.
        let (single, multi) = match source {
            Source::VpcLattice => (null(), object(m.headers, "headers")?),
            Source::HttpApi | Source::FunctionUrl => (object(m.headers, "headers")?, null()),
            _ => (
                object(m.headers, "headers")?,
                object(m.multi_headers, "multiValueHeaders")?,
            ),
        };
        let cookie_array = match (source.is_payload_v2(), present(m.cookies)) {
            (true, Some(v)) if v.kind() == Kind::Array => Some(v),
            (true, Some(_)) => return Err(invalid("cookies", "is not an array")),
            _ => None,
        };
        let joined = match cookie_array {
            Some(array) if !array.is_empty() => Some(
                scratch
                    .join(array.elements().filter_map(|e| e.as_str()), "; ")
                    .map_err(|_| RequestError::ScratchFull { source })?,
            ),
            _ => None,
        };
        let headers = Headers::new(single, multi, joined);
        let cookies = Cookies::new(cookie_array, headers);

        // The query.
        let mut query = Query::new();
        let mut raw_query = None;
        let filled = match source {
            Source::HttpApi | Source::FunctionUrl => match string(m.raw_query, "rawQueryString")? {
                Some(raw) => {
                    raw_query = Some(raw);
                    query.parse_raw(raw, scratch)
                }
                None => push_members(&mut query, object(m.query, "queryStringParameters")?, None),
            },
            Source::ApiGatewayRest | Source::WebSocket | Source::Alb => {
                let multi = object(m.multi_query, "multiValueQueryStringParameters")?;
                let single = object(m.query, "queryStringParameters")?;
                let from = if multi.is_empty() { single } else { multi };
                let decode = (source == Source::Alb).then_some(&mut *scratch);
                push_members(&mut query, from, decode)
            }
            Source::VpcLattice => push_members(
                &mut query,
                object(m.query, "queryStringParameters")?,
                Some(scratch),
            ),
        };
        filled.map_err(|e| match e {
            QueryError::TooMany => RequestError::TooManyQueryParams {
                source,
                limit: super::MAX_QUERY_PARAMS,
            },
            QueryError::Scratch => RequestError::ScratchFull { source },
        })?;

        // The body.
        let base64 = match present(m.base64) {
            None => false,
            Some(v) => v
                .as_bool()
                .ok_or(invalid("isBase64Encoded", "is not a boolean"))?,
        };
        let text = string(m.body, "body")?;
        let body =
            match (text, base64) {
                (None, _) => &[][..],
                (Some(text), false) => text.as_bytes(),
                (Some(""), true) => &[][..],
                (Some(text), true) => {
                    let at = (text.as_ptr() as usize).wrapping_sub(json_at);
                    match in_place {
                        InPlace::Decoded {
                            at: a,
                            blank,
                            bytes,
                        } if a == at && blank == text.len() => bytes,
                        InPlace::Invalid { at: a, raw, error } if a == at && text.len() <= raw => {
                            return Err(RequestError::InvalidBase64 {
                                source,
                                at: error.at,
                            })
                        }
                        _ => return Err(invalid(
                            "body",
                            "is marked isBase64Encoded but was not found as the top-level body \
                             string (a key written with escapes, or a duplicate key)",
                        )),
                    }
                }
            };

        Ok(Request {
            source,
            event,
            context,
            method,
            path,
            raw_path,
            path_without_stage,
            stage,
            raw_query,
            query,
            path_parameters: object(m.path_parameters, "pathParameters")?,
            stage_variables: object(m.stage_variables, "stageVariables")?,
            headers,
            cookies,
            body,
            base64,
        })
    }

    /// The service the event came from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// The request method as the event spells it (`GET`, `POST`, ...). WebSocket and VPC
    /// Lattice events without one read as `GET`, as in `lambda_http`.
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The path the client sent, as `lambda_http`'s `uri().path()` gives it: for API Gateway
    /// sources (REST, HTTP API, function URL, WebSocket) the event's path with the stage in
    /// front (`/prod/users/7`), unless the stage is `$default`, the path already starts with
    /// it, or `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set; elsewhere the event's path. Never
    /// empty (`/`). Unlike `lambda_http`, the path is not normalized through a URL parser
    /// (no dot segments removed, nothing percent-encoded).
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The path field of the event as it is: REST `path` (which has no stage), HTTP API
    /// `rawPath` (which has the stage unless it is `$default`), ALB and VPC Lattice `path`
    /// (`lambda_http`'s `raw_http_path`). Empty when the event has none.
    pub fn raw_path(&self) -> &'a str {
        self.raw_path
    }

    /// The path without the API Gateway stage: the REST `path`, the HTTP API `rawPath` with a
    /// leading `/{stage}` taken off (`/` if nothing is left), the path elsewhere. This is the
    /// path to route on.
    pub fn path_without_stage(&self) -> &'a str {
        self.path_without_stage
    }

    /// The API Gateway stage (`requestContext.stage`), `$default` included; `None` for ALB and
    /// VPC Lattice.
    pub fn stage(&self) -> Option<&'a str> {
        self.stage
    }

    /// The query parameters, decoded (see [`Query`]).
    pub fn query(&self) -> &Query<'a> {
        &self.query
    }

    /// The raw query string, where the source sends one (HTTP APIs and function URLs).
    pub fn raw_query(&self) -> Option<&'a str> {
        self.raw_query
    }

    /// A path parameter (`pathParameters`, API Gateway only).
    pub fn path_parameter(&self, name: &str) -> Option<&'a str> {
        self.path_parameters.get_str(name)
    }

    /// Every path parameter, as the event gives them.
    pub fn path_parameters(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let params = self.path_parameters;
        params.members().filter_map(|(k, v)| Some((k, v.as_str()?)))
    }

    /// A stage variable (`stageVariables`, API Gateway only).
    pub fn stage_variable(&self, name: &str) -> Option<&'a str> {
        self.stage_variables.get_str(name)
    }

    /// The headers (see [`Headers`]).
    pub fn headers(&self) -> &Headers<'a> {
        &self.headers
    }

    /// The first value of header `name`, case-insensitive: `headers().get(name)`.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.get(name)
    }

    /// The cookies (see [`Cookies`]).
    pub fn cookies(&self) -> &Cookies<'a> {
        &self.cookies
    }

    /// The body: the `body` text, or the bytes it decodes to when `isBase64Encoded` (decoded
    /// in place in the event buffer). Empty when the event has none.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The body as text, when it is UTF-8.
    pub fn body_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.body).ok()
    }

    /// Whether the event carried the body in base64 (`isBase64Encoded`).
    pub fn is_base64_encoded(&self) -> bool {
        self.base64
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&'a str> {
        self.headers.get("content-type")
    }

    /// The client's address: `requestContext.identity.sourceIp` (REST, WebSocket),
    /// `requestContext.http.sourceIp` (HTTP APIs, function URLs), and for ALB and VPC
    /// Lattice, which have no such field, the last address of `X-Forwarded-For` (the one the
    /// load balancer itself added).
    pub fn source_ip(&self) -> Option<&'a str> {
        match self.source {
            Source::HttpApi | Source::FunctionUrl => {
                self.context.path(&["http", "sourceIp"])?.as_str()
            }
            Source::ApiGatewayRest | Source::WebSocket => {
                self.context.path(&["identity", "sourceIp"])?.as_str()
            }
            Source::Alb | Source::VpcLattice => {
                let forwarded = self.headers.get_all("x-forwarded-for").last()?;
                let last = forwarded.rsplit(',').next()?.trim();
                (!last.is_empty()).then_some(last)
            }
        }
    }

    /// The client's `User-Agent`: from the request context where API Gateway puts it, else
    /// the header.
    pub fn user_agent(&self) -> Option<&'a str> {
        let from_context = match self.source {
            Source::HttpApi | Source::FunctionUrl => self.context.path(&["http", "userAgent"]),
            Source::ApiGatewayRest | Source::WebSocket => {
                self.context.path(&["identity", "userAgent"])
            }
            Source::Alb | Source::VpcLattice => None,
        };
        from_context
            .and_then(|v| v.as_str())
            .or_else(|| self.headers.get("user-agent"))
    }

    /// API Gateway's request id (`requestContext.requestId`); ALB and VPC Lattice have none
    /// (the Lambda request id is in the [`Context`](crate::Context)).
    pub fn request_id(&self) -> Option<&'a str> {
        self.context.get_str("requestId")
    }

    /// The API's domain name (`requestContext.domainName`), else the `Host` header.
    pub fn host(&self) -> Option<&'a str> {
        self.headers
            .get("host")
            .or_else(|| self.context.get_str("domainName"))
    }

    /// The route key (`routeKey` of the request context: HTTP APIs, WebSocket).
    pub fn route_key(&self) -> Option<&'a str> {
        self.context.get_str("routeKey")
    }

    /// The WebSocket connection id (`requestContext.connectionId`).
    pub fn connection_id(&self) -> Option<&'a str> {
        self.context.get_str("connectionId")
    }

    /// The WebSocket event type (`CONNECT`, `MESSAGE`, `DISCONNECT`).
    pub fn event_type(&self) -> Option<&'a str> {
        self.context.get_str("eventType")
    }

    /// The authorizer's output (`requestContext.authorizer`): for REST and WebSocket APIs the
    /// Lambda authorizer's context (with `principalId`) or a Cognito authorizer's `claims`;
    /// for HTTP APIs an object with `jwt`, `lambda` or `iam`.
    pub fn authorizer(&self) -> Option<Value<'a, 'a>> {
        present(self.context.get("authorizer"))
    }

    /// The JWT or Cognito claims: `authorizer.jwt.claims` (HTTP APIs) or `authorizer.claims`
    /// (REST APIs with a Cognito user pool authorizer).
    pub fn claims(&self) -> Option<Value<'a, 'a>> {
        let authorizer = self.authorizer()?;
        present(authorizer.path(&["jwt", "claims"])).or_else(|| present(authorizer.get("claims")))
    }

    /// A Lambda authorizer's context: `authorizer.lambda` (HTTP APIs) or the authorizer object
    /// itself (REST and WebSocket APIs, where its keys sit beside `principalId`).
    pub fn authorizer_context(&self) -> Option<Value<'a, 'a>> {
        let authorizer = self.authorizer()?;
        match self.source {
            Source::HttpApi | Source::FunctionUrl => present(authorizer.get("lambda")),
            _ => Some(authorizer),
        }
    }

    /// The whole `requestContext` (`null` when the event has none).
    pub fn request_context(&self) -> Value<'a, 'a> {
        self.context
    }

    /// The whole event, for fields this view does not name.
    pub fn event(&self) -> Value<'a, 'a> {
        self.event
    }

    /// True when the event sent `multiValueHeaders` (REST and WebSocket events, ALB targets
    /// with multi-value headers): the response then uses them too.
    pub fn multi_value_headers(&self) -> bool {
        self.headers.multi_value()
    }
}

/// Pushes the string members of `object` (and each string of an array member) into `query`,
/// form-decoding them when `decode` has a scratch buffer.
fn push_members<'a>(
    query: &mut Query<'a>,
    object: Value<'a, 'a>,
    mut decode: Option<&mut Scratch<'a>>,
) -> Result<(), QueryError> {
    for (name, v) in object.members() {
        let mut push = |value: &'a str| match decode.as_deref_mut() {
            Some(scratch) => query.push_encoded(name, value, scratch),
            None => query.push(name, value),
        };
        match v.kind() {
            Kind::Array => {
                for value in v.elements().filter_map(|e| e.as_str()) {
                    push(value)?;
                }
            }
            _ => {
                if let Some(value) = v.as_str() {
                    push(value)?;
                }
            }
        }
    }
    Ok(())
}

impl core::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Request")
            .field("source", &self.source)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("cookies", &self.cookies)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}
