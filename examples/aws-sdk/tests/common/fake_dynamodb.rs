//! A fake DynamoDB endpoint on loopback: keep-alive HTTP/1.1, every request recorded, each
//! answered by the test's own function (`AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:<port>`).
//!
//! It speaks only what the AWS SDK sends to DynamoDB: a `POST /` with a `Content-Length` body
//! of JSON; anything else gets a `400` and the connection closed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Which connection it came on: 0 for the first accepted one, then 1, 2, ...
    pub connection: usize,
    /// `POST`, ...
    pub method: String,
    /// The request target.
    pub path: String,
    /// Headers in the order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// Every value of the header `name` (case-insensitive), in order.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The one value of the header `name`; `None` when it was not sent. Fails the test when
    /// it was sent more than once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let values = self.headers_named(name);
        assert!(
            values.len() <= 1,
            "{name} sent {} times: {self:?}",
            values.len()
        );
        values.first().copied()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {self:?}"))
    }

    /// The string key `id` of a GetItem request (`{"Key":{"id":{"S":…}}}`).
    pub fn key_id(&self) -> String {
        self.json()["Key"]["id"]["S"]
            .as_str()
            .unwrap_or_else(|| panic!("no string key id: {self:?}"))
            .to_string()
    }
}

/// What the fake answers to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body (`application/x-amz-json-1.0`).
    pub body: String,
    /// How long to wait before answering.
    pub delay: Duration,
}

impl Reply {
    /// `200` with this body.
    pub fn ok(body: impl Into<String>) -> Reply {
        Reply {
            status: 200,
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// DynamoDB's error document for `code` (`{"__type":"<namespace>#<code>","message":…}`).
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        let namespace = if code == "InternalServerError" {
            "com.amazon.coral.service"
        } else {
            "com.amazonaws.dynamodb.v20120810"
        };
        Reply {
            status,
            body:
                serde_json::json!({ "__type": format!("{namespace}#{code}"), "message": message })
                    .to_string(),
            delay: Duration::ZERO,
        }
    }

    /// The same answer after `delay`.
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Answer = dyn Fn(&Request) -> Reply + Send + Sync;

struct Shared {
    requests: Mutex<Vec<Request>>,
    arrived: Condvar,
    answer: Box<Answer>,
    stop: AtomicBool,
    connections: AtomicUsize,
}

/// The fake endpoint; dropping it stops accepting connections.
pub struct FakeDynamoDb {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeDynamoDb {
    /// Listens on a free loopback port and answers every request with `answer`.
    pub fn start(answer: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> FakeDynamoDb {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            answer: Box::new(answer),
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let connection = shared.connections.fetch_add(1, Ordering::SeqCst);
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || serve(stream, connection, &shared));
                }
            })
        };
        FakeDynamoDb {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived (or `timeout` has passed) and returns them all.
    pub fn wait_requests(&self, n: usize, timeout: Duration) -> Vec<Request> {
        let until = Instant::now() + timeout;
        let mut requests = self.shared.requests.lock().unwrap();
        while requests.len() < n {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            requests = self.shared.arrived.wait_timeout(requests, left).unwrap().0;
        }
        requests.clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FakeDynamoDb {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which then sees `stop`.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Serves one connection until the client closes it (or sends something the fake does not
/// speak).
fn serve(stream: TcpStream, connection: usize, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while !shared.stop.load(Ordering::SeqCst) {
        let request = match read_request(&mut reader, connection) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(why) => {
                let body = format!("{{\"message\":\"fake DynamoDB: {why}\"}}");
                let _ = write_reply(&mut writer, 400, &body, connection, true);
                return;
            }
        };
        let reply = (shared.answer)(&request);
        {
            let mut requests = shared.requests.lock().unwrap();
            requests.push(request);
            shared.arrived.notify_all();
        }
        std::thread::sleep(reply.delay);
        if write_reply(&mut writer, reply.status, &reply.body, connection, false).is_err() {
            return;
        }
    }
}

/// The next request on the connection; `Ok(None)` when the client closed it between requests.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    connection: usize,
) -> Result<Option<Request>, String> {
    let mut line = String::new();
    if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
        return Ok(None);
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    let (Some(method), Some(path), Some("HTTP/1.1")) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("not an HTTP/1.1 request line: {line:?}"));
    };
    let (method, path) = (method.to_string(), path.to_string());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("connection closed in the headers".into());
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("not a header: {line:?}"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some() {
        return Err("chunked bodies are not expected from the SDK here".into());
    }
    let length: usize = match header("content-length") {
        Some(v) => v.parse().map_err(|_| format!("bad Content-Length {v:?}"))?,
        None => 0,
    };
    let mut body = vec![0; length];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok(Some(Request {
        connection,
        method,
        path,
        headers,
        body,
    }))
}

fn write_reply(
    writer: &mut TcpStream,
    status: u16,
    body: &str,
    connection: usize,
    close: bool,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let close = if close { "Connection: close\r\n" } else { "" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.0\r\n\
         Content-Length: {}\r\nx-amzn-RequestId: fake-request-{connection}\r\n{close}\r\n",
        body.len()
    );
    // One write: the head and the body in two would be held by Nagle's algorithm until the
    // client's delayed ACK (40 ms a reply on Linux), which the benchmark would then measure.
    let mut reply = head.into_bytes();
    reply.extend_from_slice(body.as_bytes());
    writer.write_all(&reply)?;
    writer.flush()
}
