//! The extension shape: in a layer, the adapter is `/opt/extensions/<name>`, which Lambda
//! starts next to the function's own runtime. It registers as an external extension (for no
//! events, as the Lambda Web Adapter does), keeps an event poll open so that Lambda counts the
//! extension's init as done, and takes the invocations from the Runtime API itself. The
//! function's runtime starts the app instead of its usual handler loop, through
//! `AWS_LAMBDA_EXEC_WRAPPER` (see `docs/adapter.md`).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Where extensions live in an execution environment.
pub const EXTENSIONS_DIR: &str = "/opt/extensions/";

/// Registers with the Extensions API at `runtime_api` (`host:port`) under `name`; returns the
/// extension identifier Lambda gave.
pub fn register(runtime_api: &str, name: &str) -> io::Result<String> {
    let body = br#"{"events":[]}"#;
    let head = format!(
        "POST /2020-01-01/extension/register HTTP/1.1\r\nHost: {runtime_api}\r\n\
         Lambda-Extension-Name: {name}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let answer = exchange(
        runtime_api,
        head.as_bytes(),
        body,
        Some(Duration::from_secs(10)),
    )?;
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&answer) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(io::Error::other("the Extensions API's answer is not HTTP")),
    }
    if response.code != Some(200) {
        return Err(io::Error::other(format!(
            "the Extensions API refused the registration with status {}",
            response.code.unwrap_or(0)
        )));
    }
    response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("lambda-extension-identifier"))
        .and_then(|h| core::str::from_utf8(h.value).ok())
        .map(str::to_string)
        .ok_or_else(|| io::Error::other("the registration's answer has no extension identifier"))
}

/// Polls `GET /2020-01-01/extension/event/next` forever, on a thread of its own (an extension
/// registered for no events gets only `SHUTDOWN`, when the environment ends).
pub fn poll_events(runtime_api: String, id: String) {
    std::thread::spawn(move || loop {
        let head = format!(
            "GET /2020-01-01/extension/event/next HTTP/1.1\r\nHost: {runtime_api}\r\n\
             Lambda-Extension-Identifier: {id}\r\nConnection: close\r\n\r\n"
        );
        if exchange(&runtime_api, head.as_bytes(), b"", None).is_err() {
            std::thread::sleep(Duration::from_millis(100));
        }
    });
}

/// Sends one request on a new connection and reads the answer until the connection closes.
fn exchange(
    runtime_api: &str,
    head: &[u8],
    body: &[u8],
    timeout: Option<Duration>,
) -> io::Result<Vec<u8>> {
    let addr = runtime_api
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))?;
    let mut conn = TcpStream::connect(addr)?;
    conn.set_read_timeout(timeout)?;
    conn.write_all(head)?;
    conn.write_all(body)?;
    // Read until the head and its `Content-Length` of body are in (the server may keep the
    // connection open).
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(answer);
        }
        answer.extend_from_slice(&buf[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        if let Ok(httparse::Status::Complete(len)) = response.parse(&answer) {
            let body = response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| {
                    core::str::from_utf8(h.value)
                        .ok()?
                        .trim()
                        .parse::<usize>()
                        .ok()
                })
                .unwrap_or(0);
            if answer.len() >= len + body {
                return Ok(answer);
            }
        }
    }
}

/// Whether the adapter runs as an extension: its path is under `/opt/extensions/`, or
/// `LAMBDA_ZERO_ADAPTER_EXTENSION` is set to `true` (for tests and custom layouts).
pub fn is_extension(program: &str) -> bool {
    program.starts_with(EXTENSIONS_DIR)
        || std::env::var("LAMBDA_ZERO_ADAPTER_EXTENSION").is_ok_and(|v| v.trim() == "true")
}
