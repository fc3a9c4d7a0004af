#!/usr/bin/env bash
# The test suite: unit tests (proto at every split point), integration tests through real
# loopback sockets against the mock Runtime API (feature `testing`; `graceful-shutdown` so that
# its code and doc test are built too), the zero-allocation proof,
# doc tests and example tests. The AWS sample events they read are in tests/events.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test --features testing,graceful-shutdown "$@"
