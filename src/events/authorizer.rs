//! API Gateway Lambda authorizers: the TOKEN and REQUEST requests of REST APIs, the HTTP API's
//! request (payload format 2.0), and the answers: an IAM policy ([`write_policy`]) or, for
//! HTTP APIs, the simple response ([`write_simple`]).

use crate::json::{JsonWriter, Value, WriteError};

use super::view::event_struct;
use super::{Map, Seq};

event_struct! {
    /// A REST API TOKEN authorizer's request.
    pub struct ApiGatewayCustomAuthorizerRequest<'de> {
        /// `TOKEN`.
        "type" => pub type_: Option<&'de str>,
        /// The token from the identity source header.
        "authorizationToken" => pub authorization_token: Option<&'de str>,
        /// The ARN of the method called: the resource of the policy.
        "methodArn" => pub method_arn: &'de str,
    }
}

event_struct! {
    /// A REST API REQUEST authorizer's request.
    pub struct ApiGatewayCustomAuthorizerRequestTypeRequest<'t, 'de> {
        /// `REQUEST`.
        "type" => pub type_: Option<&'de str>,
        /// The ARN of the method called: the resource of the policy.
        "methodArn" => pub method_arn: &'de str,
        /// The resource path template.
        "resource" => pub resource: Option<&'de str>,
        /// The path.
        "path" => pub path: Option<&'de str>,
        /// The HTTP method.
        "httpMethod" => pub http_method: Option<&'de str>,
        /// The headers (the last value of each).
        "headers" => pub headers: Map<'t, 'de, &'de str>,
        /// Every value of each header.
        "multiValueHeaders" => pub multi_value_headers: Map<'t, 'de, Seq<'t, 'de, &'de str>>,
        /// The query parameters (the last value of each).
        "queryStringParameters" => pub query_string_parameters: Map<'t, 'de, &'de str>,
        /// Every value of each query parameter.
        "multiValueQueryStringParameters" => pub multi_value_query_string_parameters: Map<'t, 'de, Seq<'t, 'de, &'de str>>,
        /// The path parameters.
        "pathParameters" => pub path_parameters: Map<'t, 'de, &'de str>,
        /// The stage variables.
        "stageVariables" => pub stage_variables: Map<'t, 'de, &'de str>,
        /// The request context, as JSON.
        "requestContext" => pub request_context: Value<'t, 'de>,
    }
}

event_struct! {
    /// An HTTP API authorizer's request (payload format 2.0).
    pub struct ApiGatewayV2CustomAuthorizerV2Request<'t, 'de> {
        /// `2.0`.
        "version" => pub version: Option<&'de str>,
        /// `REQUEST`.
        "type" => pub type_: Option<&'de str>,
        /// The ARN of the route called.
        "routeArn" => pub route_arn: Option<&'de str>,
        /// The values of the identity sources.
        "identitySource" => pub identity_source: Seq<'t, 'de, &'de str>,
        /// The route key (`GET /orders`, `$default`).
        "routeKey" => pub route_key: Option<&'de str>,
        /// The raw path.
        "rawPath" => pub raw_path: Option<&'de str>,
        /// The raw query string.
        "rawQueryString" => pub raw_query_string: Option<&'de str>,
        /// The cookies.
        "cookies" => pub cookies: Seq<'t, 'de, &'de str>,
        /// The headers (values of repeated headers joined by commas).
        "headers" => pub headers: Map<'t, 'de, &'de str>,
        /// The query parameters (repeated ones joined by commas).
        "queryStringParameters" => pub query_string_parameters: Map<'t, 'de, &'de str>,
        /// The request context, as JSON.
        "requestContext" => pub request_context: Value<'t, 'de>,
        /// The path parameters.
        "pathParameters" => pub path_parameters: Map<'t, 'de, &'de str>,
        /// The stage variables.
        "stageVariables" => pub stage_variables: Map<'t, 'de, &'de str>,
    }
}

/// Allow or deny, in a policy statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// Writes an authorizer's IAM policy answer:
/// `{"principalId":..,"policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":..,"Resource":[..]}]},"context":{..}}`;
/// `context` writes the members of the context object passed to the integration (strings,
/// numbers and booleans only, per API Gateway; an empty object when it writes none).
///
/// ```
/// use lambda_zero::events::authorizer::{write_policy, Effect};
/// use lambda_zero::json::JsonWriter;
///
/// let mut buf = [0u8; 512];
/// let mut out = JsonWriter::new(&mut buf);
/// write_policy(&mut out, "user-1", Effect::Allow, &["arn:aws:execute-api:*"], |c| c.field("tier", "gold")).unwrap();
/// let json: serde_json::Value = serde_json::from_slice(out.written()).unwrap();
/// assert_eq!(json["policyDocument"]["Statement"][0]["Effect"], "Allow");
/// assert_eq!(json["context"]["tier"], "gold");
/// ```
pub fn write_policy(
    out: &mut JsonWriter<'_>,
    principal_id: &str,
    effect: Effect,
    resources: &[&str],
    context: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    out.begin_object()?;
    out.field("principalId", principal_id)?;
    out.key("policyDocument")?;
    out.object(|w| {
        w.field("Version", "2012-10-17")?;
        w.key("Statement")?;
        w.array(|w| {
            w.object(|w| {
                w.field("Action", "execute-api:Invoke")?;
                let effect = match effect {
                    Effect::Allow => "Allow",
                    Effect::Deny => "Deny",
                };
                w.field("Effect", effect)?;
                w.field("Resource", resources)
            })
        })
    })?;
    write_context(out, context)?;
    out.end_object()
}

/// Writes an HTTP API authorizer's simple answer (payload format 2.0, simple responses on):
/// `{"isAuthorized":..,"context":{..}}`, the context as for [`write_policy`].
pub fn write_simple(
    out: &mut JsonWriter<'_>,
    is_authorized: bool,
    context: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    out.begin_object()?;
    out.field("isAuthorized", is_authorized)?;
    write_context(out, context)?;
    out.end_object()
}

/// The `context` member, the object `context` writes the members of.
fn write_context(
    out: &mut JsonWriter<'_>,
    context: impl FnOnce(&mut JsonWriter<'_>) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    out.key("context")?;
    out.begin_object()?;
    context(out)?;
    out.end_object()
}
