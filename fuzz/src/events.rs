//! The `events` check: arbitrary bytes as every typed event of `lambda_zero::events`.
//! (SQS, SQS API, SNS, S3, DynamoDB Streams, Kinesis, Firehose, Kafka, EventBridge, CodeBuild,
//! CodeCommit, CodePipeline state changes and jobs, CloudWatch Logs, Secrets Manager,
//! CloudFormation, IoT button, Cognito pre sign-up and pre token generation V2, whose `respond`
//! output must parse back as JSON, API Gateway authorizers, SES,
//! S3 Object Lambda).
//!
//! The bytes are parsed once (a syntax error is a clean error) and read as each event type;
//! whatever reads is walked whole (its `Debug` reaches every record, map and sequence, and
//! formats every mismatch), and every encoded part is decoded: S3 keys (the output is never
//! longer than the key, and a key with no `+` or `%` decodes to itself), Kinesis data and
//! DynamoDB `B` values, Firehose data, Kafka keys and values (a success agrees with the reference base64 decoder of
//! `src/reference.rs`; text the reference refuses is refused), CloudWatch Logs payloads
//! (inflated and parsed, or refused with an error). The input is also inflated as a gzip
//! payload itself, base64-encoded by `JsonWriter::base64`. Asserts: no panic.

use std::cell::RefCell;
use std::fmt::{self, Write as _};

use lambda_zero::events::authorizer::{
    ApiGatewayCustomAuthorizerRequest, ApiGatewayCustomAuthorizerRequestTypeRequest,
    ApiGatewayV2CustomAuthorizerV2Request,
};
use lambda_zero::events::cloudformation::CloudFormationCustomResourceRequest;
use lambda_zero::events::cloudwatch_logs::{AwsLogs, CloudWatchLogsEvent, LogsDecoder};
use lambda_zero::events::codebuild::CodeBuildEvent;
use lambda_zero::events::codecommit::CodeCommitEvent;
use lambda_zero::events::codepipeline::{CodePipelineCloudWatchEvent, CodePipelineJobEvent};
use lambda_zero::events::cognito::{
    respond, CognitoEventUserPoolsPreSignup, CognitoEventUserPoolsPreTokenGenV2,
};
use lambda_zero::events::dynamodb::{AttributeValue, DynamoDbEvent};
use lambda_zero::events::eventbridge::EventBridgeEvent;
use lambda_zero::events::firehose::KinesisFirehoseEvent;
use lambda_zero::events::iot_button::IoTButtonEvent;
use lambda_zero::events::kafka::KafkaEvent;
use lambda_zero::events::kinesis::KinesisEvent;
use lambda_zero::events::s3::S3Event;
use lambda_zero::events::s3_object_lambda::S3ObjectLambdaEvent;
use lambda_zero::events::secretsmanager::SecretsManagerSecretRotationEvent;
use lambda_zero::events::ses::SimpleEmailEvent;
use lambda_zero::events::sns::SnsEvent;
use lambda_zero::events::sqs::{SqsApiEvent, SqsEvent};
use lambda_zero::events::{url_decode, Base64, FromValue};
use lambda_zero::json::{JsonWriter, Limits, Parser, Value};

use crate::reference::base64_decode;

struct Sink;

impl fmt::Write for Sink {
    fn write_str(&mut self, _: &str) -> fmt::Result {
        Ok(())
    }
}

/// Reads `value` as `T` and walks what it read (or formats the mismatch).
fn walk<'t, 'de, T: FromValue<'t, 'de> + fmt::Debug>(value: Value<'t, 'de>) -> Option<T> {
    match T::from_value(value) {
        Ok(t) => {
            let _ = write!(Sink, "{t:?}");
            Some(t)
        }
        Err(m) => {
            let _ = write!(Sink, "{m} {m:?} {}", m.to_error().message());
            None
        }
    }
}

/// Decodes `text` and checks it against the reference decoder.
fn check_base64(text: Base64<'_>, buf: &mut [u8]) {
    let reference = base64_decode(text.as_str().as_bytes());
    match text.decode_into(buf) {
        Ok(bytes) => {
            assert_eq!(Some(bytes), reference.as_deref(), "{text:?}");
            assert_eq!(bytes.len(), text.decoded_len());
        }
        Err(e) => {
            let _ = write!(Sink, "{e}");
            if let Some(r) = reference {
                // Refused only for a too-small buffer or for non-zero bits past the last byte,
                // which the reference ignores.
                let small = matches!(e, lambda_zero::events::DecodeFailure::BufferTooSmall { .. });
                assert!(small || r.len() == text.decoded_len(), "{text:?}: {e}");
            }
        }
    }
}

fn check_key(key: &str, buf: &mut [u8]) {
    if let Ok(decoded) = url_decode(key, buf) {
        assert!(decoded.len() <= key.len());
        if !key.contains(['+', '%']) {
            assert_eq!(decoded, key);
        }
    }
}

fn check_attribute(value: AttributeValue<'_, '_>, buf: &mut [u8], depth: usize) {
    if depth > 64 {
        return;
    }
    match value {
        AttributeValue::B(b) => check_base64(b, buf),
        AttributeValue::Bs(set) => set.iter().flatten().for_each(|b| check_base64(b, buf)),
        AttributeValue::M(map) => {
            for (_, v) in map.iter() {
                if let Ok(v) = v {
                    check_attribute(v, buf, depth + 1);
                }
            }
        }
        AttributeValue::L(list) => {
            for v in list.iter().flatten() {
                check_attribute(v, buf, depth + 1);
            }
        }
        _ => {}
    }
}

struct State {
    parser: Parser,
    logs: LogsDecoder,
    buf: Vec<u8>,
    encoded: Vec<u8>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        parser: Parser::with_index(Limits::strict(64 * 1024, 0)),
        logs: LogsDecoder::new(64 * 1024, 256 * 1024),
        buf: vec![0; 64 * 1024],
        encoded: vec![0; 4 * 64 * 1024],
    });
}

/// The check (see the module docs).
pub fn events(data: &[u8]) {
    if data.len() > 64 * 1024 {
        return;
    }
    STATE.with(|state| {
        let state = &mut *state.borrow_mut();
        let State {
            parser,
            logs,
            buf,
            encoded,
        } = state;

        // The input as a gzip payload.
        let mut w = JsonWriter::new(encoded);
        if w.base64(data).is_ok() {
            let text = w.written();
            if let Ok(text) = std::str::from_utf8(&text[1..text.len() - 1]) {
                let payload = AwsLogs { data: Base64(text) };
                let _ = logs.decode(&payload, |d| {
                    let _ = write!(Sink, "{d:?}");
                });
            }
        }

        let mut event = data.to_vec();
        let parsed = parser.with_value(&mut event, |v| {
            walk::<SqsEvent<'_, '_>>(v);
            walk::<SqsApiEvent<'_, '_>>(v);
            walk::<SnsEvent<'_, '_>>(v);
            walk::<EventBridgeEvent<'_, '_>>(v);
            walk::<CodeBuildEvent<'_, '_>>(v);
            walk::<CodeCommitEvent<'_, '_>>(v);
            walk::<CodePipelineCloudWatchEvent<'_, '_>>(v);
            walk::<CodePipelineJobEvent<'_, '_>>(v);
            walk::<SecretsManagerSecretRotationEvent<'_>>(v);
            walk::<CloudFormationCustomResourceRequest<'_, '_>>(v);
            walk::<IoTButtonEvent<'_>>(v);
            walk::<SimpleEmailEvent<'_, '_>>(v);
            walk::<S3ObjectLambdaEvent<'_, '_>>(v);
            walk::<ApiGatewayCustomAuthorizerRequest<'_>>(v);
            walk::<ApiGatewayCustomAuthorizerRequestTypeRequest<'_, '_>>(v);
            walk::<ApiGatewayV2CustomAuthorizerV2Request<'_, '_>>(v);
            walk::<CognitoEventUserPoolsPreTokenGenV2<'_, '_>>(v);
            if walk::<CognitoEventUserPoolsPreSignup<'_, '_>>(v).is_some() {
                // The event written back with a response parses as JSON (or does not fit).
                let mut w = JsonWriter::new(&mut buf[..]);
                if respond(&mut w, v, |r| r.field("autoConfirmUser", true)).is_ok() {
                    let mut copy = w.written().to_vec();
                    assert!(Parser::new(Limits::strict(copy.len().max(1), 0))
                        .with_value(&mut copy, |_| ())
                        .is_ok());
                }
            }
            if let Some(e) = walk::<KinesisFirehoseEvent<'_, '_>>(v) {
                for r in e.records.iter().flatten() {
                    check_base64(r.data, buf);
                }
            }
            if let Some(e) = walk::<KafkaEvent<'_, '_>>(v) {
                for (_, records) in e.records.iter() {
                    for r in records.into_iter().flatten().flatten() {
                        for part in [r.key, r.value].into_iter().flatten() {
                            check_base64(part, buf);
                        }
                    }
                }
            }
            if let Some(e) = walk::<S3Event<'_, '_>>(v) {
                for r in e.records.iter().flatten() {
                    check_key(r.s3.object.key.unwrap_or(""), buf);
                }
            }
            if let Some(e) = walk::<KinesisEvent<'_, '_>>(v) {
                for r in e.records.iter().flatten() {
                    check_base64(r.kinesis.data, buf);
                }
            }
            if let Some(e) = walk::<DynamoDbEvent<'_, '_>>(v) {
                for r in e.records.iter().flatten() {
                    for image in [r.change.keys, r.change.new_image, r.change.old_image] {
                        for (_, a) in image.iter() {
                            if let Ok(a) = a {
                                check_attribute(a, buf, 0);
                            }
                        }
                    }
                }
            }
            if let Some(e) = walk::<CloudWatchLogsEvent<'_>>(v) {
                let _ = logs.decode(&e.aws_logs, |d| {
                    let _ = write!(Sink, "{d:?}");
                });
            }
        });
        if let Err(e) = parsed {
            let _ = write!(Sink, "{e}");
        }
    });
}
