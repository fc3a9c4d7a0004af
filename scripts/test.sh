#!/usr/bin/env bash
# The test suite: unit tests (proto at every split point), integration tests through real
# loopback sockets against the mock Runtime API, the zero-allocation proof,
# doc tests and example tests, with every feature (the crate's dev-dependency on itself turns
# them on, so this is a plain `cargo test`). The AWS sample events they read are in tests/events.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test "$@"
