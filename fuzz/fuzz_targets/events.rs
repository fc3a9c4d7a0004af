//! cargo-fuzz target: arbitrary bytes as every typed event of `lambda_zero::events`; see
//! `lambda_zero_fuzz::events`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero_fuzz::events(data));
