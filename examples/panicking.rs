//! A function that panics when the event is `panic` and echoes anything else.
//!
//! Shows that a handler panic becomes that invocation's `Function.Panic` error, with
//! `panic = "unwind"` (caught, the loop goes on) and with `panic = "abort"` (the release
//! profile: a panic hook posts the error, then the process aborts and Lambda restarts it).
//! `tests/panics.rs` runs it both ways.

fn main() {
    lambda_zero::run(|event: &[u8]| {
        if event == b"panic" {
            panic!("asked to panic");
        }
        event
    })
}
