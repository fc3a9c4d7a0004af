//! `dynamodb_get` written for the official `lambda_runtime`, the way its documentation and the
//! AWS SDK's Lambda examples show: `#[tokio::main]` (the multi-threaded runtime), the client
//! built once in `main`, a `serde` event type, `serde_json` values for the answer, errors
//! boxed with `?`. The trace header reaches the SDK as `lambda_runtime` arranges it: it sets
//! `_X_AMZN_TRACE_ID` before each invocation, which the SDK's recursion-detection interceptor
//! reads.
//!
//! Only the comparison baseline for `dynamodb_get` (same table, same event, same answer for
//! the items the benchmark reads); `benches/compare.rs` measures both.

use std::collections::HashMap;

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::Deserialize;
use serde_json::{json, Map, Number, Value};

#[derive(Deserialize)]
struct Request {
    id: String,
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let table = std::env::var("TABLE_NAME")?;
    let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let client = Client::new(&config);
    let (client, table) = (&client, table.as_str());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Request>| async move {
        let id = event.payload.id;
        let output = client
            .get_item()
            .table_name(table)
            .key("id", AttributeValue::S(id.clone()))
            .send()
            .await?;
        Ok::<Value, Error>(json!({
            "id": id,
            "found": output.item.is_some(),
            "item": output.item.as_ref().map(item),
        }))
    }))
    .await
}

/// An item as plain JSON, members sorted by name (`serde_json`'s default map).
fn item(attributes: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        attributes
            .iter()
            .map(|(name, value)| (name.clone(), plain(value)))
            .collect::<Map<String, Value>>(),
    )
}

fn number(n: &str) -> Value {
    n.parse::<Number>().map_or(Value::Null, Value::Number)
}

fn plain(value: &AttributeValue) -> Value {
    use aws_smithy_types::base64::encode;
    match value {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => number(n),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::B(b) => Value::String(encode(b.as_ref())),
        AttributeValue::M(m) => item(m),
        AttributeValue::L(l) => Value::Array(l.iter().map(plain).collect()),
        AttributeValue::Ss(s) => json!(s),
        AttributeValue::Ns(n) => Value::Array(n.iter().map(|n| number(n)).collect()),
        AttributeValue::Bs(b) => Value::Array(
            b.iter()
                .map(|b| Value::String(encode(b.as_ref())))
                .collect(),
        ),
        _ => Value::Null,
    }
}
