//! Cold start of bootstraps, from spawn to their first `GET /next`, as the mock Runtime API
//! (the `testing` feature) sees it: for bootstraps that make other requests first, such as the
//! internal extension of `Runtime::on_shutdown`, which `lzbench cold-start` does not serve.
//!
//! ```text
//! cargo build --release --features graceful-shutdown --example echo --example graceful_shutdown
//! cargo run --release --features testing --example cold_start -- 200 \
//!     echo=target/release/examples/echo on_shutdown=target/release/examples/graceful_shutdown
//! ```
//!
//! Each run starts a fresh mock, spawns the bootstrap, waits (on the mock's condition variable)
//! until a `/next` is recorded, then kills it. The bootstraps take turns; the first round is not
//! counted (page cache). Prints the median, p10 and p90 per bootstrap.

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use lambda_zero::testing::MockRuntimeApi;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(runs) = args.next().and_then(|n| n.parse::<usize>().ok()) else {
        eprintln!("usage: cold_start RUNS name=bootstrap...");
        return ExitCode::FAILURE;
    };
    let mut bins = Vec::new();
    for arg in args {
        let Some((name, path)) = arg.split_once('=') else {
            eprintln!("not name=path: {arg}");
            return ExitCode::FAILURE;
        };
        bins.push((name.to_string(), PathBuf::from(path)));
    }
    if runs == 0 || bins.is_empty() {
        eprintln!("usage: cold_start RUNS name=bootstrap...");
        return ExitCode::FAILURE;
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); bins.len()];
    for run in 0..=runs {
        for k in 0..bins.len() {
            let i = (run + k) % bins.len();
            match first_next(&bins[i].1) {
                Ok(t) if run > 0 => times[i].push(t),
                Ok(_) => {}
                Err(e) => {
                    eprintln!("{}: {e}", bins[i].0);
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    for ((name, _), mut t) in bins.iter().zip(times) {
        t.sort_unstable();
        let at = |q: f64| t[((t.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
        println!(
            "{name:16} median {:7.0} µs   p10 {:7.0} µs   p90 {:7.0} µs   ({} runs)",
            at(0.5),
            at(0.1),
            at(0.9),
            t.len()
        );
    }
    ExitCode::SUCCESS
}

/// Spawns `bin` against a fresh mock; the time until its first `/next` arrived.
fn first_next(bin: &PathBuf) -> Result<Duration, String> {
    let server = MockRuntimeApi::start().map_err(|e| e.to_string())?;
    let env = server.lambda_env(bin);
    let start = Instant::now();
    let mut child = Command::new(bin)
        .env_clear()
        .envs(env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let mut seen = 0;
    let took = loop {
        let requests = server.wait_requests(seen + 1, Duration::from_secs(5));
        if requests
            .iter()
            .any(|r| r.path.ends_with("/runtime/invocation/next"))
        {
            break Ok(start.elapsed());
        }
        if requests.len() == seen {
            break Err("no /next within 5 s".to_string());
        }
        seen = requests.len();
    };
    let _ = child.kill();
    let _ = child.wait();
    took
}
