#!/usr/bin/env bash
# The arm64 code paths tested where no arm64 machine is at hand: the library's unit tests (the
# NEON stage 1 of the JSON fast path against the scalar classifier and simd-json's index
# included), the typed events' and the JSON round-trip tests, built for aarch64 and run under
# qemu-aarch64; and clippy over the aarch64-only code (warnings denied).
#
#   scripts/test-arm64.sh
#
# Installs qemu-user and gcc-aarch64-linux-gnu on Debian when missing, and the rustup target.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
triple=aarch64-unknown-linux-gnu
need qemu-aarch64 qemu-user
need_target "$triple"
cross_env "$triple"
sysroot=/usr/aarch64-linux-gnu
[ -d "$sysroot" ] || die "no $sysroot (gcc-aarch64-linux-gnu's libraries)"
if [ "$(uname -m)" != aarch64 ]; then
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $sysroot"
fi
cd "$ROOT"
say "clippy for $triple (warnings denied)"
cargo clippy --quiet --lib --tests --target "$triple" --all-features -- -D warnings
say "unit, typed-event and JSON round-trip tests for $triple (under qemu-aarch64 here)"
cargo test --quiet --target "$triple" --all-features --lib --test events_alloc --test json_roundtrip
