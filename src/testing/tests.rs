//! The mock driven by a plain `std` TCP client, byte for byte.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::wire::{self, Incoming, RequestReader};
use super::*;

const WAIT: Duration = Duration::from_secs(5);

/// One HTTP answer as the client read it.
#[derive(Debug)]
struct Got {
    version: u8,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The exact bytes of the body on the wire (chunk framing included).
    raw_body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        record::find(&self.headers, name)
    }

    fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }
}

/// A minimal blocking HTTP/1.1 client, independent of the server's parser.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(server: &MockRuntimeApi) -> Client {
        let stream = TcpStream::connect(server.addr()).expect("connect to the mock");
        stream.set_read_timeout(Some(WAIT)).expect("set timeout");
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to the mock");
    }

    fn get_next(&mut self) {
        self.send(&next_request(""));
    }

    /// Reads more bytes; false on end of stream.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
            Err(e) => panic!("read from the mock failed: {e}"),
        }
    }

    /// Everything until the server closes the connection.
    fn read_to_end(&mut self) -> Vec<u8> {
        while self.fill() {}
        std::mem::take(&mut self.buf)
    }

    /// True when the server closed the connection with nothing more sent.
    fn at_eof(&mut self) -> bool {
        self.buf.is_empty() && !self.fill()
    }

    fn read_answer(&mut self) -> Got {
        let (version, status, headers, head_len) = loop {
            let mut slots = [httparse::EMPTY_HEADER; 512];
            let mut resp = httparse::Response::new(&mut slots);
            match resp.parse(&self.buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let headers = resp
                        .headers
                        .iter()
                        .map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).into()))
                        .collect::<Vec<(String, String)>>();
                    break (
                        resp.version.unwrap_or(9),
                        resp.code.unwrap_or(0),
                        headers,
                        n,
                    );
                }
                Ok(httparse::Status::Partial) => {
                    assert!(
                        self.fill(),
                        "connection closed inside a head: {:?}",
                        self.buf
                    )
                }
                Err(e) => panic!("bad head from the mock: {e}"),
            }
        };
        self.buf.drain(..head_len);
        let chunked = record::find(&headers, "transfer-encoding").is_some();
        let (body, raw_len) = if chunked {
            loop {
                if let Some(done) = dechunk(&self.buf) {
                    break done;
                }
                assert!(self.fill(), "connection closed inside a chunked body");
            }
        } else {
            let len: usize = record::find(&headers, "content-length")
                .map_or(0, |v| v.parse().expect("numeric Content-Length"));
            while self.buf.len() < len {
                assert!(self.fill(), "connection closed inside a body");
            }
            (self.buf[..len].to_vec(), len)
        };
        let raw_body = self.buf.drain(..raw_len).collect();
        Got {
            version,
            status,
            headers,
            body,
            raw_body,
        }
    }
}

/// A plain chunked decoder for the client side: `(body, bytes used)` once complete.
fn dechunk(data: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let eol = pos + data[pos..].windows(2).position(|w| w == b"\r\n")?;
        let size = usize::from_str_radix(std::str::from_utf8(&data[pos..eol]).ok()?, 16).ok()?;
        pos = eol + 2;
        if size == 0 {
            // No trailers from the server: just the final CRLF.
            return (data.get(pos..pos + 2)? == b"\r\n").then_some((body, pos + 2));
        }
        body.extend_from_slice(data.get(pos..pos + size)?);
        pos += size + 2;
        if pos > data.len() {
            return None;
        }
    }
}

fn next_request(prefix: &str) -> Vec<u8> {
    format!("GET {prefix}/2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
        .into_bytes()
}

fn post(what: &str, id: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST /2018-06-01/runtime/invocation/{id}/{what} HTTP/1.1\r\nHost: x\r\n{extra}\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

fn post_response(id: &str, body: &[u8]) -> Vec<u8> {
    post("response", id, "", body)
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

#[test]
fn basic_next_response_flow() {
    let server = MockRuntimeApi::start().unwrap();
    assert!(server.endpoint().starts_with("127.0.0.1:"));
    assert_eq!(
        server.endpoint_url(),
        format!("http://{}", server.endpoint())
    );
    let id = server.push(
        Invocation::new(r#"{"a":1}"#)
            .tenant_id("tenant-7")
            .invocation_id("inv-9")
            .client_context(r#"{"client":{}}"#)
            .identity(r#"{"cognitoIdentityId":"x"}"#),
    );
    let mut client = Client::connect(&server);
    let before = epoch_ms();
    client.get_next();
    let event = client.read_answer();
    assert_eq!((event.version, event.status), (1, 200));
    assert_eq!(event.body, br#"{"a":1}"#);
    assert_eq!(
        event.header("Lambda-Runtime-Aws-Request-Id"),
        Some(id.as_str())
    );
    assert_eq!(event.header("Content-Length"), Some("7"));
    assert_eq!(event.header("Content-Type"), Some("application/json"));
    assert_eq!(
        event.header("Lambda-Runtime-Invoked-Function-Arn"),
        Some(DEFAULT_FUNCTION_ARN)
    );
    assert_eq!(
        event.header("Lambda-Runtime-Aws-Tenant-Id"),
        Some("tenant-7")
    );
    assert_eq!(event.header("Lambda-Runtime-Invocation-Id"), Some("inv-9"));
    assert_eq!(
        event.header("Lambda-Runtime-Client-Context"),
        Some(r#"{"client":{}}"#)
    );
    assert_eq!(
        event.header("Lambda-Runtime-Cognito-Identity"),
        Some(r#"{"cognitoIdentityId":"x"}"#)
    );
    assert!(event
        .header("Lambda-Runtime-Trace-Id")
        .is_some_and(|t| t.starts_with("Root=1-")));
    assert!(event.header("Date").is_some_and(|d| d.ends_with(" GMT")));
    let deadline: u64 = event
        .header("Lambda-Runtime-Deadline-Ms")
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        deadline >= before + 3000 && deadline <= epoch_ms() + 3000,
        "{deadline}"
    );

    client.send(&post(
        "response",
        &id,
        "Lambda-Runtime-Invocation-Id: inv-9\r\n",
        b"out",
    ));
    let ack = client.read_answer();
    assert_eq!(ack.status, 202);
    assert_eq!(ack.header("Content-Length"), Some("0"));
    assert!(ack.body.is_empty());

    let outcomes = server.wait_outcomes(1, WAIT);
    assert_eq!(outcomes.len(), 1);
    match &outcomes[0] {
        Outcome::Response {
            request_id,
            body,
            headers,
        } => {
            assert_eq!(
                (request_id.as_str(), body.as_slice()),
                (id.as_str(), &b"out"[..])
            );
            assert_eq!(
                record::find(headers, "lambda-runtime-invocation-id"),
                Some("inv-9")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!((server.outcome_count(&id), server.post_count(&id)), (1, 1));
    assert_eq!(server.served(), vec![id.clone()]);
    assert_eq!(server.connections(), 1);
    assert!(server.round_trip(&id).is_some());
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[1].method.as_str()),
        ("GET", "POST")
    );
    assert_eq!(requests[1].body, b"out");
    assert_eq!(requests[1].connection, 0);
}

#[test]
fn pipelined_requests_are_all_answered_in_order() {
    let server = MockRuntimeApi::start().unwrap();
    let ids: Vec<String> = (0..3)
        .map(|i| server.push_event(format!("event-{i}")))
        .collect();
    let mut client = Client::connect(&server);
    client.get_next();
    assert_eq!(client.read_answer().body, b"event-0");
    // What the runtime does: the response and the next GET in one write.
    let mut both = post_response(&ids[0], b"r0");
    both.extend_from_slice(&next_request(""));
    client.send(&both);
    assert_eq!(client.read_answer().status, 202);
    assert_eq!(client.read_answer().body, b"event-1");
    // Three at once: an error post, the next GET, and the init of nothing else.
    let mut three = post(
        "error",
        &ids[1],
        "Lambda-Runtime-Function-Error-Type: Function.X\r\n",
        b"{}",
    );
    three.extend_from_slice(&next_request(""));
    three.extend_from_slice(&post_response(&ids[2], b"early"));
    client.send(&three);
    assert_eq!(client.read_answer().status, 202);
    assert_eq!(client.read_answer().body, b"event-2");
    assert_eq!(client.read_answer().status, 202);
    let outcomes = server.wait_outcomes(3, WAIT);
    let got: Vec<Option<&str>> = outcomes.iter().map(Outcome::request_id).collect();
    assert_eq!(
        got,
        ids.iter().map(|s| Some(s.as_str())).collect::<Vec<_>>()
    );
    assert_eq!(outcomes[1].error_type(), Some("Function.X"));
    assert_eq!(server.connections(), 1);
}

#[test]
fn pipelined_requests_survive_byte_by_byte_arrival() {
    /// Hands out one byte per read, records what is written.
    struct OneByte {
        input: Vec<u8>,
        pos: usize,
    }
    impl Read for OneByte {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.input.get(self.pos), buf.first_mut()) {
                (Some(&b), Some(slot)) => {
                    *slot = b;
                    self.pos += 1;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }
    impl Write for OneByte {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut input = post_response("a", b"0123456789");
    input.extend_from_slice(
        b"POST /2018-06-01/runtime/invocation/b/response HTTP/1.1\r\n\
          Transfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n\
          3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: v\r\n\r\n",
    );
    input.extend_from_slice(&next_request(""));
    let mut stream = OneByte { input, pos: 0 };
    let mut reader = RequestReader::new();
    let Incoming::Request(first) = reader.next(&mut stream) else {
        panic!("first")
    };
    assert_eq!(first.body, b"0123456789");
    let Incoming::Request(second) = reader.next(&mut stream) else {
        panic!("second")
    };
    assert!(second.chunked);
    assert_eq!(second.body, b"abc0123456789");
    assert_eq!(second.trailers, vec![("X-T".to_string(), "v".to_string())]);
    let Incoming::Request(third) = reader.next(&mut stream) else {
        panic!("third")
    };
    assert_eq!((third.method.as_str(), third.body.len()), ("GET", 0));
    assert!(matches!(reader.next(&mut stream), Incoming::Closed));
}

#[test]
fn chunked_event_framing() {
    let server = MockRuntimeApi::start().unwrap();
    server.push(Invocation::new("hello world!").chunked(5));
    server.push(Invocation::new("xy").chunked(0)); // clamped to 1-byte chunks
    let mut client = Client::connect(&server);
    client.get_next();
    let event = client.read_answer();
    assert_eq!(event.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(event.header("Content-Length"), None);
    assert_eq!(
        event.raw_body,
        b"5\r\nhello\r\n5\r\n worl\r\n2\r\nd!\r\n0\r\n\r\n"
    );
    assert_eq!(event.body, b"hello world!");
    client.get_next();
    assert_eq!(
        client.read_answer().raw_body,
        b"1\r\nx\r\n1\r\ny\r\n0\r\n\r\n"
    );
}

#[test]
fn scripted_next_statuses_come_before_the_event() {
    let server = MockRuntimeApi::start().unwrap();
    server.script_many(Route::Next, [408, 503]);
    server.push_event("e");
    let mut client = Client::connect(&server);
    for want in [408, 503] {
        client.get_next();
        let answer = client.read_answer();
        assert_eq!(answer.status, want);
        let text = String::from_utf8(answer.body).unwrap();
        assert!(text.starts_with(r#"{"errorMessage":"#) && text.contains(r#""errorType":"#));
    }
    client.get_next();
    let event = client.read_answer();
    assert_eq!((event.status, event.body.as_slice()), (200, &b"e"[..]));
    // A 500 scripted while a GET is already waiting answers it at once.
    client.get_next();
    thread::sleep(Duration::from_millis(50));
    server.script(Route::Next, Answer::status(500).body("down"));
    let answer = client.read_answer();
    assert_eq!((answer.status, answer.body.as_slice()), (500, &b"down"[..]));
    assert_eq!(server.pending(), 0);
}

#[test]
fn scripted_post_statuses_reject_the_post() {
    let server = MockRuntimeApi::start().unwrap();
    let id = server.push_event("e");
    let mut client = Client::connect(&server);
    client.get_next();
    client.read_answer();
    server.script_many(Route::Response, [410, 413, 500]);
    for want in [410, 413, 500] {
        client.send(&post_response(&id, b"r"));
        assert_eq!(client.read_answer().status, want);
    }
    server.script(Route::Error, 403);
    client.send(&post("error", &id, "", b"{}"));
    assert_eq!(client.read_answer().status, 403);
    assert!(server.outcomes().is_empty());
    assert_eq!((server.post_count(&id), server.outcome_count(&id)), (4, 0));
    // Unscripted again: accepted.
    client.send(&post_response(&id, b"r"));
    assert_eq!(client.read_answer().status, 202);
    assert_eq!((server.post_count(&id), server.outcome_count(&id)), (5, 1));

    // Init error: scripted 500 rejects, the default accepts.
    server.script(Route::InitError, 500);
    let init = b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\n\
        Lambda-Runtime-Function-Error-Type: Runtime.InitFailed\r\nContent-Length: 2\r\n\r\n{}";
    client.send(init);
    assert_eq!(client.read_answer().status, 500);
    client.send(init);
    assert_eq!(client.read_answer().status, 202);
    let outcomes = server.wait_outcomes(2, WAIT);
    assert_eq!(
        outcomes[1],
        Outcome::InitError {
            error_type: "Runtime.InitFailed".into(),
            body: b"{}".to_vec()
        }
    );
}

#[test]
fn response_limit_answers_413() {
    let server = MockRuntimeApi::builder()
        .response_limit(10)
        .start()
        .unwrap();
    let id = server.push_event("e");
    let mut client = Client::connect(&server);
    client.get_next();
    client.read_answer();
    client.send(&post_response(&id, b"01234567890"));
    let answer = client.read_answer();
    assert_eq!(answer.status, 413);
    assert!(String::from_utf8_lossy(&answer.body).contains("RequestEntityTooLarge"));
    client.send(&post_response(&id, b"0123456789"));
    assert_eq!(client.read_answer().status, 202);
}

#[test]
fn acknowledgement_styles() {
    let server = MockRuntimeApi::builder()
        .ack(Route::Response, Ack::ok().json())
        .start()
        .unwrap();
    server.set_ack(Route::Error, Ack::accepted().chunked());
    let id = server.push_event("e");
    let mut client = Client::connect(&server);
    client.get_next();
    client.read_answer();
    client.send(&post_response(&id, b"r"));
    let ack = client.read_answer();
    assert_eq!(
        (ack.status, ack.body.as_slice()),
        (200, &br#"{"status":"OK"}"#[..])
    );
    assert_eq!(ack.header("Content-Length"), Some("15"));
    client.send(&post("error", &id, "", b"{}"));
    let ack = client.read_answer();
    assert_eq!(ack.status, 202);
    assert_eq!(ack.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(ack.raw_body, b"f\r\n{\"status\":\"OK\"}\r\n0\r\n\r\n");
    // A scripted 2xx is an acceptance with that status.
    server.script(Route::Response, 200);
    client.send(&post_response(&id, b"r"));
    assert_eq!(client.read_answer().status, 200);
    assert_eq!(server.outcome_count(&id), 3);
}

#[test]
fn outcomes_record_errors_streams_and_decoded_ids() {
    let server = MockRuntimeApi::start().unwrap();
    let mut client = Client::connect(&server);
    // A request id with bytes that must be percent-encoded in a path.
    let odd = server.push(Invocation::new("e").request_id("a b/c%"));
    client.get_next();
    assert_eq!(
        client.read_answer().header("Lambda-Runtime-Aws-Request-Id"),
        Some("a b/c%")
    );
    client.send(&post(
        "error",
        "a%20b%2Fc%25",
        "Lambda-Runtime-Function-Error-Type: Function.Bad\r\n",
        b"{\"errorMessage\":\"m\"}",
    ));
    assert_eq!(client.read_answer().status, 202);

    let id = server.push_event("e2");
    client.get_next();
    client.read_answer();
    let stream = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: x\r\n\
         Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n\
         Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n\
         5\r\nhello\r\n1\r\n!\r\n0\r\nLambda-Runtime-Function-Error-Type: Function.Late\r\n\
         Lambda-Runtime-Function-Error-Body: eyJlcnJvck1lc3NhZ2UiOiJsYXRlIn0=\r\n\r\n"
    );
    client.send(stream.as_bytes());
    assert_eq!(client.read_answer().status, 202);

    let outcomes = server.wait_outcomes(2, WAIT);
    assert_eq!(
        outcomes[0],
        Outcome::Error {
            request_id: odd.clone(),
            error_type: "Function.Bad".into(),
            body: b"{\"errorMessage\":\"m\"}".to_vec(),
        }
    );
    let Outcome::Streamed {
        request_id,
        body,
        trailers,
        ..
    } = &outcomes[1]
    else {
        panic!("{:?}", outcomes[1]);
    };
    assert_eq!(
        (request_id, body.as_slice(), trailers.len()),
        (&id, &b"hello!"[..], 2)
    );
    assert_eq!(outcomes[1].error_type(), Some("Function.Late"));
    assert!(outcomes[1].is_error());
    assert_eq!(
        outcomes[1].stream_error_body().as_deref(),
        Some(&br#"{"errorMessage":"late"}"#[..])
    );
    assert_eq!(server.outcome_count(&odd), 1);
    let recorded = server.requests();
    assert!(recorded[3].chunked);
    assert_eq!(
        recorded[3].trailer("lambda-runtime-function-error-type"),
        Some("Function.Late")
    );
    assert_eq!(server.take_outcomes().len(), 2);
    assert!(server.outcomes().is_empty());
    assert_eq!(server.outcome_count(&id), 1);
}

#[test]
fn shutdown_does_not_hang() {
    let server = MockRuntimeApi::builder().path_prefix("p").start().unwrap();
    // One client being trickled a long answer, one long-polling on an empty queue, one stuck
    // mid-request and one idle.
    server
        .push(Invocation::new(vec![b'x'; 10_000]).fault(Fault::Trickle(Duration::from_millis(5))));
    let mut slow = Client::connect(&server);
    slow.send(&next_request("/p"));
    thread::sleep(Duration::from_millis(100));
    let mut waiting = Client::connect(&server);
    waiting.send(&next_request("/p"));
    let mut partial = Client::connect(&server);
    partial.send(b"POST /p/2018-06-01/runtime/invocation/x/response HTTP/1.1\r\nContent-Length: 100\r\n\r\nab");
    let mut idle = Client::connect(&server);
    thread::sleep(Duration::from_millis(100));
    assert_eq!(server.connections(), 4);
    let started = Instant::now();
    drop(server);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");
    assert!(waiting.at_eof());
    assert!(partial.at_eof());
    assert!(idle.at_eof());
    let trickled = slow.read_to_end();
    assert!(
        !trickled.is_empty() && trickled.len() < 10_000,
        "{}",
        trickled.len()
    );
}

#[test]
fn waiting_for_outcomes_times_out() {
    let server = MockRuntimeApi::start().unwrap();
    let started = Instant::now();
    assert!(server
        .wait_outcomes(1, Duration::from_millis(100))
        .is_empty());
    assert_eq!(server.wait_outcome_count(1, Duration::from_millis(100)), 0);
    assert!(server
        .wait_requests(1, Duration::from_millis(100))
        .is_empty());
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn idle_next_gets_408() {
    let server = MockRuntimeApi::builder()
        .idle_timeout(Duration::from_millis(100))
        .start()
        .unwrap();
    let mut client = Client::connect(&server);
    let started = Instant::now();
    client.get_next();
    assert_eq!(client.read_answer().status, 408);
    assert!(started.elapsed() >= Duration::from_millis(100));
    server.push_event("late");
    client.get_next();
    assert_eq!(client.read_answer().body, b"late");
}

#[test]
fn long_poll_is_answered_when_an_event_arrives_and_never_loses_one() {
    let server = MockRuntimeApi::start().unwrap();
    // A client that gave up while waiting must not swallow the event.
    let mut gone = Client::connect(&server);
    gone.get_next();
    thread::sleep(Duration::from_millis(50));
    drop(gone);
    let mut client = Client::connect(&server);
    client.get_next();
    thread::sleep(Duration::from_millis(50));
    server.push_event("for the living");
    assert_eq!(client.read_answer().body, b"for the living");
}

#[test]
fn path_prefix_routes() {
    let server = MockRuntimeApi::builder()
        .path_prefix("/lambda/fn/")
        .start()
        .unwrap();
    assert_eq!(
        server.endpoint_url(),
        format!("http://{}/lambda/fn", server.endpoint())
    );
    server.push_event("e");
    let mut client = Client::connect(&server);
    client.get_next(); // no prefix
    assert_eq!(client.read_answer().status, 404);
    client.send(&next_request("/lambda/fn"));
    assert_eq!(client.read_answer().body, b"e");
    let env = server.lambda_env(std::path::Path::new("/var/task/bootstrap"));
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        get("AWS_LAMBDA_RUNTIME_API"),
        Some(server.endpoint_url().as_str())
    );
    assert_eq!(get("LAMBDA_TASK_ROOT"), Some("/var/task"));
    assert_eq!(get("_HANDLER"), Some("bootstrap"));
}

#[test]
fn bad_requests_get_400_and_close() {
    let server = MockRuntimeApi::start().unwrap();
    let bad: [&[u8]; 5] = [
        b"\x00\x01garbage\r\n\r\n",
        b"POST /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"POST /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
        b"POST /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"POST /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ];
    for bytes in bad {
        let mut client = Client::connect(&server);
        client.send(bytes);
        let answer = client.read_answer();
        assert_eq!(answer.status, 400, "{}", String::from_utf8_lossy(bytes));
        assert_eq!(answer.header("Connection"), Some("close"));
        assert!(client.at_eof());
    }
    let mut client = Client::connect(&server);
    client.send(b"POST /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n");
    assert_eq!(client.read_answer().status, 413);
    // Unknown paths and wrong methods are answered, and the connection stays usable.
    let mut client = Client::connect(&server);
    client.send(b"GET /nope HTTP/1.1\r\n\r\n");
    assert_eq!(client.read_answer().status, 404);
    client.send(b"POST /2018-06-01/runtime/invocation/next HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(client.read_answer().status, 405);
    client.send(b"GET /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\n\r\n");
    assert_eq!(client.read_answer().status, 405);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn expect_100_continue_and_client_connection_close() {
    let server = MockRuntimeApi::start().unwrap();
    let mut client = Client::connect(&server);
    client.send(b"POST /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    assert_eq!(client.read_answer().status, 100);
    client.send(b"ok");
    assert_eq!(client.read_answer().status, 202);
    client.send(b"GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(client.read_answer().status, 404);
    assert!(client.at_eof());
    let mut old = Client::connect(&server);
    old.send(b"GET /x HTTP/1.0\r\n\r\n");
    assert_eq!(old.read_answer().status, 404);
    assert!(old.at_eof());
}

/// Serves one event with `fault` and returns the client after it asked for it.
fn serve_with(fault: Fault, body: &str) -> (MockRuntimeApi, Client, String) {
    let server = MockRuntimeApi::start().unwrap();
    let id = server.push(Invocation::new(body).fault(fault));
    let mut client = Client::connect(&server);
    client.get_next();
    (server, client, id)
}

#[test]
fn faults_that_close_the_connection() {
    let (server, mut client, id) = serve_with(Fault::CloseBeforeHeaders, "body");
    assert!(client.at_eof());
    assert_eq!(server.served(), vec![id]);
    // The next event goes to the next connection, normally.
    server.push_event("next");
    let mut again = Client::connect(&server);
    again.get_next();
    assert_eq!(again.read_answer().body, b"next");

    let (_server, mut client, _) = serve_with(Fault::CloseMidHeaders, "body");
    let bytes = client.read_to_end();
    assert!(bytes.starts_with(b"HTTP/1.1 200 OK\r\n"));
    assert!(
        !bytes.windows(4).any(|w| w == b"\r\n\r\n"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );

    let (_server, mut client, _) = serve_with(Fault::CloseMidBody, "0123456789");
    let bytes = client.read_to_end();
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(&bytes[head_end..], b"01234");

    let (_server, mut client, _) = serve_with(Fault::CloseAfterEvent, "whole");
    assert_eq!(client.read_answer().body, b"whole");
    assert!(client.at_eof());

    let (_server, mut client, _) = serve_with(Fault::ConnectionClose, "whole");
    let answer = client.read_answer();
    assert_eq!(answer.header("Connection"), Some("close"));
    assert!(client.at_eof());

    let (_server, mut client, _) = serve_with(Fault::Http10, "whole");
    let answer = client.read_answer();
    assert_eq!((answer.version, answer.body.as_slice()), (0, &b"whole"[..]));
    assert!(client.at_eof());
}

#[test]
fn close_after_ack_drops_the_pipelined_get() {
    let (server, mut client, id) = serve_with(Fault::CloseAfterAck, "e");
    server.push_event("never on this connection");
    assert_eq!(client.read_answer().body, b"e");
    let mut both = post_response(&id, b"r");
    both.extend_from_slice(&next_request(""));
    client.send(&both);
    assert_eq!(client.read_answer().status, 202);
    assert!(client.at_eof());
    assert_eq!(server.outcome_count(&id), 1);
    assert_eq!(server.pending(), 1);
}

#[test]
fn lost_acknowledgement_is_not_an_outcome() {
    let server = MockRuntimeApi::start().unwrap();
    let id = server.push_event("e");
    let mut client = Client::connect(&server);
    client.get_next();
    client.read_answer();
    server.script(Route::Response, Fault::CloseMidHeaders);
    client.send(&post_response(&id, b"r"));
    let cut = client.read_to_end();
    assert!(!cut.is_empty() && !cut.windows(4).any(|w| w == b"\r\n\r\n"));
    // The runtime re-sends on a new connection: now it counts.
    let mut client = Client::connect(&server);
    client.send(&post_response(&id, b"r"));
    assert_eq!(client.read_answer().status, 202);
    assert_eq!((server.post_count(&id), server.outcome_count(&id)), (2, 1));
    assert_eq!(server.connections(), 2);
}

#[test]
fn trickled_answer_arrives_intact_and_slowly() {
    let pause = Duration::from_micros(300);
    let (_server, mut client, id) = serve_with(Fault::Trickle(pause), "trickled");
    let started = Instant::now();
    let answer = client.read_answer();
    let bytes = answer.raw_body.len() + 150; // the head is well over 150 bytes
    assert!(
        started.elapsed() >= pause * bytes as u32,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(answer.body, b"trickled");
    assert_eq!(
        answer.header("Lambda-Runtime-Aws-Request-Id"),
        Some(id.as_str())
    );
}

#[test]
fn framing_faults() {
    let (_server, mut client, _) = serve_with(Fault::ConflictingContentLength, "abc");
    let raw = String::from_utf8(client.read_to_end_after(Duration::from_millis(200))).unwrap();
    assert!(
        raw.contains("Content-Length: 3\r\nContent-Length: 4\r\n"),
        "{raw}"
    );

    let (_server, mut client, _) = serve_with(Fault::GarbageContentLength, "abc");
    let raw = String::from_utf8(client.read_to_end_after(Duration::from_millis(200))).unwrap();
    assert!(
        raw.contains("Content-Length: twelve\r\n") && raw.ends_with("\r\n\r\nabc"),
        "{raw}"
    );

    let (server, mut client, _) = serve_with(Fault::HugeDeclaredLength, "{}");
    let raw = client.read_to_end_after(Duration::from_millis(200));
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(String::from_utf8_lossy(&raw[..head_end]).contains("Content-Length: 104857600\r\n"));
    assert_eq!(raw.len() - head_end, 4096);
    assert!(raw[head_end..].starts_with(b"{} "));
    // The connection is still open and still served.
    server.push_event("after");
    client.get_next();
    assert_eq!(client.read_answer().body, b"after");

    let (_server, mut client, _) = serve_with(Fault::OversizedBody, "small");
    let answer = client.read_answer();
    assert_eq!(answer.body.len(), 7 * 1024 * 1024);
    assert!(answer.body.starts_with(b"{\"padding\":\"xx") && answer.body.ends_with(b"x\"}"));
}

#[test]
fn header_faults() {
    let (_server, mut client, _) = serve_with(Fault::HugeHeaderBlock, "e");
    let answer = client.read_answer();
    assert_eq!(
        answer.header("X-Mock-Padding").map(str::len),
        Some(64 * 1024)
    );

    let (_server, mut client, _) = serve_with(Fault::ManyHeaders, "e");
    let answer = client.read_answer();
    assert!(answer.headers.len() >= 200 + 5);
    assert_eq!(answer.header("X-Mock-Header-199"), Some("199"));

    let (_server, mut client, _) = serve_with(Fault::MissingRequestId, "e");
    assert_eq!(
        client
            .read_answer()
            .header_count("Lambda-Runtime-Aws-Request-Id"),
        0
    );

    let (_server, mut client, _) = serve_with(Fault::GarbageRequestId, "e");
    let answer = client.read_answer();
    assert_eq!(
        answer.header("Lambda-Runtime-Aws-Request-Id"),
        Some(GARBAGE_REQUEST_ID)
    );

    let (_server, mut client, _) = serve_with(Fault::GarbageDeadline, "e");
    assert_eq!(
        client.read_answer().header("Lambda-Runtime-Deadline-Ms"),
        Some("soon")
    );
}

#[test]
fn invocation_options() {
    let server = MockRuntimeApi::start().unwrap();
    server.push(
        Invocation::new("e")
            .request_id("r")
            .deadline_ms(42)
            .function_arn("arn:x")
            .trace_id("")
            .content_type("")
            .header("X-Extra", "Yes")
            .lowercase_headers(true),
    );
    let mut client = Client::connect(&server);
    client.get_next();
    let mut names = Vec::new();
    let answer = client.read_answer();
    for (n, _) in &answer.headers {
        names.push(n.as_str());
    }
    assert_eq!(
        names,
        [
            "lambda-runtime-aws-request-id",
            "lambda-runtime-deadline-ms",
            "lambda-runtime-invoked-function-arn",
            "X-Extra",
            "date",
            "content-length"
        ]
    );
    assert_eq!(answer.header("lambda-runtime-deadline-ms"), Some("42"));
    assert_eq!(
        answer.header("lambda-runtime-invoked-function-arn"),
        Some("arn:x")
    );
}

#[test]
fn raw_answers_are_sent_verbatim() {
    let server = MockRuntimeApi::start().unwrap();
    let raw =
        b"HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: raw\r\ncontent-length: 2\r\n\r\nhi";
    server.push_raw(raw.to_vec());
    server.push_event("normal");
    let mut client = Client::connect(&server);
    client.get_next();
    let answer = client.read_answer();
    assert_eq!(
        (answer.body.as_slice(), answer.header("Date")),
        (&b"hi"[..], None)
    );
    client.get_next();
    assert_eq!(client.read_answer().body, b"normal");
    assert_eq!(server.served().len(), 1);
}

#[test]
fn multiple_connections_long_poll_at_once() {
    let server = MockRuntimeApi::start().unwrap();
    let mut clients: Vec<Client> = (0..3).map(|_| Client::connect(&server)).collect();
    for c in &mut clients {
        c.get_next();
    }
    thread::sleep(Duration::from_millis(50));
    for i in 0..3 {
        server.push_event(format!("e{i}"));
    }
    let mut bodies: Vec<Vec<u8>> = clients.iter_mut().map(|c| c.read_answer().body).collect();
    bodies.sort();
    assert_eq!(bodies, [b"e0".to_vec(), b"e1".to_vec(), b"e2".to_vec()]);
}

#[test]
fn helpers() {
    let at = |s| wire::http_date(UNIX_EPOCH + Duration::from_secs(s));
    assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
    assert_eq!(at(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
    assert_eq!(wire::percent_decode("a%20b%2fc%zz%4"), "a b/c%zz%4");
    assert_eq!(wire::decode_base64(b"aGk=").as_deref(), Some(&b"hi"[..]));
    assert_eq!(
        wire::decode_base64(b"aGVsbG8h").as_deref(),
        Some(&b"hello!"[..])
    );
    assert_eq!(wire::decode_base64(b"a$"), None);
    let ids: std::collections::HashSet<String> =
        (0..10_000).map(|_| wire::new_request_id()).collect();
    assert_eq!(ids.len(), 10_000);
    let id = ids.iter().next().unwrap();
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12]);
    assert!(
        id.as_bytes()[14] == b'4' && b"89ab".contains(&id.as_bytes()[19]),
        "{id}"
    );
}

impl Client {
    /// Everything that arrives until the server goes quiet for `quiet` (or closes).
    fn read_to_end_after(&mut self, quiet: Duration) -> Vec<u8> {
        self.stream
            .set_read_timeout(Some(quiet))
            .expect("set timeout");
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    break
                }
                Err(e) => panic!("{e}"),
            }
        }
        self.stream
            .set_read_timeout(Some(WAIT))
            .expect("set timeout");
        std::mem::take(&mut self.buf)
    }
}
