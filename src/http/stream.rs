//! Streamed HTTP responses: function URLs with `InvokeMode: RESPONSE_STREAM`, and API Gateway
//! REST APIs with a response-streaming Lambda integration.
//!
//! Both take the same envelope on a streamed invocation: a JSON prelude with the status and
//! the headers, eight NUL bytes, then the body bytes as they come. The prelude's headers
//! follow the source: `headers` and `multiValueHeaders` for REST (and WebSocket) APIs, which
//! is API Gateway's streaming prelude format, `headers` and `cookies` for function URLs and
//! every other source. The prelude goes out with the first body write (or at the end, for a
//! body-less response), through [`ResponseStream::write_http_prelude`]; the body goes straight
//! from the handler's slices to the socket.

use core::fmt;

use super::response::{response_error, Head, Shape};
use super::source::Source;
use crate::json::{JsonWriter, WriteError};
use crate::{Error, ResponseStream};

/// Size of the prelude buffer: the status and the headers
/// ([`MAX_RESPONSE_HEADER_BYTES`](super::MAX_RESPONSE_HEADER_BYTES) of them, escaped).
pub(crate) const PRELUDE_CAPACITY: usize = 8 * super::MAX_RESPONSE_HEADER_BYTES;

/// A streamed HTTP response: status and headers first, then body writes.
///
/// ```
/// # use lambda_zero::http::StreamResponse;
/// # fn f(res: &mut StreamResponse<'_, '_>) -> Result<(), lambda_zero::Error> {
/// res.status(200).content_type("text/event-stream");
/// for n in 0..3 {
///     res.write_display(&format_args!("data: {n}\n\n"))?;
/// }
/// # Ok(()) }
/// ```
pub struct StreamResponse<'s, 'o> {
    stream: &'s mut ResponseStream<'o>,
    head: &'s mut Head,
    prelude: &'s mut [u8],
    shape: Shape,
    started: bool,
}

impl fmt::Debug for StreamResponse<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamResponse")
            .field("source", &self.shape.source)
            .field("started", &self.started)
            .finish_non_exhaustive()
    }
}

impl<'s, 'o> StreamResponse<'s, 'o> {
    pub(crate) fn new(
        stream: &'s mut ResponseStream<'o>,
        head: &'s mut Head,
        prelude: &'s mut [u8],
        shape: Shape,
    ) -> StreamResponse<'s, 'o> {
        StreamResponse {
            stream,
            head,
            prelude,
            shape,
            started: false,
        }
    }

    /// The source the request came from.
    pub fn source(&self) -> Source {
        self.shape.source
    }

    fn setter(&mut self, f: impl FnOnce(&mut Head)) -> &mut Self {
        if self.started {
            self.head.fail(WriteError::Misuse(
                "status and headers must be set before the first body write",
            ));
        } else {
            f(self.head);
        }
        self
    }

    /// Sets the status code (200 unless set).
    pub fn status(&mut self, status: u16) -> &mut Self {
        self.setter(|h| h.set_status(status))
    }

    /// Adds a header.
    pub fn header(&mut self, name: &str, value: &str) -> &mut Self {
        self.setter(|h| h.push(name, value))
    }

    /// Adds a header whose value is formatted in place.
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

    /// Adds a cookie (a whole `Set-Cookie` value).
    pub fn cookie(&mut self, set_cookie: &str) -> &mut Self {
        self.setter(|h| h.push("set-cookie", set_cookie))
    }

    /// Whether the prelude went out.
    pub fn started(&self) -> bool {
        self.started
    }

    /// Sends the prelude now (status and headers), if it has not gone out.
    pub fn start(&mut self) -> Result<(), Error> {
        if self.started {
            return Ok(());
        }
        if let Some(e) = self.head.error() {
            return Err(response_error(e));
        }
        let len = write_prelude(self.prelude, self.head, self.shape).map_err(response_error)?;
        self.started = true;
        self.stream.write_http_prelude(&self.prelude[..len])
    }

    /// Sends `data` as the next piece of the body (the prelude first, on the first call).
    pub fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.start()?;
        self.stream.write(data)
    }

    /// Sends text formatted in place, in pieces of at most the prelude buffer's size.
    pub fn write_display(&mut self, text: &dyn fmt::Display) -> Result<(), Error> {
        self.start()?;
        let mut sink = Chunks {
            buf: &mut *self.prelude,
            len: 0,
            stream: &mut *self.stream,
            error: None,
        };
        let formatted = fmt::write(&mut sink, format_args!("{text}"));
        let flushed = sink.flush();
        if let Some(e) = sink.error {
            return Err(e);
        }
        formatted.map_err(|_| Error::function("InvalidResponse", "a Display impl failed"))?;
        flushed
    }

    /// The adapter's last step: the prelude goes out if nothing did.
    pub(crate) fn conclude(mut self, outcome: Result<(), Error>) -> Result<(), Error> {
        outcome?;
        self.start()
    }
}

/// Formatted text gathered into a buffer and sent a buffer at a time.
struct Chunks<'b, 's, 'o> {
    buf: &'b mut [u8],
    len: usize,
    stream: &'s mut ResponseStream<'o>,
    error: Option<Error>,
}

impl Chunks<'_, '_, '_> {
    fn flush(&mut self) -> Result<(), Error> {
        if self.len == 0 {
            return Ok(());
        }
        let r = self.stream.write(&self.buf[..self.len]);
        self.len = 0;
        r
    }
}

impl fmt::Write for Chunks<'_, '_, '_> {
    fn write_str(&mut self, mut s: &str) -> fmt::Result {
        while !s.is_empty() {
            if self.len == self.buf.len() {
                if let Err(e) = self.flush() {
                    self.error = Some(e);
                    return Err(fmt::Error);
                }
            }
            let n = s.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
            self.len += n;
            s = &s[n..];
        }
        Ok(())
    }
}

/// The prelude object: `{"statusCode":200,"headers":{...},...}`.
pub(crate) fn write_prelude(
    out: &mut [u8],
    head: &Head,
    shape: Shape,
) -> Result<usize, WriteError> {
    let mut w = JsonWriter::new(out);
    w.begin_object()?;
    w.field("statusCode", head.status())?;
    // REST's streaming prelude takes `multiValueHeaders` (and `headers`); every other source
    // streams through a function URL, whose prelude has `headers` and `cookies`.
    let prelude_shape = match shape.source {
        Source::ApiGatewayRest | Source::WebSocket => Shape {
            source: Source::ApiGatewayRest,
            multi: shape.multi,
        },
        _ => Shape {
            source: Source::FunctionUrl,
            multi: false,
        },
    };
    head.write_headers(&mut w, prelude_shape)?;
    w.end_object()?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preludes_by_source() {
        let mut head = Head::new();
        head.set_status(201);
        head.push("content-type", "text/plain");
        head.push("set-cookie", "a=1");
        head.push("set-cookie", "b=2");
        let mut out = [0u8; 512];
        let prelude = |out: &mut [u8], source, multi| {
            let n = write_prelude(out, &head, Shape { source, multi }).unwrap();
            serde_json::from_slice::<serde_json::Value>(&out[..n]).unwrap()
        };
        assert_eq!(
            prelude(&mut out, Source::FunctionUrl, false),
            serde_json::json!({"statusCode":201,"headers":{"content-type":"text/plain"},"cookies":["a=1","b=2"]})
        );
        assert_eq!(
            prelude(&mut out, Source::ApiGatewayRest, true),
            serde_json::json!({"statusCode":201,"multiValueHeaders":{"content-type":["text/plain"],"set-cookie":["a=1","b=2"]}})
        );
        assert_eq!(
            prelude(&mut out, Source::Alb, false),
            serde_json::json!({"statusCode":201,"headers":{"content-type":"text/plain"},"cookies":["a=1","b=2"]}),
            "sources that cannot stream get the function URL prelude"
        );
    }
}
