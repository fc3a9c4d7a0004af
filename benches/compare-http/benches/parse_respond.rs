//! Parse + respond per invocation, for each HTTP source: lambda-zero (`examples/http_echo`
//! behind `lambda_zero::http::Http`, the event parsed in place) against `lambda_http` (the
//! event deserialized into its `LambdaRequest`, its `Adapter`: request conversion, the same
//! echo, `IntoResponse` and the response for the origin, serialized), on the same events.
//!
//! `cargo bench` here (`nice` it: the machine is shared). One criterion group,
//! `parse_respond`, with `lambda-zero/<source>` and `lambda_http/<source>` for each source.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lambda_zero::http::Source;
use lambda_zero_compare_http::{events, LambdaHttpEcho, LambdaZeroEcho};

/// The event each source is measured on.
fn per_source() -> Vec<(Source, Vec<u8>)> {
    let pick = [
        (Source::ApiGatewayRest, "example-apigw-request.json"),
        (Source::HttpApi, "lambda-http/apigw_v2_proxy_request.json"),
        (
            Source::FunctionUrl,
            "lambda-http/lambda_function_url_request.json",
        ),
        (
            Source::Alb,
            "example-alb-lambda-target-request-multivalue-headers.json",
        ),
        (Source::WebSocket, "example-apigw-websocket-request.json"),
        (Source::VpcLattice, "generated: VPC Lattice"),
    ];
    let all = events();
    pick.iter()
        .map(|&(source, name)| {
            let (_, event, _) = all.iter().find(|(n, _, _)| n == name).expect(name);
            (source, event.clone())
        })
        .collect()
}

fn parse_respond(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_respond");
    let mut zero = LambdaZeroEcho::default();
    let mut http = LambdaHttpEcho::default();
    for (source, event) in per_source() {
        group.bench_function(format!("lambda-zero/{}", source.name()), |b| {
            b.iter_batched_ref(
                || event.clone(),
                |buf| zero.invoke(buf),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("lambda_http/{}", source.name()), |b| {
            b.iter(|| http.respond(&event))
        });
    }
    group.finish();
}

criterion_group!(benches, parse_respond);
criterion_main!(benches);
