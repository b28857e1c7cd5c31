#!/usr/bin/env bash
# Builds citykit-core for wasm32-unknown-unknown (Debian's rustc-web with build-std), makes the
# JS glue with wasm-bindgen, shrinks it with wasm-opt, and runs the smoke test in headless Chromium.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
tools="${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}"
build="${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/wasm"
bash "$root/scripts/toolchains/wasm.sh"
bash "$root/scripts/toolchains/chromium.sh"
# shellcheck disable=SC1091
source "$tools/wasm.env"
# shellcheck disable=SC1091
source "$tools/chromium.env"
mkdir -p "$build"
export CARGO_TARGET_DIR="${CITYKIT_WASM_TARGET_DIR:-/var/tmp/citykit-wasm-target}"
( cd "$here" && PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 RUSTC="$WASM_RUSTC" "$WASM_CARGO" build --release --quiet )
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/citykit_wasm.wasm"
rm -rf "$build/pkg"
"$WASM_BINDGEN" --target web --out-dir "$build/pkg" "$wasm"
"$WASM_OPT" -Oz "$build/pkg/citykit_wasm_bg.wasm" -o "$build/pkg/citykit_wasm_bg.wasm"
raw=$(stat -c %s "$build/pkg/citykit_wasm_bg.wasm")
gz=$(gzip -9 -c "$build/pkg/citykit_wasm_bg.wasm" | wc -c)
echo "wasm: citykit_wasm_bg.wasm $raw bytes, $gz bytes gzipped"
node "$here/tests/smoke.mjs" "$build/pkg"
