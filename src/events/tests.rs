//! Every vendored AWS sample of a family with a type, read through that type.

use super::cloudwatch_logs::{CloudWatchLogsEvent, LogsDecoder};
use super::codebuild::CodeBuildEvent;
use super::dynamodb::{AttributeValue, DynamoDbEvent};
use super::eventbridge::EventBridgeEvent;
use super::kinesis::KinesisEvent;
use super::s3::S3Event;
use super::sns::SnsEvent;
use super::sqs::{SqsApiEvent, SqsEvent};
use super::{FromValue, Mismatch, Seq};
use crate::json::{Limits, Parser, Value};

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/events/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Parses `$json` and reads it as `$ty` into `$e`, then evaluates `$body`.
macro_rules! read {
    ($ty:ty, $json:expr, |$e:ident| $body:expr $(,)?) => {{
        let mut json: Vec<u8> = $json;
        let mut parser = Parser::with_index(Limits::strict(64 * 1024, 0));
        parser
            .with_value(&mut json, |v| {
                let $e: Result<$ty, Mismatch> = <$ty>::from_value(v);
                $body
            })
            .expect("valid JSON")
    }};
}

fn with_value<R>(json: &str, f: impl FnOnce(Value<'_, '_>) -> R) -> R {
    let mut bytes = json.as_bytes().to_vec();
    let mut parser = Parser::with_index(Limits::strict(64 * 1024, 0));
    parser.with_value(&mut bytes, f).expect("valid JSON")
}

#[test]
fn sqs_sample_reads_every_member() {
    let mut json = sample("example-sqs-event.json");
    let mut parser = Parser::new(Limits::strict(64 * 1024, 0));
    parser
        .with_value(&mut json, |v| {
            let event = SqsEvent::from_value(v).unwrap();
            assert_eq!(event.records.len(), 1);
            let m = event.records.iter().next().unwrap().unwrap();
            assert_eq!(m.message_id, Some("MessageID_1"));
            assert_eq!(m.receipt_handle, Some("MessageReceiptHandle"));
            assert_eq!(m.body, Some("Message Body"));
            assert_eq!(m.md5_of_body, Some("fce0ea8dd236ccb3ed9b37dae260836f"));
            assert_eq!(m.event_source, Some("aws:sqs"));
            assert_eq!(m.aws_region, Some("us-west-2"));
            assert_eq!(
                m.event_source_arn,
                Some("arn:aws:sqs:us-west-2:123456789012:SQSQueue")
            );
            assert_eq!(
                m.attributes.get("SentTimestamp").unwrap().unwrap(),
                "1520621625029"
            );
            assert_eq!(m.attributes.len(), 4);
            let a3 = m.message_attributes.get("Attribute3").unwrap().unwrap();
            assert_eq!(a3.data_type, Some("Binary"));
            let mut buf = [0u8; 16];
            assert_eq!(
                a3.binary_value.unwrap().decode_into(&mut buf).unwrap(),
                b"1100"
            );
            let lists: Vec<&str> = a3.string_list_values.iter().map(Result::unwrap).collect();
            assert_eq!(lists, ["abc", "123"]);
            assert_eq!(a3.binary_list_values.len(), 3);
            let a2 = m.message_attributes.get("Attribute2").unwrap().unwrap();
            assert_eq!(
                (a2.string_value, a2.data_type),
                (Some("123"), Some("Number"))
            );
            let keys: Vec<&str> = m.message_attributes.keys().collect();
            assert_eq!(keys, ["Attribute3", "Attribute2", "Attribute1"]);
        })
        .unwrap();
}

#[test]
fn sqs_api_sample_reads_the_messages() {
    read!(
        SqsApiEvent<'_, '_>,
        sample("example-sqs-api-event-obj.json"),
        |e| {
            let e = e.unwrap();
            let m = e.messages.iter().next().unwrap().unwrap();
            assert_eq!(m.message_id, Some("f663a189-97e2-41f5-9c0e-cfb595d8322c"));
            assert_eq!(
                m.body,
                Some(r#"{"country": "usa", "city": "provincetown"}"#)
            );
            assert_eq!(m.md5_of_body, Some("2b3e4f40b57e80d67ac5b9660c56d787"));
            assert!(m.attributes.is_empty() && m.message_attributes.is_empty());
        }
    );
}

#[test]
fn sns_samples_read_every_member() {
    for name in ["example-sns-event.json", "example-sns-event-obj.json"] {
        read!(SnsEvent<'_, '_>, sample(name), |e| {
            let e = e.unwrap_or_else(|m| panic!("{name}: {m}"));
            assert_eq!(e.records.len(), 1);
            let r = e.records.iter().next().unwrap().unwrap();
            assert_eq!(r.event_source, "aws:sns");
            assert_eq!(r.event_version, "1.0");
            assert_eq!(r.sns.sns_message_type, "Notification");
            assert!(r
                .sns
                .signing_cert_url
                .starts_with("https://sns.us-east-1.amazonaws.com/"));
            assert!(r.sns.unsubscribe_url.contains("Action=Unsubscribe"));
            assert!(!r.sns.message.is_empty() && !r.sns.signature.is_empty());
        });
    }
    read!(
        SnsEvent<'_, '_>,
        sample("example-sns-event-obj.json"),
        |e| {
            let r = e.unwrap().records.iter().next().unwrap().unwrap();
            assert_eq!(r.sns.message, r#"{"foo":"Hello world!","bar":123}"#);
            assert_eq!(r.sns.subject, Some("Greetings"));
            assert_eq!(r.sns.timestamp, "2015-08-18T18:02:32.111Z");
        }
    );
    // A CloudWatch alarm delivered through SNS: the alarm is the message text.
    read!(
        SnsEvent<'_, '_>,
        sample("example-cloudwatch-alarm-sns-payload-multiple-metrics.json"),
        |e| {
            let r = e.unwrap().records.iter().next().unwrap().unwrap();
            assert!(r.sns.message.starts_with(r#"{"AlarmName":"EXAMPLE""#));
        },
    );
}

#[test]
fn s3_sample_reads_and_decodes_the_key() {
    read!(S3Event<'_, '_>, sample("example-s3-event.json"), |e| {
        let r = e.unwrap().records.iter().next().unwrap().unwrap();
        assert_eq!(r.event_version, Some("2.0"));
        assert_eq!(r.event_time, "1970-01-01T00:00:00.123Z");
        assert_eq!(r.event_name, Some("ObjectCreated:Put"));
        assert_eq!(r.user_identity.principal_id, Some("EXAMPLE"));
        assert_eq!(r.request_parameters.source_ip_address, Some("127.0.0.1"));
        assert_eq!(
            r.response_elements
                .get("x-amz-request-id")
                .unwrap()
                .unwrap(),
            "C3D13FE58DE4C810"
        );
        assert_eq!(r.s3.bucket.name, Some("sourcebucket"));
        assert_eq!(r.s3.bucket.arn, Some("arn:aws:s3:::mybucket"));
        assert_eq!(r.s3.object.key, Some("Happy%20Face.jpg"));
        assert_eq!(r.s3.object.size, Some(1024));
        let mut buf = [0u8; 64];
        assert_eq!(r.s3.object.decoded_key(&mut buf).unwrap(), "Happy Face.jpg");
    });
}

#[test]
fn dynamodb_sample_reads_keys_images_and_binaries() {
    read!(
        DynamoDbEvent<'_, '_>,
        sample("example-dynamodb-event.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.records.len(), 2);
            let r = e.records.iter().next().unwrap().unwrap();
            assert_eq!(r.event_name, "INSERT");
            assert_eq!(r.event_id, "f07f8ca4b0b26cb9c4e5e77e69f274ee");
            assert_eq!(r.aws_region, "us-east-1");
            let who = r.user_identity.unwrap();
            assert_eq!(
                (who.type_, who.principal_id),
                (Some("Service"), Some("dynamodb.amazonaws.com"))
            );
            assert_eq!(r.change.approximate_creation_date_time, Some(1480642020.0));
            assert_eq!(r.change.sequence_number, Some("1405400000000002063282832"));
            assert_eq!(r.change.size_bytes, Some(54));
            assert_eq!(r.change.stream_view_type, Some("NEW_AND_OLD_IMAGES"));
            let keys: Vec<(&str, &str)> = r
                .change
                .keys
                .iter()
                .map(|(k, v)| (k, v.unwrap().as_text().unwrap()))
                .collect();
            assert_eq!(keys, [("val", "data"), ("key", "binary")]);
            let mut buf = [0u8; 8];
            match r.change.new_image.get("asdf1").unwrap().unwrap() {
                AttributeValue::B(b) => {
                    assert_eq!(b.decode_into(&mut buf).unwrap(), [0, 1, 42, 65])
                }
                other => panic!("{other:?}"),
            }
            match r.change.new_image.get("asdf2").unwrap().unwrap() {
                AttributeValue::Bs(set) => assert_eq!(set.len(), 2),
                other => panic!("{other:?}"),
            }
            let second = e.records.iter().nth(1).unwrap().unwrap();
            assert!(second.user_identity.is_none());
        }
    );
}

#[test]
fn every_attribute_value_type_reads() {
    let json = r#"{"s":{"S":"x"},"n":{"N":"-1.5e3"},"b":{"B":"AQ=="},"t":{"BOOL":true},
        "z":{"NULL":true},"m":{"M":{"i":{"N":"1"}}},"l":{"L":[{"S":"a"},{"BOOL":false}]},
        "ss":{"SS":["a","b"]},"ns":{"NS":["1","2"]},"bs":{"BS":["AQ=="]}}"#;
    with_value(json, |v| {
        let names: Vec<&str> = v
            .members()
            .map(|(_, a)| AttributeValue::from_value(a).unwrap().type_name())
            .collect();
        assert_eq!(
            names,
            ["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"]
        );
        let n = AttributeValue::from_value(v.get("n").unwrap()).unwrap();
        assert_eq!(n.as_n(), Some("-1.5e3"));
        match AttributeValue::from_value(v.get("l").unwrap()).unwrap() {
            AttributeValue::L(l) => {
                let items: Vec<&str> = l.iter().map(|a| a.unwrap().type_name()).collect();
                assert_eq!(items, ["S", "BOOL"]);
            }
            other => panic!("{other:?}"),
        }
    });
    for bad in [
        r#"{}"#,
        r#"{"S":1}"#,
        r#"{"NULL":false}"#,
        r#"{"X":"y"}"#,
        r#"{"S":"a","N":"1"}"#,
        r#"{"M":null}"#,
        "[]",
    ] {
        with_value(bad, |v| {
            assert!(AttributeValue::from_value(v).is_err(), "{bad}")
        });
    }
}

#[test]
fn kinesis_sample_reads_and_decodes_the_data() {
    read!(
        KinesisEvent<'_, '_>,
        sample("example-kinesis-event.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.records.len(), 2);
            let mut buf = [0u8; 64];
            for r in e.records.iter() {
                let r = r.unwrap();
                assert_eq!(r.event_name, Some("aws:kinesis:record"));
                assert_eq!(r.kinesis.partition_key, "s1");
                assert_eq!(
                    r.kinesis.data.decode_str_into(&mut buf).unwrap(),
                    "Hello World"
                );
            }
            let r = e.records.iter().next().unwrap().unwrap();
            assert_eq!(r.kinesis.approximate_arrival_timestamp, 1480641523.477);
            assert_eq!(
                r.kinesis.sequence_number,
                "49568167373333333333333333333333333333333333333333333333"
            );
        }
    );
}

#[test]
fn eventbridge_samples_read_the_envelope_and_detail() {
    read!(
        EventBridgeEvent<'_, '_>,
        sample("example-eventbridge-event-obj.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.detail_type, "EC2 Instance State-change Notification");
            assert_eq!(e.source, "aws.ec2");
            assert_eq!(e.version, None);
            assert_eq!(e.time, Some("2021-11-11T21:29:54Z"));
            assert_eq!(e.detail.get_str("state"), Some("pending"));
            assert_eq!(e.resources.len(), 1);
        }
    );
    #[derive(serde::Deserialize)]
    struct Ec2<'a> {
        #[serde(rename = "instance-id")]
        instance_id: &'a str,
    }
    read!(
        EventBridgeEvent<'_, '_, super::Serde<Ec2<'_>>>,
        sample("example-eventbridge-event-obj.json"),
        |e| assert_eq!(e.unwrap().detail.0.instance_id, "i-abcd1111"),
    );
    read!(
        EventBridgeEvent<'_, '_>,
        sample("example-eventbridge-schedule.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.detail_type, "Scheduled Event");
            assert_eq!(e.version, Some("0"));
            assert!(e.detail.is_empty());
        }
    );
}

#[test]
fn codebuild_samples_read_the_build_and_its_phases() {
    read!(
        CodeBuildEvent<'_, '_>,
        sample("example-codebuild-state-change.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.detail_type, "CodeBuild Build State Change");
            assert_eq!(e.source, "aws.codebuild");
            let d = e.detail;
            assert_eq!(d.build_status, Some("SUCCEEDED"));
            assert_eq!(d.current_phase, Some("COMPLETED"));
            assert_eq!(d.current_phase_context, Some("[]"));
            let info = d.additional_information;
            assert_eq!(info.timeout, Some(60.0));
            assert_eq!(info.build_number, Some(55.0));
            assert_eq!(info.build_complete, Some(true));
            assert_eq!(info.environment.privileged_mode, Some(false));
            assert_eq!(info.environment.type_, Some("LINUX_CONTAINER"));
            let var = info
                .environment
                .environment_variables
                .get(0)
                .unwrap()
                .unwrap();
            assert_eq!(
                (var.name, var.type_, var.value),
                (Some("TEST"), Some("PLAINTEXT"), Some("TEST"))
            );
            assert_eq!(info.source.type_, Some("S3"));
            assert_eq!(info.source_version, Some("my-source-version"));
            assert_eq!(
                info.logs.group_name,
                Some("/aws/codebuild/my-sample-project")
            );
            let phases: Vec<_> = info.phases.iter().map(Result::unwrap).collect();
            assert_eq!(phases.len(), 11);
            assert_eq!(phases[2].phase_type, "PROVISIONING");
            assert_eq!(phases[2].duration, Some(36.0));
            assert_eq!(phases[10].phase_type, "COMPLETED");
            assert_eq!((phases[10].end_time, phases[10].phase_status), (None, None));
        }
    );
    read!(
        CodeBuildEvent<'_, '_>,
        sample("example-codebuild-phase-change.json"),
        |e| {
            let d = e.unwrap().detail;
            assert_eq!(d.build_status, None);
            assert_eq!(d.completed_phase, Some("COMPLETED"));
            assert_eq!(d.completed_phase_status, Some("SUCCEEDED"));
            assert_eq!(d.completed_phase_duration, Some(4.0));
            assert_eq!(d.completed_phase_start, Some("Sep 1, 2017 4:14:21 PM"));
            assert_eq!(d.completed_phase_end, Some("Sep 1, 2017 4:14:26 PM"));
            assert!(d
                .additional_information
                .environment
                .environment_variables
                .is_empty());
        }
    );
}

#[test]
fn cloudwatch_logs_sample_inflates_and_reads_the_log_events() {
    let mut decoder = LogsDecoder::new(64 * 1024, 256 * 1024);
    read!(
        CloudWatchLogsEvent<'_>,
        sample("example-cloudwatch_logs-event.json"),
        |e| {
            let e = e.unwrap();
            decoder
                .decode(&e.aws_logs, |data| {
                    assert_eq!(data.owner, "123456789123");
                    assert_eq!(data.log_stream, "testLogStream");
                    assert_eq!(data.message_type, "DATA_MESSAGE");
                    assert_eq!(data.log_group, "testLogGroup");
                    assert_eq!(data.log_events.len(), 2);
                    let first = data.log_events.iter().next().unwrap().unwrap();
                    assert_eq!(first.timestamp, 1440442987000);
                    assert_eq!(first.message, "[ERROR] First test message");
                    let filters: Vec<&str> = data
                        .subscription_filters
                        .iter()
                        .map(Result::unwrap)
                        .collect();
                    assert_eq!(filters, ["testFilter"]);
                })
                .unwrap();
        }
    );
}

#[test]
fn cloudwatch_logs_refuses_bad_payloads_without_panicking() {
    let mut decoder = LogsDecoder::new(1024, 1024);
    for data in ["", "AAAA", "H4sI", "!!!!", "H4sIAAAAAAAAAHWPwQqCQBCGX0Xm7EFtK+smZBEUgXoLCdMhFtKV3akI8d0bLYmibvPPN3wz00CJxmQnTO41whwWQRIctmEcB6sQbFC3CjW3XW8kxpOpP+OC22d1Wml1qZkQGtoMsScxaczKN3plG8zlaHIta5KqWsozoTYw3/djzwhpLwivWFGHGpAFe7DL68JlBUk+l7KSN7tCOEJ4M3/qOI49vMHj+zCKdlFqLaU2ZHV2a4Ct/an0/ivdX8oYc1UVX860fQDQiMdxRQEAAB=="] {
        let json = format!(r#"{{"awslogs":{{"data":"{data}"}}}}"#);
        read!(CloudWatchLogsEvent<'_>, json.into_bytes(), |e| {
            assert!(decoder.decode(&e.unwrap().aws_logs, |_| ()).is_err(), "{data}");
        });
    }
    // Inflates to more than the decoder holds.
    let mut small = LogsDecoder::new(1024, 64);
    read!(
        CloudWatchLogsEvent<'_>,
        sample("example-cloudwatch_logs-event.json"),
        |e| {
            let err = small.decode(&e.unwrap().aws_logs, |_| ()).unwrap_err();
            assert!(err.to_string().contains("more than 64 bytes"), "{err}");
        }
    );
}

#[test]
fn mismatches_name_the_member_and_the_item() {
    let json = r#"{"Records":[{"messageId":"a"},{"messageId":"b","body":7}]}"#;
    with_value(json, |v| {
        let e = SqsEvent::from_value(v).unwrap();
        let errors: Vec<String> = e
            .records
            .iter()
            .filter_map(|r| r.err())
            .map(|m| m.to_string())
            .collect();
        assert_eq!(
            errors,
            ["expected a string, found a number at `SqsMessage.body` (item 1)"]
        );
    });
    with_value(r#"{"Records":[{"kinesis":{}}]}"#, |v| {
        let e = KinesisEvent::from_value(v).unwrap();
        let m = e.records.iter().next().unwrap().unwrap_err();
        assert!(m.is_missing() && m.owner() == "KinesisRecord", "{m}");
    });
    with_value(r#"{"Records":{}}"#, |v| {
        let m = SqsEvent::from_value(v).unwrap_err();
        assert_eq!(m.to_error().error_type(), "Runtime.InvalidEvent");
        assert_eq!(m.field(), "Records");
    });
    with_value("[1]", |v| assert!(S3Event::from_value(v).is_err()));
    // Absent and null sequences are empty; unknown members are ignored.
    with_value(r#"{"other":1}"#, |v| {
        assert!(SqsEvent::from_value(v).unwrap().records.is_empty())
    });
    with_value(r#"{"Records":null}"#, |v| {
        let records: Seq<'_, '_, super::sqs::SqsMessage<'_, '_>> =
            SqsEvent::from_value(v).unwrap().records;
        assert_eq!(records.iter().count(), 0);
    });
}

#[test]
fn firehose_sample_reads_and_the_response_writes() {
    use super::firehose::{FirehoseResponse, KinesisFirehoseEvent, TransformResult};
    read!(
        KinesisFirehoseEvent<'_, '_>,
        sample("example-kinesis-firehose-event.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.invocation_id, Some("invoked123"));
            assert_eq!(e.region, Some("us-west-2"));
            assert_eq!(e.records.len(), 2);
            let mut buf = [0u8; 64];
            let mut out = [0u8; 256];
            let mut w = crate::json::JsonWriter::new(&mut out);
            let mut response = FirehoseResponse::begin(&mut w).unwrap();
            for r in e.records.iter() {
                let r = r.unwrap();
                assert_eq!(r.approximate_arrival_timestamp, Some(1507217624302.0));
                let m = r.kinesis_record_metadata.unwrap();
                assert!(m.shard_id.unwrap().starts_with("shardId-"));
                let data = r.data.decode_into(&mut buf).unwrap();
                assert_eq!(data, b"Hello World");
                response
                    .record(r.record_id, TransformResult::Ok, data)
                    .unwrap();
            }
            response.end().unwrap();
            assert_eq!(
                w.written(),
                br#"{"records":[{"recordId":"record1","result":"Ok","data":"SGVsbG8gV29ybGQ="},{"recordId":"record2","result":"Ok","data":"SGVsbG8gV29ybGQ="}]}"#
            );
        }
    );
}

#[test]
fn kafka_sample_reads_records_by_partition_and_headers() {
    use super::kafka::KafkaEvent;
    read!(
        KafkaEvent<'_, '_>,
        sample("example-kafka-event.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.event_source, Some("aws:kafka"));
            let (partition, records) = e.records.iter().next().unwrap();
            assert_eq!(partition, "AWSKafkaTopic-0");
            let r = records.unwrap().iter().next().unwrap().unwrap();
            assert_eq!(
                (r.topic, r.partition, r.offset),
                (Some("AWSKafkaTopic"), 0, 0)
            );
            assert_eq!(r.timestamp, 1595035749700);
            let mut buf = [0u8; 64];
            let value = r.value.unwrap().decode_str_into(&mut buf).unwrap();
            assert_eq!(value, "8d5596b4-1813-4238-b24b-6dad8e3d1c0c");
            let header = r.headers.iter().next().unwrap().unwrap();
            let bytes: Vec<u8> = header
                .get("headerKey")
                .unwrap()
                .unwrap()
                .iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(bytes, b"headerValue");
        }
    );
    with_value(
        r#"{"records":{"t-0":[{"partition":0,"offset":1,"timestamp":2,"headers":[{"h":[256]}]}]}}"#,
        |v| {
            let e = KafkaEvent::from_value(v).unwrap();
            let records = e.records.get("t-0").unwrap().unwrap();
            let r = records.iter().next().unwrap().unwrap();
            assert!(r.key.is_none() && r.value.is_none());
            let header = r.headers.iter().next().unwrap().unwrap();
            assert!(header
                .get("h")
                .unwrap()
                .unwrap()
                .iter()
                .next()
                .unwrap()
                .is_err());
        },
    );
}

#[test]
fn secrets_manager_cloudformation_and_iot_button_samples_read() {
    use super::cloudformation::CloudFormationCustomResourceRequest;
    use super::iot_button::IoTButtonEvent;
    use super::secretsmanager::SecretsManagerSecretRotationEvent;
    read!(
        SecretsManagerSecretRotationEvent<'_>,
        sample("example-secretsmanager-secret-rotation-event.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.step, "createSecret");
            assert!(e.secret_id.starts_with("arn:aws:secretsmanager:"));
            assert_eq!(
                e.client_request_token,
                "1ab23456-cde7-8912-34fg-h56i78j9k12l"
            );
            assert_eq!(e.rotation_token, None);
        }
    );
    read!(
        CloudFormationCustomResourceRequest<'_, '_>,
        sample("example-cloudformation-custom-resource-create-request.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.request_type, "Create");
            assert_eq!(e.logical_resource_id, "CustomResource");
            assert_eq!(e.resource_type, "Custom::MyCustomResourceType");
            assert!(e.response_url.starts_with("https://cr-response-bucket."));
            assert_eq!(e.physical_resource_id, None);
            assert_eq!(
                e.resource_properties
                    .pointer("/Key3/Key4")
                    .unwrap()
                    .as_str(),
                Some("map")
            );
            assert!(e.old_resource_properties.is_null());
        }
    );
    read!(
        IoTButtonEvent<'_>,
        sample("example-iot_button-event.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.serial_number, Some("ABCDEFG12345"));
            assert_eq!(e.click_type, Some("SINGLE"));
            assert_eq!(e.battery_voltage, Some("2000 mV"));
        }
    );
}

#[test]
fn cognito_samples_read_and_the_response_replaces_only_response() {
    use super::cognito::{
        respond, CognitoEventUserPoolsPreSignup, CognitoEventUserPoolsPreTokenGenV2,
    };
    use super::WithJson;
    read!(
        WithJson<'_, '_, CognitoEventUserPoolsPreSignup<'_, '_>>,
        sample("example-cognito-event-userpools-presignup.json"),
        |e| {
            let e = e.unwrap();
            let t = e.typed;
            assert_eq!(t.trigger_source, "PreSignUp_SignUp");
            assert_eq!(t.user_name, Some("<userName>"));
            assert_eq!(
                t.caller_context.unwrap().client_id,
                Some("<apps client id>")
            );
            assert_eq!(
                t.request.user_attributes.get("email").unwrap().unwrap(),
                "<email>"
            );
            assert_eq!(t.request.validation_data.len(), 2);
            let r = t.response.unwrap();
            assert_eq!(r.auto_confirm_user, Some(false));
            assert_eq!(r.auto_verify_email, Some(true));
            let mut buf = [0u8; 2048];
            let mut w = crate::json::JsonWriter::new(&mut buf);
            respond(&mut w, e.json, |r| r.field("autoConfirmUser", true)).unwrap();
            let mut expected: serde_json::Value =
                serde_json::from_slice(&sample("example-cognito-event-userpools-presignup.json"))
                    .unwrap();
            expected["response"] = serde_json::json!({"autoConfirmUser": true});
            let written: serde_json::Value = serde_json::from_slice(w.written()).unwrap();
            assert_eq!(written, expected);
        }
    );
    read!(
        CognitoEventUserPoolsPreTokenGenV2<'_, '_>,
        sample("example-cognito-event-userpools-pretokengen-v2.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.trigger_source, "TokenGeneration_HostedAuth");
            let scopes: Vec<&str> = e.request.scopes.iter().map(Result::unwrap).collect();
            assert_eq!(scopes, ["scope-1", "scope-2"]);
            let groups = e.request.group_configuration.unwrap();
            assert_eq!(groups.groups_to_override.len(), 3);
            assert_eq!(
                groups.preferred_role,
                Some("arn:aws:iam::XXXXXXXXXXX:role/sns_caller")
            );
            let claims = e
                .response
                .pointer("/claimsAndScopeOverrideDetails/accessTokenGeneration/scopesToAdd");
            assert_eq!(claims.unwrap().len(), 2);
        }
    );
    // An event without `response` gets one.
    with_value(
        r#"{"triggerSource":"PreSignUp_SignUp","request":{}}"#,
        |v| {
            let mut buf = [0u8; 256];
            let mut w = crate::json::JsonWriter::new(&mut buf);
            respond(&mut w, v, |_| Ok(())).unwrap();
            assert_eq!(
                w.written(),
                br#"{"triggerSource":"PreSignUp_SignUp","request":{},"response":{}}"#
            );
        },
    );
}

#[test]
fn authorizer_samples_read_and_the_answers_write() {
    use super::authorizer::{
        write_policy, write_simple, ApiGatewayCustomAuthorizerRequest,
        ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayV2CustomAuthorizerV2Request,
        Effect,
    };
    read!(
        ApiGatewayCustomAuthorizerRequestTypeRequest<'_, '_>,
        sample("example-apigw-custom-auth-request-type-request.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.type_, Some("REQUEST"));
            assert!(e.method_arn.ends_with("/test/GET/request"));
            assert_eq!(e.http_method, Some("GET"));
            assert!(!e.headers.is_empty() && !e.multi_value_headers.is_empty());
            for (_, values) in e.multi_value_headers.iter() {
                assert!(values.unwrap().iter().all(|v| v.is_ok()));
            }
            assert!(e.request_context.get("accountId").is_some());
        }
    );
    read!(
        ApiGatewayV2CustomAuthorizerV2Request<'_, '_>,
        sample("example-apigw-v2-custom-authorizer-v2-request.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.version, Some("2.0"));
            assert_eq!(e.route_key, Some("$default"));
            assert_eq!(e.raw_path, Some("/my/path"));
            assert!(!e.identity_source.is_empty() && !e.cookies.is_empty());
            assert!(e.headers.iter().all(|(_, v)| v.is_ok()));
        }
    );
    with_value(
        r#"{"type":"TOKEN","authorizationToken":"allow","methodArn":"arn:m"}"#,
        |v| {
            let e = ApiGatewayCustomAuthorizerRequest::from_value(v).unwrap();
            assert_eq!(
                (e.authorization_token, e.method_arn),
                (Some("allow"), "arn:m")
            );
            let mut buf = [0u8; 512];
            let mut w = crate::json::JsonWriter::new(&mut buf);
            write_policy(&mut w, "me", Effect::Deny, &[e.method_arn], |_| Ok(())).unwrap();
            assert_eq!(
            w.written(),
            &br#"{"principalId":"me","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":["arn:m"]}]},"context":{}}"#[..]
        );
        },
    );
    let mut buf = [0u8; 128];
    let mut w = crate::json::JsonWriter::new(&mut buf);
    write_simple(&mut w, true, |c| c.field("user", "ada")).unwrap();
    assert_eq!(
        w.written(),
        br#"{"isAuthorized":true,"context":{"user":"ada"}}"#
    );
}

#[test]
fn ses_and_s3_object_lambda_samples_read() {
    use super::s3_object_lambda::S3ObjectLambdaEvent;
    use super::ses::SimpleEmailEvent;
    read!(
        SimpleEmailEvent<'_, '_>,
        sample("example-ses-s3-event.json"),
        |e| {
            let r = e.unwrap().records.iter().next().unwrap().unwrap();
            assert_eq!(r.event_source, Some("aws:ses"));
            let mail = r.ses.mail;
            assert_eq!(mail.message_id, Some("d6iitobk75ur44p8kdnnp7g2n800"));
            assert_eq!(mail.headers_truncated, Some(false));
            let subject = mail
                .headers
                .iter()
                .map(Result::unwrap)
                .find(|h| h.name == Some("Subject"));
            assert_eq!(subject.unwrap().value, Some("Example subject"));
            let common = mail.common_headers.unwrap();
            assert_eq!(
                common.from.iter().next().unwrap().unwrap(),
                "sender@example.com"
            );
            let receipt = r.ses.receipt;
            assert_eq!(receipt.processing_time_millis, Some(406));
            assert_eq!(receipt.spam_verdict.unwrap().status, Some("PASS"));
            assert_eq!(receipt.dmarc_policy, Some("reject"));
            let action = receipt.action.unwrap();
            assert_eq!(
                (action.type_, action.bucket_name),
                (Some("S3"), Some("my-S3-bucket"))
            );
        }
    );
    read!(
        S3ObjectLambdaEvent<'_, '_>,
        sample("example-s3-object-lambda-event-get-object-assumed-role.json"),
        |e| {
            let e = e.unwrap();
            assert_eq!(e.x_amz_request_id, Some("requestId"));
            let ctx = e.get_object_context.unwrap();
            assert_eq!(
                (ctx.output_route, ctx.output_token),
                ("io-use1-001", "OutputToken")
            );
            assert_eq!(e.configuration.unwrap().payload, Some("{}"));
            let request = e.user_request.unwrap();
            assert_eq!(
                request.headers.get("Accept-Encoding").unwrap().unwrap(),
                "identity"
            );
            assert_eq!(e.user_identity.get_str("type"), Some("AssumedRole"));
            assert_eq!(e.protocol_version, Some("1.00"));
        }
    );
}

#[test]
fn codecommit_and_codepipeline_events_read_every_member() {
    let commit = r#"{"Records":[{"eventId":"5a82","eventVersion":"1.0","eventTime":"2018-01-26T15:58:33.475+0000","eventPartNumber":1,"codecommit":{"references":[{"commit":"5c4e","ref":"refs/heads/master"},{"commit":"00aa","ref":"refs/tags/v1","created":true}]},"eventSource":"aws:codecommit","eventTotalParts":2}]}"#;
    with_value(commit, |v| {
        let e = super::codecommit::CodeCommitEvent::from_value(v).unwrap();
        let r = e.records.get(0).unwrap().unwrap();
        assert_eq!(r.event_time, Some("2018-01-26T15:58:33.475+0000"));
        assert_eq!(
            (r.event_part_number, r.event_total_parts),
            (Some(1), Some(2))
        );
        let refs: Vec<_> = r
            .code_commit
            .references
            .iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(refs[0].ref_, Some("refs/heads/master"));
        assert_eq!((refs[0].created, refs[1].created), (None, Some(true)));
    });
    let change = r#"{"detail-type":"CodePipeline Stage Execution State Change","source":"aws.codepipeline","time":"2017-04-22T03:31:47Z","resources":[],"detail":{"pipeline":"p","version":1,"execution-id":"x","stage":"Prod","state":"STARTED","type":{"owner":"AWS","category":"Deploy","provider":"CodeDeploy","version":1}}}"#;
    with_value(change, |v| {
        let e = super::codepipeline::CodePipelineCloudWatchEvent::from_value(v).unwrap();
        assert_eq!(
            (e.detail.pipeline, e.detail.stage, e.detail.state),
            (Some("p"), Some("Prod"), Some("STARTED"))
        );
        assert_eq!(e.detail.type_.unwrap().provider, Some("CodeDeploy"));
    });
    let job = r#"{"CodePipeline.job":{"id":"j","accountId":"1","data":{"actionConfiguration":{"configuration":{"FunctionName":"f","UserParameters":"u"}},"inputArtifacts":[{"location":{"s3Location":{"bucketName":"b","objectKey":"k"},"type":"S3"},"revision":null,"name":"in"}],"outputArtifacts":[],"artifactCredentials":{"accessKeyId":"AK"}}}}"#;
    with_value(job, |v| {
        let e = super::codepipeline::CodePipelineJobEvent::from_value(v).unwrap();
        let d = e.code_pipeline_job.data;
        assert_eq!(e.code_pipeline_job.id, Some("j"));
        assert_eq!(
            d.action_configuration.configuration.user_parameters,
            Some("u")
        );
        let a = d.input_artifacts.get(0).unwrap().unwrap();
        assert_eq!(
            (a.name, a.revision, a.location.s3_location.object_key),
            (Some("in"), None, Some("k"))
        );
        assert!(d.out_put_artifacts.is_empty());
        assert_eq!(d.artifact_credentials.access_key_id, Some("AK"));
        assert_eq!(d.continuation_token, None);
    });
}

#[test]
fn batch_item_failures_write_the_vendored_sqs_batch_response() {
    let mut buf = [0u8; 256];
    let mut w = crate::json::JsonWriter::new(&mut buf);
    let mut failures = super::BatchItemFailures::begin(&mut w).unwrap();
    failures.fail("id2").unwrap();
    failures.fail("id4").unwrap();
    failures.end().unwrap();
    let ours: serde_json::Value = serde_json::from_slice(w.written()).unwrap();
    let sample: serde_json::Value =
        serde_json::from_slice(&sample("example-sqs-batch-response.json")).unwrap();
    assert_eq!(ours, sample);
}
