//! AWS Secrets Manager rotation: the step of the rotation a function is asked to do.

use super::view::event_struct;

event_struct! {
    /// One rotation step.
    pub struct SecretsManagerSecretRotationEvent<'de> {
        /// `createSecret`, `setSecret`, `testSecret` or `finishSecret`.
        "Step" => pub step: &'de str,
        /// The secret's ARN.
        "SecretId" => pub secret_id: &'de str,
        /// The version being rotated in.
        "ClientRequestToken" => pub client_request_token: &'de str,
        /// The rotation token, for a secret in another account.
        "RotationToken" => pub rotation_token: Option<&'de str>,
    }
}
