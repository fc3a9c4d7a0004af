//! cargo-fuzz target: the response-streaming loop against a scripted server; see
//! `lambda_zero_fuzz::streaming` for the input layout and what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero_fuzz::streaming(data));
