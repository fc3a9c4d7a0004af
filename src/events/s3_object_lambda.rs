//! Amazon S3 Object Lambda: the request of an Object Lambda access point. The function fetches
//! the original from `inputS3Url` and answers with S3's `WriteGetObjectResponse`, carrying
//! `outputRoute` and `outputToken`.

use crate::json::Value;

use super::view::event_struct;
use super::Map;

event_struct! {
    /// One Object Lambda request (`GetObject`, `HeadObject`, `ListObjects`, ...).
    pub struct S3ObjectLambdaEvent<'t, 'de> {
        /// The request's id.
        "xAmzRequestId" => pub x_amz_request_id: Option<&'de str>,
        /// For `GetObject`: where to read the object and how to answer.
        "getObjectContext" => pub get_object_context: Option<GetObjectContext<'de>>,
        /// The access points.
        "configuration" => pub configuration: Option<S3ObjectLambdaConfiguration<'de>>,
        /// The caller's request.
        "userRequest" => pub user_request: Option<S3ObjectLambdaUserRequest<'t, 'de>>,
        /// Who made it, as JSON (its shape depends on the identity type).
        "userIdentity" => pub user_identity: Value<'t, 'de>,
        /// `1.00`.
        "protocolVersion" => pub protocol_version: Option<&'de str>,
    }
}

event_struct! {
    /// Where a `GetObject` reads the original and how it answers.
    pub struct GetObjectContext<'de> {
        /// A pre-signed URL of the original object.
        "inputS3Url" => pub input_s3_url: &'de str,
        /// The route of the `WriteGetObjectResponse`.
        "outputRoute" => pub output_route: &'de str,
        /// The token of the `WriteGetObjectResponse`.
        "outputToken" => pub output_token: &'de str,
    }
}

event_struct! {
    /// The access points of the request.
    pub struct S3ObjectLambdaConfiguration<'de> {
        /// The Object Lambda access point's ARN.
        "accessPointArn" => pub access_point_arn: Option<&'de str>,
        /// The supporting access point's ARN.
        "supportingAccessPointArn" => pub supporting_access_point_arn: Option<&'de str>,
        /// The configuration's payload, as text.
        "payload" => pub payload: Option<&'de str>,
    }
}

event_struct! {
    /// The caller's request.
    pub struct S3ObjectLambdaUserRequest<'t, 'de> {
        /// The URL called.
        "url" => pub url: Option<&'de str>,
        /// Its headers.
        "headers" => pub headers: Map<'t, 'de, &'de str>,
    }
}
