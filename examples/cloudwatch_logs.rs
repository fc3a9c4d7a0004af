//! A CloudWatch Logs subscription function: answers `["...", ...]`, the `message` of every log
//! event in the payload (`awslogs.data`: base64, then gzip, then JSON).
//!
//! A [`LogsDecoder`] made at start-up decodes, inflates and parses the payload into its own
//! buffers, reused for every invocation: nothing is allocated per invocation.
//!
//! `AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 cargo run --example cloudwatch_logs --features events`

// `lambda_zero::Error` is inline by design (no heap), so results carrying it are large.
#![allow(clippy::result_large_err)]

use lambda_zero::events::cloudwatch_logs::{CloudWatchLogsEvent, LogsDecoder};
use lambda_zero::events::{self, EventHandler, Events};
use lambda_zero::json::{Json, JsonWriter};
use lambda_zero::{Context, Error};

/// The function: the decoder and its buffers.
pub struct CloudWatchLogs {
    decoder: LogsDecoder,
}

impl EventHandler for CloudWatchLogs {
    type Event<'t, 'de>
        = CloudWatchLogsEvent<'de>
    where
        'de: 't;

    fn handle(
        &mut self,
        event: CloudWatchLogsEvent<'_>,
        out: &mut JsonWriter<'_>,
        _ctx: &Context<'_>,
    ) -> Result<(), Error> {
        let written = self.decoder.decode(&event.aws_logs, |logs| {
            out.begin_array()?;
            for entry in logs.log_events.iter() {
                let entry = entry.map_err(|e| e.to_error())?;
                out.value(entry.message)?;
            }
            out.end_array()?;
            Ok::<(), Error>(())
        });
        written.map_err(|e| Error::function("InvalidLogsData", e))?
    }
}

/// The ready handler.
pub fn handler() -> Json<Events<CloudWatchLogs>> {
    events::handler(CloudWatchLogs {
        decoder: LogsDecoder::default(),
    })
}

#[allow(dead_code)]
fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(handler())
}
