//! Amazon Data Firehose (Kinesis Data Firehose) data transformation: the records of one
//! delivery batch, their data base64-decoded on demand ([`Base64::decode_into`]), and the
//! transformation response, written as records are processed ([`FirehoseResponse`]).

use crate::json::{JsonWriter, WriteError};

use super::view::event_struct;
use super::{Base64, Seq};

event_struct! {
    /// The records of one transformation invocation.
    pub struct KinesisFirehoseEvent<'t, 'de> {
        /// The invocation's id.
        "invocationId" => pub invocation_id: Option<&'de str>,
        /// The delivery stream's ARN.
        "deliveryStreamArn" => pub delivery_stream_arn: Option<&'de str>,
        /// The source Kinesis stream's ARN, when the delivery stream reads one.
        "sourceKinesisStreamArn" => pub source_kinesis_stream_arn: Option<&'de str>,
        /// The region.
        "region" => pub region: Option<&'de str>,
        /// The records, read as they are iterated.
        "records" => pub records: Seq<'t, 'de, KinesisFirehoseEventRecord<'de>>,
    }
}

event_struct! {
    /// One record to transform.
    pub struct KinesisFirehoseEventRecord<'de> {
        /// The record's id: answer it in the response.
        "recordId" => pub record_id: &'de str,
        /// When Firehose received the record, in milliseconds since the Unix epoch.
        "approximateArrivalTimestamp" => pub approximate_arrival_timestamp: Option<f64>,
        /// The data, base64: decode with [`Base64::decode_into`].
        "data" => pub data: Base64<'de>,
        /// Where the record came from, when the source is a Kinesis stream.
        "kinesisRecordMetadata" => pub kinesis_record_metadata: Option<KinesisFirehoseRecordMetadata<'de>>,
    }
}

event_struct! {
    /// The Kinesis origin of a record.
    pub struct KinesisFirehoseRecordMetadata<'de> {
        /// The shard.
        "shardId" => pub shard_id: Option<&'de str>,
        /// The partition key.
        "partitionKey" => pub partition_key: Option<&'de str>,
        /// When the record reached the stream, in milliseconds since the Unix epoch.
        "approximateArrivalTimestamp" => pub approximate_arrival_timestamp: Option<f64>,
        /// The record's sequence number.
        "sequenceNumber" => pub sequence_number: Option<&'de str>,
        /// The subsequence number (aggregated records).
        "subsequenceNumber" => pub subsequence_number: Option<u64>,
    }
}

/// What became of one record, as Firehose expects it in the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransformResult {
    /// Transformed: deliver the new data.
    Ok,
    /// Dropped on purpose.
    Dropped,
    /// Could not be transformed: Firehose sends it to the error output.
    ProcessingFailed,
}

impl TransformResult {
    /// The JSON text: `Ok`, `Dropped` or `ProcessingFailed`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransformResult::Ok => "Ok",
            TransformResult::Dropped => "Dropped",
            TransformResult::ProcessingFailed => "ProcessingFailed",
        }
    }
}

/// Writes `{"records":[{"recordId":"...","result":"Ok","data":"<base64>"},...]}`: every record
/// of the event must be answered, once, with its `recordId`.
///
/// ```
/// use lambda_zero::events::firehose::{FirehoseResponse, TransformResult};
/// use lambda_zero::json::JsonWriter;
///
/// let mut buf = [0u8; 128];
/// let mut out = JsonWriter::new(&mut buf);
/// let mut response = FirehoseResponse::begin(&mut out).unwrap();
/// response.record("r1", TransformResult::Ok, b"HELLO").unwrap();
/// response.end().unwrap();
/// assert_eq!(out.written(), br#"{"records":[{"recordId":"r1","result":"Ok","data":"SEVMTE8="}]}"#);
/// ```
#[derive(Debug)]
pub struct FirehoseResponse<'w, 'b> {
    out: &'w mut JsonWriter<'b>,
}

impl<'w, 'b> FirehoseResponse<'w, 'b> {
    /// Opens the response in `out`.
    pub fn begin(out: &'w mut JsonWriter<'b>) -> Result<Self, WriteError> {
        out.begin_object()?;
        out.key("records")?;
        out.begin_array()?;
        Ok(FirehoseResponse { out })
    }

    /// Answers the record `record_id` with `result` and its (new) data, written as base64.
    pub fn record(
        &mut self,
        record_id: &str,
        result: TransformResult,
        data: &[u8],
    ) -> Result<(), WriteError> {
        self.out.object(|w| {
            w.field("recordId", record_id)?;
            w.field("result", result.as_str())?;
            w.key("data")?;
            w.base64(data)
        })
    }

    /// Closes the response.
    pub fn end(self) -> Result<(), WriteError> {
        self.out.end_array()?;
        self.out.end_object()
    }
}
