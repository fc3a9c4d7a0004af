#!/usr/bin/env bash
# The test suite: unit tests (proto at every split point), integration tests through real
# loopback sockets against the mock Runtime API (feature `testing`; `graceful-shutdown` so that
# its code and doc test are built too), the zero-allocation proof,
# doc tests and example tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/events ]; then
  echo "error: ../shared/events (the AWS event fixtures) must sit beside this repository" >&2
  exit 1
fi
exec cargo test --features testing,graceful-shutdown "$@"
