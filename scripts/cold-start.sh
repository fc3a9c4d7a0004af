#!/usr/bin/env bash
# Cold start of each echo bootstrap: from process spawn to the first complete `GET /next`
# received by the mock Runtime API (measured in the mock), median of RUNS spawns (default 200),
# the three bootstraps interleaved, all pinned to CPU 0. Built with the size-optimized
# `release` profile (as deployed), for this machine's glibc target and its static musl target.
#
#   scripts/cold-start.sh
#   RUNS=1000 scripts/cold-start.sh
#
# Prints one JSON line per bootstrap and target; writes them to $OUT/cold-start.jsonl.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
RUNS=${RUNS:-200}
need python3 python3
musl=${HOST/-gnu/-musl}
if [ -z "${LZ_SKIP_BUILD:-}" ]; then
    build_lzbench
    build_bootstraps release "$HOST"
    build_bootstraps release "$musl"
fi
: > "$OUT/cold-start.jsonl"
for triple in "$HOST" "$musl"; do
    dir=$BIN/release-$triple
    libc=gnu; [ "$triple" = "$musl" ] && libc=musl
    say "cold start: $RUNS spawns of each bootstrap ($triple)"
    "$BIN/lzbench" cold-start --runs "$RUNS" --name "$libc" \
        --bin "lambda-zero=$dir/lambda-zero" --bin "lambda_runtime=$dir/lambda_runtime" --bin "floor=$dir/floor" \
        | tee -a "$OUT/cold-start.jsonl"
done
python3 "$ROOT/scripts/report.py" table "$OUT/cold-start.jsonl"
