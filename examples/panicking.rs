//! A function that panics when the event is `panic`, sleeps 300 ms before answering when it is
//! `slow`, and echoes anything else; one handler per worker under `AWS_LAMBDA_MAX_CONCURRENCY`.
//!
//! Shows that a handler panic becomes that invocation's `Function.Panic` error, with
//! `panic = "unwind"` (caught, the loop goes on) and with `panic = "abort"` (the release
//! profile: a panic hook posts the error, lets the other workers answer the invocations they
//! hold, then the process aborts and Lambda restarts it). `tests/panics.rs` runs it both ways.

#![allow(clippy::result_large_err)] // lambda_zero::Error is inline (about 1.1 KiB), never boxed

use std::time::Duration;

use lambda_zero::{handler_fn, Error, Runtime};

fn main() {
    let served = Runtime::from_env().and_then(|rt| {
        rt.run_with_init(|_config| {
            Ok::<_, Error>(handler_fn(|event: &mut [u8], _ctx| {
                match &*event {
                    b"panic" => panic!("asked to panic"),
                    b"slow" => std::thread::sleep(Duration::from_millis(300)),
                    _ => {}
                }
                Ok(&*event)
            }))
        })
    });
    if let Err(e) = served {
        lambda_zero::error!("{e}");
        std::process::exit(1);
    }
}
