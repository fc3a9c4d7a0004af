//! Fuzz checks for lambda-zero's sans-IO protocol layer.
//!
//! Each cargo-fuzz target in `fuzz_targets/` is a one-line call into a check function here, so
//! the same checks also run under plain `cargo test` (on stable, without libFuzzer) over the
//! committed seeds in `seeds/<target>/`: every crash ever found stays a regression test.
//!
//! - [`next_head`]: `proto::response::parse_head` over arbitrary bytes.
//! - [`body_reader`]: `proto::body::Reader` fed arbitrary responses at arbitrary split points,
//!   against a reference decoder written here ([`reference`]).
//! - [`client`]: the whole runtime loop (`__private::run_over_io`) against a scripted server
//!   answering from an `arbitrary` plan, split at arbitrary points; see [`client`](mod@client).
//! - [`streaming`]: the response-streaming loop (`__private::run_over_io` with a streaming handler) against a
//!   scripted server, with handlers that stream, fail mid-stream and lose their connection; see
//!   [`streaming`](mod@streaming).
//! - [`request_writers`]: every request writer in `proto::request` plus `Error::new`, fed
//!   arbitrary ids, error types and messages; the output is parsed back with `httparse` and
//!   `serde_json`.
//! - [`http_event`]: arbitrary bytes as an HTTP event through `lambda_zero::http::Http`, against
//!   a reference base64 decoder; see [`http_event`](mod@http_event).
//! - [`events`](mod@events): arbitrary bytes as every typed event of `lambda_zero::events`, its
//!   encoded parts decoded (base64 against the reference decoder, gzip); see [`events`](mod@events).
//! - [`inflate`](mod@inflate): arbitrary bytes as a raw DEFLATE stream, the CloudWatch Logs
//!   inflater against zlib-rs; see [`inflate`](mod@inflate).
//! - `json_event` and `json_writer` call `lambda_zero::__private::json` directly.
//!
//! Input layouts are documented on each check and built by [`seed`] for the seed corpora.

pub mod client;
/// The counting global allocator, shared with the crate's zero-allocation tests.
#[path = "../../tests/common/counting.rs"]
pub mod counting;
pub mod events;
pub mod http_event;
/// The vendored HTTP sample events and their sources, shared with the crate's tests.
#[path = "../../tests/common/http_samples.rs"]
pub mod http_samples;
pub mod inflate;
pub mod reference;
pub mod seed;
pub mod streaming;

mod body_reader;
mod next_head;
mod request_writers;

pub use body_reader::{body_reader, BodyInput};
pub use client::{client, ClientInput};
pub use counting::Counting as CountingAlloc;
pub use events::events;
pub use http_event::http_event;
pub use inflate::inflate;
pub use next_head::next_head;
pub use request_writers::{request_writers, WriterInput};
pub use streaming::streaming;

/// A small cursor over fuzz input for hand-made layouts: reading past the end yields zeros and
/// empty slices, so every input decodes to something.
#[derive(Debug)]
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Bytes<'a> {
        Bytes { data }
    }

    /// Next byte, or 0 past the end.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// Next little-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// Next little-endian `u64`.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.u8();
        }
        u64::from_le_bytes(b)
    }

    /// Up to `n` next bytes.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// A field prefixed by its length in one byte.
    pub fn field(&mut self) -> &'a [u8] {
        let n = usize::from(self.u8());
        self.take(n)
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.data)
    }
}

/// The unit tests count the runtime's allocations like the `client` target does.
#[cfg(test)]
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Runs `check` over every file in `seeds/<target>/`; returns how many there were.
    fn replay(target: &str, check: fn(&[u8])) -> usize {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("seeds")
            .join(target);
        let mut n = 0;
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        entries.sort();
        for path in entries {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            eprintln!("{}", path.display());
            check(&data);
            n += 1;
        }
        n
    }

    #[test]
    fn next_head_seeds_pass() {
        assert!(replay("next_head", super::next_head) > 10);
    }

    #[test]
    fn body_reader_seeds_pass() {
        assert!(replay("body_reader", super::body_reader) > 10);
    }

    #[test]
    fn request_writers_seeds_pass() {
        assert!(replay("request_writers", super::request_writers) > 5);
    }

    #[test]
    fn client_seeds_pass() {
        assert!(replay("client", super::client) > 5);
    }

    #[test]
    fn streaming_seeds_pass() {
        assert!(replay("streaming", super::streaming) > 5);
    }

    #[test]
    fn http_event_seeds_pass() {
        assert!(replay("http_event", super::http_event) > 50);
    }

    #[test]
    fn events_seeds_pass() {
        assert!(replay("events", super::events) > 10);
    }

    #[test]
    fn inflate_seeds_pass() {
        assert!(replay("inflate", super::inflate) >= 15);
    }

    #[test]
    fn json_event_seeds_pass() {
        assert!(replay("json_event", lambda_zero::__private::json::event) > 30);
    }

    #[test]
    fn client_seeds_decode_to_their_plans() {
        for (name, input) in super::seed::client_inputs() {
            let bytes = input.encode();
            assert_eq!(
                super::ClientInput::decode(&bytes).as_ref(),
                Some(&input),
                "{name}"
            );
        }
    }

    #[test]
    fn committed_seeds_match_the_generator() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        for (target, name, bytes) in super::seed::all() {
            let path = root.join(target).join(&name);
            if std::env::var_os("UPDATE_SEEDS").is_some() {
                std::fs::create_dir_all(root.join(target)).unwrap_or_else(|e| panic!("{e}"));
                std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                continue;
            }
            let on_disk = std::fs::read(&path).unwrap_or_default();
            assert!(
                on_disk == bytes,
                "{} is missing or stale: run `UPDATE_SEEDS=1 cargo test` in fuzz/",
                path.display()
            );
        }
    }
}
