//! AWS CodeBuild state and phase changes, as EventBridge delivers them: [`CodeBuildEvent`] is
//! the [`EventBridgeEvent`] envelope with a [`CodeBuildEventDetail`] (`detail-type` `CodeBuild
//! Build State Change` or `CodeBuild Build Phase Change`). Names follow `aws_lambda_events`'
//! `codebuild` module; times are the text CodeBuild sends (`Sep 1, 2017 4:12:29 PM`, not ISO
//! 8601), durations and counts numbers as sent (`60.0`, `36`).

use crate::json::Value;

use super::eventbridge::EventBridgeEvent;
use super::view::event_struct;
use super::Seq;

/// A CodeBuild build's status (`IN_PROGRESS`, `SUCCEEDED`, `FAILED`, `STOPPED`, ...) or a
/// phase's.
pub type CodeBuildPhaseStatus<'de> = &'de str;

/// A build phase (`SUBMITTED`, `QUEUED`, `PROVISIONING`, `DOWNLOAD_SOURCE`, `INSTALL`,
/// `PRE_BUILD`, `BUILD`, `POST_BUILD`, `UPLOAD_ARTIFACTS`, `FINALIZING`, `COMPLETED`).
pub type CodeBuildPhaseType<'de> = &'de str;

/// A CodeBuild build state or phase change: the EventBridge envelope (`source`
/// `aws.codebuild`) with the build in `detail`.
pub type CodeBuildEvent<'t, 'de> = EventBridgeEvent<'t, 'de, CodeBuildEventDetail<'t, 'de>>;

event_struct! {
    /// The `detail` of a CodeBuild event: the build, and the phase that changed.
    pub struct CodeBuildEventDetail<'t, 'de> {
        /// The build's status (state changes).
        "build-status" => pub build_status: Option<CodeBuildPhaseStatus<'de>>,
        /// The project's name.
        "project-name" => pub project_name: Option<&'de str>,
        /// The build's ARN.
        "build-id" => pub build_id: Option<&'de str>,
        /// The build: artifact, environment, source, logs, phases.
        "additional-information" => pub additional_information: CodeBuildEventAdditionalInformation<'t, 'de>,
        /// The phase the build is in (state changes).
        "current-phase" => pub current_phase: Option<CodeBuildPhaseType<'de>>,
        /// Context of the current phase, as CodeBuild sends it (a string, `[]`).
        "current-phase-context" => pub current_phase_context: Option<&'de str>,
        /// The detail's version (`1`).
        "version" => pub version: Option<&'de str>,
        /// The status of the phase that completed (phase changes).
        "completed-phase-status" => pub completed_phase_status: Option<CodeBuildPhaseStatus<'de>>,
        /// The phase that completed (phase changes).
        "completed-phase" => pub completed_phase: Option<CodeBuildPhaseType<'de>>,
        /// Context of the completed phase, as CodeBuild sends it (a string, `[]`).
        "completed-phase-context" => pub completed_phase_context: Option<&'de str>,
        /// How long the completed phase took, in seconds.
        "completed-phase-duration-seconds" => pub completed_phase_duration: Option<f64>,
        /// When the completed phase started (`Sep 1, 2017 4:14:21 PM`).
        "completed-phase-start" => pub completed_phase_start: Option<&'de str>,
        /// When the completed phase ended.
        "completed-phase-end" => pub completed_phase_end: Option<&'de str>,
    }
}

event_struct! {
    /// What CodeBuild tells about the build.
    pub struct CodeBuildEventAdditionalInformation<'t, 'de> {
        /// The build's output artifact.
        "artifact" => pub artifact: CodeBuildArtifact<'de>,
        /// The build environment.
        "environment" => pub environment: CodeBuildEnvironment<'t, 'de>,
        /// The build's timeout, in minutes.
        "timeout-in-minutes" => pub timeout: Option<f64>,
        /// Whether the build has completed.
        "build-complete" => pub build_complete: Option<bool>,
        /// The build's number in its project.
        "build-number" => pub build_number: Option<f64>,
        /// Who or what started the build.
        "initiator" => pub initiator: Option<&'de str>,
        /// When the build started (`Sep 1, 2017 4:12:29 PM`).
        "build-start-time" => pub build_start_time: Option<&'de str>,
        /// The build's source.
        "source" => pub source: CodeBuildSource<'de>,
        /// The source version built.
        "source-version" => pub source_version: Option<&'de str>,
        /// Where the build logs.
        "logs" => pub logs: CodeBuildLogs<'de>,
        /// The build's phases so far, read as they are iterated.
        "phases" => pub phases: Seq<'t, 'de, CodeBuildPhase<'t, 'de>>,
    }
}

event_struct! {
    /// The output artifact of a build.
    pub struct CodeBuildArtifact<'de> {
        /// MD5 of the artifact, hex.
        "md5sum" => pub md5_sum: Option<&'de str>,
        /// SHA-256 of the artifact, hex.
        "sha256sum" => pub sha256_sum: Option<&'de str>,
        /// Where the artifact is (an S3 ARN).
        "location" => pub location: Option<&'de str>,
    }
}

event_struct! {
    /// The environment a build runs in.
    pub struct CodeBuildEnvironment<'t, 'de> {
        /// The image (`aws/codebuild/standard:2.0`).
        "image" => pub image: Option<&'de str>,
        /// Whether the build runs privileged (Docker in Docker).
        "privileged-mode" => pub privileged_mode: Option<bool>,
        /// `BUILD_GENERAL1_SMALL`, ...
        "compute-type" => pub compute_type: Option<&'de str>,
        /// `LINUX_CONTAINER`, ...
        "type" => pub type_: Option<&'de str>,
        /// The environment variables, read as they are iterated.
        "environment-variables" => pub environment_variables: Seq<'t, 'de, CodeBuildEnvironmentVariable<'de>>,
    }
}

event_struct! {
    /// One environment variable of a build.
    pub struct CodeBuildEnvironmentVariable<'de> {
        /// Its name.
        "name" => pub name: Option<&'de str>,
        /// `PLAINTEXT`, `PARAMETER_STORE` or `SECRETS_MANAGER`.
        "type" => pub type_: Option<&'de str>,
        /// Its value (for the last two types, the name of the parameter or secret).
        "value" => pub value: Option<&'de str>,
    }
}

event_struct! {
    /// The source of a build.
    pub struct CodeBuildSource<'de> {
        /// Where the source is.
        "location" => pub location: Option<&'de str>,
        /// `S3`, `CODECOMMIT`, `GITHUB`, ...
        "type" => pub type_: Option<&'de str>,
    }
}

event_struct! {
    /// Where a build logs, in CloudWatch Logs.
    pub struct CodeBuildLogs<'de> {
        /// The log group.
        "group-name" => pub group_name: Option<&'de str>,
        /// The log stream.
        "stream-name" => pub stream_name: Option<&'de str>,
        /// A console link to the logs.
        "deep-link" => pub deep_link: Option<&'de str>,
    }
}

event_struct! {
    /// One phase of a build.
    pub struct CodeBuildPhase<'t, 'de> {
        /// Context of the phase (messages of a failed phase), as JSON.
        "phase-context" => pub phase_context: Seq<'t, 'de, Value<'t, 'de>>,
        /// When the phase started (`Sep 1, 2017 4:12:29 PM`).
        "start-time" => pub start_time: Option<&'de str>,
        /// When the phase ended (absent while it runs).
        "end-time" => pub end_time: Option<&'de str>,
        /// How long the phase took, in seconds.
        "duration-in-seconds" => pub duration: Option<f64>,
        /// Which phase.
        "phase-type" => pub phase_type: CodeBuildPhaseType<'de>,
        /// How it ended (absent while it runs).
        "phase-status" => pub phase_status: Option<CodeBuildPhaseStatus<'de>>,
    }
}
