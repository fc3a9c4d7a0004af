//! An SQS batch function with partial batch responses (`ReportBatchItemFailures`).
//!
//! Each message body should be a JSON order, `{"orderId":"o-1","quantity":3}`. The handler
//! reads the event as [`lambda_zero::events::sqs::SqsEvent`] (records read from the event in
//! place, as they are iterated), parses each body (a JSON document inside a JSON string) with a
//! second reused parser, and answers the messages it could not process with
//! [`BatchItemFailures`]:
//!
//! ```json
//! {"batchItemFailures":[{"itemIdentifier":"059f36b4-87a3-44ab-83d2-661975830a7d"}]}
//! ```
//!
//! SQS then deletes the other messages and retries only these. A record without a
//! `messageId` (or a `body`) fails the whole invocation, which makes SQS retry the whole batch.
//! Nothing is allocated per invocation: the body is copied into a scratch buffer sized at
//! start-up for SQS's 1 MiB message limit, and both parsers reuse their buffers.
//!
//! Run it against a Runtime API, e.g. the mock one:
//! `AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 cargo run --example sqs_batch --features events`.

use lambda_zero::events::sqs::SqsEvent;
use lambda_zero::events::{BatchItemFailures, EventHandler, Events};
use lambda_zero::json::{Json, JsonWriter, Limits, Parser};
use lambda_zero::{Context, Error};
use serde::Deserialize;

/// Largest SQS message body.
const MAX_BODY: usize = 1024 * 1024;

/// What each message carries.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Order<'a> {
    order_id: &'a str,
    quantity: u32,
}

/// The function.
pub struct Batch {
    /// Parses message bodies; sized for the largest body.
    bodies: Parser,
    /// A mutable copy of the current body, for in-place parsing.
    scratch: Vec<u8>,
    /// Orders accepted so far (stands in for real work).
    accepted: u64,
}

impl Batch {
    /// The function with its buffers.
    pub fn new() -> Batch {
        Batch {
            bodies: Parser::new(Limits::strict(MAX_BODY, 0)),
            scratch: Vec::with_capacity(MAX_BODY),
            accepted: 0,
        }
    }

    /// Processes one message body; `false` when it has to be retried.
    fn process(&mut self, body: &str) -> bool {
        self.scratch.clear();
        self.scratch.extend_from_slice(body.as_bytes());
        match self.bodies.parse::<Order<'_>>(&mut self.scratch) {
            Ok(order) if order.quantity > 0 && !order.order_id.is_empty() => {
                self.accepted += 1;
                true
            }
            _ => false,
        }
    }
}

impl Default for Batch {
    fn default() -> Batch {
        Batch::new()
    }
}

/// A record lacks a member the batch needs: the whole invocation fails.
fn missing(field: &str, index: usize) -> Error {
    let message = format_args!("missing field `{field}` at $.Records[{index}]");
    Error::function("DecodeError", message)
}

impl EventHandler for Batch {
    type Event<'t, 'de>
        = SqsEvent<'t, 'de>
    where
        'de: 't;

    fn handle(
        &mut self,
        event: SqsEvent<'_, '_>,
        out: &mut JsonWriter<'_>,
        _ctx: &Context<'_>,
    ) -> Result<(), Error> {
        if event.records.value().is_null() {
            return Err(Error::function(
                "NotAnSqsEvent",
                "the event has no `Records` array",
            ));
        }
        let mut failures = BatchItemFailures::begin(out)?;
        for (i, message) in event.records.iter().enumerate() {
            let message = message.map_err(|e| e.to_error())?;
            let id = message.message_id.ok_or_else(|| missing("messageId", i))?;
            let body = message.body.ok_or_else(|| missing("body", i))?;
            if !self.process(body) {
                failures.fail(id)?;
            }
        }
        failures.end()?;
        Ok(())
    }
}

/// The ready handler.
pub fn handler() -> Json<Events<Batch>> {
    lambda_zero::events::handler(Batch::new())
}

#[allow(dead_code)]
fn main() -> Result<(), lambda_zero::RuntimeError> {
    lambda_zero::Runtime::from_env()?.run(handler())
}

#[cfg(test)]
// `lambda_zero::Error` is inline by design (no heap), so results carrying it are large.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use lambda_zero::{Config, Handler};

    fn invoke(event: &str) -> Result<serde_json::Value, Error> {
        let config = Config::default();
        let ctx = Context::for_test("req-1", &config);
        let mut handler = lambda_zero::events::handler_with_limits(
            Batch::new(),
            Limits::strict(64 * 1024, 64 * 1024),
        );
        let mut event = event.as_bytes().to_vec();
        Ok(serde_json::from_slice(handler.handle(&mut event, &ctx)?).unwrap())
    }

    fn record(id: &str, body: &str) -> String {
        format!(
            r#"{{"messageId":"{id}","receiptHandle":"rh","body":{},"eventSource":"aws:sqs"}}"#,
            serde_json::to_string(body).unwrap()
        )
    }

    #[test]
    fn reports_only_the_messages_that_failed() {
        let event = format!(
            r#"{{"Records":[{},{},{},{}]}}"#,
            record("ok-1", r#"{"orderId":"o-1","quantity":3}"#),
            record("bad-json", r#"{"orderId":"o-2","#),
            record("zero", r#"{"orderId":"o-3","quantity":0}"#),
            record("ok-2", r#"{"orderId":"o-\"4\"","quantity":1,"note":"é"}"#),
        );
        let response = invoke(&event).unwrap();
        assert_eq!(
            response,
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "bad-json"}, {"itemIdentifier": "zero"}]})
        );
    }

    #[test]
    fn the_aws_example_event_fails_its_non_order_body() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/events/example-sqs-event.json"
        );
        let response = invoke(&std::fs::read_to_string(path).unwrap()).unwrap();
        let failures = response["batchItemFailures"].as_array().unwrap();
        assert_eq!(
            *failures,
            [serde_json::json!({"itemIdentifier": "MessageID_1"})],
            "{response}"
        );
    }

    #[test]
    fn records_without_a_message_id_fail_the_whole_batch() {
        let e = invoke(r#"{"Records":[{"body":"{}"}]}"#).unwrap_err();
        assert_eq!(e.error_type(), "Function.DecodeError");
        assert!(
            e.message()
                .contains("missing field `messageId` at $.Records[0]"),
            "{}",
            e.message()
        );
        let e = invoke(r#"{"Messages":[]}"#).unwrap_err();
        assert_eq!(e.error_type(), "Function.NotAnSqsEvent");
        assert_eq!(
            invoke(r#"{"Records":[]}"#).unwrap(),
            serde_json::json!({"batchItemFailures": []})
        );
    }
}
