#!/usr/bin/env bash
# Sizes of the stripped, size-optimized arm64 echo bootstraps (lambda-zero, lambda_runtime, the
# floor client; glibc and static musl), from scripts/build-arm64.sh. Writes $OUT/sizes.jsonl.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
need python3 python3
unset LZ_SKIP_COMPARE
"$ROOT/scripts/build-arm64.sh"
python3 "$ROOT/scripts/report.py" sizes "$ROOT/dist/sizes.tsv" > "$OUT/sizes.jsonl"
