#!/usr/bin/env bash
# The web adapter as a Lambda layer for arm64: cross-builds `lambda-zero-adapter` (release
# profile, through scripts/build-arm64.sh) and zips it as extensions/lambda-zero-adapter, the
# path Lambda starts extensions from (/opt/extensions/...):
#
#   dist/lambda-zero-adapter-layer-arm64.zip       glibc build (al2023)
#   dist/lambda-zero-adapter-layer-arm64-musl.zip  static build (al2023 and al2)
#
#   scripts/adapter-layer.sh
#
# As a bootstrap instead: dist/lambda-zero-adapter-arm64-{gnu,musl}.zip (made on the way) hold
# the executable named `bootstrap`; a bootstrap script can also run /opt/extensions/... with
# the app command as its arguments (docs/adapter.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/build-arm64.sh" --bin lambda-zero-adapter
command -v unzip >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq unzip >/dev/null; }
for libc in gnu musl; do
    stage=$(mktemp -d)
    unzip -q "dist/lambda-zero-adapter-arm64-$libc.zip" -d "$stage/bin"
    mkdir -p "$stage/extensions"
    mv "$stage/bin/bootstrap" "$stage/extensions/lambda-zero-adapter"
    chmod 755 "$stage/extensions/lambda-zero-adapter"
    suffix=$([ "$libc" = gnu ] && echo "" || echo "-musl")
    out="$root/dist/lambda-zero-adapter-layer-arm64$suffix.zip"
    rm -f "$out"
    (cd "$stage" && zip -q -X "$out" extensions/lambda-zero-adapter)
    rm -rf "$stage"
    printf 'layer %-48s %9d B (extensions/lambda-zero-adapter)\n' "${out#"$root"/}" "$(stat -c %s "$out")"
done
