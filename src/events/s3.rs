//! Amazon S3 event notifications. Object keys arrive URL-encoded (a space is `+`, other bytes
//! `%xx`); [`S3Object::decoded_key`] decodes one on demand into the caller's buffer.

use super::view::event_struct;
use super::{url_decode, DecodeFailure, Map, Seq};

event_struct! {
    /// The records of one S3 notification.
    pub struct S3Event<'t, 'de> {
        /// The records, read as they are iterated.
        "Records" => pub records: Seq<'t, 'de, S3EventRecord<'t, 'de>>,
    }
}

event_struct! {
    /// One S3 event: what happened to which object.
    pub struct S3EventRecord<'t, 'de> {
        /// `2.0`, `2.1`, ...
        "eventVersion" => pub event_version: Option<&'de str>,
        /// `aws:s3`.
        "eventSource" => pub event_source: Option<&'de str>,
        /// The bucket's region.
        "awsRegion" => pub aws_region: Option<&'de str>,
        /// When S3 finished the request, ISO 8601.
        "eventTime" => pub event_time: &'de str,
        /// `ObjectCreated:Put`, `ObjectRemoved:Delete`, ...
        "eventName" => pub event_name: Option<&'de str>,
        /// Who made the request.
        "userIdentity" => pub user_identity: S3UserIdentity<'de>,
        /// The request's parameters.
        "requestParameters" => pub request_parameters: S3RequestParameters<'de>,
        /// `x-amz-request-id`, `x-amz-id-2`.
        "responseElements" => pub response_elements: Map<'t, 'de, &'de str>,
        /// The bucket and the object.
        "s3" => pub s3: S3Entity<'de>,
    }
}

event_struct! {
    /// A requester or owner.
    pub struct S3UserIdentity<'de> {
        /// The Amazon customer id.
        "principalId" => pub principal_id: Option<&'de str>,
    }
}

event_struct! {
    /// Request parameters of an S3 event.
    pub struct S3RequestParameters<'de> {
        /// The requester's IP address.
        "sourceIPAddress" => pub source_ip_address: Option<&'de str>,
    }
}

event_struct! {
    /// The bucket and object of an S3 event.
    pub struct S3Entity<'de> {
        /// `1.0`.
        "s3SchemaVersion" => pub schema_version: Option<&'de str>,
        /// The notification configuration's id.
        "configurationId" => pub configuration_id: Option<&'de str>,
        /// The bucket.
        "bucket" => pub bucket: S3Bucket<'de>,
        /// The object.
        "object" => pub object: S3Object<'de>,
    }
}

event_struct! {
    /// The bucket of an S3 event.
    pub struct S3Bucket<'de> {
        /// The bucket's name.
        "name" => pub name: Option<&'de str>,
        /// The bucket owner.
        "ownerIdentity" => pub owner_identity: Option<S3UserIdentity<'de>>,
        /// The bucket's ARN.
        "arn" => pub arn: Option<&'de str>,
    }
}

event_struct! {
    /// The object of an S3 event.
    pub struct S3Object<'de> {
        /// The key, URL-encoded as S3 sends it: see [`S3Object::decoded_key`].
        "key" => pub key: Option<&'de str>,
        /// The size in bytes (absent for deletions).
        "size" => pub size: Option<i64>,
        /// The key already decoded, where a producer added one (S3 does not).
        "urlDecodedKey" => pub url_decoded_key: Option<&'de str>,
        /// The version, for versioned buckets.
        "versionId" => pub version_id: Option<&'de str>,
        /// The entity tag.
        "eTag" => pub e_tag: Option<&'de str>,
        /// Orders the events of one key.
        "sequencer" => pub sequencer: Option<&'de str>,
    }
}

impl S3Object<'_> {
    /// The key URL-decoded (`+` and `%xx`) into `buf`, which needs at most the key's length
    /// (an absent key decodes to the empty string).
    pub fn decoded_key<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, DecodeFailure> {
        url_decode(self.key.unwrap_or(""), buf)
    }
}
