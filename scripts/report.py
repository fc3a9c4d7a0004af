#!/usr/bin/env python3
"""Turns the raw outputs of the benchmark scripts into JSON lines, tables and benches/RESULTS.md.

    report.py strace NAME EVENT N1 FILE1 N2 FILE2          strace -c summaries -> syscalls/invocation
    report.py valgrind NAME EVENT N1 CG1 MC1 N2 CG2 MC2     callgrind + memcheck -> Ir, allocs/invocation
    report.py sizes dist/sizes.tsv                          size table -> JSON lines
    report.py table FILE.jsonl                              prints JSON lines as a table
    report.py results OUT_DIR CRITERION_DIR RESULTS.md      writes the results document

Only the standard library: it runs on any python3 >= 3.8.
"""

import glob
import json
import os
import re
import sys

RUNTIMES = ["lambda_runtime", "floor", "lambda-zero"]


def die(msg):
    sys.stderr.write("report.py: %s\n" % msg)
    sys.exit(1)


def read_jsonl(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


# ---------------------------------------------------------------- raw tool outputs


def strace_counts(path):
    """Calls per syscall from an `strace -c` summary."""
    counts = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 5 or not re.match(r"^[0-9.]+$", fields[0]):
                continue
            name = fields[-1]
            if name == "total":
                continue
            counts[name] = counts.get(name, 0) + int(fields[3])
    if not counts:
        die("no strace summary in %s" % path)
    return counts


def cmd_strace(name, event, n1, f1, n2, f2):
    n1, n2 = int(n1), int(n2)
    a, b = strace_counts(f1), strace_counts(f2)
    per = {}
    for call in set(a) | set(b):
        d = (b.get(call, 0) - a.get(call, 0)) / (n2 - n1)
        if abs(d) >= 0.005:
            per[call] = round(d, 3)
    total = (sum(b.values()) - sum(a.values())) / (n2 - n1)
    by_call = dict(sorted(per.items(), key=lambda kv: -kv[1]))
    print(json.dumps({"kind": "syscalls", "name": name, "event": event, "n1": n1, "n2": n2,
                      "per_inv": round(total, 3), "by_call": by_call}))


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    die("no totals in %s" % path)


def memcheck_heap(path):
    with open(path) as f:
        for line in f:
            m = re.search(r"total heap usage: ([\d,]+) allocs, ([\d,]+) frees, ([\d,]+) bytes allocated", line)
            if m:
                return [int(g.replace(",", "")) for g in m.groups()]
    die("no heap summary in %s" % path)


def cmd_valgrind(name, event, n1, cg1, mc1, n2, cg2, mc2):
    n1, n2 = int(n1), int(n2)
    d = n2 - n1
    ir = (callgrind_total(cg2) - callgrind_total(cg1)) / d
    h1, h2 = memcheck_heap(mc1), memcheck_heap(mc2)
    print(json.dumps({"kind": "valgrind", "name": name, "event": event, "n1": n1, "n2": n2,
                      "instructions_per_inv": round(ir, 1),
                      "allocs_per_inv": round((h2[0] - h1[0]) / d, 3),
                      "frees_per_inv": round((h2[1] - h1[1]) / d, 3),
                      "heap_bytes_per_inv": round((h2[2] - h1[2]) / d, 1)}))


def cmd_sizes(tsv):
    with open(tsv) as f:
        next(f)
        for line in f:
            target, name, size, zsize = line.rstrip("\n").split("\t")
            print(json.dumps({"kind": "size", "target": target, "name": name,
                              "bytes": int(size), "zip_bytes": int(zsize)}))


def cmd_table(path):
    rows = read_jsonl(path)
    if not rows:
        die("nothing in %s" % path)
    keys = [k for k in rows[0].keys() if k not in ("kind", "by_call")]
    widths = [max(len(k), *(len(str(r.get(k, ""))) for r in rows)) for k in keys]
    print("  ".join(k.ljust(w) for k, w in zip(keys, widths)))
    for r in rows:
        print("  ".join(str(r.get(k, "")).ljust(w) for k, w in zip(keys, widths)))


# ---------------------------------------------------------------- criterion output


def criterion_estimates(crit_dir):
    """{(group, function): {"median_ns", "lo_ns", "hi_ns", "throughput"}} from criterion's files."""
    out = {}
    for bench in glob.glob(os.path.join(crit_dir, "**", "new", "benchmark.json"), recursive=True):
        est_path = os.path.join(os.path.dirname(bench), "estimates.json")
        if not os.path.exists(est_path):
            continue
        with open(bench) as f:
            meta = json.load(f)
        with open(est_path) as f:
            est = json.load(f)
        med = est["median"]
        out[(meta["group_id"], meta.get("function_id") or "")] = {
            "median_ns": med["point_estimate"],
            "lo_ns": med["confidence_interval"]["lower_bound"],
            "hi_ns": med["confidence_interval"]["upper_bound"],
            "throughput": meta.get("throughput"),
        }
    return out


# ---------------------------------------------------------------- the results document


def fmt_time_us(us):
    if us is None:
        return "–"
    if us >= 1000:
        return "%.2f ms" % (us / 1000)
    if us >= 100:
        return "%.0f µs" % us
    if us >= 10:
        return "%.1f µs" % us
    return "%.2f µs" % us


def fmt_int(v):
    return "–" if v is None else "{:,}".format(int(round(v)))


def fmt_num(v, digits=1):
    return "–" if v is None else ("{:,.%df}" % digits).format(v)


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "–" if r is None else "%.2f×" % r


def pick(rows, **kw):
    for r in rows:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def val(rows, field, **kw):
    r = pick(rows, **kw)
    return None if r is None else r.get(field)


def results(out_dir, crit_dir, dest):
    rt = read_jsonl(os.path.join(out_dir, "roundtrip.jsonl"))
    cold = read_jsonl(os.path.join(out_dir, "cold-start.jsonl"))
    sysc = read_jsonl(os.path.join(out_dir, "syscalls.jsonl"))
    vg = read_jsonl(os.path.join(out_dir, "instructions.jsonl"))
    sizes = read_jsonl(os.path.join(out_dir, "sizes.jsonl"))
    machine = {}
    mpath = os.path.join(out_dir, "machine.json")
    if os.path.exists(mpath):
        with open(mpath) as f:
            machine = json.load(f)
    crit = criterion_estimates(crit_dir) if os.path.isdir(crit_dir) else {}

    def per_runtime(getter):
        return {n: getter(n) for n in RUNTIMES}

    figures = []  # (label, values by runtime, formatter, target text, check(lz, floor) -> bool|None)
    figures.append(("heap allocations per warm invocation",
                    per_runtime(lambda n: val(vg, "allocs_per_inv", name=n)), lambda v: fmt_num(v, 1),
                    "0", lambda lz, fl: lz is not None and lz < 0.01))
    figures.append(("syscalls per warm invocation",
                    per_runtime(lambda n: val(sysc, "per_inv", name=n)), lambda v: fmt_num(v, 2),
                    "≤ 3", lambda lz, fl: lz is not None and lz <= 3.005))
    figures.append(("user-space instructions per warm invocation, 100 B event",
                    per_runtime(lambda n: val(vg, "instructions_per_inv", name=n)), fmt_int,
                    "≤ 12,000", lambda lz, fl: lz is not None and lz <= 12000))
    cpu = per_runtime(lambda n: val(rt, "cpu_us_per_inv", name=n, event="100B"))
    figures.append(("bootstrap CPU time per invocation (user+sys), 100 B event", cpu, fmt_time_us,
                    "≤ 5 µs; scaled to this machine: ≤ 1.47 × floor",
                    lambda lz, fl: None if lz is None else (
                        True if lz <= 5.0 else ("scaled" if fl is not None and lz <= 1.47 * fl else False))))
    figures.append(("round trip p50, 100 B event",
                    per_runtime(lambda n: val(rt, "p50_us", name=n, event="100B")), fmt_time_us,
                    "≤ 1.25 × floor", lambda lz, fl: None if lz is None or fl is None else lz <= 1.25 * fl))
    figures.append(("throughput, 100 B event (invocations/s)",
                    per_runtime(lambda n: val(rt, "throughput_per_s", name=n, event="100B")), fmt_int,
                    "≥ 0.8 × floor", lambda lz, fl: None if lz is None or fl is None else lz >= 0.8 * fl))
    figures.append(("round trip p50, 1 MiB event",
                    per_runtime(lambda n: val(rt, "p50_us", name=n, event="1MiB")), fmt_time_us,
                    "≤ 1.2 × floor", lambda lz, fl: None if lz is None or fl is None else lz <= 1.2 * fl))
    kib = lambda v: "–" if v is None else "%.1f KiB" % (v / 1024)
    figures.append(("stripped size-optimized arm64 echo bootstrap (gnu)",
                    per_runtime(lambda n: val(sizes, "bytes", name=n, target="aarch64-unknown-linux-gnu")), kib,
                    "≤ 360 KiB", lambda lz, fl: lz is not None and lz <= 360 * 1024))
    figures.append(("stripped size-optimized arm64 echo bootstrap (static musl)",
                    per_runtime(lambda n: val(sizes, "bytes", name=n, target="aarch64-unknown-linux-musl")), kib,
                    "–", lambda lz, fl: None))
    figures.append(("cold start, spawn → first GET /next (gnu)",
                    per_runtime(lambda n: val(cold, "median_us", name=n, label="gnu")), fmt_time_us,
                    "≤ 1.1 × floor", lambda lz, fl: None if lz is None or fl is None else lz <= 1.1 * fl))
    figures.append(("cold start, spawn → first GET /next (static musl)",
                    per_runtime(lambda n: val(cold, "median_us", name=n, label="musl")), fmt_time_us,
                    "≤ 1.1 × floor", lambda lz, fl: None if lz is None or fl is None else lz <= 1.1 * fl))
    mib = lambda v: "–" if v is None else "%.2f MiB" % (v / 1024)
    figures.append(("peak RSS, 100 B events",
                    per_runtime(lambda n: val(rt, "peak_rss_kib", name=n, event="100B")), mib,
                    "≤ 2.5 MiB", lambda lz, fl: lz is not None and lz <= 2.5 * 1024))

    L = []
    w = L.append
    w("# lambda-zero performance results")
    w("")
    w("Generated by `scripts/bench.sh` (`scripts/report.py results`); the analysis at the end is "
      "`benches/ANALYSIS.md`. Every figure below comes from the same run, on the same machine, with the "
      "echo function on all three bootstraps:")
    w("")
    w("- **lambda-zero**: `examples/echo.rs` (`lambda_zero::run(|event: &[u8]| event)`).")
    w("- **lambda_runtime** %s: `benches/compare/src/bin/lambda-runtime-echo.rs`, "
      "`lambda_runtime::run(service_fn(..))` under `#[tokio::main]` (default multi-threaded runtime), "
      "payload `Box<RawValue>` echoed unchanged." % machine.get("lambda_runtime_version", ""))
    w("- **floor**: `benches/compare/src/bin/floor-echo.rs`, a ~150-line blocking `std::net` client "
      "that does only what the protocol needs: the cost of the two HTTP exchanges themselves.")
    w("")
    if machine:
        w("## Machine")
        w("")
        for k in ["date", "commit", "cpu", "cores", "memory", "kernel", "rustc", "load_before", "load_after", "wall_time"]:
            if k in machine:
                w("- %s: %s" % (k.replace("_", " "), machine[k]))
        w("")
    w("## Targets (issue #3)")
    w("")
    w("| figure | lambda_runtime | floor | lambda-zero | lambda-zero / floor | lambda-zero / lambda_runtime | target | met |")
    w("|---|---:|---:|---:|---:|---:|---|---|")
    for label, vals, f, target, check in figures:
        lz, fl, lr = vals["lambda-zero"], vals["floor"], vals["lambda_runtime"]
        ok = check(lz, fl)
        met = {None: "–", True: "yes", False: "**no**", "scaled": "scaled: yes (absolute: no)"}[ok]
        w("| %s | %s | %s | %s | %s | %s | %s | %s |" % (label, f(lr), f(fl), f(lz), fmt_ratio(ratio(lz, fl)),
                                                      fmt_ratio(ratio(lz, lr)), target, met))
    w("")
    w("CPU time, round trips and throughput depend on the machine; the issue's absolute targets were set on "
      "a machine where the floor costs ~3.4 µs of CPU per invocation. Here the ratios to the floor, "
      "measured in the same run, are what carries over.")
    w("")

    if rt:
        w("## Invocation round trip per event size (lzbench, interleaved rounds)")
        w("")
        w("Time per invocation = from one response arriving at the mock to the next (event out, response "
          "back, `202`): a closed loop. p50/p90/p99 over every invocation of every round; invocations/s = "
          "median over rounds (each round's count / its time); CPU = the bootstrap's user+sys time "
          "(all threads) over the measured rounds / invocations; peak RSS = VmHWM after the run; "
          "connections = TCP connections the bootstrap opened.")
        w("")
        w("| event | bootstrap | p50 | p90 | p99 | mean | invocations/s | CPU/invocation | peak RSS | connections |")
        w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for ev in ["100B", "apigw-1.2KiB", "64KiB", "1MiB"]:
            for n in RUNTIMES:
                r = pick(rt, name=n, event=ev)
                if not r:
                    continue
                w("| %s (%s B) | %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
                    ev, "{:,}".format(r["event_bytes"]), n, fmt_time_us(r["p50_us"]), fmt_time_us(r["p90_us"]),
                    fmt_time_us(r["p99_us"]), fmt_time_us(r["mean_us"]), fmt_int(r["throughput_per_s"]),
                    fmt_time_us(r["cpu_us_per_inv"]), mib(r["peak_rss_kib"]), r.get("connections", 0)))
        w("")
        w("![lambda-zero vs lambda_runtime vs floor, time per invocation](chart.svg)")
        w("")
        w("Ratios, lambda-zero / floor (p50): " + ", ".join(
            "%s %s" % (ev, fmt_ratio(ratio(val(rt, "p50_us", name="lambda-zero", event=ev),
                                            val(rt, "p50_us", name="floor", event=ev))))
            for ev in ["100B", "apigw-1.2KiB", "64KiB", "1MiB"]) + ".")
        w("Ratios, lambda_runtime / lambda-zero (p50): " + ", ".join(
            "%s %s" % (ev, fmt_ratio(ratio(val(rt, "p50_us", name="lambda_runtime", event=ev),
                                            val(rt, "p50_us", name="lambda-zero", event=ev))))
            for ev in ["100B", "apigw-1.2KiB", "64KiB", "1MiB"]) + ".")
        w("")

    inv = {k: v for k, v in crit.items() if k[0].startswith("invoke-")}
    if inv:
        w("## Criterion: `cargo bench --bench invoke`")
        w("")
        w("Median time per invocation with its 95 % confidence interval (criterion, 50 samples of "
          "many invocations each). Criterion runs the bootstraps one after the other, so on a shared "
          "machine load that comes and goes lands on some and not others; the interleaved table above "
          "is the one the targets use.")
        w("")
        w("| group | lambda_runtime | floor | lambda-zero | lambda-zero / floor | lambda_runtime / lambda-zero |")
        w("|---|---:|---:|---:|---:|---:|")
        for ev in ["100B", "apigw-1.2KiB", "64KiB", "1MiB"]:
            g = "invoke-" + ev
            cell = {}
            for n in RUNTIMES:
                e = crit.get((g, n))
                cell[n] = e
            if not any(cell.values()):
                continue
            fmt = lambda e: "–" if not e else "%s [%s, %s]" % (fmt_time_us(e["median_ns"] / 1e3),
                                                              fmt_time_us(e["lo_ns"] / 1e3), fmt_time_us(e["hi_ns"] / 1e3))
            med = lambda n: cell[n]["median_ns"] if cell[n] else None
            w("| %s | %s | %s | %s | %s | %s |" % (g, fmt(cell["lambda_runtime"]), fmt(cell["floor"]),
                                                   fmt(cell["lambda-zero"]),
                                                   fmt_ratio(ratio(med("lambda-zero"), med("floor"))),
                                                   fmt_ratio(ratio(med("lambda_runtime"), med("lambda-zero")))))
        w("")

    proto = sorted((k, v) for k, v in crit.items() if k[0].startswith("proto"))
    if proto:
        w("## Criterion: `cargo bench --bench proto` (sans-IO parts)")
        w("")
        w("`read_next/length/*` reads a `Content-Length` body where it lies (zero copy): its cost does "
          "not grow with the body, so its bytes/s only says that. `chunked-4KiB` decodes the body in place.")
        w("")
        w("| benchmark | median | throughput |")
        w("|---|---:|---:|")
        for (g, fn), e in proto:
            tp = e.get("throughput") or {}
            nbytes = tp.get("Bytes") or tp.get("BytesDecimal")
            thr = "–" if not nbytes else "%.2f GiB/s" % (nbytes / (e["median_ns"] / 1e9) / 2 ** 30)
            w("| %s/%s | %s | %s |" % (g, fn, "%.1f ns" % e["median_ns"] if e["median_ns"] < 1e4
                                       else fmt_time_us(e["median_ns"] / 1e3), thr))
        w("")

    if sysc:
        w("## Syscalls per warm invocation (strace -f -c, difference of two run lengths)")
        w("")
        w("| bootstrap | per invocation | by call |")
        w("|---|---:|---|")
        for n in RUNTIMES:
            r = pick(sysc, name=n)
            if r:
                w("| %s | %.2f | %s |" % (n, r["per_inv"], ", ".join("%s %.2f" % kv for kv in r["by_call"].items())))
        w("")
    if vg:
        w("## Instructions and heap per warm invocation (valgrind, difference of two run lengths)")
        w("")
        w("| bootstrap | instructions (Ir) | allocations | frees | heap bytes allocated |")
        w("|---|---:|---:|---:|---:|")
        for n in RUNTIMES:
            r = pick(vg, name=n)
            if r:
                w("| %s | %s | %.2f | %.2f | %s |" % (n, fmt_int(r["instructions_per_inv"]), r["allocs_per_inv"],
                                                      r["frees_per_inv"], fmt_int(r["heap_bytes_per_inv"])))
        w("")
    if cold:
        w("## Cold start: spawn → first complete GET /next (release profile, median of the runs)")
        w("")
        w("| libc | bootstrap | median | p10 | p90 | min | runs |")
        w("|---|---|---:|---:|---:|---:|---:|")
        for lab in ["gnu", "musl"]:
            for n in RUNTIMES:
                r = pick(cold, name=n, label=lab)
                if r:
                    w("| %s | %s | %s | %s | %s | %s | %d |" % (lab, n, fmt_time_us(r["median_us"]), fmt_time_us(r["p10_us"]),
                                                              fmt_time_us(r["p90_us"]), fmt_time_us(r["min_us"]), r["runs"]))
        w("")
    if sizes:
        w("## arm64 bootstrap sizes (release profile: opt-level z, LTO, 1 codegen unit, panic = abort, stripped)")
        w("")
        w("| target | bootstrap | bytes | KiB | .zip bytes |")
        w("|---|---|---:|---:|---:|")
        for r in sizes:
            w("| %s | %s | %s | %.1f | %s |" % (r["target"], r["name"], fmt_int(r["bytes"]), r["bytes"] / 1024,
                                                fmt_int(r["zip_bytes"])))
        w("")
    cmds = machine.get("commands")
    if cmds:
        w("## Exact commands")
        w("")
        w("```sh")
        for c in cmds:
            w(c)
        w("```")
        w("")
    analysis = os.path.join(os.path.dirname(os.path.abspath(dest)), "ANALYSIS.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            w(f.read().rstrip("\n"))
            w("")
    with open(dest, "w") as f:
        f.write("\n".join(L))
    # The targets table on the terminal too.
    for label, vals, f, target, check in figures:
        lz, fl = vals["lambda-zero"], vals["floor"]
        ok = check(lz, fl)
        print("%-62s lambda_runtime %-12s floor %-12s lambda-zero %-12s (%s of floor) target %s: %s" % (
            label, f(vals["lambda_runtime"]), f(fl), f(lz), fmt_ratio(ratio(lz, fl)), target,
            {None: "–", True: "met", False: "MISSED", "scaled": "met when scaled, missed absolute"}[ok]))


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "strace" and len(args) == 6:
        cmd_strace(*args)
    elif cmd == "valgrind" and len(args) == 8:
        cmd_valgrind(*args)
    elif cmd == "sizes" and len(args) == 1:
        cmd_sizes(*args)
    elif cmd == "table" and len(args) == 1:
        cmd_table(*args)
    elif cmd == "results" and len(args) == 3:
        results(*args)
    else:
        die(__doc__)


if __name__ == "__main__":
    main(sys.argv)
