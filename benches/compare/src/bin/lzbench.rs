//! The measurement driver behind `scripts/bench.sh`: runs a bootstrap as a separate process
//! against the mock Runtime API (`benches/support/mock.rs`) and prints one JSON line per result.
//!
//! ```text
//! lzbench roundtrip  --bin PATH --event NAME [--n N] [--warmup N]   timings, CPU time, peak RSS
//! lzbench cold-start --bin PATH [--runs N]                          spawn -> first GET /next
//! lzbench drive      --event NAME --n N -- CMD [ARGS..]             N invocations of CMD (for
//!                                                                    strace / valgrind wrappers)
//! common: [--cpu N] (pin; default 0, -1 for none) [--events-dir DIR] [--name LABEL]
//! ```
//!
//! Event names: 100B, apigw-1.2KiB, 64KiB, 1MiB (see `mock::bench_events`).

#[path = "../../../support/mock.rs"]
mod mock;

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mock::{Event, Mock};

struct Args {
    cmd: String,
    bin: Option<PathBuf>,
    event: String,
    n: Option<u64>,
    warmup: u64,
    runs: usize,
    cpu: i64,
    events_dir: PathBuf,
    name: String,
    timeout: Duration,
    wrapped: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let cmd = it
        .next()
        .ok_or("missing subcommand (roundtrip | cold-start | drive)")?;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut a = Args {
        cmd,
        bin: None,
        event: "100B".into(),
        n: None,
        warmup: 2000,
        runs: 50,
        cpu: 0,
        events_dir: mock::events_dir(&repo),
        name: String::new(),
        timeout: Duration::from_secs(30),
        wrapped: Vec::new(),
    };
    while let Some(flag) = it.next() {
        if flag == "--" {
            a.wrapped = it.by_ref().collect();
            break;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--bin" => a.bin = Some(value.into()),
            "--event" => a.event = value,
            "--n" => a.n = Some(num(&value)?),
            "--warmup" => a.warmup = num(&value)?,
            "--runs" => a.runs = num(&value)? as usize,
            "--cpu" => {
                a.cpu = value
                    .parse()
                    .map_err(|_| format!("--cpu: not a number: {value}"))?
            }
            "--events-dir" => a.events_dir = value.into(),
            "--name" => a.name = value,
            "--timeout-s" => a.timeout = Duration::from_secs(num(&value)?),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(a)
}

fn load_event(a: &Args) -> io::Result<Event> {
    let events = mock::bench_events(&a.events_dir)?;
    let names: Vec<&str> = events.iter().map(|(n, _)| *n).collect();
    let body = events
        .into_iter()
        .find(|(n, _)| *n == a.event)
        .map(|(_, b)| b)
        .ok_or_else(|| {
            io::Error::other(format!("unknown event {:?} (one of {names:?})", a.event))
        })?;
    Ok(Event::new(body))
}

fn bin(a: &Args) -> io::Result<&Path> {
    a.bin
        .as_deref()
        .ok_or_else(|| io::Error::other("--bin is required"))
}

/// Total CPU time (user + system, ns) of every thread of `pid`, from the scheduler's own
/// accounting (`/proc/<pid>/task/*/schedstat`, nanosecond resolution).
fn cpu_ns(pid: u32) -> io::Result<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let path = task?.path().join("schedstat");
        // A thread may exit between the listing and the read.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        total += text
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Ok(total)
}

/// A `/proc/<pid>/status` field in KiB (`VmHWM`, `VmRSS`).
fn status_kib(pid: u32, field: &str) -> io::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| io::Error::other(format!("no {field} in /proc/{pid}/status")))
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64
}

fn roundtrip(a: &Args) -> io::Result<String> {
    let mut event = load_event(a)?;
    let size = event.body().len();
    let n =
        a.n.unwrap_or(if size >= 512 * 1024 { 2000 } else { 50_000 });
    let mut mock = Mock::bind()?;
    mock.timeout = a.timeout;
    let mut child = mock::spawn_bootstrap(bin(a)?, &[], mock.addr()?)?;
    let result = (|| {
        mock.accept(&mut child)?;
        mock.serve(&mut event, a.warmup.max(1), true, |_| {})?;
        let pid = child.id();
        let cpu0 = cpu_ns(pid)?;
        let mut times: Vec<u64> = Vec::with_capacity(n as usize);
        let start = Instant::now();
        let mut last = start;
        mock.serve(&mut event, n, false, |at| {
            times.push(at.duration_since(last).as_nanos() as u64);
            last = at;
        })?;
        let elapsed = last.duration_since(start);
        let cpu1 = cpu_ns(pid)?;
        let hwm = status_kib(pid, "VmHWM")?;
        mock.finish()?;
        times.sort_unstable();
        let mean = elapsed.as_nanos() as f64 / n as f64;
        Ok(format!(
            "{{\"kind\":\"roundtrip\",\"name\":\"{}\",\"event\":\"{}\",\"event_bytes\":{size},\"n\":{n},\
\"p50_us\":{:.3},\"p90_us\":{:.3},\"p99_us\":{:.3},\"min_us\":{:.3},\"mean_us\":{:.3},\
\"throughput_per_s\":{:.0},\"cpu_us_per_inv\":{:.3},\"peak_rss_kib\":{hwm}}}",
            a.name,
            a.event,
            percentile(&times, 0.5) / 1e3,
            percentile(&times, 0.9) / 1e3,
            percentile(&times, 0.99) / 1e3,
            percentile(&times, 0.0) / 1e3,
            mean / 1e3,
            1e9 / mean,
            (cpu1 - cpu0) as f64 / n as f64 / 1e3,
        ))
    })();
    finish_child(&mut child, result)
}

/// Reaps the child; on failure, adds what it wrote to standard error.
fn finish_child(child: &mut std::process::Child, result: io::Result<String>) -> io::Result<String> {
    let status = mock::reap(child, Duration::from_secs(10))?;
    match result {
        Ok(line) if status.is_some() => Ok(line),
        Ok(_) => Err(io::Error::other(
            "the bootstrap did not exit after the 500; killed",
        )),
        Err(e) => {
            let err = mock::stderr_of(child);
            Err(io::Error::other(format!(
                "{e}\n--- bootstrap stderr ---\n{err}"
            )))
        }
    }
}

fn cold_start(a: &Args) -> io::Result<String> {
    let program = bin(a)?;
    let mut mock = Mock::bind()?;
    mock.timeout = a.timeout;
    let addr = mock.addr()?;
    let mut times = Vec::with_capacity(a.runs);
    // One unmeasured start first: page cache and dynamic loader caches warm, as for a measured
    // start right after a deployment's first.
    for run in 0..=a.runs {
        let t0 = Instant::now();
        let mut child = mock::spawn_bootstrap(program, &[], addr)?;
        let result = mock
            .accept(&mut child)
            .and_then(|_| mock.first_next())
            .and_then(|t1| {
                mock.finish()?;
                Ok(format!("{}", t1.duration_since(t0).as_nanos()))
            });
        let ns: u64 = finish_child(&mut child, result)?
            .parse()
            .map_err(io::Error::other)?;
        if run > 0 {
            times.push(ns);
        }
    }
    times.sort_unstable();
    Ok(format!(
        "{{\"kind\":\"cold_start\",\"name\":\"{}\",\"runs\":{},\"median_us\":{:.1},\"p10_us\":{:.1},\"p90_us\":{:.1},\"min_us\":{:.1}}}",
        a.name,
        a.runs,
        percentile(&times, 0.5) / 1e3,
        percentile(&times, 0.1) / 1e3,
        percentile(&times, 0.9) / 1e3,
        percentile(&times, 0.0) / 1e3,
    ))
}

fn drive(a: &Args) -> io::Result<String> {
    let (program, args) = a
        .wrapped
        .split_first()
        .ok_or_else(|| io::Error::other("drive: give the command after --"))?;
    let n =
        a.n.ok_or_else(|| io::Error::other("drive: --n is required"))?;
    let mut event = load_event(a)?;
    let mut mock = Mock::bind()?;
    mock.timeout = a.timeout;
    let mut child = mock::spawn_bootstrap(Path::new(program), args, mock.addr()?)?;
    let t0 = Instant::now();
    let result = (|| -> io::Result<()> {
        mock.accept(&mut child)?;
        mock.serve(&mut event, n, true, |_| {})?;
        mock.finish()
    })();
    let status = mock::reap(&mut child, a.timeout)?;
    let err = mock::stderr_of(&mut child);
    if let Err(e) = result {
        return Err(io::Error::other(format!(
            "{e}\n--- bootstrap stderr ---\n{err}"
        )));
    }
    let Some(status) = status else {
        return Err(io::Error::other(
            "the bootstrap did not exit after the 500; killed",
        ));
    };
    Ok(format!(
        "{{\"kind\":\"drive\",\"name\":\"{}\",\"event\":\"{}\",\"n\":{n},\"exit\":{},\"seconds\":{:.3}}}",
        a.name,
        a.event,
        status.code().unwrap_or(-1),
        t0.elapsed().as_secs_f64()
    ))
}

fn main() -> ExitCode {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("lzbench: {e}");
            return ExitCode::from(2);
        }
    };
    if a.cpu >= 0 {
        if let Err(e) = mock::pin_to_cpu(a.cpu as usize) {
            eprintln!("lzbench: cannot pin to CPU {}: {e}", a.cpu);
            return ExitCode::FAILURE;
        }
    }
    let result = match a.cmd.as_str() {
        "roundtrip" => roundtrip(&a),
        "cold-start" => cold_start(&a),
        "drive" => drive(&a),
        other => Err(io::Error::other(format!("unknown subcommand {other}"))),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lzbench {}: {e}", a.cmd);
            ExitCode::FAILURE
        }
    }
}
