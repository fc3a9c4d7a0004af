//! `dynamodb_get`: a lambda-zero function that reads one DynamoDB item through the AWS SDK for
//! Rust, on lambda-zero's tokio driver.
//!
//! - Init (once per worker, on that worker's current-thread tokio runtime): the table name
//!   from `TABLE_NAME`, the SDK configuration from the environment (region, credentials,
//!   `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL` when set), one DynamoDB client with the
//!   trace interceptor ([`trace::TraceHeader`]).
//! - Each event `{"id":"…"}`: `GetItem` with the key attribute `id` (a string), answered with
//!   `{"id":"…","found":true,"item":{…}}` (the item's attributes as plain JSON values, see
//!   [`item`]) or `{"id":"…","found":false,"item":null}`.
//! - The invocation's X-Ray trace header (`Lambda-Runtime-Trace-Id`) is sent with every SDK
//!   request as `X-Amzn-Trace-Id`, without setting `_X_AMZN_TRACE_ID` ([`trace`]).
//! - SDK failures are `Function.<DynamoDB error code>` (`Function.ResourceNotFoundException`,
//!   ...) or a `Function.DynamoDb*` type naming what failed ([`errors`]).
//!
//! `cargo build --release --bin dynamodb_get` (in `examples/aws-sdk/`).

// lambda-zero's `Error` keeps its message inline (about 1 KiB): see its docs.
#![allow(clippy::result_large_err)]

mod errors;
mod item;
mod trace;

use std::collections::HashMap;

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use lambda_zero::asynchronous::tokio_init;
use lambda_zero::json::{JsonWriter, Limits, Parser};
use lambda_zero::{AsyncHandler, Context, Error, Runtime, RuntimeError};

/// The table's partition key: a string attribute named `id`.
const KEY_ATTRIBUTE: &str = "id";
/// Largest event read without growing the parser's buffers (an event is `{"id":"…"}`).
const EVENT_LIMIT: usize = 4096;
/// Largest answer: DynamoDB items are at most 400 KB, and plain JSON is at most a few times
/// longer than DynamoDB's own JSON (base64 binaries, escaped strings).
const RESPONSE_LIMIT: usize = 2 * 1024 * 1024;

fn main() -> Result<(), RuntimeError> {
    Runtime::from_env()?.run_with_init(tokio_init(async |_config| GetItem::from_env().await))
}

/// The function: a DynamoDB client, built once, and the buffers reused by every invocation.
struct GetItem {
    client: Client,
    table: String,
    parser: Parser,
    out: Vec<u8>,
}

impl GetItem {
    /// Reads the configuration from the environment and builds the client.
    async fn from_env() -> Result<GetItem, Error> {
        let table = std::env::var("TABLE_NAME")
            .ok()
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                Error::function(
                    "MissingTableName",
                    "TABLE_NAME is not set: set it to the name of the DynamoDB table to read",
                )
            })?;
        let sdk_config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        if sdk_config.region().is_none() {
            return Err(Error::function(
                "MissingRegion",
                "no AWS region: set AWS_REGION (Lambda sets it for every function)",
            ));
        }
        let config = aws_sdk_dynamodb::config::Builder::from(&sdk_config)
            .interceptor(trace::TraceHeader)
            .build();
        Ok(GetItem {
            client: Client::from_conf(config),
            table,
            parser: Parser::new(Limits::strict(EVENT_LIMIT, RESPONSE_LIMIT)),
            out: vec![0; RESPONSE_LIMIT],
        })
    }
}

impl AsyncHandler for GetItem {
    async fn handle<'a>(
        &'a mut self,
        event: &'a mut [u8],
        ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        let id = self
            .parser
            .with_value(event, |v| v.get_str(KEY_ATTRIBUTE))
            .map_err(|e| e.to_error())?
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::function(
                    "InvalidRequest",
                    r#"the event must be an object with a non-empty string "id": {"id":"…"}"#,
                )
            })?;
        // Every SDK request made until the guard drops carries this invocation's trace header.
        let _trace = trace::enter(ctx.trace_id);
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(KEY_ATTRIBUTE, AttributeValue::S(id.to_owned()))
            .send()
            .await
            .map_err(|e| errors::get_item_failed(&e, &self.table))?;
        let len = write_answer(&mut self.out, id, output.item())?;
        Ok(&self.out[..len])
    }
}

/// `{"id":…,"found":…,"item":{…}|null}` into `out`; its length.
fn write_answer(
    out: &mut [u8],
    id: &str,
    item: Option<&HashMap<String, AttributeValue>>,
) -> Result<usize, Error> {
    let mut w = JsonWriter::new(out);
    w.begin_object().map_err(item::response_error)?;
    w.field("id", id).map_err(item::response_error)?;
    w.field("found", item.is_some())
        .map_err(item::response_error)?;
    w.key("item").map_err(item::response_error)?;
    match item {
        Some(item) => item::write_item(&mut w, item)?,
        None => w.null().map_err(item::response_error)?,
    }
    w.end_object().map_err(item::response_error)?;
    w.finish().map_err(item::response_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: &str, item: Option<&HashMap<String, AttributeValue>>) -> String {
        let mut out = vec![0; 256];
        let len = write_answer(&mut out, id, item).unwrap();
        String::from_utf8(out[..len].to_vec()).unwrap()
    }

    #[test]
    fn the_answer_says_whether_the_item_was_found() {
        assert_eq!(
            answer("a\"b", None),
            r#"{"id":"a\"b","found":false,"item":null}"#
        );
        let item = HashMap::from([
            ("id".to_string(), AttributeValue::S("7".into())),
            ("n".to_string(), AttributeValue::N("3".into())),
        ]);
        assert_eq!(
            answer("7", Some(&item)),
            r#"{"id":"7","found":true,"item":{"id":"7","n":3}}"#
        );
        let e = write_answer(&mut [0; 8], "7", Some(&item)).unwrap_err();
        assert_eq!(e.error_type(), "Function.ResponseTooLarge");
    }
}
