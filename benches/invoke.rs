//! Invocation round trip, seen from Lambda's side: three echo bootstraps, each a separate
//! process as Lambda runs it, against the mock Runtime API in this process
//! (`benches/support/mock.rs`), one benchmark group per event size.
//!
//! - `lambda-zero`: `examples/echo.rs`.
//! - `lambda_runtime`: the official runtime's echo (`benches/compare`, tokio + hyper).
//! - `floor`: a blocking `std::net` client that does only what the protocol needs
//!   (`benches/compare/src/bin/floor-echo.rs`): the cost of the two HTTP exchanges themselves.
//!
//! One iteration is one invocation: the event goes out, the response comes back, the `202` goes
//! out (with the next event when the bootstrap has already asked for it). The bench process and
//! the bootstrap are pinned to one CPU (a wakeup across CPUs costs tens of µs on small VMs and
//! would swamp the runtime's own cost).
//!
//! Bootstraps: `$LZ_BENCH_LAMBDA_ZERO`, `$LZ_BENCH_LAMBDA_RUNTIME`, `$LZ_BENCH_FLOOR` (set by
//! `scripts/bench.sh`); any that is unset is built here with the `bench` profile into
//! `target/lz-bench-bootstraps`. `$LZ_BENCH_RUNTIMES` (comma-separated names) runs a subset;
//! `$LZ_BENCH_CPU` picks the CPU (`none`: no pinning). Events: see `mock::bench_events`
//! (`$LZ_EVENTS_DIR` overrides `tests/events`).

#[path = "support/mock.rs"]
mod mock;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use mock::{Event, Mock};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// Invocations before measuring, with every response checked byte for byte.
const WARMUP_INVOCATIONS: u64 = 300;

/// Prints `what` and exits: a benchmark that cannot run must not report numbers.
fn fail(what: impl std::fmt::Display) -> ! {
    eprintln!("invoke bench: {what}");
    std::process::exit(1)
}

/// The target directory cargo builds this bench into.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    // The bench runs from <target>/release/deps/invoke-<hash>.
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(REPO).join("target"))
}

fn cargo_build(args: &[&str], target: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "invoke bench: building bootstraps: cargo {}",
        args.join(" ")
    );
    let status = Command::new(cargo)
        .args(args)
        .arg("--target-dir")
        .arg(target)
        .current_dir(REPO)
        .status()
        .unwrap_or_else(|e| fail(format!("cannot run cargo: {e}")));
    if !status.success() {
        fail(format!("cargo {} failed ({status})", args.join(" ")));
    }
}

/// The bootstraps to measure, by name, located or built.
fn bootstraps() -> Vec<(&'static str, PathBuf)> {
    let wanted = std::env::var("LZ_BENCH_RUNTIMES")
        .unwrap_or_else(|_| "lambda-zero,lambda_runtime,floor".into());
    let wanted: Vec<&str> = wanted.split(',').map(str::trim).collect();
    // A separate target directory: the one this bench runs from may be locked by cargo.
    let own = target_dir().join("lz-bench-bootstraps");
    let mut list = Vec::new();
    for (name, var) in [
        ("lambda-zero", "LZ_BENCH_LAMBDA_ZERO"),
        ("lambda_runtime", "LZ_BENCH_LAMBDA_RUNTIME"),
        ("floor", "LZ_BENCH_FLOOR"),
    ] {
        if !wanted.contains(&name) {
            continue;
        }
        let path = match std::env::var_os(var) {
            Some(p) => PathBuf::from(p),
            None if name == "lambda-zero" => {
                cargo_build(&["build", "--profile", "bench", "--example", "echo"], &own);
                own.join("release/examples/echo")
            }
            None => {
                let bin = if name == "floor" {
                    "floor-echo"
                } else {
                    "lambda-runtime-echo"
                };
                cargo_build(
                    &[
                        "build",
                        "--profile",
                        "bench",
                        "--manifest-path",
                        "benches/compare/Cargo.toml",
                        "--bin",
                        bin,
                    ],
                    &own,
                );
                own.join("release").join(bin)
            }
        };
        if !path.is_file() {
            fail(format!(
                "{name}: no bootstrap at {} (${var})",
                path.display()
            ));
        }
        list.push((name, path));
    }
    list
}

/// One bootstrap process connected to its own mock, warmed up.
struct Running {
    mock: Mock,
    child: Child,
}

impl Running {
    fn start(path: &Path, event: &mut Event) -> Running {
        let mock = Mock::bind().unwrap_or_else(|e| fail(format!("mock: {e}")));
        let addr = mock.addr().unwrap_or_else(|e| fail(format!("mock: {e}")));
        let child = mock::spawn_bootstrap(path, &[], addr).unwrap_or_else(|e| fail(e));
        let mut running = Running { mock, child };
        let Running { mock, child } = &mut running;
        if let Err(e) = mock
            .accept(child)
            .and_then(|()| mock.serve(event, WARMUP_INVOCATIONS, true, |_| {}))
        {
            running.abort(format!("{}: {e}", path.display()));
        }
        running
    }

    fn serve(&mut self, event: &mut Event, n: u64) -> Duration {
        let start = Instant::now();
        if let Err(e) = self.mock.serve(event, n, false, |_| {}) {
            self.abort(e);
        }
        start.elapsed()
    }

    fn abort(&mut self, what: impl std::fmt::Display) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let err = mock::stderr_of(&mut self.child);
        fail(format!("{what}\n--- bootstrap stderr ---\n{err}"))
    }

    fn stop(mut self) {
        if let Err(e) = self.mock.finish() {
            self.abort(e);
        }
        match mock::reap(&mut self.child, Duration::from_secs(10)) {
            Ok(Some(_)) => {}
            Ok(None) => fail("the bootstrap did not exit after a 500 from /next"),
            Err(e) => fail(e),
        }
    }
}

fn invoke(c: &mut Criterion) {
    match std::env::var("LZ_BENCH_CPU").as_deref() {
        Ok("none") => {}
        other => {
            let cpu = other.ok().and_then(|v| v.parse().ok()).unwrap_or(0);
            if let Err(e) = mock::pin_to_cpu(cpu) {
                fail(format!("cannot pin to CPU {cpu}: {e}"));
            }
        }
    }
    let events = mock::bench_events(&mock::events_dir(Path::new(REPO))).unwrap_or_else(|e| fail(e));
    let bootstraps = bootstraps();
    for (event_name, body) in events {
        let mut event = Event::new(body);
        let mut group = c.benchmark_group(format!("invoke-{event_name}"));
        group.throughput(Throughput::Elements(1));
        for (name, path) in &bootstraps {
            let mut running = Running::start(path, &mut event);
            group.bench_function(*name, |b| {
                b.iter_custom(|iters| running.serve(&mut event, iters))
            });
            running.stop();
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = invoke
}
criterion_main!(benches);
