//! The counting global allocator of the zero-allocation tests: counts the allocations (not the
//! frees) of the threads that armed it, into a count of this thread and a process-wide total.
//! Install it in a test crate with
//! `#[global_allocator] static GLOBAL: counting::Counting = counting::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Forwards to [`System`], counting every allocation of an armed thread.
pub struct Counting;

/// Allocations of every armed thread since the last [`reset_total`].
static TOTAL: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the thread-locals may be gone while a thread shuts down.
    if ARMED.try_with(Cell::get).unwrap_or(false) {
        TOTAL.fetch_add(1, Ordering::Relaxed);
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees hold; the counting touches only an atomic and const-initialised thread-locals
// (neither allocates, so there is no re-entry).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: forwarded as is; `ptr` came from this allocator, i.e. from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; `ptr` came from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Starts or stops counting this thread's allocations.
pub fn arm(on: bool) {
    ARMED.with(|a| a.set(on));
}

/// Sets the process-wide total back to zero.
#[allow(dead_code)]
pub fn reset_total() {
    TOTAL.store(0, Ordering::Relaxed);
}

/// The process-wide total since [`reset_total`].
#[allow(dead_code)]
pub fn total() -> u64 {
    TOTAL.load(Ordering::Relaxed)
}

/// Runs `f` and returns its result with the number of allocations it made on this thread.
#[allow(dead_code)]
pub fn count<R>(f: impl FnOnce() -> R) -> (R, u64) {
    COUNT.with(|c| c.set(0));
    arm(true);
    let r = f();
    arm(false);
    (r, COUNT.with(Cell::get))
}
