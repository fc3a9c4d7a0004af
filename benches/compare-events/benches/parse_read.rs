//! Parse + a typical read per invocation (iterate the records, touch a few fields; see
//! `src/lib.rs`), for each family: lambda-zero's borrowed types (the event parsed in place,
//! Kinesis data and CloudWatch Logs payloads decoded into reused buffers) against
//! `aws_lambda_events` + `serde_json::from_slice` (owned types; its Kinesis data and
//! CloudWatch Logs payloads decoded during deserialization), on the same events.
//!
//! `cargo bench` here (`nice` it: the machine is shared). One criterion group, `parse_read`,
//! with `lambda-zero/<family>` and `aws_lambda_events/<family>`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use lambda_zero_compare_events::{aws_read, Family, Zero};

fn parse_read(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_read");
    let mut zero = Zero::default();
    for family in Family::ALL {
        let event = family.event();
        assert_eq!(
            zero.read(family, &mut event.clone()),
            aws_read(family, &event)
        );
        group.bench_function(format!("lambda-zero/{}", family.name()), |b| {
            b.iter_batched_ref(
                || event.clone(),
                |buf| zero.read(family, buf),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("aws_lambda_events/{}", family.name()), |b| {
            b.iter(|| aws_read(family, &event))
        });
    }
    group.finish();
}

criterion_group!(benches, parse_read);
criterion_main!(benches);
