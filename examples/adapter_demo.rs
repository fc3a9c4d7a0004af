//! The web adapter, end to end on one machine: a tiny web app (a std `TcpListener` answering
//! `hello from the app: <method> <target>`, keep-alive), the `lambda-zero-adapter` executable
//! as the function's `bootstrap` (no app command: it serves the app already listening), and
//! the mock Runtime API serving it every vendored HTTP sample event.
//!
//! ```text
//! cargo build --release --bin lambda-zero-adapter
//! cargo run --release --features testing --example adapter_demo -- target/release/lambda-zero-adapter
//! ```
//!
//! (`scripts/adapter-demo.sh` does both.) Prints each event's status and body as the
//! adapter returned them and the round trip per invocation seen by the mock; exits non-zero
//! when an event is not answered with the app's 200.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};

/// The HTTP samples the demo serves (from `tests/events`): one of each source.
const EVENTS: &[&str] = &[
    "example-apigw-request.json",
    "example-apigw-v2-request-no-authorizer.json",
    "example-alb-lambda-target-request-headers-only.json",
    "lambda-http/lambda_function_url_request.json",
    "example-apigw-websocket-request.json",
];

/// Answers every request on `conn` until the adapter closes it.
fn serve(mut conn: TcpStream) {
    let mut pending = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        let head_len = match req.parse(&pending) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => match conn.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    pending.extend_from_slice(&buf[..n]);
                    continue;
                }
            },
            Err(_) => return,
        };
        let body_len = req
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
            .unwrap_or(0usize);
        let text = format!(
            "hello from the app: {} {}\n",
            req.method.unwrap_or("?"),
            req.path.unwrap_or("?")
        );
        while pending.len() < head_len + body_len {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => pending.extend_from_slice(&buf[..n]),
            }
        }
        pending.drain(..head_len + body_len);
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        if conn.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

fn main() -> ExitCode {
    let Some(adapter) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: adapter_demo PATH/TO/lambda-zero-adapter");
        return ExitCode::from(2);
    };
    let listener = match TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("adapter_demo: cannot listen on loopback: {e}");
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || serve(conn));
        }
    });
    let mock = match MockRuntimeApi::start() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("adapter_demo: cannot start the mock Runtime API: {e}");
            return ExitCode::FAILURE;
        }
    };
    let events_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events");
    let mut pushed = Vec::new();
    for name in EVENTS {
        match std::fs::read(events_dir.join(name)) {
            Ok(event) => pushed.push((name, mock.push(Invocation::new(event)))),
            Err(e) => {
                eprintln!("adapter_demo: cannot read tests/events/{name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let start = Instant::now();
    let child = Command::new(&adapter)
        .envs(mock.lambda_env(&adapter))
        .env("AWS_LWA_PORT", port.to_string())
        .stdin(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("adapter_demo: cannot start {}: {e}", adapter.display());
            return ExitCode::FAILURE;
        }
    };
    let outcomes = mock.wait_outcomes(pushed.len(), Duration::from_secs(20));
    let elapsed = start.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    let mut ok = outcomes.len() == pushed.len();
    println!("app on 127.0.0.1:{port}, adapter {}", adapter.display());
    for ((name, _), outcome) in pushed.iter().zip(&outcomes) {
        let (status, body) = match outcome {
            Outcome::Response { body, .. } => {
                let res: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
                (
                    res["statusCode"].as_u64().unwrap_or(0),
                    res["body"].as_str().unwrap_or("").trim_end().to_string(),
                )
            }
            other => (0, format!("{:?}", other.error_type())),
        };
        ok &= status == 200 && body.starts_with("hello from the app");
        println!("  {name:<52} {status} {body}");
    }
    println!(
        "{} events answered in {:.1} ms (adapter start, readiness check and every round trip)",
        outcomes.len(),
        elapsed.as_secs_f64() * 1e3
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("adapter_demo: an event was not answered with the app's 200");
        ExitCode::FAILURE
    }
}
