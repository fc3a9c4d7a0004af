//! The counting global allocator of the zero-allocation tests and of the `client` fuzz target
//! (which includes this file): counts the allocations (not the frees) of the threads that armed
//! it, into a count of this thread and a process-wide total (with their bytes), except inside
//! [`uncounted`]. Install it in a test crate with
//! `#[global_allocator] static GLOBAL: counting::Counting = counting::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Forwards to [`System`], counting every allocation of an armed thread.
pub struct Counting;

/// Allocations of every armed thread since the last [`reset_total`].
static TOTAL: AtomicU64 = AtomicU64::new(0);
/// The bytes they asked for.
static TOTAL_BYTES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static PAUSED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: the thread-locals may be gone while a thread shuts down.
    let armed = ARMED.try_with(Cell::get).unwrap_or(false);
    if armed && !PAUSED.try_with(Cell::get).unwrap_or(true) {
        TOTAL.fetch_add(1, Ordering::Relaxed);
        TOTAL_BYTES.fetch_add(size as u64, Ordering::Relaxed);
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees hold; the counting touches only an atomic and const-initialised thread-locals
// (neither allocates, so there is no re-entry).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
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

/// Sets the process-wide totals back to zero.
#[allow(dead_code)]
pub fn reset_total() {
    TOTAL.store(0, Ordering::Relaxed);
    TOTAL_BYTES.store(0, Ordering::Relaxed);
}

/// The bytes asked for by the allocations [`total`] counts.
#[allow(dead_code)]
pub fn total_bytes() -> u64 {
    TOTAL_BYTES.load(Ordering::Relaxed)
}

/// Runs `f` without counting its allocations, even on an armed thread (a test harness's own
/// work inside the code under test, such as a scripted server behind an `Io`).
#[allow(dead_code)]
pub fn uncounted<R>(f: impl FnOnce() -> R) -> R {
    let was = PAUSED.with(|p| p.replace(true));
    let r = f();
    PAUSED.with(|p| p.set(was));
    r
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
