//! Amazon MSK and self-managed Apache Kafka: the records of one batch, grouped by
//! `topic-partition`, their keys and values base64-decoded on demand.

use super::view::event_struct;
use super::{Base64, Map, Seq};

event_struct! {
    /// The records of one invocation.
    pub struct KafkaEvent<'t, 'de> {
        /// `aws:kafka` (MSK) or `SelfManagedKafka`.
        "eventSource" => pub event_source: Option<&'de str>,
        /// The MSK cluster's ARN.
        "eventSourceArn" => pub event_source_arn: Option<&'de str>,
        /// The brokers, comma-separated.
        "bootstrapServers" => pub bootstrap_servers: Option<&'de str>,
        /// The records by `topic-partition` (`orders-0`), each list read as it is iterated.
        "records" => pub records: Map<'t, 'de, Seq<'t, 'de, KafkaRecord<'t, 'de>>>,
    }
}

event_struct! {
    /// One Kafka record.
    pub struct KafkaRecord<'t, 'de> {
        /// The topic.
        "topic" => pub topic: Option<&'de str>,
        /// The partition.
        "partition" => pub partition: i64,
        /// The offset in the partition.
        "offset" => pub offset: i64,
        /// The record's timestamp, in milliseconds since the Unix epoch.
        "timestamp" => pub timestamp: i64,
        /// `CREATE_TIME` or `LOG_APPEND_TIME`.
        "timestampType" => pub timestamp_type: Option<&'de str>,
        /// The key, base64 (absent for records without one).
        "key" => pub key: Option<Base64<'de>>,
        /// The value, base64 (absent for tombstones).
        "value" => pub value: Option<Base64<'de>>,
        /// The headers: each an object of one name to its value's bytes.
        "headers" => pub headers: Seq<'t, 'de, Map<'t, 'de, Seq<'t, 'de, u8>>>,
    }
}
