//! The same axum app (`src/axum_app.rs`) as two bootstrap processes: `axum_app` on
//! lambda-zero's tower bridge and `axum_app_lambda_http` on `lambda_http` + `lambda_runtime`,
//! each against lambda-zero's mock Runtime API, on the same event.
//!
//! `--rounds` rounds, the two interleaved in each (order swapped every other round); in each
//! round each bootstrap is one fresh process, measured for:
//!
//! - cold start: spawn → first `GET /next` (an event is queued before the spawn), and spawn →
//!   first response;
//! - warm invocations: `--warmup` invocations, then `--n` timed ones (queued at once, served
//!   one after another): CPU per invocation as utime + stime of the process from
//!   `/proc/<pid>/stat` (clock ticks, every thread) and from the scheduler's own accounting
//!   (`/proc/<pid>/task/*/schedstat`, nanoseconds), wall time per invocation, the mock's round
//!   trip median, RSS and peak RSS (`VmRSS`, `VmHWM`) and threads at the end.
//!
//! The table holds the median over the rounds. Every answer is checked against the first
//! one. The bootstrap is pinned to `--cpu` (default 1; `-1` for none) with `taskset`: one CPU,
//! as a function of up to 1,769 MB gets; the mock runs in this process, unpinned.
//!
//! `cargo bench --bench axum_process -- [--rounds 11] [--warmup 500] [--n 5000] [--cpu 1]
//! [--event tests/events/example-apigw-request.json]` (in `benches/compare-http/`;
//! `scripts/compare-axum.sh` runs it).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};

#[path = "../../support/proc_stats.rs"]
mod proc_stats;
use proc_stats::{clock_ticks_per_second, sched_time, status_kib, threads, utime_stime};

const WAIT: Duration = Duration::from_secs(120);

struct Options {
    rounds: usize,
    warmup: usize,
    n: usize,
    cpu: i64,
    event: PathBuf,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        rounds: 11,
        warmup: 500,
        n: 5000,
        cpu: 1,
        event: lambda_zero_compare_http::events_dir().join("example-apigw-request.json"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--bench" {
            continue; // cargo bench passes it
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        if flag == "--event" {
            o.event = PathBuf::from(value);
            continue;
        }
        let number = value
            .parse::<i64>()
            .map_err(|_| format!("{flag}: not a number: {value}"))?;
        match flag.as_str() {
            "--rounds" => o.rounds = number.max(1) as usize,
            "--warmup" => o.warmup = number.max(0) as usize,
            "--n" => o.n = number.max(1) as usize,
            "--cpu" => o.cpu = number,
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

fn spawn(bin: &Path, server: &MockRuntimeApi, cpu: i64) -> Bootstrap {
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
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{} does not start: {e}", bin.display()));
    Bootstrap(child)
}

/// The answer as JSON, its `body` parsed too when it is JSON, `headers` members sorted.
fn answer(outcome: &Outcome) -> serde_json::Value {
    assert!(
        matches!(outcome, Outcome::Response { .. }),
        "not a response: {outcome:?}"
    );
    let mut v: serde_json::Value = serde_json::from_slice(outcome.body()).expect("JSON");
    if let Some(body) = v["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
    {
        v["body"] = body;
    }
    v
}

/// One process's figures, from one round.
struct Round {
    to_next: Duration,
    to_response: Duration,
    ticks_cpu_per_invocation: Duration,
    sched_cpu_per_invocation: Duration,
    wall_per_invocation: Duration,
    round_trip_median: Duration,
    rss_kib: u64,
    peak_rss_kib: u64,
    threads: usize,
}

/// One round of `bin`; `expected` is the answer every invocation must give.
fn measure(bin: &Path, event: &[u8], expected: &serde_json::Value, o: &Options) -> Round {
    let server = MockRuntimeApi::start().unwrap();
    server.push(Invocation::new(event.to_vec()));
    let started = Instant::now();
    let bootstrap = spawn(bin, &server, o.cpu);
    let polls = server.wait_requests(1, WAIT);
    let to_next = started.elapsed();
    assert!(!polls.is_empty(), "{}: no /next", bin.display());
    let first = server.wait_outcomes(1, WAIT);
    let to_response = started.elapsed();
    let check = |outcome: &Outcome| {
        assert_eq!(&answer(outcome), expected, "{}", bin.display());
    };
    check(first.first().expect("a first answer"));
    let pid = bootstrap.0.id();
    for _ in 0..o.warmup {
        server.push(Invocation::new(event.to_vec()));
    }
    for outcome in server.wait_outcomes(1 + o.warmup, WAIT) {
        check(&outcome);
    }
    server.take_outcomes();
    let before_rt = server.round_trips().len();
    let ticks_before = utime_stime(pid, clock_ticks_per_second());
    let sched_before = sched_time(pid);
    let started = Instant::now();
    for _ in 0..o.n {
        server.push(Invocation::new(event.to_vec()));
    }
    let answered = server.wait_outcome_count(o.n, WAIT);
    let wall = started.elapsed();
    let ticks = utime_stime(pid, clock_ticks_per_second()).saturating_sub(ticks_before);
    let sched = sched_time(pid).saturating_sub(sched_before);
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
    Round {
        to_next,
        to_response,
        ticks_cpu_per_invocation: ticks / o.n as u32,
        sched_cpu_per_invocation: sched / o.n as u32,
        wall_per_invocation: wall / o.n as u32,
        round_trip_median: trips[trips.len() / 2],
        rss_kib: status_kib(pid, "VmRSS:"),
        peak_rss_kib: status_kib(pid, "VmHWM:"),
        threads: threads(pid),
    }
}

fn median<T: Copy + PartialOrd>(rounds: &[Round], figure: impl Fn(&Round) -> T) -> T {
    let mut v: Vec<T> = rounds.iter().map(figure).collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

/// The first answer of `bin` to `event`, from a process of its own.
fn first_answer(bin: &Path, event: &[u8], cpu: i64) -> serde_json::Value {
    let server = MockRuntimeApi::start().unwrap();
    server.push(Invocation::new(event.to_vec()));
    let _bootstrap = spawn(bin, &server, cpu);
    answer(server.wait_outcomes(1, WAIT).first().expect("an answer"))
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("axum_process: {e}");
            std::process::exit(2);
        }
    };
    let event = std::fs::read(&o.event).unwrap_or_else(|e| panic!("{}: {e}", o.event.display()));
    let bins = [
        (
            "lambda-zero tower",
            Path::new(env!("CARGO_BIN_EXE_axum_app")),
        ),
        (
            "lambda_http + lambda_runtime",
            Path::new(env!("CARGO_BIN_EXE_axum_app_lambda_http")),
        ),
    ];
    // Each bootstrap's answers are checked against its own first one; the two agree on the
    // status and the body (tests/axum.rs compares every header as the client reads them).
    let expected: Vec<serde_json::Value> = bins
        .iter()
        .map(|(_, bin)| first_answer(bin, &event, o.cpu))
        .collect();
    assert_eq!(
        (&expected[0]["statusCode"], &expected[0]["body"]),
        (&expected[1]["statusCode"], &expected[1]["body"]),
        "both bootstraps answer the bench event alike"
    );
    let mut rounds: Vec<Vec<Round>> = bins.iter().map(|_| Vec::new()).collect();
    for round in 0..o.rounds {
        for k in 0..bins.len() {
            let i = if round % 2 == 0 {
                k
            } else {
                bins.len() - 1 - k
            };
            rounds[i].push(measure(bins[i].1, &event, &expected[i], &o));
        }
    }

    let name = o
        .event
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    println!(
        "axum app, event {name} ({} B); {} rounds, interleaved; per round and bootstrap: one process, cold start, then {} invocations after {} (bootstrap on CPU {}); medians over the rounds\n",
        event.len(),
        o.rounds,
        o.n,
        o.warmup,
        if o.cpu >= 0 { o.cpu.to_string() } else { "any".into() }
    );
    println!("| | CPU per invocation, utime+stime (µs) | CPU per invocation, schedstat (µs) | spawn → first /next (ms) | spawn → first response (ms) | wall per invocation (µs) | round trip median (µs) | RSS / peak RSS (KiB) | threads |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for ((name, bin), r) in bins.iter().zip(&rounds) {
        let size = std::fs::metadata(bin).map_or(0, |m| m.len());
        println!(
            "| {name} ({:.1} MiB) | {} | {} | {} | {} | {} | {} | {} / {} | {} |",
            size as f64 / (1024.0 * 1024.0),
            us(median(r, |r| r.ticks_cpu_per_invocation)),
            us(median(r, |r| r.sched_cpu_per_invocation)),
            ms(median(r, |r| r.to_next)),
            ms(median(r, |r| r.to_response)),
            us(median(r, |r| r.wall_per_invocation)),
            us(median(r, |r| r.round_trip_median)),
            median(r, |r| r.rss_kib),
            median(r, |r| r.peak_rss_kib),
            median(r, |r| r.threads),
        );
    }
    let ratio = |figure: fn(&Round) -> Duration| {
        median(&rounds[1], figure).as_secs_f64()
            / median(&rounds[0], figure).as_secs_f64().max(1e-12)
    };
    let peak = median(&rounds[1], |r| r.peak_rss_kib) as f64
        / median(&rounds[0], |r| r.peak_rss_kib).max(1) as f64;
    println!(
        "\nlambda_http / lambda-zero: CPU per invocation {:.2}× (utime+stime), {:.2}× (schedstat); spawn → first /next {:.2}×; round trip {:.2}×; peak RSS {:.2}× (target: 2× less CPU per invocation)",
        ratio(|r| r.ticks_cpu_per_invocation),
        ratio(|r| r.sched_cpu_per_invocation),
        ratio(|r| r.to_next),
        ratio(|r| r.round_trip_median),
        peak,
    );
}
