//! `lambda-zero-adapter` against the AWS Lambda Web Adapter (`lambda-adapter`, from crates.io),
//! process against process: the same app (`src/bin/web_app.rs`, one process for the whole
//! run), the same events, lambda-zero's mock Runtime API (and Extensions API, which the Lambda
//! Web Adapter registers with), each adapter as the `bootstrap` serving the app already
//! listening (no app command: both adapters' measurement mode).
//!
//! `--rounds` rounds; in each, for each event, each adapter is one fresh process (the two
//! interleaved, order swapped every other round), measured for:
//!
//! - cold start: spawn → first `GET /next` with the app already ready (an event is queued
//!   before the spawn, so the first `/next` is answered at once; the mock stamps the moment),
//!   and spawn → first response;
//! - warm requests: `--warmup` invocations, then `--n` timed ones (queued at once, served one
//!   after another): the round trip of each as the mock sees it (event written → response
//!   read: the adapter, the app and back), p50 and p99; the adapter's CPU per request as
//!   utime + stime of its process (every thread, `/proc/<pid>/stat`) and as the scheduler's
//!   accounting (`/proc/<pid>/task/*/schedstat`); its RSS and peak RSS (`VmRSS`, `VmHWM`) and
//!   threads at the end.
//!
//! The adapter and the app are pinned to `--cpu` (default 1; `-1` for none), the affinity set
//! in the child between fork and exec (no `taskset` process inside the cold start): one CPU
//! for both, as a function of up to 1,769 MB has; the mock runs in this process, kept off that
//! CPU (it stands for Lambda's Runtime API, which does not run on the function's CPU).
//! Every answer is checked: status 200 and the app's JSON body for the forwarded request, the
//! same method and body length from both adapters.
//!
//! `LZ_ADAPTER=… LWA_ADAPTER=… cargo bench --bench adapter_process -- [--rounds 11]
//! [--warmup 500] [--n 5000] [--cpu 1] [--mode buffered|response_stream] [--event FILE]...`
//! (in `benches/compare-adapter/`; `scripts/compare-adapter.sh` builds both adapters and runs
//! it).

use std::net::TcpListener;
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
    mode: String,
    events: Vec<PathBuf>,
}

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/events")
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        rounds: 11,
        warmup: 500,
        n: 5000,
        cpu: 1,
        mode: "buffered".into(),
        events: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--bench" {
            continue; // cargo bench passes it
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--event" => o.events.push(PathBuf::from(value)),
            "--mode" if value == "buffered" || value == "response_stream" => o.mode = value,
            "--mode" => return Err(format!("--mode: buffered or response_stream, not {value}")),
            _ => {
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
        }
    }
    if o.events.is_empty() {
        o.events = [
            "example-apigw-request.json",
            "example-apigw-v2-request-no-authorizer.json",
            "example-alb-lambda-target-request-headers-only.json",
        ]
        .iter()
        .map(|name| events_dir().join(name))
        .collect();
    }
    Ok(o)
}

/// A child process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Pins the calling thread (and the threads and processes it starts from now on) to the CPUs
/// `cpus` (indices below 1024) lists.
fn pin_this_thread(cpus: impl IntoIterator<Item = usize>) {
    // SAFETY: a cpu_set_t is a plain bit set, valid when zeroed.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for cpu in cpus {
        assert!(
            cpu < libc::CPU_SETSIZE as usize,
            "CPU {cpu}: beyond CPU_SETSIZE"
        );
        // SAFETY: `cpu` is below CPU_SETSIZE (asserted above), the bit set's size.
        unsafe { libc::CPU_SET(cpu, &mut set) };
    }
    // SAFETY: sched_setaffinity(0, ..) reads `size_of::<cpu_set_t>()` bytes of `set`, a live
    // local of that size, and changes only the calling thread's affinity.
    let rc = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    assert_eq!(
        rc,
        0,
        "sched_setaffinity: {}",
        std::io::Error::last_os_error()
    );
}

/// Keeps this process (the mock Runtime API, standing for Lambda's, outside the function's
/// CPU) off `cpu` when the machine has another one.
fn keep_off(cpu: i64) {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpu >= 0 && n > 1 {
        pin_this_thread((0..n).filter(|&c| c as i64 != cpu));
    }
}

/// Spawns `command` pinned to `cpu` (`-1`: anywhere) and returns it with the moment just
/// before the spawn. The spawn runs on a thread pinned to `cpu`, which the child inherits, so
/// std spawns it the fast way (posix_spawn, no pre-exec hook) and no `taskset` process enters
/// the cold start.
fn spawn_pinned(mut command: Command, cpu: i64, what: &Path) -> (Process, Instant) {
    std::thread::scope(|s| {
        s.spawn(|| {
            if cpu >= 0 {
                pin_this_thread([cpu as usize]);
            }
            let started = Instant::now();
            let child = command
                .spawn()
                .unwrap_or_else(|e| panic!("{} does not start: {e}", what.display()));
            (Process(child), started)
        })
        .join()
        .expect("the spawning thread")
    })
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The app, listening once this returns.
fn start_app(port: u16, cpu: i64) -> Process {
    let bin = Path::new(env!("CARGO_BIN_EXE_web_app"));
    let mut command = Command::new(bin);
    command.arg(port.to_string()).stdout(Stdio::null());
    let (app, _) = spawn_pinned(command, cpu, bin);
    let until = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "the app does not listen on {port}");
        std::thread::sleep(Duration::from_millis(5));
    }
    app
}

/// The adapter `bin`, spawned pinned, and the moment just before its spawn.
fn spawn_adapter(
    bin: &Path,
    server: &MockRuntimeApi,
    o: &Options,
    port: u16,
) -> (Process, Instant) {
    let mut command = Command::new(bin);
    command
        .env_clear()
        .envs(server.lambda_env(bin))
        .env("AWS_LWA_PORT", port.to_string())
        .env("AWS_LWA_INVOKE_MODE", &o.mode)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    spawn_pinned(command, o.cpu, bin)
}

/// The status and the app's JSON body in an adapter's answer (buffered: the proxy response
/// object; streamed: the HTTP integration prelude, eight NUL bytes, then the body).
fn answer(outcome: &Outcome) -> (u64, serde_json::Value) {
    match outcome {
        Outcome::Response { .. } => {
            let v: serde_json::Value = serde_json::from_slice(outcome.body()).expect("JSON");
            let status = v["statusCode"].as_u64().unwrap_or(0);
            let body = v["body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(serde_json::Value::Null);
            (status, body)
        }
        Outcome::Streamed { .. } => {
            let raw = outcome.body();
            let cut = raw
                .windows(8)
                .position(|w| w == [0u8; 8])
                .expect("a prelude and its separator");
            let prelude: serde_json::Value =
                serde_json::from_slice(&raw[..cut]).expect("prelude JSON");
            let body = serde_json::from_slice(&raw[cut + 8..]).unwrap_or(serde_json::Value::Null);
            (prelude["statusCode"].as_u64().unwrap_or(0), body)
        }
        other => panic!(
            "not a response: {:?} {:?}",
            other.error_type(),
            String::from_utf8_lossy(other.body())
        ),
    }
}

/// One adapter process's figures, from one round and one event.
struct Round {
    to_next: Duration,
    to_response: Duration,
    ticks_cpu: Duration,
    sched_cpu: Duration,
    p50: Duration,
    p99: Duration,
    rss_kib: u64,
    peak_rss_kib: u64,
    threads: usize,
}

/// One round of the adapter `bin` on `event`; every answer must equal `expected`.
fn measure(
    bin: &Path,
    event: &[u8],
    expected: &(u64, serde_json::Value),
    o: &Options,
    port: u16,
    ticks_per_second: f64,
) -> Round {
    let server = MockRuntimeApi::start().unwrap();
    server.push(Invocation::new(event.to_vec()));
    let (adapter, started) = spawn_adapter(bin, &server, o, port);
    let first = server.wait_outcomes(1, WAIT);
    let to_response = started.elapsed();
    let to_next = server
        .round_trips()
        .first()
        .map(|t| t.sent.saturating_duration_since(started))
        .unwrap_or_else(|| panic!("{}: no /next", bin.display()));
    let check = |outcome: &Outcome| {
        assert_eq!(&answer(outcome), expected, "{}", bin.display());
    };
    check(first.first().expect("a first answer"));
    let pid = adapter.0.id();
    for _ in 0..o.warmup {
        server.push(Invocation::new(event.to_vec()));
    }
    for outcome in server.wait_outcomes(1 + o.warmup, WAIT) {
        check(&outcome);
    }
    server.take_outcomes();
    let before_rt = server.round_trips().len();
    let ticks_before = utime_stime(pid, ticks_per_second);
    let sched_before = sched_time(pid);
    for _ in 0..o.n {
        server.push(Invocation::new(event.to_vec()));
    }
    let answered = server.wait_outcome_count(o.n, WAIT);
    let ticks = utime_stime(pid, ticks_per_second).saturating_sub(ticks_before);
    let sched = sched_time(pid).saturating_sub(sched_before);
    assert_eq!(answered, o.n, "{}: every request answered", bin.display());
    server.take_outcomes().iter().for_each(check);
    let mut trips: Vec<Duration> = server.round_trips()[before_rt..]
        .iter()
        .map(|t| t.duration())
        .collect();
    trips.sort();
    Round {
        to_next,
        to_response,
        ticks_cpu: ticks / o.n as u32,
        sched_cpu: sched / o.n as u32,
        p50: trips[trips.len() / 2],
        p99: trips[(trips.len() * 99 / 100).min(trips.len() - 1)],
        rss_kib: status_kib(pid, "VmRSS:"),
        peak_rss_kib: status_kib(pid, "VmHWM:"),
        threads: threads(pid),
    }
}

/// The first answer of `bin` to `event`, from a process of its own.
fn first_answer(bin: &Path, event: &[u8], o: &Options, port: u16) -> (u64, serde_json::Value) {
    let server = MockRuntimeApi::start().unwrap();
    server.push(Invocation::new(event.to_vec()));
    let (_adapter, _) = spawn_adapter(bin, &server, o, port);
    answer(server.wait_outcomes(1, WAIT).first().expect("an answer"))
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

fn adapter_path(var: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) => PathBuf::from(p),
        None => {
            eprintln!("adapter_process: {var} must name the adapter binary (scripts/compare-adapter.sh sets it)");
            std::process::exit(2);
        }
    }
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("adapter_process: {e}");
            std::process::exit(2);
        }
    };
    let adapters = [
        ("lambda-zero-adapter", adapter_path("LZ_ADAPTER")),
        ("Lambda Web Adapter", adapter_path("LWA_ADAPTER")),
    ];
    keep_off(o.cpu);
    let ticks_per_second = clock_ticks_per_second();
    let port = free_port();
    let _app = start_app(port, o.cpu);
    println!(
        "{} rounds, interleaved; per round, event and adapter: one process, cold start, then {} requests after {} (adapter and app on CPU {}, invoke mode {}); medians over the rounds\n",
        o.rounds,
        o.n,
        o.warmup,
        if o.cpu >= 0 { o.cpu.to_string() } else { "any".into() },
        o.mode
    );
    for (name, bin) in &adapters {
        let size = std::fs::metadata(bin).map_or(0, |m| m.len());
        println!("- {name}: {} ({size} B)", bin.display());
    }
    println!();
    println!("| event | adapter | CPU per request, utime+stime (µs) | CPU per request, schedstat (µs) | round trip p50 (µs) | round trip p99 (µs) | spawn → first /next (ms) | spawn → first response (ms) | RSS / peak RSS (KiB) | threads |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut summary = Vec::new();
    for path in &o.events {
        let event = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let expected: Vec<(u64, serde_json::Value)> = adapters
            .iter()
            .map(|(_, bin)| first_answer(bin, &event, &o, port))
            .collect();
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        for (i, (status, body)) in expected.iter().enumerate() {
            assert_eq!(*status, 200, "{name}: {}", adapters[i].0);
            assert_eq!(
                (&body["method"], &body["body_bytes"]),
                (&expected[0].1["method"], &expected[0].1["body_bytes"]),
                "{name}: both adapters forward the same request"
            );
        }
        let mut rounds: Vec<Vec<Round>> = adapters.iter().map(|_| Vec::new()).collect();
        for round in 0..o.rounds {
            for k in 0..adapters.len() {
                let i = if round % 2 == 0 {
                    k
                } else {
                    adapters.len() - 1 - k
                };
                rounds[i].push(measure(
                    &adapters[i].1,
                    &event,
                    &expected[i],
                    &o,
                    port,
                    ticks_per_second,
                ));
            }
        }
        for ((adapter, _), r) in adapters.iter().zip(&rounds) {
            println!(
                "| {name} ({} B) | {adapter} | {} | {} | {} | {} | {} | {} | {} / {} | {} |",
                event.len(),
                us(median(r, |r| r.ticks_cpu)),
                us(median(r, |r| r.sched_cpu)),
                us(median(r, |r| r.p50)),
                us(median(r, |r| r.p99)),
                ms(median(r, |r| r.to_next)),
                ms(median(r, |r| r.to_response)),
                median(r, |r| r.rss_kib),
                median(r, |r| r.peak_rss_kib),
                median(r, |r| r.threads),
            );
        }
        if expected[0].1["target"] != expected[1].1["target"] {
            println!(
                "|  | (request target: lambda-zero-adapter {}, Lambda Web Adapter {}) | | | | | | | | |",
                expected[0].1["target"], expected[1].1["target"]
            );
        }
        let ours = |f: fn(&Round) -> Duration| median(&rounds[0], f).as_secs_f64();
        let theirs = |f: fn(&Round) -> Duration| median(&rounds[1], f).as_secs_f64();
        summary.push(format!(
            "{name}: CPU per request {:.2}× less (schedstat; target ≥ 4×), round trip p50 {:.2}× (target ≤ 0.5×), p99 {:.2}×, cold start {:.2}× (target ≤ 0.5×), peak RSS {:.2}× (target ≤ 0.3×)",
            theirs(|r| r.sched_cpu) / ours(|r| r.sched_cpu).max(1e-12),
            ours(|r| r.p50) / theirs(|r| r.p50).max(1e-12),
            ours(|r| r.p99) / theirs(|r| r.p99).max(1e-12),
            ours(|r| r.to_next) / theirs(|r| r.to_next).max(1e-12),
            median(&rounds[0], |r| r.peak_rss_kib) as f64
                / median(&rounds[1], |r| r.peak_rss_kib).max(1) as f64,
        ));
    }
    println!("\nlambda-zero-adapter against the Lambda Web Adapter:");
    for line in summary {
        println!("- {line}");
    }
}
