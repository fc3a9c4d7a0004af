//! For every vendored sample of a family lambda-zero has a type for, and for generated variants
//! (escapes, absent optional members, empty sequences, every DynamoDB attribute type), both
//! crates read the same event and every field they both have holds the same value.
//!
//! Where they disagree by design, the check says so (see the README's table): lambda-zero keeps
//! timestamps as the event's text or number (aws_lambda_events parses them into
//! `chrono::DateTime`; compared here through the same instant) and reads some members that
//! aws_lambda_events requires as optional.

use std::collections::BTreeMap;

use aws_lambda_events::event as aws;
use lambda_zero::events::cloudwatch_logs::{CloudWatchLogsEvent, LogsDecoder};
use lambda_zero::events::codebuild::CodeBuildEvent;
use lambda_zero::events::codecommit::CodeCommitEvent;
use lambda_zero::events::codepipeline::{CodePipelineCloudWatchEvent, CodePipelineJobEvent};
use lambda_zero::events::dynamodb::{AttributeValue, DynamoDbEvent, Item};
use lambda_zero::events::eventbridge::EventBridgeEvent;
use lambda_zero::events::kinesis::KinesisEvent;
use lambda_zero::events::s3::S3Event;
use lambda_zero::events::sns::SnsEvent;
use lambda_zero::events::sqs::{SqsApiEvent, SqsEvent, SqsMessageAttribute};
use lambda_zero::events::{Base64, FromValue, Map};
use lambda_zero::json::{JsonWriter, Limits, Parser, Value};
use lambda_zero_compare_events::sample;
use serde_json::json;

#[path = "../../../tests/common/gzip.rs"]
mod gzip;

/// Parses `$json` with lambda-zero, reads it as `$ty` into `$e`, evaluates `$body`.
macro_rules! zero {
    ($ty:ty, $json:expr, |$e:ident| $body:expr) => {{
        let mut bytes: Vec<u8> = $json.to_vec();
        // As `events::handler` parses: lambda-zero's own stage 1 and tape pass where it runs.
        let mut parser = Parser::with_index(Limits::strict(256 * 1024, 0));
        parser
            .with_value(&mut bytes, |v| {
                let $e: $ty = <$ty>::from_value(v).unwrap_or_else(|m| panic!("{m}"));
                $body
            })
            .expect("valid JSON")
    }};
}

fn decode(b: Base64<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; b.decoded_len()];
    b.decode_into(&mut buf).expect("base64").to_vec()
}

fn s(o: Option<&str>) -> Option<String> {
    o.map(str::to_string)
}

fn strings(m: Map<'_, '_, &str>) -> BTreeMap<String, String> {
    m.iter()
        .map(|(k, v)| (k.to_string(), v.unwrap().to_string()))
        .collect()
}

fn millis(t: &str) -> String {
    t.to_string()
}

/// The serde_json value of a lambda-zero [`Value`], written by its `JsonWriter`.
fn to_json(v: Value<'_, '_>) -> serde_json::Value {
    let mut buf = vec![0u8; 64 * 1024];
    let mut w = JsonWriter::new(&mut buf);
    w.value(v).unwrap();
    serde_json::from_slice(w.written()).unwrap()
}

fn sqs_attributes(
    ours: Map<'_, '_, SqsMessageAttribute<'_, '_>>,
    theirs: &std::collections::HashMap<String, aws::sqs::SqsMessageAttribute>,
) {
    assert_eq!(ours.len(), theirs.len());
    for (k, a) in ours.iter() {
        let a = a.unwrap();
        let t = &theirs[k];
        assert_eq!(s(a.string_value), t.string_value, "{k}");
        assert_eq!(
            a.binary_value.map(decode),
            t.binary_value.as_ref().map(|b| b.0.clone())
        );
        let lists: Vec<String> = a
            .string_list_values
            .iter()
            .map(|x| x.unwrap().to_string())
            .collect();
        assert_eq!(lists, t.string_list_values);
        let bins: Vec<Vec<u8>> = a
            .binary_list_values
            .iter()
            .map(|x| decode(x.unwrap()))
            .collect();
        let theirs: Vec<Vec<u8>> = t.binary_list_values.iter().map(|b| b.0.clone()).collect();
        assert_eq!(bins, theirs);
        assert_eq!(s(a.data_type), t.data_type);
    }
}

fn check_sqs(json: &[u8]) -> usize {
    let theirs: aws::sqs::SqsEvent = serde_json::from_slice(json).unwrap();
    zero!(SqsEvent<'_, '_>, json, |e| {
        assert_eq!(e.records.len(), theirs.records.len());
        for (m, t) in e.records.iter().zip(&theirs.records) {
            let m = m.unwrap();
            assert_eq!(s(m.message_id), t.message_id);
            assert_eq!(s(m.receipt_handle), t.receipt_handle);
            assert_eq!(s(m.body), t.body);
            assert_eq!(s(m.md5_of_body), t.md5_of_body);
            assert_eq!(s(m.md5_of_message_attributes), t.md5_of_message_attributes);
            assert_eq!(
                strings(m.attributes),
                t.attributes.clone().into_iter().collect()
            );
            sqs_attributes(m.message_attributes, &t.message_attributes);
            assert_eq!(s(m.event_source_arn), t.event_source_arn);
            assert_eq!(s(m.event_source), t.event_source);
            assert_eq!(s(m.aws_region), t.aws_region);
        }
        e.records.len()
    })
}

fn check_sqs_api(json: &[u8]) -> usize {
    // aws_lambda_events' `SqsApiEvent` reads a member `messages` (camelCase), which the SQS
    // API never sends (ReceiveMessage answers `Messages`): its `SqsApiEventObj` reads
    // `Messages`, with each body parsed as JSON into `T`.
    let theirs: aws::sqs::SqsApiEventObj<serde_json::Value> = serde_json::from_slice(json).unwrap();
    zero!(SqsApiEvent<'_, '_>, json, |e| {
        assert_eq!(e.messages.len(), theirs.messages.len());
        for (m, t) in e.messages.iter().zip(&theirs.messages) {
            let m = m.unwrap();
            assert_eq!(s(m.message_id), t.message_id);
            assert_eq!(s(m.receipt_handle), t.receipt_handle);
            let body: serde_json::Value = serde_json::from_str(m.body.unwrap()).unwrap();
            assert_eq!(body, t.body);
            assert_eq!(s(m.md5_of_body), t.md5_of_body);
            assert_eq!(s(m.md5_of_message_attributes), t.md5_of_message_attributes);
            assert_eq!(
                strings(m.attributes),
                t.attributes.clone().into_iter().collect()
            );
            sqs_attributes(m.message_attributes, &t.message_attributes);
        }
        e.messages.len()
    })
}

fn check_sns(json: &[u8]) -> usize {
    let theirs: aws::sns::SnsEvent = serde_json::from_slice(json).unwrap();
    zero!(SnsEvent<'_, '_>, json, |e| {
        assert_eq!(e.records.len(), theirs.records.len());
        for (r, t) in e.records.iter().zip(&theirs.records) {
            let r = r.unwrap();
            assert_eq!(r.event_source, t.event_source);
            assert_eq!(r.event_version, t.event_version);
            assert_eq!(r.event_subscription_arn, t.event_subscription_arn);
            let (m, t) = (r.sns, &t.sns);
            assert_eq!(m.sns_message_type, t.sns_message_type);
            assert_eq!(m.message_id, t.message_id);
            assert_eq!(m.topic_arn, t.topic_arn);
            assert_eq!(s(m.subject), t.subject);
            assert_eq!(
                millis(m.timestamp),
                t.timestamp.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            );
            assert_eq!(m.signature_version, t.signature_version);
            assert_eq!(m.signature, t.signature);
            assert_eq!(m.signing_cert_url, t.signing_cert_url);
            assert_eq!(m.unsubscribe_url, t.unsubscribe_url);
            assert_eq!(m.message, t.message);
            assert_eq!(m.message_attributes.len(), t.message_attributes.len());
            for (k, a) in m.message_attributes.iter() {
                let a = a.unwrap();
                assert_eq!(a.data_type, t.message_attributes[k].data_type);
                assert_eq!(a.value, t.message_attributes[k].value);
            }
        }
        e.records.len()
    })
}

fn check_s3(json: &[u8]) -> usize {
    let theirs: aws::s3::S3Event = serde_json::from_slice(json).unwrap();
    zero!(S3Event<'_, '_>, json, |e| {
        assert_eq!(e.records.len(), theirs.records.len());
        for (r, t) in e.records.iter().zip(&theirs.records) {
            let r = r.unwrap();
            assert_eq!(s(r.event_version), t.event_version);
            assert_eq!(s(r.event_source), t.event_source);
            assert_eq!(s(r.aws_region), t.aws_region);
            assert_eq!(
                r.event_time,
                t.event_time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            );
            assert_eq!(s(r.event_name), t.event_name);
            assert_eq!(s(r.user_identity.principal_id), t.principal_id.principal_id);
            assert_eq!(
                s(r.request_parameters.source_ip_address),
                t.request_parameters.source_ip_address
            );
            assert_eq!(
                strings(r.response_elements),
                t.response_elements.clone().into_iter().collect()
            );
            assert_eq!(s(r.s3.schema_version), t.s3.schema_version);
            assert_eq!(s(r.s3.configuration_id), t.s3.configuration_id);
            let (b, tb) = (r.s3.bucket, &t.s3.bucket);
            assert_eq!(s(b.name), tb.name);
            assert_eq!(
                b.owner_identity.map(|o| s(o.principal_id)),
                tb.owner_identity.as_ref().map(|o| o.principal_id.clone())
            );
            assert_eq!(s(b.arn), tb.arn);
            let (o, to) = (r.s3.object, &t.s3.object);
            assert_eq!(s(o.key), to.key);
            assert_eq!(o.size, to.size);
            assert_eq!(s(o.url_decoded_key), to.url_decoded_key);
            assert_eq!(s(o.version_id), to.version_id);
            assert_eq!(s(o.e_tag), to.e_tag);
            assert_eq!(s(o.sequencer), to.sequencer);
        }
        e.records.len()
    })
}

fn attr_eq(ours: AttributeValue<'_, '_>, theirs: &serde_dynamo::AttributeValue) -> bool {
    use serde_dynamo::AttributeValue as T;
    match (ours, theirs) {
        (AttributeValue::S(a), T::S(b)) | (AttributeValue::N(a), T::N(b)) => a == b,
        (AttributeValue::B(a), T::B(b)) => decode(a) == *b,
        (AttributeValue::Bool(a), T::Bool(b)) => a == *b,
        (AttributeValue::Null, T::Null(b)) => *b,
        (AttributeValue::M(a), T::M(b)) => item_eq(a, b),
        (AttributeValue::L(a), T::L(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| attr_eq(x.unwrap(), y))
        }
        (AttributeValue::Ss(a), T::Ss(b)) | (AttributeValue::Ns(a), T::Ns(b)) => a
            .iter()
            .map(Result::unwrap)
            .eq(b.iter().map(String::as_str)),
        (AttributeValue::Bs(a), T::Bs(b)) => {
            a.iter().map(|x| decode(x.unwrap())).eq(b.iter().cloned())
        }
        _ => false,
    }
}

fn item_eq(
    ours: Item<'_, '_>,
    theirs: &std::collections::HashMap<String, serde_dynamo::AttributeValue>,
) -> bool {
    ours.len() == theirs.len()
        && ours
            .iter()
            .all(|(k, v)| theirs.get(k).is_some_and(|t| attr_eq(v.unwrap(), t)))
}

fn check_dynamodb(json: &[u8]) -> usize {
    let theirs: aws::dynamodb::Event = serde_json::from_slice(json).unwrap();
    zero!(DynamoDbEvent<'_, '_>, json, |e| {
        assert_eq!(e.records.len(), theirs.records.len());
        for (r, t) in e.records.iter().zip(&theirs.records) {
            let r = r.unwrap();
            assert_eq!(r.aws_region, t.aws_region);
            assert_eq!(r.event_id, t.event_id);
            assert_eq!(r.event_name, t.event_name);
            assert_eq!(s(r.event_source), t.event_source);
            assert_eq!(s(r.event_version), t.event_version);
            assert_eq!(s(r.event_source_arn), t.event_source_arn);
            assert_eq!(
                r.user_identity.map(|u| (s(u.type_), s(u.principal_id))),
                t.user_identity
                    .as_ref()
                    .map(|u| (Some(u.type_.clone()), Some(u.principal_id.clone())))
            );
            assert_eq!(s(r.record_format), t.record_format);
            assert_eq!(s(r.table_name), t.table_name);
            let (c, tc) = (r.change, &t.change);
            let seconds = tc.approximate_creation_date_time.timestamp_millis() as f64 / 1000.0;
            // aws_lambda_events drops the fraction of a fractional value; lambda-zero keeps
            // the number as sent. DynamoDB documents whole seconds ("rounded down to the
            // closest second"), where both agree.
            let ours = c.approximate_creation_date_time.unwrap_or(0.0);
            assert_eq!(ours.floor(), seconds);
            assert!(item_eq(c.keys, &tc.keys.clone().into()));
            assert!(item_eq(c.new_image, &tc.new_image.clone().into()));
            assert!(item_eq(c.old_image, &tc.old_image.clone().into()));
            assert_eq!(s(c.sequence_number), tc.sequence_number);
            assert_eq!(c.size_bytes.unwrap_or(0), tc.size_bytes);
            let view = tc
                .stream_view_type
                .as_ref()
                .map(|v| serde_json::to_value(v).unwrap());
            assert_eq!(c.stream_view_type.map(serde_json::Value::from), view);
        }
        e.records.len()
    })
}

fn check_kinesis(json: &[u8]) -> usize {
    let theirs: aws::kinesis::KinesisEvent = serde_json::from_slice(json).unwrap();
    zero!(KinesisEvent<'_, '_>, json, |e| {
        assert_eq!(e.records.len(), theirs.records.len());
        for (r, t) in e.records.iter().zip(&theirs.records) {
            let r = r.unwrap();
            assert_eq!(s(r.aws_region), t.aws_region);
            assert_eq!(s(r.event_id), t.event_id);
            assert_eq!(s(r.event_name), t.event_name);
            assert_eq!(s(r.event_source), t.event_source);
            assert_eq!(s(r.event_source_arn), t.event_source_arn);
            assert_eq!(s(r.event_version), t.event_version);
            assert_eq!(s(r.invoke_identity_arn), t.invoke_identity_arn);
            let (k, tk) = (r.kinesis, &t.kinesis);
            let at = tk.approximate_arrival_timestamp.0.timestamp_millis() as f64 / 1000.0;
            assert_eq!(k.approximate_arrival_timestamp, at);
            assert_eq!(decode(k.data), tk.data.0);
            if let Some(kind) = k.encryption_type {
                assert_eq!(
                    serde_json::Value::from(kind),
                    serde_json::to_value(&tk.encryption_type).unwrap()
                );
            }
            assert_eq!(k.partition_key, tk.partition_key);
            assert_eq!(k.sequence_number, tk.sequence_number);
            assert_eq!(s(k.kinesis_schema_version), tk.kinesis_schema_version);
        }
        e.records.len()
    })
}

fn check_eventbridge(json: &[u8]) -> usize {
    let t: aws::eventbridge::EventBridgeEvent = serde_json::from_slice(json).unwrap();
    zero!(EventBridgeEvent<'_, '_>, json, |e| {
        assert_eq!(s(e.version), t.version);
        assert_eq!(s(e.id), t.id);
        assert_eq!(e.detail_type, t.detail_type);
        assert_eq!(e.source, t.source);
        assert_eq!(s(e.account), t.account);
        assert_eq!(
            s(e.time),
            t.time.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        );
        assert_eq!(s(e.region), t.region);
        let resources: Vec<String> = e.resources.iter().map(|r| r.unwrap().to_string()).collect();
        assert_eq!(resources, t.resources.clone().unwrap_or_default());
        assert_eq!(to_json(e.detail), t.detail);
        1
    })
}

/// CodeBuild's times (`Sep 1, 2017 4:12:29 PM`) as aws_lambda_events parsed them, written
/// back in that format (`%e` and `%l` pad with a space: the text as sent has none).
fn codebuild_time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%b %-d, %Y %-I:%M:%S %p").to_string()
}

fn check_codebuild(json: &[u8]) -> usize {
    let t: aws::codebuild::CodeBuildEvent = serde_json::from_slice(json).unwrap();
    zero!(CodeBuildEvent<'_, '_>, json, |e| {
        assert_eq!(s(e.version), t.version);
        assert_eq!(s(e.id), t.id);
        assert_eq!(Some(e.detail_type.to_string()), t.detail_type);
        assert_eq!(Some(e.source.to_string()), t.source);
        assert_eq!(s(e.account), t.account_id);
        assert_eq!(
            s(e.time),
            Some(t.time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        );
        assert_eq!(s(e.region), t.region);
        let resources: Vec<String> = e.resources.iter().map(|r| r.unwrap().to_string()).collect();
        assert_eq!(resources, t.resources);
        let (d, td) = (e.detail, &t.detail);
        assert_eq!(s(d.build_status), td.build_status);
        assert_eq!(s(d.project_name), td.project_name);
        assert_eq!(s(d.build_id), td.build_id);
        assert_eq!(s(d.current_phase), td.current_phase);
        assert_eq!(s(d.current_phase_context), td.current_phase_context);
        assert_eq!(s(d.version), td.version);
        assert_eq!(s(d.completed_phase_status), td.completed_phase_status);
        assert_eq!(s(d.completed_phase), td.completed_phase);
        assert_eq!(s(d.completed_phase_context), td.completed_phase_context);
        // aws_lambda_events keeps whole seconds (`as i64`); the samples' are whole.
        assert_eq!(
            d.completed_phase_duration.map(|x| x as i64),
            td.completed_phase_duration
                .as_ref()
                .map(|x| x.0.num_seconds())
        );
        assert_eq!(
            s(d.completed_phase_start),
            td.completed_phase_start.as_ref().map(codebuild_time)
        );
        assert_eq!(
            s(d.completed_phase_end),
            td.completed_phase_end.as_ref().map(codebuild_time)
        );
        let (i, ti) = (d.additional_information, &td.additional_information);
        assert_eq!(
            (
                s(i.artifact.md5_sum),
                s(i.artifact.sha256_sum),
                s(i.artifact.location)
            ),
            (
                ti.artifact.md5_sum.clone(),
                ti.artifact.sha256_sum.clone(),
                ti.artifact.location.clone()
            )
        );
        let (env, tenv) = (i.environment, &ti.environment);
        assert_eq!(
            (s(env.image), s(env.compute_type), s(env.type_)),
            (
                tenv.image.clone(),
                tenv.compute_type.clone(),
                tenv.type_.clone()
            )
        );
        assert_eq!(env.privileged_mode, Some(tenv.privileged_mode));
        let vars: Vec<_> = env
            .environment_variables
            .iter()
            .map(|v| {
                let v = v.unwrap();
                (s(v.name), s(v.type_), s(v.value))
            })
            .collect();
        let tvars: Vec<_> = tenv
            .environment_variables
            .iter()
            .map(|v| (v.name.clone(), v.type_.clone(), v.value.clone()))
            .collect();
        assert_eq!(vars, tvars);
        assert_eq!(
            i.timeout.map(|x| x as i64),
            Some(ti.timeout.0.num_minutes())
        );
        assert_eq!(i.build_complete, Some(ti.build_complete));
        assert_eq!(i.build_number, ti.build_number.map(f64::from));
        assert_eq!(s(i.initiator), ti.initiator);
        assert_eq!(
            s(i.build_start_time),
            Some(codebuild_time(&ti.build_start_time))
        );
        assert_eq!(
            (s(i.source.location), s(i.source.type_)),
            (ti.source.location.clone(), ti.source.type_.clone())
        );
        assert_eq!(s(i.source_version), ti.source_version);
        assert_eq!(
            (
                s(i.logs.group_name),
                s(i.logs.stream_name),
                s(i.logs.deep_link)
            ),
            (
                ti.logs.group_name.clone(),
                ti.logs.stream_name.clone(),
                ti.logs.deep_link.clone()
            )
        );
        assert_eq!(i.phases.len(), ti.phases.len());
        for (p, tp) in i.phases.iter().zip(&ti.phases) {
            let p = p.unwrap();
            let context: Vec<serde_json::Value> = p
                .phase_context
                .iter()
                .map(|v| to_json(v.unwrap()))
                .collect();
            assert_eq!(context, tp.phase_context.clone().unwrap_or_default());
            assert_eq!(s(p.start_time), Some(codebuild_time(&tp.start_time)));
            assert_eq!(s(p.end_time), tp.end_time.as_ref().map(codebuild_time));
            assert_eq!(
                p.duration.map(|x| x as i64),
                tp.duration.as_ref().map(|x| x.0.num_seconds())
            );
            assert_eq!(p.phase_type, tp.phase_type);
            assert_eq!(s(p.phase_status), tp.phase_status);
        }
        1 + i.phases.len()
    })
}

fn check_codecommit(json: &[u8]) -> usize {
    let t: aws::code_commit::CodeCommitEvent = serde_json::from_slice(json).unwrap();
    zero!(CodeCommitEvent<'_, '_>, json, |e| {
        assert_eq!(e.records.len(), t.records.len());
        for (r, tr) in e.records.iter().zip(&t.records) {
            let r = r.unwrap();
            assert_eq!(s(r.event_id), tr.event_id);
            assert_eq!(s(r.event_version), tr.event_version);
            // aws_lambda_events parses the time (`2018-01-26T15:58:33.475+0000`); the text
            // here, compared as the same instant.
            let ours =
                chrono::DateTime::parse_from_str(r.event_time.unwrap(), "%Y-%m-%dT%H:%M:%S%.f%z")
                    .unwrap();
            assert_eq!(ours, tr.event_time);
            assert_eq!(s(r.event_trigger_name), tr.event_trigger_name);
            assert_eq!(r.event_part_number, Some(tr.event_part_number));
            assert_eq!(s(r.event_name), tr.event_name);
            assert_eq!(s(r.event_trigger_config_id), tr.event_trigger_config_id);
            assert_eq!(s(r.event_source_arn), tr.event_source_arn);
            assert_eq!(s(r.user_identity_arn), tr.user_identity_arn);
            assert_eq!(s(r.event_source), tr.event_source);
            assert_eq!(s(r.aws_region), tr.aws_region);
            assert_eq!(r.event_total_parts, Some(tr.event_total_parts));
            assert_eq!(s(r.custom_data), tr.custom_data);
            let refs: Vec<_> = r
                .code_commit
                .references
                .iter()
                .map(|x| {
                    let x = x.unwrap();
                    (s(x.commit), s(x.ref_), x.created.unwrap_or(false))
                })
                .collect();
            let trefs: Vec<_> = tr
                .code_commit
                .references
                .iter()
                .map(|x| (x.commit.clone(), x.ref_.clone(), x.created))
                .collect();
            assert_eq!(refs, trefs);
        }
        e.records.len()
    })
}

fn check_codepipeline(json: &[u8]) -> usize {
    let t: aws::codepipeline_cloudwatch::CodePipelineCloudWatchEvent =
        serde_json::from_slice(json).unwrap();
    zero!(CodePipelineCloudWatchEvent<'_, '_>, json, |e| {
        assert_eq!(s(e.version), t.version);
        assert_eq!(s(e.id), t.id);
        assert_eq!(Some(e.detail_type.to_string()), t.detail_type);
        assert_eq!(Some(e.source.to_string()), t.source);
        assert_eq!(s(e.account), t.account_id);
        assert_eq!(
            s(e.time),
            Some(t.time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        );
        assert_eq!(s(e.region), t.region);
        let resources: Vec<String> = e.resources.iter().map(|r| r.unwrap().to_string()).collect();
        assert_eq!(resources, t.resources);
        let (d, td) = (e.detail, &t.detail);
        assert_eq!(s(d.pipeline), td.pipeline);
        assert_eq!(d.version, Some(td.version));
        assert_eq!(s(d.execution_id), td.execution_id);
        assert_eq!(s(d.stage), td.stage);
        assert_eq!(s(d.action), td.action);
        assert_eq!(s(d.state), Some(td.state.clone()));
        assert_eq!(s(d.region), td.region);
        let ty = d
            .type_
            .map(|x| (s(x.owner), s(x.category), s(x.provider), x.version));
        let tty = td.type_.as_ref().map(|x| {
            (
                x.owner.clone(),
                x.category.clone(),
                x.provider.clone(),
                Some(x.version),
            )
        });
        assert_eq!(ty, tty);
        1
    })
}

fn check_codepipeline_job(json: &[u8]) -> usize {
    let t: aws::codepipeline_job::CodePipelineJobEvent = serde_json::from_slice(json).unwrap();
    zero!(CodePipelineJobEvent<'_, '_>, json, |e| {
        let (j, tj) = (e.code_pipeline_job, &t.code_pipeline_job);
        assert_eq!(
            (s(j.id), s(j.account_id)),
            (tj.id.clone(), tj.account_id.clone())
        );
        let (d, td) = (j.data, &tj.data);
        let c = d.action_configuration.configuration;
        let tc = &td.action_configuration.configuration;
        assert_eq!(
            (s(c.function_name), s(c.user_parameters)),
            (tc.function_name.clone(), tc.user_parameters.clone())
        );
        let artifact = |a: (
            Option<&str>,
            Option<&str>,
            Option<&str>,
            Option<&str>,
            Option<&str>,
        )| { (s(a.0), s(a.1), s(a.2), s(a.3), s(a.4)) };
        let inputs: Vec<_> = d
            .input_artifacts
            .iter()
            .map(|a| {
                let a = a.unwrap();
                artifact((
                    a.name,
                    a.revision,
                    a.location.location_type,
                    a.location.s3_location.bucket_name,
                    a.location.s3_location.object_key,
                ))
            })
            .collect();
        let tinputs: Vec<_> = td
            .input_artifacts
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    a.revision.clone(),
                    a.location.location_type.clone(),
                    a.location.s3_location.bucket_name.clone(),
                    a.location.s3_location.object_key.clone(),
                )
            })
            .collect();
        assert_eq!(inputs, tinputs);
        let outputs: Vec<_> = d
            .out_put_artifacts
            .iter()
            .map(|a| {
                let a = a.unwrap();
                artifact((
                    a.name,
                    a.revision,
                    a.location.location_type,
                    a.location.s3_location.bucket_name,
                    a.location.s3_location.object_key,
                ))
            })
            .collect();
        let toutputs: Vec<_> = td
            .out_put_artifacts
            .iter()
            .map(|a| {
                (
                    a.name.clone(),
                    a.revision.clone(),
                    a.location.location_type.clone(),
                    a.location.s3_location.bucket_name.clone(),
                    a.location.s3_location.object_key.clone(),
                )
            })
            .collect();
        assert_eq!(outputs, toutputs);
        let k = d.artifact_credentials;
        let tk = &td.artifact_credentials;
        assert_eq!(
            (
                s(k.secret_access_key),
                s(k.session_token),
                s(k.access_key_id)
            ),
            (
                tk.secret_access_key.clone(),
                tk.session_token.clone(),
                tk.access_key_id.clone()
            )
        );
        assert_eq!(s(d.continuation_token), td.continuation_token);
        1 + inputs.len() + outputs.len()
    })
}

fn check_logs(json: &[u8]) -> usize {
    let theirs: aws::cloudwatch_logs::LogsEvent = serde_json::from_slice(json).unwrap();
    let t = &theirs.aws_logs.data;
    let mut decoder = LogsDecoder::new(256 * 1024, 1024 * 1024);
    zero!(CloudWatchLogsEvent<'_>, json, |e| {
        decoder
            .decode(&e.aws_logs, |d| {
                assert_eq!(d.owner, t.owner);
                assert_eq!(d.log_group, t.log_group);
                assert_eq!(d.log_stream, t.log_stream);
                let filters: Vec<String> = d
                    .subscription_filters
                    .iter()
                    .map(|f| f.unwrap().to_string())
                    .collect();
                assert_eq!(filters, t.subscription_filters);
                assert_eq!(d.message_type, t.message_type);
                assert_eq!(d.log_events.len(), t.log_events.len());
                for (l, tl) in d.log_events.iter().zip(&t.log_events) {
                    let l = l.unwrap();
                    assert_eq!(
                        (l.id, l.timestamp, l.message),
                        (tl.id.as_str(), tl.timestamp, tl.message.as_str())
                    );
                }
                d.log_events.len()
            })
            .unwrap()
    })
}

fn check_firehose(json: &[u8]) -> usize {
    use lambda_zero::events::firehose::KinesisFirehoseEvent;
    let t: aws::firehose::KinesisFirehoseEvent = serde_json::from_slice(json).unwrap();
    zero!(KinesisFirehoseEvent<'_, '_>, json, |e| {
        assert_eq!(s(e.invocation_id), t.invocation_id);
        assert_eq!(s(e.delivery_stream_arn), t.delivery_stream_arn);
        assert_eq!(s(e.source_kinesis_stream_arn), t.source_kinesis_stream_arn);
        assert_eq!(s(e.region), t.region);
        assert_eq!(e.records.len(), t.records.len());
        for (r, tr) in e.records.iter().zip(&t.records) {
            let r = r.unwrap();
            assert_eq!(Some(r.record_id.to_string()), tr.record_id);
            let at = tr.approximate_arrival_timestamp.0.timestamp_millis() as f64;
            assert_eq!(r.approximate_arrival_timestamp, Some(at));
            assert_eq!(decode(r.data), tr.data.0);
            let (m, tm) = (
                r.kinesis_record_metadata.unwrap(),
                tr.kinesis_firehose_record_metadata.as_ref().unwrap(),
            );
            assert_eq!(s(m.shard_id), tm.shard_id);
            assert_eq!(s(m.partition_key), tm.partition_key);
            assert_eq!(s(m.sequence_number), tm.sequence_number);
            assert_eq!(
                m.subsequence_number.map(|n| n as i64),
                Some(tm.subsequence_number)
            );
            let at = tm.approximate_arrival_timestamp.0.timestamp_millis() as f64;
            assert_eq!(m.approximate_arrival_timestamp, Some(at));
        }
        e.records.len()
    })
}

fn check_kafka(json: &[u8]) -> usize {
    use lambda_zero::events::kafka::KafkaEvent;
    let t: aws::kafka::KafkaEvent = serde_json::from_slice(json).unwrap();
    zero!(KafkaEvent<'_, '_>, json, |e| {
        assert_eq!(s(e.event_source), t.event_source);
        assert_eq!(s(e.event_source_arn), t.event_source_arn);
        assert_eq!(s(e.bootstrap_servers), t.bootstrap_servers);
        assert_eq!(e.records.len(), t.records.len());
        let mut n = 0;
        for (partition, records) in e.records.iter() {
            let theirs = &t.records[partition];
            let records = records.unwrap();
            assert_eq!(records.len(), theirs.len());
            for (r, tr) in records.iter().zip(theirs) {
                let r = r.unwrap();
                assert_eq!(s(r.topic), tr.topic);
                assert_eq!((r.partition, r.offset), (tr.partition, tr.offset));
                assert_eq!(r.timestamp, tr.timestamp.0.timestamp_millis());
                assert_eq!(s(r.timestamp_type), tr.timestamp_type);
                // aws_lambda_events keeps the key and value as their base64 text.
                assert_eq!(r.key.map(|k| k.as_str().to_string()), tr.key);
                assert_eq!(r.value.map(|v| v.as_str().to_string()), tr.value);
                assert_eq!(r.headers.len(), tr.headers.len());
                for (h, th) in r.headers.iter().zip(&tr.headers) {
                    for (name, bytes) in h.unwrap().iter() {
                        let ours: Vec<i8> =
                            bytes.unwrap().iter().map(|b| b.unwrap() as i8).collect();
                        assert_eq!(&ours, &th[name]);
                    }
                }
                n += 1;
            }
        }
        n
    })
}

fn check_secrets_manager(json: &[u8]) -> usize {
    use lambda_zero::events::secretsmanager::SecretsManagerSecretRotationEvent;
    let t: aws::secretsmanager::SecretsManagerSecretRotationEvent =
        serde_json::from_slice(json).unwrap();
    zero!(SecretsManagerSecretRotationEvent<'_>, json, |e| {
        assert_eq!(
            (e.step, e.secret_id, e.client_request_token),
            (
                t.step.as_str(),
                t.secret_id.as_str(),
                t.client_request_token.as_str()
            )
        );
        1
    })
}

#[test]
fn every_vendored_sample_reads_the_same_in_both_crates() {
    let checks: [(&str, fn(&[u8]) -> usize); 16] = [
        ("example-kinesis-firehose-event.json", check_firehose),
        ("example-kafka-event.json", check_kafka),
        (
            "example-secretsmanager-secret-rotation-event.json",
            check_secrets_manager,
        ),
        ("example-sqs-event.json", check_sqs),
        ("example-sqs-api-event-obj.json", check_sqs_api),
        ("example-sns-event.json", check_sns),
        ("example-sns-event-obj.json", check_sns),
        (
            "example-cloudwatch-alarm-sns-payload-multiple-metrics.json",
            check_sns,
        ),
        ("example-s3-event.json", check_s3),
        ("example-dynamodb-event.json", check_dynamodb),
        ("example-kinesis-event.json", check_kinesis),
        ("example-eventbridge-event-obj.json", check_eventbridge),
        ("example-eventbridge-schedule.json", check_eventbridge),
        ("example-codebuild-state-change.json", check_codebuild),
        ("example-codebuild-phase-change.json", check_codebuild),
        ("example-cloudwatch_logs-event.json", check_logs),
    ];
    for (name, check) in checks {
        assert!(check(&sample(name)) > 0, "{name}: nothing compared");
    }
}

#[test]
fn generated_variants_read_the_same_in_both_crates() {
    let escaped = "quote \" backslash \\ tab \t é \u{1F600} \u{0001}";
    // SQS: escapes, absent optional members, empty attribute maps and lists.
    let sqs = json!({"Records": [
        {"messageId": "m\"1", "body": escaped, "attributes": {"k\n": escaped},
         "messageAttributes": {"a": {"stringValue": escaped, "dataType": "String",
            "stringListValues": [], "binaryListValues": []}}},
        {"body": ""},
        {},
    ]});
    assert_eq!(check_sqs(&serde_json::to_vec(&sqs).unwrap()), 3);
    assert_eq!(check_sqs(br#"{"Records":[]}"#), 0);
    let body = json!({"text": escaped}).to_string();
    let api = json!({"Messages": [{"Body": body, "MessageId": "x"}, {"Body": "[]"}]});
    assert_eq!(check_sqs_api(&serde_json::to_vec(&api).unwrap()), 2);
    // SNS: escaped message, no subject, attributes.
    let sns = json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": "arn", "Sns": {"Type": "Notification", "MessageId": "id",
        "TopicArn": "t", "Timestamp": "2024-02-29T23:59:59.999Z", "SignatureVersion": "2",
        "Signature": "sig", "SigningCertUrl": "https://c", "UnsubscribeUrl": "https://u",
        "Message": escaped, "MessageAttributes": {"n": {"Type": "Number", "Value": "1.5"}}}}]});
    assert_eq!(check_sns(&serde_json::to_vec(&sns).unwrap()), 1);
    // S3: encoded and escaped keys, absent size and owner.
    let record = |key: &str| {
        json!({"eventTime": "2024-01-01T00:00:00.000Z",
        "userIdentity": {}, "requestParameters": {}, "responseElements": {},
        "s3": {"bucket": {"name": "b"}, "object": {"key": key}}})
    };
    let s3 = json!({"Records": [record("a+b%2Fc"), record(escaped), record("")]});
    assert_eq!(check_s3(&serde_json::to_vec(&s3).unwrap()), 3);
    // DynamoDB: every attribute type, nested, in keys and both images.
    let image = json!({"s": {"S": escaped}, "n": {"N": "-1.5E+3"}, "b": {"B": "AAEC"},
        "t": {"BOOL": false}, "z": {"NULL": true}, "m": {"M": {"i": {"L": [{"N": "1"}, {"M": {}}]}}},
        "l": {"L": []}, "ss": {"SS": ["a", escaped]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA==", "/w=="]}});
    let ddb = json!({"Records": [{"awsRegion": "r", "eventID": "1", "eventName": "MODIFY",
        "dynamodb": {"ApproximateCreationDateTime": 1700000000.5, "Keys": {"id": {"N": "7"}},
        "NewImage": image, "OldImage": image, "SequenceNumber": "42", "SizeBytes": 99,
        "StreamViewType": "NEW_AND_OLD_IMAGES"}}]});
    assert_eq!(check_dynamodb(&serde_json::to_vec(&ddb).unwrap()), 1);
    // Kinesis: empty and binary data, encryption type.
    let rec = |data: &str| {
        json!({"kinesis": {"partitionKey": escaped, "sequenceNumber": "1",
        "data": data, "approximateArrivalTimestamp": 1700000000.123, "encryptionType": "KMS"}})
    };
    let kinesis = json!({"Records": [rec(""), rec("/wAB"), rec("SGVsbG8=")]});
    assert_eq!(check_kinesis(&serde_json::to_vec(&kinesis).unwrap()), 3);
    // EventBridge: absent optional members, a nested detail with escapes.
    let eb = json!({"detail-type": escaped, "source": "s",
        "detail": {"a": [1, 2.5, -3, true, null, {"b": escaped}], "c": {}}});
    check_eventbridge(&serde_json::to_vec(&eb).unwrap());
    // CodeBuild: a phase still running (no end, status or duration), escapes, no variables,
    // absent optional members, a phase context with messages.
    let info = json!({"artifact": {}, "environment": {"privileged-mode": true,
        "environment-variables": []}, "timeout-in-minutes": 5, "build-complete": false,
        "build-start-time": "Dec 31, 2024 11:59:59 PM", "source": {"type": escaped}, "logs": {},
        "phases": [{"phase-context": [escaped, ": x"], "start-time": "Jan 1, 2025 12:00:00 AM",
            "duration-in-seconds": 3, "phase-type": "BUILD", "phase-status": "FAILED"},
            {"start-time": "Jan 10, 2025 1:02:03 PM", "phase-type": "FINALIZING"}]});
    let cb = json!({"detail-type": "CodeBuild Build State Change", "source": "aws.codebuild",
        "time": "2025-01-01T00:00:00Z", "resources": [],
        "detail": {"build-status": "IN_PROGRESS", "project-name": escaped, "additional-information": info}});
    assert_eq!(check_codebuild(&serde_json::to_vec(&cb).unwrap()), 3);
    // CodeCommit, CodePipeline: no vendored sample; the shapes of aws_lambda_events' fixtures
    // (`example-code_commit-event.json`, `example-codepipeline-*-event.json`,
    // `example-codepipeline_job-event.json`), with escapes and absent members.
    let commit = json!({"Records": [{"eventId": "5a824061", "eventVersion": "1.0",
        "eventTime": "2018-01-26T15:58:33.475+0000", "eventTriggerName": escaped,
        "eventPartNumber": 1, "codecommit": {"references": [
            {"commit": "5c4ef104", "ref": "refs/heads/master"},
            {"commit": "00aa", "ref": "refs/tags/v1", "created": true},
            {"commit": "00ab", "ref": "refs/heads/x", "created": null}]},
        "eventName": "TriggerEventTest", "eventTriggerConfigId": "5a824061",
        "eventSourceARN": "arn:aws:codecommit:us-east-1:123456789012:my-repo",
        "userIdentityARN": "arn:aws:iam::123456789012:root", "eventSource": "aws:codecommit",
        "awsRegion": "us-east-1", "eventTotalParts": 1, "customData": escaped}]});
    assert_eq!(check_codecommit(&serde_json::to_vec(&commit).unwrap()), 1);
    let envelope = |detail: serde_json::Value| {
        json!({"version": "0", "id": "CWE-event-id",
        "detail-type": "CodePipeline Action Execution State Change", "source": "aws.codepipeline",
        "account": "123456789012", "time": "2017-04-22T03:31:47Z", "region": "us-east-1",
        "resources": ["arn:aws:codepipeline:us-east-1:123456789012:pipeline:myPipeline"],
        "detail": detail})
    };
    for detail in [
        json!({"pipeline": "myPipeline", "version": 1, "execution-id": "0123", "stage": "Prod",
            "action": "myAction", "state": "STARTED", "region": "us-west-2",
            "type": {"owner": "AWS", "category": "Deploy", "provider": "CodeDeploy", "version": 1}}),
        json!({"pipeline": escaped, "version": 3, "execution-id": "0123", "state": "SUCCEEDED"}),
    ] {
        assert_eq!(
            check_codepipeline(&serde_json::to_vec(&envelope(detail)).unwrap()),
            1
        );
    }
    let artifact = |name: &str| {
        json!({"location": {"s3Location": {"bucketName": "b",
        "objectKey": escaped}, "type": "S3"}, "revision": null, "name": name})
    };
    let job = json!({"CodePipeline.job": {"id": "11111111", "accountId": "111111111111",
        "data": {"actionConfiguration": {"configuration": {"FunctionName": "f",
            "UserParameters": escaped}},
            "inputArtifacts": [artifact("in")], "outputArtifacts": [artifact("out"), artifact("o2")],
            "artifactCredentials": {"secretAccessKey": "s", "sessionToken": "t", "accessKeyId": "k"},
            "continuationToken": "c"}}});
    assert_eq!(
        check_codepipeline_job(&serde_json::to_vec(&job).unwrap()),
        4
    );
    let job = json!({"CodePipeline.job": {"id": "1", "data": {"actionConfiguration":
        {"configuration": {}}, "inputArtifacts": [], "outputArtifacts": [],
        "artifactCredentials": {}}}});
    assert_eq!(
        check_codepipeline_job(&serde_json::to_vec(&job).unwrap()),
        1
    );
    // CloudWatch Logs: escaped messages, no log events.
    for events in [
        json!([{"id": "1", "timestamp": 5, "message": escaped}]),
        json!([]),
    ] {
        let payload = json!({"messageType": "DATA_MESSAGE", "owner": "o", "logGroup": "g",
            "logStream": "s", "subscriptionFilters": [], "logEvents": events});
        let data = gzip::base64(&gzip::stored(payload.to_string().as_bytes()));
        let event = json!({"awslogs": {"data": data}});
        check_logs(&serde_json::to_vec(&event).unwrap());
    }
}
