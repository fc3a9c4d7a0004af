//! When a driver stops waiting for a handler future: shortly before the invocation's deadline.

use std::time::{Duration, Instant};

use crate::context::Context;
use crate::error::Error;

/// How long before the invocation's deadline a driver gives up on a future that is still
/// pending, so that the `Function.Timeout` error reaches Lambda before Lambda ends the
/// invocation itself.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(10);

/// The instant to give up at: [`DEADLINE_MARGIN`] before the deadline (now, if that is past);
/// `None` without a deadline (or one too far away to be an [`Instant`]).
pub(crate) fn give_up_at(ctx: &Context<'_>) -> Option<Instant> {
    let left = ctx.remaining()?;
    Instant::now().checked_add(left.saturating_sub(DEADLINE_MARGIN))
}

/// The error of an invocation whose future was still pending at [`give_up_at`].
pub(crate) fn timed_out() -> Error {
    Error::function(
        "Timeout",
        format_args!(
            "the handler's future was still pending {} ms before the invocation's deadline; \
             it was dropped",
            DEADLINE_MARGIN.as_millis()
        ),
    )
}
