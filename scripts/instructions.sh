#!/usr/bin/env bash
# User-space instructions and heap allocations per warm invocation of each echo bootstrap.
#
# Method: valgrind at two run lengths, N1 and N2 invocations of the ~100 B event from the mock
# Runtime API; the difference divided by N2 - N1 is one warm invocation.
#   instructions: --tool=callgrind, total Ir of every thread (user space only);
#   allocations:  --tool=memcheck, "total heap usage: N allocs" (malloc, calloc, realloc, ...).
#
#   scripts/instructions.sh        # N1=2000 N2=12000, event 100B
#   N1=1000 N2=6000 EVENT=apigw-1.2KiB scripts/instructions.sh
#
# Prints a table; writes JSON lines to $OUT/instructions.jsonl (used by scripts/bench.sh).
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
N1=${N1:-2000}
N2=${N2:-12000}
EVENT=${EVENT:-100B}

need valgrind valgrind
need python3 python3
[ -n "${LZ_SKIP_BUILD:-}" ] || { build_bootstraps bench "$HOST"; build_lzbench; }
LZBENCH=$BIN/lzbench
dir=$OUT/valgrind
mkdir -p "$dir"
: > "$OUT/instructions.jsonl"
for name in lambda-zero lambda_runtime floor; do
    bin=$BIN/bench-$HOST/$name
    for n in "$N1" "$N2"; do
        say "valgrind callgrind + memcheck: $name, $n invocations of $EVENT"
        "$LZBENCH" drive --event "$EVENT" --n "$n" --timeout-s 600 -- valgrind --tool=callgrind \
            --callgrind-out-file="$dir/$name-$EVENT-$n.callgrind" --log-file="$dir/$name-$EVENT-$n.callgrind.log" \
            "$bin" > /dev/null
        "$LZBENCH" drive --event "$EVENT" --n "$n" --timeout-s 600 -- valgrind --tool=memcheck \
            --leak-check=no --log-file="$dir/$name-$EVENT-$n.memcheck.log" "$bin" > /dev/null
    done
    python3 "$ROOT/scripts/report.py" valgrind "$name" "$EVENT" \
        "$N1" "$dir/$name-$EVENT-$N1.callgrind" "$dir/$name-$EVENT-$N1.memcheck.log" \
        "$N2" "$dir/$name-$EVENT-$N2.callgrind" "$dir/$name-$EVENT-$N2.memcheck.log" \
        | tee -a "$OUT/instructions.jsonl"
done
python3 "$ROOT/scripts/report.py" table "$OUT/instructions.jsonl"
