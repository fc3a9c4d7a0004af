#!/usr/bin/env python3
"""Draws benches/chart.svg: time per invocation of lambda-zero, lambda_runtime and the floor
client for each event size, from lzbench's interleaved round trips (p50, roundtrip.jsonl), or,
when those are missing, from criterion's output of `cargo bench --bench invoke` (median). The
interleaved measurement is the default because on a shared machine it puts background load on
all three bootstraps alike; criterion runs them one after the other.

    chart.py CRITERION_DIR OUT_DIR benches/chart.svg

Plain SVG written by hand: no plotting library needed.
"""

import json
import math
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402

EVENTS = [("100B", "~100 B"), ("apigw-1.2KiB", "1.2 KiB API GW"), ("64KiB", "64 KiB"), ("1MiB", "1 MiB")]
SERIES = [("lambda-zero", "lambda-zero", "#1b9e77"), ("floor", "floor (blocking std::net)", "#7f7f7f"),
          ("lambda_runtime", "lambda_runtime (tokio + hyper)", "#d95f02")]


def load(crit_dir, out_dir):
    values, source = {}, None
    for r in report.read_jsonl(os.path.join(out_dir, "roundtrip.jsonl")):
        values[(r["event"], r["name"])] = r["p50_us"]
        source = "round trip p50 (lzbench, three bootstraps interleaved round by round)"
    if values:
        return values, source
    crit = report.criterion_estimates(crit_dir) if os.path.isdir(crit_dir) else {}
    for ev, _ in EVENTS:
        for name, _, _ in SERIES:
            e = crit.get(("invoke-" + ev, name))
            if e:
                values[(ev, name)] = e["median_ns"] / 1e3
                source = "criterion median (cargo bench --bench invoke)"
    if not values:
        report.die("no benchmark output found (run scripts/bench.sh or cargo bench --bench invoke)")
    return values, source


def label(us):
    if us >= 1000:
        return "%.2f ms" % (us / 1000)
    if us >= 100:
        return "%.0f µs" % us
    return "%.1f µs" % us


def draw(values, source, subtitle, dest):
    W, H = 820, 460
    left, right, top, bottom = 78, 20, 92, 64
    pw, ph = W - left - right, H - top - bottom
    lo = 10 ** math.floor(math.log10(min(values.values())))
    top_v = max(values.values()) * 1.35
    hi = min(m * 10 ** e for e in range(-3, 9) for m in (1, 2, 5) if m * 10 ** e >= top_v)
    y = lambda v: top + ph * (1 - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)))
    s = []
    a = s.append
    a('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
      'font-family="Helvetica, Arial, sans-serif" font-size="12">' % (W, H, W, H))
    a('<rect width="100%" height="100%" fill="white"/>')
    a('<text x="%d" y="24" font-size="16" font-weight="bold">Time per invocation, echo handler (lower is better)</text>' % left)
    a('<text x="%d" y="42" fill="#555">%s; log scale</text>' % (left, esc(source)))
    a('<text x="%d" y="58" fill="#555">%s</text>' % (left, esc(subtitle)))
    # Grid: 1, 2, 5 per decade.
    d = lo
    while d <= hi * 1.0001:
        for m in (1, 2, 5):
            v = d * m
            if v > hi * 1.0001:
                break
            yy = y(v)
            a('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>' % (left, W - right, yy, yy, "#ccc" if m == 1 else "#eee"))
            a('<text x="%d" y="%.1f" text-anchor="end" fill="#444">%s</text>' % (left - 6, yy + 4, label(v)))
        d *= 10
    # Legend.
    lx = left
    for _, name, color in SERIES:
        a('<rect x="%d" y="68" width="12" height="12" fill="%s"/>' % (lx, color))
        a('<text x="%d" y="78">%s</text>' % (lx + 16, esc(name)))
        lx += 24 + 7 * len(name)
    gw = pw / len(EVENTS)
    bw = min(46, gw / (len(SERIES) + 1.2))
    for i, (ev, ev_label) in enumerate(EVENTS):
        x0 = left + gw * i + (gw - bw * len(SERIES)) / 2
        for j, (key, _, color) in enumerate(SERIES):
            v = values.get((ev, key))
            if v is None:
                continue
            x, yy = x0 + j * bw, y(v)
            a('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (x + 2, yy, bw - 4, top + ph - yy, color))
            a('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10">%s</text>' % (x + bw / 2, yy - 4, label(v)))
        lz, lr = values.get((ev, "lambda-zero")), values.get((ev, "lambda_runtime"))
        a('<text x="%.1f" y="%d" text-anchor="middle" font-weight="bold">%s</text>' % (left + gw * (i + 0.5), H - bottom + 20, esc(ev_label)))
        if lz and lr:
            a('<text x="%.1f" y="%d" text-anchor="middle" font-size="11" fill="#555">lambda_runtime %.1f× slower</text>'
              % (left + gw * (i + 0.5), H - bottom + 38, lr / lz))
    a('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#333"/>' % (left, W - right, top + ph, top + ph))
    a("</svg>")
    with open(dest, "w") as f:
        f.write("\n".join(s) + "\n")


def esc(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main(argv):
    if len(argv) != 4:
        report.die(__doc__)
    crit_dir, out_dir, dest = argv[1:]
    values, source = load(crit_dir, out_dir)
    subtitle = "each bootstrap a separate process against a mock Runtime API, all pinned to one CPU"
    mpath = os.path.join(out_dir, "machine.json")
    if os.path.exists(mpath):
        with open(mpath) as f:
            m = json.load(f)
        subtitle = "%s; %s" % (m.get("cpu", ""), subtitle)
    draw(values, source, subtitle, dest)
    print("wrote %s (%s)" % (dest, source))


if __name__ == "__main__":
    main(sys.argv)
