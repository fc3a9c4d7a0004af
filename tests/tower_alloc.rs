//! What `lambda_zero::tower` allocates per warm invocation, counted (`tests/common/counting.rs`):
//! the bridge allocates (`http::Request`'s URI, header map and values, extensions, the body's
//! `Bytes`), the same number of times on every invocation of the same event (nothing grows
//! across invocations), on both drivers; the count is printed for the docs.
#![cfg(feature = "tower")]

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

use std::convert::Infallible;
use std::path::Path;
use std::task::{Context as TaskContext, Poll};

use lambda_zero::http::Http;
use lambda_zero::tower::{Body, Request, TowerHandler};
use lambda_zero::{Config, Context, Handler};
use tower_service::Service;

/// Answers every request with a static JSON body and one header: the service's own part
/// allocates only the response's header map.
#[derive(Clone)]
struct Static;

impl Service<Request> for Static {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _req: Request) -> Self::Future {
        let mut res = http::Response::new(Body::from(r#"{"ok":true}"#));
        res.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        std::future::ready(Ok(res))
    }
}

/// Allocations of each of `n` warm invocations of `event` (after 3 not counted).
fn per_invocation(h: &mut Http<TowerHandler<Static>>, event: &[u8], n: usize) -> Vec<u64> {
    let config = Config::default();
    let ctx = Context::for_test("req-1", &config);
    let mut buf = event.to_vec();
    let mut run = |buf: &mut Vec<u8>| {
        buf.clear();
        buf.extend_from_slice(event);
        let out = h.handle(buf, &ctx).expect("answered");
        assert!(out.starts_with(b"{"), "a response object");
    };
    for _ in 0..3 {
        run(&mut buf);
    }
    (0..n)
        .map(|_| counting::count(|| run(&mut buf)).1)
        .collect()
}

#[test]
fn the_bridge_allocates_the_same_bounded_count_on_every_invocation_on_both_drivers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/events");
    for name in [
        "example-apigw-request.json",
        "lambda-http/apigw_v2_proxy_request.json",
        "example-alb-lambda-target-request-multivalue-headers.json",
    ] {
        let event = std::fs::read(dir.join(name)).unwrap();
        for (driver, mut h) in [
            ("tokio", Http::new(TowerHandler::new(Static).unwrap())),
            ("built-in", Http::new(TowerHandler::built_in(Static))),
        ] {
            counting::arm(true);
            let counts = per_invocation(&mut h, &event, 50);
            counting::arm(false);
            println!(
                "{name} on the {driver} driver: {} allocations per invocation",
                counts[0]
            );
            assert!(
                counts.iter().all(|&c| c == counts[0]),
                "{name}, {driver}: {counts:?}"
            );
            // About one per header value and extension, a few for the URI, maps and body.
            assert!(
                counts[0] > 0 && counts[0] < 200,
                "{name}, {driver}: {counts:?}"
            );
        }
    }
}
