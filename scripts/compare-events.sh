#!/usr/bin/env bash
# lambda-zero's typed events (feature `events`) against aws_lambda_events on the same AWS sample
# events (benches/compare-events): the field-by-field differential test, then parse + a typical
# read per invocation for SQS (10 messages), S3, DynamoDB Streams, Kinesis, CloudWatch Logs and
# EventBridge in one criterion group (bench profile for both crates, this machine, one run),
# then the table of medians and ratios.
#
#   scripts/compare-events.sh                   # the test, the bench, the table
#   LZ_SKIP_BENCH=1 scripts/compare-events.sh   # the differential test only
#
# Environment: CRITERION_ARGS (default: --warm-up-time 1 --measurement-time 3); CARGO_BENCH_ARGS,
# extra arguments to both cargo commands. The bench profile is opt-level 3 for both crates; the
# release profile of docs/deploy.md (opt-level "z", LTO), and that profile with lambda-zero and
# its JSON crates at opt-level 3 (docs/deploy.md, "Functions that parse JSON"), are
#
#   CARGO_PROFILE_BENCH_OPT_LEVEL=z CARGO_PROFILE_BENCH_LTO=true scripts/compare-events.sh
#   CARGO_PROFILE_BENCH_OPT_LEVEL=z CARGO_PROFILE_BENCH_LTO=true \
#     CARGO_BENCH_ARGS="--config profile.bench.package.lambda-zero.opt-level=3 \
#       --config profile.bench.package.simd-json.opt-level=3 \
#       --config profile.bench.package.simdutf8.opt-level=3" scripts/compare-events.sh
# The package builds in its own target directory (benches/compare-events/target).
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
package=$ROOT/benches/compare-events
manifest=$package/Cargo.toml
export CARGO_TARGET_DIR=$package/target

say "differential test: every vendored sample of a typed family read by both crates"
# shellcheck disable=SC2086
cargo test --quiet --manifest-path "$manifest" ${CARGO_BENCH_ARGS:-} >&2 || die "the differential test failed"
[ -z "${LZ_SKIP_BENCH:-}" ] || exit 0

need python3 python3
say "criterion: parse + typical read per family (nice, bench profile)"
# shellcheck disable=SC2086
nice cargo bench --quiet --manifest-path "$manifest" ${CARGO_BENCH_ARGS:-} --bench parse_read -- \
    ${CRITERION_ARGS:---warm-up-time 1 --measurement-time 3} >&2 || die "the bench failed"
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
profile="opt-level ${CARGO_PROFILE_BENCH_OPT_LEVEL:-3}, lto ${CARGO_PROFILE_BENCH_LTO:-as set}${CARGO_BENCH_ARGS:+, $CARGO_BENCH_ARGS}"
python3 - "$CARGO_TARGET_DIR/criterion/parse_read" "$commit" "$profile" <<'PY'
import json, os, sys
root, commit, profile = sys.argv[1], sys.argv[2], sys.argv[3]
medians = {}
for d in sorted(os.listdir(root)):
    b = os.path.join(root, d, "new", "benchmark.json")
    e = os.path.join(root, d, "new", "estimates.json")
    if not (os.path.exists(b) and os.path.exists(e)):
        continue
    crate, _, family = json.load(open(b))["function_id"].partition("/")
    medians[(crate, family)] = json.load(open(e))["median"]["point_estimate"]
order = ["sqs-10", "s3", "dynamodb", "kinesis", "cloudwatch_logs", "eventbridge"]
print(f"parse + typical read per invocation, median ns (bench profile: {profile}; commit {commit}, scripts/compare-events.sh)")
print()
print("| family | lambda-zero | aws_lambda_events + serde_json | ratio |")
print("|---|---:|---:|---:|")
worst = None
for f in order:
    z, a = medians.get(("lambda-zero", f)), medians.get(("aws_lambda_events", f))
    if z is None or a is None:
        continue
    r = a / z
    worst = r if worst is None else min(worst, r)
    print(f"| {f} | {z:,.0f} | {a:,.0f} | {r:.1f}x |")
if worst is None:
    sys.exit("no criterion results under " + root)
print()
print(f"lowest ratio: {worst:.1f}x (target: 4x or more on every family)")
PY
