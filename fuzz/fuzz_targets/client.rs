//! cargo-fuzz target: the whole runtime loop against a scripted server; see
//! `lambda_zero_fuzz::client` for the input layout and what is checked.
#![no_main]

/// Counts the runtime's allocations, so the check can assert the loop makes none.
#[global_allocator]
static ALLOC: lambda_zero_fuzz::CountingAlloc = lambda_zero_fuzz::CountingAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero_fuzz::client(data));
