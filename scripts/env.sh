# shellcheck shell=bash
# Sourced by the other scripts (not run). Sets, for the calling script only:
#   LIW_ROOT                 the checkout
#   LIW_TOOLS                where cargo-installed tools live (outside the checkout, reused by fresh clones)
#   WASM_BINDGEN_VERSION     read from Cargo.toml (`wasm-bindgen = "=X.Y.Z"`)
#   WASM_PACK_VERSION
#   WASM_BINDGEN_DIR, WASM_PACK_DIR   version-named install roots (bin/ inside)
#   PATH                     tool folders and node_modules/.bin first (rustup's cargo stays in front of /usr/bin)
# and defines `liw_wasm_env CMD...`, which runs CMD with Debian's Rust (rustc-web) in front and the
# variables the wasm32 build needs; those variables are not set for anything else (native builds keep rustup).

LIW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIW_TOOLS="${LIW_TOOLS:-$HOME/.cache/large-image-wasm/tools}"

WASM_BINDGEN_VERSION="$(sed -n -E 's/^[[:space:]]*wasm-bindgen[[:space:]]*=[[:space:]]*"=?([0-9]+\.[0-9]+\.[0-9]+)".*/\1/p' "$LIW_ROOT/Cargo.toml" | head -n 1)"
if [[ -z "$WASM_BINDGEN_VERSION" ]]; then
  echo "env.sh: cannot read the wasm-bindgen version from Cargo.toml (expected: wasm-bindgen = \"=X.Y.Z\")" >&2
  return 1 2>/dev/null || exit 1
fi
WASM_PACK_VERSION="0.15.1"
WASM_BINDGEN_DIR="$LIW_TOOLS/wasm-bindgen-$WASM_BINDGEN_VERSION"
WASM_PACK_DIR="$LIW_TOOLS/wasm-pack-$WASM_PACK_VERSION"

LIW_APT_PACKAGES=(rustc-web cargo-web rust-web-src lld-22 gdal-bin python3-gdal python3-numpy python3-venv chromium)

# Debian's Rust toolchain used for wasm32 (rustup has no wasm32 std here; rust-web-src gives build-std).
LIW_WASM_RUSTC=/usr/bin/rustc
LIW_WASM_CARGO=/usr/bin/cargo
LIW_WASM_LINKER=/usr/lib/llvm-22/bin/wasm-ld
LIW_WASM_TARGET_DIR="${LIW_WASM_TARGET_DIR:-$LIW_ROOT/target/wasm}"

PATH="$WASM_BINDGEN_DIR/bin:$WASM_PACK_DIR/bin:$LIW_ROOT/node_modules/.bin:$PATH"

# -Zlocation-detail=none: a panic's message without its file, line and column (the wasm is 21 KB gzip
# smaller; nothing is meant to panic, and the message still names what went wrong).
liw_wasm_env() {
  env \
    PATH="$WASM_BINDGEN_DIR/bin:$WASM_PACK_DIR/bin:/usr/bin:$PATH" \
    RUSTC="$LIW_WASM_RUSTC" \
    CARGO="$LIW_WASM_CARGO" \
    RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$LIW_WASM_LINKER" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zlocation-detail=none" \
    CARGO_TARGET_DIR="$LIW_WASM_TARGET_DIR" \
    "$@"
}

# The rio-tiler oracle's virtualenv, named by the hash of its pinned requirements (scripts/setup makes it).
LIW_RIOTILER_VENV="$LIW_TOOLS/venv-riotiler-$(sha256sum "$LIW_ROOT/tests/requirements-riotiler.txt" | cut -c1-12)"
export LIW_RIOTILER_PYTHON="$LIW_RIOTILER_VENV/bin/python"
# The live django-large-image 0.10.5 (tests/oracle/), likewise in a virtualenv named by its requirements' hash.
LIW_DLI_VENV="$LIW_TOOLS/venv-dli-$(sha256sum "$LIW_ROOT/tests/oracle/requirements-dli.txt" | cut -c1-12)"
export LIW_DLI_PYTHON="$LIW_DLI_VENV/bin/python"
# moto_server, a local S3 API for the S3 tests (tests/js/s3.test.mjs), likewise.
LIW_MOTO_VENV="$LIW_TOOLS/venv-moto-$(sha256sum "$LIW_ROOT/tests/requirements-moto.txt" | cut -c1-12)"
export LIW_MOTO_PYTHON="$LIW_MOTO_VENV/bin/python"
