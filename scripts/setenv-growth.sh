#!/usr/bin/env bash
# How much memory `setenv` keeps when a variable gets a new value each time, as
# `_X_AMZN_TRACE_ID` would per invocation (README, Known limits: why `Runtime::trace_id_env`
# is off by default). Compiles a 10-line program with rustc and runs it for this machine's
# glibc target and, if its std is installed, the static musl one.
#
#   scripts/setenv-growth.sh [N]        # N distinct values (default 1000000)
set -euo pipefail
N=${1:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/growth.rs" <<'RS'
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
fn main() {
    let n: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let before = rss_kib();
    for i in 0..n {
        let id = format!("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1;n={i:012}");
        std::env::set_var("_X_AMZN_TRACE_ID", &id);
    }
    let after = rss_kib();
    println!("{n} values: RSS {before} KiB -> {after} KiB, {} B per value", (after - before) * 1024 / n);
}
RS
host=$(rustc -vV | sed -n 's/^host: //p')
for target in "$host" "${host/-gnu/-musl}"; do
    if rustc -O --edition 2021 --target "$target" "$dir/growth.rs" -o "$dir/growth-$target" 2>/dev/null; then
        printf '%-28s ' "$target"
        "$dir/growth-$target" "$N"
    else
        echo "$target: no std for this target here (rustup target add $target)"
    fi
done
