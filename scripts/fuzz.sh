#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ and runs each for SECONDS_PER_TARGET (default 60),
# then prints executions/s and coverage per target. Exits non-zero on any crash, timeout or
# leak, printing the artifact and the panic message.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Environment:
#   FUZZ_SANITIZER   none (default: the crate forbids unsafe code, and libFuzzer runs 2-5x
#                    faster without ASan) or address
#   FUZZ_TARGET_DIR  where to build (default: fuzz/target)
#   FUZZ_JOBS        cargo build jobs (default: cargo's)
#
# Installs what is missing: cargo-fuzz (pinned) and the nightly toolchain (through rustup).
# Where nightly cannot be installed (toolchain downloads blocked), it builds with the default
# toolchain and no sanitizer (cargo-fuzz needs nightly only for sanitizers), and says so.
set -euo pipefail

CARGO_FUZZ_VERSION=0.13.2
seconds=${1:-60}
# FUZZ_SEED=N makes a run repeatable (libFuzzer's -seed): .ci/run uses it, so a smoke run that
# passed before a submission passes in CI too. Unset, every run explores anew.
seed_flag=()
[ -n "${FUZZ_SEED:-}" ] && seed_flag=(-seed="$FUZZ_SEED")
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fuzz_dir=fuzz
sanitizer=${FUZZ_SANITIZER:-none}
target_dir=${FUZZ_TARGET_DIR:-$root/fuzz/target}
jobs=()
if [ -n "${FUZZ_JOBS:-}" ]; then jobs=(--jobs "$FUZZ_JOBS"); fi

say() { printf 'fuzz.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }

case "$seconds" in '' | *[!0-9]*) die "SECONDS_PER_TARGET must be a whole number, got '$seconds'" ;; esac
command -v cargo >/dev/null || die "cargo is not installed"

# --- toolchain -------------------------------------------------------------------------------
toolchain=(+nightly)
if ! cargo +nightly --version >/dev/null 2>&1; then
  say "the nightly toolchain is missing; installing it with rustup"
  if command -v rustup >/dev/null && rustup toolchain install nightly --profile minimal >&2; then
    say "nightly installed"
  else
    say "WARNING: nightly could not be installed (no rustup, or toolchain downloads are blocked)."
    if [ "$sanitizer" != none ]; then
      die "FUZZ_SANITIZER=$sanitizer needs nightly"
    fi
    say "WARNING: building with the default toolchain instead (no sanitizer, which is the default)."
    toolchain=()
  fi
fi
run_cargo() { cargo "${toolchain[@]}" "$@"; }
say "toolchain: $(run_cargo --version)"

# --- cargo-fuzz ------------------------------------------------------------------------------
have=$(cargo fuzz --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$CARGO_FUZZ_VERSION" ]; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (found: ${have:-none})"
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION" >&2 ||
    die "cargo install cargo-fuzz --version $CARGO_FUZZ_VERSION failed (is crates.io reachable?)"
fi
command -v c++ >/dev/null || die "a C++ compiler is needed to build libFuzzer (apt-get install g++)"

# --- build -----------------------------------------------------------------------------------
mapfile -t all_targets < <(cargo fuzz list --fuzz-dir "$fuzz_dir")
[ "${#all_targets[@]}" -gt 0 ] || die "no fuzz targets found in $fuzz_dir"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")

start=$(date +%s)
say "checking the seeds and the reference checks (cargo test in fuzz/)"
CARGO_TARGET_DIR="$target_dir/test" cargo test --manifest-path "$fuzz_dir/Cargo.toml" "${jobs[@]}" 2>&1 |
  grep -v '^lambda-zero: ' >&2 || die "the fuzz crate's tests failed (a committed seed or regression input fails its check)"

say "building ${#all_targets[@]} targets (sanitizer: $sanitizer)"
run_cargo fuzz build --fuzz-dir "$fuzz_dir" --target-dir "$target_dir" --sanitizer "$sanitizer" "${jobs[@]}" >&2 ||
  die "cargo fuzz build failed"
bin_dir="$target_dir/$(rustc -vV | sed -n 's/^host: //p')/release"
built=$(date +%s)
say "built in $((built - start)) s"

# --- run -------------------------------------------------------------------------------------
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=0
rows=()
for t in "${targets[@]}"; do
  bin="$bin_dir/$t"
  [ -x "$bin" ] || die "no binary for target '$t' at $bin"
  corpus="$fuzz_dir/corpus/$t"
  artifacts="$fuzz_dir/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  # The committed seeds (and regression inputs) join the working corpus.
  if [ -d "$fuzz_dir/seeds/$t" ]; then cp -n "$fuzz_dir/seeds/$t"/* "$corpus"/ 2>/dev/null || true; fi
  before=$(ls "$artifacts" | sort)
  log="$logs/$t.log"
  say "running $t for $seconds s"
  set +e
  # -close_fd_mask=2: the runtime logs every invocation to stderr; libFuzzer keeps its own
  # output. A crash is replayed below with stderr open to show the panic message.
  "$bin" -max_total_time="$seconds" -timeout=20 -print_final_stats=1 -close_fd_mask=2 ${seed_flag[@]+"${seed_flag[@]}"} \
    -dict="$fuzz_dir/http.dict" -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '(DONE|INITED|NEW|REDUCE|pulse) +cov:' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  status=ok
  if [ "$rc" -ne 0 ]; then
    status="FAILED (exit $rc)"
    failed=1
    new=$(comm -13 <(printf '%s\n' "$before") <(ls "$artifacts" | sort) | sed '/^$/d')
    say "$t FAILED with exit code $rc; libFuzzer's last lines:"
    grep -vE '^(#|\s+#[0-9]+ 0x|\s+[0-9]+: |\s+at )' "$log" | tail -n 15 >&2
    for a in $new; do
      say "artifact: $artifacts/$a ($(wc -c <"$artifacts/$a") bytes); replaying it:"
      "$bin" "$artifacts/$a" 2>&1 | grep -E -A3 'panicked at|ERROR:' | head -n 20 >&2 || true
      say "minimize: $bin -minimize_crash=1 -runs=100000 $artifacts/$a"
    done
  fi
  rows+=("$(printf '%-16s %10s %9s %6s %7s %12s %7s  %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$status")")
done

printf '\n%-16s %10s %9s %6s %7s %12s %7s  %s\n' target execs execs/s cov ft corpus rss_mb result
for r in "${rows[@]}"; do printf '%s\n' "$r"; done
printf 'sanitizer: %s; %s s per target; total %s s (build %s s)\n' \
  "$sanitizer" "$seconds" "$(($(date +%s) - start))" "$((built - start))"
if [ "$failed" -ne 0 ]; then
  say "at least one target failed: fix the bug, then add the minimized input to fuzz/seeds/<target>/ as crash-<name>"
  exit 1
fi
