#!/usr/bin/env bash
# The same axum app (benches/compare-http/src/axum_app.rs) on lambda-zero's tower bridge
# (bin axum_app: lambda_zero::tower::run) and on lambda_http + lambda_runtime (bin
# axum_app_lambda_http: lambda_http::run under #[tokio::main]), process against process:
# first the test that both answer every HTTP sample alike (tests/axum.rs), then
# benches/axum_process.rs: each bootstrap a fresh process per round against lambda-zero's mock
# Runtime API, pinned to one CPU with taskset, the same event, interleaved rounds, medians of
# CPU per invocation (utime+stime from /proc/<pid>/stat, and schedstat), cold start (spawn to
# first /next), wall time, round trip, RSS and peak RSS. Both bootstraps are built by the same
# cargo invocation with the package's bench profile (its release profile: opt-level 3, one
# codegen unit), in the package's own target directory.
#
#   scripts/compare-axum.sh                               # the test, then the table
#   scripts/compare-axum.sh -- --rounds 5 --n 2000        # arguments for benches/axum_process.rs
#   LZ_SKIP_BENCH=1 scripts/compare-axum.sh               # the test only
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
manifest=$ROOT/benches/compare-http/Cargo.toml
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v cargo >/dev/null || die "cargo is missing"
command -v taskset >/dev/null || die "taskset is missing (util-linux)"

say "test: the axum app answers every HTTP sample alike on both runtimes"
nice cargo test --quiet --release --manifest-path "$manifest" --test axum >&2 \
    || die "the axum comparison test failed"
[ -z "${LZ_SKIP_BENCH:-}" ] || exit 0

[ "${1:-}" = -- ] && shift
say "bench: process against process (commit $commit, $(nproc) CPUs, nice)"
nice cargo bench --quiet --manifest-path "$manifest" --bench axum_process -- "$@" \
    || die "the bench failed"
echo
echo "commit $commit; scripts/compare-axum.sh $*"
