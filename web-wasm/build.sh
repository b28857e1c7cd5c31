#!/usr/bin/env bash
# Builds the web package: citykit-core for wasm32-unknown-unknown (Debian's rustc-web with
# build-std), the JS glue by wasm-bindgen, shrunk by wasm-opt, checked against its size budget,
# and the package's own JS (the Worker and the page's side) next to it, in
# ${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/wasm/pkg. run-tests.sh and the demo use it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
tools="${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}"
build="${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/wasm"
bash "$root/scripts/toolchains/wasm.sh"
# shellcheck disable=SC1091
source "$tools/wasm.env"
mkdir -p "$build"
export CARGO_TARGET_DIR="${CITYKIT_WASM_TARGET_DIR:-/var/tmp/citykit-wasm-target}"
( cd "$here" && PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 RUSTC="$WASM_RUSTC" "$WASM_CARGO" build --release --quiet )
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/citykit_wasm.wasm"
rm -rf "$build/pkg"
"$WASM_BINDGEN" --target web --out-dir "$build/pkg" "$wasm"
"$WASM_OPT" -Oz "$build/pkg/citykit_wasm_bg.wasm" -o "$build/pkg/citykit_wasm_bg.wasm"
raw=$(stat -c %s "$build/pkg/citykit_wasm_bg.wasm")
gz=$(gzip -9 -c "$build/pkg/citykit_wasm_bg.wasm" | wc -c)
echo "wasm: citykit_wasm_bg.wasm $raw bytes, $gz bytes gzipped (budget 1500000 bytes gzipped)"
if [ "$gz" -gt 1500000 ]; then
  echo "wasm: OVER BUDGET: $gz bytes gzipped is more than 1500000; see README \"Release profile\"" >&2
  exit 1
fi
# The page's side of the SDK in a Worker (thin forwarding by postMessage) ships in the package.
cp "$here/js/citykit-worker.js" "$here/js/citykit-web.js" "$here/js/citykit-web.d.ts" "$build/pkg/"
# The npm package layout: package.json (exports, types) and its quick start, over wasm-bindgen's.
cp "$here/js/package.json" "$here/js/README.md" "$build/pkg/"
rm -f "$build/pkg/.gitignore"
