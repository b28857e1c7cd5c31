#!/usr/bin/env bash
# Builds ios/CityKitFFI.xcframework (the Rust core as static libraries for iOS devices and the
# iOS simulator) and the matching Swift bindings, for the Swift package in ios/.
#
# macOS only: needs Xcode (xcodebuild, lipo) and rustup. NOT RUN ON CITYKIT'S CI, which has no
# macOS: treat it as a careful recipe, and report anything that needs fixing.
#
#   ios/build-xcframework.sh [--profile release|reldbg] [--with-macos]
#
#   --profile     the cargo profile (default release: LTO, what ships; reldbg: opt-level 1 with
#                 debug info, for debugging on a device; plain debug builds are not supported there)
#   --with-macos  also add a macOS slice (arm64 + x86_64), so `swift build` / `swift test` work on
#                 the Mac itself
#
# Outputs (git-ignored): ios/CityKitFFI.xcframework, ios/Sources/CityKit/CityKit.swift and
# CityKitCore.swift, ios/Sources/CityKitFFI/CityKitFFI.h and citykit_coreFFI.h. Staging files go
# to target/ios-xcframework.
set -euo pipefail

PROFILE=release
WITH_MACOS=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --profile) PROFILE=${2:?--profile needs a value}; shift 2 ;;
    --with-macos) WITH_MACOS=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "build-xcframework.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

[[ $(uname -s) == Darwin ]] || { echo "build-xcframework.sh: needs macOS with Xcode" >&2; exit 1; }
command -v xcodebuild >/dev/null || { echo "build-xcframework.sh: xcodebuild not found (install Xcode)" >&2; exit 1; }

IOS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$IOS_DIR/.." && pwd)
cd "$REPO"
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
STAGE=$TARGET_DIR/ios-xcframework
LIB=libcitykit_ffi.a

IOS_TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)
MACOS_TARGETS=(aarch64-apple-darwin x86_64-apple-darwin)
TARGETS=("${IOS_TARGETS[@]}")
[[ $WITH_MACOS == 1 ]] && TARGETS+=("${MACOS_TARGETS[@]}")

export IPHONEOS_DEPLOYMENT_TARGET=15.0   # matches Package.swift's platforms
export MACOSX_DEPLOYMENT_TARGET=12.0

rustup target add "${TARGETS[@]}"
for t in "${TARGETS[@]}"; do
  echo "== cargo build -p citykit-ffi --profile $PROFILE --target $t"
  cargo build -p citykit-ffi --profile "$PROFILE" --target "$t"
done
lib_of() { echo "$TARGET_DIR/$1/$PROFILE/$LIB"; }

rm -rf "$STAGE"
mkdir -p "$STAGE/swift" "$STAGE/ios-simulator" "$STAGE/macos"

# The Swift bindings and C headers, generated from the same library (library mode reads the
# metadata UniFFI embeds in it), as `cargo xtask bindings` does on Linux. The library holds two
# UniFFI components, citykit_core (records, enums) and citykit_ffi (objects, the error,
# callbacks); both are the Swift module CityKit, and the generator names its file after the
# module, so each is generated on its own (--crate) and renamed. They replace the Linux test
# build's generated files.
HEADERS=$STAGE/headers
mkdir -p "$HEADERS/CityKitFFI"
for pair in citykit_core:CityKitCore.swift citykit_ffi:CityKit.swift; do
  component=${pair%%:*}
  rm -rf "$STAGE/swift"
  mkdir -p "$STAGE/swift"
  cargo run -q -p uniffi-bindgen -- generate --no-format --library "$(lib_of aarch64-apple-ios)" \
    --crate "$component" --language swift --out-dir "$STAGE/swift"
  cp "$STAGE/swift/CityKit.swift" "$IOS_DIR/Sources/CityKit/${pair#*:}"
  for header in "$STAGE"/swift/*.h; do
    cp "$header" "$IOS_DIR/Sources/CityKitFFI/"
    cp "$header" "$HEADERS/CityKitFFI/"
  done
done

# Headers for the XCFramework: both headers and a module map *without* `link` (the static
# library is linked by the binary target itself). They sit in a CityKitFFI/ subfolder, which
# clang searches by module name, so they cannot clash with another XCFramework's module.modulemap.
cat >"$HEADERS/CityKitFFI/module.modulemap" <<'EOF'
module CityKitFFI {
    header "citykit_coreFFI.h"
    header "CityKitFFI.h"
    export *
}
EOF

# One library per platform variant: the two simulator architectures go into one fat library.
lipo -create "$(lib_of aarch64-apple-ios-sim)" "$(lib_of x86_64-apple-ios)" -output "$STAGE/ios-simulator/$LIB"
ARGS=(-library "$(lib_of aarch64-apple-ios)" -headers "$HEADERS"
      -library "$STAGE/ios-simulator/$LIB" -headers "$HEADERS")
if [[ $WITH_MACOS == 1 ]]; then
  lipo -create "$(lib_of aarch64-apple-darwin)" "$(lib_of x86_64-apple-darwin)" -output "$STAGE/macos/$LIB"
  ARGS+=(-library "$STAGE/macos/$LIB" -headers "$HEADERS")
fi

rm -rf "$IOS_DIR/CityKitFFI.xcframework"
xcodebuild -create-xcframework "${ARGS[@]}" -output "$IOS_DIR/CityKitFFI.xcframework"

echo
echo "Built ios/CityKitFFI.xcframework ($PROFILE):"
du -sh "$IOS_DIR/CityKitFFI.xcframework"/*/ 2>/dev/null || true
echo "Swift bindings: ios/Sources/CityKit/CityKit.swift and CityKitCore.swift (regenerated from the $PROFILE library)"
