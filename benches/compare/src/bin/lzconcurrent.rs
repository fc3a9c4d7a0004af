//! Throughput under Lambda Managed Instances' concurrency: a mock Runtime API that serves any
//! number of concurrent `GET /next` long-polls (one thread per connection, blocking I/O, every
//! `/next` answered at once with the next event), and a driver that runs each bootstrap with
//! `AWS_LAMBDA_MAX_CONCURRENCY=C` and prints one JSON line per run: invocations per second over
//! the window and the bootstrap's CPU time (utime + stime, every thread, from `/proc`) per
//! invocation.
//!
//! ```text
//! lzconcurrent --bin NAME=PATH.. --concurrency C [--rounds R] [--warmup-ms MS] [--window-ms MS]
//! ```
//!
//! Bootstraps are interleaved round by round (A B A B ..) so that load from other processes on
//! the machine falls on both alike. The event is a 100-byte JSON object.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Counters shared by every connection thread of one run.
#[derive(Default)]
struct Counters {
    /// Events handed out (request ids).
    sent: AtomicU64,
    /// `POST .../response` received.
    answered: AtomicU64,
    /// `POST .../error` or any unexpected request.
    errors: AtomicU64,
    /// Set when the run is over: connection threads stop answering.
    stop: AtomicBool,
}

const EVENT: &[u8] =
    br#"{"key1":"value1","key2":"value2","key3":"value3","padding":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#;

/// Serves one keep-alive connection until it closes or the run stops.
fn serve_conn(stream: TcpStream, counters: Arc<Counters>) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream);
    let mut line = String::new();
    let mut body = Vec::new();
    let mut out = Vec::with_capacity(1024);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let request_line = line.trim_end().to_owned();
        let mut content_length = 0usize;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        body.resize(content_length, 0);
        reader.read_exact(&mut body)?;
        if counters.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        out.clear();
        let mut parts = request_line.split(' ');
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if method == "GET" && path == "/2018-06-01/runtime/invocation/next" {
            let id = counters.sent.fetch_add(1, Ordering::Relaxed) + 1;
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                 Lambda-Runtime-Aws-Request-Id: {id:016x}\r\n\
                 Lambda-Runtime-Deadline-Ms: 4102444800000\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1\r\n\
                 Content-Length: {}\r\n\r\n",
                EVENT.len()
            )?;
            out.extend_from_slice(EVENT);
        } else if method == "POST" && path.ends_with("/response") {
            counters.answered.fetch_add(1, Ordering::Relaxed);
            out.extend_from_slice(
                b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n",
            );
        } else {
            counters.errors.fetch_add(1, Ordering::Relaxed);
            out.extend_from_slice(
                b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n",
            );
        }
        writer.write_all(&out)?;
    }
}

/// CPU time (user + system, in clock ticks) of every thread of `pid`.
fn cpu_ticks(pid: u32) -> io::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let parse = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok(parse(11) + parse(12))
}

struct RunResult {
    per_s: f64,
    cpu_us_per_inv: f64,
    errors: u64,
}

fn run_once(
    path: &PathBuf,
    concurrency: u32,
    warmup: Duration,
    window: Duration,
) -> io::Result<RunResult> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let counters = Arc::new(Counters::default());
    {
        let counters = counters.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if counters.stop.load(Ordering::Relaxed) {
                    return;
                }
                let counters = counters.clone();
                std::thread::spawn(move || {
                    let _ = serve_conn(stream, counters);
                });
            }
        });
    }
    let mut child: Child = Command::new(path)
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_MAX_CONCURRENCY", concurrency.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("_HANDLER", "bootstrap")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let pid = child.id();
    std::thread::sleep(warmup);
    let ticks_per_s = 100.0; // USER_HZ on Linux
    let (a0, c0, t0) = (
        counters.answered.load(Ordering::Relaxed),
        cpu_ticks(pid)?,
        Instant::now(),
    );
    std::thread::sleep(window);
    let (a1, c1, t1) = (
        counters.answered.load(Ordering::Relaxed),
        cpu_ticks(pid)?,
        Instant::now(),
    );
    counters.stop.store(true, Ordering::Relaxed);
    let _ = child.kill();
    let _ = child.wait();
    let n = (a1 - a0).max(1) as f64;
    Ok(RunResult {
        per_s: n / (t1 - t0).as_secs_f64(),
        cpu_us_per_inv: (c1 - c0) as f64 / ticks_per_s * 1e6 / n,
        errors: counters.errors.load(Ordering::Relaxed),
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

fn main() -> ExitCode {
    let mut bins: Vec<(String, PathBuf)> = Vec::new();
    let (mut concurrency, mut rounds, mut warmup_ms, mut window_ms) = (1u32, 5u32, 500u64, 2000u64);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match a.as_str() {
            "--bin" => {
                let v = value();
                let (name, path) = v.split_once('=').unwrap_or(("bin", v.as_str()));
                bins.push((name.to_owned(), PathBuf::from(path)));
            }
            "--concurrency" => concurrency = value().parse().unwrap_or(1),
            "--rounds" => rounds = value().parse().unwrap_or(5),
            "--warmup-ms" => warmup_ms = value().parse().unwrap_or(500),
            "--window-ms" => window_ms = value().parse().unwrap_or(2000),
            other => {
                eprintln!("lzconcurrent: unknown argument {other}");
                return ExitCode::from(2);
            }
        }
    }
    if bins.is_empty() {
        eprintln!("usage: lzconcurrent --bin NAME=PATH.. --concurrency C [--rounds R] [--warmup-ms MS] [--window-ms MS]");
        return ExitCode::from(2);
    }
    let mut per_s = vec![Vec::new(); bins.len()];
    let mut cpu = vec![Vec::new(); bins.len()];
    let mut errors = vec![0u64; bins.len()];
    for _ in 0..rounds {
        for (i, (name, path)) in bins.iter().enumerate() {
            match run_once(
                path,
                concurrency,
                Duration::from_millis(warmup_ms),
                Duration::from_millis(window_ms),
            ) {
                Ok(r) => {
                    per_s[i].push(r.per_s);
                    cpu[i].push(r.cpu_us_per_inv);
                    errors[i] += r.errors;
                }
                Err(e) => {
                    eprintln!("lzconcurrent: {name}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    for (i, (name, _)) in bins.iter().enumerate() {
        println!(
            "{{\"name\":\"{name}\",\"concurrency\":{concurrency},\"rounds\":{rounds},\"median_per_s\":{:.0},\"median_cpu_us_per_inv\":{:.2},\"errors\":{}}}",
            median(&mut per_s[i]),
            median(&mut cpu[i]),
            errors[i]
        );
    }
    ExitCode::SUCCESS
}
