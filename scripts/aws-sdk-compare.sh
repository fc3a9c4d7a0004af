#!/usr/bin/env bash
# The AWS SDK example (examples/aws-sdk) against the same function on lambda_runtime 1.x:
# dynamodb_get and dynamodb_get_lambda_runtime run as bootstrap processes against the mock
# Runtime API and the fake DynamoDB endpoint of the example's tests, interleaved rounds, one
# fresh process per function and round, medians over the rounds (benches/compare.rs says what
# each column is). Built with the bench profile, which is the package's release profile (it
# defines no [profile.bench]: LTO, one codegen unit, stripped).
#
#   scripts/aws-sdk-compare.sh                        # the comparison table
#   scripts/aws-sdk-compare.sh -- --rounds 5 --n 500  # arguments for benches/compare.rs
#   scripts/aws-sdk-compare.sh build-times            # a clean release build of the example, timed
#
# build-times builds `cargo build --release` (dynamodb_get alone, as a user builds it) into a
# fresh CARGO_TARGET_DIR, under nice, once, and prints the wall time; with LZ_COMPARE_FEATURE=1
# it then adds the feature `compare` (lambda_runtime and its dependencies) in the same target
# directory and prints that time too.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
manifest=$ROOT/examples/aws-sdk/Cargo.toml
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v cargo >/dev/null || die "cargo is missing"

seconds() { # seconds since the epoch, with nanoseconds
    date +%s.%N
}

if [ "${1:-}" = build-times ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/lz-aws-sdk-build.XXXXXX")
    trap 'rm -rf "$dir"' EXIT
    say "clean release build of examples/aws-sdk into $dir (nice; $(nproc) CPUs)"
    start=$(seconds)
    CARGO_TARGET_DIR=$dir nice cargo build --release --quiet --manifest-path "$manifest" >&2 \
        || die "the build failed"
    end=$(seconds)
    crates=$(find "$dir/release/deps" -name '*.rlib' | wc -l)
    size=$(stat -c %s "$dir/release/dynamodb_get")
    printf 'clean `cargo build --release` of examples/aws-sdk (dynamodb_get): %.0f s on %s CPUs, %s crates built, dynamodb_get %s bytes (commit %s, rustc %s)\n' \
        "$(awk "BEGIN{print $end - $start}")" "$(nproc)" "$crates" "$size" "$commit" "$(rustc -V | cut -d' ' -f2)"
    if [ -n "${LZ_COMPARE_FEATURE:-}" ]; then
        start=$(seconds)
        CARGO_TARGET_DIR=$dir nice cargo build --release --quiet --features compare \
            --manifest-path "$manifest" >&2 || die "the build with compare failed"
        end=$(seconds)
        printf 'then --features compare (lambda_runtime baseline) in the same target directory: %.0f s more\n' \
            "$(awk "BEGIN{print $end - $start}")"
    fi
    exit 0
fi

[ "${1:-}" = -- ] && shift
command -v taskset >/dev/null || die "taskset is missing (Debian package util-linux)"
say "dynamodb_get vs dynamodb_get_lambda_runtime (nice, bench profile = release, commit $commit)"
nice cargo bench --quiet --manifest-path "$manifest" --features compare --bench compare -- "$@"
