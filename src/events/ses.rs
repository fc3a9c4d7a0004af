//! Amazon SES email receiving: the mail and the receipt of each message a receipt rule hands
//! to a function.

use super::view::event_struct;
use super::Seq;

event_struct! {
    /// The messages of one invocation (one in practice).
    pub struct SimpleEmailEvent<'t, 'de> {
        /// The records, read as they are iterated.
        "Records" => pub records: Seq<'t, 'de, SimpleEmailRecord<'t, 'de>>,
    }
}

event_struct! {
    /// One received message.
    pub struct SimpleEmailRecord<'t, 'de> {
        /// `1.0`.
        "eventVersion" => pub event_version: Option<&'de str>,
        /// `aws:ses`.
        "eventSource" => pub event_source: Option<&'de str>,
        /// The message.
        "ses" => pub ses: SimpleEmailService<'t, 'de>,
    }
}

event_struct! {
    /// The mail and its receipt.
    pub struct SimpleEmailService<'t, 'de> {
        /// The mail.
        "mail" => pub mail: SimpleEmailMessage<'t, 'de>,
        /// What SES found and did.
        "receipt" => pub receipt: SimpleEmailReceipt<'t, 'de>,
    }
}

event_struct! {
    /// The mail: envelope and headers.
    pub struct SimpleEmailMessage<'t, 'de> {
        /// When SES received it, ISO 8601.
        "timestamp" => pub timestamp: Option<&'de str>,
        /// The envelope sender (`MAIL FROM`).
        "source" => pub source: Option<&'de str>,
        /// SES's message id.
        "messageId" => pub message_id: Option<&'de str>,
        /// The envelope recipients.
        "destination" => pub destination: Seq<'t, 'de, &'de str>,
        /// True when the headers were cut (more than 10 KB).
        "headersTruncated" => pub headers_truncated: Option<bool>,
        /// Every header, in order.
        "headers" => pub headers: Seq<'t, 'de, SimpleEmailHeader<'de>>,
        /// The usual headers, parsed.
        "commonHeaders" => pub common_headers: Option<SimpleEmailCommonHeaders<'t, 'de>>,
    }
}

event_struct! {
    /// One mail header.
    pub struct SimpleEmailHeader<'de> {
        /// The name.
        "name" => pub name: Option<&'de str>,
        /// The value.
        "value" => pub value: Option<&'de str>,
    }
}

event_struct! {
    /// The usual headers of a mail.
    pub struct SimpleEmailCommonHeaders<'t, 'de> {
        /// `From`.
        "from" => pub from: Seq<'t, 'de, &'de str>,
        /// `To`.
        "to" => pub to: Seq<'t, 'de, &'de str>,
        /// `Return-Path`.
        "returnPath" => pub return_path: Option<&'de str>,
        /// `Message-ID`.
        "messageId" => pub message_id: Option<&'de str>,
        /// `Date`.
        "date" => pub date: Option<&'de str>,
        /// `Subject`.
        "subject" => pub subject: Option<&'de str>,
    }
}

event_struct! {
    /// What SES found and did.
    pub struct SimpleEmailReceipt<'t, 'de> {
        /// When the rule ran, ISO 8601.
        "timestamp" => pub timestamp: Option<&'de str>,
        /// How long SES took, in milliseconds.
        "processingTimeMillis" => pub processing_time_millis: Option<i64>,
        /// The recipients the rule matched.
        "recipients" => pub recipients: Seq<'t, 'de, &'de str>,
        /// `PASS`, `FAIL`, `GRAY` or `PROCESSING_FAILED`.
        "spamVerdict" => pub spam_verdict: Option<SimpleEmailVerdict<'de>>,
        /// The virus scan's verdict.
        "virusVerdict" => pub virus_verdict: Option<SimpleEmailVerdict<'de>>,
        /// The SPF check's verdict.
        "spfVerdict" => pub spf_verdict: Option<SimpleEmailVerdict<'de>>,
        /// The DKIM check's verdict.
        "dkimVerdict" => pub dkim_verdict: Option<SimpleEmailVerdict<'de>>,
        /// The DMARC check's verdict.
        "dmarcVerdict" => pub dmarc_verdict: Option<SimpleEmailVerdict<'de>>,
        /// The sender domain's DMARC policy (`none`, `quarantine`, `reject`).
        "dmarcPolicy" => pub dmarc_policy: Option<&'de str>,
        /// The action that invoked the function.
        "action" => pub action: Option<SimpleEmailReceiptAction<'de>>,
    }
}

event_struct! {
    /// A verdict.
    pub struct SimpleEmailVerdict<'de> {
        /// `PASS`, `FAIL`, `GRAY` or `PROCESSING_FAILED`.
        "status" => pub status: Option<&'de str>,
    }
}

event_struct! {
    /// The receipt rule's action.
    pub struct SimpleEmailReceiptAction<'de> {
        /// `Lambda`, `S3`, `SNS`, ...
        "type" => pub type_: Option<&'de str>,
        /// The SNS topic notified, if any.
        "topicArn" => pub topic_arn: Option<&'de str>,
        /// The bucket the mail was stored in (`S3`).
        "bucketName" => pub bucket_name: Option<&'de str>,
        /// The object key of the stored mail (`S3`).
        "objectKey" => pub object_key: Option<&'de str>,
        /// The function's ARN (`Lambda`).
        "functionArn" => pub function_arn: Option<&'de str>,
        /// `Event` or `RequestResponse` (`Lambda`).
        "invocationType" => pub invocation_type: Option<&'de str>,
    }
}
