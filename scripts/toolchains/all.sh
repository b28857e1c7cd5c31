#!/usr/bin/env bash
# Run the toolchain installers: all.sh [kotlin] [swift] [chromium] [wasm] [--verify]
# (all four when none is named), in that order, and print a summary with the seconds each took.
# Extra arguments for wasm.sh (the wasm-bindgen version) can be given as WASM_BINDGEN_VERSION=<v>.
# Exits non-zero when any of them failed (the others still run).
set -euo pipefail
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ALL=(kotlin swift chromium wasm)
NAMES=()
FLAGS=()
for a in "$@"; do
  case $a in
    --verify) FLAGS+=("$a") ;;
    kotlin | swift | chromium | wasm) NAMES+=("$a") ;;
    -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "all.sh: unknown toolchain '$a' (known: ${ALL[*]})" >&2; exit 2 ;;
  esac
done
[[ ${#NAMES[@]} -gt 0 ]] || NAMES=("${ALL[@]}")

SUMMARY=()
FAILED=0
for name in "${NAMES[@]}"; do
  args=("${FLAGS[@]}")
  [[ $name == wasm && -n ${WASM_BINDGEN_VERSION:-} ]] && args=("$WASM_BINDGEN_VERSION" "${args[@]}")
  start=$SECONDS
  if bash "$DIR/$name.sh" "${args[@]}"; then
    SUMMARY+=("$(printf '%-9s ok      %5ds' "$name" $((SECONDS - start)))")
  else
    SUMMARY+=("$(printf '%-9s FAILED  %5ds' "$name" $((SECONDS - start)))")
    FAILED=1
  fi
done

echo "toolchains summary (${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}):"
printf '  %s\n' "${SUMMARY[@]}"
exit "$FAILED"
