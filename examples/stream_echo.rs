//! The streaming echo function: streams every event back unchanged, in pieces of at most 16 KiB.
//!
//! A [`StreamingHandler`] run with `Runtime::run`: the response is a chunked POST
//! with `Lambda-Runtime-Function-Response-Mode: streaming`, one chunk per piece, each written
//! straight from the event buffer (no copy, no allocation per invocation). An empty event gets
//! an empty response. Outside measurements use this bootstrap; keep its name and behaviour.
//!
//! Deploy it like `examples/echo` (`scripts/build-arm64.sh`), then call it through
//! `InvokeWithResponseStream` or a function URL with `InvokeMode: RESPONSE_STREAM`.

use lambda_zero::{Context, Error, ResponseStream, StreamingHandler};

/// The largest piece written at once.
const PIECE: usize = 16 * 1024;

struct StreamEcho;

impl StreamingHandler for StreamEcho {
    fn handle(
        &mut self,
        event: &mut [u8],
        _ctx: &Context<'_>,
        out: &mut ResponseStream<'_>,
    ) -> Result<(), Error> {
        out.set_content_type("application/octet-stream");
        for piece in event.chunks(PIECE) {
            out.write(piece)?;
        }
        Ok(())
    }
}

fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(StreamEcho)
}
