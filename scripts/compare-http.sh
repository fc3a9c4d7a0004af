#!/usr/bin/env bash
# lambda-zero's `http` feature against `lambda_http` on the same events (benches/compare-http):
# the field-by-field differential test, then parse + respond per invocation for each source in
# one criterion group (bench profile for both crates, this machine, one run), then the table of
# medians and ratios.
#
#   scripts/compare-http.sh                   # the test, the bench, the table
#   LZ_SKIP_BENCH=1 scripts/compare-http.sh   # the differential test only (.ci/run)
#
# Environment: CRITERION_ARGS (default: --warm-up-time 1 --measurement-time 3).
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
manifest=$ROOT/benches/compare-http/Cargo.toml

say "differential test: every vendored HTTP sample read by both crates"
cargo test --quiet --manifest-path "$manifest" >&2 || die "the differential test failed"
[ -z "${LZ_SKIP_BENCH:-}" ] || exit 0

need python3 python3
say "criterion: parse + respond per source (nice, bench profile)"
# shellcheck disable=SC2086
nice cargo bench --quiet --manifest-path "$manifest" --bench parse_respond -- \
    ${CRITERION_ARGS:---warm-up-time 1 --measurement-time 3} >&2 || die "the bench failed"
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
python3 - "$TARGET_DIR/criterion/parse_respond" "$commit" <<'PY'
import json, os, sys
root, commit = sys.argv[1], sys.argv[2]
medians = {}
for d in sorted(os.listdir(root)):
    b = os.path.join(root, d, "new", "benchmark.json")
    e = os.path.join(root, d, "new", "estimates.json")
    if not (os.path.exists(b) and os.path.exists(e)):
        continue
    crate, _, source = json.load(open(b))["function_id"].partition("/")
    medians[(crate, source)] = json.load(open(e))["median"]["point_estimate"]
sources = sorted({s for (_, s) in medians}, key=lambda s: medians.get(("lambda-zero", s), 0))
print(f"parse + respond per invocation, median ns (bench profile, commit {commit}, scripts/compare-http.sh)")
print()
print("| source | lambda-zero | lambda_http | lambda_http / lambda-zero |")
print("|---|---:|---:|---:|")
worst = None
for s in sources:
    z, h = medians.get(("lambda-zero", s)), medians.get(("lambda_http", s))
    if z is None or h is None:
        continue
    r = h / z
    worst = r if worst is None else min(worst, r)
    print(f"| {s} | {z:,.0f} | {h:,.0f} | {r:.1f}x |")
if worst is None:
    sys.exit("no criterion results under " + root)
print()
print(f"lowest ratio: {worst:.1f}x (target: 5x or more on every source)")
PY
