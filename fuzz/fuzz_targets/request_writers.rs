//! cargo-fuzz target: see `lambda_zero_fuzz::request_writers` for the input layout and what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero_fuzz::request_writers(data));
