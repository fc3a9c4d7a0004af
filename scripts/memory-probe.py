#!/usr/bin/env python3
"""Peak RSS and address space of a bootstrap after N invocations of one event.

A minimal Runtime API on loopback (standard library, TCP_NODELAY, one keep-alive connection):
it spawns BOOTSTRAP, answers N `GET /next` with EVENT (fresh request ids, a deadline a minute
ahead), accepts each response or error with 202, and once the bootstrap asks for event N+1
reads its /proc/PID/status before killing it. Prints one JSON line: VmHWM (peak RSS), VmRSS,
VmSize (reserved address space), all in KiB, and how many answers were errors. A connection
the bootstrap closes between requests (as after a streamed response) is accepted again.

  scripts/memory-probe.py BOOTSTRAP EVENT_FILE [N]   # N defaults to 20
"""
import json
import os
import socket
import subprocess
import sys
import time


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    boot, event_file = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) == 4 else 20
    body = open(event_file, "rb").read()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API="127.0.0.1:%d" % port,
               AWS_LAMBDA_FUNCTION_NAME="probe", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/probe",
               AWS_LAMBDA_LOG_STREAM_NAME="probe")
    child = subprocess.Popen([boot], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # A bootstrap that dies or hangs ends the probe through the 30 s socket timeouts.
    srv.settimeout(30)
    conn, _ = srv.accept()
    conn.settimeout(30)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pending = b""

    def request():
        nonlocal pending, conn
        while b"\r\n\r\n" not in pending:
            data = conn.recv(65536)
            if not data and not pending:  # closed between requests (after a stream): reconnect
                conn.close()
                conn, _ = srv.accept()
                conn.settimeout(30)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                continue
            if not data:
                sys.exit("%s closed the connection mid-request" % boot)
            pending += data
        head, rest = pending.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        fields = {k.strip().lower(): v.strip() for k, v in (l.split(b":", 1) for l in lines[1:])}
        if b"transfer-encoding" in fields:  # a streamed response: chunks, then trailers
            def need(k):
                nonlocal rest
                while len(rest) < k:
                    data = conn.recv(65536)
                    if not data:
                        sys.exit("%s closed the connection mid-stream" % boot)
                    rest += data
            at = 0
            while True:
                while b"\r\n" not in rest[at:]:
                    need(len(rest) + 1)
                eol = rest.index(b"\r\n", at)
                size = int(rest[at:eol].split(b";")[0], 16)
                at = eol + 2
                if size == 0:
                    break
                need(at + size + 2)
                at += size + 2
            while b"\r\n" not in rest[at:]:  # trailer lines, then an empty line
                need(len(rest) + 1)
            while not rest[at:].startswith(b"\r\n"):
                at = rest.index(b"\r\n", at) + 2
                while b"\r\n" not in rest[at:]:
                    need(len(rest) + 1)
            pending = rest[at + 2:]
            return lines[0]
        length = int(fields.get(b"content-length", b"0"))
        while len(rest) < length:
            rest += conn.recv(65536)
        pending = rest[length:]
        return lines[0]

    deadline = int(time.time() * 1000) + 60000
    errors = 0
    for i in range(n + 1):
        line = request()
        if line.startswith(b"POST"):
            errors += b"/error" in line
            conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n")
            line = request()
        if not line.startswith(b"GET"):
            sys.exit("unexpected request %r" % line)
        if i == n:
            break
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Lambda-Runtime-Aws-Request-Id: probe-%d\r\nLambda-Runtime-Deadline-Ms: %d\r\n"
                     b"Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:probe\r\n"
                     b"Content-Length: %d\r\n\r\n" % (i, deadline, len(body)) + body)
    status = {}
    for l in open("/proc/%d/status" % child.pid):
        k, _, v = l.partition(":")
        status[k] = v.strip()
    child.kill()
    child.wait()
    kib = lambda k: int(status[k].split()[0])
    print(json.dumps({"kind": "memory", "name": os.path.basename(boot), "event": os.path.basename(event_file),
                      "invocations": n, "errors": errors, "peak_rss_kib": kib("VmHWM"),
                      "rss_kib": kib("VmRSS"), "vm_size_kib": kib("VmSize")}))


main()
