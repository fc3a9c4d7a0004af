//! Typed AWS event sources, borrowed from the event buffer: the types `aws_lambda_events`
//! offers, without its allocations (feature `events`).
//!
//! Every type is read from the event parsed in place ([`crate::json::Parser::with_index`]:
//! lambda-zero's own stage 1 and tape pass, simd-json for the events they leave): strings
//! are `&'de str` into the event buffer (escapes resolved there), numbers and timestamps are
//! numbers, missing optional members are `None`, unknown members are ignored. Sequences
//! (`Records`, `logEvents`) and maps (attributes, headers, DynamoDB images) are [`Seq`] and
//! [`Map`]: windows into the reused tape whose items are read as they are iterated, so
//! holding an event with ten thousand records costs one slice reference. Encoded payloads are
//! decoded only when asked, into the caller's memory: [`Base64`] (Kinesis data, DynamoDB `B`),
//! S3 keys ([`s3::S3Object::decoded_key`]), CloudWatch Logs ([`cloudwatch_logs::LogsDecoder`]:
//! base64 and gzip into buffers reserved at start-up). Nothing allocates per invocation.
//!
//! ```no_run
//! use lambda_zero::events::{sqs::SqsEvent, BatchItemFailures, EventHandler};
//! use lambda_zero::json::JsonWriter;
//! use lambda_zero::{Context, Error};
//!
//! struct Orders;
//!
//! impl EventHandler for Orders {
//!     type Event<'t, 'de> = SqsEvent<'t, 'de> where 'de: 't;
//!
//!     fn handle(&mut self, event: SqsEvent<'_, '_>, out: &mut JsonWriter<'_>, _: &Context<'_>) -> Result<(), Error> {
//!         let mut failures = BatchItemFailures::begin(out)?;
//!         for message in event.records.iter() {
//!             let message = message?;
//!             if message.body.is_none_or(str::is_empty) {
//!                 failures.fail(message.message_id.unwrap_or(""))?;
//!             }
//!         }
//!         failures.end()?;
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> Result<(), lambda_zero::RuntimeError> {
//!     lambda_zero::Runtime::from_env()?.run(lambda_zero::events::handler(Orders))
//! }
//! ```
//!
//! A type can also be read inside any [`crate::json::JsonHandler`] or from a
//! [`crate::json::Parser`]: `parser.with_value(event, |v| SqsEvent::from_value(v))`.
//!
//! # Families
//!
//! | Module | Event types | Response |
//! |---|---|---|
//! | [`sqs`] | `SqsEvent` (and the SQS API's `Messages`) | [`BatchItemFailures`] |
//! | [`sns`] | `SnsEvent` | |
//! | [`s3`] | `S3Event` (keys URL-decoded on demand) | |
//! | [`dynamodb`] | `DynamoDbEvent`, `AttributeValue` (S N B BOOL NULL M L SS NS BS) | [`BatchItemFailures`] |
//! | [`kinesis`] | `KinesisEvent` (data base64-decoded on demand) | [`BatchItemFailures`] |
//! | [`eventbridge`] | `EventBridgeEvent<D>` (CloudWatch Events; `detail` as the user's type or a [`crate::json::Value`]) | |
//! | [`codebuild`] | `CodeBuildEvent` (EventBridge envelope, `CodeBuildEventDetail`: state and phase changes) | |
//! | [`codecommit`] | `CodeCommitEvent` (repository trigger records, `codecommit.references`) | |
//! | [`codepipeline`] | `CodePipelineCloudWatchEvent` (state changes), `CodePipelineJobEvent` (invoke action jobs) | |
//! | [`cloudwatch_logs`] | `CloudWatchLogsEvent`, `LogsDecoder` (base64 + gzip), `LogsData` | |
//! | [`firehose`] | `KinesisFirehoseEvent` (data base64-decoded on demand) | [`firehose::FirehoseResponse`] |
//! | [`kafka`] | `KafkaEvent` (MSK and self-managed Kafka; keys and values base64) | |
//! | [`secretsmanager`] | `SecretsManagerSecretRotationEvent` | |
//! | [`cloudformation`] | `CloudFormationCustomResourceRequest` (properties as a [`crate::json::Value`]) | |
//! | [`iot_button`] | `IoTButtonEvent` | |
//! | [`authorizer`] | API Gateway TOKEN / REQUEST and HTTP API authorizer requests | [`authorizer::write_policy`], [`authorizer::write_simple`] |
//! | [`ses`] | `SimpleEmailEvent` (mail, headers, receipt, verdicts) | |
//! | [`s3_object_lambda`] | `S3ObjectLambdaEvent` | |
//! | [`cognito`] | `CognitoEventUserPoolsPreSignup`, `CognitoEventUserPoolsPreTokenGenV2` (read as [`WithJson`]) | [`cognito::respond`] |
//!
//! # Interop with `aws_lambda_events`
//!
//! Any other event type, including every owned type of `aws_lambda_events`, still reads
//! through serde: with [`crate::json::Typed`] as the handler's `Event`, or for one member
//! through [`Serde`] / [`crate::json::Value::deserialize`]. Those types allocate (their
//! `String`s, `Vec`s and `HashMap`s), the ones here do not.
//! `benches/compare-events/tests/interop.rs` runs this with `aws_lambda_events`' `SqsEvent` and
//! `S3Event` on the vendored samples.
//!
//! ```ignore
//! // With aws_lambda_events in the function's own dependencies:
//! struct Legacy;
//! impl lambda_zero::json::TypedHandler for Legacy {
//!     type Event<'de> = aws_lambda_events::event::sqs::SqsEvent;
//!     fn handle(&mut self, e: Self::Event<'_>, out: &mut JsonWriter<'_>, _: &Context<'_>) -> Result<(), Error> {
//!         out.value(e.records.len() as u64)?; // or anything else the owned type offers
//!         Ok(())
//!     }
//! }
//! lambda_zero::Runtime::from_env()?.run(lambda_zero::json::Typed::new(Legacy))
//! ```

// Errors are kept inline (no heap), as the crate's `Error` is.
#![allow(clippy::result_large_err)]

mod crc32;
mod encoding;
pub(crate) mod inflate;
mod response;
pub(crate) mod view;

pub mod authorizer;
pub mod cloudformation;
pub mod cloudwatch_logs;
pub mod codebuild;
pub mod codecommit;
pub mod codepipeline;
pub mod cognito;
pub mod dynamodb;
pub mod eventbridge;
pub mod firehose;
pub mod iot_button;
pub mod kafka;
pub mod kinesis;
pub mod s3;
pub mod s3_object_lambda;
pub mod secretsmanager;
pub mod ses;
pub mod sns;
pub mod sqs;

#[cfg(test)]
mod tests;

use core::fmt;

pub use encoding::{url_decode, Base64, DecodeFailure};
pub use response::BatchItemFailures;
pub use view::{FromValue, Map, MapIter, Mismatch, Seq, SeqIter, Serde, WithJson};

use crate::json::{Json, JsonHandler, JsonWriter, Limits, Value};
use crate::{Context, Error};

/// A Lambda function over one typed event source. Wrap it with [`handler`] (or
/// [`Events`] in a [`Json`]): each event is parsed in place, read as `Event`
/// (a mismatch is `Runtime.InvalidEvent`), and the handler writes the response.
pub trait EventHandler {
    /// The event type, e.g. [`sqs::SqsEvent`]: `'t` is the tape of one invocation, `'de` the
    /// event buffer its strings borrow from.
    type Event<'t, 'de>: FromValue<'t, 'de>
    where
        'de: 't;

    /// Handles one event, writing the response with `out` (nothing for an empty response).
    fn handle(
        &mut self,
        event: Self::Event<'_, '_>,
        out: &mut JsonWriter<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error>;
}

/// The [`JsonHandler`] for an [`EventHandler`]: reads the event's root [`Value`] as
/// the handler's event type.
pub struct Events<H>(pub H);

impl<H> fmt::Debug for Events<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Events")
    }
}

impl<H: EventHandler> JsonHandler for Events<H> {
    #[inline]
    fn handle(
        &mut self,
        event: Value<'_, '_>,
        out: &mut JsonWriter<'_>,
        ctx: &Context<'_>,
    ) -> Result<(), Error> {
        let event = H::Event::from_value(event).map_err(|e| e.to_error())?;
        self.0.handle(event, out, ctx)
    }
}

/// A ready [`crate::Handler`] for an [`EventHandler`], with Lambda's [`Limits`]. Events are
/// parsed by a [`crate::json::Parser::with_index`]: lambda-zero's own stage 1 and tape pass
/// where the CPU runs them, simd-json otherwise.
pub fn handler<H: EventHandler>(h: H) -> Json<Events<H>> {
    handler_with_limits(h, Limits::default())
}

/// A ready [`crate::Handler`] for an [`EventHandler`], with buffers sized for `limits`.
pub fn handler_with_limits<H: EventHandler>(h: H, limits: Limits) -> Json<Events<H>> {
    Json::indexed(Events(h), limits)
}
