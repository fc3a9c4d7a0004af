#!/usr/bin/env bash
# Typed events on arm64 (the architecture lambda-zero ships first), counted where no arm64
# machine is at hand: the compare-events probe (benches/compare-events/src/bin/probe.rs) built
# for aarch64 with the release profile users deploy (opt-level "z", LTO) and run under
# qemu-aarch64 with a plugin that counts the guest instructions it executes
# (scripts/qemu/insn.c). Per family, instructions per parse + typical read: lambda-zero with its
# NEON stage 1, lambda-zero with simd-json's stage 1 (LAMBDA_ZERO_JSON_STAGE1=simd-json, what
# arm64 ran before it had its own), and aws_lambda_events + serde_json. Each figure is the
# count at 4,000 iterations minus the count at 2,000, over 2,000: start-up cancels, and counts
# do not depend on load. They are instructions, not time: allocation-heavy code costs more time
# per instruction (on x86_64, aws_lambda_events' time ratios are above its instruction ratios).
#
#   scripts/arm64-events.sh          # every family
#   scripts/arm64-events.sh s3 sqs-10
#
# Installs qemu-user, gcc and gcc-aarch64-linux-gnu on Debian when missing, and the rustup
# target. The probe builds in benches/compare-events/target.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
need qemu-aarch64 qemu-user
need gcc gcc
need python3 python3
need_target aarch64-unknown-linux-gnu
cross_env aarch64-unknown-linux-gnu
sysroot=/usr/aarch64-linux-gnu
[ -d "$sysroot" ] || die "no $sysroot (gcc-aarch64-linux-gnu's libraries)"

families=("$@")
[ ${#families[@]} -gt 0 ] || families=(sqs-10 s3 dynamodb kinesis cloudwatch_logs eventbridge)

plugin=$OUT/qemu-insn.so
mkdir -p "$OUT"
gcc -shared -fPIC -O2 -o "$plugin" "$ROOT/scripts/qemu/insn.c" || die "building the qemu plugin failed"

package=$ROOT/benches/compare-events
export CARGO_TARGET_DIR=$package/target
say "building the probe for aarch64 (release profile: opt-level z, LTO)"
CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=true \
    cargo build --quiet --release --target aarch64-unknown-linux-gnu \
    --manifest-path "$package/Cargo.toml" --bin probe || die "building the probe failed"
probe=$CARGO_TARGET_DIR/aarch64-unknown-linux-gnu/release/probe

# count SIDE FAMILY N [ENV...]: guest instructions of N iterations (with start-up).
count() {
    local side=$1 family=$2 n=$3
    shift 3
    env "$@" qemu-aarch64 -L "$sysroot" -plugin "$plugin" "$probe" "$side" "$family" "$n" \
        2>&1 >/dev/null | awk '/^guest instructions:/ { print $3 }'
}
# per_read SIDE FAMILY [ENV...]: instructions per iteration.
per_read() {
    local a b
    a=$(count "$1" "$2" 2000 "${@:3}")
    b=$(count "$1" "$2" 4000 "${@:3}")
    [ -n "$a" ] && [ -n "$b" ] || die "no count for $1 $2 (is the qemu plugin loading?)"
    echo $(((b - a) / 2000))
}

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "aarch64 instructions per parse + typical read (qemu-aarch64 $(qemu-aarch64 --version | head -1 | awk '{print $3}'), release profile, commit $commit, scripts/arm64-events.sh)"
echo
echo "| family | lambda-zero (NEON stage 1) | lambda-zero (simd-json stage 1) | aws_lambda_events + serde_json | ratio |"
echo "|---|---:|---:|---:|---:|"
for f in "${families[@]}"; do
    say "counting $f"
    zero=$(per_read zero "$f")
    sj=$(per_read zero "$f" LAMBDA_ZERO_JSON_STAGE1=simd-json)
    aws=$(per_read aws "$f")
    python3 -c "import sys; z, s, a = map(int, sys.argv[2:]); print(f'| {sys.argv[1]} | {z:,} | {s:,} | {a:,} | {a / z:.1f}x |')" "$f" "$zero" "$sj" "$aws"
done
