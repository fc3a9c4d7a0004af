//! The seed corpora: realistic `/next` responses around the real AWS events in
//! `tests/events` (`../tests/events` from this package), and the inputs of the unit-test tables in
//! `src/proto/*.rs` and `src/handler.rs`.
//!
//! `UPDATE_SEEDS=1 cargo test committed_seeds` in `fuzz/` writes them to `seeds/<target>/`;
//! plain `cargo test` checks the committed files still match. Seeds named `crash-*` are
//! minimized crashes kept as regressions; the generator does not produce those.

use std::path::{Path, PathBuf};

use crate::client::{
    AckAnswer, AckStatus, Answer, BodyFraming, Delivery, EventAnswer, EventStatus, IdStyle, Plan,
};
use crate::{BodyInput, ClientInput, WriterInput};

/// Where the real events live: the main crate's `tests/events`.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/events")
}

/// `(name, bytes)` of every event JSON file, sorted by name; empty when the folder is absent.
pub fn events() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in [events_dir(), events_dir().join("lambda-http")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                if let Ok(bytes) = std::fs::read(&path) {
                    let stem = path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    out.push((stem, bytes));
                }
            }
        }
    }
    out.sort();
    out
}

/// How a seed response frames its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length`.
    Length,
    /// `Transfer-Encoding: chunked`, in chunks of this many bytes (as Go's net/http sends a
    /// body written without a length), ending with `0\r\n\r\n`.
    Chunked(usize),
    /// Neither: the body ends at the close (HTTP/1.0 style).
    UntilClose,
}

/// Request ids used in the seeds: a real UUID and the injection attempts of the unit tests.
pub const REQUEST_IDS: &[&[u8]] = &[
    b"8476a536-e9f4-11e8-9739-2dfe598c3fcd",
    b"abc-DEF_1.2~3",
    b"a b",
    b"x HTTP/1.1\r\nEvil: 1\r\n\r\n",
    b"../../init/error",
    b"..",
    b".",
    b"?q=1#f",
    b"\xff\x00",
    b"",
];

/// A `/next` response carrying `body`, with the Lambda headers a real invocation has (and,
/// for odd `variant`s, the optional ones too).
pub fn next_response(body: &[u8], framing: Framing, variant: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let version = if framing == Framing::UntilClose {
        "1.0"
    } else {
        "1.1"
    };
    out.extend_from_slice(
        format!("HTTP/{version} 200 OK\r\nContent-Type: application/json\r\n").as_bytes(),
    );
    out.extend_from_slice(b"Lambda-Runtime-Aws-Request-Id: ");
    out.extend_from_slice(format!("8476a536-e9f4-11e8-9739-2dfe598c{variant:04x}").as_bytes());
    out.extend_from_slice(b"\r\nLambda-Runtime-Deadline-Ms: 1542409706888\r\n");
    out.extend_from_slice(b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-2:123456789012:function:custom-runtime\r\n");
    out.extend_from_slice(b"Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n");
    if variant % 2 == 1 {
        out.extend_from_slice(b"Lambda-Runtime-Client-Context: {\"client\":{\"installation_id\":\"i\",\"app_title\":\"t\"},\"custom\":{},\"env\":{}}\r\n");
        out.extend_from_slice(b"Lambda-Runtime-Cognito-Identity: {\"cognitoIdentityId\":\"us-east-1:1\",\"cognitoIdentityPoolId\":\"p\"}\r\n");
        out.extend_from_slice(b"lambda-runtime-aws-tenant-id: tenant-1\r\n");
        out.extend_from_slice(b"LAMBDA-RUNTIME-INVOCATION-ID: 0b7c1a2e-invocation\r\n");
    }
    out.extend_from_slice(b"Date: Fri, 16 Nov 2018 23:08:26 GMT\r\n");
    frame(&mut out, body, framing);
    out
}

/// Appends the framing headers, the blank line and the framed body.
fn frame(out: &mut Vec<u8>, body: &[u8], framing: Framing) {
    match framing {
        Framing::Length => {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
        }
        Framing::Chunked(size) => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for piece in body.chunks(size.max(1)) {
                out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                out.extend_from_slice(piece);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        }
        Framing::UntilClose => {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(body);
        }
    }
}

/// The acknowledgement the runtime reads after a response or error POST.
pub const ACCEPTED: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nDate: Fri, 16 Nov 2018 23:08:26 GMT\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n";

/// Error answers of the Runtime API (JSON bodies as the service sends them).
pub fn api_errors() -> Vec<(&'static str, Vec<u8>)> {
    let answer = |status: &str, body: &str| {
        let mut out =
            format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\n").into_bytes();
        frame(&mut out, body.as_bytes(), Framing::Length);
        out
    };
    vec![
        ("400", answer("400 Bad Request", "{\"errorMessage\":\"InvalidRequestID\",\"errorType\":\"InvalidRequestID\"}\n")),
        ("403", answer("403 Forbidden", "{\"errorMessage\":\"Invalid state transition\",\"errorType\":\"InvalidStateTransition\"}\n")),
        ("410", answer("410 Gone", "{\"errorMessage\":\"Invocation timed out\",\"errorType\":\"InvocationTimeout\"}\n")),
        ("413", answer("413 Request Entity Too Large", "{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\",\"errorType\":\"RequestEntityTooLarge\"}\n")),
        ("500", answer("500 Internal Server Error", "{\"errorMessage\":\"Internal error\",\"errorType\":\"ServiceException\"}\n")),
    ]
}

/// The response heads of the `parse_head` unit-test tables (`src/proto/response.rs`).
pub const HEAD_TABLE: &[&[u8]] = &[
    b"HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id:  abc \r\nLAMBDA-RUNTIME-AWS-TENANT-ID: t1\r\nlambda-runtime-invocation-id: inv\r\nlambda-runtime-client-context: {}\r\nLambda-Runtime-Cognito-Identity: {\"a\":1}\r\ncontent-length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nLambda-Runtime-Trace-Id: \r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 3\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
    b"SSH-2.0-OpenSSH\r\n\r\n",
    b"HTTP/1.1 2000 OK\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
];

/// Chunked bodies of the `proto::body` unit tests, good and bad (after the chunked head).
pub const CHUNK_TABLE: &[&[u8]] = &[
    b"5\r\nhello\r\n1;ext=1\r\n \r\nB\r\nworld, and!\r\n0\r\nX-Trailer: t\r\n\r\nNEXT",
    b"zz\r\n",
    b"\r\n",
    b"5\nhello\r\n0\r\n\r\n",
    b"5\r\nhelloX\r\n",
    b"5\r\nhello\rX",
    b"11111111111111111\r\n",
    b"5;ext\nhello",
    b"0\r\n\rX",
    b"3e9\r\n",
];

/// Every seed: `(target, file name, bytes)`.
pub fn all() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut seeds = Vec::new();
    let events = events();

    // next_head: heads of real invocations, acknowledgements, API errors, the unit-test table.
    let mut heads: Vec<(String, Vec<u8>)> = Vec::new();
    for (variant, framing) in [Framing::Length, Framing::Chunked(64), Framing::UntilClose]
        .into_iter()
        .enumerate()
    {
        heads.push((
            format!("next-{variant}"),
            next_response(b"{}", framing, variant),
        ));
        heads.push((
            format!("next-all-headers-{variant}"),
            next_response(b"{}", framing, 1),
        ));
    }
    heads.push(("accepted".into(), ACCEPTED.to_vec()));
    heads.push((
        "interim-then-accepted".into(),
        [&b"HTTP/1.1 100 Continue\r\n\r\n"[..], ACCEPTED].concat(),
    ));
    for (name, bytes) in api_errors() {
        heads.push((format!("api-error-{name}"), bytes));
    }
    for (i, head) in HEAD_TABLE.iter().enumerate() {
        heads.push((format!("table-{i:02}"), head.to_vec()));
    }
    // Heads `parse_head` refuses but the runtime salvages the request id from (unit test
    // `refused_heads_still_give_their_request_id`).
    heads.push((
        "salvage-bad-length".into(),
        b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r1\r\nContent-Length: twelve\r\n\r\n"
            .to_vec(),
    ));
    let mut many = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r2\r\n".to_vec();
    for i in 0..70 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"Lambda-Runtime-Invocation-Id: inv\r\n\r\n");
    heads.push(("salvage-many-headers".into(), many));
    // Extensions API register answers (graceful shutdown): an identifier, a refusal.
    heads.push((
        "extension-registered".into(),
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
          Lambda-Extension-Identifier: 8a6f-4f1e\r\nContent-Length: 2\r\n\r\n{}"
            .to_vec(),
    ));
    heads.push((
        "extension-no-identifier".into(),
        b"HTTP/1.1 200 OK\r\nLambda-Extension-Identifier:  \r\nContent-Length: 0\r\n\r\n".to_vec(),
    ));
    for (name, bytes) in heads {
        seeds.push(("next_head", name, bytes));
    }

    // body_reader: every event in a Content-Length and a chunked /next response, some read
    // into small buffers at odd split points, some in discard mode; then the unit tables.
    let chunk_sizes = [1000, 7, 128, 4096, 1];
    for (i, (name, event)) in events.iter().enumerate() {
        let cl = next_response(event, Framing::Length, i);
        let chunked = next_response(
            event,
            Framing::Chunked(chunk_sizes[i % chunk_sizes.len()]),
            i,
        );
        let total = cl.len();
        let (cuts, cap) = match i % 4 {
            0 => (vec![], 0),
            1 => (vec![1, 17, total / 2, total - 1], 0),
            2 => ((1..12).map(|k| k * total / 12).collect(), total + 64),
            _ => (vec![total / 3], chunked.len() / 2),
        };
        let body = |response: &[u8], discard: bool, eof_mode: u8| {
            let input = BodyInput {
                discard,
                eof_mode,
                limit: lambda_zero::__private::proto::MAX_EVENT_BODY as u64,
                capacity: if cap == 0 { 64 * 1024 } else { cap },
                cuts: cuts.clone(),
                response,
            };
            input.encode()
        };
        seeds.push((
            "body_reader",
            format!("cl-{name}"),
            body(&cl, false, (i % 3) as u8),
        ));
        seeds.push((
            "body_reader",
            format!("chunked-{name}"),
            body(&chunked, i % 5 == 4, 1),
        ));
    }
    let plain = |response: Vec<u8>, discard: bool, capacity: usize, limit: u64| {
        BodyInput {
            discard,
            eof_mode: 1,
            limit,
            capacity,
            cuts: vec![],
            response: &response,
        }
        .encode()
    };
    let mut pipelined = ACCEPTED.to_vec();
    pipelined.extend(next_response(b"{\"k\":1}", Framing::Length, 2));
    seeds.push((
        "body_reader",
        "accepted-then-next".into(),
        plain(pipelined, true, 256, 1024),
    ));
    seeds.push((
        "body_reader",
        "interim-then-accepted".into(),
        plain(
            [&b"HTTP/1.1 100 Continue\r\n\r\n"[..], ACCEPTED].concat(),
            false,
            4096,
            1024,
        ),
    ));
    seeds.push((
        "body_reader",
        "until-close".into(),
        plain(
            b"HTTP/1.0 200 OK\r\n\r\nall of it".to_vec(),
            false,
            4096,
            1024,
        ),
    ));
    let mut big_discard = b"HTTP/1.1 202 Accepted\r\nContent-Length: 5000\r\n\r\n".to_vec();
    big_discard.extend(std::iter::repeat_n(b'x', 5000));
    big_discard.extend_from_slice(b"HTTP/1.1 200");
    seeds.push((
        "body_reader",
        "discard-small-buffer".into(),
        plain(
            big_discard,
            true,
            128,
            lambda_zero::__private::proto::MAX_EVENT_BODY as u64,
        ),
    ));
    for (name, bytes) in api_errors() {
        seeds.push((
            "body_reader",
            format!("api-error-{name}"),
            plain(bytes, false, 1024, 1024),
        ));
    }
    for (i, chunk) in CHUNK_TABLE.iter().enumerate() {
        let mut response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        response.extend_from_slice(chunk);
        seeds.push((
            "body_reader",
            format!("chunk-table-{i:02}"),
            plain(response, false, 4096, 1024),
        ));
    }
    for (i, head) in HEAD_TABLE.iter().enumerate() {
        let mut response = head.to_vec();
        response.extend_from_slice(b"hello, world");
        seeds.push((
            "body_reader",
            format!("head-table-{i:02}"),
            plain(response, i % 2 == 0, 4096, 16),
        ));
    }

    // request_writers: the ids, error names, messages and endpoints of the unit tables.
    let names = [
        "BadInput",
        "bad_input",
        "Runtime.Oops",
        "",
        "x",
        "E1",
        "\r\nX-Evil: 1",
        "héllo wörld",
        "Function.",
    ];
    let messages = [
        "m",
        "line1\nsaid \"hi\" \\ \u{1} é",
        "",
        "\u{7f}\u{0}\t\u{2028}",
    ];
    let endpoints = [
        None,
        Some("http://localhost:9000/lambda/"),
        Some("http://[::1]:9000/lambda/fn/"),
        Some("127.0.0.1:9001"),
    ];
    for (i, id) in REQUEST_IDS.iter().enumerate() {
        let input = WriterInput {
            runtime_kind: i % 3 == 1,
            request_id: id,
            invocation_id: [None, Some(&b"inv-1"[..]), Some(&b"x\r\nEvil: 1"[..])][i % 3],
            error_name: names[i % names.len()].to_string(),
            content_type: [
                &b""[..],
                b"text/plain",
                b"application/vnd.awslambda.http-integration-response",
            ][i % 3],
            endpoint: endpoints[i % endpoints.len()].map(str::to_string),
            stream_error: i % 2 == 0,
            body_len: [0, 1234, 6 * 1024 * 1024 + 100, usize::MAX][i % 4],
            capacity: [4096, 120, 10, 0][i % 4],
            piece: [255, 1, 7][i % 3],
            message: messages[i % messages.len()].to_string(),
        };
        seeds.push(("request_writers", format!("table-{i:02}"), input.encode()));
    }
    let cut = WriterInput {
        runtime_kind: false,
        request_id: REQUEST_IDS[0],
        invocation_id: None,
        error_name: "Big".into(),
        content_type: b"",
        endpoint: None,
        stream_error: true,
        body_len: 0,
        capacity: 120,
        piece: 16,
        message: "\"é".repeat(100),
    };
    seeds.push(("request_writers", "error-body-cut".into(), cut.encode()));
    let long = WriterInput {
        message: "é".repeat(1024),
        capacity: 1100,
        error_name: "A".repeat(200),
        ..cut
    };
    seeds.push((
        "request_writers",
        "long-message-and-name".into(),
        long.encode(),
    ));

    for (name, input) in client_inputs() {
        seeds.push(("client", name, input.encode()));
    }
    for (name, bytes) in http_events() {
        seeds.push(("http_event", name, bytes));
    }
    // events: every vendored sample (the typed families read theirs, the others are refused).
    for (name, bytes) in &events {
        seeds.push(("events", name.clone(), bytes.clone()));
    }
    for (name, bytes) in crate::inflate::seeds() {
        seeds.push(("inflate", name, bytes));
    }
    seeds
}

/// The `http_event` seeds: every vendored HTTP sample as it is, then variants the adapter must
/// answer differently: a base64 body (valid, and not base64), no body, a body with JSON escapes
/// and non-ASCII text, and a query of 300 parameters (more than the adapter indexes).
fn http_events() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (path, _source) in crate::http_samples::SAMPLES {
        let Ok(bytes) = std::fs::read(events_dir().join(path)) else {
            continue;
        };
        let stem = path
            .trim_start_matches("lambda-http/")
            .trim_end_matches(".json");
        let Ok(serde_json::Value::Object(event)) = serde_json::from_slice(&bytes) else {
            continue;
        };
        out.push((stem.to_string(), bytes));
        let variant = |edit: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
            let mut e = event.clone();
            edit(&mut e);
            serde_json::to_vec(&e).unwrap_or_default()
        };
        out.push((
            format!("{stem}-base64"),
            variant(&|e| {
                e.insert(
                    "body".into(),
                    crate::http_event::encode(b"\x00\xffbinary\r\n").into(),
                );
                e.insert("isBase64Encoded".into(), true.into());
            }),
        ));
        out.push((
            format!("{stem}-bad-base64"),
            variant(&|e| {
                e.insert("body".into(), "not base64!".into());
                e.insert("isBase64Encoded".into(), true.into());
            }),
        ));
        out.push((
            format!("{stem}-no-body"),
            variant(&|e| {
                e.remove("body");
                e.remove("isBase64Encoded");
            }),
        ));
        out.push((
            format!("{stem}-escaped-body"),
            variant(&|e| {
                e.insert("body".into(), "{\"a\":\"\u{e9}\\n\\\"\"}\t\u{1F600}".into());
                e.insert("isBase64Encoded".into(), false.into());
            }),
        ));
        let query: Vec<String> = (0..300).map(|i| format!("p{i}=v{i}")).collect();
        out.push((
            format!("{stem}-300-parameters"),
            variant(&|e| {
                e.insert("rawQueryString".into(), query.join("&").into());
                let params: serde_json::Map<String, serde_json::Value> = (0..300)
                    .map(|i| (format!("p{i}"), format!("v{i}").into()))
                    .collect();
                e.insert("queryStringParameters".into(), params.into());
            }),
        ));
    }
    out
}

/// A pool of real event bodies for the `client` seeds (leaked once: seeds borrow it).
fn client_pool() -> &'static [u8] {
    use std::sync::OnceLock;
    static POOL: OnceLock<Vec<u8>> = OnceLock::new();
    POOL.get_or_init(|| {
        let wanted = ["example-sqs-event", "example-s3-event", "apigw_v2_proxy_request", "example-eventbridge-schedule"];
        let events = events();
        let mut pool = Vec::new();
        for w in wanted {
            if let Some((_, bytes)) = events.iter().find(|(n, _)| n == w) {
                pool.extend_from_slice(bytes);
            }
        }
        if pool.is_empty() {
            pool.extend_from_slice(b"{\"Records\":[{\"body\":\"hello\"}]}");
        }
        pool.extend_from_slice(b"!please fail{\"x\":1}HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: raw-1\r\nContent-Length: 2\r\n\r\n{}");
        pool
    })
}

/// The `client` seeds: realistic runs (pipelined and not, every framing, drops and re-sends,
/// refused connections, error statuses, odd ids, broken events, handler errors).
pub fn client_inputs() -> Vec<(String, ClientInput<'static>)> {
    let pool = client_pool();
    let event =
        |id: IdStyle, body_len: u16, framing: BodyFraming, flags: u8, delivery: Delivery| {
            Answer::Event(EventAnswer {
                id,
                body_len,
                framing,
                status: EventStatus::Ok,
                flags,
                delivery,
            })
        };
    let whole = Delivery::whole;
    let ack = |status: AckStatus| {
        Answer::Ack(AckAnswer {
            status,
            body_len: 16,
            chunked: false,
            close: false,
            delivery: Delivery::whole(),
        })
    };
    let accepted = || ack(AckStatus::Accepted);
    let bytes = |pieces: &[u8], cut: Option<u16>, reset: bool| Delivery {
        pieces: pieces.to_vec(),
        cut,
        reset,
    };
    let mut out = Vec::new();
    let mut plan = |name: &str,
                    pipelining: bool,
                    max_invocations: u8,
                    refusals: &[bool],
                    answers: Vec<Answer>| {
        let plan = Plan {
            pipelining,
            max_invocations,
            refusals: refusals.to_vec(),
            answers,
            snap_start: 0,
        };
        out.push((name.to_string(), ClientInput { plan, pool }));
    };
    let chunked = |piece: u8| BodyFraming::Chunked {
        piece,
        ext: piece % 2 == 1,
        trailer: piece.is_multiple_of(3),
    };

    plan(
        "pipelined-events",
        true,
        0,
        &[],
        vec![
            event(IdStyle::Plain, 1256, BodyFraming::Length, 1, whole()),
            accepted(),
            event(IdStyle::Plain, 1038, chunked(128), 16, whole()),
            accepted(),
            event(
                IdStyle::Plain,
                1230,
                chunked(7),
                0,
                bytes(&[1, 13, 200], None, false),
            ),
            accepted(),
        ],
    );
    plan(
        "one-at-a-time",
        false,
        3,
        &[],
        vec![
            event(
                IdStyle::Plain,
                300,
                BodyFraming::Length,
                5,
                bytes(&[3], None, false),
            ),
            ack(AckStatus::Ok),
            event(IdStyle::Odd, 300, BodyFraming::Length, 0, whole()),
            ack(AckStatus::Gone),
            event(IdStyle::Plain, 348, BodyFraming::UntilClose, 0, whole()),
            accepted(),
        ],
    );
    plan(
        "drops-and-resends",
        true,
        0,
        &[false, true, false],
        vec![
            event(IdStyle::Plain, 200, BodyFraming::Length, 1, whole()),
            Answer::Close,
            Answer::Reset,
            ack(AckStatus::Accepted),
            event(
                IdStyle::Plain,
                100,
                chunked(1),
                0,
                bytes(&[5], Some(40), false),
            ),
            Answer::FailWrite,
            event(IdStyle::Plain, 100, BodyFraming::Length, 0, whole()),
            Answer::Ack(AckAnswer {
                status: AckStatus::Accepted,
                body_len: 40,
                chunked: true,
                close: true,
                delivery: bytes(&[2], None, false),
            }),
        ],
    );
    plan(
        "odd-ids-and-statuses",
        true,
        0,
        &[],
        vec![
            Answer::Event(EventAnswer {
                id: IdStyle::Plain,
                body_len: 10,
                framing: BodyFraming::Length,
                status: EventStatus::Timeout,
                flags: 0,
                delivery: whole(),
            }),
            event(IdStyle::Missing, 20, BodyFraming::Length, 0, whole()),
            event(IdStyle::Empty, 20, BodyFraming::Length, 0, whole()),
            event(IdStyle::NonUtf8, 20, BodyFraming::Length, 1, whole()),
            accepted(),
            Answer::Event(EventAnswer {
                id: IdStyle::Plain,
                body_len: 20,
                framing: chunked(4),
                status: EventStatus::Interim,
                flags: 4,
                delivery: whole(),
            }),
            ack(AckStatus::Other(299)),
            Answer::Event(EventAnswer {
                id: IdStyle::Plain,
                body_len: 0,
                framing: BodyFraming::Length,
                status: EventStatus::Fatal,
                flags: 0,
                delivery: whole(),
            }),
        ],
    );
    plan(
        "broken-events",
        false,
        0,
        &[],
        vec![
            event(IdStyle::Plain, 64, BodyFraming::BadChunk, 1, whole()),
            accepted(),
            event(IdStyle::Plain, 64, BodyFraming::Huge, 0, whole()),
            ack(AckStatus::BadRequest),
            event(IdStyle::Plain, 64, BodyFraming::WrongLength(-3), 8, whole()),
            ack(AckStatus::TooLarge),
            event(IdStyle::Plain, 64, BodyFraming::WrongLength(5), 0, whole()),
        ],
    );
    plan(
        "refusals-resent-unless-pipelined",
        false,
        0,
        &[],
        vec![
            event(IdStyle::Plain, 40, BodyFraming::Length, 1, whole()),
            ack(AckStatus::Other(503)),
            ack(AckStatus::Other(408)),
            accepted(),
            event(IdStyle::Plain, 40, chunked(16), 0, whole()),
            ack(AckStatus::Other(429)),
            Answer::Close,
            accepted(),
        ],
    );
    plan(
        "refusal-with-pipelined-get",
        true,
        0,
        &[],
        vec![
            event(IdStyle::Plain, 40, BodyFraming::Length, 0, whole()),
            ack(AckStatus::Other(503)),
            event(IdStyle::Plain, 40, BodyFraming::Length, 0, whole()),
            accepted(),
        ],
    );
    plan(
        "bad-content-length",
        true,
        0,
        &[],
        vec![
            event(
                IdStyle::Plain,
                32,
                BodyFraming::ConflictingLength,
                1,
                whole(),
            ),
            accepted(),
            event(IdStyle::Plain, 32, BodyFraming::Length, 0, whole()),
            accepted(),
        ],
    );
    let fail_at = pool.iter().position(|&b| b == b'!').unwrap_or(0);
    plan(
        "handler-error-and-raw",
        true,
        0,
        &[],
        vec![
            Answer::Raw {
                len: fail_at as u16,
                delivery: whole(),
            },
            event(IdStyle::Plain, 19, BodyFraming::Length, 2, whole()),
            accepted(),
            Answer::Raw {
                len: 80,
                delivery: bytes(&[9], None, false),
            },
            ack(AckStatus::Fatal),
        ],
    );
    plan(
        "refused-then-gone",
        true,
        2,
        &[true, true, false],
        vec![
            event(
                IdStyle::Plain,
                500,
                chunked(255),
                0,
                bytes(&[100, 1], None, false),
            ),
            Answer::Ack(AckAnswer {
                status: AckStatus::Accepted,
                body_len: 0,
                chunked: false,
                close: false,
                delivery: bytes(&[1], Some(10), true),
            }),
            accepted(),
            event(IdStyle::Plain, 500, BodyFraming::Length, 0, whole()),
            accepted(),
        ],
    );
    // Acknowledgements that stall (nothing, half a head, the head without its body): the
    // runtime's time limit on acknowledgements ends the wait, and the answer is posted again
    // on a new connection; with pipelining the GET behind the stalled POST is lost with it.
    for (name, pipelining) in [("stalled-acks-pipelined", true), ("stalled-acks", false)] {
        plan(
            name,
            pipelining,
            3,
            &[],
            vec![
                event(IdStyle::Plain, 300, BodyFraming::Length, 1, whole()),
                Answer::Stall { sent: 0 },
                event(IdStyle::Plain, 0, BodyFraming::Length, 0, whole()),
                Answer::Stall { sent: 20 },
                accepted(),
                event(IdStyle::Odd, 700, chunked(64), 0, whole()),
                Answer::Stall { sent: 80 },
                accepted(),
                event(IdStyle::Plain, 10, BodyFraming::Length, 0, whole()),
                accepted(),
                event(IdStyle::Plain, 10, BodyFraming::Length, 0, whole()),
                accepted(),
                event(IdStyle::Plain, 10, BodyFraming::Length, 0, whole()),
                accepted(),
            ],
        );
    }

    // SnapStart: the restore answered at once, after a dropped connection, refused, fatal; with
    // passing hooks, a failing after-restore hook, a failing before-snapshot hook.
    let restored = || ack(AckStatus::Ok);
    let snap_plans: Vec<(&str, u8, Vec<Answer>)> = vec![
        (
            "snapstart-restored",
            1 | 8,
            vec![
                restored(),
                event(IdStyle::Plain, 100, BodyFraming::Length, 1, whole()),
                accepted(),
            ],
        ),
        (
            "snapstart-restore-after-a-reset",
            1,
            vec![
                Answer::Reset,
                Answer::Stall { sent: 10 },
                restored(),
                event(IdStyle::Plain, 100, chunked(7), 0, whole()),
                accepted(),
            ],
        ),
        (
            "snapstart-restore-refused",
            1 | 8,
            vec![ack(AckStatus::Forbidden), accepted()],
        ),
        ("snapstart-restore-fatal", 1, vec![ack(AckStatus::Fatal)]),
        (
            "snapstart-after-restore-fails",
            1 | 2 | 8,
            vec![restored(), accepted(), accepted()],
        ),
        (
            "snapstart-before-snapshot-fails",
            1 | 4,
            vec![accepted(), restored()],
        ),
        (
            "hooks-outside-snapstart",
            2 | 4 | 8,
            vec![
                event(IdStyle::Plain, 100, BodyFraming::Length, 0, whole()),
                accepted(),
            ],
        ),
    ];
    for (name, snap_start, answers) in snap_plans {
        let plan = Plan {
            pipelining: true,
            max_invocations: 0,
            refusals: vec![],
            answers,
            snap_start,
        };
        out.push((name.to_string(), ClientInput { plan, pool }));
    }
    out
}
