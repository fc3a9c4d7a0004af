//! A DynamoDB Streams function: answers one object per record,
//! `[{"event":"INSERT","keys":{"id":"42"}}, ...]`, the primary key's values as their text
//! (`S` and `N` as DynamoDB sends them, `B` as its base64).
//!
//! Records and key attributes are read from the event in place
//! ([`lambda_zero::events::dynamodb::DynamoDbEvent`]): nothing is allocated per invocation.
//!
//! `AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 cargo run --example dynamodb_keys --features events`

use lambda_zero::events::dynamodb::{AttributeValue, DynamoDbEvent};
use lambda_zero::events::{self, EventHandler, Events};
use lambda_zero::json::{Json, JsonWriter};
use lambda_zero::{Context, Error};

/// The function.
pub struct DynamoDbKeys;

impl EventHandler for DynamoDbKeys {
    type Event<'t, 'de>
        = DynamoDbEvent<'t, 'de>
    where
        'de: 't;

    fn handle(
        &mut self,
        event: DynamoDbEvent<'_, '_>,
        out: &mut JsonWriter<'_>,
        _ctx: &Context<'_>,
    ) -> Result<(), Error> {
        out.begin_array()?;
        for record in event.records.iter() {
            let record = record.map_err(|e| e.to_error())?;
            out.begin_object()?;
            out.field("event", record.event_name)?;
            out.key("keys")?;
            out.begin_object()?;
            for (name, value) in record.change.keys.iter() {
                let text = match value.map_err(|e| e.to_error())? {
                    AttributeValue::S(text) | AttributeValue::N(text) => text,
                    AttributeValue::B(base64) => base64.as_str(),
                    other => {
                        let message = format_args!(
                            "key attribute `{name}` is of type {}, not S, N or B",
                            other.type_name()
                        );
                        return Err(Error::function("InvalidKey", message));
                    }
                };
                out.field(name, text)?;
            }
            out.end_object()?;
            out.end_object()?;
        }
        out.end_array()?;
        Ok(())
    }
}

/// The ready handler.
pub fn handler() -> Json<Events<DynamoDbKeys>> {
    events::handler(DynamoDbKeys)
}

#[allow(dead_code)]
fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(handler())
}
