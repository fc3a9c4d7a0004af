//! AWS CodeCommit repository triggers: the `Records` of a trigger that invokes a function,
//! each with the references that changed (`codecommit.references`). Names follow
//! `aws_lambda_events`' `code_commit` module; times are the text CodeCommit sends.

use super::view::event_struct;
use super::Seq;

event_struct! {
    /// The records of one CodeCommit trigger invocation.
    pub struct CodeCommitEvent<'t, 'de> {
        /// The records, read as they are iterated.
        "Records" => pub records: Seq<'t, 'de, CodeCommitRecord<'t, 'de>>,
    }
}

event_struct! {
    /// One trigger record: which repository, which references.
    pub struct CodeCommitRecord<'t, 'de> {
        /// The record's id.
        "eventId" => pub event_id: Option<&'de str>,
        /// `1.0`.
        "eventVersion" => pub event_version: Option<&'de str>,
        /// When the references changed (`2019-03-12T20:58:25.400+0000`).
        "eventTime" => pub event_time: Option<&'de str>,
        /// The trigger's name.
        "eventTriggerName" => pub event_trigger_name: Option<&'de str>,
        /// This record's part, from 1 (a large push is split over records).
        "eventPartNumber" => pub event_part_number: Option<u64>,
        /// The references that changed.
        "codecommit" => pub code_commit: CodeCommitCodeCommit<'t, 'de>,
        /// `ReferenceChanges`, ...
        "eventName" => pub event_name: Option<&'de str>,
        /// The trigger configuration's id.
        "eventTriggerConfigId" => pub event_trigger_config_id: Option<&'de str>,
        /// The repository's ARN.
        "eventSourceARN" => pub event_source_arn: Option<&'de str>,
        /// Who pushed.
        "userIdentityARN" => pub user_identity_arn: Option<&'de str>,
        /// `aws:codecommit`.
        "eventSource" => pub event_source: Option<&'de str>,
        /// The repository's region.
        "awsRegion" => pub aws_region: Option<&'de str>,
        /// How many parts the change was split over.
        "eventTotalParts" => pub event_total_parts: Option<u64>,
        /// The trigger's custom data.
        "customData" => pub custom_data: Option<&'de str>,
    }
}

event_struct! {
    /// The `codecommit` member of a record.
    pub struct CodeCommitCodeCommit<'t, 'de> {
        /// The references that changed, read as they are iterated.
        "references" => pub references: Seq<'t, 'de, CodeCommitReference<'de>>,
    }
}

event_struct! {
    /// One changed reference.
    pub struct CodeCommitReference<'de> {
        /// The commit the reference points to now.
        "commit" => pub commit: Option<&'de str>,
        /// The reference (`refs/heads/main`).
        "ref" => pub ref_: Option<&'de str>,
        /// Whether the reference was created (absent or `null` otherwise).
        "created" => pub created: Option<bool>,
    }
}
