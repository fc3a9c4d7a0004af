//! The web adapter's handlers (`lambda_zero::adapter::forward`, what `lambda-zero-adapter`
//! runs) allocate nothing per request: every vendored HTTP sample event, twice, forwarded to a
//! real app over loopback, buffered and streamed, counted from the end of init (buffers and
//! configuration made, before the first connection to the app) by a counting global allocator
//! armed on the runtime's thread only (`tests/common/counting.rs`; the app's threads are not
//! counted).
#![cfg(all(feature = "http", feature = "testing"))]
#![allow(clippy::result_large_err)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lambda_zero::adapter::config::AdapterConfig;
use lambda_zero::adapter::forward::{
    Buffered, Forwarder, Streaming, BUFFERED_ANSWER_CAPACITY, STREAMING_ANSWER_CAPACITY,
};
use lambda_zero::adapter::readiness::Readiness;
use lambda_zero::testing::{Invocation, MockRuntimeApi, Outcome};
use lambda_zero::Runtime;

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

#[path = "common/adapter_apps.rs"]
mod apps;
#[path = "common/http_samples.rs"]
mod http_samples;

/// One test at a time: the count is process-wide.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn events() -> Vec<Vec<u8>> {
    http_samples::SAMPLES
        .iter()
        .map(|(name, _)| {
            std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/events")
                    .join(name),
            )
            .unwrap()
        })
        .collect()
}

fn forwarder(port: u16, capacity: usize) -> Forwarder {
    forwarder_with(port, capacity, &[])
}

fn forwarder_with(port: u16, capacity: usize, vars: &[(&str, &str)]) -> Forwarder {
    let port = port.to_string();
    let config = AdapterConfig::from_lookup(|name| match name {
        "AWS_LWA_PORT" => Some(port.clone()),
        _ => vars
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string()),
    })
    .expect("configuration");
    let readiness = Arc::new(Readiness::new(&config).expect("readiness"));
    Forwarder::new(Arc::new(config), readiness, capacity).expect("forwarder")
}

/// Serves every event twice through the handler `init` makes; returns the outcomes and the
/// allocations on the runtime's thread after init.
fn serve<H, K>(init: impl FnOnce() -> H + Send + 'static) -> (Vec<Outcome>, u64)
where
    H: lambda_zero::Function<K> + Send + 'static,
{
    let events = events();
    counting::reset_total();
    let server = MockRuntimeApi::builder()
        .record_requests(false)
        .start()
        .expect("mock");
    for _ in 0..2 {
        for event in &events {
            server.push(Invocation::new(event.clone()));
        }
    }
    let total = 2 * events.len();
    let endpoint = server.endpoint();
    let mut init = Some(init);
    std::thread::spawn(move || {
        let served = Runtime::new(&endpoint)
            .expect("endpoint")
            .max_invocations(total as u64)
            .run_with_init(|_| {
                let handler = (init.take().expect("one init"))();
                counting::arm(true);
                Ok(handler)
            });
        counting::arm(false);
        served.expect("the runtime finished cleanly");
    })
    .join()
    .expect("runtime thread");
    let allocations = counting::total();
    let outcomes = server.wait_outcomes(total, Duration::from_secs(60));
    assert_eq!(outcomes.len(), total, "every event answered");
    (outcomes, allocations)
}

#[test]
fn buffered_forwarding_allocates_nothing_per_request() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let app = apps::App::start(apps::Behaviour::Echo);
    let port = app.port;
    let (outcomes, allocations) =
        serve(move || Buffered::new(forwarder(port, BUFFERED_ANSWER_CAPACITY)));
    for outcome in &outcomes {
        let Outcome::Response { body, .. } = outcome else {
            panic!("not a response: {:?}", outcome.error_type())
        };
        assert!(
            body.starts_with(b"{\"statusCode\":200"),
            "every event reached the app"
        );
    }
    eprintln!(
        "buffered: {} requests: {allocations} allocations",
        outcomes.len()
    );
    assert_eq!(allocations, 0, "heap allocations after init");
    // One forwarded request per event (besides them, the app saw the readiness check).
    let forwarded = app
        .heads
        .lock()
        .unwrap()
        .iter()
        .filter(|h| h.contains("x-amzn-lambda-context"))
        .count();
    assert_eq!(forwarded, outcomes.len());
}

#[cfg(feature = "compression")]
#[test]
fn buffered_forwarding_with_gzip_allocates_nothing_per_request() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let app = apps::App::start(apps::Behaviour::Echo);
    let port = app.port;
    let (outcomes, allocations) = serve(move || {
        Buffered::new(forwarder_with(
            port,
            BUFFERED_ANSWER_CAPACITY,
            &[("AWS_LWA_ENABLE_COMPRESSION", "true")],
        ))
    });
    let gzipped = outcomes
        .iter()
        .filter(|o| {
            let res: serde_json::Value = serde_json::from_slice(o.body()).unwrap();
            assert_eq!(res["statusCode"], 200, "{res}");
            // REST answers carry their headers in multiValueHeaders.
            let encoding = res["headers"]["content-encoding"]
                .as_str()
                .or_else(|| res["multiValueHeaders"]["content-encoding"][0].as_str());
            let gzip = encoding == Some("gzip");
            // Base64 of the gzip magic and the deflate method.
            let magic = res["body"].as_str().is_some_and(|b| b.starts_with("H4sI"));
            assert_eq!(gzip, magic, "{res}");
            gzip
        })
        .count();
    eprintln!(
        "buffered with gzip: {} requests ({gzipped} gzipped): {allocations} allocations",
        outcomes.len()
    );
    // The six samples whose client takes gzip (REST, its variants, WebSocket), twice each.
    assert_eq!(gzipped, 12, "answers gzipped");
    assert_eq!(allocations, 0, "heap allocations after init");
}

#[test]
fn streamed_forwarding_allocates_nothing_per_request() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let app = apps::App::start(apps::Behaviour::Chunked);
    let port = app.port;
    let (outcomes, allocations) =
        serve(move || Streaming::new(forwarder(port, STREAMING_ANSWER_CAPACITY)));
    for outcome in &outcomes {
        let Outcome::Streamed { body, trailers, .. } = outcome else {
            panic!("not streamed: {:?}", outcome.error_type())
        };
        assert!(trailers.is_empty(), "{trailers:?}");
        assert!(
            body.starts_with(b"{\"statusCode\":200"),
            "every event reached the app"
        );
        assert!(body.ends_with(apps::CHUNKS.concat().as_bytes()));
    }
    eprintln!(
        "streamed: {} requests: {allocations} allocations",
        outcomes.len()
    );
    assert_eq!(allocations, 0, "heap allocations after init");
}
