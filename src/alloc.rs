//! A global allocator for functions that reserve large buffers at init (Linux).
//!
//! lambda-zero reserves its buffers once, for the largest event and response Lambda allows
//! (6 MiB each, more for the JSON parser's index), and relies on the kernel to commit them page
//! by page as events reach into them. The C allocator gives each such block its own mapping but
//! writes its bookkeeping into it (musl at both ends, glibc at the start), so every reserved
//! buffer costs one or two page faults and 4 to 8 KiB of RSS at init even if no event ever
//! touches it. [`MappedLarge`] maps blocks of [`MAPPED_LARGE_THRESHOLD`] bytes or more straight
//! from the kernel (`mmap`, no header: zeroed, and nothing is written until the program does)
//! and passes every other request to [`std::alloc::System`].
//!
//! ```no_run
//! #[cfg(target_os = "linux")]
//! #[global_allocator]
//! static ALLOCATOR: lambda_zero::alloc::MappedLarge = lambda_zero::alloc::MappedLarge;
//! # fn main() {}
//! ```
//!
//! `lambda-zero-adapter` is built with it.

// The mapping calls and the allocator contract are unsafe by nature; each block says why it
// holds.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::ptr;
use std::alloc::System;

/// The size from which [`MappedLarge`] maps a block itself: 1 MiB.
pub const MAPPED_LARGE_THRESHOLD: usize = 1 << 20;

/// The largest alignment a mapping is known to have (the smallest page size Linux uses).
const PAGE: usize = 4096;

/// A [`GlobalAlloc`]: blocks of at least [`MAPPED_LARGE_THRESHOLD`] bytes (with an alignment of
/// at most 4 KiB) are anonymous private mappings of their own; everything else is
/// [`std::alloc::System`]'s. See the [module documentation](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct MappedLarge;

/// Whether a block of `layout` is (or was) mapped by [`MappedLarge`]: the same answer at
/// allocation and at deallocation, since both see the same layout.
#[inline]
fn is_mapped(layout: Layout) -> bool {
    layout.size() >= MAPPED_LARGE_THRESHOLD && layout.align() <= PAGE
}

fn map(size: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping at an address of the kernel's choosing touches no
    // existing memory; the result is checked against MAP_FAILED before use.
    let p = unsafe {
        libc::mmap(
            ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        ptr::null_mut()
    } else {
        p.cast()
    }
}

// SAFETY: every block is either System's (its own contract) or a fresh mapping of at least
// `layout.size()` bytes, page-aligned (so aligned for any `layout` `is_mapped` accepts), zeroed
// by the kernel, and unmapped only by `dealloc`/`realloc` with the layout it was made for.
unsafe impl GlobalAlloc for MappedLarge {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_mapped(layout) {
            map(layout.size())
        } else {
            // SAFETY: the caller's contract (a layout of non-zero size) is passed on as is.
            unsafe { System.alloc(layout) }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_mapped(layout) {
            // A new anonymous mapping reads as zeros.
            map(layout.size())
        } else {
            // SAFETY: as in `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        if is_mapped(layout) {
            // SAFETY: `block` was mapped by `map(layout.size())` (the caller passes the layout
            // it was allocated with, and `is_mapped` says so), and is not used after this.
            unsafe {
                libc::munmap(block.cast(), layout.size());
            }
        } else {
            // SAFETY: `block` came from System with `layout` (same `is_mapped` answer).
            unsafe { System.dealloc(block, layout) }
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` rounded up to the alignment does not overflow.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (is_mapped(layout), is_mapped(new_layout)) {
            // SAFETY: System's block, resized by System within its own contract.
            (false, false) => unsafe { System.realloc(block, layout, new_size) },
            (true, true) => {
                // SAFETY: `block` is a mapping of `layout.size()` bytes made by `map`; the
                // kernel moves or grows it and keeps its contents; checked against MAP_FAILED.
                let p = unsafe {
                    libc::mremap(block.cast(), layout.size(), new_size, libc::MREMAP_MAYMOVE)
                };
                if p == libc::MAP_FAILED {
                    ptr::null_mut()
                } else {
                    p.cast()
                }
            }
            _ => {
                // SAFETY: `new_layout` has a non-zero size (the caller's contract).
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    // SAFETY: both blocks are live and distinct, and the copy stays within the
                    // smaller of the two sizes; `block` is freed once, with its own layout.
                    unsafe {
                        ptr::copy_nonoverlapping(block, new, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                }
                new
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_are_zeroed_writable_and_freed_with_their_layout() {
        let a = MappedLarge;
        let layout = Layout::from_size_align(6 << 20, 8).unwrap();
        // SAFETY: a non-zero layout; the block is used within its size and freed once.
        unsafe {
            let p = a.alloc_zeroed(layout);
            assert!(!p.is_null());
            assert_eq!(p as usize % PAGE, 0, "a mapping is page-aligned");
            assert_eq!(*p, 0);
            assert_eq!(*p.add(layout.size() - 1), 0);
            *p.add(12345) = 7;
            a.dealloc(p, layout);
        }
    }

    #[test]
    fn realloc_keeps_contents_across_the_threshold_both_ways() {
        let a = MappedLarge;
        let small = Layout::from_size_align(4096, 16).unwrap();
        // SAFETY: each block is used within its current size, and freed once.
        unsafe {
            let p = a.alloc(small);
            assert!(!p.is_null());
            for i in 0..small.size() {
                *p.add(i) = i as u8;
            }
            let big = a.realloc(p, small, 2 * MAPPED_LARGE_THRESHOLD);
            assert!(!big.is_null());
            assert!((0..small.size()).all(|i| *big.add(i) == i as u8));
            let big_layout = Layout::from_size_align(2 * MAPPED_LARGE_THRESHOLD, 16).unwrap();
            let bigger = a.realloc(big, big_layout, 3 * MAPPED_LARGE_THRESHOLD);
            assert!(!bigger.is_null());
            assert!((0..small.size()).all(|i| *bigger.add(i) == i as u8));
            let bigger_layout = Layout::from_size_align(3 * MAPPED_LARGE_THRESHOLD, 16).unwrap();
            let back = a.realloc(bigger, bigger_layout, 100);
            assert!(!back.is_null());
            assert!((0..100).all(|i| *back.add(i) == i as u8));
            a.dealloc(back, Layout::from_size_align(100, 16).unwrap());
        }
    }

    #[test]
    fn over_aligned_and_small_blocks_go_to_the_system_allocator() {
        assert!(!is_mapped(Layout::from_size_align(4 << 20, 8192).unwrap()));
        assert!(!is_mapped(
            Layout::from_size_align(MAPPED_LARGE_THRESHOLD - 1, 8).unwrap()
        ));
        assert!(is_mapped(
            Layout::from_size_align(MAPPED_LARGE_THRESHOLD, 4096).unwrap()
        ));
    }
}
