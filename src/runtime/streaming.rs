//! A streamed response: the chunked POST, its trailers, and the sink a [`ResponseStream`]
//! writes through.

use std::io::{self, IoSlice};
use std::panic::{self, AssertUnwindSafe};

use crate::error::Error;
use crate::error::RuntimeError;
use crate::log;
use crate::proto::body::Message;
use crate::proto::request::{self, Writer};
use crate::proto::Endpoint;
use crate::stream::{ChunkSink, ResponseStream, StreamingHandler};

use super::event_loop::{
    buffer_full, check_ack, context_for, read_ack, set_trace_id_env, split, PanicMessage, Received,
    Reply,
};
use super::{Io, Recv, Session};

impl<I: Io> Session<I> {
    /// Runs a streaming handler on one event: the head goes out with the first chunk, the end
    /// (or the error trailers) after the handler returns; then the acknowledgement is read and
    /// the connection closed. An error before any byte went out, or a connection that broke
    /// mid-stream, is answered with an ordinary `/error` POST.
    pub(super) fn invoke_streaming<H: StreamingHandler>(
        &mut self,
        recv: &mut Recv,
        message: &Message,
        handler: &mut H,
    ) -> Result<(), RuntimeError> {
        // Several workers, `panic = "abort"`: busy until the acknowledgement (see
        // `crate::panic_report`); the connection is closed after a stream, so no poll is open.
        let watched = crate::panic_report::watching();
        if watched {
            crate::panic_report::worker_busy();
        }
        let streamed = self.stream_one(recv, message, handler);
        if watched {
            crate::panic_report::worker_idle(false);
        }
        streamed
    }

    /// [`Session::invoke_streaming`]'s work.
    fn stream_one<H: StreamingHandler>(
        &mut self,
        recv: &mut Recv,
        message: &Message,
        handler: &mut H,
    ) -> Result<(), RuntimeError> {
        let head = &message.head;
        recv.filled = 0;
        recv.reader.reset();
        let Received {
            head_bytes,
            event,
            request_id,
            invocation_id,
        } = Received::split(&mut recv.buf, message);
        self.ensure_connected()?;
        // The context is read once; an unreadable one is answered with an error POST.
        let ctx = match context_for(head, head_bytes, &self.settings.config) {
            Ok(ctx) => ctx,
            Err(failure) => {
                self.post(request_id, invocation_id, &Reply::Failure(failure), false)?;
                return Ok(());
            }
        };
        let Session {
            ref mut io,
            ref settings,
            ref mut bufs,
            ref mut connected,
            ..
        } = *self;
        if settings.trace_id_env {
            set_trace_id_env(ctx.trace_id);
        }
        let scratch = split(&mut bufs.scratch);
        let mut sink = Sink {
            io,
            endpoint: &settings.endpoint,
            head: scratch.head,
            request_id,
            invocation_id,
            head_sent: false,
        };
        let mut stream = ResponseStream::new(&mut sink);
        crate::current::enter(&ctx);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            handler.handle(event, &ctx, &mut stream)
        }));
        crate::current::leave();
        let result = result.unwrap_or_else(|payload| {
            Err(Error::function("Panic", PanicMessage("handler", &*payload)))
        });
        let (started, broken) = (stream.started(), stream.is_broken());
        let mut content_type = [0u8; 256];
        let ct_len = stream.content_type().len();
        content_type[..ct_len].copy_from_slice(stream.content_type());
        if let Err(e) = &result {
            log::error(format_args!(
                "invocation {} failed: {e}",
                request_id.escape_ascii()
            ));
        }
        let finished = if broken || (!started && result.is_err()) {
            Err(())
        } else {
            sink.finish(
                &content_type[..ct_len],
                result.as_ref().err(),
                scratch.error_body,
            )
            .map_err(|e| {
                log::error(format_args!("streamed response could not be finished: {e}"));
            })
        };
        if finished.is_ok() {
            let ack = read_ack(io, scratch.ack, settings.ack_timeout);
            io.close();
            *connected = false;
            return match ack {
                Ok(ack) => check_ack("POST /response (streamed)", ack.status),
                Err(_) => {
                    log::error(format_args!(
                        "the connection closed or stalled before the streamed response was acknowledged"
                    ));
                    Ok(())
                }
            };
        }
        if broken || started {
            io.close();
            *connected = false;
        }
        let failure = match result {
            Err(e) => e,
            Ok(()) => Error::runtime(
                "StreamInterrupted",
                "the connection failed while the response was streamed",
            ),
        };
        self.post(request_id, invocation_id, &Reply::Failure(failure), false)?;
        Ok(())
    }
}

/// Sends a streamed response through the session's connection.
struct Sink<'x, I: Io> {
    io: &'x mut I,
    endpoint: &'x Endpoint,
    head: &'x mut [u8],
    request_id: &'x [u8],
    invocation_id: Option<&'x [u8]>,
    head_sent: bool,
}

impl<I: Io> Sink<'_, I> {
    /// Writes the head if it is still due, then `tail`, into `w`'s buffer.
    fn head_into(&self, w: &mut Writer<'_>, content_type: &[u8]) -> io::Result<()> {
        if self.head_sent {
            return Ok(());
        }
        request::write_streaming_head(
            w,
            self.endpoint,
            self.request_id,
            self.invocation_id,
            content_type,
        )
        .map_err(|_| buffer_full())
    }

    /// Ends the stream: the last chunk, with the error trailers if `error` is set.
    fn finish(
        &mut self,
        content_type: &[u8],
        error: Option<&Error>,
        scratch: &mut [u8],
    ) -> io::Result<()> {
        let mut body = Writer::new(scratch);
        if let Some(error) = error {
            request::write_error_body(&mut body, error.error_type(), error.message())
                .map_err(|_| buffer_full())?;
        }
        let body = body.written();
        let head = core::mem::take(&mut self.head);
        let mut w = Writer::new(head);
        let wrote = self.head_into(&mut w, content_type).and_then(|()| {
            match error {
                None => w.push(request::LAST_CHUNK),
                Some(error) => request::write_error_trailers(&mut w, error.error_type(), body),
            }
            .map_err(|_| buffer_full())
        });
        let n = w.len();
        self.head_sent = true;
        let sent = wrote.and_then(|()| self.io.write_all(&mut [IoSlice::new(&head[..n])]));
        self.head = head;
        sent
    }
}

/// Most slices [`Sink::send_chunks`] writes at once: the head and each chunk's size line, the
/// chunks' parts, the last CRLF.
const MAX_CHUNK_SLICES: usize = 8;

impl<I: Io> ChunkSink for Sink<'_, I> {
    fn send_chunks(&mut self, content_type: &[u8], chunks: &[&[&[u8]]]) -> io::Result<()> {
        let slices_needed: usize = chunks.iter().map(|parts| 1 + parts.len()).sum::<usize>() + 1;
        if slices_needed > MAX_CHUNK_SLICES {
            for parts in chunks {
                self.send_chunk(content_type, parts)?;
            }
            return Ok(());
        }
        // The head (if due) and every chunk's size line go into the head buffer, one after
        // the other; `ends[k]` is where the k-th of those pieces ends.
        let head = core::mem::take(&mut self.head);
        let mut w = Writer::new(head);
        let mut ends = [0usize; MAX_CHUNK_SLICES];
        let mut wrote = self.head_into(&mut w, content_type);
        for (k, parts) in chunks.iter().enumerate() {
            let len: usize = parts.iter().map(|p| p.len()).sum();
            wrote = wrote.and_then(|()| {
                if k > 0 {
                    // The end of the chunk before.
                    w.push(b"\r\n").map_err(|_| buffer_full())?;
                }
                request::write_chunk_size(&mut w, len).map_err(|_| buffer_full())
            });
            ends[k] = w.len();
        }
        let sent = wrote.and_then(|()| {
            let mut slices = [IoSlice::new(&[]); MAX_CHUNK_SLICES];
            let mut n = 0;
            let mut start = 0;
            for (k, parts) in chunks.iter().enumerate() {
                slices[n] = IoSlice::new(&head[start..ends[k]]);
                n += 1;
                start = ends[k];
                for part in parts.iter() {
                    slices[n] = IoSlice::new(part);
                    n += 1;
                }
            }
            slices[n] = IoSlice::new(b"\r\n");
            n += 1;
            self.head_sent = true;
            self.io.write_all(&mut slices[..n])
        });
        self.head = head;
        sent
    }

    fn send_chunk(&mut self, content_type: &[u8], parts: &[&[u8]]) -> io::Result<()> {
        let head = core::mem::take(&mut self.head);
        let mut w = Writer::new(head);
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let wrote = self
            .head_into(&mut w, content_type)
            .and_then(|()| request::write_chunk_size(&mut w, len).map_err(|_| buffer_full()));
        let n = w.len();
        let sent = wrote.and_then(|()| {
            let mut slices = [IoSlice::new(&[]); 6];
            slices[0] = IoSlice::new(&head[..n]);
            for (slot, part) in slices[1..5].iter_mut().zip(parts) {
                *slot = IoSlice::new(part);
            }
            slices[5] = IoSlice::new(b"\r\n");
            self.head_sent = true;
            self.io.write_all(&mut slices)
        });
        self.head = head;
        sent
    }
}
