#!/usr/bin/env bash
# The web adapter as a Lambda layer: builds `lambda-zero-adapter` (release profile, feature
# `compression` for AWS_LWA_ENABLE_COMPRESSION; arm64 through scripts/build-arm64.sh) and zips it as extensions/lambda-zero-adapter, the path
# Lambda starts extensions from (/opt/extensions/...):
#
#   dist/lambda-zero-adapter-layer-arm64.zip       glibc build (al2023)
#   dist/lambda-zero-adapter-layer-arm64-musl.zip  static build (al2023 and al2)
#   dist/lambda-zero-adapter-layer-x86_64.zip      static build, x86_64-unknown-linux-musl
#                                                  (al2023 and al2; as the Lambda Web
#                                                  Adapter's x86_64 layer is built)
#
#   scripts/adapter-layer.sh
#
# As a bootstrap instead: dist/lambda-zero-adapter-arm64-{gnu,musl}.zip (made on the way) hold
# the executable named `bootstrap`; a bootstrap script can also run /opt/extensions/... with
# the app command as its arguments (docs/adapter.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/build-arm64.sh" --bin lambda-zero-adapter --features compression
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

x86=x86_64-unknown-linux-musl
if ! rustup target list --installed 2>/dev/null | grep -qx "$x86"; then
    rustup target add "$x86" >&2 || { echo "error: rustup target add $x86 failed" >&2; exit 1; }
fi
cargo build --quiet --release --bin lambda-zero-adapter --features compression --target "$x86"
stage=$(mktemp -d)
mkdir -p "$stage/extensions" "$root/dist"
install -m 755 "${CARGO_TARGET_DIR:-$root/target}/$x86/release/lambda-zero-adapter" \
    "$stage/extensions/lambda-zero-adapter"
out="$root/dist/lambda-zero-adapter-layer-x86_64.zip"
rm -f "$out"
(cd "$stage" && zip -q -X "$out" extensions/lambda-zero-adapter)
rm -rf "$stage"
printf 'layer %-48s %9d B (extensions/lambda-zero-adapter)\n' "${out#"$root"/}" "$(stat -c %s "$out")"
