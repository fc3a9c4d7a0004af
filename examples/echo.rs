//! The echo function: answers every event with the event itself.
//!
//! This is the bootstrap every measurement in this repository uses; keep its name and behaviour.
//! Build a deployable arm64 bootstrap with `scripts/build-arm64.sh`.

fn main() {
    lambda_zero::run(|event: &[u8]| event)
}
