//! cargo-fuzz target: arbitrary bytes as a JSON event through the untyped and typed adapters
//! (never a panic; bad JSON refused as `Runtime.InvalidJson`; the typed fast path agrees with
//! the tape path). See `lambda_zero::__private::json::event`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero::__private::json::event(data));
