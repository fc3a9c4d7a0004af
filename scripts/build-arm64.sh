#!/usr/bin/env bash
# Deployable, size-optimized arm64 bootstraps of the echo function, for the provided.al2023
# runtime on Graviton:
#   dist/bootstrap-arm64-gnu.zip    aarch64-unknown-linux-gnu  (needs glibc >= 2.34: al2023)
#   dist/bootstrap-arm64-musl.zip   aarch64-unknown-linux-musl (static: al2023 and al2)
# each holding one executable named `bootstrap`, built with the `release` profile
# (opt-level z, LTO, one codegen unit, panic = abort, stripped). Prints the sizes next to the
# same echo on lambda_runtime and the floor reference client, built the same way
# (LZ_SKIP_COMPARE=1 skips those). LZ_ARM64_SMOKE=1 also runs each bootstrap for 100
# invocations against the mock Runtime API under qemu-user.
#
# Installs what it needs on Debian (rustup targets, gcc-aarch64-linux-gnu, zip) and exits
# non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
DIST=$ROOT/dist
need zip zip
mkdir -p "$DIST"

# is_arm64 FILE: an ELF executable for aarch64 (e_machine 183 at offset 18).
is_arm64() {
    [ "$(od -An -tx1 -j0 -N4 "$1" | tr -d ' ')" = 7f454c46 ] &&
        [ "$(od -An -tu2 -j18 -N2 "$1" | tr -d ' ')" = 183 ]
}

printf 'target\tbootstrap\tbytes\tzip_bytes\n' > "$DIST/sizes.tsv"
for libc in gnu musl; do
    triple=aarch64-unknown-linux-$libc
    need_target "$triple"
    cross_env "$triple"
    out=$TARGET_DIR/$triple/release
    say "building lambda-zero's echo for $triple (release profile)"
    (cd "$ROOT" && cargo build --quiet --release --target "$triple" --example echo) \
        || die "the arm64 build ($triple) failed"
    stage=$DIST/arm64-$libc
    mkdir -p "$stage"
    cp "$out/examples/echo" "$stage/bootstrap"
    chmod 755 "$stage/bootstrap"
    is_arm64 "$stage/bootstrap" || die "$stage/bootstrap is not an aarch64 executable"
    rm -f "$DIST/bootstrap-arm64-$libc.zip"
    (cd "$stage" && zip -q -X "$DIST/bootstrap-arm64-$libc.zip" bootstrap) || die "zip failed"
    printf '%s\t%s\t%s\t%s\n' "$triple" lambda-zero "$(stat -c %s "$stage/bootstrap")" \
        "$(stat -c %s "$DIST/bootstrap-arm64-$libc.zip")" >> "$DIST/sizes.tsv"
    # The size target (issue #3: at most 360 KiB for the glibc echo). GNU ld aligns the end of
    # RELRO to aarch64's 64 KiB maximum page size, so a little more code can add 64 KiB of
    # padding at once: this is where CI notices.
    bytes=$(stat -c %s "$stage/bootstrap")
    if [ "$libc" = gnu ] && [ "$bytes" -gt "${LZ_MAX_GNU_BYTES:-368640}" ]; then
        die "the arm64 gnu echo bootstrap is $bytes bytes, over the 360 KiB target (LZ_MAX_GNU_BYTES)"
    fi
    if [ -z "${LZ_SKIP_COMPARE:-}" ]; then
        say "building lambda_runtime's echo and the floor client for $triple (release profile)"
        cargo build --quiet --release --target "$triple" --manifest-path "$COMPARE_MANIFEST" \
            --bin lambda-runtime-echo --bin floor-echo || die "the arm64 build of benches/compare ($triple) failed"
        for pair in lambda_runtime:lambda-runtime-echo floor:floor-echo; do
            name=${pair%%:*}
            cstage=$DIST/compare/arm64-$libc/$name
            mkdir -p "$cstage"
            cp "$out/${pair#*:}" "$cstage/bootstrap"
            rm -f "$cstage.zip"
            (cd "$cstage" && zip -q -X "$cstage.zip" bootstrap) || die "zip failed"
            printf '%s\t%s\t%s\t%s\n' "$triple" "$name" "$(stat -c %s "$cstage/bootstrap")" \
                "$(stat -c %s "$cstage.zip")" >> "$DIST/sizes.tsv"
        done
    fi
done

if [ -n "${LZ_ARM64_SMOKE:-}" ] && [ "$(uname -m)" != aarch64 ]; then
    need qemu-aarch64 qemu-user
    build_lzbench
    for libc in gnu musl; do
        say "smoke test under qemu-user: dist/arm64-$libc/bootstrap, 100 invocations"
        "$BIN/lzbench" drive --event 100B --n 100 --cpu -1 --timeout-s 120 -- \
            qemu-aarch64 -L /usr/aarch64-linux-gnu "$DIST/arm64-$libc/bootstrap" > /dev/null \
            || die "the arm64 $libc bootstrap failed its smoke test"
    done
fi

echo
echo "Stripped, size-optimized arm64 echo bootstraps (release profile):"
awk -F'\t' 'NR > 1 { printf "  %-28s %-15s %9d B %8.1f KiB   zip %9d B %8.1f KiB\n", $1, $2, $3, $3 / 1024, $4, $4 / 1024 }' \
    "$DIST/sizes.tsv"
echo "Deployable: $DIST/bootstrap-arm64-gnu.zip, $DIST/bootstrap-arm64-musl.zip"
