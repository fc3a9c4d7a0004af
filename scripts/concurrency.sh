#!/usr/bin/env bash
# Throughput under Lambda Managed Instances' concurrency: lambda-zero's managed-instances
# function (examples/managed_instances.rs, Runtime::run_with_init, one thread and connection per
# worker) next to lambda_runtime's concurrent mode (benches/compare, bin
# lambda-runtime-concurrent-echo: feature concurrency-tokio, run_concurrent), both in the release
# profile users deploy, against the same concurrent mock Runtime API (benches/compare, bin
# lzconcurrent: one thread per connection, every /next long-poll answered at once).
#
# For each AWS_LAMBDA_MAX_CONCURRENCY in $LZ_CONCURRENCY (default "1 2 4 8"): $LZ_ROUNDS
# (default 7) rounds, the two bootstraps interleaved, each run a fresh process measured over
# $LZ_WINDOW_MS (default 2000) after $LZ_WARMUP_MS (default 500). Prints one JSON line per
# bootstrap and concurrency: median invocations per second, median CPU per invocation
# (utime + stime of every bootstrap thread, from /proc, over the window / invocations).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${LZ_ROUNDS:-7}
WARMUP=${LZ_WARMUP_MS:-500}
WINDOW=${LZ_WINDOW_MS:-2000}
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
CTARGET=$(cargo metadata --format-version 1 --no-deps --manifest-path benches/compare/Cargo.toml | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
echo "building (release profile)" >&2
cargo build --quiet --release --example managed_instances
cargo build --quiet --release --manifest-path benches/compare/Cargo.toml \
    --bin lambda-runtime-concurrent-echo --bin lzconcurrent
LZ="$TARGET/release/examples/managed_instances"
LR="$CTARGET/release/lambda-runtime-concurrent-echo"
DRIVER="$CTARGET/release/lzconcurrent"
echo "commit $(git rev-parse --short HEAD), $(nproc) cores" >&2
for c in ${LZ_CONCURRENCY:-1 2 4 8}; do
    nice "$DRIVER" --bin "lambda-zero=$LZ" --bin "lambda_runtime=$LR" --concurrency "$c" \
        --rounds "$ROUNDS" --warmup-ms "$WARMUP" --window-ms "$WINDOW"
done
