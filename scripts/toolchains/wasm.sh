#!/usr/bin/env bash
# Rust -> wasm32-unknown-unknown toolchain (see shared TOOLCHAINS.md, "Rust to wasm32-unknown-unknown").
# rustup cannot add targets here: Debian's rustc-web 1.96 (/usr/bin/cargo, /usr/bin/rustc) builds std from
# its own sources (rust-web-src) with -Zbuild-std (RUSTC_BOOTSTRAP=1).
# Installs: apt rustc-web cargo-web rust-web-src rust-web-llvm lld-22 clang-22 (--no-install-recommends);
#   cargo install wasm-bindgen-cli <V> into $CITYKIT_TOOLS_DIR/wasm-bindgen-<V> (about 7 minutes cold);
#   npm binaryen (wasm-opt; Debian's binaryen 108 produces broken modules) into $CITYKIT_TOOLS_DIR/node.
# Verifies: /usr/bin/cargo is 1.96, the sysroot has the library sources, and a tiny wasm-bindgen crate
#   builds with build-std, goes through wasm-bindgen and wasm-opt -Oz, and runs under node.
# Writes $CITYKIT_TOOLS_DIR/wasm.env: WASM_CARGO WASM_RUSTC WASM_BINDGEN WASM_BINDGEN_VERSION WASM_OPT
#   CC_wasm32_unknown_unknown AR_wasm32_unknown_unknown
# Usage: wasm.sh [<wasm-bindgen version, default 0.2.130>] [--verify]
# Build with:  PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 RUSTC=$WASM_RUSTC $WASM_CARGO build --release
#   (inside the wasm crate, whose .cargo/config.toml sets build-std and the target).
set -euo pipefail
TOOL_NAME=wasm
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_common_args "$@"

WB_VERSION=0.2.130
for a in "$@"; do
  case $a in
    --*) ;;
    *) WB_VERSION=$a ;;
  esac
done
[[ $WB_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "bad wasm-bindgen version '$WB_VERSION'"
BINARYEN_VERSION=132.0.0
RUST_WEB_MAJOR_MINOR=1.96

WASM_CARGO=/usr/bin/cargo
WASM_RUSTC=/usr/bin/rustc
WB_ROOT=$CITYKIT_TOOLS_DIR/wasm-bindgen-$WB_VERSION
WASM_BINDGEN=$WB_ROOT/bin/wasm-bindgen
NODE_PREFIX=$CITYKIT_TOOLS_DIR/node
WASM_OPT=$NODE_PREFIX/node_modules/binaryen/bin/wasm-opt
CC_WASM=clang-22
AR_WASM=llvm-ar-22

init_tools_dir

# --- apt: Debian's rustc-web with its std sources, and the C toolchain for ring's C parts
ensure_apt --no-install-recommends rustc-web cargo-web rust-web-src rust-web-llvm lld-22 clang-22
for t in "$WASM_CARGO" "$WASM_RUSTC" "/usr/bin/$CC_WASM" "/usr/bin/$AR_WASM"; do
  [[ -x $t ]] || die "$t missing after installing the apt packages"
done
CARGO_V=$("$WASM_CARGO" -V 2>&1) || die "$WASM_CARGO -V fails: $CARGO_V"
[[ $CARGO_V == "cargo $RUST_WEB_MAJOR_MINOR."* ]] || die "$WASM_CARGO -V is '$CARGO_V', expected $RUST_WEB_MAJOR_MINOR.x"
RUSTC_V=$(PATH=/usr/bin:$PATH "$WASM_RUSTC" -V 2>&1) || die "$WASM_RUSTC -V fails: $RUSTC_V"
[[ $RUSTC_V == "rustc $RUST_WEB_MAJOR_MINOR."* ]] || die "$WASM_RUSTC -V is '$RUSTC_V', expected $RUST_WEB_MAJOR_MINOR.x"
SYSROOT=$("$WASM_RUSTC" --print sysroot) || die "$WASM_RUSTC --print sysroot fails"
[[ -f $SYSROOT/lib/rustlib/src/rust/library/std/src/lib.rs && -f $SYSROOT/lib/rustlib/src/rust/library/Cargo.lock ]] ||
  die "no std sources under $SYSROOT/lib/rustlib/src/rust/library (package rust-web-src)"

# --- wasm-bindgen-cli (the version must equal the wasm-bindgen crate's version in Cargo.lock)
wb_version() { [[ -x $WASM_BINDGEN ]] && "$WASM_BINDGEN" --version 2>/dev/null | awk '{print $2}' || true; }
if [[ $(wb_version) != "$WB_VERSION" ]]; then
  # The host build uses the default cargo (rustup's stable), or Debian's when there is none.
  HOST_CARGO=$(command -v cargo || true)
  [[ -n $HOST_CARGO ]] || HOST_CARGO=$WASM_CARGO
  # A target dir next to the install root lets an interrupted build resume; removed on success.
  # No --locked: the registry here lacks one of its locked dependencies.
  logrun "cargo install wasm-bindgen-cli $WB_VERSION (several minutes)" \
    env CARGO_TARGET_DIR="$WB_ROOT.build" "$HOST_CARGO" install wasm-bindgen-cli --version "$WB_VERSION" --root "$WB_ROOT" --force
  [[ $(wb_version) == "$WB_VERSION" ]] || die "$WASM_BINDGEN does not report $WB_VERSION"
  rm -rf "$WB_ROOT.build"
  ACTIONS+=("cargo:wasm-bindgen-cli@$WB_VERSION")
fi

# --- wasm-opt from npm binaryen
ensure_npm "$NODE_PREFIX" binaryen "$BINARYEN_VERSION"
[[ -x $WASM_OPT ]] || die "$WASM_OPT missing after npm install binaryen"

FINGERPRINT="$CARGO_V; $RUSTC_V; wasm-bindgen $WB_VERSION; binaryen $BINARYEN_VERSION; clang-22 $(dpkg-query -W -f='${Version}' clang-22)"
CONTENT=$(env_content "$FINGERPRINT" <<EOF
# build: PATH=/usr/bin:\$PATH RUSTC_BOOTSTRAP=1 RUSTC=\$WASM_RUSTC \$WASM_CARGO build --release
export WASM_CARGO=$WASM_CARGO
export WASM_RUSTC=$WASM_RUSTC
export WASM_BINDGEN=$WASM_BINDGEN
export WASM_BINDGEN_VERSION=$WB_VERSION
export WASM_OPT=$WASM_OPT
export CC_wasm32_unknown_unknown=$CC_WASM
export AR_wasm32_unknown_unknown=$AR_WASM
EOF
)

if env_is_current "$CONTENT"; then
  summary ok "$CARGO_V, wasm-bindgen $WB_VERSION, binaryen $BINARYEN_VERSION (verified before)"
  exit 0
fi

# --- verify: a tiny wasm-bindgen crate, std built from source, through wasm-bindgen and wasm-opt, run by node
WORK=$(mktemp -d /tmp/citykit-wasm-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/probe/.cargo" "$WORK/probe/src"
cat >"$WORK/probe/Cargo.toml" <<EOF
[package]
name = "citykit-wasm-probe"
version = "0.0.0"
edition = "2021"
publish = false

[lib]
crate-type = ["cdylib"]

[dependencies]
wasm-bindgen = "=$WB_VERSION"

[profile.release]
opt-level = "s"

[workspace]
EOF
cat >"$WORK/probe/.cargo/config.toml" <<EOF
[unstable]
build-std = ["std", "panic_abort"]

[build]
target = "wasm32-unknown-unknown"

[env]
CC_wasm32_unknown_unknown = "$CC_WASM"
AR_wasm32_unknown_unknown = "$AR_WASM"
EOF
cat >"$WORK/probe/src/lib.rs" <<'EOF'
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn greet(name: &str) -> String {
    let mut parts: Vec<String> = vec!["hello".into()];
    parts.push(name.to_uppercase());
    parts.join(" ")
}
EOF
logrun "cargo build (wasm32, build-std; about 2 minutes)" \
  env -C "$WORK/probe" -u RUSTUP_TOOLCHAIN -u CARGO_BUILD_TARGET PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 \
  RUSTC="$WASM_RUSTC" RUSTDOC=/usr/bin/rustdoc CARGO_TARGET_DIR="$WORK/target" \
  "$WASM_CARGO" build --release
WASM=$WORK/target/wasm32-unknown-unknown/release/citykit_wasm_probe.wasm
[[ -f $WASM ]] || die "no $WASM after the build"
logrun "wasm-bindgen" "$WASM_BINDGEN" --target nodejs --out-dir "$WORK/pkg" "$WASM"
logrun "wasm-opt -Oz" "$WASM_OPT" -Oz "$WORK/pkg/citykit_wasm_probe_bg.wasm" -o "$WORK/pkg/citykit_wasm_probe_bg.wasm"
OUT=$(node -e "console.log(require(process.argv[1]).greet('wasm'))" "$WORK/pkg/citykit_wasm_probe.js" 2>&1) ||
  { log "$OUT"; die "node could not run the wasm-bindgen output"; }
log "node: $OUT"
[[ $OUT == "hello WASM" ]] || die "node printed '$OUT', expected 'hello WASM'"
SIZE=$(stat -c %s "$WORK/pkg/citykit_wasm_probe_bg.wasm")

write_env "$CONTENT"
summary ok "$CARGO_V, wasm-bindgen $WB_VERSION, binaryen $BINARYEN_VERSION; probe crate built (build-std), bound, optimised ($SIZE bytes) and run in node"
