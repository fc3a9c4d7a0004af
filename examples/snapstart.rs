//! A function ready for Lambda SnapStart: a value drawn at init that must not be shared by the
//! execution environments restored from one snapshot is drawn again after each restore.
//!
//! Every invocation answers with this environment's id (16 hex digits). The id is drawn from
//! `/dev/urandom` at init, so under SnapStart every environment restored from the snapshot
//! would start with the same one: the after-restore hook draws a new one. The before-snapshot
//! hook is where a real function closes what must not be in the snapshot (connections,
//! credentials); here it only says so. With `on_shutdown` (feature `graceful-shutdown`) the
//! runtime's internal extension is registered too, and its connection is opened again after
//! the restore like the Runtime API's.
//!
//! Outside SnapStart (`AWS_LAMBDA_INITIALIZATION_TYPE` other than `snap-start`) the hooks do
//! not run and the function serves as any other. `tests/snapstart_example.rs` runs it against the mock
//! Runtime API through a snapshot; `Dockerfile` packages it as a `provided.al2023`
//! container image.
//!
//! ```text
//! cargo build --release --example snapstart
//! ```

use std::fs::File;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use lambda_zero::{Context, Error, Handler, Runtime, RuntimeError};

/// A fresh random id (the clock if `/dev/urandom` cannot be read).
fn draw_id() -> u64 {
    let mut bytes = [0u8; 8];
    match File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    }
}

/// Answers with the environment's id, written into a reused buffer.
struct Environment {
    id: Arc<AtomicU64>,
    out: [u8; 16],
}

impl Handler for Environment {
    fn handle<'a>(
        &'a mut self,
        _event: &'a mut [u8],
        _ctx: &Context<'_>,
    ) -> Result<&'a [u8], Error> {
        let id = self.id.load(Ordering::Relaxed);
        for (i, byte) in self.out.iter_mut().enumerate() {
            *byte = b"0123456789abcdef"[(id >> (60 - 4 * i) & 0xf) as usize];
        }
        Ok(&self.out)
    }
}

// `lambda_zero::Error` keeps its message inline (no allocation when an invocation fails).
#[allow(clippy::result_large_err)]
fn main() -> Result<(), RuntimeError> {
    let id = Arc::new(AtomicU64::new(draw_id()));
    println!("init: environment {:016x}", id.load(Ordering::Relaxed));
    let redrawn = Arc::clone(&id);
    Runtime::from_env()?
        .before_snapshot(|| {
            println!("before-snapshot: nothing to close");
            Ok(())
        })
        .after_restore(move || {
            let fresh = draw_id();
            redrawn.store(fresh, Ordering::Relaxed);
            println!("after-restore: environment {fresh:016x}");
            Ok(())
        })
        .on_shutdown(|| println!("shutting down"))
        .run_with_init(move |_config| {
            Ok(Environment {
                id: Arc::clone(&id),
                out: [0; 16],
            })
        })
}
