#!/usr/bin/env bash
# Cold start and memory of the functions users write, not only echo: every example below,
# built with the release profile as deployed, for this machine's glibc target.
#
#   scripts/startup.sh                 # RUNS=200 cold starts per example, N=20 invocations
#   RUNS=50 scripts/startup.sh echo apigw_v2
#
# cold start  spawn -> first complete `GET /next` received by the mock (lzbench cold-start,
#             benches/compare), median of RUNS spawns, the examples interleaved, CPU 0;
# memory      peak RSS (VmHWM), RSS and reserved address space (VmSize) after N invocations
#             of the example's own kind of event (scripts/runtime-api-mock.py --memory; the
#             event per example is in the table below; an error answer fails the run).
# Each figure is also given relative to echo's from the same run. The issue's targets: cold
# start <= 1.15x echo, peak RSS <= 2.5 MiB on small events; the table marks what misses them.
# Writes $OUT/startup.{jsonl,md} (OUT: target/lz-bench) and prints the table.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
RUNS=${RUNS:-200}
N=${N:-20}
need python3 python3
need taskset util-linux

# example event (from tests/events)
TABLE="
echo                example-sqs-event.json
stream_echo         example-sqs-event.json
apigw_proxy         example-apigw-request.json
apigw_v2            example-apigw-v2-request-no-authorizer.json
sqs_batch           example-sqs-event.json
managed_instances   example-sqs-event.json
http_echo           example-apigw-v2-request-no-authorizer.json
http_router         example-apigw-v2-request-no-authorizer.json
async_echo          example-sqs-event.json
tokio_echo          example-sqs-event.json
s3_keys             example-s3-event.json
dynamodb_keys       example-dynamodb-event.json
kinesis_data        example-kinesis-event.json
cloudwatch_logs     example-cloudwatch_logs-event.json
"
want=("$@")
names=() events=()
while read -r name event; do
    [ -n "$name" ] || continue
    [ -f "$ROOT/examples/$name.rs" ] || continue
    if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
    names+=("$name") events+=("$event")
done <<< "$TABLE"
[ ${#names[@]} -gt 0 ] || die "no example to measure"
[ "${names[0]}" = echo ] || die "echo must be measured (it is the reference): add it to the list"

build_lzbench
dir=$BIN/startup
mkdir -p "$dir"
for name in "${names[@]}"; do
    features=$(python3 - "$ROOT/Cargo.toml" "$name" <<'PY'
import sys, tomllib
manifest = tomllib.load(open(sys.argv[1], "rb"))
for e in manifest.get("example", []):
    if e["name"] == sys.argv[2]:
        print(",".join(e.get("required-features", [])))
PY
)
    say "building examples/$name.rs (release${features:+, features $features})"
    (cd "$ROOT" && cargo build --quiet --release --example "$name" ${features:+--features "$features"}) \
        || die "building $name failed"
    cp "$TARGET_DIR/release/examples/$name" "$dir/$name"
done

jsonl=$OUT/startup.jsonl
EVENTS_DIR=${LZ_EVENTS_DIR:-$ROOT/tests/events}
: > "$jsonl"
args=()
for name in "${names[@]}"; do args+=(--bin "$name=$dir/$name"); done
say "cold start: $RUNS spawns of each of ${#names[@]} examples, interleaved"
"$LZBENCH" cold-start --runs "$RUNS" "${args[@]}" | tee -a "$jsonl"
for i in "${!names[@]}"; do
    taskset -c 0 python3 "$ROOT/scripts/runtime-api-mock.py" --bootstrap "$dir/${names[$i]}" \
        --event "$EVENTS_DIR/${events[$i]}" --events "$N" --no-check --memory \
        --label "${names[$i]}" 2>/dev/null | tee -a "$jsonl" \
        || die "${names[$i]} did not answer every event (scripts/runtime-api-mock.py)"
done

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | head -1)
python3 - "$jsonl" "$OUT/startup.md" "$commit${dirty:+ (with uncommitted changes)}" "$RUNS" "$N" \
    "$(for i in "${!names[@]}"; do printf '%s=%s ' "${names[$i]}" "${events[$i]}"; done)" <<'PY'
import json, sys
events = dict(pair.split("=", 1) for pair in sys.argv[6].split())
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cold = {r["name"]: r for r in rows if r.get("kind") == "cold_start"}
mem = {r["label"]: r for r in rows if "peak_rss_kib" in r}
ref_c, ref_m = cold["echo"]["median_us"], mem["echo"]["peak_rss_kib"]
out = ["Cold start and memory per example, release profile, at %s (scripts/startup.sh; %s cold "
       "starts, %s invocations):" % (sys.argv[3], sys.argv[4], sys.argv[5]), "",
       "| example | event | cold start p50 | vs echo | peak RSS | vs echo | address space |",
       "|---|---|---:|---:|---:|---:|---:|"]
for name, c in cold.items():
    m = mem[name]
    rc, rm = c["median_us"] / ref_c, m["peak_rss_kib"] / ref_m
    flag_c = "" if rc <= 1.15 else " (over 1.15x)"
    flag_m = "" if m["peak_rss_kib"] <= 2560 else " (over 2.5 MiB)"
    out.append("| %s | %s | %.0f µs | %.2fx%s | %.2f MiB%s | %.2fx | %.1f MiB |" % (
        name, events[name], c["median_us"], rc, flag_c, m["peak_rss_kib"] / 1024, flag_m, rm,
        m["vm_size_kib"] / 1024))
text = "\n".join(out)
open(sys.argv[2], "w").write(text + "\n")
print(text)
PY
