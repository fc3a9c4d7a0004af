//! AWS CloudFormation custom resources: the request a custom resource's function gets. The
//! function answers by an HTTPS `PUT` of its result to [`CloudFormationCustomResourceRequest::response_url`],
//! not in its own response.

use crate::json::Value;

use super::view::event_struct;

event_struct! {
    /// A `Create`, `Update` or `Delete` request for a custom resource.
    pub struct CloudFormationCustomResourceRequest<'t, 'de> {
        /// `Create`, `Update` or `Delete`.
        "RequestType" => pub request_type: &'de str,
        /// The ARN of the function (or SNS topic) CloudFormation invoked.
        "ServiceToken" => pub service_token: Option<&'de str>,
        /// The pre-signed S3 URL to `PUT` the result to.
        "ResponseURL" => pub response_url: &'de str,
        /// The stack's ARN.
        "StackId" => pub stack_id: &'de str,
        /// The request's id: echo it in the result.
        "RequestId" => pub request_id: &'de str,
        /// The resource type, `Custom::...`.
        "ResourceType" => pub resource_type: &'de str,
        /// The resource's logical id in the template.
        "LogicalResourceId" => pub logical_resource_id: &'de str,
        /// The physical id the function gave the resource (`Update`, `Delete`).
        "PhysicalResourceId" => pub physical_resource_id: Option<&'de str>,
        /// The resource's properties, as the template gives them.
        "ResourceProperties" => pub resource_properties: Value<'t, 'de>,
        /// The previous properties (`Update`).
        "OldResourceProperties" => pub old_resource_properties: Value<'t, 'de>,
    }
}
