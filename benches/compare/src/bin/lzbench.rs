//! The measurement driver behind `scripts/bench.sh`: runs a bootstrap as a separate process
//! against the mock Runtime API (`benches/support/mock.rs`) and prints one JSON line per result.
//!
//! ```text
//! lzbench roundtrip  --bin NAME=PATH.. --event NAME [--n N] [--rounds R] [--warmup N]
//!                    timings, CPU time, peak RSS; bootstraps interleaved round by round
//! lzbench cold-start --bin NAME=PATH.. [--runs N] [--settle-ms MS]  spawn -> first GET /next
//! lzbench drive      --event NAME --n N -- CMD [ARGS..]             N invocations of CMD (for
//!                                                                    strace / valgrind wrappers)
//! common: [--cpu N] (pin; default 0, -1 for none) [--events-dir DIR] [--timeout-s S]
//!         [--name LABEL] (added to every line as "label")
//! ```
//!
//! Event names: 100B, apigw-1.2KiB, 64KiB, 1MiB (see `mock::bench_events`), built from the AWS
//! sample events in `--events-dir`, else `$LZ_EVENTS_DIR`, else the repository's `tests/events`
//! (`../../tests/events` from this package).

#[path = "../../../support/mock.rs"]
mod mock;

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mock::{Event, Mock};

struct Args {
    cmd: String,
    /// `NAME=PATH` (or a bare path, named after its file).
    bins: Vec<(String, PathBuf)>,
    rounds: u64,
    event: String,
    n: Option<u64>,
    warmup: u64,
    runs: usize,
    cpu: i64,
    events_dir: PathBuf,
    name: String,
    timeout: Duration,
    /// Pause after each cold start.
    settle: Duration,
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
        bins: Vec::new(),
        rounds: 10,
        event: "100B".into(),
        n: None,
        warmup: 2000,
        runs: 50,
        cpu: 0,
        events_dir: mock::events_dir(&repo),
        name: String::new(),
        timeout: Duration::from_secs(30),
        settle: Duration::ZERO,
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
            "--bin" => {
                let (name, path) = match value.split_once('=') {
                    Some((name, path)) => (name.to_string(), PathBuf::from(path)),
                    None => {
                        let path = PathBuf::from(&value);
                        let name = path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        (name, path)
                    }
                };
                a.bins.push((name, path));
            }
            "--rounds" => a.rounds = num(&value)?.max(1),
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
            "--settle-ms" => a.settle = Duration::from_millis(num(&value)?),
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

fn bins(a: &Args) -> io::Result<&[(String, PathBuf)]> {
    if a.bins.is_empty() {
        return Err(io::Error::other("give at least one --bin NAME=PATH"));
    }
    Ok(&a.bins)
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

/// One bootstrap under measurement, with its own mock.
struct Subject {
    name: String,
    mock: Mock,
    child: std::process::Child,
    /// Per-invocation times (ns): from one response to the next.
    times: Vec<u64>,
    cpu_ns: u64,
    elapsed: Duration,
    /// Invocations per second in each round.
    round_rates: Vec<f64>,
}

fn start_subject(a: &Args, name: &str, path: &Path, event: &mut Event) -> io::Result<Subject> {
    let mut mock = Mock::bind()?;
    mock.timeout = a.timeout;
    let mut child = mock::spawn_bootstrap(path, &[], mock.addr()?)?;
    let warm = mock
        .accept(&mut child)
        .and_then(|()| mock.serve(event, a.warmup.max(1), true, |_| {}));
    if let Err(e) = warm {
        let _ = child.kill();
        let _ = child.wait();
        let err = mock::stderr_of(&mut child);
        return Err(io::Error::other(format!(
            "{name}: {e}\n--- bootstrap stderr ---\n{err}"
        )));
    }
    Ok(Subject {
        name: name.to_string(),
        mock,
        child,
        times: Vec::new(),
        cpu_ns: 0,
        elapsed: Duration::ZERO,
        round_rates: Vec::new(),
    })
}

fn measure_round(s: &mut Subject, event: &mut Event, n: u64) -> io::Result<()> {
    let pid = s.child.id();
    let cpu0 = cpu_ns(pid)?;
    let start = Instant::now();
    let mut last = start;
    let times = &mut s.times;
    s.mock.serve(event, n, false, |at| {
        times.push(at.duration_since(last).as_nanos() as u64);
        last = at;
    })?;
    let took = last.duration_since(start);
    s.elapsed += took;
    s.round_rates.push(n as f64 / took.as_secs_f64());
    s.cpu_ns += cpu_ns(pid)? - cpu0;
    Ok(())
}

/// Measures every bootstrap in `--bin` on one event, interleaved: `--rounds` rounds, each
/// serving `--n` invocations to each bootstrap in turn, so load from elsewhere on the machine
/// falls on all of them alike. Throughput is the median over rounds of invocations per second
/// (a round that shared the CPU with something else does not drag it down);
/// `throughput_overall_per_s` is all invocations over all measured time.
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn roundtrip(a: &Args) -> io::Result<String> {
    let mut event = load_event(a)?;
    let size = event.body().len();
    let n = a.n.unwrap_or(if size >= 512 * 1024 { 200 } else { 5000 });
    let mut subjects = Vec::new();
    for (name, path) in bins(a)? {
        match start_subject(a, name, path, &mut event) {
            Ok(s) => subjects.push(s),
            Err(e) => {
                for mut s in subjects {
                    let _ = s.child.kill();
                    let _ = s.child.wait();
                }
                return Err(e);
            }
        }
    }
    for s in &mut subjects {
        s.times.reserve((n * a.rounds) as usize);
    }
    let mut failure = None;
    'rounds: for _ in 0..a.rounds {
        for s in &mut subjects {
            if let Err(e) = measure_round(s, &mut event, n) {
                failure = Some(io::Error::other(format!("{}: {e}", s.name)));
                break 'rounds;
            }
        }
    }
    let mut lines = Vec::new();
    for mut s in subjects {
        let pid = s.child.id();
        let result = match failure.take() {
            Some(e) => Err(e),
            None => (|| {
                let hwm = status_kib(pid, "VmHWM")?;
                let connections = s.mock.connections();
                s.mock.finish()?;
                s.times.sort_unstable();
                let total = n * a.rounds;
                let mean = s.elapsed.as_nanos() as f64 / total as f64;
                Ok(format!(
                    "{{\"kind\":\"roundtrip\",\"name\":\"{}\",\"event\":\"{}\",\"event_bytes\":{size},\"n\":{total},\"rounds\":{},\
\"p50_us\":{:.3},\"p90_us\":{:.3},\"p99_us\":{:.3},\"min_us\":{:.3},\"mean_us\":{:.3},\
\"throughput_per_s\":{:.0},\"throughput_overall_per_s\":{:.0},\"cpu_us_per_inv\":{:.3},\"peak_rss_kib\":{hwm},\"connections\":{}}}",
                    s.name,
                    a.event,
                    a.rounds,
                    percentile(&s.times, 0.5) / 1e3,
                    percentile(&s.times, 0.9) / 1e3,
                    percentile(&s.times, 0.99) / 1e3,
                    percentile(&s.times, 0.0) / 1e3,
                    mean / 1e3,
                    median(&mut s.round_rates),
                    1e9 / mean,
                    s.cpu_ns as f64 / total as f64 / 1e3,
                    connections,
                ))
            })(),
        };
        lines.push(finish_child(&mut s.child, result)?);
    }
    Ok(lines.join("\n"))
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

/// Spawn to first complete `GET /next`, `--runs` times per bootstrap, interleaved.
fn cold_start(a: &Args) -> io::Result<String> {
    let bins = bins(a)?;
    let mut mock = Mock::bind()?;
    mock.timeout = a.timeout;
    let addr = mock.addr()?;
    let mut times = vec![Vec::with_capacity(a.runs); bins.len()];
    // Round 0 is not counted: page cache and loader caches warm, as for any start after a
    // deployment's first. The order rotates every round, so no bootstrap always follows the
    // same one (an exiting process leaves work behind in the kernel). A started bootstrap is
    // killed once its first `GET /next` is in: its exit path is not part of a cold start.
    for run in 0..=a.runs {
        for k in 0..bins.len() {
            let i = (run + k) % bins.len();
            let program = &bins[i].1;
            let t0 = Instant::now();
            let mut child = mock::spawn_bootstrap(program, &[], addr)?;
            let result = mock.accept(&mut child).and_then(|_| mock.first_next());
            let _ = child.kill();
            let _ = child.wait();
            mock.disconnect();
            let t1 = match result {
                Ok(t1) => t1,
                Err(e) => {
                    let err = mock::stderr_of(&mut child);
                    return Err(io::Error::other(format!(
                        "{}: {e}\n--- bootstrap stderr ---\n{err}",
                        bins[i].0
                    )));
                }
            };
            if run > 0 {
                times[i].push(t1.duration_since(t0).as_nanos() as u64);
            }
            if !a.settle.is_zero() {
                std::thread::sleep(a.settle);
            }
        }
    }
    let mut lines = Vec::new();
    for ((name, _), mut t) in bins.iter().zip(times) {
        t.sort_unstable();
        lines.push(format!(
            "{{\"kind\":\"cold_start\",\"name\":\"{name}\",\"runs\":{},\"median_us\":{:.1},\"p10_us\":{:.1},\"p90_us\":{:.1},\"min_us\":{:.1}}}",
            a.runs,
            percentile(&t, 0.5) / 1e3,
            percentile(&t, 0.1) / 1e3,
            percentile(&t, 0.9) / 1e3,
            percentile(&t, 0.0) / 1e3,
        ));
    }
    Ok(lines.join("\n"))
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
        "{{\"kind\":\"drive\",\"event\":\"{}\",\"n\":{n},\"exit\":{},\"seconds\":{:.3}}}",
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
        Ok(lines) => {
            for line in lines.lines() {
                match line.strip_suffix('}') {
                    Some(open) if !a.name.is_empty() => {
                        println!("{open},\"label\":\"{}\"}}", a.name)
                    }
                    _ => println!("{line}"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lzbench {}: {e}", a.cmd);
            ExitCode::FAILURE
        }
    }
}
