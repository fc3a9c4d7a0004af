//! Web apps for the adapter's end-to-end tests: small HTTP/1.1 servers on loopback, each
//! behaving one way (an echo of the request as JSON over keep-alive, a chunked streamer, an
//! HTTP/1.0 server that closes after each answer, and faulty ones), and the harness that runs
//! the `lambda-zero-adapter` binary against the mock Runtime API.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use lambda_zero::testing::MockRuntimeApi;
use serde_json::{json, Value};

/// How an app answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Keep-alive HTTP/1.1: the request as JSON (`method`, `target`, `headers`, `body` in
    /// base64), `Content-Length` framed. `/status/<n>` answers with status n; `/binary` answers
    /// 256 bytes 0..=255 as `application/octet-stream`; `/cookies` sets two cookies. Faults:
    /// `/fault/reset` answers part of a response and resets the connection, `/fault/garbage`
    /// answers bytes that are not HTTP, `/fault/close` closes without answering,
    /// `/fault/hang` never answers (the connection is held 30 s), `/fault/huge` answers a
    /// 64 MiB body.
    Echo,
    /// Keep-alive HTTP/1.1, a chunked body in several writes: `part-0 ` ... `part-4`, 20 ms
    /// apart.
    Chunked,
    /// HTTP/1.0 answers without a length, the connection closed after each (as
    /// `python3 -m http.server`'s handlers do by default).
    CloseEach,
    /// As `Echo`, but every connection is closed after its first answer without saying so
    /// (keep-alive framing, no `Connection: close`), as an app with a short idle timeout does.
    SilentClose,
}

/// A running app: its port, what it saw.
pub struct App {
    pub port: u16,
    /// Requests served, connections accepted.
    pub requests: Arc<AtomicUsize>,
    pub connections: Arc<AtomicUsize>,
    /// Each request's head as received (request line and headers), in order.
    pub heads: Arc<Mutex<Vec<String>>>,
}

impl App {
    /// Starts an app on a free port.
    pub fn start(behaviour: Behaviour) -> App {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let app = App {
            port,
            requests: Arc::new(AtomicUsize::new(0)),
            connections: Arc::new(AtomicUsize::new(0)),
            heads: Arc::new(Mutex::new(Vec::new())),
        };
        let (requests, connections, heads) = (
            app.requests.clone(),
            app.connections.clone(),
            app.heads.clone(),
        );
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                connections.fetch_add(1, Ordering::SeqCst);
                let (requests, heads) = (requests.clone(), heads.clone());
                thread::spawn(move || serve(conn, behaviour, &requests, &heads));
            }
        });
        app
    }
}

/// One parsed request.
pub struct Received {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub head: String,
}

/// Reads one request from `conn` (`None` at the end of the connection).
pub fn read_request(conn: &mut TcpStream, pending: &mut Vec<u8>) -> Option<Received> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut req = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(len)) = req.parse(pending) {
            let headers: Vec<(String, String)> = req
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect();
            let length = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.trim().parse::<usize>().unwrap());
            let method = req.method.unwrap().to_string();
            let target = req.path.unwrap().to_string();
            let head = String::from_utf8_lossy(&pending[..len]).into_owned();
            while pending.len() < len + length {
                let mut buf = [0u8; 65536];
                let n = conn.read(&mut buf).ok()?;
                if n == 0 {
                    return None;
                }
                pending.extend_from_slice(&buf[..n]);
            }
            let body = pending[len..len + length].to_vec();
            pending.drain(..len + length);
            return Some(Received {
                method,
                target,
                headers,
                body,
                head,
            });
        }
        let mut buf = [0u8; 65536];
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        pending.extend_from_slice(&buf[..n]);
    }
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The echo app's JSON for a request.
pub fn echo_json(r: &Received) -> Value {
    json!({
        "method": r.method,
        "target": r.target,
        "headers": r.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
        "body": base64(&r.body),
    })
}

fn serve(
    mut conn: TcpStream,
    behaviour: Behaviour,
    requests: &AtomicUsize,
    heads: &Mutex<Vec<String>>,
) {
    let mut pending = Vec::new();
    while let Some(req) = read_request(&mut conn, &mut pending) {
        requests.fetch_add(1, Ordering::SeqCst);
        heads.lock().unwrap().push(req.head.clone());
        let ok = match behaviour {
            Behaviour::Echo => answer_echo(&mut conn, &req),
            Behaviour::SilentClose => {
                answer_echo(&mut conn, &req);
                false
            }
            Behaviour::Chunked => answer_chunked(&mut conn),
            Behaviour::CloseEach => {
                let body = serde_json::to_vec(&echo_json(&req)).unwrap();
                let _ = conn.write_all(b"HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6\r\nContent-Type: application/json\r\n\r\n");
                let _ = conn.write_all(&body);
                false
            }
        };
        if !ok {
            return;
        }
    }
}

fn reset(conn: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a correctly sized `linger` value.
    unsafe {
        libc::setsockopt(
            conn.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

fn answer(conn: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) -> bool {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).is_ok() && conn.write_all(body).is_ok()
}

fn answer_echo(conn: &mut TcpStream, req: &Received) -> bool {
    let path = req.target.split('?').next().unwrap_or("");
    if let Some(code) = path.strip_prefix("/status/") {
        let status: u16 = code.parse().unwrap_or(500);
        return answer(conn, status, "text/plain", b"as asked");
    }
    match path {
        "/fault/reset" => {
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhalf of it");
            reset(conn);
            false
        }
        "/fault/garbage" => {
            let _ = conn.write_all(b"this is not HTTP at all\r\n\r\n");
            false
        }
        "/fault/close" => false,
        "/fault/hang" => {
            thread::sleep(Duration::from_secs(30));
            false
        }
        "/fault/huge" => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 67108864\r\n\r\n";
            let _ = conn.write_all(head.as_bytes());
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..64 {
                if conn.write_all(&chunk).is_err() {
                    break;
                }
            }
            false
        }
        "/binary" => {
            let body: Vec<u8> = (0..=255u8).collect();
            answer(conn, 200, "application/octet-stream", &body)
        }
        "/cookies" => {
            let head = "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nSet-Cookie: a=1; Secure\r\nSet-Cookie: b=2\r\nX-Custom: yes\r\nContent-Length: 2\r\n\r\nhi";
            conn.write_all(head.as_bytes()).is_ok()
        }
        "/interim" => {
            let head = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nfinal";
            conn.write_all(head.as_bytes()).is_ok()
        }
        _ => {
            let body = serde_json::to_vec(&echo_json(req)).unwrap();
            answer(conn, 200, "application/json", &body)
        }
    }
}

/// The chunks the chunked app sends.
pub const CHUNKS: [&str; 5] = ["part-0 ", "part-1 ", "part-2 ", "part-3 ", "part-4"];

fn answer_chunked(conn: &mut TcpStream) -> bool {
    if conn
        .write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
        )
        .is_err()
    {
        return false;
    }
    for chunk in CHUNKS {
        let piece = format!("{:x};ext=1\r\n{chunk}\r\n", chunk.len());
        if conn.write_all(piece.as_bytes()).is_err() {
            return false;
        }
        let _ = conn.flush();
        thread::sleep(Duration::from_millis(20));
    }
    conn.write_all(b"0\r\nX-Trailer: t\r\n\r\n").is_ok()
}

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The adapter binary, run against `mock` with `env` (on top of the Lambda environment) and
/// the app command `args`; killed with the app it started (its process group) when dropped.
pub struct Adapter {
    pub child: Child,
}

impl Adapter {
    pub fn start(mock: &MockRuntimeApi, env: &[(&str, &str)], args: &[&str]) -> Adapter {
        let exe = env!("CARGO_BIN_EXE_lambda-zero-adapter");
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .envs(mock.lambda_env(std::path::Path::new(exe)))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // Its own process group, so that dropping it also ends the app it started.
            .process_group(0);
        Adapter {
            child: cmd.spawn().expect("the adapter starts"),
        }
    }

    /// Waits for the adapter to exit, up to `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let end = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < end {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(10));
        }
        None
    }
}

impl Drop for Adapter {
    fn drop(&mut self) {
        // SIGKILL to the whole group (the adapter's pid is its group id), then reap the adapter.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
