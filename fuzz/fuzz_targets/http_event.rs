//! cargo-fuzz target: arbitrary bytes as an HTTP event through `lambda_zero::http::Http`; see
//! `lambda_zero_fuzz::http_event`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero_fuzz::http_event(data));
