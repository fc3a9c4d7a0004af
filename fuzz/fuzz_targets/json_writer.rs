//! cargo-fuzz target: a JSON value built from arbitrary bytes, written with `JsonWriter`, must
//! parse back to the same value; a too-small buffer fails cleanly. See
//! `lambda_zero::__private::json::writer`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero::__private::json::writer(data));
