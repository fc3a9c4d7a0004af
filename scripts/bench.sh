#!/usr/bin/env bash
# Every performance figure of lambda-zero next to lambda_runtime and the floor reference client,
# in one command: builds everything, measures, and writes benches/RESULTS.md and benches/chart.svg.
#
#   scripts/bench.sh
#
# Steps (each also runs on its own, see the scripts named):
#   1. round trip, throughput, CPU time, peak RSS per event size   lzbench roundtrip (interleaved)
#   2. syscalls per warm invocation                                scripts/syscalls.sh
#   3. instructions and heap allocations per warm invocation       scripts/instructions.sh
#   4. cold start, glibc and static musl                           scripts/cold-start.sh
#      cold start and peak RSS of every example (JSON, HTTP, async)  scripts/startup.sh
#   5. arm64 bootstrap sizes (and dist/*.zip)                       scripts/size.sh
#   6. criterion: cargo bench --bench invoke, cargo bench --bench proto
#   7. benches/RESULTS.md (scripts/report.py) and benches/chart.svg (scripts/chart.py)
# Knobs: ROUNDS (25), N_SMALL (2000), N_LARGE (80, for 1 MiB) invocations per round; RUNS (200)
# cold starts per bootstrap;
# N1/N2 (2000/12000) run lengths; LZ_BENCH_SKIP_CRITERION=1, LZ_BENCH_SKIP_ARM64=1.
# Installs what it needs on Debian (strace, valgrind, zip, gcc-aarch64-linux-gnu, rustup targets).
# To measure a fixed commit while the work tree changes: git archive it into a directory, run
# this script there with LZ_BENCH_COMMIT=<hash> (the archive carries tests/events; for a commit
# older than that folder, also LZ_EVENTS_DIR=<a checkout's tests/events>).
set -euo pipefail
START=$(date +%s)
. "$(dirname "$0")/bench-lib.sh"
ROUNDS=${ROUNDS:-25}
N_SMALL=${N_SMALL:-2000}
N_LARGE=${N_LARGE:-80}
export RUNS=${RUNS:-200} N1=${N1:-2000} N2=${N2:-12000}
need python3 python3
need strace strace
need valgrind valgrind
need zip zip
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [ -n "${LZ_BENCH_COMMIT:-}" ]; then
    COMMANDS=("${LZ_EVENTS_DIR:+LZ_EVENTS_DIR=$LZ_EVENTS_DIR }LZ_BENCH_COMMIT=$LZ_BENCH_COMMIT scripts/bench.sh   # in a git archive of that commit")
else
    COMMANDS=("scripts/bench.sh")
fi

build_lzbench
build_bootstraps bench "$HOST"
export LZ_SKIP_BUILD=1

say "1/7 round trips: every event size, the three bootstraps interleaved, $ROUNDS rounds"
: > "$OUT/roundtrip.jsonl"
for ev in 100B apigw-1.2KiB 64KiB 1MiB; do
    n=$N_SMALL
    [ "$ev" = 1MiB ] && n=$N_LARGE
    # shellcheck disable=SC2046
    "$BIN/lzbench" roundtrip $(bench_bins) --event "$ev" --n "$n" --rounds "$ROUNDS" | tee -a "$OUT/roundtrip.jsonl"
    COMMANDS+=("lzbench roundtrip --bin lambda-zero=BENCH/lambda-zero --bin lambda_runtime=BENCH/lambda_runtime --bin floor=BENCH/floor --event $ev --n $n --rounds $ROUNDS")
done

say "2/7 syscalls per warm invocation"
"$ROOT/scripts/syscalls.sh"
COMMANDS+=("N1=$N1 N2=$N2 scripts/syscalls.sh")
say "3/7 instructions and heap allocations per warm invocation"
"$ROOT/scripts/instructions.sh"
COMMANDS+=("N1=$N1 N2=$N2 scripts/instructions.sh")

unset LZ_SKIP_BUILD
say "4/7 cold start"
"$ROOT/scripts/cold-start.sh"
COMMANDS+=("RUNS=$RUNS scripts/cold-start.sh")
"$ROOT/scripts/startup.sh"
COMMANDS+=("RUNS=$RUNS scripts/startup.sh")

if [ -z "${LZ_BENCH_SKIP_ARM64:-}" ]; then
    say "5/7 arm64 sizes"
    "$ROOT/scripts/size.sh"
    COMMANDS+=("scripts/size.sh   # runs scripts/build-arm64.sh")
fi

CRIT=$TARGET_DIR/criterion
if [ -z "${LZ_BENCH_SKIP_CRITERION:-}" ]; then
    say "6/7 criterion benches"
    rm -rf "$CRIT"/invoke-* "$CRIT"/proto_*
    dir=$BIN/bench-$HOST
    (cd "$ROOT" && LZ_BENCH_LAMBDA_ZERO=$dir/lambda-zero LZ_BENCH_LAMBDA_RUNTIME=$dir/lambda_runtime \
        LZ_BENCH_FLOOR=$dir/floor cargo bench --bench invoke) || die "cargo bench --bench invoke failed"
    (cd "$ROOT" && cargo bench --bench proto) || die "cargo bench --bench proto failed"
    COMMANDS+=("LZ_BENCH_LAMBDA_ZERO=BENCH/lambda-zero LZ_BENCH_LAMBDA_RUNTIME=BENCH/lambda_runtime LZ_BENCH_FLOOR=BENCH/floor cargo bench --bench invoke")
    COMMANDS+=("cargo bench --bench proto")
fi

say "7/7 report and chart"
END=$(date +%s)
COMMANDS+=("# BENCH = $BIN/bench-$HOST (cargo build --profile bench --target $HOST; see scripts/bench-lib.sh)")
LR_VERSION=$(sed -n '/^name = "lambda_runtime"$/{n;s/version = "\(.*\)"/\1/p}' "$ROOT/benches/compare/Cargo.lock")
COMMIT=${LZ_BENCH_COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}
if [ -z "${LZ_BENCH_COMMIT:-}" ] && [ -n "$(git -C "$ROOT" status --porcelain -- src examples benches scripts Cargo.toml 2>/dev/null)" ]; then
    COMMIT="$COMMIT + uncommitted changes"
fi
export LOAD_BEFORE LR_VERSION COMMIT WALL=$((END - START))
printf '%s\n' "${COMMANDS[@]}" > "$OUT/commands.txt"
python3 - "$OUT/machine.json" "$OUT/commands.txt" <<'PY'
import json, os, platform, subprocess, sys, time
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
cpu = sh("sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1") or platform.processor()
mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2 / 1048576}' /proc/meminfo")
m = {
    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    "commit": os.environ.get("COMMIT", ""),
    "cpu": "%s (%s)" % (cpu, platform.machine()),
    "cores": sh("nproc"),
    "memory": mem,
    "kernel": platform.release(),
    "rustc": sh("rustc --version"),
    "load_before": os.environ.get("LOAD_BEFORE", ""),
    "load_after": sh("cut -d' ' -f1-3 /proc/loadavg"),
    "wall_time": "%d s for scripts/bench.sh" % int(os.environ.get("WALL", "0")),
    "lambda_runtime_version": os.environ.get("LR_VERSION", ""),
    "commands": [l.rstrip("\n") for l in open(sys.argv[2])],
}
json.dump(m, open(sys.argv[1], "w"), indent=1)
PY
python3 "$ROOT/scripts/report.py" results "$OUT" "$CRIT" "$ROOT/benches/RESULTS.md"
python3 "$ROOT/scripts/chart.py" "$CRIT" "$OUT" "$ROOT/benches/chart.svg"
say "done in $((END - START)) s: benches/RESULTS.md, benches/chart.svg (raw data in $OUT)"
