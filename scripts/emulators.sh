#!/usr/bin/env bash
# Runs the example bootstraps, unchanged, under the local Lambda emulators people develop with,
# invokes them over HTTP and checks the answers:
#
#   1. `cargo lambda watch --only-lambda-apis` (cargo-lambda, pinned, installed with --locked):
#      examples/echo must answer every event with itself; examples/failing must answer a JSON
#      object with itself and anything else with a `Function.InvalidInput` error.
#   2. The AWS Lambda Runtime Interface Emulator (behind SAM and container images), only when
#      AWS_LAMBDA_RIE names its binary. It is published as a GitHub release binary and inside
#      AWS base images, in no package registry, so this script cannot install it; without it
#      that part is reported as SKIPPED, never as passed.
#
# Not run by .ci/run: the first run builds cargo-lambda from source (~600 crates, 15-30 min on
# two cores). Later runs reuse the install and take well under a minute.
#
# Usage:   scripts/emulators.sh
# Env:     CARGO_LAMBDA_VERSION  cargo-lambda version to install (default 1.9.2)
#          CARGO_LAMBDA_ROOT     install root (default ~/.cache/lambda-zero/cargo-lambda-VERSION)
#          AWS_LAMBDA_RIE        path of an aws-lambda-rie binary (optional)
#          STEP_TIMEOUT          seconds any one wait may take (default 60)
#          KEEP_LOGS=1           keep the emulator's and the bootstraps' logs
set -euo pipefail
cd "$(dirname "$0")/.."

version="${CARGO_LAMBDA_VERSION:-1.9.2}"
root="${CARGO_LAMBDA_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/lambda-zero/cargo-lambda-$version}"
step_timeout="${STEP_TIMEOUT:-60}"
started=$(date +%s)
passed=0
failed=0
pids=()
work="$(mktemp -d "${TMPDIR:-/tmp}/lz-emulators.XXXXXX")"

cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "${KEEP_LOGS:-0}" = 1 ]; then
    echo "logs kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '[%4ss] %s\n' "$(($(date +%s) - started))" "$*"; }
pass() { passed=$((passed + 1)); say "PASS $*"; }
fail() { failed=$((failed + 1)); say "FAIL $*"; }
die() { say "error: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required"; }
need cargo
need curl
need jq

# A TCP port nobody listens on (the emulators need fixed ports on the command line).
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "no free port found"
}

# Waits until something listens on 127.0.0.1:$1, or fails after STEP_TIMEOUT seconds.
wait_for_port() {
  local deadline=$(($(date +%s) + step_timeout))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
say "cargo-lambda $version in $root"
cargo_lambda="$root/bin/cargo-lambda"
if [ -x "$cargo_lambda" ] && "$cargo_lambda" lambda --version 2>/dev/null | grep -q " $version"; then
  say "already installed: $("$cargo_lambda" lambda --version)"
else
  say "installing (cargo install --locked; builds from source, this takes a while)"
  cargo install cargo-lambda --locked --version "$version" --root "$root"
fi
"$cargo_lambda" lambda --version

say "building examples/echo and examples/failing"
cargo build --quiet --example echo --example failing
target_dir="${CARGO_TARGET_DIR:-target}"
echo_bin="$target_dir/debug/examples/echo"
failing_bin="$target_dir/debug/examples/failing"
[ -x "$echo_bin" ] && [ -x "$failing_bin" ] || die "example binaries not found in $target_dir"

# `cargo lambda watch` reads the Cargo metadata of the project it runs in and refuses one
# without a binary target (lambda-zero's functions are examples), so it runs in an empty host
# project. With --only-lambda-apis it builds and starts nothing itself: we start the bootstraps.
mkdir -p "$work/host/src"
cat >"$work/host/Cargo.toml" <<'EOF'
[package]
name = "lz-emulator-host"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]
EOF
echo 'fn main() {}' >"$work/host/src/main.rs"

# Invokes function "_" (cargo lambda's default function) with the body in file $1 through
# the emulator's Lambda Invoke API on port $2; prints "STATUS BODY_FILE".
invoke_curl() {
  local out="$work/answer.$RANDOM"
  local status
  status=$(curl -sS --max-time "$step_timeout" -o "$out" -w '%{http_code}' \
    -H 'content-type: application/json' --data-binary "@$1" \
    "http://127.0.0.1:$2/2015-03-31/functions/${3:-_}/invocations") || status=000
  echo "$status $out"
}

# Starts bootstrap $1 with the environment cargo lambda prints for --only-lambda-apis; its pid
# goes to $bootstrap.
start_bootstrap() {
  local bin="$1" api="$2" log="$3"
  AWS_LAMBDA_RUNTIME_API="$api" AWS_LAMBDA_FUNCTION_NAME=_ AWS_LAMBDA_FUNCTION_VERSION=1 \
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE=4096 "$bin" >"$log" 2>&1 &
  bootstrap=$!
  pids+=("$bootstrap")
}

stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

port=$(free_port)
say "cargo lambda watch --only-lambda-apis on 127.0.0.1:$port"
(
  cd "$work/host"
  exec "$cargo_lambda" lambda watch --only-lambda-apis --ignore-changes \
    --invoke-address 127.0.0.1 --invoke-port "$port"
) >"$work/watch.log" 2>&1 &
watch_pid=$!
pids+=("$watch_pid")
if ! wait_for_port "$port"; then
  cat "$work/watch.log" >&2
  die "cargo lambda watch did not listen on $port within ${step_timeout}s"
fi
# The endpoint the function must use, exactly as the emulator prints it.
api=$(sed 's/\x1b\[[0-9;]*m//g' "$work/watch.log" | grep -o 'AWS_LAMBDA_RUNTIME_API=[^ ]*' |
  head -n1 | cut -d= -f2-)
[ -n "$api" ] || { cat "$work/watch.log" >&2; die "cargo lambda watch printed no AWS_LAMBDA_RUNTIME_API"; }
say "the emulator says AWS_LAMBDA_RUNTIME_API=$api"
case "$api" in
  http://*/*) pass "the endpoint is the http://host:port/prefix form ($api)" ;;
  *) say "note: the endpoint has no path prefix ($api)" ;;
esac

# --- echo -------------------------------------------------------------------------------------
start_bootstrap "$echo_bin" "$api" "$work/echo.log"
printf '%s' '{"hello":"world","n":[1,2,3],"nested":{"unicode":"\u00e9t\u00e9"}}' >"$work/small.json"
# 256 KiB of JSON: several reads on both sides.
jq -cn '{padding: ("x" * 262144), end: true}' >"$work/large.json"
printf '%s' 'plain text, not JSON' >"$work/text.json"
for event in small large text; do
  read -r status out < <(invoke_curl "$work/$event.json" "$port")
  if [ "$status" = 200 ] && cmp -s "$out" "$work/$event.json"; then
    pass "echo answers the $event event ($(wc -c <"$work/$event.json") bytes) with itself"
  else
    fail "echo, $event event: HTTP $status, body $(head -c 200 "$out" 2>/dev/null)"
  fi
done
# The same through cargo lambda's own client.
if got=$(timeout "$step_timeout" "$cargo_lambda" lambda invoke --invoke-address 127.0.0.1 \
  --invoke-port "$port" --data-ascii '{"via":"cargo lambda invoke"}' --output-format json _ 2>"$work/invoke.err") &&
  [ "$(jq -c . <<<"$got")" = '{"via":"cargo lambda invoke"}' ]; then
  pass "echo through cargo lambda invoke"
else
  fail "echo through cargo lambda invoke: ${got:-} $(cat "$work/invoke.err")"
fi
if kill -0 "$bootstrap" 2>/dev/null; then
  pass "the echo bootstrap is still serving (it polls again after each answer)"
else
  fail "the echo bootstrap exited: $(tail -n 5 "$work/echo.log")"
fi
stop "$bootstrap"

# --- failing ----------------------------------------------------------------------------------
start_bootstrap "$failing_bin" "$api" "$work/failing.log"
printf '%s' '[1,2,3]' >"$work/array.json"
read -r status out < <(invoke_curl "$work/array.json" "$port")
error_type=$(jq -r '.errorType // empty' "$out" 2>/dev/null || true)
message=$(jq -r '.errorMessage // empty' "$out" 2>/dev/null || true)
if [ "$status" = 500 ] && [ "$error_type" = Function.InvalidInput ] &&
  [[ "$message" == *"must be a JSON object"* ]] && jq -e '.stackTrace | type == "array"' "$out" >/dev/null; then
  pass "failing answers a non-object with HTTP 500 and {errorType: $error_type, errorMessage, stackTrace}"
else
  fail "failing, array event: HTTP $status, body $(head -c 300 "$out" 2>/dev/null)"
fi
read -r status out < <(invoke_curl "$work/small.json" "$port")
if [ "$status" = 200 ] && cmp -s "$out" "$work/small.json"; then
  pass "failing answers a JSON object with itself"
else
  fail "failing, object event: HTTP $status, body $(head -c 200 "$out" 2>/dev/null)"
fi
if got=$(timeout "$step_timeout" "$cargo_lambda" lambda invoke --invoke-address 127.0.0.1 \
  --invoke-port "$port" --data-ascii '"just a string"' --output-format json _ 2>&1); then
  fail "cargo lambda invoke succeeded on an invalid event: $got"
elif [[ "$got" == *InvalidInput* ]]; then
  pass "cargo lambda invoke reports the function error (Function.InvalidInput)"
else
  fail "cargo lambda invoke, invalid event: $got"
fi
if grep -q 'InvalidInput' "$work/failing.log"; then
  pass "the failure is logged on stderr by the bootstrap"
else
  fail "no log line for the failure: $(tail -n 5 "$work/failing.log")"
fi
stop "$bootstrap"
stop "$watch_pid"

# --- AWS Lambda Runtime Interface Emulator ------------------------------------------------------
rie="${AWS_LAMBDA_RIE:-$(command -v aws-lambda-rie || true)}"
if [ -z "$rie" ] || [ ! -x "$rie" ]; then
  say "SKIPPED the AWS Lambda Runtime Interface Emulator: no aws-lambda-rie binary."
  say "  It is distributed as a GitHub release binary and inside AWS base images, not by any"
  say "  package registry this script can use. Set AWS_LAMBDA_RIE=/path/to/aws-lambda-rie."
else
  for fn in echo failing; do
    rie_port=$(free_port)
    bin="$target_dir/debug/examples/$fn"
    # The RIE starts the bootstrap itself with AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001.
    "$rie" --runtime-interface-emulator-address "127.0.0.1:$rie_port" "$bin" \
      >"$work/rie-$fn.log" 2>&1 &
    rie_pid=$!
    pids+=("$rie_pid")
    if ! wait_for_port "$rie_port"; then
      fail "aws-lambda-rie ($fn) did not listen on $rie_port: $(tail -n 5 "$work/rie-$fn.log")"
      stop "$rie_pid"
      continue
    fi
    read -r status out < <(invoke_curl "$work/small.json" "$rie_port" function)
    if [ "$status" = 200 ] && cmp -s "$out" "$work/small.json"; then
      pass "RIE: $fn answers a JSON object with itself"
    else
      fail "RIE: $fn, object event: HTTP $status, body $(head -c 200 "$out" 2>/dev/null)"
    fi
    if [ "$fn" = failing ]; then
      read -r status out < <(invoke_curl "$work/array.json" "$rie_port" function)
      if [ "$(jq -r '.errorType // empty' "$out" 2>/dev/null)" = Function.InvalidInput ]; then
        pass "RIE: failing answers a non-object with errorType Function.InvalidInput (HTTP $status)"
      else
        fail "RIE: failing, array event: HTTP $status, body $(head -c 300 "$out" 2>/dev/null)"
      fi
    fi
    stop "$rie_pid"
  done
fi

say "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
