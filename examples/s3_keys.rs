//! An S3 notification function: answers `["bucket/key", ...]`, one string per record, the
//! object key URL-decoded (`+` is a space, `%xx` a byte), as S3 encodes keys in events.
//!
//! The records are read from the event in place ([`lambda_zero::events::s3::S3Event`]); each
//! key is decoded into one buffer made at start-up, so nothing is allocated per invocation.
//!
//! `AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 cargo run --example s3_keys --features events`

use lambda_zero::events::s3::S3Event;
use lambda_zero::events::{self, EventHandler, Events};
use lambda_zero::json::{Json, JsonWriter};
use lambda_zero::{Context, Error, MAX_EVENT_BODY};

/// The function: a buffer for decoded keys (a decoded key is never longer than its text).
pub struct S3Keys {
    key: Box<[u8]>,
}

impl EventHandler for S3Keys {
    type Event<'t, 'de>
        = S3Event<'t, 'de>
    where
        'de: 't;

    fn handle(
        &mut self,
        event: S3Event<'_, '_>,
        out: &mut JsonWriter<'_>,
        _ctx: &Context<'_>,
    ) -> Result<(), Error> {
        out.begin_array()?;
        for (i, record) in event.records.iter().enumerate() {
            let record = record.map_err(|e| e.to_error())?;
            let object = &record.s3.object;
            let (Some(bucket), Some(_)) = (record.s3.bucket.name, object.key) else {
                let message = format_args!("record {i} has no bucket name or object key");
                return Err(Error::function("IncompleteRecord", message));
            };
            let key = object
                .decoded_key(&mut self.key)
                .map_err(|e| Error::function("UndecodableKey", format_args!("record {i}: {e}")))?;
            out.value(format_args!("{bucket}/{key}"))?;
        }
        out.end_array()?;
        Ok(())
    }
}

/// The ready handler.
pub fn handler() -> Json<Events<S3Keys>> {
    events::handler(S3Keys {
        key: vec![0u8; MAX_EVENT_BODY].into_boxed_slice(),
    })
}

#[allow(dead_code)]
fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(handler())
}
