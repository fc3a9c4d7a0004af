//! Which invocation this thread is serving: its request id and tenant id, for the function's
//! log lines ([`crate::logging`]), and its invocation id, for the panic hook that posts a panic
//! before an abort ([`crate::panic_report`]).
//!
//! The loop records the ids before each handler call ([`enter`]) into a thread-local: a copy of
//! a few dozen bytes, no allocation, no lock, and each worker of a concurrent runtime has its
//! own. The invocation id is kept only in `panic = "abort"` builds, the only ones whose panic
//! hook posts.

use std::cell::RefCell;

use crate::context::Context;

const ABORTS: bool = cfg!(panic = "abort");
/// Longest id kept; a longer one is not recorded (the invocation then reads as none).
const MAX_ID: usize = 256;

/// What this thread is doing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Neither initialising the function nor in a handler call.
    Idle,
    /// Running the function's initialisation (recorded in `panic = "abort"` builds only).
    Init,
    /// In a handler call.
    Invoke,
}

/// The record of this thread's invocation.
pub(crate) struct Current {
    pub(crate) phase: Phase,
    request_id: [u8; MAX_ID],
    request_id_len: usize,
    tenant_id: [u8; MAX_ID],
    /// `None`: the invocation has no tenant id.
    tenant_id_len: Option<usize>,
    invocation_id: [u8; MAX_ID],
    invocation_id_len: usize,
}

impl Current {
    /// The request id, in a handler call.
    pub(crate) fn request_id(&self) -> Option<&[u8]> {
        (self.phase == Phase::Invoke).then(|| &self.request_id[..self.request_id_len])
    }

    /// The tenant id, in a handler call of an invocation that has one.
    pub(crate) fn tenant_id(&self) -> Option<&[u8]> {
        let len = self.tenant_id_len.filter(|_| self.phase == Phase::Invoke)?;
        Some(&self.tenant_id[..len])
    }

    /// The invocation id (empty when the invocation has none), in `panic = "abort"` builds.
    pub(crate) fn invocation_id(&self) -> &[u8] {
        &self.invocation_id[..self.invocation_id_len]
    }
}

thread_local! {
    // Const-initialised and without a destructor: no allocation, no registration on first use.
    static CURRENT: RefCell<Current> = const {
        RefCell::new(Current {
            phase: Phase::Idle,
            request_id: [0; MAX_ID],
            request_id_len: 0,
            tenant_id: [0; MAX_ID],
            tenant_id_len: None,
            invocation_id: [0; MAX_ID],
            invocation_id_len: 0,
        })
    };
}

/// Runs `f` on this thread's record, unless it is in use (a panic inside `f` itself).
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(&Current) -> R) -> Option<R> {
    CURRENT.with(|cur| cur.try_borrow().ok().map(|cur| f(&cur)))
}

#[inline]
fn with_mut<R>(f: impl FnOnce(&mut Current) -> R) -> Option<R> {
    CURRENT.with(|cur| cur.try_borrow_mut().ok().map(|mut cur| f(&mut cur)))
}

/// Marks the start of the function's initialisation.
pub(crate) fn enter_init() {
    if ABORTS {
        with_mut(|cur| cur.phase = Phase::Init);
    }
}

/// Marks the start of one handler call, for the invocation of `ctx`.
#[inline]
pub(crate) fn enter(ctx: &Context<'_>) {
    with_mut(|cur| {
        let id = ctx.request_id.as_bytes();
        let tenant = ctx.tenant_id.map(str::as_bytes);
        let invocation = ctx.invocation_id.unwrap_or("").as_bytes();
        if id.len() > MAX_ID
            || tenant.is_some_and(|t| t.len() > MAX_ID)
            || (ABORTS && invocation.len() > MAX_ID)
        {
            cur.phase = Phase::Idle;
            return;
        }
        cur.request_id[..id.len()].copy_from_slice(id);
        cur.request_id_len = id.len();
        cur.tenant_id_len = tenant.map(|t| {
            cur.tenant_id[..t.len()].copy_from_slice(t);
            t.len()
        });
        if ABORTS {
            cur.invocation_id[..invocation.len()].copy_from_slice(invocation);
            cur.invocation_id_len = invocation.len();
        }
        cur.phase = Phase::Invoke;
    });
}

/// Marks the end of a handler call (or of the initialisation).
#[inline]
pub(crate) fn leave() {
    with_mut(|cur| cur.phase = Phase::Idle);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Config;

    #[test]
    fn the_ids_are_known_inside_a_handler_call_only() {
        let config = Config::default();
        let mut ctx = Context::for_test("req-1", &config);
        ctx.tenant_id = Some("blue");
        let ids = || {
            with(|cur| {
                (
                    cur.request_id().map(<[u8]>::to_vec),
                    cur.tenant_id().map(<[u8]>::to_vec),
                )
            })
            .unwrap()
        };
        assert_eq!(ids(), (None, None));
        enter(&ctx);
        assert_eq!(ids(), (Some(b"req-1".to_vec()), Some(b"blue".to_vec())));
        leave();
        assert_eq!(ids(), (None, None));
        // The next invocation has no tenant: none is left over from the last one.
        ctx.request_id = "req-2";
        ctx.tenant_id = None;
        enter(&ctx);
        assert_eq!(ids(), (Some(b"req-2".to_vec()), None));
        // An id too long to keep reads as no invocation at all.
        let long = "x".repeat(MAX_ID + 1);
        ctx.request_id = &long;
        enter(&ctx);
        assert_eq!(ids(), (None, None));
        leave();
    }
}
