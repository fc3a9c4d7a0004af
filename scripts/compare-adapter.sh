#!/usr/bin/env bash
# lambda-zero-adapter against the AWS Lambda Web Adapter, process against process
# (benches/compare-adapter/benches/adapter_process.rs): the same app, the same events, the mock
# Runtime API, adapter and app pinned to one CPU; round trip p50 and p99, adapter CPU per
# request, cold start to the first /next with the app ready, RSS and peak RSS.
#
# Both adapters are built the way their layers are published: static, for
# x86_64-unknown-linux-musl (the Lambda Web Adapter's Dockerfiles and Makefile build that target;
# scripts/adapter-layer.sh builds lambda-zero's musl layer). lambda-zero-adapter is built as its
# layer is (feature `compression`), with the main crate's release profile (the build users
# deploy: opt-level "z", LTO); the Lambda Web Adapter is its published crate, installed with `cargo install --locked --target ...` (its own
# release profile and Cargo.lock) into the bench package's target directory, once per target.
#
#   scripts/compare-adapter.sh                                   # buffered, 11 rounds
#   scripts/compare-adapter.sh -- --mode response_stream         # arguments for the bench
#   scripts/compare-adapter.sh -- --rounds 3 --n 1000
#   ADAPTER_TARGET=x86_64-unknown-linux-gnu scripts/compare-adapter.sh   # both dynamic (glibc)
#
# Environment: LWA_VERSION (default 1.0.0-rc1, the newest on crates.io), ADAPTER_TARGET
# (default x86_64-unknown-linux-musl).
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
manifest=$ROOT/benches/compare-adapter/Cargo.toml
lwa_version=${LWA_VERSION:-1.0.0-rc1}
target=${ADAPTER_TARGET:-x86_64-unknown-linux-musl}
lwa_root=$ROOT/benches/compare-adapter/target/lambda_web_adapter-$lwa_version-$target
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
need_target "$target"

say "build: lambda-zero-adapter (release profile, $target)"
nice cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" --bin lambda-zero-adapter \
    --features compression --target "$target" >&2 || die "lambda-zero-adapter does not build for $target"
if [ ! -x "$lwa_root/bin/lambda-adapter" ]; then
    say "install: lambda_web_adapter $lwa_version from crates.io (cargo install --locked, $target)"
    # From outside the repository: its .cargo/config.toml (lambda-zero's musl link flags) must
    # not reach the published crate's build.
    (cd / && nice cargo install --quiet --locked lambda_web_adapter --version "$lwa_version" \
        --target "$target" --root "$lwa_root" >&2) \
        || die "cargo install lambda_web_adapter $lwa_version --target $target failed"
fi

[ "${1:-}" = -- ] && shift
say "bench: process against process (commit $commit, $(nproc) CPUs, nice)"
LZ_ADAPTER=$TARGET_DIR/$target/release/lambda-zero-adapter \
LWA_ADAPTER=$lwa_root/bin/lambda-adapter \
    nice cargo bench --quiet --manifest-path "$manifest" --bench adapter_process -- "$@" \
    || die "the bench failed"
echo
echo "commit $commit; $target; lambda_web_adapter $lwa_version; scripts/compare-adapter.sh $*"
