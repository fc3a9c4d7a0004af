#!/usr/bin/env bash
# Runs the example bootstraps, unchanged, under the local Lambda emulators people develop with,
# invokes them over HTTP, checks the answers, and times lambda-zero's echo against the same echo
# on `lambda_runtime` (benches/compare) under each emulator:
#
#   1. `cargo lambda watch --only-lambda-apis` (cargo-lambda, pinned, installed with --locked):
#      examples/echo must answer every event with itself; examples/failing must answer a JSON
#      object with itself and anything else with a `Function.InvalidInput` error;
#      examples/function_url_stream, called through cargo lambda's function URL route
#      (/lambda-url/_/...), must stream back HTTP 200, its Set-Cookie header and its body.
#      A second instance with `--timeout 3` answers an idle `GET /next` with 408 every 3 s:
#      after 12 s idle, examples/echo must have logged at most one line about it and must
#      still answer at once.
#   2. scripts/runtime-api-mock.py: Python's http.server, keep-alive, Nagle on, every answer in
#      its own send (what Python-based and hyper-based local tools do).
#   3. The AWS Lambda Runtime Interface Emulator (behind SAM and container images), only when
#      AWS_LAMBDA_RIE names its binary. It is published as a GitHub release binary and inside
#      AWS base images, in no package registry, so this script cannot install it; without it
#      that part is reported as SKIPPED, never as passed.
#
# Timing: TIMED_INVOKES (default 200) back-to-back invocations, after 20 untimed ones, from
# one keep-alive client (python3 http.client) through the emulator's Invoke API (cargo lambda,
# RIE), or served by the Python mock; ms/invoke is the wall time of the loop divided by the
# count, nothing subtracted. Both bootstraps are release builds. A runtime that waits for a
# delayed ACK against a Nagle-on server takes ~44 ms per invocation here.
#
# Not run by .ci/run: the first run builds cargo-lambda from source (~600 crates, 15-30 min on
# two cores) and lambda_runtime's echo. Later runs take a minute or two.
#
# Usage:   scripts/emulators.sh
# Env:     CARGO_LAMBDA_VERSION  cargo-lambda version to install (default 1.9.2)
#          CARGO_LAMBDA_ROOT     install root (default ~/.cache/lambda-zero/cargo-lambda-VERSION)
#          AWS_LAMBDA_RIE        path of an aws-lambda-rie binary (optional)
#          TIMED_INVOKES         invocations timed per bootstrap and emulator (default 200)
#          STEP_TIMEOUT          seconds any one wait may take (default 60)
#          KEEP_LOGS=1           keep the emulator's and the bootstraps' logs
set -euo pipefail
cd "$(dirname "$0")/.."

version="${CARGO_LAMBDA_VERSION:-1.9.2}"
root="${CARGO_LAMBDA_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/lambda-zero/cargo-lambda-$version}"
step_timeout="${STEP_TIMEOUT:-60}"
timed_invokes="${TIMED_INVOKES:-200}"
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
need python3

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

# Release builds, as deployed. lambda_runtime's echo is a package with a workspace of its own;
# it shares the target directory (as scripts/bench-lib.sh does).
target_dir="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
export CARGO_TARGET_DIR="$target_dir"
say "building examples/echo, failing and function_url_stream (release)"
cargo build --quiet --release --example echo --example failing --example function_url_stream
say "building lambda_runtime's echo (benches/compare, release)"
cargo build --quiet --release --manifest-path benches/compare/Cargo.toml --bin lambda-runtime-echo
echo_bin="$target_dir/release/examples/echo"
failing_bin="$target_dir/release/examples/failing"
furl_bin="$target_dir/release/examples/function_url_stream"
lr_echo_bin="$target_dir/release/lambda-runtime-echo"
for bin in "$echo_bin" "$failing_bin" "$furl_bin" "$lr_echo_bin"; do
  [ -x "$bin" ] || die "$bin not found after the build"
done
lr_version=$(sed -n '/^name = "lambda_runtime"$/{n;s/version = "\(.*\)"/\1/p}' benches/compare/Cargo.lock)

# ms/invoke per emulator and bootstrap, for the final table.
declare -A timing
emulators=()

# `cargo lambda watch` reads the Cargo metadata of the project it runs in and refuses one
# without a binary target (lambda-zero's functions are examples), so it runs in an empty host
# project. With --only-lambda-apis it builds and starts nothing itself: we start the bootstraps.
mkdir -p "$work/host/src"
cat >"$work/host/Cargo.toml" <<'TOML'
[package]
name = "lz-emulator-host"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]
TOML
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

# Times TIMED_INVOKES back-to-back invocations of function $2 through the Invoke API on port
# $1, over one keep-alive connection, after 20 untimed ones; every answer must be its event.
# Prints "MS_PER_INVOKE MEDIAN_MS P99_MS" (ms/invoke: the loop's wall time / count).
time_invokes() {
  timeout $((step_timeout * 3)) python3 - "$1" "$2" "$timed_invokes" <<'PY'
import http.client, sys, time
port, fn, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
path = f"/2015-03-31/functions/{fn}/invocations"
bodies = [b'{"n":%d,"pad":"%s"}' % (i, b"x" * 32) for i in range(n + 20)]
def invoke(body):
    conn.request("POST", path, body, {"content-type": "application/json"})
    r = conn.getresponse()
    got = r.read()
    if r.status != 200 or got != body:
        sys.exit(f"invocation answered HTTP {r.status}: {got[:200]!r} (sent {body!r})")
for body in bodies[:20]:
    invoke(body)
each = []
start = time.perf_counter()
for body in bodies[20:]:
    t = time.perf_counter()
    invoke(body)
    each.append(time.perf_counter() - t)
total = time.perf_counter() - start
each.sort()
print(f"{total / n * 1000:.3f} {each[n // 2] * 1000:.3f} {each[min(n - 1, int(n * 0.99))] * 1000:.3f}")
PY
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

# Starts `cargo lambda watch --only-lambda-apis` on a free port with the extra arguments given;
# sets $port, $watch_pid and $api (the endpoint it prints, exactly).
start_watch() {
  local log="$work/watch-$1.log"
  shift
  port=$(free_port)
  say "cargo lambda watch --only-lambda-apis${*:+ $*} on 127.0.0.1:$port"
  (
    cd "$work/host"
    exec "$cargo_lambda" lambda watch --only-lambda-apis --ignore-changes \
      --invoke-address 127.0.0.1 --invoke-port "$port" "$@"
  ) >"$log" 2>&1 &
  watch_pid=$!
  pids+=("$watch_pid")
  if ! wait_for_port "$port"; then
    cat "$log" >&2
    die "cargo lambda watch did not listen on $port within ${step_timeout}s"
  fi
  api=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -o 'AWS_LAMBDA_RUNTIME_API=[^ ]*' |
    head -n1 | cut -d= -f2-)
  [ -n "$api" ] || { cat "$log" >&2; die "cargo lambda watch printed no AWS_LAMBDA_RUNTIME_API"; }
}

start_watch main
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

# --- timing: lambda-zero and lambda_runtime, the same echo -------------------------------------
emulators+=("cargo lambda watch $version")
for runtime in lambda-zero lambda_runtime; do
  bin=$echo_bin
  [ "$runtime" = lambda_runtime ] && bin=$lr_echo_bin
  start_bootstrap "$bin" "$api" "$work/time-$runtime.log"
  if read -r per median p99 < <(time_invokes "$port" _ 2>"$work/time-$runtime.err") && [ -n "${per:-}" ]; then
    timing["cargo lambda watch $version,$runtime"]=$per
    pass "cargo lambda watch, $runtime echo: $per ms/invoke over $timed_invokes (median $median, p99 $p99 ms)"
  else
    timing["cargo lambda watch $version,$runtime"]=FAILED
    fail "cargo lambda watch, $runtime echo: $(cat "$work/time-$runtime.err") $(tail -n 3 "$work/time-$runtime.log")"
  fi
  stop "$bootstrap"
done

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

# --- function URL, streamed -------------------------------------------------------------------
# cargo lambda serves function URL requests at /lambda-url/FUNCTION/PATH ("_": the default
# function), turns them into an API Gateway v2 event, and answers with the streamed response:
# the prelude's status, headers and cookies (Set-Cookie), then the body as it comes.
start_bootstrap "$furl_bin" "$api" "$work/function-url.log"
printf 'streamed by lambda-zero\nline 2 of 4\nline 3 of 4\ndone\n' >"$work/furl-expected"
status=$(curl -sS --max-time "$step_timeout" -D "$work/furl-headers" -o "$work/furl-body" \
  -w '%{http_code}' "http://127.0.0.1:$port/lambda-url/_/hello?from=emulators.sh") || status=000
tr -d '\r' <"$work/furl-headers" >"$work/furl-headers.txt" 2>/dev/null || true
if [ "$status" = 200 ]; then
  pass "function_url_stream through /lambda-url/_/hello: HTTP 200"
else
  fail "function_url_stream: HTTP $status, headers $(head -c 300 "$work/furl-headers.txt" 2>/dev/null), body $(head -c 300 "$work/furl-body" 2>/dev/null)"
fi
if grep -qix 'set-cookie: visited=1; Path=/' "$work/furl-headers.txt"; then
  pass "function_url_stream: the prelude's cookie arrives as Set-Cookie: visited=1; Path=/"
else
  fail "function_url_stream: no Set-Cookie: visited=1; Path=/ in $(tr '\n' '|' <"$work/furl-headers.txt" 2>/dev/null)"
fi
if grep -qix 'content-type: text/plain; charset=utf-8' "$work/furl-headers.txt"; then
  pass "function_url_stream: the prelude's content-type arrives (text/plain; charset=utf-8)"
else
  fail "function_url_stream: content-type missing or wrong in $(tr '\n' '|' <"$work/furl-headers.txt" 2>/dev/null)"
fi
if cmp -s "$work/furl-body" "$work/furl-expected"; then
  pass "function_url_stream: the body is the four streamed lines, without prelude or separator"
else
  fail "function_url_stream: body $(head -c 300 "$work/furl-body" | od -c | head -n 5)"
fi
stop "$bootstrap"
stop "$watch_pid"

# --- idle-poll 408s, logged once ----------------------------------------------------------------
# With --timeout, cargo lambda's timeout layer answers a request still pending after that many
# seconds with 408, the idle `GET /next` included: here every 3 s.
start_watch timeout --timeout 3
start_bootstrap "$echo_bin" "$api" "$work/idle.log"
say "leaving the echo bootstrap idle for 12 s (408 every 3 s)"
sleep 12
started_invoke=$(date +%s%N)
read -r status out < <(invoke_curl "$work/small.json" "$port")
took_ms=$((($(date +%s%N) - started_invoke) / 1000000))
if [ "$status" = 200 ] && cmp -s "$out" "$work/small.json"; then
  pass "after 12 s of idle polls the echo bootstrap answers at once ($took_ms ms)"
else
  fail "after 12 s idle: HTTP $status, body $(head -c 200 "$out" 2>/dev/null), log $(tail -n 3 "$work/idle.log")"
fi
lines=$(grep -c 408 "$work/idle.log" || true)
case "$lines" in
  1) pass "the idle 408s are logged once: $(grep 408 "$work/idle.log")" ;;
  0) pass "no line about 408s in 12 s idle (at most one allowed; none came through to the log)" ;;
  *) fail "$lines lines about 408s after 12 s idle: $(grep 408 "$work/idle.log" | head -n 3)" ;;
esac
stop "$bootstrap"
stop "$watch_pid"

# --- the Python mock (http.server, Nagle on) ----------------------------------------------------
emulators+=("python http.server mock")
mock_events=$((timed_invokes * 5))
for runtime in lambda-zero lambda_runtime; do
  bin=$echo_bin
  [ "$runtime" = lambda_runtime ] && bin=$lr_echo_bin
  if line=$(timeout $((step_timeout * 3)) python3 scripts/runtime-api-mock.py --bootstrap "$bin" \
    --events "$mock_events" --size 64 --timeout "$step_timeout" --label "$runtime" 2>"$work/mock-$runtime.err"); then
    per=$(printf '%.3f' "$(jq -r '.total_s * 1000 / .events' <<<"$line")")
    timing["python http.server mock,$runtime"]=$per
    pass "Python mock, $runtime echo: $per ms/invoke over $mock_events (round trip median $(jq -r .median_ms <<<"$line"), p99 $(jq -r .p99_ms <<<"$line") ms, $(jq -r .connections <<<"$line") connection(s))"
  else
    timing["python http.server mock,$runtime"]=FAILED
    fail "Python mock, $runtime echo: ${line:-} $(tail -n 3 "$work/mock-$runtime.err")"
  fi
done

# --- AWS Lambda Runtime Interface Emulator ------------------------------------------------------
emulators+=("aws-lambda-rie")
rie="${AWS_LAMBDA_RIE:-$(command -v aws-lambda-rie || true)}"
if [ -z "$rie" ] || [ ! -x "$rie" ]; then
  say "SKIPPED the AWS Lambda Runtime Interface Emulator: no aws-lambda-rie binary."
  say "  It is distributed as a GitHub release binary and inside AWS base images, not by any"
  say "  package registry this script can use. Set AWS_LAMBDA_RIE=/path/to/aws-lambda-rie."
  timing["aws-lambda-rie,lambda-zero"]=SKIPPED
  timing["aws-lambda-rie,lambda_runtime"]=SKIPPED
else
  for fn in echo failing lambda_runtime; do
    rie_port=$(free_port)
    case "$fn" in
      echo) bin=$echo_bin ;;
      failing) bin=$failing_bin ;;
      lambda_runtime) bin=$lr_echo_bin ;;
    esac
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
    else
      runtime=lambda-zero
      [ "$fn" = lambda_runtime ] && runtime=lambda_runtime
      if read -r per median p99 < <(time_invokes "$rie_port" function 2>"$work/rie-time-$fn.err") && [ -n "${per:-}" ]; then
        timing["aws-lambda-rie,$runtime"]=$per
        pass "RIE, $runtime echo: $per ms/invoke over $timed_invokes (median $median, p99 $p99 ms)"
      else
        timing["aws-lambda-rie,$runtime"]=FAILED
        fail "RIE, $runtime echo: $(cat "$work/rie-time-$fn.err")"
      fi
    fi
    stop "$rie_pid"
  done
fi

# --- summary ------------------------------------------------------------------------------------
say "echo round trip per invocation, back to back, one keep-alive client, release builds:"
printf '\n%-28s | %-21s | %s\n' emulator "lambda-zero ms/invoke" "lambda_runtime $lr_version ms/invoke"
printf '%s\n' "-----------------------------+-----------------------+------------------------------"
for emulator in "${emulators[@]}"; do
  printf '%-28s | %21s | %28s\n' "$emulator" "${timing["$emulator,lambda-zero"]:-?}" \
    "${timing["$emulator,lambda_runtime"]:-?}"
done
echo
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
