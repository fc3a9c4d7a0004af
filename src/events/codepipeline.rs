//! AWS CodePipeline: the state changes EventBridge delivers ([`CodePipelineCloudWatchEvent`]:
//! the [`EventBridgeEvent`] envelope with a [`CodePipelineEventDetail`]), and the job a
//! pipeline's Lambda invoke action hands a function ([`CodePipelineJobEvent`]). Names follow
//! `aws_lambda_events`' `codepipeline_cloudwatch` and `codepipeline_job` modules.

use super::eventbridge::EventBridgeEvent;
use super::view::event_struct;
use super::Seq;

/// A pipeline execution, stage or action state change (`detail-type` `CodePipeline Pipeline
/// Execution State Change`, `... Stage Execution State Change`, `... Action Execution State
/// Change`): the EventBridge envelope (`source` `aws.codepipeline`).
pub type CodePipelineCloudWatchEvent<'t, 'de> =
    EventBridgeEvent<'t, 'de, CodePipelineEventDetail<'de>>;

event_struct! {
    /// The `detail` of a CodePipeline state change.
    pub struct CodePipelineEventDetail<'de> {
        /// The pipeline's name.
        "pipeline" => pub pipeline: Option<&'de str>,
        /// The pipeline's version.
        "version" => pub version: Option<i64>,
        /// The execution's id.
        "execution-id" => pub execution_id: Option<&'de str>,
        /// The stage (stage and action changes).
        "stage" => pub stage: Option<&'de str>,
        /// The action (action changes).
        "action" => pub action: Option<&'de str>,
        /// `STARTED`, `SUCCEEDED`, `FAILED`, `CANCELED`, ...
        "state" => pub state: Option<&'de str>,
        /// The region (action changes).
        "region" => pub region: Option<&'de str>,
        /// The action's type (action changes).
        "type" => pub type_: Option<CodePipelineEventDetailType<'de>>,
    }
}

event_struct! {
    /// The type of the action whose state changed.
    pub struct CodePipelineEventDetailType<'de> {
        /// `AWS`, `Custom` or `ThirdParty`.
        "owner" => pub owner: Option<&'de str>,
        /// `Source`, `Build`, `Deploy`, `Test`, `Invoke`, `Approval`.
        "category" => pub category: Option<&'de str>,
        /// `CodeBuild`, `S3`, `Lambda`, ...
        "provider" => pub provider: Option<&'de str>,
        /// The action type's version.
        "version" => pub version: Option<i64>,
    }
}

event_struct! {
    /// The event of a pipeline's Lambda invoke action: answer with `PutJobSuccessResult` or
    /// `PutJobFailureResult` for the job's `id`.
    pub struct CodePipelineJobEvent<'t, 'de> {
        /// The job.
        "CodePipeline.job" => pub code_pipeline_job: CodePipelineJob<'t, 'de>,
    }
}

event_struct! {
    /// A CodePipeline job.
    pub struct CodePipelineJob<'t, 'de> {
        /// The job's id.
        "id" => pub id: Option<&'de str>,
        /// The pipeline's account.
        "accountId" => pub account_id: Option<&'de str>,
        /// The job's configuration, artifacts and credentials.
        "data" => pub data: CodePipelineData<'t, 'de>,
    }
}

event_struct! {
    /// The data of a job.
    pub struct CodePipelineData<'t, 'de> {
        /// The action's configuration.
        "actionConfiguration" => pub action_configuration: CodePipelineActionConfiguration<'de>,
        /// The artifacts the action reads, read as they are iterated.
        "inputArtifacts" => pub input_artifacts: Seq<'t, 'de, CodePipelineInputArtifact<'de>>,
        /// The artifacts the action writes, read as they are iterated.
        "outputArtifacts" => pub out_put_artifacts: Seq<'t, 'de, CodePipelineOutputArtifact<'de>>,
        /// Temporary credentials for the artifacts' bucket.
        "artifactCredentials" => pub artifact_credentials: CodePipelineArtifactCredentials<'de>,
        /// Set when the job continues an earlier one.
        "continuationToken" => pub continuation_token: Option<&'de str>,
    }
}

event_struct! {
    /// The configuration of the action.
    pub struct CodePipelineActionConfiguration<'de> {
        /// The configuration's members.
        "configuration" => pub configuration: CodePipelineConfiguration<'de>,
    }
}

event_struct! {
    /// The members of a Lambda invoke action's configuration.
    pub struct CodePipelineConfiguration<'de> {
        /// The function invoked.
        "FunctionName" => pub function_name: Option<&'de str>,
        /// The action's user parameters, as text.
        "UserParameters" => pub user_parameters: Option<&'de str>,
    }
}

event_struct! {
    /// An artifact the action reads.
    pub struct CodePipelineInputArtifact<'de> {
        /// Where it is.
        "location" => pub location: CodePipelineInputLocation<'de>,
        /// Its revision.
        "revision" => pub revision: Option<&'de str>,
        /// Its name.
        "name" => pub name: Option<&'de str>,
    }
}

event_struct! {
    /// An artifact the action writes.
    pub struct CodePipelineOutputArtifact<'de> {
        /// Where it goes.
        "location" => pub location: CodePipelineInputLocation<'de>,
        /// Its revision.
        "revision" => pub revision: Option<&'de str>,
        /// Its name.
        "name" => pub name: Option<&'de str>,
    }
}

/// Where an output artifact goes: the same shape as an input's location.
pub type CodePipelineOutputLocation<'de> = CodePipelineInputLocation<'de>;

event_struct! {
    /// Where an artifact is.
    pub struct CodePipelineInputLocation<'de> {
        /// The S3 object.
        "s3Location" => pub s3_location: CodePipelineS3Location<'de>,
        /// `S3`.
        "type" => pub location_type: Option<&'de str>,
    }
}

event_struct! {
    /// An artifact's S3 object.
    pub struct CodePipelineS3Location<'de> {
        /// The bucket.
        "bucketName" => pub bucket_name: Option<&'de str>,
        /// The key.
        "objectKey" => pub object_key: Option<&'de str>,
    }
}

event_struct! {
    /// Temporary credentials for the artifacts' bucket.
    pub struct CodePipelineArtifactCredentials<'de> {
        /// The secret key.
        "secretAccessKey" => pub secret_access_key: Option<&'de str>,
        /// The session token.
        "sessionToken" => pub session_token: Option<&'de str>,
        /// The access key id.
        "accessKeyId" => pub access_key_id: Option<&'de str>,
    }
}
