#!/usr/bin/env bash
# Syscalls per warm invocation of each echo bootstrap (lambda-zero, lambda_runtime, floor).
#
# Method: `strace -f -c` (every thread) over a whole bootstrap process at two run lengths,
# N1 and N2 invocations of the ~100 B event from the mock Runtime API; the difference divided
# by N2 - N1 is the cost of one warm invocation (start-up and shutdown cancel out).
#
#   scripts/syscalls.sh            # N1=2000 N2=12000, event 100B
#   N1=1000 N2=6000 EVENT=1MiB scripts/syscalls.sh
#
# Prints a table; appends JSON lines to $OUT/syscalls.jsonl (used by scripts/bench.sh).
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
N1=${N1:-2000}
N2=${N2:-12000}
EVENT=${EVENT:-100B}

need strace strace
need python3 python3
[ -n "${LZ_SKIP_BUILD:-}" ] || { build_bootstraps bench "$HOST"; build_lzbench; }
LZBENCH=$BIN/lzbench
dir=$OUT/strace
mkdir -p "$dir"
: > "$OUT/syscalls.jsonl"
for name in lambda-zero lambda_runtime floor; do
    bin=$BIN/bench-$HOST/$name
    for n in "$N1" "$N2"; do
        say "strace -f -c: $name, $n invocations of $EVENT"
        "$LZBENCH" drive --event "$EVENT" --n "$n" --timeout-s 120 -- \
            strace -f -c -o "$dir/$name-$EVENT-$n.txt" "$bin" > /dev/null
    done
    python3 "$ROOT/scripts/report.py" strace "$name" "$EVENT" "$N1" "$dir/$name-$EVENT-$N1.txt" \
        "$N2" "$dir/$name-$EVENT-$N2.txt" | tee -a "$OUT/syscalls.jsonl"
done
python3 "$ROOT/scripts/report.py" table "$OUT/syscalls.jsonl"
