//! Amazon Kinesis Data Streams: the records of a shard, their data base64-decoded on demand
//! into the caller's buffer ([`Base64::decode_into`]). Answer partial failures with
//! [`BatchItemFailures`](super::BatchItemFailures), each record's `sequenceNumber` as the item
//! identifier.

use super::view::event_struct;
use super::{Base64, Seq};

event_struct! {
    /// The records of one invocation.
    pub struct KinesisEvent<'t, 'de> {
        /// The records, read as they are iterated.
        "Records" => pub records: Seq<'t, 'de, KinesisEventRecord<'de>>,
    }
}

event_struct! {
    /// One record and where it comes from.
    pub struct KinesisEventRecord<'de> {
        /// The stream's region.
        "awsRegion" => pub aws_region: Option<&'de str>,
        /// `shardId-...:sequenceNumber`.
        "eventID" => pub event_id: Option<&'de str>,
        /// `aws:kinesis:record`.
        "eventName" => pub event_name: Option<&'de str>,
        /// `aws:kinesis`.
        "eventSource" => pub event_source: Option<&'de str>,
        /// The stream's ARN (or the consumer's, with enhanced fan-out).
        "eventSourceARN" => pub event_source_arn: Option<&'de str>,
        /// `1.0`.
        "eventVersion" => pub event_version: Option<&'de str>,
        /// The function's execution role.
        "invokeIdentityArn" => pub invoke_identity_arn: Option<&'de str>,
        /// The record.
        "kinesis" => pub kinesis: KinesisRecord<'de>,
    }
}

event_struct! {
    /// A Kinesis record.
    pub struct KinesisRecord<'de> {
        /// When the record reached the stream, in seconds since the Unix epoch (milliseconds
        /// as the fraction).
        "approximateArrivalTimestamp" => pub approximate_arrival_timestamp: f64,
        /// The data blob, base64: decode with [`Base64::decode_into`].
        "data" => pub data: Base64<'de>,
        /// `NONE` or `KMS`, when given.
        "encryptionType" => pub encryption_type: Option<&'de str>,
        /// The partition key.
        "partitionKey" => pub partition_key: &'de str,
        /// The record's position in the shard: the item identifier of a batch item failure.
        "sequenceNumber" => pub sequence_number: &'de str,
        /// `1.0`.
        "kinesisSchemaVersion" => pub kinesis_schema_version: Option<&'de str>,
    }
}
