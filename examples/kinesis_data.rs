//! A Kinesis Data Streams function: answers `["...", ...]`, the base64-decoded data of each
//! record as a string (bytes that are not UTF-8 become U+FFFD, as `String::from_utf8_lossy`
//! would make them).
//!
//! Each record's data is decoded into one buffer made at start-up
//! ([`lambda_zero::events::Base64::decode_into`]): nothing is allocated per invocation.
//!
//! `AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 cargo run --example kinesis_data --features events`

use core::fmt;

use lambda_zero::events::kinesis::KinesisEvent;
use lambda_zero::events::{self, EventHandler, Events};
use lambda_zero::json::{Json, JsonWriter, Text};
use lambda_zero::{Context, Error, MAX_EVENT_BODY};

/// The function: a buffer for one record's decoded data.
pub struct KinesisData {
    data: Box<[u8]>,
}

/// Bytes shown as text, each invalid UTF-8 sequence as U+FFFD, without allocating.
struct Lossy<'a>(&'a [u8]);

impl fmt::Display for Lossy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_str("\u{FFFD}")?;
            }
        }
        Ok(())
    }
}

impl EventHandler for KinesisData {
    type Event<'t, 'de>
        = KinesisEvent<'t, 'de>
    where
        'de: 't;

    fn handle(
        &mut self,
        event: KinesisEvent<'_, '_>,
        out: &mut JsonWriter<'_>,
        _ctx: &Context<'_>,
    ) -> Result<(), Error> {
        out.begin_array()?;
        for (i, record) in event.records.iter().enumerate() {
            let record = record.map_err(|e| e.to_error())?;
            let data = record
                .kinesis
                .data
                .decode_into(&mut self.data)
                .map_err(|e| Error::function("InvalidData", format_args!("record {i}: {e}")))?;
            out.value(Text(Lossy(data)))?;
        }
        out.end_array()?;
        Ok(())
    }
}

/// The ready handler.
pub fn handler() -> Json<Events<KinesisData>> {
    events::handler(KinesisData {
        // Base64 text decodes to at most three quarters of its length.
        data: vec![0u8; MAX_EVENT_BODY / 4 * 3].into_boxed_slice(),
    })
}

#[allow(dead_code)]
fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(handler())
}
