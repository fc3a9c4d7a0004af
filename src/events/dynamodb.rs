//! Amazon DynamoDB Streams: the item changes of a table, with attribute values as a borrowed
//! typed view ([`AttributeValue`]). Answer partial failures with
//! [`BatchItemFailures`](super::BatchItemFailures), each record's `SequenceNumber` as the item
//! identifier.

use crate::json::{Kind, Value};

use super::view::event_struct;
use super::{Base64, FromValue, Map, Mismatch, Seq};

/// An item (or its key): attribute names to values, read as they are reached.
pub type Item<'t, 'de> = Map<'t, 'de, AttributeValue<'t, 'de>>;

event_struct! {
    /// The stream records of one invocation.
    pub struct DynamoDbEvent<'t, 'de> {
        /// The records, read as they are iterated.
        "Records" => pub records: Seq<'t, 'de, DynamoDbRecord<'t, 'de>>,
    }
}

event_struct! {
    /// One change to one item.
    pub struct DynamoDbRecord<'t, 'de> {
        /// The table's region.
        "awsRegion" => pub aws_region: &'de str,
        /// The change.
        "dynamodb" => pub change: StreamRecord<'t, 'de>,
        /// A unique id of the record.
        "eventID" => pub event_id: &'de str,
        /// `INSERT`, `MODIFY` or `REMOVE`.
        "eventName" => pub event_name: &'de str,
        /// `aws:dynamodb`.
        "eventSource" => pub event_source: Option<&'de str>,
        /// The record format's version, `1.1`.
        "eventVersion" => pub event_version: Option<&'de str>,
        /// The stream's ARN.
        "eventSourceARN" => pub event_source_arn: Option<&'de str>,
        /// Present for items removed by TTL: the DynamoDB service.
        "userIdentity" => pub user_identity: Option<UserIdentity<'de>>,
        /// Set by Kinesis Data Streams for DynamoDB (`application/json`).
        "recordFormat" => pub record_format: Option<&'de str>,
        /// Set by Kinesis Data Streams for DynamoDB.
        "tableName" => pub table_name: Option<&'de str>,
    }
}

event_struct! {
    /// Who made a change (TTL deletions: `Service`, `dynamodb.amazonaws.com`).
    pub struct UserIdentity<'de> {
        /// `Service`.
        "type" => pub type_: Option<&'de str>,
        /// `dynamodb.amazonaws.com`.
        "principalId" => pub principal_id: Option<&'de str>,
    }
}

event_struct! {
    /// The change itself: the keys, the images the stream view type includes, its position.
    pub struct StreamRecord<'t, 'de> {
        /// When the change was made, in seconds since the Unix epoch.
        "ApproximateCreationDateTime" => pub approximate_creation_date_time: Option<f64>,
        /// The primary key of the changed item.
        "Keys" => pub keys: Item<'t, 'de>,
        /// The item after the change (`NEW_IMAGE`, `NEW_AND_OLD_IMAGES`).
        "NewImage" => pub new_image: Item<'t, 'de>,
        /// The item before the change (`OLD_IMAGE`, `NEW_AND_OLD_IMAGES`).
        "OldImage" => pub old_image: Item<'t, 'de>,
        /// The record's position in the shard: the item identifier of a batch item failure.
        "SequenceNumber" => pub sequence_number: Option<&'de str>,
        /// The size of the record in bytes.
        "SizeBytes" => pub size_bytes: Option<i64>,
        /// `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE` or `NEW_AND_OLD_IMAGES`.
        "StreamViewType" => pub stream_view_type: Option<&'de str>,
    }
}

/// One attribute value in DynamoDB's JSON (`{"S":"text"}`, `{"N":"12.5"}`, ...), borrowed:
/// numbers stay their exact text, binaries their base64, sets and containers lazy views.
#[derive(Clone, Copy, Debug)]
pub enum AttributeValue<'t, 'de> {
    /// `S`: a string.
    S(&'de str),
    /// `N`: a number, as DynamoDB's exact decimal text.
    N(&'de str),
    /// `B`: binary, base64.
    B(Base64<'de>),
    /// `BOOL`.
    Bool(bool),
    /// `NULL` (always `true`).
    Null,
    /// `M`: a map of attribute values.
    M(Item<'t, 'de>),
    /// `L`: a list of attribute values.
    L(Seq<'t, 'de, AttributeValue<'t, 'de>>),
    /// `SS`: a string set.
    Ss(Seq<'t, 'de, &'de str>),
    /// `NS`: a number set, each number as text.
    Ns(Seq<'t, 'de, &'de str>),
    /// `BS`: a binary set, each base64.
    Bs(Seq<'t, 'de, Base64<'de>>),
}

impl<'t, 'de> AttributeValue<'t, 'de> {
    /// The string of an `S`.
    pub fn as_s(&self) -> Option<&'de str> {
        match *self {
            AttributeValue::S(s) => Some(s),
            _ => None,
        }
    }

    /// The number text of an `N`.
    pub fn as_n(&self) -> Option<&'de str> {
        match *self {
            AttributeValue::N(n) => Some(n),
            _ => None,
        }
    }

    /// The text of an `S` or an `N` (what key attributes hold, with `B`).
    pub fn as_text(&self) -> Option<&'de str> {
        self.as_s().or_else(|| self.as_n())
    }

    /// The type descriptor: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS` or `BS`.
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
        }
    }
}

const ATTRIBUTE: &str =
    "an attribute value (an object with one of S, N, B, BOOL, NULL, M, L, SS, NS, BS)";

impl<'t, 'de> FromValue<'t, 'de> for AttributeValue<'t, 'de> {
    fn from_value(value: Value<'t, 'de>) -> Result<Self, Mismatch> {
        if value.kind() != Kind::Object || value.len() != 1 {
            return Err(Mismatch::expected(ATTRIBUTE, value));
        }
        let Some((tag, inner)) = value.members().next() else {
            return Err(Mismatch::expected(ATTRIBUTE, value));
        };
        let within = |e: Mismatch| e.within("AttributeValue", tag_name(tag));
        Ok(match tag {
            "S" => AttributeValue::S(FromValue::from_value(inner).map_err(within)?),
            "N" => AttributeValue::N(FromValue::from_value(inner).map_err(within)?),
            "B" => AttributeValue::B(FromValue::from_value(inner).map_err(within)?),
            "BOOL" => AttributeValue::Bool(FromValue::from_value(inner).map_err(within)?),
            "NULL" => match inner.as_bool() {
                Some(true) => AttributeValue::Null,
                _ => return Err(within(Mismatch::expected("true", inner))),
            },
            "M" => AttributeValue::M(non_null(inner, "an object", Kind::Object).map_err(within)?),
            "L" => AttributeValue::L(non_null(inner, "an array", Kind::Array).map_err(within)?),
            "SS" => AttributeValue::Ss(non_null(inner, "an array", Kind::Array).map_err(within)?),
            "NS" => AttributeValue::Ns(non_null(inner, "an array", Kind::Array).map_err(within)?),
            "BS" => AttributeValue::Bs(non_null(inner, "an array", Kind::Array).map_err(within)?),
            _ => return Err(Mismatch::expected(ATTRIBUTE, value)),
        })
    }
}

/// `value` read as a [`Map`] or [`Seq`], which would otherwise take `null` as empty.
fn non_null<'t, 'de, T: FromValue<'t, 'de>>(
    value: Value<'t, 'de>,
    want: &'static str,
    kind: Kind,
) -> Result<T, Mismatch> {
    if value.kind() != kind {
        return Err(Mismatch::expected(want, value));
    }
    T::from_value(value)
}

/// The tag as a `'static` name, for errors.
fn tag_name(tag: &str) -> &'static str {
    match tag {
        "S" => "S",
        "N" => "N",
        "B" => "B",
        "BOOL" => "BOOL",
        "NULL" => "NULL",
        "M" => "M",
        "L" => "L",
        "SS" => "SS",
        "NS" => "NS",
        _ => "BS",
    }
}
