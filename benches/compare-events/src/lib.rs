//! The events both crates read, and the typical read each benchmark invocation does: parse the
//! event, iterate its records and touch a few fields of each, summed into a checksum that both
//! sides must agree on (`tests/differential.rs` checks that they do).
//!
//! lambda-zero parses in place into its borrowed types with one [`Parser::with_index`] reused
//! across invocations (as its `events::handler` adapter does); `aws_lambda_events` deserializes with
//! `serde_json::from_slice` into its owned types, as `lambda_runtime` does.

use std::path::Path;

use aws_lambda_events::event as aws;
use lambda_zero::events::cloudwatch_logs::{CloudWatchLogsEvent, LogsDecoder};
use lambda_zero::events::dynamodb::{AttributeValue, DynamoDbEvent};
use lambda_zero::events::eventbridge::EventBridgeEvent;
use lambda_zero::events::kinesis::KinesisEvent;
use lambda_zero::events::s3::S3Event;
use lambda_zero::events::sqs::SqsEvent;
use lambda_zero::events::FromValue;
use lambda_zero::json::{Limits, Parser};

/// The vendored sample `name` (`tests/events` of the repository).
pub fn sample(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/events")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The families of the bench, each with its event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// SQS, 10 messages.
    Sqs,
    /// S3.
    S3,
    /// DynamoDB Streams.
    DynamoDb,
    /// Kinesis.
    Kinesis,
    /// CloudWatch Logs.
    CloudWatchLogs,
    /// EventBridge.
    EventBridge,
}

impl Family {
    /// Every family, in table order.
    pub const ALL: [Family; 6] = [
        Family::Sqs,
        Family::S3,
        Family::DynamoDb,
        Family::Kinesis,
        Family::CloudWatchLogs,
        Family::EventBridge,
    ];

    /// The name in the bench ids.
    pub fn name(self) -> &'static str {
        match self {
            Family::Sqs => "sqs-10",
            Family::S3 => "s3",
            Family::DynamoDb => "dynamodb",
            Family::Kinesis => "kinesis",
            Family::CloudWatchLogs => "cloudwatch_logs",
            Family::EventBridge => "eventbridge",
        }
    }

    /// The event measured: the vendored sample (SQS: its message ten times, distinct ids).
    pub fn event(self) -> Vec<u8> {
        match self {
            Family::Sqs => {
                let mut v: serde_json::Value =
                    serde_json::from_slice(&sample("example-sqs-event.json")).unwrap();
                let one = v["Records"][0].clone();
                let records: Vec<_> = (0..10)
                    .map(|i| {
                        let mut r = one.clone();
                        r["messageId"] = format!("MessageID_{i}").into();
                        r
                    })
                    .collect();
                v["Records"] = records.into();
                serde_json::to_vec(&v).unwrap()
            }
            Family::S3 => sample("example-s3-event.json"),
            Family::DynamoDb => sample("example-dynamodb-event.json"),
            Family::Kinesis => sample("example-kinesis-event.json"),
            Family::CloudWatchLogs => sample("example-cloudwatch_logs-event.json"),
            Family::EventBridge => sample("example-eventbridge-event-obj.json"),
        }
    }
}

fn len(s: Option<&str>) -> u64 {
    s.map_or(0, |s| s.len() as u64)
}

/// lambda-zero's side: a reused parser, a buffer for decoded data, a logs decoder.
pub struct Zero {
    parser: Parser,
    data: Vec<u8>,
    logs: LogsDecoder,
}

impl Default for Zero {
    fn default() -> Zero {
        Zero {
            parser: Parser::with_index(Limits::strict(256 * 1024, 0)),
            data: vec![0; 256 * 1024],
            logs: LogsDecoder::new(256 * 1024, 1024 * 1024),
        }
    }
}

impl Zero {
    /// Parses `event` in place and reads nothing but the root's length (for the probe).
    pub fn parse_only(&mut self, event: &mut [u8]) -> u64 {
        self.parser.with_value(event, |v| v.len() as u64).unwrap()
    }

    /// Parses `event` in place and does the family's typical read; the checksum.
    pub fn read(&mut self, family: Family, event: &mut [u8]) -> u64 {
        let Zero { parser, data, logs } = self;
        parser
            .with_value(event, |v| match family {
                Family::Sqs => {
                    let e = SqsEvent::from_value(v).unwrap();
                    let mut sum = 0;
                    for m in e.records.iter() {
                        let m = m.unwrap();
                        sum += len(m.message_id) + len(m.body);
                        sum += len(m
                            .attributes
                            .get("ApproximateReceiveCount")
                            .and_then(Result::ok));
                    }
                    sum
                }
                Family::S3 => {
                    let e = S3Event::from_value(v).unwrap();
                    let mut sum = 0;
                    for r in e.records.iter() {
                        let r = r.unwrap();
                        sum += len(r.event_name) + len(r.s3.bucket.name) + len(r.s3.object.key);
                        sum += r.s3.object.size.unwrap_or(0) as u64;
                    }
                    sum
                }
                Family::DynamoDb => {
                    let e = DynamoDbEvent::from_value(v).unwrap();
                    let mut sum = 0;
                    for r in e.records.iter() {
                        let r = r.unwrap();
                        sum += r.event_name.len() as u64 + len(r.change.sequence_number);
                        for (k, a) in r.change.keys.iter() {
                            sum += k.len() as u64;
                            if let Ok(AttributeValue::S(s)) = a {
                                sum += s.len() as u64;
                            }
                        }
                        sum += r.change.new_image.len() as u64;
                    }
                    sum
                }
                Family::Kinesis => {
                    let e = KinesisEvent::from_value(v).unwrap();
                    let mut sum = 0;
                    for r in e.records.iter() {
                        let r = r.unwrap();
                        let bytes = r.kinesis.data.decode_into(data).unwrap();
                        sum += bytes.len() as u64 + u64::from(bytes.first().copied().unwrap_or(0));
                        sum += r.kinesis.partition_key.len() as u64;
                        sum += r.kinesis.sequence_number.len() as u64;
                    }
                    sum
                }
                Family::CloudWatchLogs => {
                    let e = CloudWatchLogsEvent::from_value(v).unwrap();
                    logs.decode(&e.aws_logs, |d| {
                        let mut sum = d.log_group.len() as u64;
                        for entry in d.log_events.iter() {
                            let entry = entry.unwrap();
                            sum += entry.message.len() as u64 + entry.timestamp as u64;
                        }
                        sum
                    })
                    .unwrap()
                }
                Family::EventBridge => {
                    let e: EventBridgeEvent<'_, '_> = EventBridgeEvent::from_value(v).unwrap();
                    (e.detail_type.len() + e.source.len()) as u64 + len(e.detail.get_str("state"))
                }
            })
            .unwrap()
    }
}

/// `aws_lambda_events`' side: `serde_json::from_slice` into the owned type, the same read.
pub fn aws_read(family: Family, event: &[u8]) -> u64 {
    match family {
        Family::Sqs => {
            let e: aws::sqs::SqsEvent = serde_json::from_slice(event).unwrap();
            let mut sum = 0;
            for m in &e.records {
                sum += len(m.message_id.as_deref()) + len(m.body.as_deref());
                sum += len(m
                    .attributes
                    .get("ApproximateReceiveCount")
                    .map(String::as_str));
            }
            sum
        }
        Family::S3 => {
            let e: aws::s3::S3Event = serde_json::from_slice(event).unwrap();
            let mut sum = 0;
            for r in &e.records {
                sum += len(r.event_name.as_deref()) + len(r.s3.bucket.name.as_deref());
                sum += len(r.s3.object.key.as_deref()) + r.s3.object.size.unwrap_or(0) as u64;
            }
            sum
        }
        Family::DynamoDb => {
            let e: aws::dynamodb::Event = serde_json::from_slice(event).unwrap();
            let mut sum = 0;
            for r in &e.records {
                sum += r.event_name.len() as u64 + len(r.change.sequence_number.as_deref());
                // serde_dynamo's Item is a HashMap: the same keys, in no particular order.
                for (k, a) in r.change.keys.iter() {
                    sum += k.len() as u64;
                    if let serde_dynamo::AttributeValue::S(s) = a {
                        sum += s.len() as u64;
                    }
                }
                sum += r.change.new_image.len() as u64;
            }
            sum
        }
        Family::Kinesis => {
            let e: aws::kinesis::KinesisEvent = serde_json::from_slice(event).unwrap();
            let mut sum = 0;
            for r in &e.records {
                let bytes = &r.kinesis.data.0;
                sum += bytes.len() as u64 + u64::from(bytes.first().copied().unwrap_or(0));
                sum += r.kinesis.partition_key.len() as u64;
                sum += r.kinesis.sequence_number.len() as u64;
            }
            sum
        }
        Family::CloudWatchLogs => {
            let e: aws::cloudwatch_logs::LogsEvent = serde_json::from_slice(event).unwrap();
            let d = &e.aws_logs.data;
            let mut sum = d.log_group.len() as u64;
            for entry in &d.log_events {
                sum += entry.message.len() as u64 + entry.timestamp as u64;
            }
            sum
        }
        Family::EventBridge => {
            let e: aws::eventbridge::EventBridgeEvent = serde_json::from_slice(event).unwrap();
            (e.detail_type.len() + e.source.len()) as u64
                + len(e.detail.get("state").and_then(|s| s.as_str()))
        }
    }
}
