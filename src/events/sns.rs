//! Amazon SNS: the notifications delivered to a subscribed function.

use super::view::event_struct;
use super::{Map, Seq};

event_struct! {
    /// The notifications of one invocation (one record in practice).
    pub struct SnsEvent<'t, 'de> {
        /// The records, read as they are iterated.
        "Records" => pub records: Seq<'t, 'de, SnsRecord<'t, 'de>>,
    }
}

event_struct! {
    /// One delivery of a notification.
    pub struct SnsRecord<'t, 'de> {
        /// `aws:sns`.
        "EventSource" => pub event_source: &'de str,
        /// `1.0`.
        "EventVersion" => pub event_version: &'de str,
        /// The subscription's ARN.
        "EventSubscriptionArn" => pub event_subscription_arn: &'de str,
        /// The notification.
        "Sns" => pub sns: SnsMessage<'t, 'de>,
    }
}

event_struct! {
    /// An SNS notification.
    pub struct SnsMessage<'t, 'de> {
        /// `Notification`.
        "Type" => pub sns_message_type: &'de str,
        /// The message id.
        "MessageId" => pub message_id: &'de str,
        /// The topic's ARN.
        "TopicArn" => pub topic_arn: &'de str,
        /// The subject, when the publisher gave one.
        "Subject" => pub subject: Option<&'de str>,
        /// When the notification was published, ISO 8601 (`2015-08-18T18:02:32.111Z`).
        "Timestamp" => pub timestamp: &'de str,
        /// The signature's version, `1` or `2`.
        "SignatureVersion" => pub signature_version: &'de str,
        /// The base64 signature.
        "Signature" => pub signature: &'de str,
        /// Where the signing certificate is.
        "SigningCertUrl" | "SigningCertURL" => pub signing_cert_url: &'de str,
        /// The link that unsubscribes the endpoint.
        "UnsubscribeUrl" | "UnsubscribeURL" => pub unsubscribe_url: &'de str,
        /// The message, unescaped (a JSON message is a string here).
        "Message" => pub message: &'de str,
        /// The publisher's message attributes.
        "MessageAttributes" => pub message_attributes: Map<'t, 'de, SnsMessageAttribute<'de>>,
    }
}

event_struct! {
    /// One message attribute of a notification.
    pub struct SnsMessageAttribute<'de> {
        /// `String`, `String.Array`, `Number` or `Binary`.
        "Type" => pub data_type: &'de str,
        /// The value as text (base64 for `Binary`).
        "Value" => pub value: &'de str,
    }
}
