#!/usr/bin/env bash
# The demo: the echo bootstrap (examples/echo.rs) served by the mock Runtime API
# (examples/mock_runtime_api.rs, feature `testing`), with the round trip per invocation measured
# on the server side. Both processes share CPU 0 when `taskset` is available, so the numbers do
# not depend on how many cores the machine has.
#
#   scripts/demo.sh [--events N] [--size BYTES] [--event FILE]
#
# Serves the AWS event fixtures in tests/events (LZ_EVENTS_DIR or --event FILE to use others).
# Respects CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "demo.sh: error: $*" >&2
  exit 1
}

command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust from https://rustup.rs"

target_dir="${CARGO_TARGET_DIR:-target}"
examples="$target_dir/release/examples"

echo "==> building the echo bootstrap (release)"
cargo build --release --example echo || die "building examples/echo.rs failed (see above)"

echo "==> building the mock Runtime API driver (release, feature testing)"
cargo build --release --features testing --example mock_runtime_api \
  || die "building examples/mock_runtime_api.rs failed (see above)"

[ -x "$examples/echo" ] || die "$examples/echo was not produced by the build"
[ -x "$examples/mock_runtime_api" ] || die "$examples/mock_runtime_api was not produced by the build"

pin=()
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
  pin=(taskset -c 0)
  echo "==> running on CPU 0 (taskset): the mock server and the bootstrap share one core"
else
  echo "==> taskset unavailable: running unpinned (numbers depend on the cores available)"
fi

exec ${pin[@]+"${pin[@]}"} "$examples/mock_runtime_api" --bootstrap "$examples/echo" "$@"
