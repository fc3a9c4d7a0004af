//! The vendored HTTP sample events (in `tests/events`) and the source each comes from, shared by
//! the HTTP tests and by `benches/compare-http` (which includes this file).

use lambda_zero::http::Source;

/// The HTTP samples and the source each comes from.
pub const SAMPLES: &[(&str, Source)] = &[
    (
        "example-alb-lambda-target-request-headers-only.json",
        Source::Alb,
    ),
    (
        "example-alb-lambda-target-request-multivalue-headers.json",
        Source::Alb,
    ),
    (
        "example-apigw-custom-auth-request-type-request.json",
        Source::ApiGatewayRest,
    ),
    (
        "example-apigw-request-multi-value-parameters.json",
        Source::ApiGatewayRest,
    ),
    ("example-apigw-request.json", Source::ApiGatewayRest),
    (
        "example-apigw-restapi-openapi-request.json",
        Source::ApiGatewayRest,
    ),
    (
        "example-apigw-v2-custom-authorizer-v2-request.json",
        Source::HttpApi,
    ),
    ("example-apigw-v2-request-iam.json", Source::HttpApi),
    (
        "example-apigw-v2-request-jwt-authorizer.json",
        Source::HttpApi,
    ),
    (
        "example-apigw-v2-request-lambda-authorizer.json",
        Source::HttpApi,
    ),
    (
        "example-apigw-v2-request-no-authorizer.json",
        Source::HttpApi,
    ),
    ("example-apigw-websocket-request.json", Source::WebSocket),
    ("lambda-http/alb_request.json", Source::Alb),
    (
        "lambda-http/apigw_proxy_request.json",
        Source::ApiGatewayRest,
    ),
    ("lambda-http/apigw_v2_proxy_request.json", Source::HttpApi),
    (
        "lambda-http/lambda_function_url_request.json",
        Source::FunctionUrl,
    ),
];
