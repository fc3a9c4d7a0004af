//! Amazon SQS: the event of an SQS event source mapping (`Records`), and the SQS API's
//! `ReceiveMessage` shape (`Messages`). Answer partial failures with
//! [`BatchItemFailures`](super::BatchItemFailures), each message's `messageId` as the
//! item identifier.

use super::view::event_struct;
use super::{Base64, Map, Seq};

event_struct! {
    /// The messages of one invocation of an SQS event source mapping.
    pub struct SqsEvent<'t, 'de> {
        /// The messages, read as they are iterated.
        "Records" => pub records: Seq<'t, 'de, SqsMessage<'t, 'de>>,
    }
}

event_struct! {
    /// One SQS message.
    pub struct SqsMessage<'t, 'de> {
        /// The message id: the item identifier of a batch item failure.
        "messageId" => pub message_id: Option<&'de str>,
        /// The receipt handle, to delete or change the visibility of the message.
        "receiptHandle" => pub receipt_handle: Option<&'de str>,
        /// The message body, unescaped (a JSON body is a string here: parse it with a second
        /// [`Parser`](crate::json::Parser)).
        "body" => pub body: Option<&'de str>,
        /// MD5 of the body, hex.
        "md5OfBody" => pub md5_of_body: Option<&'de str>,
        /// MD5 of the message attributes, hex.
        "md5OfMessageAttributes" => pub md5_of_message_attributes: Option<&'de str>,
        /// System attributes (`ApproximateReceiveCount`, `SentTimestamp`, `MessageGroupId`, ...),
        /// all strings as SQS sends them.
        "attributes" => pub attributes: Map<'t, 'de, &'de str>,
        /// The sender's message attributes.
        "messageAttributes" => pub message_attributes: Map<'t, 'de, SqsMessageAttribute<'t, 'de>>,
        /// The queue's ARN.
        "eventSourceARN" => pub event_source_arn: Option<&'de str>,
        /// `aws:sqs`.
        "eventSource" => pub event_source: Option<&'de str>,
        /// The queue's region.
        "awsRegion" => pub aws_region: Option<&'de str>,
    }
}

event_struct! {
    /// One message attribute: a string, a number (as text) or binary (base64), by `dataType`.
    pub struct SqsMessageAttribute<'t, 'de> {
        /// The value of a `String` or `Number` attribute.
        "stringValue" => pub string_value: Option<&'de str>,
        /// The value of a `Binary` attribute, base64.
        "binaryValue" => pub binary_value: Option<Base64<'de>>,
        /// Reserved by SQS (lists of strings).
        "stringListValues" => pub string_list_values: Seq<'t, 'de, &'de str>,
        /// Reserved by SQS (lists of binary values).
        "binaryListValues" => pub binary_list_values: Seq<'t, 'de, Base64<'de>>,
        /// `String`, `Number` or `Binary`, with an optional `.custom` suffix.
        "dataType" => pub data_type: Option<&'de str>,
    }
}

event_struct! {
    /// What the SQS API's `ReceiveMessage` answers, as a function may be given it.
    pub struct SqsApiEvent<'t, 'de> {
        /// The messages.
        "Messages" => pub messages: Seq<'t, 'de, SqsApiMessage<'t, 'de>>,
    }
}

event_struct! {
    /// One message of the SQS API's shape (PascalCase members).
    pub struct SqsApiMessage<'t, 'de> {
        /// The message id.
        "MessageId" => pub message_id: Option<&'de str>,
        /// The receipt handle.
        "ReceiptHandle" => pub receipt_handle: Option<&'de str>,
        /// The body.
        "Body" => pub body: Option<&'de str>,
        /// MD5 of the body, hex (`MD5OfBody` in the SQS API's JSON, `Md5OfBody` in the
        /// AWS sample event: both are read).
        "MD5OfBody" | "Md5OfBody" => pub md5_of_body: Option<&'de str>,
        /// MD5 of the message attributes, hex (`MD5OfMessageAttributes`, or
        /// `Md5OfMessageAttributes`).
        "MD5OfMessageAttributes" | "Md5OfMessageAttributes" => pub md5_of_message_attributes: Option<&'de str>,
        /// System attributes.
        "Attributes" => pub attributes: Map<'t, 'de, &'de str>,
        /// The sender's message attributes.
        "MessageAttributes" => pub message_attributes: Map<'t, 'de, SqsMessageAttribute<'t, 'de>>,
    }
}
