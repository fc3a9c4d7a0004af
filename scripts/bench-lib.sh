# Shared by the benchmark scripts (sourced, not run): paths, checks that install what is
# missing, and the builds of every bootstrap. See benches/RESULTS.md for what is measured.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=${LZ_BENCH_OUT:-$TARGET_DIR/lz-bench}
BIN=$OUT/bin
COMPARE_MANIFEST=$ROOT/benches/compare/Cargo.toml
HOST=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')
mkdir -p "$OUT" "$BIN"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

APT_UPDATED=
# need CMD PACKAGE: makes sure CMD exists, installing the Debian PACKAGE when it can.
need() {
    local cmd=$1 pkg=$2
    command -v "$cmd" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "$cmd is missing: installing the Debian package $pkg"
        if [ -z "$APT_UPDATED" ]; then
            apt-get update -qq >&2 || die "apt-get update failed; install $pkg by hand"
            APT_UPDATED=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2 || die "cannot install $pkg; install it by hand"
        command -v "$cmd" >/dev/null 2>&1 || die "$pkg installed but $cmd is still missing"
    else
        die "$cmd is missing: install the package $pkg (as root: apt-get install $pkg)"
    fi
}

# need_target TRIPLE: the Rust standard library for TRIPLE.
need_target() {
    rustup target list --installed 2>/dev/null | grep -qx "$1" && return 0
    command -v rustup >/dev/null 2>&1 || die "no rustup: cannot add the Rust target $1"
    say "adding the Rust target $1 (rustup target add $1)"
    rustup target add "$1" >&2 || die "rustup target add $1 failed"
}

# cross_env TRIPLE: C compiler and linker for TRIPLE (dev-dependencies build C code, and
# arm64 links with the cross gcc; musl targets link statically with Rust's own musl).
cross_env() {
    local t=$1 up
    up=$(echo "$t" | tr 'a-z-' 'A-Z_')
    case "$t" in
        aarch64-*)
            if [ "$(uname -m)" != aarch64 ]; then
                need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
                export "CARGO_TARGET_${up}_LINKER=aarch64-linux-gnu-gcc"
                export "CC_${t//-/_}=aarch64-linux-gnu-gcc"
            fi
            ;;
        *-musl)
            need gcc gcc
            export "CC_${t//-/_}=gcc"
            ;;
    esac
}

# build_bootstraps PROFILE TRIPLE: builds the three echo bootstraps and copies them to
# $BIN/PROFILE-TRIPLE/{lambda-zero,lambda_runtime,floor}. The bench and release profiles share
# cargo's output directory, so each binary is copied right after its build.
build_bootstraps() {
    local profile=$1 triple=$2 dir out
    dir=$BIN/$profile-$triple
    out=$TARGET_DIR/$triple/release
    mkdir -p "$dir"
    need_target "$triple"
    cross_env "$triple"
    say "building the echo bootstraps ($profile profile, $triple)"
    (cd "$ROOT" && cargo build --quiet --profile "$profile" --target "$triple" --example echo) \
        || die "building lambda-zero's echo failed"
    cp "$out/examples/echo" "$dir/lambda-zero"
    cargo build --quiet --profile "$profile" --target "$triple" --manifest-path "$COMPARE_MANIFEST" \
        --bin lambda-runtime-echo --bin floor-echo || die "building benches/compare failed"
    cp "$out/lambda-runtime-echo" "$dir/lambda_runtime"
    cp "$out/floor-echo" "$dir/floor"
}

# build_lzbench: the measurement driver, for this machine.
build_lzbench() {
    say "building the measurement driver (benches/compare, bin lzbench)"
    cargo build --quiet --profile bench --manifest-path "$COMPARE_MANIFEST" --bin lzbench \
        || die "building lzbench failed"
    cp "$TARGET_DIR/release/lzbench" "$BIN/lzbench"
    LZBENCH=$BIN/lzbench
}

# The three bench-profile bootstraps for this machine, as NAME=PATH arguments.
bench_bins() {
    local dir=$BIN/bench-$HOST
    echo "--bin lambda-zero=$dir/lambda-zero --bin lambda_runtime=$dir/lambda_runtime --bin floor=$dir/floor"
}

export CARGO_TARGET_DIR=$TARGET_DIR
