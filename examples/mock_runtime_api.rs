//! Runs a Lambda `bootstrap` against the mock Runtime API and measures it from the server side.
//!
//! ```text
//! cargo run --release --features testing --example mock_runtime_api -- \
//!     --bootstrap target/release/examples/echo [--events N] [--size BYTES] [--event FILE]
//! ```
//!
//! Starts [`MockRuntimeApi`] on loopback, spawns the bootstrap with `AWS_LAMBDA_RUNTIME_API`
//! and the usual `AWS_LAMBDA_*` variables, and serves it `N` events: a real API Gateway request
//! (from the repository's `tests/events`, `$LZ_EVENTS_DIR`, or `--event`), small JSON
//! documents and large ones of `--size` bytes, interleaved. It prints the first responses,
//! checks that every response equals its event (what the echo bootstrap must do), and prints
//! the round trip per invocation seen by the server: from just before the event is written to
//! the moment the whole response has been read. Building events and checking responses happen
//! outside that window. Exits non-zero on any mismatch, a crash of the bootstrap, or a stall.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};

const USAGE: &str =
    "usage: mock_runtime_api --bootstrap PATH [--events N] [--size BYTES] [--event FILE]

  --bootstrap PATH   the Lambda bootstrap to run (an echo function: response = event)
  --events N         how many invocations to serve (default 3000)
  --size BYTES       size of the large events, at least 64 (default 65536)
  --event FILE       the API Gateway event to serve (default: example-apigw-request.json from
                     $LZ_EVENTS_DIR, else the repository's tests/events)";

/// Refuse runs that would hold more than this many response bytes for the final check.
const MAX_HELD_BYTES: u64 = 2 << 30;
/// Give up when no response arrived for this long.
const STALL: Duration = Duration::from_secs(20);

struct Args {
    bootstrap: PathBuf,
    events: usize,
    size: usize,
    event: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    ApiGateway,
    Small,
    Large,
}

impl Kind {
    fn of(i: usize) -> Kind {
        [Kind::ApiGateway, Kind::Small, Kind::Large][i % 3]
    }

    fn name(self) -> &'static str {
        match self {
            Kind::ApiGateway => "API Gateway",
            Kind::Small => "small",
            Kind::Large => "large",
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mock_runtime_api: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let apigw = std::fs::read(&args.event).map_err(|e| {
        format!(
            "cannot read the API Gateway event {}: {e}\n  the AWS event fixtures live in \
             tests/events in the repository; set LZ_EVENTS_DIR or pass --event FILE to use others",
            args.event.display()
        )
    })?;
    let apigw: Arc<[u8]> = Arc::from(apigw);
    let large: [Arc<[u8]>; 2] = [
        large_event(&apigw, args.size, 0),
        large_event(&apigw, args.size, 1),
    ];
    let count = |kind| (0..args.events).filter(|&i| Kind::of(i) == kind).count() as u64;
    let held = count(Kind::ApiGateway) * apigw.len() as u64
        + count(Kind::Small) * 32
        + count(Kind::Large) * args.size as u64;
    if held > MAX_HELD_BYTES {
        return Err(format!(
            "{} events of up to {} bytes would hold {} MiB of responses for the check; \
             lower --events or --size",
            args.events,
            args.size,
            held >> 20
        ));
    }

    let server = MockRuntimeApi::builder()
        .record_requests(false)
        .function_timeout(Duration::from_secs(900))
        .start()
        .map_err(|e| format!("cannot start the mock Runtime API: {e}"))?;
    let mut expected: HashMap<String, (Kind, Arc<[u8]>)> = HashMap::with_capacity(args.events);
    let mut order = Vec::with_capacity(args.events);
    for i in 0..args.events {
        let kind = Kind::of(i);
        let body = match kind {
            Kind::ApiGateway => Arc::clone(&apigw),
            Kind::Small => Arc::from(format!(r#"{{"n":{i},"ok":true}}"#).into_bytes()),
            Kind::Large => Arc::clone(&large[i / 3 % 2]),
        };
        let id = server.push(Invocation::shared(Arc::clone(&body)));
        order.push(id.clone());
        expected.insert(id, (kind, body));
    }
    println!(
        "mock Runtime API on {} serving {} events: {} API Gateway ({} B), {} small, {} large ({} B)",
        server.endpoint(),
        args.events,
        count(Kind::ApiGateway),
        apigw.len(),
        count(Kind::Small),
        count(Kind::Large),
        args.size
    );

    let mut child = Command::new(&args.bootstrap)
        .envs(server.lambda_env(&args.bootstrap))
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", args.bootstrap.display()))?;
    println!(
        "bootstrap {} started (pid {})",
        args.bootstrap.display(),
        child.id()
    );
    let waited = wait_for_all(&server, &mut child, args.events);
    let _ = child.kill();
    let _ = child.wait();
    waited?;

    let outcomes = server.take_outcomes();
    let mut by_id: HashMap<&str, &Outcome> = HashMap::with_capacity(outcomes.len());
    for outcome in &outcomes {
        by_id.insert(outcome.request_id().unwrap_or_default(), outcome);
    }
    println!("first responses:");
    for id in order.iter().take(3) {
        if let Some(outcome) = by_id.get(id.as_str()) {
            println!(
                "  {id}  {:>7} B  {}",
                outcome.body().len(),
                preview(outcome.body(), 72)
            );
        }
    }
    let mismatches = check(&order, &expected, &by_id, outcomes.len());
    if !mismatches.is_empty() {
        for m in mismatches.iter().take(5) {
            eprintln!("  {m}");
        }
        return Err(format!(
            "{} of {} invocations went wrong",
            mismatches.len(),
            args.events
        ));
    }
    println!("all {} responses equal their events", args.events);
    report(&server, &expected);
    Ok(())
}

/// Waits until `n` outcomes are in, the bootstrap exits, or nothing happens for [`STALL`].
fn wait_for_all(server: &MockRuntimeApi, child: &mut Child, n: usize) -> Result<(), String> {
    let mut seen = 0;
    let mut last_progress = Instant::now();
    loop {
        // Wakes up only when all are in or after the timeout: no work during the run.
        let held = server.wait_outcome_count(n, Duration::from_millis(250));
        if held >= n {
            return Ok(());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "the bootstrap exited ({status}) after {held} of {n} responses"
            ));
        }
        if held > seen {
            seen = held;
            last_progress = Instant::now();
        } else if last_progress.elapsed() > STALL {
            return Err(format!(
                "no response for {STALL:?}; stalled after {held} of {n}"
            ));
        }
    }
}

/// Every event must have exactly one outcome: a response equal to the event.
fn check(
    order: &[String],
    expected: &HashMap<String, (Kind, Arc<[u8]>)>,
    by_id: &HashMap<&str, &Outcome>,
    total: usize,
) -> Vec<String> {
    let mut problems = Vec::new();
    for id in order {
        let (kind, body) = &expected[id];
        match by_id.get(id.as_str()) {
            None => problems.push(format!("{id}: no response")),
            Some(Outcome::Response { body: got, .. }) if got[..] == body[..] => {}
            Some(Outcome::Response { body: got, .. }) => problems.push(format!(
                "{id} ({}): response of {} B differs from the {} B event: {}",
                kind.name(),
                got.len(),
                body.len(),
                preview(got, 60)
            )),
            Some(other) => problems.push(format!("{id}: expected a response, got {other:?}")),
        }
    }
    if total != order.len() {
        problems.push(format!(
            "{total} outcomes for {} events (duplicates?)",
            order.len()
        ));
    }
    problems
}

fn report(server: &MockRuntimeApi, expected: &HashMap<String, (Kind, Arc<[u8]>)>) {
    let trips = server.round_trips();
    let all: Vec<Duration> = trips.iter().map(|t| t.duration()).collect();
    println!(
        "round trip per invocation, server side (event write starts -> response fully read), \
         {} invocations over {} connection(s):",
        all.len(),
        server.connections()
    );
    println!("  all          {}", stats(&all));
    for kind in [Kind::ApiGateway, Kind::Small, Kind::Large] {
        let some: Vec<Duration> = trips
            .iter()
            .filter(|t| expected.get(&t.request_id).is_some_and(|(k, _)| *k == kind))
            .map(|t| t.duration())
            .collect();
        println!("  {:<12} {}", kind.name(), stats(&some));
    }
    let first = trips.iter().map(|t| t.sent).min();
    let last = trips.iter().map(|t| t.received).max();
    if let (Some(first), Some(last)) = (first, last) {
        let wall = last.saturating_duration_since(first).as_secs_f64();
        if wall > 0.0 {
            println!(
                "throughput   {:.0} invocations/s (wall clock from the first event sent to the \
                 last response read: {:.3} s)",
                trips.len() as f64 / wall,
                wall
            );
        }
    }
}

fn stats(samples: &[Duration]) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let pick = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let mean = sorted.iter().sum::<Duration>() / sorted.len() as u32;
    format!(
        "median {:>9}  p99 {:>9}  mean {:>9}  min {:>9}  max {:>9}  (n={})",
        micros(pick(0.5)),
        micros(pick(0.99)),
        micros(mean),
        micros(sorted[0]),
        micros(sorted[sorted.len() - 1]),
        sorted.len()
    )
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// The first `max` bytes, printable, with a note of how much was cut.
fn preview(body: &[u8], max: usize) -> String {
    let shown: String = body
        .iter()
        .take(max)
        .map(|&b| match b {
            b' ' | b'\n' | b'\r' | b'\t' => ' ',
            _ if b.is_ascii_graphic() => b as char,
            _ => '.',
        })
        .collect();
    if body.len() > max {
        format!("{shown}… (+{} B)", body.len() - max)
    } else {
        shown
    }
}

/// A JSON array of exactly `size` bytes: copies of `unit` (the API Gateway event, line breaks
/// removed), then one padding object. `variant` changes the padding so two large events differ.
fn large_event(unit: &[u8], size: usize, variant: u8) -> Arc<[u8]> {
    let unit: Vec<u8> = unit
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\n' | b'\r'))
        .collect();
    let close: &[u8] = b"\"}]";
    let open: &[u8] = b"{\"pad\":\"";
    let mut out = Vec::with_capacity(size);
    out.push(b'[');
    while out.len() + unit.len() + 1 + open.len() + close.len() <= size {
        out.extend_from_slice(&unit);
        out.push(b',');
    }
    out.extend_from_slice(open);
    let pad = size.saturating_sub(out.len() + close.len());
    out.resize(out.len() + pad, b'a' + variant);
    out.extend_from_slice(close);
    Arc::from(out)
}

fn parse_args() -> Result<Args, String> {
    let mut bootstrap = None;
    let mut events = 3000usize;
    let mut size = 65536usize;
    let mut event = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--bootstrap" => bootstrap = Some(PathBuf::from(value("--bootstrap")?)),
            "--events" => events = number(&value("--events")?, "--events")?,
            "--size" => size = number(&value("--size")?, "--size")?,
            "--event" => event = Some(PathBuf::from(value("--event")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let bootstrap = bootstrap.ok_or(format!("--bootstrap is required\n{USAGE}"))?;
    if !bootstrap.is_file() {
        return Err(format!(
            "the bootstrap {} does not exist (build it first: cargo build --release --example echo)",
            bootstrap.display()
        ));
    }
    if events == 0 || size < 64 {
        return Err(format!(
            "--events must be at least 1 and --size at least 64\n{USAGE}"
        ));
    }
    let event = event.unwrap_or_else(|| {
        let dir = std::env::var_os("LZ_EVENTS_DIR").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events"),
            PathBuf::from,
        );
        dir.join("example-apigw-request.json")
    });
    Ok(Args {
        bootstrap,
        events,
        size,
        event,
    })
}

fn number(text: &str, name: &str) -> Result<usize, String> {
    text.replace('_', "")
        .parse()
        .map_err(|_| format!("{name} wants a number, got {text:?}"))
}
