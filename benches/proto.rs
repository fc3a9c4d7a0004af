//! Micro-benchmarks of the sans-IO protocol code: reading a whole `/next` response (head and
//! body, `Content-Length` and chunked) and an acknowledgement, and writing the request heads.
//! Throughput is in bytes of HTTP handled.

#[path = "support/mock.rs"]
mod mock;

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use lambda_zero::__private::proto::body::Reader;
use lambda_zero::__private::proto::request::{self, Writer};
use lambda_zero::__private::proto::{Endpoint, MAX_EVENT_BODY};

/// A `/next` head as the Runtime API sends it, ending in `framing` (one header line).
fn next_head(framing: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
Lambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8-9739-2dfe598c3fcd\r\n\
Lambda-Runtime-Deadline-Ms: 1542409706888\r\n\
Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:echo\r\n\
Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n\
Date: Tue, 01 Jan 2030 00:00:00 GMT\r\n{framing}\r\n\r\n"
    )
    .into_bytes()
}

/// `body` framed with `Content-Length`.
fn with_length(body: &[u8]) -> Vec<u8> {
    let mut wire = next_head(&format!("Content-Length: {}", body.len()));
    wire.extend_from_slice(body);
    wire
}

/// `body` in chunks of `chunk` bytes, as Go's net/http sends a body of unknown length.
fn chunked(body: &[u8], chunk: usize) -> Vec<u8> {
    let mut wire = next_head("Transfer-Encoding: chunked");
    for part in body.chunks(chunk) {
        wire.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        wire.extend_from_slice(part);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    wire
}

fn events() -> Vec<(&'static str, Vec<u8>)> {
    let dir = mock::events_dir(Path::new(env!("CARGO_MANIFEST_DIR")));
    mock::bench_events(&dir).unwrap_or_else(|e| {
        eprintln!("proto bench: {e}");
        std::process::exit(1)
    })
}

fn parse_next(c: &mut Criterion) {
    let mut group = c.benchmark_group("proto/read_next");
    for (name, body) in events() {
        // Content-Length bodies are read where they lie: the buffer is not changed, so one copy
        // serves every iteration.
        let mut wire = with_length(&body);
        let len = wire.len();
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function(format!("length/{name}"), |b| {
            let mut reader = Reader::new(MAX_EVENT_BODY as u64, false);
            b.iter(|| {
                let mut filled = len;
                let message = reader.advance(black_box(&mut wire), &mut filled, false);
                assert!(matches!(message, Ok(Some(_))), "{message:?}");
                black_box(message)
            })
        });
        // Chunked bodies are decoded in place: each iteration gets a fresh copy (not timed).
        let wire = chunked(&body, 4096);
        let len = wire.len();
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_function(format!("chunked-4KiB/{name}"), |b| {
            let mut reader = Reader::new(MAX_EVENT_BODY as u64, false);
            b.iter_batched_ref(
                || wire.clone(),
                |buf| {
                    let mut filled = len;
                    let message = reader.advance(buf, &mut filled, false);
                    assert!(matches!(message, Ok(Some(_))), "{message:?}");
                    black_box(message)
                },
                if len > 16 * 1024 {
                    BatchSize::LargeInput
                } else {
                    BatchSize::SmallInput
                },
            )
        });
    }
    group.finish();
}

fn parse_ack(c: &mut Criterion) {
    let mut group = c.benchmark_group("proto/read_ack");
    // Acknowledgement bodies are squeezed out in place: a fresh copy per iteration (not timed).
    let wire = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n\
Date: Tue, 01 Jan 2030 00:00:00 GMT\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n"
        .to_vec();
    let len = wire.len();
    group.throughput(Throughput::Bytes(len as u64));
    group.bench_function("202", |b| {
        // As the runtime reads acknowledgements: bodies dropped, at most 64 KiB of them.
        let mut reader = Reader::new(64 * 1024, true);
        b.iter_batched_ref(
            || wire.clone(),
            |buf| {
                let mut filled = len;
                let message = reader.advance(buf, &mut filled, false);
                assert!(matches!(message, Ok(Some(_))), "{message:?}");
                black_box(message)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn write_heads(c: &mut Criterion) {
    let mut group = c.benchmark_group("proto/write");
    let ep = match Endpoint::parse("127.0.0.1:9001") {
        Ok(ep) => ep,
        Err(e) => {
            eprintln!("proto bench: {e:?}");
            std::process::exit(1)
        }
    };
    let mut buf = vec![0u8; 64 * 1024];
    let request_id = b"8476a536-e9f4-11e8-9739-2dfe598c3fcd";
    let invocation_id = b"5f2c8b6e-3a1d-4c9e-8f7b-1e2d3c4b5a69";

    let mut measure =
        |name: &str, write: &mut dyn FnMut(&mut Writer<'_>) -> Result<(), request::Full>| {
            let len = {
                let mut w = Writer::new(&mut buf);
                assert!(write(&mut w).is_ok());
                w.len()
            };
            group.throughput(Throughput::Bytes(len as u64));
            group.bench_function(name, |b| {
                b.iter(|| {
                    let mut w = Writer::new(black_box(&mut buf));
                    let result = write(&mut w);
                    black_box((result, w.len()))
                })
            });
        };
    measure("next", &mut |w| request::write_next(w, &ep));
    measure("response_head", &mut |w| {
        request::write_response_head(w, &ep, request_id, None, 1229)
    });
    measure("response_head+invocation_id", &mut |w| {
        request::write_response_head(w, &ep, request_id, Some(invocation_id), 1_048_576)
    });
    measure("error_head", &mut |w| {
        request::write_error_head(w, &ep, request_id, None, "Function.Panic", 96)
    });
    measure("error_body", &mut |w| {
        request::write_error_body(
            w,
            "Function.Panic",
            "handler panicked: index out of bounds: the len is 3 but the index is 7",
        )
    });
    group.finish();
}

criterion_group!(benches, parse_next, parse_ack, write_heads);
criterion_main!(benches);
