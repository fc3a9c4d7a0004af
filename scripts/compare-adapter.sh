#!/usr/bin/env bash
# lambda-zero-adapter against the AWS Lambda Web Adapter, process against process
# (benches/compare-adapter/benches/adapter_process.rs): the same app, the same events, the mock
# Runtime API, adapter and app pinned to one CPU; round trip p50 and p99, adapter CPU per
# request, cold start to the first /next with the app ready, RSS and peak RSS.
#
# lambda-zero-adapter is built with the main crate's release profile (the build users deploy:
# opt-level "z", LTO); the Lambda Web Adapter is its published crate, installed with
# `cargo install --locked` (its own release profile and Cargo.lock) into the bench package's
# target directory, once.
#
#   scripts/compare-adapter.sh                                   # buffered, 11 rounds
#   scripts/compare-adapter.sh -- --mode response_stream         # arguments for the bench
#   scripts/compare-adapter.sh -- --rounds 3 --n 1000
#
# Environment: LWA_VERSION (default 1.0.0-rc1, the newest on crates.io).
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
manifest=$ROOT/benches/compare-adapter/Cargo.toml
lwa_version=${LWA_VERSION:-1.0.0-rc1}
lwa_root=$ROOT/benches/compare-adapter/target/lambda_web_adapter-$lwa_version
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
need taskset util-linux

say "build: lambda-zero-adapter (release profile)"
nice cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" --bin lambda-zero-adapter >&2 \
    || die "lambda-zero-adapter does not build"
if [ ! -x "$lwa_root/bin/lambda-adapter" ]; then
    say "install: lambda_web_adapter $lwa_version from crates.io (cargo install --locked)"
    nice cargo install --quiet --locked lambda_web_adapter --version "$lwa_version" \
        --root "$lwa_root" >&2 || die "cargo install lambda_web_adapter $lwa_version failed"
fi

[ "${1:-}" = -- ] && shift
say "bench: process against process (commit $commit, $(nproc) CPUs, nice)"
LZ_ADAPTER=$TARGET_DIR/release/lambda-zero-adapter \
LWA_ADAPTER=$lwa_root/bin/lambda-adapter \
    nice cargo bench --quiet --manifest-path "$manifest" --bench adapter_process -- "$@" \
    || die "the bench failed"
echo
echo "commit $commit; lambda_web_adapter $lwa_version; scripts/compare-adapter.sh $*"
