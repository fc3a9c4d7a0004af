//! How one event becomes its answer, chosen by the handler's kind: the sealed side of
//! [`crate::Function`].

use crate::asynchronous::{self, AsyncHandler, AsyncStreamingHandler, OnThisThread};
use crate::error::RuntimeError;
use crate::handler::{kind, Handler};
use crate::proto::body::Message;
use crate::stream::StreamingHandler;

use super::{Io, Recv, Session};

/// Answers one event with a handler of kind `K` (sealed: this module is private, so only the
/// implementations below exist). `K` is a marker from [`crate::kind`], which keeps the two
/// blanket implementations apart.
pub trait Dispatch<K> {
    /// Readies the thread that serves this kind, before its first event (start-up: it may
    /// allocate). Nothing for the synchronous kinds.
    fn prepare_thread() {}

    /// Answers the event in `message`; returns whether a pipelined `GET /next` is outstanding.
    fn dispatch<I: Io>(
        &mut self,
        session: &mut Session<I>,
        recv: &mut Recv,
        message: &Message,
        pipeline: bool,
    ) -> Result<bool, RuntimeError>;
}

/// A [`Handler`]: the response is sent whole, with the next `GET /next` pipelined behind it.
impl<H: Handler> Dispatch<kind::Buffered> for H {
    fn dispatch<I: Io>(
        &mut self,
        session: &mut Session<I>,
        recv: &mut Recv,
        message: &Message,
        pipeline: bool,
    ) -> Result<bool, RuntimeError> {
        session.invoke(recv, message, self, pipeline)
    }
}

/// A [`StreamingHandler`]. Streamed responses are never pipelined: the connection is closed
/// after each one.
impl<H: StreamingHandler> Dispatch<kind::Streaming> for H {
    fn dispatch<I: Io>(
        &mut self,
        session: &mut Session<I>,
        recv: &mut Recv,
        message: &Message,
        _pipeline: bool,
    ) -> Result<bool, RuntimeError> {
        session.invoke_streaming(recv, message, self)?;
        Ok(false)
    }
}

/// An [`AsyncHandler`], driven by the built-in [`asynchronous::block_on`] as a [`Handler`].
impl<H: AsyncHandler> Dispatch<kind::Async> for H {
    fn prepare_thread() {
        asynchronous::prepare_thread();
    }

    fn dispatch<I: Io>(
        &mut self,
        session: &mut Session<I>,
        recv: &mut Recv,
        message: &Message,
        pipeline: bool,
    ) -> Result<bool, RuntimeError> {
        session.invoke(recv, message, &mut OnThisThread(self), pipeline)
    }
}

/// An [`AsyncStreamingHandler`], driven like [`kind::Async`], streamed like
/// [`kind::Streaming`].
impl<H: AsyncStreamingHandler> Dispatch<kind::AsyncStreaming> for H {
    fn prepare_thread() {
        asynchronous::prepare_thread();
    }

    fn dispatch<I: Io>(
        &mut self,
        session: &mut Session<I>,
        recv: &mut Recv,
        message: &Message,
        _pipeline: bool,
    ) -> Result<bool, RuntimeError> {
        session.invoke_streaming(recv, message, &mut OnThisThread(self))?;
        Ok(false)
    }
}
