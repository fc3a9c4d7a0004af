#!/usr/bin/env bash
# lambda-zero's echo built at opt-level z, s, 2 and 3 (the release profile otherwise: LTO, one
# codegen unit, panic = abort, stripped; the level set with CARGO_PROFILE_RELEASE_OPT_LEVEL),
# next to the floor reference client and lambda_runtime built with the unchanged release profile
# as anchors. One row per build:
#   arm64 gnu: stripped size of aarch64-unknown-linux-gnu echo (cross gcc, as build-arm64.sh)
#              and where its first LOAD segment ends (readelf -lW; 64 KiB layout steps);
#   x86_64:    stripped size for this machine's target;
#   cold start: median spawn to first GET /next (lzbench cold-start, as cold-start.sh);
#   instr/inv: user-space instructions per warm invocation (callgrind at N1 and N2
#              invocations of EVENT, as instructions.sh).
#
#   scripts/profiles.sh
#   LEVELS="z 3" RUNS=100 N1=1000 N2=6000 scripts/profiles.sh
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
LEVELS=${LEVELS:-z s 2 3}
RUNS=${RUNS:-200}
N1=${N1:-2000}
N2=${N2:-12000}
EVENT=${EVENT:-100B}
ARM=aarch64-unknown-linux-gnu
need valgrind valgrind
need python3 python3
need readelf binutils
build_lzbench
need_target "$HOST"
need_target "$ARM"
cross_env "$ARM"
dest=$BIN/profiles
mkdir -p "$dest"

# build_echo LEVEL TRIPLE: lambda-zero's echo at LEVEL, copied to $dest/LEVEL-TRIPLE.
build_echo() {
    local level=$1 triple=$2
    say "building lambda-zero's echo at opt-level $level ($triple)"
    (cd "$ROOT" && CARGO_PROFILE_RELEASE_OPT_LEVEL=$level cargo build --quiet --release \
        --target "$triple" --example echo) || die "building echo at opt-level $level failed"
    cp "$TARGET_DIR/$triple/release/examples/echo" "$dest/lambda-zero-$level-$triple"
}

# build_anchors TRIPLE: floor and lambda_runtime with the release profile as it is.
build_anchors() {
    local triple=$1
    say "building the floor and lambda_runtime echo (release profile, $triple)"
    cargo build --quiet --release --target "$triple" --manifest-path "$COMPARE_MANIFEST" \
        --bin lambda-runtime-echo --bin floor-echo || die "building benches/compare failed"
    cp "$TARGET_DIR/$triple/release/floor-echo" "$dest/floor-release-$triple"
    cp "$TARGET_DIR/$triple/release/lambda-runtime-echo" "$dest/lambda_runtime-release-$triple"
}

rows=()
for level in $LEVELS; do
    build_echo "$level" "$ARM"
    build_echo "$level" "$HOST"
    rows+=("lambda-zero:$level")
done
build_anchors "$ARM"
build_anchors "$HOST"
rows+=("floor:release" "lambda_runtime:release")

# first_load_end FILE: end (offset + file size) of the first LOAD segment, in bytes.
first_load_end() {
    local offset size
    read -r offset size < <(readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $5; exit }')
    echo $((offset + size))
}

cold_args=()
for row in "${rows[@]}"; do
    cold_args+=(--bin "${row/:/-}=$dest/${row/:/-}-$HOST")
done
say "cold start: $RUNS spawns of each build ($HOST)"
"$LZBENCH" cold-start --runs "$RUNS" --name profiles "${cold_args[@]}" > "$OUT/profiles-cold.jsonl"

vg=$OUT/valgrind-profiles
mkdir -p "$vg"
: > "$OUT/profiles-instr.jsonl"
for row in "${rows[@]}"; do
    name=${row/:/-}
    bin=$dest/$name-$HOST
    for n in "$N1" "$N2"; do
        say "callgrind: $name, $n invocations of $EVENT"
        "$LZBENCH" drive --event "$EVENT" --n "$n" --timeout-s 600 -- valgrind --tool=callgrind \
            --callgrind-out-file="$vg/$name-$n.callgrind" --log-file="$vg/$name-$n.log" "$bin" > /dev/null
        "$LZBENCH" drive --event "$EVENT" --n "$n" --timeout-s 600 -- valgrind --tool=memcheck \
            --leak-check=no --log-file="$vg/$name-$n.memcheck.log" "$bin" > /dev/null
    done
    python3 "$ROOT/scripts/report.py" valgrind "$name" "$EVENT" \
        "$N1" "$vg/$name-$N1.callgrind" "$vg/$name-$N1.memcheck.log" \
        "$N2" "$vg/$name-$N2.callgrind" "$vg/$name-$N2.memcheck.log" >> "$OUT/profiles-instr.jsonl"
done

printf '\n%-24s %14s %16s %14s %12s %12s\n' build "arm64 gnu B" "arm64 LOAD0 end" "x86_64 B" "cold start" "instr/inv"
for row in "${rows[@]}"; do
    name=${row/:/-}
    arm=$dest/$name-$ARM
    x86=$dest/$name-$HOST
    cold=$(python3 - "$OUT/profiles-cold.jsonl" "$name" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("name") == sys.argv[2]:
        print("%.0f us" % r["median_us"])
        break
else:
    print("?")
PY
)
    instr=$(python3 - "$OUT/profiles-instr.jsonl" "$name" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("name") == sys.argv[2]:
        print(round(r["instructions_per_inv"]))
        break
else:
    print("?")
PY
)
    printf '%-24s %14s %16s %14s %12s %12s\n' "$name" "$(stat -c %s "$arm")" "$(first_load_end "$arm")" \
        "$(stat -c %s "$x86")" "$cold" "$instr"
done
printf '\nraw: %s %s\n' "$OUT/profiles-cold.jsonl" "$OUT/profiles-instr.jsonl"
