//! Interop: an owned `aws_lambda_events` type is a lambda-zero handler's event through serde
//! (`json::Typed`), so a function written against `aws_lambda_events` keeps working, and an
//! event of another shape is an error to Lambda, not a panic.

use aws_lambda_events::event as aws;
use lambda_zero::json::{JsonWriter, Typed, TypedHandler};
use lambda_zero::{Config, Context, Error, Handler};
use lambda_zero_compare_events::sample;

/// Answers the id and body of every SQS message, read from `aws_lambda_events`' own type.
struct SqsIds;

impl TypedHandler for SqsIds {
    type Event<'de> = aws::sqs::SqsEvent;

    fn handle(
        &mut self,
        event: aws::sqs::SqsEvent,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        out.begin_array()?;
        for m in &event.records {
            out.begin_array()?;
            out.str(m.message_id.as_deref().unwrap_or(""))?;
            out.str(m.body.as_deref().unwrap_or(""))?;
            out.end_array()?;
        }
        out.end_array()?;
        Ok(())
    }
}

/// Answers `bucket/key` of every S3 record, from `aws_lambda_events`' type.
struct S3Keys;

impl TypedHandler for S3Keys {
    type Event<'de> = aws::s3::S3Event;

    fn handle(
        &mut self,
        event: aws::s3::S3Event,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        out.begin_array()?;
        for r in &event.records {
            let bucket = r.s3.bucket.name.as_deref().unwrap_or("");
            let key = r.s3.object.key.as_deref().unwrap_or("");
            out.str(&format!("{bucket}/{key}"))?;
        }
        out.end_array()?;
        Ok(())
    }
}

fn answer<H: TypedHandler>(handler: H, event: &[u8]) -> Result<serde_json::Value, Error> {
    let config = Config::default();
    let ctx = Context::for_test("interop", &config);
    let mut adapter = Typed::new(handler);
    let mut buf = event.to_vec();
    let out = adapter.handle(&mut buf, &ctx)?;
    Ok(serde_json::from_slice(out).expect("the answer is JSON"))
}

#[test]
fn an_aws_lambda_events_sqs_event_is_a_handlers_event() {
    let event = sample("example-sqs-event.json");
    let expected: serde_json::Value = serde_json::from_slice(&event).unwrap();
    let want: Vec<serde_json::Value> = expected["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::json!([r["messageId"], r["body"]]))
        .collect();
    assert!(!want.is_empty());
    let got = answer(SqsIds, &event).unwrap_or_else(|e| panic!("{}", e.message()));
    assert_eq!(got, serde_json::Value::from(want));
}

#[test]
fn an_aws_lambda_events_s3_event_is_a_handlers_event() {
    let event = sample("example-s3-event.json");
    let got = answer(S3Keys, &event).unwrap_or_else(|e| panic!("{}", e.message()));
    // The sample's key as sent: aws_lambda_events does not URL-decode it.
    assert_eq!(got, serde_json::json!(["sourcebucket/Happy%20Face.jpg"]));
}

#[test]
fn an_event_of_another_shape_is_an_error_not_a_panic() {
    // Valid JSON of the wrong shape, and JSON cut short: the error names the path or the byte.
    for (event, error_type, names) in [
        (
            &br#"{"Records": [{"messageId": 5}]}"#[..],
            "Runtime.InvalidEvent",
            "$.Records[0].messageId",
        ),
        (b"[1, 2, 3]", "Runtime.InvalidEvent", "$[0]"),
        (b"{\"Records\": ", "Runtime.InvalidJson", "at byte"),
    ] {
        let err = answer(SqsIds, event).expect_err("a mismatched event is refused");
        assert_eq!(err.error_type(), error_type, "{}", err.message());
        assert!(err.message().contains(names), "{}", err.message());
    }
}
