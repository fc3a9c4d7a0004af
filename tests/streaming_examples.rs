//! The streaming examples, built and run as real bootstrap processes against the mock Runtime
//! API: `examples/stream_echo` streams each event back unchanged in pieces of at most 16 KiB,
//! and `examples/function_url_stream` sends an HTTP integration response (prelude, eight NULs,
//! body) with the prelude, the separator and each line of the body as chunks of their own.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lambda_zero::testing::{MockRuntimeApi, Outcome, RecordedRequest};
use lambda_zero::HTTP_INTEGRATION_CONTENT_TYPE;

const WAIT: Duration = Duration::from_secs(20);
const PIECE: usize = 16 * 1024;

/// The bootstrap process, killed when the test is done with it (or fails).
struct Bootstrap(Child);

impl Bootstrap {
    fn spawn(server: &MockRuntimeApi, bin: &Path) -> Bootstrap {
        let child = Command::new(bin)
            .env_clear()
            .envs(server.lambda_env(bin))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the bootstrap starts");
        Bootstrap(child)
    }
}

impl Drop for Bootstrap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The streamed response the server recorded for `request_id` (the POST to its `/response`).
fn response_post(server: &MockRuntimeApi, request_id: &str) -> RecordedRequest {
    let path = format!("/invocation/{request_id}/response");
    let mut posts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(&path))
        .collect();
    assert_eq!(posts.len(), 1, "one response POST for {request_id}");
    posts.pop().unwrap()
}

fn streamed(outcome: &Outcome) -> (&[u8], &[(String, String)]) {
    match outcome {
        Outcome::Streamed {
            body,
            headers,
            trailers,
            ..
        } => {
            assert!(trailers.is_empty(), "no error trailers: {trailers:?}");
            (body, headers)
        }
        other => panic!("expected a streamed response, got {other:?}"),
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn stream_echo_streams_the_event_back_in_pieces_of_at_most_16_kib() {
    let bin = common::build_bootstrap("stream_echo", &[]);
    let server = MockRuntimeApi::start().unwrap();
    // 40 KiB that are not all the same byte, so a reordered or repeated piece shows.
    let event: Vec<u8> = (0..40 * 1024u32).map(|i| (i % 251) as u8).collect();
    let large = server.push_event(event.clone());
    let empty = server.push_event("");
    let small = server.push_event("tiny");
    let _bootstrap = Bootstrap::spawn(&server, &bin);

    let outcomes = server.wait_outcomes(3, WAIT);
    assert_eq!(outcomes.len(), 3, "every event answered: {outcomes:?}");
    let ids: Vec<_> = outcomes.iter().map(|o| o.request_id().unwrap()).collect();
    assert_eq!(ids, [large.as_str(), empty.as_str(), small.as_str()]);

    let (body, headers) = streamed(&outcomes[0]);
    assert!(
        body == event.as_slice(),
        "the 40 KiB event comes back unchanged"
    );
    assert_eq!(
        header(headers, "Lambda-Runtime-Function-Response-Mode"),
        Some("streaming")
    );
    assert_eq!(
        header(headers, "Content-Type"),
        Some("application/octet-stream")
    );
    let post = response_post(&server, &large);
    assert!(post.chunked, "a streamed response is chunked");
    let sizes = &post.chunk_sizes;
    assert!(sizes.len() >= 3, "40 KiB in at least 3 chunks: {sizes:?}");
    assert!(
        sizes.iter().all(|&n| n <= PIECE),
        "chunks of at most 16 KiB: {sizes:?}"
    );
    assert_eq!(sizes.iter().sum::<usize>(), event.len());

    assert_eq!(
        outcomes[1].body(),
        b"",
        "a 0-byte event gets a 0-byte response"
    );
    assert!(!outcomes[1].is_error(), "{:?}", outcomes[1]);
    let (body, _) = streamed(&outcomes[2]);
    assert_eq!(
        body, b"tiny",
        "the bootstrap kept serving after the empty event"
    );
}

#[test]
fn function_url_stream_sends_prelude_separator_and_body_as_separate_chunks() {
    const PRELUDE: &str = r#"{"statusCode":200,"headers":{"content-type":"text/plain; charset=utf-8","x-streamed-by":"lambda-zero"},"cookies":["visited=1; Path=/"]}"#;
    const LINES: [&str; 4] = [
        "streamed by lambda-zero\n",
        "line 2 of 4\n",
        "line 3 of 4\n",
        "done\n",
    ];
    let bin = common::build_bootstrap("function_url_stream", &[]);
    let server = MockRuntimeApi::start().unwrap();
    let first = server.push_event(r#"{"rawPath":"/","requestContext":{"http":{"method":"GET"}}}"#);
    let second = server.push_event("{}");
    let _bootstrap = Bootstrap::spawn(&server, &bin);

    let outcomes = server.wait_outcomes(2, WAIT);
    assert_eq!(outcomes.len(), 2, "both events answered: {outcomes:?}");
    let body_text = LINES.concat();
    let mut expected = PRELUDE.as_bytes().to_vec();
    expected.extend_from_slice(&[0; 8]);
    expected.extend_from_slice(body_text.as_bytes());
    for (outcome, id) in outcomes.iter().zip([&first, &second]) {
        assert_eq!(outcome.request_id(), Some(id.as_str()));
        let (body, headers) = streamed(outcome);
        assert!(
            body == expected.as_slice(),
            "prelude, 8 NULs, body; got {:?}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(
            header(headers, "Content-Type"),
            Some(HTTP_INTEGRATION_CONTENT_TYPE)
        );
        assert_eq!(
            header(headers, "Lambda-Runtime-Function-Response-Mode"),
            Some("streaming")
        );
        let post = response_post(&server, id);
        let mut pieces = vec![PRELUDE.len(), 8];
        pieces.extend(LINES.iter().map(|l| l.len()));
        assert_eq!(
            post.chunk_sizes, pieces,
            "the prelude, the separator and each line are chunks of their own"
        );
    }
}
