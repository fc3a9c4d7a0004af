#!/usr/bin/env bash
# Deployable, size-optimized arm64 bootstraps for the provided.al2023 runtime on Graviton.
#
# With no arguments (CI, scripts/size.sh): lambda-zero's echo example as
#   dist/bootstrap-arm64-gnu.zip    aarch64-unknown-linux-gnu  (needs glibc >= 2.34: al2023)
#   dist/bootstrap-arm64-musl.zip   aarch64-unknown-linux-musl (static: al2023 and al2)
# each holding one executable named `bootstrap`, built with the `release` profile
# (opt-level z, LTO, one codegen unit, panic = abort, stripped). Prints the sizes next to the
# same echo on lambda_runtime and the floor reference client, built the same way
# (LZ_SKIP_COMPARE=1 skips those). LZ_ARM64_SMOKE=1 also runs each bootstrap for 100
# invocations against the mock Runtime API under qemu-user.
#
# With --bin/--example NAME (and --manifest-path for your own crate that depends on
# lambda-zero): dist/NAME-arm64-gnu.zip and dist/NAME-arm64-musl.zip, the same way. See
# --help and docs/deploy.md.
#
# Installs what it needs on Debian (rustup targets, gcc-aarch64-linux-gnu, zip) and exits
# non-zero on any failure.
set -euo pipefail
# Before bench-lib.sh exports its own: a target directory the caller chose, for other crates.
CALLER_TARGET_DIR=${CARGO_TARGET_DIR-}

usage() {
    cat <<'EOF'
Usage: scripts/build-arm64.sh [--bin NAME | --example NAME]... [--manifest-path PATH]
                              [--features LIST] [--no-default-features] [--out-dir DIR]

Builds arm64 bootstraps for AWS Lambda's provided.al2023 runtime with the crate's release
profile, for aarch64-unknown-linux-gnu (glibc >= 2.34) and aarch64-unknown-linux-musl
(static), and zips each as one executable named `bootstrap`.

With no arguments: lambda-zero's echo example, as dist/bootstrap-arm64-{gnu,musl}.zip, with
the 360 KiB size check and (unless LZ_SKIP_COMPARE=1) the lambda_runtime and floor builds
for comparison. LZ_ARM64_SMOKE=1 adds a qemu-user smoke test.

Otherwise, for each NAME: dist/NAME-arm64-gnu.zip and dist/NAME-arm64-musl.zip.

  --bin NAME             a binary target of the crate (repeatable)
  --example NAME         an example of the crate (repeatable)
  --manifest-path PATH   the crate's Cargo.toml (or its directory); default: lambda-zero's.
                         Without --bin/--example: every binary target of that package
  --features LIST        features to enable (passed to cargo build)
  --no-default-features  (passed to cargo build)
  --out-dir DIR          where the zips go (default: dist/ in lambda-zero's checkout)
  -h, --help             this text

Examples:
  scripts/build-arm64.sh --example apigw_v2
  scripts/build-arm64.sh --manifest-path ../my-fn/Cargo.toml --bin my-fn

Installs what it needs on Debian (rustup targets, gcc-aarch64-linux-gnu, zip).
EOF
}

usage_error() {
    printf 'error: %s\n\n' "$1" >&2
    usage >&2
    exit 2
}

WANT=()          # "bin NAME" / "example NAME"
MANIFEST=
FEATURE_ARGS=()
OUT_DIR=
PACKAGE_MODE=
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --bin|--example|--manifest-path|--features|--out-dir)
            [ $# -ge 2 ] && [ -n "$2" ] || usage_error "$1 needs a value"
            case "$1" in
                --bin) WANT+=("bin $2") ;;
                --example) WANT+=("example $2") ;;
                --manifest-path) MANIFEST=$2 ;;
                --features) FEATURE_ARGS+=(--features "$2") ;;
                --out-dir) OUT_DIR=$2 ;;
            esac
            PACKAGE_MODE=1
            shift 2
            ;;
        --bin=*|--example=*|--manifest-path=*|--features=*|--out-dir=*)
            set -- "${1%%=*}" "${1#*=}" "${@:2}"
            ;;
        --no-default-features) FEATURE_ARGS+=(--no-default-features); PACKAGE_MODE=1; shift ;;
        *) usage_error "unknown argument: $1" ;;
    esac
done

# Paths given on the command line are relative to where the script was run.
abspath() { local d; d=$(cd "$(dirname "$1")" 2>/dev/null && pwd) || return 1; echo "$d/$(basename "$1")"; }
if [ -n "$MANIFEST" ]; then
    [ -d "$MANIFEST" ] && MANIFEST=$MANIFEST/Cargo.toml
    [ -f "$MANIFEST" ] || usage_error "no such manifest: $MANIFEST"
    MANIFEST=$(abspath "$MANIFEST")
fi
if [ -n "$OUT_DIR" ]; then
    mkdir -p "$OUT_DIR" || usage_error "cannot create --out-dir $OUT_DIR"
    OUT_DIR=$(cd "$OUT_DIR" && pwd)
fi

. "$(dirname "$0")/bench-lib.sh"
DIST=${OUT_DIR:-$ROOT/dist}
need zip zip
mkdir -p "$DIST"

# is_arm64 FILE: an ELF executable for aarch64 (e_machine 183 at offset 18).
is_arm64() {
    [ "$(od -An -tx1 -j0 -N4 "$1" | tr -d ' ')" = 7f454c46 ] &&
        [ "$(od -An -tu2 -j18 -N2 "$1" | tr -d ' ')" = 183 ]
}

# The bin and example targets of the package at $1 (a Cargo.toml) from `cargo metadata`, as
# lines "target_dir\tDIR", "package\tNAME" and "KIND\tNAME\tREQUIRED-FEATURES".
TARGETS_PY='
import json, os, sys
meta = json.load(sys.stdin)
manifest = os.path.realpath(sys.argv[1])
pkgs = [p for p in meta["packages"] if os.path.realpath(p["manifest_path"]) == manifest]
if not pkgs:  # a virtual workspace manifest: its default members
    members = set(meta.get("workspace_default_members") or meta["workspace_members"])
    pkgs = [p for p in meta["packages"] if p["id"] in members]
print("target_dir\t" + meta["target_directory"])
print("package\t" + ", ".join(p["name"] for p in pkgs))
for p in pkgs:
    for t in p["targets"]:
        for kind in t["kind"]:
            if kind in ("bin", "example"):
                print("%s\t%s\t%s" % (kind, t["name"], ",".join(t.get("required-features", []))))
'

# package_targets: the --bin/--example mode.
package_targets() {
    local manifest=${MANIFEST:-$ROOT/Cargo.toml} crate_dir meta info tdir pkg names want kind name
    crate_dir=$(dirname "$manifest")
    # Another crate builds in its own target directory (unless CARGO_TARGET_DIR says otherwise),
    # and cargo runs from the crate's directory so that its .cargo/config.toml and
    # rust-toolchain.toml apply.
    if [ "$manifest" != "$ROOT/Cargo.toml" ]; then
        if [ -n "$CALLER_TARGET_DIR" ]; then export CARGO_TARGET_DIR=$CALLER_TARGET_DIR; else unset CARGO_TARGET_DIR; fi
    fi
    need python3 python3
    meta=$(cd "$crate_dir" && cargo metadata --quiet --no-deps --format-version 1 --manifest-path "$manifest") \
        || die "cargo metadata failed for $manifest"
    info=$(printf '%s' "$meta" | python3 -c "$TARGETS_PY" "$manifest") || die "cannot read cargo metadata for $manifest"
    tdir=$(printf '%s\n' "$info" | awk -F'\t' '$1 == "target_dir" { print $2 }')
    pkg=$(printf '%s\n' "$info" | awk -F'\t' '$1 == "package" { print $2 }')
    # list KIND: the names of the package's targets of that kind, comma-separated.
    list() { printf '%s\n' "$info" | awk -F'\t' -v k="$1" '$1 == k { printf "%s%s", sep, $2; sep = ", " }'; }

    if [ ${#WANT[@]} -eq 0 ]; then
        while IFS=$'\t' read -r kind name _; do
            [ "$kind" = bin ] && WANT+=("bin $name")
        done <<< "$info"
        [ ${#WANT[@]} -gt 0 ] || die "$pkg ($manifest) has no binary target: name one with --bin or --example (examples: $(list example))"
    fi
    names=" "
    for want in "${WANT[@]}"; do
        kind=${want%% *} name=${want#* }
        if ! printf '%s\n' "$info" | awk -F'\t' -v k="$kind" -v n="$name" '$1 == k && $2 == n { f = 1 } END { exit !f }'; then
            local other="bin" an="a bin" what="examples" hint
            [ "$kind" = bin ] && other="example" an="an example" what="binary targets"
            hint="its $what: $(list "$kind")"
            [ -n "$(list "$kind")" ] || hint="it has no $what"
            if printf '%s\n' "$info" | awk -F'\t' -v k="$other" -v n="$name" '$1 == k && $2 == n { f = 1 } END { exit !f }'; then
                hint="$hint; \`$name\` is $an there: use --$other $name"
            fi
            die "no $kind target named \`$name\` in $pkg ($manifest); $hint"
        fi
        case "$names" in *" $name "*) die "\`$name\` is asked for twice: the zips would have the same name" ;; esac
        names="$names$name "
    done

    local sel=() libc triple out src stage zip bytes zbytes rows=
    for want in "${WANT[@]}"; do sel+=("--${want%% *}" "${want#* }"); done
    for libc in gnu musl; do
        triple=aarch64-unknown-linux-$libc
        (cd "$crate_dir" && need_target "$triple")
        cross_env "$triple"
        say "building $pkg:$names(release profile, $triple)"
        (cd "$crate_dir" && cargo build --quiet --release --target "$triple" --manifest-path "$manifest" \
            ${FEATURE_ARGS[@]+"${FEATURE_ARGS[@]}"} "${sel[@]}") || die "the arm64 build ($triple) of $pkg failed"
        out=$tdir/$triple/release
        for want in "${WANT[@]}"; do
            kind=${want%% *} name=${want#* }
            src=$out/$name
            [ "$kind" = example ] && src=$out/examples/$name
            [ -f "$src" ] || die "cargo built $pkg but $src is missing"
            stage=$DIST/$name-arm64-$libc
            zip=$DIST/$name-arm64-$libc.zip
            rm -rf "$stage" "$zip"
            mkdir -p "$stage"
            cp "$src" "$stage/bootstrap"
            chmod 755 "$stage/bootstrap"
            is_arm64 "$stage/bootstrap" || die "$stage/bootstrap is not an aarch64 executable"
            if [ "$libc" = musl ] && command -v readelf >/dev/null 2>&1 &&
                readelf -lW "$stage/bootstrap" | grep -q 'Requesting program interpreter'; then
                die "$stage/bootstrap (musl) is dynamically linked: Lambda's al2023 has no musl loader"
            fi
            (cd "$stage" && zip -q -X "$zip" bootstrap) || die "zip failed"
            bytes=$(stat -c %s "$stage/bootstrap")
            zbytes=$(stat -c %s "$zip")
            rows="$rows$name"$'\t'"$triple"$'\t'"$bytes"$'\t'"$zbytes"$'\t'"$zip"$'\n'
        done
    done
    echo
    echo "arm64 bootstraps of $pkg (release profile), each zip holding one executable named bootstrap:"
    printf '%s' "$rows" | sort -s -t$'\t' -k1,1 | awk -F'\t' '{ printf "  %-20s %-27s bootstrap %9d B %8.1f KiB   zip %9d B %8.1f KiB   %s\n", $1, $2, $3, $3 / 1024, $4, $4 / 1024, $5 }'
}

if [ -n "$PACKAGE_MODE" ] || [ ${#WANT[@]} -gt 0 ]; then
    package_targets
    exit 0
fi

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
