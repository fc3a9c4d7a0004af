//! `dynamodb_get` (lambda-zero, tokio driver) against `dynamodb_get_lambda_runtime` (the same
//! function on `lambda_runtime`), each run as a bootstrap process against lambda-zero's mock
//! Runtime API and the fake DynamoDB endpoint of the tests.
//!
//! `--rounds` rounds, the two functions interleaved in each (the order swapped every other
//! round); in each round each function is one fresh process, measured for:
//!
//! - cold start: spawn → first `GET /next`, and spawn → first response (an event is queued
//!   before the spawn: the first GetItem included, SDK config, connection and signing);
//! - warm invocations: `--warmup` invocations, then `--n` timed ones (all queued at once,
//!   served one after another): wall time per invocation, the mock's round trip per invocation
//!   (event sent → response read; median and p99 of the round), the function's CPU time per
//!   invocation (every thread's, from `/proc/<pid>/task/*/schedstat`), its RSS and threads.
//!
//! The table holds the median over the rounds of each figure. Every answer is checked. The
//! function process is pinned to `--cpu` (default 1; `-1` for none) with `taskset`, like a
//! function of up to 1,769 MB that gets one vCPU; the mock and the fake endpoint run in this
//! process, unpinned.
//!
//! `cargo bench --features compare --bench compare -- [--rounds 15] [--warmup 200] [--n 2000] [--cpu 1]`
//! (in `examples/aws-sdk/`; `scripts/aws-sdk-compare.sh` runs it).

// The bench reads fewer of its helpers than the tests do.
#[allow(dead_code)]
#[path = "../tests/common/fake_dynamodb.rs"]
mod fake_dynamodb;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_dynamodb::{FakeDynamoDb, Reply, Request};
use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};

const WAIT: Duration = Duration::from_secs(60);
const EVENT: &str = r#"{"id":"42"}"#;
const ITEM: &str =
    r#"{"Item":{"id":{"S":"42"},"name":{"S":"Ada"},"visits":{"N":"7"},"admin":{"BOOL":true}}}"#;

struct Options {
    rounds: usize,
    warmup: usize,
    n: usize,
    cpu: i64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        rounds: 15,
        warmup: 200,
        n: 2000,
        cpu: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--bench" {
            continue; // cargo bench passes it
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<i64>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--rounds" => o.rounds = number()?.max(1) as usize,
            "--warmup" => o.warmup = number()?.max(0) as usize,
            "--n" => o.n = number()?.max(1) as usize,
            "--cpu" => o.cpu = number()?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(o)
}

/// The bootstrap process, killed when dropped.
struct Bootstrap(Child);

impl Drop for Bootstrap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(bin: &Path, server: &MockRuntimeApi, dynamodb: &FakeDynamoDb, cpu: i64) -> Bootstrap {
    let mut command = if cpu >= 0 {
        let mut c = Command::new("taskset");
        c.arg("-c").arg(cpu.to_string()).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    let child = command
        .env_clear()
        .envs(server.lambda_env(bin))
        .env("TABLE_NAME", "items")
        .env("AWS_ACCESS_KEY_ID", "AKIDLAMBDAZEROTEST")
        .env("AWS_SECRET_ACCESS_KEY", "fake-secret-for-benchmarks")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_DYNAMODB", dynamodb.url())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", bin.display()));
    Bootstrap(child)
}

/// Both functions answer `{"id":"42","found":true,"item":{…}}`, members in either order.
fn check(outcome: &Outcome) {
    let ok = matches!(outcome, Outcome::Response { .. })
        && serde_json::from_slice::<serde_json::Value>(outcome.body()).ok()
            == Some(serde_json::json!({"id": "42", "found": true,
                "item": {"id": "42", "name": "Ada", "visits": 7, "admin": true}}));
    assert!(ok, "unexpected answer: {outcome:?}");
}

/// One process's figures, from one round.
struct Round {
    to_next: Duration,
    to_response: Duration,
    wall_per_invocation: Duration,
    round_trip_median: Duration,
    round_trip_p99: Duration,
    cpu_per_invocation: Duration,
    rss_kib: u64,
    peak_rss_kib: u64,
    threads: usize,
}

/// CPU time of every thread of `pid`, from the scheduler's own accounting (nanoseconds).
fn cpu_time(pid: u32) -> Duration {
    let mut total = 0u64;
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(task.path().join("schedstat")) {
                total += s
                    .split_whitespace()
                    .next()
                    .and_then(|ns| ns.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    Duration::from_nanos(total)
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One round of `bin`: a fresh process, its cold start, then its warm invocations. The pid
/// measured is the function's own (taskset execs it, so it is the child's pid).
fn measure(bin: &Path, dynamodb: &FakeDynamoDb, o: &Options) -> Round {
    let server = MockRuntimeApi::start().unwrap();
    server.push(Invocation::new(EVENT));
    let started = Instant::now();
    let bootstrap = spawn(bin, &server, dynamodb, o.cpu);
    let polls = server.wait_requests(1, WAIT);
    let to_next = started.elapsed();
    assert!(!polls.is_empty(), "{}: no /next", bin.display());
    let first = server.wait_outcomes(1, WAIT);
    let to_response = started.elapsed();
    check(first.first().expect("a first answer"));
    let pid = bootstrap.0.id();
    for _ in 0..o.warmup {
        server.push(Invocation::new(EVENT));
    }
    for outcome in server.wait_outcomes(1 + o.warmup, WAIT) {
        check(&outcome);
    }
    server.take_outcomes();
    let before_rt = server.round_trips().len();
    let cpu_before = cpu_time(pid);
    let started = Instant::now();
    for _ in 0..o.n {
        server.push(Invocation::new(EVENT));
    }
    let answered = server.wait_outcome_count(o.n, WAIT);
    let wall = started.elapsed();
    let cpu = cpu_time(pid).saturating_sub(cpu_before);
    assert_eq!(
        answered,
        o.n,
        "{}: every invocation answered",
        bin.display()
    );
    server.take_outcomes().iter().for_each(check);
    let mut trips: Vec<Duration> = server.round_trips()[before_rt..]
        .iter()
        .map(|t| t.duration())
        .collect();
    trips.sort();
    let threads = std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |d| d.count());
    Round {
        to_next,
        to_response,
        wall_per_invocation: wall / o.n as u32,
        round_trip_median: trips[trips.len() / 2],
        round_trip_p99: trips[(trips.len() * 99 / 100).min(trips.len() - 1)],
        cpu_per_invocation: cpu / o.n as u32,
        rss_kib: status_kib(pid, "VmRSS:"),
        peak_rss_kib: status_kib(pid, "VmHWM:"),
        threads,
    }
}

/// The median over the rounds of one figure.
fn median<T: Copy + Ord>(rounds: &[Round], figure: impl Fn(&Round) -> T) -> T {
    let mut v: Vec<T> = rounds.iter().map(figure).collect();
    v.sort();
    v[v.len() / 2]
}

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("compare: {e}");
            std::process::exit(2);
        }
    };
    let bins = [
        ("lambda-zero", Path::new(env!("CARGO_BIN_EXE_dynamodb_get"))),
        (
            "lambda_runtime",
            Path::new(env!("CARGO_BIN_EXE_dynamodb_get_lambda_runtime")),
        ),
    ];
    let dynamodb = FakeDynamoDb::start(|_r: &Request| Reply::ok(ITEM));
    let mut rounds: Vec<Vec<Round>> = bins.iter().map(|_| Vec::new()).collect();
    for round in 0..o.rounds {
        for k in 0..bins.len() {
            // ABAB, then BABA: neither function always runs first.
            let i = if round % 2 == 0 {
                k
            } else {
                bins.len() - 1 - k
            };
            rounds[i].push(measure(bins[i].1, &dynamodb, &o));
        }
    }

    println!(
        "{} rounds, interleaved; per round and function: one process, cold start, then {} invocations after {} (function on CPU {}); medians over the rounds\n",
        o.rounds,
        o.n,
        o.warmup,
        if o.cpu >= 0 { o.cpu.to_string() } else { "any".into() }
    );
    println!("| | spawn → first /next (ms) | spawn → first response (ms) | wall per invocation (µs) | round trip median / p99 (µs) | CPU per invocation (µs) | RSS / peak RSS (KiB) | threads |");
    println!("|---|---|---|---|---|---|---|---|");
    for ((name, bin), r) in bins.iter().zip(&rounds) {
        let size = std::fs::metadata(bin).map_or(0, |m| m.len());
        println!(
            "| {name} ({:.1} MiB) | {} | {} | {} | {} / {} | {} | {} / {} | {} |",
            size as f64 / (1024.0 * 1024.0),
            ms(median(r, |r| r.to_next)),
            ms(median(r, |r| r.to_response)),
            us(median(r, |r| r.wall_per_invocation)),
            us(median(r, |r| r.round_trip_median)),
            us(median(r, |r| r.round_trip_p99)),
            us(median(r, |r| r.cpu_per_invocation)),
            median(r, |r| r.rss_kib),
            median(r, |r| r.peak_rss_kib),
            median(r, |r| r.threads),
        );
    }
    let ratio = |figure: fn(&Round) -> Duration| {
        median(&rounds[1], figure).as_secs_f64()
            / median(&rounds[0], figure).as_secs_f64().max(1e-12)
    };
    println!(
        "\nlambda_runtime / lambda-zero: spawn → first /next {:.2}×, spawn → first response {:.2}×, CPU per invocation {:.2}×, round trip median {:.2}×",
        ratio(|r| r.to_next),
        ratio(|r| r.to_response),
        ratio(|r| r.cpu_per_invocation),
        ratio(|r| r.round_trip_median),
    );
}
