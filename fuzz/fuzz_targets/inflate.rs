//! cargo-fuzz target: arbitrary bytes as a raw DEFLATE stream, inflated by lambda-zero's
//! CloudWatch Logs inflater and by zlib-rs: the same output and bytes taken, or both refuse.
//! See `lambda_zero_fuzz::inflate`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lambda_zero_fuzz::inflate(data));
