//! Response streaming: a handler that sends its response in pieces as it produces them.
//!
//! Lambda's response streaming (function URLs with `InvokeMode: RESPONSE_STREAM`,
//! `InvokeWithResponseStream`) takes the response as a chunked POST with
//! `Lambda-Runtime-Function-Response-Mode: streaming`. Each [`ResponseStream::write`] becomes one
//! chunk, written straight from the caller's slice with one vectored write (no copy, no
//! allocation). An error after the first bytes went out is sent the way Lambda wants it: in the
//! `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body` trailers. An
//! error before any byte went out becomes an ordinary `/error` POST.

use std::io;

use crate::context::Context;
use crate::error::Error;

/// A handler that streams its response through a [`ResponseStream`].
///
/// ```
/// use lambda_zero::{Context, Error, ResponseStream, StreamingHandler};
///
/// struct Countdown;
///
/// impl StreamingHandler for Countdown {
///     fn handle(&mut self, _event: &mut [u8], _ctx: &Context<'_>, out: &mut ResponseStream<'_>) -> Result<(), Error> {
///         out.set_content_type("text/plain");
///         for line in [&b"3\n"[..], b"2\n", b"1\n", b"liftoff\n"] {
///             out.write(line)?;
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait StreamingHandler {
    /// Handles one invocation, writing the response to `out`. An `Err` is reported to Lambda:
    /// as the invocation's error if nothing was written yet, in the error trailers otherwise.
    fn handle(
        &mut self,
        event: &mut [u8],
        ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error>;
}

/// The content type of an HTTP integration response (function URLs): a JSON prelude with
/// `statusCode`, `headers` and `cookies`, eight NUL bytes, then the body.
pub const HTTP_INTEGRATION_CONTENT_TYPE: &str =
    "application/vnd.awslambda.http-integration-response";

/// The separator between the HTTP integration prelude and the body.
const PRELUDE_SEPARATOR: &[u8; 8] = &[0; 8];

/// Longest content type kept.
const MAX_CONTENT_TYPE: usize = 256;

/// Where a [`ResponseStream`] sends its chunks (implemented by the runtime loop).
pub(crate) trait ChunkSink {
    /// Sends `parts` as one chunk (the head first, if it has not gone out yet).
    fn send_chunk(&mut self, content_type: &[u8], parts: &[&[u8]]) -> io::Result<()>;

    /// Sends each of `chunks` (its parts) as a chunk of its own, in one write where the sink
    /// can.
    fn send_chunks(&mut self, content_type: &[u8], chunks: &[&[&[u8]]]) -> io::Result<()> {
        for parts in chunks {
            self.send_chunk(content_type, parts)?;
        }
        Ok(())
    }
}

/// The response of a streaming invocation, written in pieces.
pub struct ResponseStream<'s> {
    sink: &'s mut dyn ChunkSink,
    content_type: [u8; MAX_CONTENT_TYPE],
    content_type_len: usize,
    started: bool,
    broken: bool,
}

impl<'s> ResponseStream<'s> {
    pub(crate) fn new(sink: &'s mut dyn ChunkSink) -> ResponseStream<'s> {
        ResponseStream {
            sink,
            content_type: [0; MAX_CONTENT_TYPE],
            content_type_len: 0,
            started: false,
            broken: false,
        }
    }

    /// Sets the `Content-Type` of the response. Only takes effect before the first write;
    /// values longer than 256 bytes or with control characters are ignored.
    pub fn set_content_type(&mut self, content_type: &str) {
        let bytes = content_type.as_bytes();
        if self.started
            || bytes.len() > MAX_CONTENT_TYPE
            || !crate::proto::request::is_safe_header_value(bytes)
        {
            return;
        }
        self.content_type[..bytes.len()].copy_from_slice(bytes);
        self.content_type_len = bytes.len();
    }

    /// Sends `data` as the next piece of the response. Empty writes send nothing.
    pub fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        self.send(&[data])
    }

    /// Starts an HTTP integration response (function URLs): sets the content type and sends
    /// `prelude` (a JSON object with `statusCode`, `headers`, `cookies`) and the separator. Call
    /// it before any other write; the body follows with [`ResponseStream::write`].
    ///
    /// The prelude and the eight-NUL separator go out as chunks of their own, as
    /// `lambda_runtime` sends them (`cargo lambda watch` refuses them in one chunk), in one
    /// write. A prelude without a `"cookies"` member gets `"cookies":[]` added, which the same
    /// emulator requires and Lambda accepts.
    pub fn write_http_prelude(&mut self, prelude: &[u8]) -> Result<(), Error> {
        if self.started {
            return Err(Error::runtime(
                "StreamMisuse",
                "the HTTP prelude must be written before the body",
            ));
        }
        let trimmed = prelude.trim_ascii();
        let (Some(b'{'), Some(b'}')) = (trimmed.first(), trimmed.last()) else {
            return Err(Error::runtime(
                "InvalidPrelude",
                "the HTTP prelude must be a JSON object",
            ));
        };
        self.set_content_type(HTTP_INTEGRATION_CONTENT_TYPE);
        if memchr::memmem::find(trimmed, b"\"cookies\"").is_some() {
            self.send_all(&[&[trimmed], &[PRELUDE_SEPARATOR]])
        } else {
            let open = &trimmed[..trimmed.len() - 1];
            let empty = open[1..].trim_ascii().is_empty();
            let cookies: &[u8] = if empty {
                b"\"cookies\":[]}"
            } else {
                b",\"cookies\":[]}"
            };
            self.send_all(&[&[open, cookies], &[PRELUDE_SEPARATOR]])
        }
    }

    /// Whether any bytes went out (after that, errors travel in trailers).
    pub fn started(&self) -> bool {
        self.started
    }

    fn send(&mut self, parts: &[&[u8]]) -> Result<(), Error> {
        if !self.broken && parts.iter().all(|p| p.is_empty()) {
            return Ok(());
        }
        self.send_all(&[parts])
    }

    /// Sends each of `chunks` (none empty) as a chunk of its own.
    fn send_all(&mut self, chunks: &[&[&[u8]]]) -> Result<(), Error> {
        if self.broken {
            return Err(Error::runtime(
                "StreamInterrupted",
                "the response stream was already interrupted",
            ));
        }
        let content_type = &self.content_type[..self.content_type_len];
        let sent = match chunks {
            [parts] => self.sink.send_chunk(content_type, parts),
            _ => self.sink.send_chunks(content_type, chunks),
        };
        match sent {
            Ok(()) => {
                self.started = true;
                Ok(())
            }
            Err(e) => {
                self.started = true;
                self.broken = true;
                Err(Error::runtime(
                    "StreamInterrupted",
                    format_args!("connection to the Runtime API failed mid-stream: {e}"),
                ))
            }
        }
    }

    pub(crate) fn content_type(&self) -> &[u8] {
        &self.content_type[..self.content_type_len]
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.broken
    }
}

impl core::fmt::Debug for ResponseStream<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ResponseStream")
            .field(
                "content_type",
                &String::from_utf8_lossy(self.content_type()),
            )
            .field("started", &self.started)
            .field("broken", &self.broken)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each call: the chunks it carried, each as its concatenated parts.
    #[derive(Default)]
    struct Calls(Vec<Vec<Vec<u8>>>);

    impl ChunkSink for Calls {
        fn send_chunk(&mut self, _: &[u8], parts: &[&[u8]]) -> io::Result<()> {
            self.0.push(vec![parts.concat()]);
            Ok(())
        }
        fn send_chunks(&mut self, _: &[u8], chunks: &[&[&[u8]]]) -> io::Result<()> {
            self.0
                .push(chunks.iter().map(|parts| parts.concat()).collect());
            Ok(())
        }
    }

    #[test]
    fn the_prelude_and_its_separator_are_two_chunks_in_one_call() {
        let mut calls = Calls::default();
        {
            let mut stream = ResponseStream::new(&mut calls);
            stream.write_http_prelude(br#"{"statusCode":200}"#).unwrap();
            stream.write(b"body").unwrap();
            assert_eq!(
                stream.content_type(),
                HTTP_INTEGRATION_CONTENT_TYPE.as_bytes()
            );
        }
        assert_eq!(
            calls.0,
            [
                vec![
                    br#"{"statusCode":200,"cookies":[]}"#.to_vec(),
                    PRELUDE_SEPARATOR.to_vec()
                ],
                vec![b"body".to_vec()],
            ]
        );
    }
}
