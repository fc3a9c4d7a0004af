//! X-Ray trace propagation: every DynamoDB request carries the `X-Amzn-Trace-Id` of the
//! invocation it is made for.
//!
//! Lambda hands the trace header to the runtime with each event (`Lambda-Runtime-Trace-Id`,
//! [`lambda_zero::Context::trace_id`]). The managed runtimes pass it on by setting the
//! `_X_AMZN_TRACE_ID` environment variable, which the SDK's own recursion-detection
//! interceptor reads; lambda-zero changes no environment variable at run time (`setenv` is
//! not safe beside other threads). Instead the handler records the invocation's trace id for
//! its thread ([`enter`]) and [`TraceHeader`], registered once on the client, copies it onto
//! every request attempt (retries included) just before it is signed. SigV4 does not sign
//! this header, so its value does not change the signature.
//!
//! A thread-local is the right scope here: on lambda-zero's tokio driver each worker has its
//! own current-thread runtime, so the SDK's request futures for an invocation run on the
//! thread that took it, and no other invocation runs there meanwhile.

use std::cell::RefCell;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;

/// The header DynamoDB (and every AWS service) reads the trace from.
pub const TRACE_HEADER: &str = "x-amzn-trace-id";

thread_local! {
    /// The trace id of the invocation this thread is serving; empty between invocations.
    static CURRENT_TRACE_ID: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records `trace_id` as this thread's current invocation's until the returned guard is
/// dropped (when the handler's future ends, or is dropped at the deadline). The buffer is
/// reused: no allocation once it has held the longest trace id.
pub fn enter(trace_id: Option<&str>) -> InvocationTrace {
    CURRENT_TRACE_ID.with_borrow_mut(|current| {
        current.clear();
        current.push_str(trace_id.unwrap_or(""));
    });
    InvocationTrace {
        _not_send: core::marker::PhantomData,
    }
}

/// Clears this thread's trace id when dropped; see [`enter`].
pub struct InvocationTrace {
    /// It clears the thread-local of the thread it was made on, so it stays on that thread.
    _not_send: core::marker::PhantomData<*const ()>,
}

impl Drop for InvocationTrace {
    fn drop(&mut self) {
        CURRENT_TRACE_ID.with_borrow_mut(String::clear);
    }
}

/// The SDK interceptor that sets `X-Amzn-Trace-Id` from the current invocation's trace id
/// (replacing one the SDK may have taken from `_X_AMZN_TRACE_ID`); without one it leaves the
/// request alone. A trace id that is not a valid header value is not sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceHeader;

impl Intercept for TraceHeader {
    fn name(&self) -> &'static str {
        "LambdaZeroTraceHeader"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        CURRENT_TRACE_ID.with_borrow(|trace_id| {
            if !trace_id.is_empty() {
                // A refused value (a control character) leaves the header unset rather than
                // failing the call: tracing is not worth an invocation.
                let _ = context
                    .request_mut()
                    .headers_mut()
                    .try_insert(TRACE_HEADER, trace_id.clone());
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> String {
        CURRENT_TRACE_ID.with_borrow(String::clone)
    }

    #[test]
    fn the_trace_id_is_this_threads_until_the_guard_drops() {
        let guard = enter(Some("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"));
        assert_eq!(
            current(),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
        );
        std::thread::spawn(|| assert_eq!(current(), ""))
            .join()
            .unwrap();
        drop(guard);
        assert_eq!(current(), "");
        let guard = enter(None);
        assert_eq!(current(), "");
        drop(guard);
    }
}
