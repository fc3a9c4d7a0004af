#!/usr/bin/env python3
"""A Lambda Runtime API mock in pure Python standard library, for timing a bootstrap.

It serves the way Python-based and hyper-based local tools do (SAM's and `cargo lambda watch`'s
kind of server): http.server speaking keep-alive HTTP/1.1, Nagle's algorithm left on (no
TCP_NODELAY), every answer written with its own send. A runtime that pipelines its response
POST with the next `GET /next` and then waits for a delayed ACK stalls ~40 ms per invocation
here; one that does not stays well under a millisecond.

It serves N events of the same body back to back, to a bootstrap it spawns (--bootstrap) or
to whatever connects (--port), accepts `/invocation/{id}/response` and `/invocation/{id}/error`
with 202, checks that each response equals its event (an echo function; --no-check to skip),
and prints one JSON line: the per-invocation round trip as the server sees it (from just before
the event is written to the end of the response body) as median, p99 and mean in ms, and the
total time from the first event to the last answer. Exits 1 on an error answer, a mismatch, a
bootstrap that exits, or a stall (--timeout seconds without progress), 2 on bad usage.

With --memory (and --bootstrap), the line also gives the bootstrap's peak RSS (VmHWM), RSS and
reserved address space (VmSize) in KiB, read from /proc once the last answer is in.

  scripts/runtime-api-mock.py --bootstrap target/release/examples/echo --events 1000 --size 64
  scripts/runtime-api-mock.py --bootstrap target/release/examples/apigw_v2 --events 20 \
      --event tests/events/example-apigw-v2-request-no-authorizer.json --no-check --memory
"""

import argparse
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time

PATH = re.compile(r"^(?:/[^?]*)?/2018-06-01/runtime/(invocation/next|invocation/([^/]+)/(response|error)|init/error)$")


class State:
    def __init__(self, events, body):
        self.events = events
        self.body = body
        self.cond = threading.Condition()
        self.next_index = 0
        self.sent = {}
        self.round_trips = []
        self.first_sent = None
        self.last_received = None
        self.errors = []
        self.connections = 0
        self.progress = time.monotonic()
        self.stopping = False

    def done(self):
        return len(self.round_trips) + len(self.errors) >= self.events


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Nagle stays on (the default of socketserver.StreamRequestHandler, said here on purpose).
    disable_nagle_algorithm = False
    server_version = "runtime-api-mock"
    sys_version = ""

    def setup(self):
        super().setup()
        with self.server.state.cond:
            self.server.state.connections += 1

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        """The status line, headers and body in one write."""
        lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers]
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self):
        st = self.server.state
        m = PATH.match(self.path)
        if not m or m.group(1) != "invocation/next":
            return self.answer(404, b'{"errorMessage":"not found"}')
        with st.cond:
            # Lambda's long poll: with every event served, wait until the run is over.
            while st.next_index >= st.events and not st.stopping:
                st.cond.wait(1.0)
            if st.stopping:
                self.close_connection = True
                return
            index = st.next_index
            st.next_index += 1
        request_id = f"00000000-0000-4000-8000-{index:012d}"
        deadline = int(time.time() * 1000) + 300_000
        headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", request_id),
            ("Lambda-Runtime-Deadline-Ms", deadline),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:mock"),
            ("Lambda-Runtime-Trace-Id", f"Root=1-00000000-{index:024d};Sampled=0"),
        ]
        now = time.perf_counter()
        with st.cond:
            st.sent[request_id] = now
            if st.first_sent is None:
                st.first_sent = now
        self.answer(200, st.body, headers)

    def do_POST(self):
        st = self.server.state
        body = self.read_body()
        received = time.perf_counter()
        m = PATH.match(self.path)
        if not m or m.group(1) == "invocation/next":
            return self.answer(404, b'{"errorMessage":"not found"}')
        request_id, kind = m.group(2), m.group(3) or "init/error"
        with st.cond:
            sent = st.sent.pop(request_id, None) if request_id else None
            if kind == "response" and sent is not None:
                if self.server.check and body != st.body:
                    st.errors.append(f"{request_id}: the response ({len(body)} bytes) differs from the event")
                else:
                    st.round_trips.append(received - sent)
            elif sent is not None or kind == "init/error":
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type", "")
                st.errors.append(f"{request_id or 'init'}: {kind} {error_type} {body[:200]!r}")
            else:
                return self.answer(400, b'{"errorMessage":"unknown request id"}')
            st.last_received = received
            st.progress = time.monotonic()
            st.cond.notify_all()
        self.answer(202, b'{"status":"OK"}', [("Content-Type", "application/json")])


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values) + 0.5) - 1))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bootstrap", help="spawn this bootstrap against the mock")
    ap.add_argument("--port", type=int, default=0, help="port to listen on (default: any free one)")
    ap.add_argument("--events", type=int, default=1000, help="events to serve (default 1000)")
    ap.add_argument("--size", type=int, default=64, help="event size in bytes (default 64)")
    ap.add_argument("--event", help="a file whose contents are the event (instead of --size)")
    ap.add_argument("--no-check", action="store_true", help="do not require response == event")
    ap.add_argument("--timeout", type=float, default=60, help="seconds without progress before giving up")
    ap.add_argument("--label", default="", help="a label copied into the JSON line")
    ap.add_argument("--memory", action="store_true", help="report the bootstrap's peak RSS, RSS and VmSize")
    args = ap.parse_args()
    if args.events < 1 or args.size < 2:
        ap.error("--events must be >= 1 and --size >= 2")
    if args.memory and not args.bootstrap:
        ap.error("--memory needs --bootstrap")
    if args.event:
        with open(args.event, "rb") as f:
            body = f.read()
    else:
        body = b'"' + b"x" * (args.size - 2) + b'"'  # a JSON string of --size bytes

    state = State(args.events, body)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = state
    server.check = not args.no_check
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    print(f"runtime-api-mock: AWS_LAMBDA_RUNTIME_API=127.0.0.1:{port}", file=sys.stderr, flush=True)

    child = None
    if args.bootstrap:
        env = dict(os.environ)
        env.update(
            AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}",
            AWS_LAMBDA_FUNCTION_NAME="mock",
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
            AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/mock",
            AWS_LAMBDA_LOG_STREAM_NAME="mock",
            AWS_REGION="us-east-1",
        )
        child = subprocess.Popen([args.bootstrap], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    failure = None
    state.progress = time.monotonic()
    with state.cond:
        while not state.done():
            if child is not None and child.poll() is not None:
                failure = f"the bootstrap exited with status {child.returncode}"
                break
            if time.monotonic() - state.progress > args.timeout:
                failure = f"no answer for {args.timeout:g} s ({len(state.round_trips)} of {args.events} done)"
                break
            state.cond.wait(0.1)
        state.stopping = True
        state.cond.notify_all()
    memory = {}
    if args.memory and child is not None and child.poll() is None:
        with open(f"/proc/{child.pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        for key, name in (("VmHWM", "peak_rss_kib"), ("VmRSS", "rss_kib"), ("VmSize", "vm_size_kib")):
            memory[name] = int(fields[key].split()[0])
    if child is not None and child.poll() is None:
        child.kill()
        child.wait()
    server.shutdown()

    trips = sorted(t * 1000 for t in state.round_trips)
    result = {
        "label": args.label,
        "events": args.events,
        "event_bytes": len(body),
        "answered": len(trips),
        "errors": len(state.errors),
        "connections": state.connections,
        "median_ms": round(percentile(trips, 50), 3) if trips else None,
        "p99_ms": round(percentile(trips, 99), 3) if trips else None,
        "mean_ms": round(sum(trips) / len(trips), 3) if trips else None,
        "total_s": round(state.last_received - state.first_sent, 3) if trips else None,
        **memory,
    }
    print(json.dumps(result), flush=True)
    for error in state.errors[:5]:
        print(f"runtime-api-mock: error: {error}", file=sys.stderr)
    if failure:
        print(f"runtime-api-mock: {failure}", file=sys.stderr)
    return 1 if failure or state.errors else 0


if __name__ == "__main__":
    sys.exit(main())
