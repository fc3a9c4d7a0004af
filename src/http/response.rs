//! The response builder: status, headers and cookies, then one body, written in the shape
//! the request's source expects.
//!
//! | source | shape written |
//! |---|---|
//! | API Gateway REST, WebSocket | `statusCode`, `multiValueHeaders` (every header) when the request had them, else `headers` (and `multiValueHeaders` for names with several values), `body`, `isBase64Encoded` |
//! | HTTP API, function URL | `statusCode`, `headers` (repeated names joined with `", "`), `cookies` (every `Set-Cookie`), `body`, `isBase64Encoded` |
//! | ALB | `statusCode`, `statusDescription` (`"200 OK"`), `multiValueHeaders` with multi-value headers on (the request had them), else `headers`, `body`, `isBase64Encoded` |
//! | VPC Lattice | `statusCode`, `statusDescription`, `headers`, `body`, `isBase64Encoded` |
//!
//! Where a shape has single-valued headers only (ALB without multi-value headers, VPC
//! Lattice), repeated names are joined with `", "`, and a second `Set-Cookie` (which cannot
//! be joined) fails the response with `Function.InvalidResponse` rather than being dropped.
//!
//! Headers are kept in the builder until the body is written (up to
//! [`MAX_RESPONSE_HEADERS`] of them, names and values together up to
//! [`MAX_RESPONSE_HEADER_BYTES`]; more fail the response, never dropped); the whole
//! response is then written in one pass into the adapter's output buffer. A binary body is
//! base64-encoded into it on the fly.
//!
//! Binary or text? [`Response::body`] decides as `lambda_http` does: text when there is no
//! `Content-Type`, or it starts with `text`, `application/json`, `application/javascript`,
//! `application/xml` or `application/yaml`, or its type ends in `+json`, `+xml` or `+yaml`, or
//! `x-lambda-http-content-encoding: text` is set; binary (base64) when `Content-Encoding` is set
//! or for any other type. Text that is not UTF-8 is sent in base64 too (JSON cannot carry
//! it). [`Response::binary`] overrides the choice.

use core::fmt;

use super::source::Source;
use crate::json::{JsonWriter, WriteError};
use crate::Error;

/// The most headers (each value of a repeated name counting once) a response holds.
pub const MAX_RESPONSE_HEADERS: usize = 64;

/// The most bytes of response header names and values together.
pub const MAX_RESPONSE_HEADER_BYTES: usize = 16 * 1024;

/// The response shape: the source, and whether the request came with multi-value headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) source: Source,
    pub(crate) multi: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    start: u32,
    name: u32,
    value: u32,
}

/// Status and headers, kept until the body is written. Allocated once per adapter.
pub(crate) struct Head {
    status: u16,
    bytes: Box<[u8]>,
    used: usize,
    entries: Box<[Entry; MAX_RESPONSE_HEADERS]>,
    count: usize,
    binary: Option<bool>,
    error: Option<WriteError>,
}

impl fmt::Debug for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Head")
            .field("status", &self.status)
            .field("headers", &self.count)
            .finish_non_exhaustive()
    }
}

/// True for an RFC 9110 `token` (a header name).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// True for a header value that cannot split a header (no control characters but tab).
fn is_field_value(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

impl Head {
    pub(crate) fn new() -> Head {
        Head {
            status: 200,
            bytes: vec![0u8; MAX_RESPONSE_HEADER_BYTES].into_boxed_slice(),
            used: 0,
            entries: Box::new([Entry::default(); MAX_RESPONSE_HEADERS]),
            count: 0,
            binary: None,
            error: None,
        }
    }

    /// Back to a fresh response: 200, no headers.
    pub(crate) fn reset(&mut self) {
        self.status = 200;
        self.used = 0;
        self.count = 0;
        self.binary = None;
        self.error = None;
    }

    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    pub(crate) fn fail(&mut self, e: WriteError) {
        self.error.get_or_insert(e);
    }

    pub(crate) fn error(&self) -> Option<WriteError> {
        self.error
    }

    pub(crate) fn set_status(&mut self, status: u16) {
        if (100..=999).contains(&status) {
            self.status = status;
        } else {
            self.fail(WriteError::Misuse("a status code is 100 to 999"));
        }
    }

    pub(crate) fn set_binary(&mut self, binary: bool) {
        self.binary = Some(binary);
    }

    /// Appends a header whose value `write` produces into the free space.
    fn push_with(&mut self, name: &str, write: impl FnOnce(&mut [u8]) -> Option<usize>) {
        if self.error.is_some() {
            return;
        }
        if !is_token(name) {
            return self.fail(WriteError::Misuse("a header name must be an HTTP token"));
        }
        if self.count == MAX_RESPONSE_HEADERS {
            return self.fail(WriteError::Misuse(
                "more response headers than MAX_RESPONSE_HEADERS (64)",
            ));
        }
        let start = self.used;
        let free = &mut self.bytes[start..];
        let Some(dst) = free.get_mut(..name.len()) else {
            return self.fail(too_many_bytes());
        };
        dst.copy_from_slice(name.as_bytes());
        let Some(value_len) = write(&mut free[name.len()..]) else {
            return self.fail(too_many_bytes());
        };
        let value = &self.bytes[start + name.len()..start + name.len() + value_len];
        if !core::str::from_utf8(value).is_ok_and(is_field_value) {
            return self.fail(WriteError::Misuse(
                "a header value must not hold control characters (CR, LF, NUL, ...)",
            ));
        }
        self.entries[self.count] = Entry {
            start: start as u32,
            name: name.len() as u32,
            value: value_len as u32,
        };
        self.count += 1;
        self.used = start + name.len() + value_len;
    }

    pub(crate) fn push(&mut self, name: &str, value: &str) {
        self.push_with(name, |free| {
            let dst = free.get_mut(..value.len())?;
            dst.copy_from_slice(value.as_bytes());
            Some(value.len())
        });
    }

    pub(crate) fn push_display(&mut self, name: &str, value: &dyn fmt::Display) {
        self.push_with(name, |free| {
            let mut sink = Sink { buf: free, len: 0 };
            fmt::write(&mut sink, format_args!("{value}")).ok()?;
            Some(sink.len)
        });
    }

    /// Removes every header named `name` (ASCII case-insensitive).
    pub(crate) fn remove(&mut self, name: &str) {
        let mut kept = 0;
        for i in 0..self.count {
            if !self.name(i).eq_ignore_ascii_case(name) {
                self.entries[kept] = self.entries[i];
                kept += 1;
            }
        }
        self.count = kept;
    }

    fn name(&self, i: usize) -> &str {
        let e = self.entries[i];
        let at = e.start as usize;
        core::str::from_utf8(&self.bytes[at..at + e.name as usize]).unwrap_or("")
    }

    fn value(&self, i: usize) -> &str {
        let e = self.entries[i];
        let at = (e.start + e.name) as usize;
        core::str::from_utf8(&self.bytes[at..at + e.value as usize]).unwrap_or("")
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        (0..self.count)
            .find(|&i| self.name(i).eq_ignore_ascii_case(name))
            .map(|i| self.value(i))
    }

    /// True when entry `i` is the first of its name.
    fn leads(&self, i: usize) -> bool {
        let name = self.name(i);
        !(0..i).any(|j| self.name(j).eq_ignore_ascii_case(name))
    }

    /// The values of entry `i`'s name, from `i` on.
    fn values_from(&self, i: usize) -> impl Iterator<Item = &str> + Clone + '_ {
        let name = self.name(i);
        (i..self.count)
            .filter(move |&k| self.name(k).eq_ignore_ascii_case(name))
            .map(move |k| self.value(k))
    }

    /// Whether a body written with [`Response::body`] goes out in base64.
    fn body_is_binary(&self, bytes: &[u8]) -> bool {
        if let Some(binary) = self.binary {
            return binary || core::str::from_utf8(bytes).is_err();
        }
        if self.get("content-encoding").is_some() {
            return true;
        }
        let text = match self.get("content-type") {
            None => true,
            Some(ct) => {
                let mime = ct.split(';').next().unwrap_or("").trim();
                [
                    "text",
                    "application/json",
                    "application/javascript",
                    "application/xml",
                    "application/yaml",
                ]
                .iter()
                .any(|p| ct.starts_with(p))
                    || ["+xml", "+yaml", "+json"].iter().any(|s| mime.ends_with(s))
                    || self.get("x-lambda-http-content-encoding") == Some("text")
            }
        };
        !text || core::str::from_utf8(bytes).is_err()
    }

    /// Writes `"headers"`, `"multiValueHeaders"` and `"cookies"` as `shape` wants them.
    pub(crate) fn write_headers(
        &self,
        w: &mut JsonWriter<'_>,
        shape: Shape,
    ) -> Result<(), WriteError> {
        match shape.source {
            Source::HttpApi | Source::FunctionUrl => self.write_with_cookies(w),
            // REST and WebSocket take both objects whatever the request had; ALB takes
            // `multiValueHeaders` only in its multi-value mode.
            Source::ApiGatewayRest | Source::WebSocket => self.write_multi(w, shape.multi),
            Source::Alb if shape.multi => self.write_multi(w, true),
            Source::Alb | Source::VpcLattice => self.write_single(w),
        }
    }

    fn is_set_cookie(&self, i: usize) -> bool {
        self.name(i).eq_ignore_ascii_case("set-cookie")
    }

    /// `headers` with repeated names joined, and every `Set-Cookie` in `cookies`.
    fn write_with_cookies(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        w.key("headers")?;
        w.begin_object()?;
        for i in (0..self.count).filter(|&i| self.leads(i) && !self.is_set_cookie(i)) {
            self.joined_member(w, i)?;
        }
        w.end_object()?;
        if (0..self.count).any(|i| self.is_set_cookie(i)) {
            w.key("cookies")?;
            w.begin_array()?;
            for i in (0..self.count).filter(|&i| self.is_set_cookie(i)) {
                w.str(self.value(i))?;
            }
            w.end_array()?;
        }
        Ok(())
    }

    /// `headers` for names with one value and `multiValueHeaders` for the others, or every
    /// name in `multiValueHeaders` when `all_multi`.
    fn write_multi(&self, w: &mut JsonWriter<'_>, all_multi: bool) -> Result<(), WriteError> {
        let several = |i: usize| self.values_from(i).nth(1).is_some();
        if !all_multi {
            w.key("headers")?;
            w.begin_object()?;
            for i in (0..self.count).filter(|&i| self.leads(i) && !several(i)) {
                w.field(self.name(i), self.value(i))?;
            }
            w.end_object()?;
        }
        if all_multi || (0..self.count).any(|i| self.leads(i) && several(i)) {
            w.key("multiValueHeaders")?;
            w.begin_object()?;
            for i in (0..self.count).filter(|&i| self.leads(i) && (all_multi || several(i))) {
                w.key(self.name(i))?;
                w.begin_array()?;
                for v in self.values_from(i) {
                    w.str(v)?;
                }
                w.end_array()?;
            }
            w.end_object()?;
        }
        Ok(())
    }

    /// `headers` only, repeated names joined; several `Set-Cookie` are refused.
    fn write_single(&self, w: &mut JsonWriter<'_>) -> Result<(), WriteError> {
        if (0..self.count)
            .filter(|&i| self.is_set_cookie(i))
            .nth(1)
            .is_some()
        {
            return Err(WriteError::Misuse(
                "this response shape has single-valued headers and cannot carry several \
                 Set-Cookie headers (enable multi-value headers on the ALB target group)",
            ));
        }
        w.key("headers")?;
        w.begin_object()?;
        for i in (0..self.count).filter(|&i| self.leads(i)) {
            self.joined_member(w, i)?;
        }
        w.end_object()
    }

    /// `"name":"v1, v2"`: the values of entry `i`'s name joined.
    fn joined_member(&self, w: &mut JsonWriter<'_>, i: usize) -> Result<(), WriteError> {
        let mut values = self.values_from(i);
        let first = values.next().unwrap_or("");
        if values.clone().next().is_none() {
            return w.field(self.name(i), first);
        }
        w.key(self.name(i))?;
        w.display(&Joined(self.values_from(i)))
    }
}

/// Values joined with `", "`.
struct Joined<I>(I);

impl<'v, I: Iterator<Item = &'v str> + Clone> fmt::Display for Joined<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, v) in self.0.clone().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            f.write_str(v)?;
        }
        Ok(())
    }
}

fn too_many_bytes() -> WriteError {
    WriteError::Misuse("response header names and values exceed MAX_RESPONSE_HEADER_BYTES (16 KiB)")
}

/// `fmt::Write` into a byte slice, failing when full.
struct Sink<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let dst = self
            .buf
            .get_mut(self.len..self.len + s.len())
            .ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len += s.len();
        Ok(())
    }
}

/// The reason phrase of a status code (RFC 9110 and the registered ones), empty if unknown.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => "",
    }
}

/// `"200 OK"`, or the code alone when it has no reason phrase.
struct StatusLine(u16);

impl fmt::Display for StatusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match reason_phrase(self.0) {
            "" => write!(f, "{}", self.0),
            reason => write!(f, "{} {reason}", self.0),
        }
    }
}

/// The response of one invocation, in the shape of the request's source.
///
/// Set the status, headers and cookies first, then write the body with one of
/// [`Response::body`], [`Response::text`], [`Response::text_display`], [`Response::json`] or
/// [`Response::empty`]; a response whose handler writes no body is sent empty. The setters
/// chain and keep the first error, which the body call (or the end of the invocation)
/// returns:
///
/// ```
/// # use lambda_zero::http::Response;
/// # fn f(res: &mut Response<'_>) -> Result<(), lambda_zero::json::WriteError> {
/// res.status(201)
///     .header("location", "/users/7")
///     .cookie("session=abc; Secure; HttpOnly")
///     .json(|w| w.object(|w| w.field("id", 7)))
/// # }
/// ```
pub struct Response<'r> {
    out: &'r mut [u8],
    head: &'r mut Head,
    shape: Shape,
    written: Option<usize>,
}

impl fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("source", &self.shape.source)
            .field("head", &self.head)
            .field("written", &self.written)
            .finish()
    }
}

impl<'r> Response<'r> {
    pub(crate) fn new(out: &'r mut [u8], head: &'r mut Head, shape: Shape) -> Response<'r> {
        Response {
            out,
            head,
            shape,
            written: None,
        }
    }

    /// The source whose shape is written.
    pub fn source(&self) -> Source {
        self.shape.source
    }

    fn setter(&mut self, f: impl FnOnce(&mut Head)) -> &mut Self {
        if self.written.is_some() {
            self.head
                .fail(WriteError::Misuse("the response was already written"));
        } else {
            f(self.head);
        }
        self
    }

    /// Sets the status code (200 unless set).
    pub fn status(&mut self, status: u16) -> &mut Self {
        self.setter(|h| h.set_status(status))
    }

    /// Adds a header (a repeated name adds a value).
    pub fn header(&mut self, name: &str, value: &str) -> &mut Self {
        self.setter(|h| h.push(name, value))
    }

    /// Adds a header whose value is formatted in place: `res.header_display("x-count", &3)`.
    pub fn header_display(&mut self, name: &str, value: &dyn fmt::Display) -> &mut Self {
        self.setter(|h| h.push_display(name, value))
    }

    /// Sets `Content-Type`, replacing an earlier one.
    pub fn content_type(&mut self, content_type: &str) -> &mut Self {
        self.setter(|h| {
            h.remove("content-type");
            h.push("content-type", content_type)
        })
    }

    /// Adds a cookie: a whole `Set-Cookie` value (`id=7; Path=/; HttpOnly`). It goes to the
    /// `cookies` array for HTTP APIs and function URLs, to `Set-Cookie` headers elsewhere.
    pub fn cookie(&mut self, set_cookie: &str) -> &mut Self {
        self.setter(|h| h.push("set-cookie", set_cookie))
    }

    /// Forces the body of [`Response::body`] to go out in base64 (`true`) or as text
    /// (`false`, for UTF-8 bodies), whatever the content type says.
    pub fn binary(&mut self, binary: bool) -> &mut Self {
        self.setter(|h| h.set_binary(binary))
    }

    /// The value of a header set so far.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.head.get(name)
    }

    fn write(
        &mut self,
        base64: bool,
        body: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        if self.written.is_some() {
            self.head
                .fail(WriteError::Misuse("the response was already written"));
        }
        if let Some(e) = self.head.error() {
            return Err(e);
        }
        let len = write_envelope(self.out, self.head, self.shape, base64, body);
        match len {
            Ok(len) => {
                self.written = Some(len);
                Ok(())
            }
            Err(e) => {
                self.head.fail(e);
                Err(e)
            }
        }
    }

    /// Writes the body `bytes`, as text or in base64 as the content type says (see the module
    /// documentation).
    pub fn body(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        let binary = self.head.body_is_binary(bytes);
        match core::str::from_utf8(bytes) {
            Ok(text) if !binary => self.write(false, |w| w.str(text)),
            _ => self.write(true, |w| w.base64(bytes)),
        }
    }

    /// Writes a text body (base64 only if [`Response::binary`] asked for it).
    pub fn text(&mut self, text: &str) -> Result<(), WriteError> {
        if self.head.binary == Some(true) {
            return self.write(true, |w| w.base64(text.as_bytes()));
        }
        self.write(false, |w| w.str(text))
    }

    /// Writes a text body formatted in place: `res.text_display(&format_args!("Hello, {name}"))`.
    pub fn text_display(&mut self, text: &dyn fmt::Display) -> Result<(), WriteError> {
        self.write(false, |w| w.display(text))
    }

    /// Writes a JSON body that `f` writes (escaped into the response in the same pass), with
    /// `Content-Type: application/json` unless another was set.
    pub fn json(
        &mut self,
        f: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        if self.written.is_none() && self.head.get("content-type").is_none() {
            self.head.push("content-type", "application/json");
        }
        self.write(false, |w| w.json_string(|w| f(w)))
    }

    /// Writes the response without a body.
    pub fn empty(&mut self) -> Result<(), WriteError> {
        self.write(false, |w| w.str(""))
    }

    /// The response's length once written, writing it without a body if the handler wrote
    /// none; the adapter's last step.
    pub(crate) fn conclude(mut self, outcome: Result<(), Error>) -> Result<usize, Error> {
        if let Err(e) = outcome {
            return Err(match self.head.error() {
                Some(we) if e.error_type() == "Function.WriteError" => response_error(we),
                _ => e,
            });
        }
        if self.written.is_none() {
            self.empty().map_err(response_error)?;
        }
        if let Some(e) = self.head.error() {
            return Err(response_error(e));
        }
        Ok(self.written.unwrap_or(0))
    }
}

/// The whole response object, its body written by `body`.
pub(crate) fn write_envelope(
    out: &mut [u8],
    head: &Head,
    shape: Shape,
    base64: bool,
    body: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>,
) -> Result<usize, WriteError> {
    let mut w = JsonWriter::new(out);
    w.begin_object()?;
    w.field("statusCode", head.status)?;
    if matches!(shape.source, Source::Alb | Source::VpcLattice) {
        w.key("statusDescription")?;
        w.display(&StatusLine(head.status))?;
    }
    head.write_headers(&mut w, shape)?;
    w.key("body")?;
    body(&mut w)?;
    w.field("isBase64Encoded", base64)?;
    w.end_object()?;
    w.finish()
}

/// The invocation error for a response that could not be written.
pub(crate) fn response_error(e: WriteError) -> Error {
    match e {
        WriteError::Full { .. } => Error::function("ResponseTooLarge", e),
        WriteError::Misuse(_) => Error::function("InvalidResponse", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn respond(
        source: Source,
        multi: bool,
        f: impl FnOnce(&mut Response<'_>) -> Result<(), WriteError>,
    ) -> Result<serde_json::Value, WriteError> {
        let mut out = vec![0u8; 4096];
        let mut head = Head::new();
        let mut res = Response::new(&mut out, &mut head, Shape { source, multi });
        f(&mut res)?;
        let len = res
            .conclude(Ok(()))
            .map_err(|_| WriteError::Misuse("conclude"))?;
        Ok(serde_json::from_slice(&out[..len]).unwrap())
    }

    fn two_cookies(res: &mut Response<'_>) -> Result<(), WriteError> {
        res.status(201)
            .header("Content-Type", "text/plain")
            .header("x-a", "1")
            .header("X-A", "2")
            .cookie("a=1; Secure")
            .cookie("b=2")
            .text("hi")
    }

    #[test]
    fn each_source_gets_its_shape() {
        let v = respond(Source::HttpApi, false, two_cookies).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"statusCode":201,"headers":{"Content-Type":"text/plain","x-a":"1, 2"},
                "cookies":["a=1; Secure","b=2"],"body":"hi","isBase64Encoded":false})
        );
        let v = respond(Source::ApiGatewayRest, true, two_cookies).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"statusCode":201,"multiValueHeaders":{"Content-Type":["text/plain"],
                "x-a":["1","2"],"set-cookie":["a=1; Secure","b=2"]},"body":"hi","isBase64Encoded":false})
        );
        let v = respond(Source::ApiGatewayRest, false, two_cookies).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"statusCode":201,"headers":{"Content-Type":"text/plain"},
                "multiValueHeaders":{"x-a":["1","2"],"set-cookie":["a=1; Secure","b=2"]},
                "body":"hi","isBase64Encoded":false})
        );
        let v = respond(Source::Alb, true, two_cookies).unwrap();
        assert_eq!(v["statusDescription"], "201 Created");
        assert_eq!(
            v["multiValueHeaders"]["set-cookie"],
            serde_json::json!(["a=1; Secure", "b=2"])
        );
        assert!(v.get("headers").is_none());
        let e = respond(Source::Alb, false, two_cookies).unwrap_err();
        assert!(matches!(e, WriteError::Misuse(m) if m.contains("Set-Cookie")));
        let v = respond(Source::Alb, false, |r| {
            r.header("x-a", "1")
                .header("x-a", "2")
                .cookie("a=1")
                .status(404)
                .empty()
        })
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"statusCode":404,"statusDescription":"404 Not Found",
                "headers":{"x-a":"1, 2","set-cookie":"a=1"},"body":"","isBase64Encoded":false})
        );
        let v = respond(Source::VpcLattice, false, |r| r.status(299).empty()).unwrap();
        assert_eq!(v["statusDescription"], "299");
        let v = respond(Source::WebSocket, false, |r| r.text("x")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"statusCode":200,"headers":{},"body":"x","isBase64Encoded":false})
        );
    }

    #[test]
    fn bodies_go_out_as_text_or_base64_by_content_type() {
        let body = |ct: Option<&str>, bytes: &'static [u8]| {
            respond(Source::HttpApi, false, move |r| {
                if let Some(ct) = ct {
                    r.content_type(ct);
                }
                r.body(bytes)
            })
            .unwrap()
        };
        for ct in [
            None,
            Some("text/html"),
            Some("application/json; charset=utf-8"),
            Some("application/problem+json"),
            Some("image/svg+xml"),
        ] {
            let v = body(ct, b"<a>\"x\"</a>");
            assert_eq!(
                (v["body"].as_str(), v["isBase64Encoded"].as_bool()),
                (Some("<a>\"x\"</a>"), Some(false)),
                "{ct:?}"
            );
        }
        for ct in [Some("image/png"), Some("application/octet-stream")] {
            let v = body(ct, b"\x89PNG");
            assert_eq!(
                (v["body"].as_str(), v["isBase64Encoded"].as_bool()),
                (Some("iVBORw=="), Some(true))
            );
        }
        let v = body(Some("text/plain"), b"\xff");
        assert_eq!(
            v["isBase64Encoded"], true,
            "text that is not UTF-8 goes in base64"
        );
        let v = respond(Source::HttpApi, false, |r| {
            r.header("content-encoding", "gzip").body(b"x")
        })
        .unwrap();
        assert_eq!(v["isBase64Encoded"], true);
        let v = respond(Source::HttpApi, false, |r| {
            r.content_type("image/png").binary(false).body(b"x")
        })
        .unwrap();
        assert_eq!(v["isBase64Encoded"], false);
        let v = respond(Source::HttpApi, false, |r| r.binary(true).text("ab")).unwrap();
        assert_eq!(
            (v["body"].as_str(), v["isBase64Encoded"].as_bool()),
            (Some("YWI="), Some(true))
        );
        let v = respond(Source::HttpApi, false, |r| {
            r.json(|w| w.object(|w| w.field("q", "\"\n")))
        })
        .unwrap();
        assert_eq!(v["headers"]["content-type"], "application/json");
        assert_eq!(v["body"], "{\"q\":\"\\\"\\n\"}");
        let v = respond(Source::HttpApi, false, |r| {
            r.text_display(&format_args!("{}-{}", 1, 2))
        })
        .unwrap();
        assert_eq!(v["body"], "1-2");
        let v = respond(Source::HttpApi, false, |_| Ok(())).unwrap();
        assert_eq!(
            (v["statusCode"].as_u64(), v["body"].as_str()),
            (Some(200), Some(""))
        );
    }

    #[test]
    fn misuse_and_capacities_are_errors() {
        let e = respond(Source::HttpApi, false, |r| {
            r.header("bad name", "x").empty()
        })
        .unwrap_err();
        assert!(matches!(e, WriteError::Misuse(m) if m.contains("token")));
        let e = respond(Source::HttpApi, false, |r| {
            r.header("x", "a\r\nb: c").empty()
        })
        .unwrap_err();
        assert!(matches!(e, WriteError::Misuse(m) if m.contains("control")));
        let e = respond(Source::HttpApi, false, |r| r.status(99).empty()).unwrap_err();
        assert!(matches!(e, WriteError::Misuse(_)));
        let e = respond(Source::HttpApi, false, |r| {
            for i in 0..=MAX_RESPONSE_HEADERS {
                r.header_display("x", &i);
            }
            r.empty()
        })
        .unwrap_err();
        assert!(matches!(e, WriteError::Misuse(m) if m.contains("MAX_RESPONSE_HEADERS")));
        let long = "v".repeat(MAX_RESPONSE_HEADER_BYTES);
        let e = respond(Source::HttpApi, false, |r| r.header("x", &long).empty()).unwrap_err();
        assert!(matches!(e, WriteError::Misuse(m) if m.contains("MAX_RESPONSE_HEADER_BYTES")));
        let mut out = vec![0u8; 4096];
        let mut head = Head::new();
        let mut res = Response::new(
            &mut out,
            &mut head,
            Shape {
                source: Source::HttpApi,
                multi: false,
            },
        );
        res.text("a").unwrap();
        assert!(res.text("b").is_err(), "one body");
        let e = res.conclude(Ok(())).unwrap_err();
        assert_eq!(e.error_type(), "Function.InvalidResponse");
        let mut small = vec![0u8; 32];
        let mut head = Head::new();
        let mut res = Response::new(
            &mut small,
            &mut head,
            Shape {
                source: Source::HttpApi,
                multi: false,
            },
        );
        let r = res.text(&"x".repeat(64));
        assert!(matches!(r, Err(WriteError::Full { .. })));
        let e = res.conclude(r.map_err(Error::from)).unwrap_err();
        assert_eq!(e.error_type(), "Function.ResponseTooLarge");
    }
}
