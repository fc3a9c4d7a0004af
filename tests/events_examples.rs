//! The typed-event examples (`s3_keys`, `dynamodb_keys`, `kinesis_data`, `cloudwatch_logs`,
//! `sqs_batch`) run by the runtime against the mock Runtime API: the vendored AWS sample of
//! each family and generated events go in, and every answer is checked.
#![cfg(all(feature = "events", feature = "testing"))]
#![allow(clippy::result_large_err)]

use std::path::Path;
use std::time::Duration;

use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use lambda_zero::Runtime;
use serde_json::{json, Value};

#[allow(dead_code)]
#[path = "../examples/s3_keys.rs"]
mod s3_keys;

#[allow(dead_code)]
#[path = "../examples/dynamodb_keys.rs"]
mod dynamodb_keys;

#[allow(dead_code)]
#[path = "../examples/kinesis_data.rs"]
mod kinesis_data;

#[allow(dead_code)]
#[path = "../examples/cloudwatch_logs.rs"]
mod cloudwatch_logs;

#[allow(dead_code)]
#[path = "../examples/sqs_batch.rs"]
mod sqs_batch;

#[path = "common/gzip.rs"]
mod gzip;

const WAIT: Duration = Duration::from_secs(20);

fn sample(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/events")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serves `events` to `handler` through the mock; returns the outcomes in order.
fn serve<F, K>(handler: F, events: &[Vec<u8>]) -> Vec<Outcome>
where
    F: lambda_zero::Function<K>,
{
    let server = MockRuntimeApi::start().expect("mock starts");
    let ids: Vec<String> = events
        .iter()
        .map(|e| server.push(Invocation::new(e.clone())))
        .collect();
    Runtime::new(&server.endpoint())
        .expect("endpoint")
        .max_invocations(events.len() as u64)
        .run(handler)
        .expect("the runtime serves every event");
    let outcomes = server.wait_outcomes(events.len(), WAIT);
    assert_eq!(outcomes.len(), events.len());
    for (id, outcome) in ids.iter().zip(&outcomes) {
        assert_eq!(outcome.request_id(), Some(id.as_str()));
        assert_eq!(server.outcome_count(id), 1, "one answer per event");
    }
    outcomes
}

fn response_json(outcome: &Outcome) -> Value {
    assert!(matches!(outcome, Outcome::Response { .. }), "{outcome:?}");
    serde_json::from_slice(outcome.body()).expect("the response is JSON")
}

fn error_type(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Error { error_type, .. } => error_type,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn s3_record(bucket: &str, key: &str) -> Value {
    json!({"eventSource": "aws:s3", "eventTime": "2024-01-01T00:00:00.000Z",
        "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "P"},
        "requestParameters": {"sourceIPAddress": "10.0.0.1"}, "responseElements": {},
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 1}}})
}

#[test]
fn s3_keys_answers_bucket_slash_decoded_key_per_record() {
    let generated = json!({"Records": [
        s3_record("b1", "a+b%2Bc/caf%C3%A9.txt"),
        s3_record("b2", "plain"),
        s3_record("b3", "100%"),
    ]});
    let events = [
        sample("example-s3-event.json"),
        generated.to_string().into_bytes(),
        br#"{"Records":[]}"#.to_vec(),
        br#"{"Records":[{"s3":{"bucket":{},"object":{}}}]}"#.to_vec(),
        br#"{"Records":7}"#.to_vec(),
    ];
    let outcomes = serve(s3_keys::handler(), &events);
    assert_eq!(
        response_json(&outcomes[0]),
        json!(["sourcebucket/Happy Face.jpg"])
    );
    assert_eq!(
        response_json(&outcomes[1]),
        json!(["b1/a b+c/café.txt", "b2/plain", "b3/100%"])
    );
    assert_eq!(response_json(&outcomes[2]), json!([]));
    assert_eq!(error_type(&outcomes[3]), "Runtime.InvalidEvent");
    assert_eq!(error_type(&outcomes[4]), "Runtime.InvalidEvent");
}

#[test]
fn dynamodb_keys_answers_the_event_name_and_key_texts_per_record() {
    let generated = json!({"Records": [
        {"eventID": "1", "eventName": "MODIFY", "awsRegion": "eu-west-1",
         "dynamodb": {"Keys": {"pk": {"S": "user#\"7\""}, "sk": {"N": "-12.50"}},
                      "SequenceNumber": "9"}},
        {"eventID": "2", "eventName": "REMOVE", "awsRegion": "eu-west-1",
         "dynamodb": {"Keys": {"id": {"B": "AAE="}}}},
    ]});
    let bad_key = json!({"Records": [{"eventID": "1", "eventName": "INSERT", "awsRegion": "r",
        "dynamodb": {"Keys": {"k": {"BOOL": true}}}}]});
    let events = [
        sample("example-dynamodb-event.json"),
        generated.to_string().into_bytes(),
        bad_key.to_string().into_bytes(),
    ];
    let outcomes = serve(dynamodb_keys::handler(), &events);
    let keys = json!({"val": "data", "key": "binary"});
    assert_eq!(
        response_json(&outcomes[0]),
        json!([{"event": "INSERT", "keys": keys}, {"event": "INSERT", "keys": keys}])
    );
    assert_eq!(
        response_json(&outcomes[1]),
        json!([
            {"event": "MODIFY", "keys": {"pk": "user#\"7\"", "sk": "-12.50"}},
            {"event": "REMOVE", "keys": {"id": "AAE="}}
        ])
    );
    assert_eq!(error_type(&outcomes[2]), "Function.InvalidKey");
}

fn kinesis_record(data: &str) -> Value {
    json!({"eventSource": "aws:kinesis", "eventName": "aws:kinesis:record",
        "kinesis": {"partitionKey": "p", "sequenceNumber": "1", "data": data,
                    "approximateArrivalTimestamp": 1700000000.5}})
}

#[test]
fn kinesis_data_answers_each_records_decoded_data() {
    let generated = json!({"Records": [
        kinesis_record("eyJhIjoxfQ=="), // {"a":1}
        kinesis_record(""),
        kinesis_record("/2E="),         // 0xff 'a': not UTF-8
    ]});
    let events = [
        sample("example-kinesis-event.json"),
        generated.to_string().into_bytes(),
        json!({"Records": [kinesis_record("not base64!")]})
            .to_string()
            .into_bytes(),
    ];
    let outcomes = serve(kinesis_data::handler(), &events);
    assert_eq!(
        response_json(&outcomes[0]),
        json!(["Hello World", "Hello World"])
    );
    assert_eq!(
        response_json(&outcomes[1]),
        json!([r#"{"a":1}"#, "", "\u{FFFD}a"])
    );
    assert_eq!(error_type(&outcomes[2]), "Function.InvalidData");
}

fn logs_event(payload: &Value) -> Vec<u8> {
    let data = gzip::base64(&gzip::stored(payload.to_string().as_bytes()));
    json!({"awslogs": {"data": data}}).to_string().into_bytes()
}

#[test]
fn cloudwatch_logs_answers_every_log_message() {
    let payload = json!({"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "g",
    "logStream": "s", "subscriptionFilters": ["f"], "logEvents": [
        {"id": "1", "timestamp": 1, "message": "line \"one\"\n"},
        {"id": "2", "timestamp": 2, "message": "é"},
    ]});
    let control = json!({"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs",
        "logGroup": "", "logStream": "", "subscriptionFilters": [], "logEvents": [
            {"id": "", "timestamp": 3, "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]});
    let events = [
        sample("example-cloudwatch_logs-event.json"),
        logs_event(&payload),
        logs_event(&control),
        br#"{"awslogs":{"data":"SGVsbG8="}}"#.to_vec(),
    ];
    let outcomes = serve(cloudwatch_logs::handler(), &events);
    assert_eq!(
        response_json(&outcomes[0]),
        json!(["[ERROR] First test message", "[ERROR] Second test message"])
    );
    assert_eq!(response_json(&outcomes[1]), json!(["line \"one\"\n", "é"]));
    assert_eq!(
        response_json(&outcomes[2]),
        json!(["CWL CONTROL MESSAGE: Checking health of destination Firehose."])
    );
    assert_eq!(error_type(&outcomes[3]), "Function.InvalidLogsData");
}

#[test]
fn sqs_batch_reports_the_failed_messages_of_every_batch() {
    let record =
        |id: &str, body: &str| json!({"messageId": id, "receiptHandle": "rh", "body": body});
    let batch = json!({"Records": [
        record("ok", r#"{"orderId":"o-1","quantity":2}"#),
        record("bad", "not json"),
        record("zero", r#"{"orderId":"o-2","quantity":0}"#),
    ]});
    let events = [
        sample("example-sqs-event.json"),
        batch.to_string().into_bytes(),
        br#"{"Records":[]}"#.to_vec(),
        br#"{"Records":[{"body":"{}"}]}"#.to_vec(),
        br#"{"Messages":[]}"#.to_vec(),
    ];
    let outcomes = serve(sqs_batch::handler(), &events);
    assert_eq!(
        response_json(&outcomes[0]),
        json!({"batchItemFailures": [{"itemIdentifier": "MessageID_1"}]})
    );
    assert_eq!(
        response_json(&outcomes[1]),
        json!({"batchItemFailures": [{"itemIdentifier": "bad"}, {"itemIdentifier": "zero"}]})
    );
    assert_eq!(
        response_json(&outcomes[2]),
        json!({"batchItemFailures": []})
    );
    assert_eq!(error_type(&outcomes[3]), "Function.DecodeError");
    assert_eq!(error_type(&outcomes[4]), "Function.NotAnSqsEvent");
}
