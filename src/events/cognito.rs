//! Amazon Cognito user pool triggers: pre sign-up and pre token generation (V2), and their
//! responses. A trigger answers with the event it was given, its `response` filled in:
//! [`respond`] writes the event back through the [`JsonWriter`] with the `response` member
//! replaced by what the handler writes. Read the event as [`WithJson`](super::WithJson) to keep the JSON the
//! response is written from.
//!
//! ```
//! use lambda_zero::events::cognito::{respond, CognitoEventUserPoolsPreSignup};
//! use lambda_zero::events::{FromValue, WithJson};
//! use lambda_zero::json::{JsonWriter, Limits, Parser};
//!
//! let mut event = br#"{"version":"1","triggerSource":"PreSignUp_SignUp","userName":"ada",
//!   "request":{"userAttributes":{"email":"ada@example.com"}},"response":{}}"#.to_vec();
//! let mut out = [0u8; 512];
//! let mut w = JsonWriter::new(&mut out);
//! Parser::new(Limits::strict(4096, 0)).with_value(&mut event, |v| {
//!     let e = WithJson::<CognitoEventUserPoolsPreSignup>::from_value(v).unwrap();
//!     let trusted = e.typed.request.user_attributes.get("email")
//!         .and_then(Result::ok)
//!         .is_some_and(|m| m.ends_with("@example.com"));
//!     respond(&mut w, e.json, |r| {
//!         r.field("autoConfirmUser", trusted)?;
//!         r.field("autoVerifyEmail", trusted)
//!     })
//!     .unwrap();
//! }).unwrap();
//! let answer: serde_json::Value = serde_json::from_slice(w.written()).unwrap();
//! assert_eq!(answer["response"]["autoConfirmUser"], true);
//! assert_eq!(answer["userName"], "ada");
//! ```

use crate::json::{JsonWriter, Kind, Value, WriteError};

use super::view::event_struct;
use super::{Map, Seq};

event_struct! {
    /// Who called Cognito.
    pub struct CognitoCallerContext<'de> {
        /// The AWS SDK's version.
        "awsSdkVersion" => pub awssdk_version: Option<&'de str>,
        /// The app client's id.
        "clientId" => pub client_id: Option<&'de str>,
    }
}

event_struct! {
    /// The pre sign-up trigger (`PreSignUp_SignUp`, `PreSignUp_AdminCreateUser`,
    /// `PreSignUp_ExternalProvider`).
    pub struct CognitoEventUserPoolsPreSignup<'t, 'de> {
        /// `1`.
        "version" => pub version: Option<&'de str>,
        /// What triggered it.
        "triggerSource" => pub trigger_source: &'de str,
        /// The region.
        "region" => pub region: Option<&'de str>,
        /// The user pool's id.
        "userPoolId" => pub user_pool_id: Option<&'de str>,
        /// The user's name.
        "userName" => pub user_name: Option<&'de str>,
        /// Who called.
        "callerContext" => pub caller_context: Option<CognitoCallerContext<'de>>,
        /// The sign-up.
        "request" => pub request: CognitoPreSignupRequest<'t, 'de>,
        /// The response as Cognito sent it (the defaults).
        "response" => pub response: Option<CognitoPreSignupResponse>,
    }
}

event_struct! {
    /// What the user signs up with.
    pub struct CognitoPreSignupRequest<'t, 'de> {
        /// The user's attributes (`email`, `phone_number`, ...).
        "userAttributes" => pub user_attributes: Map<'t, 'de, &'de str>,
        /// The validation data the client sent.
        "validationData" => pub validation_data: Map<'t, 'de, &'de str>,
        /// The client's metadata.
        "clientMetadata" => pub client_metadata: Map<'t, 'de, &'de str>,
    }
}

event_struct! {
    /// The pre sign-up response: what Cognito should do with the user (write it with
    /// [`respond`]: `autoConfirmUser`, `autoVerifyEmail`, `autoVerifyPhone`).
    pub struct CognitoPreSignupResponse {
        /// Confirm the user without a code.
        "autoConfirmUser" => pub auto_confirm_user: Option<bool>,
        /// Mark the email verified.
        "autoVerifyEmail" => pub auto_verify_email: Option<bool>,
        /// Mark the phone number verified.
        "autoVerifyPhone" => pub auto_verify_phone: Option<bool>,
    }
}

event_struct! {
    /// The pre token generation trigger, event version 2 (claims and scopes of the ID and
    /// access tokens). Answer with [`respond`]: `claimsAndScopeOverrideDetails`.
    pub struct CognitoEventUserPoolsPreTokenGenV2<'t, 'de> {
        /// `1` or `2`.
        "version" => pub version: Option<&'de str>,
        /// What triggered it (`TokenGeneration_HostedAuth`, ...).
        "triggerSource" => pub trigger_source: &'de str,
        /// The region.
        "region" => pub region: Option<&'de str>,
        /// The user pool's id.
        "userPoolId" => pub user_pool_id: Option<&'de str>,
        /// The user's name.
        "userName" => pub user_name: Option<&'de str>,
        /// Who called.
        "callerContext" => pub caller_context: Option<CognitoCallerContext<'de>>,
        /// The tokens being made.
        "request" => pub request: CognitoPreTokenGenRequestV2<'t, 'de>,
        /// The response as Cognito sent it.
        "response" => pub response: Value<'t, 'de>,
    }
}

event_struct! {
    /// The request of a pre token generation V2 trigger.
    pub struct CognitoPreTokenGenRequestV2<'t, 'de> {
        /// The user's attributes.
        "userAttributes" => pub user_attributes: Map<'t, 'de, &'de str>,
        /// The scopes requested.
        "scopes" => pub scopes: Seq<'t, 'de, &'de str>,
        /// The user's groups and roles.
        "groupConfiguration" => pub group_configuration: Option<CognitoGroupConfiguration<'t, 'de>>,
        /// The client's metadata.
        "clientMetadata" => pub client_metadata: Map<'t, 'de, &'de str>,
    }
}

event_struct! {
    /// The groups and IAM roles of a user.
    pub struct CognitoGroupConfiguration<'t, 'de> {
        /// The groups.
        "groupsToOverride" => pub groups_to_override: Seq<'t, 'de, &'de str>,
        /// The IAM roles of the groups.
        "iamRolesToOverride" => pub iam_roles_to_override: Seq<'t, 'de, &'de str>,
        /// The preferred role.
        "preferredRole" => pub preferred_role: Option<&'de str>,
    }
}

/// Writes `event` (a trigger's event object) back with its `response` member replaced by an
/// object `response` writes the members of; every other member is copied as it was (strings
/// re-escaped). A `response` member is added when the event has none.
pub fn respond(
    out: &mut JsonWriter<'_>,
    event: Value<'_, '_>,
    response: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    out.begin_object()?;
    if event.kind() == Kind::Object {
        for (key, value) in event.members() {
            if key != "response" {
                out.field(key, value)?;
            }
        }
    }
    out.key("response")?;
    out.begin_object()?;
    response(out)?;
    out.end_object()?;
    out.end_object()
}
