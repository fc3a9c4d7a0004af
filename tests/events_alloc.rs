//! Typed events allocate nothing per invocation: every vendored sample of a family with a type
//! goes through a handler that reads every member of it (its `Debug` walks every record, map
//! and sequence), and through the family's example; the Kinesis data is decoded and the
//! CloudWatch Logs payload inflated and read. The first invocation is counted too.
//!
//! A counting global allocator counts the allocations of the test thread only, and the whole
//! check is one test function. The handlers are called directly; no sockets.
#![cfg(feature = "events")]
// `lambda_zero::Error` is inline by design (no heap), so results carrying it are large.
#![allow(clippy::result_large_err)]

use std::fmt::{self, Write as _};
use std::path::Path;

use lambda_zero::events::cloudwatch_logs::{CloudWatchLogsEvent, LogsDecoder};
use lambda_zero::events::codebuild::CodeBuildEvent;
use lambda_zero::events::codecommit::CodeCommitEvent;
use lambda_zero::events::codepipeline::{CodePipelineCloudWatchEvent, CodePipelineJobEvent};
use lambda_zero::events::dynamodb::DynamoDbEvent;
use lambda_zero::events::eventbridge::EventBridgeEvent;
use lambda_zero::events::firehose::KinesisFirehoseEvent;
use lambda_zero::events::kafka::KafkaEvent;
use lambda_zero::events::kinesis::KinesisEvent;
use lambda_zero::events::s3::S3Event;
use lambda_zero::events::sns::SnsEvent;
use lambda_zero::events::sqs::{SqsApiEvent, SqsEvent};
use lambda_zero::events::{self, EventHandler};
use lambda_zero::json::JsonWriter;
use lambda_zero::{Config, Context, Error, Handler};

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

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

/// Counts the bytes formatted into it, keeping none: formatting `{:?}` of an event reads
/// every member without storing anything.
struct Sink(u64);

impl fmt::Write for Sink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len() as u64;
        Ok(())
    }
}

/// Answers the length of the event's `Debug` text, which reads every member.
fn touch(event: &dyn fmt::Debug, out: &mut JsonWriter<'_>) -> Result<(), Error> {
    let mut sink = Sink(0);
    write!(sink, "{event:?}").map_err(|_| Error::function("Format", "Debug failed"))?;
    if sink.0 < 20 {
        return Err(Error::function("Empty", "the event read as nearly nothing"));
    }
    out.value(sink.0)?;
    Ok(())
}

macro_rules! toucher {
    ($name:ident, $event:ident) => {
        struct $name;

        impl EventHandler for $name {
            type Event<'t, 'de>
                = $event<'t, 'de>
            where
                'de: 't;

            fn handle(
                &mut self,
                event: $event<'_, '_>,
                out: &mut JsonWriter<'_>,
                _: &Context<'_>,
            ) -> Result<(), Error> {
                // Every record must read: a mismatch shows as an `Err` item in `Debug`.
                touch(&event, out)
            }
        }
    };
}

toucher!(Sqs, SqsEvent);
toucher!(SqsApi, SqsApiEvent);
toucher!(Sns, SnsEvent);
toucher!(S3, S3Event);
toucher!(DynamoDb, DynamoDbEvent);
toucher!(EventBridge, EventBridgeEvent);
toucher!(CodeBuild, CodeBuildEvent);
toucher!(CodeCommit, CodeCommitEvent);
toucher!(CodePipeline, CodePipelineCloudWatchEvent);
toucher!(CodePipelineJob, CodePipelineJobEvent);
toucher!(Firehose, KinesisFirehoseEvent);
toucher!(Kafka, KafkaEvent);

/// Secrets Manager, CloudFormation, IoT button: one handler each, reading every member.
macro_rules! toucher_de {
    ($name:ident, $event:ident) => {
        struct $name;

        impl EventHandler for $name {
            type Event<'t, 'de>
                = $event<'de>
            where
                'de: 't;

            fn handle(
                &mut self,
                event: $event<'_>,
                out: &mut JsonWriter<'_>,
                _: &Context<'_>,
            ) -> Result<(), Error> {
                touch(&event, out)
            }
        }
    };
}

use lambda_zero::events::cloudformation::CloudFormationCustomResourceRequest;
use lambda_zero::events::iot_button::IoTButtonEvent;
use lambda_zero::events::secretsmanager::SecretsManagerSecretRotationEvent;

toucher_de!(SecretsManager, SecretsManagerSecretRotationEvent);
toucher_de!(IoTButton, IoTButtonEvent);
toucher!(CloudFormation, CloudFormationCustomResourceRequest);

use lambda_zero::events::cognito::{
    respond, CognitoEventUserPoolsPreSignup, CognitoEventUserPoolsPreTokenGenV2,
};
use lambda_zero::events::WithJson;

toucher!(PreTokenGen, CognitoEventUserPoolsPreTokenGenV2);

use lambda_zero::events::authorizer::{
    ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayV2CustomAuthorizerV2Request,
};

toucher!(
    RequestAuthorizer,
    ApiGatewayCustomAuthorizerRequestTypeRequest
);
toucher!(HttpApiAuthorizer, ApiGatewayV2CustomAuthorizerV2Request);

use lambda_zero::events::s3_object_lambda::S3ObjectLambdaEvent;
use lambda_zero::events::ses::SimpleEmailEvent;

toucher!(Ses, SimpleEmailEvent);
toucher!(S3ObjectLambda, S3ObjectLambdaEvent);

/// Pre sign-up: every member read, then the event written back with a new `response`.
struct PreSignup;

impl EventHandler for PreSignup {
    type Event<'t, 'de>
        = WithJson<'t, 'de, CognitoEventUserPoolsPreSignup<'t, 'de>>
    where
        'de: 't;

    fn handle(
        &mut self,
        event: Self::Event<'_, '_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        let mut sink = Sink(0);
        write!(sink, "{:?}", event.typed).map_err(|_| Error::function("Format", "Debug failed"))?;
        respond(out, event.json, |r| r.field("autoConfirmUser", sink.0 > 20))?;
        Ok(())
    }
}

/// Kinesis: every member, and every record's data decoded into a buffer made at start-up.
struct Kinesis(Vec<u8>);

impl EventHandler for Kinesis {
    type Event<'t, 'de>
        = KinesisEvent<'t, 'de>
    where
        'de: 't;

    fn handle(
        &mut self,
        event: KinesisEvent<'_, '_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        let mut decoded = 0;
        for record in event.records.iter() {
            let record = record.map_err(|e| e.to_error())?;
            let data = record.kinesis.data.decode_str_into(&mut self.0);
            decoded += data.map_err(|e| Error::function("Data", e))?.len();
        }
        if decoded == 0 {
            return Err(Error::function("Data", "nothing decoded"));
        }
        touch(&event, out)
    }
}

/// CloudWatch Logs: the payload inflated, parsed and every member of it read.
struct Logs(LogsDecoder);

impl EventHandler for Logs {
    type Event<'t, 'de>
        = CloudWatchLogsEvent<'de>
    where
        'de: 't;

    fn handle(
        &mut self,
        event: CloudWatchLogsEvent<'_>,
        out: &mut JsonWriter<'_>,
        _: &Context<'_>,
    ) -> Result<(), Error> {
        let outcome = self.0.decode(&event.aws_logs, |data| {
            if data.log_events.iter().any(|e| e.is_err()) {
                return Err(Error::function("Logs", "a log event did not read"));
            }
            touch(&data, out)
        });
        outcome.map_err(|e| Error::function("Logs", e))?
    }
}

/// Events of families with no vendored sample, in the shape of `aws_lambda_events`' fixtures
/// (`example-code_commit-event.json`, `example-codepipeline-action-execution-stage-change-event.json`,
/// `example-codepipeline_job-event.json`).
const INLINE: [(&str, &str); 3] = [
    (
        "inline: CodeCommit trigger",
        r#"{"Records":[{"eventId":"5a824061-17ca-46a9-bbf9-114edeadbeef","eventVersion":"1.0","eventTime":"2018-01-26T15:58:33.475+0000","eventTriggerName":"my-trigger","eventPartNumber":1,"codecommit":{"references":[{"commit":"5c4ef1049f1d27deadbeeff313e0730018be182b","ref":"refs/heads/master"}]},"eventName":"TriggerEventTest","eventTriggerConfigId":"5a824061-17ca-46a9-bbf9-114edeadbeef","eventSourceARN":"arn:aws:codecommit:us-east-1:123456789012:my-repo","userIdentityARN":"arn:aws:iam::123456789012:root","eventSource":"aws:codecommit","awsRegion":"us-east-1","eventTotalParts":1}]}"#,
    ),
    (
        "inline: CodePipeline action state change",
        r#"{"version":"0","id":"CWE-event-id","detail-type":"CodePipeline Action Execution State Change","source":"aws.codepipeline","account":"123456789012","time":"2017-04-22T03:31:47Z","region":"us-east-1","resources":["arn:aws:codepipeline:us-east-1:123456789012:pipeline:myPipeline"],"detail":{"pipeline":"myPipeline","version":1,"execution-id":"01234567-0123-0123-0123-012345678901","stage":"Prod","action":"myAction","state":"STARTED","region":"us-west-2","type":{"owner":"AWS","category":"Deploy","provider":"CodeDeploy","version":1}}}"#,
    ),
    (
        "inline: CodePipeline job",
        r#"{"CodePipeline.job":{"id":"11111111-abcd-1111-abcd-111111abcdef","accountId":"111111111111","data":{"actionConfiguration":{"configuration":{"FunctionName":"MyLambdaFunctionForAWSCodePipeline","UserParameters":"some-input-such-as-a-URL"}},"inputArtifacts":[{"location":{"s3Location":{"bucketName":"codepipeline-us-east-2-1234567890","objectKey":"CodePipelineDemoApplication.zip"},"type":"S3"},"revision":null,"name":"ArtifactName"}],"outputArtifacts":[],"artifactCredentials":{"secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","sessionToken":"MIICiTCCAfICCQD6m7oRw0uXOjANBgkqhkiG9w0BAQUFADCBiDELMAkGA1UEBhMCVVMx","accessKeyId":"AKIAIOSFODNN7EXAMPLE"},"continuationToken":"A continuation token if continuing job"}}}"#,
    ),
];

fn sample(name: &str) -> Vec<u8> {
    if let Some((_, json)) = INLINE.iter().find(|(n, _)| *n == name) {
        return json.as_bytes().to_vec();
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/events")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `sample` through `handler` three times, counting each invocation's allocations.
fn check(handler: &mut dyn Handler, name: &str, ctx: &Context<'_>, failures: &mut Vec<String>) {
    let event = sample(name);
    for round in 0..3 {
        let mut buf = event.clone();
        let (result, allocs) = counting::count(|| handler.handle(&mut buf, ctx).map(<[u8]>::len));
        if let Err(e) = result {
            failures.push(format!("{name}: {e:?}"));
        }
        if allocs != 0 {
            failures.push(format!(
                "{name}: {allocs} allocations in invocation {round}"
            ));
        }
    }
}

#[test]
fn every_sample_through_its_typed_handler_allocates_nothing() {
    let config = Config::default();
    let ctx = Context::for_test("req-1", &config);
    let mut handlers: Vec<(Box<dyn Handler>, &[&str])> = vec![
        (Box::new(events::handler(Sqs)), &["example-sqs-event.json"]),
        (Box::new(sqs_batch::handler()), &["example-sqs-event.json"]),
        (
            Box::new(events::handler(SqsApi)),
            &["example-sqs-api-event-obj.json"],
        ),
        (
            Box::new(events::handler(Sns)),
            &[
                "example-sns-event.json",
                "example-sns-event-obj.json",
                "example-cloudwatch-alarm-sns-payload-multiple-metrics.json",
            ],
        ),
        (Box::new(events::handler(S3)), &["example-s3-event.json"]),
        (Box::new(s3_keys::handler()), &["example-s3-event.json"]),
        (
            Box::new(events::handler(DynamoDb)),
            &["example-dynamodb-event.json"],
        ),
        (
            Box::new(dynamodb_keys::handler()),
            &["example-dynamodb-event.json"],
        ),
        (
            Box::new(events::handler(Kinesis(vec![0; 64 * 1024]))),
            &["example-kinesis-event.json"],
        ),
        (
            Box::new(kinesis_data::handler()),
            &["example-kinesis-event.json"],
        ),
        (
            Box::new(events::handler(EventBridge)),
            &[
                "example-eventbridge-event-obj.json",
                "example-eventbridge-schedule.json",
            ],
        ),
        (Box::new(events::handler(CodeCommit)), &[INLINE[0].0]),
        (Box::new(events::handler(CodePipeline)), &[INLINE[1].0]),
        (Box::new(events::handler(CodePipelineJob)), &[INLINE[2].0]),
        (
            Box::new(events::handler(CodeBuild)),
            &[
                "example-codebuild-state-change.json",
                "example-codebuild-phase-change.json",
            ],
        ),
        (
            Box::new(events::handler(Firehose)),
            &["example-kinesis-firehose-event.json"],
        ),
        (
            Box::new(events::handler(Kafka)),
            &["example-kafka-event.json"],
        ),
        (
            Box::new(events::handler(SecretsManager)),
            &["example-secretsmanager-secret-rotation-event.json"],
        ),
        (
            Box::new(events::handler(CloudFormation)),
            &["example-cloudformation-custom-resource-create-request.json"],
        ),
        (
            Box::new(events::handler(IoTButton)),
            &["example-iot_button-event.json"],
        ),
        (
            Box::new(events::handler(Ses)),
            &["example-ses-s3-event.json"],
        ),
        (
            Box::new(events::handler(S3ObjectLambda)),
            &["example-s3-object-lambda-event-get-object-assumed-role.json"],
        ),
        (
            Box::new(events::handler(RequestAuthorizer)),
            &["example-apigw-custom-auth-request-type-request.json"],
        ),
        (
            Box::new(events::handler(HttpApiAuthorizer)),
            &["example-apigw-v2-custom-authorizer-v2-request.json"],
        ),
        (
            Box::new(events::handler(PreSignup)),
            &["example-cognito-event-userpools-presignup.json"],
        ),
        (
            Box::new(events::handler(PreTokenGen)),
            &["example-cognito-event-userpools-pretokengen-v2.json"],
        ),
        (
            Box::new(events::handler(Logs(LogsDecoder::default()))),
            &["example-cloudwatch_logs-event.json"],
        ),
        (
            Box::new(cloudwatch_logs::handler()),
            &["example-cloudwatch_logs-event.json"],
        ),
    ];
    let mut failures = Vec::new();
    let mut checked = 0;
    for (handler, samples) in &mut handlers {
        for name in samples.iter() {
            check(handler.as_mut(), name, &ctx, &mut failures);
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(checked, 32);
}
