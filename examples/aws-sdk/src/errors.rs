//! SDK errors as invocation errors: `Function.<service error code>` when DynamoDB answered
//! with one (`Function.ResourceNotFoundException`, `Function.ProvisionedThroughputExceededException`,
//! ...), a `Function.DynamoDb*` type naming what went wrong otherwise.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_dynamodb::operation::RequestId;
use lambda_zero::Error;

/// The error type of a service error without a usable code (an unmodeled answer).
pub const UNNAMED_SERVICE_ERROR: &str = "DynamoDbError";

/// The invocation error for a failed GetItem on `table`.
pub fn get_item_failed(err: &SdkError<GetItemError>, table: &str) -> Error {
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let status = service.raw().status().as_u16();
            let code = e.code().filter(|c| is_error_name(c));
            let request_id = e.request_id().unwrap_or("none");
            Error::function(
                code.unwrap_or(UNNAMED_SERVICE_ERROR),
                format_args!(
                    "DynamoDB GetItem on table `{table}` failed with HTTP {status}, {}: {} (request id {request_id})",
                    e.code().unwrap_or("no error code"),
                    e.message().unwrap_or("no message"),
                ),
            )
        }
        SdkError::TimeoutError(_) => failed("DynamoDbTimeout", "timed out", err, table),
        SdkError::DispatchFailure(_) => {
            failed("DynamoDbUnreachable", "could not be sent", err, table)
        }
        SdkError::ResponseError(_) => failed(
            "DynamoDbInvalidResponse",
            "got an answer that could not be read",
            err,
            table,
        ),
        SdkError::ConstructionFailure(_) => {
            failed("DynamoDbInvalidRequest", "could not be built", err, table)
        }
        _ => failed(UNNAMED_SERVICE_ERROR, "failed", err, table),
    }
}

/// `Function.<name>`: "DynamoDB GetItem on table `t` <what>: <the error and its causes>".
fn failed(name: &str, what: &str, err: &SdkError<GetItemError>, table: &str) -> Error {
    Error::function(
        name,
        format_args!(
            "DynamoDB GetItem on table `{table}` {what}: {}",
            DisplayErrorContext(err)
        ),
    )
}

/// Whether a service error code can be the error type as it is: Lambda's pattern
/// `Function.[A-Z][a-zA-Z]+` within lambda-zero's 64 bytes (DynamoDB's codes all are; anything
/// else falls back to [`UNNAMED_SERVICE_ERROR`], the code still in the message).
fn is_error_name(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() >= 2
        && "Function.".len() + b.len() <= lambda_zero::MAX_ERROR_TYPE
        && b[0].is_ascii_uppercase()
        && b.iter().all(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_codes_that_fit_lambdas_error_type_pattern_are_used_as_names() {
        assert!(is_error_name("ResourceNotFoundException"));
        assert!(is_error_name("InternalServerError"));
        assert!(!is_error_name(""));
        assert!(!is_error_name("X"));
        assert!(!is_error_name("lowercase"));
        assert!(!is_error_name("Has.Dot"));
        assert!(!is_error_name("Has_Underscore"));
        assert!(!is_error_name(&"A".repeat(56)));
        assert!(is_error_name(&"A".repeat(55)));
    }
}
