#!/usr/bin/env bash
# The web adapter demo: a tiny app behind `lambda-zero-adapter` (release build), served every
# kind of HTTP event by the mock Runtime API (examples/adapter_demo.rs).
#
#   scripts/adapter-demo.sh
#
# Respects CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
echo "==> building lambda-zero-adapter (release)"
cargo build --release --bin lambda-zero-adapter
echo "==> building the demo driver (release, feature testing)"
cargo build --release --features testing --example adapter_demo
exec "$target_dir/release/examples/adapter_demo" "$target_dir/release/lambda-zero-adapter"
