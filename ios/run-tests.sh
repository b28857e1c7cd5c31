#!/usr/bin/env bash
# The Swift package's tests on Linux: the generated bindings and the idiomatic layer compiled by a
# real Swift compiler (6.0.3, in a Debian trixie chroot) against the host build of
# libcitykit_ffi.so, and XCTest tests that drive it against the simulator (citykit-sim) over HTTPS.
# iOS itself cannot be built here (that needs macOS and Xcode); see ios/README.md.
#
#   ios/run-tests.sh [extra `swift test` args, e.g. --filter JourneyTests]
#
# Needs (as `cargo xtask bindings --test-hooks` and `cargo build -p citykit-sim` leave them):
#   $CITYKIT_FFI_LIB_DIR/libcitykit_ffi.so  (default <repo>/target/debug; built with test-hooks)
#   $CITYKIT_SIM_BIN                         (default <repo>/target/debug/citykit-sim)
#   ios/Sources/CityKit/{CityKit,CityKitCore}.swift, ios/Sources/CityKitFFI/{CityKitFFI,citykit_coreFFI}.h (generated)
# Build products go to ${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/swift, never into the repo.
# Runs as root (chroot, mounts). Exits non-zero when anything fails.
set -euo pipefail

IOS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$IOS_DIR/.." && pwd)
TOOLS_DIR=${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}
BUILD_DIR=${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}
export CITYKIT_FFI_LIB_DIR=${CITYKIT_FFI_LIB_DIR:-$REPO/target/debug}
export CITYKIT_SIM_BIN=${CITYKIT_SIM_BIN:-$REPO/target/debug/citykit-sim}

die() { echo "ios/run-tests.sh: $*" >&2; exit 1; }

for f in "$IOS_DIR"/Sources/CityKit/{CityKit,CityKitCore}.swift "$IOS_DIR"/Sources/CityKitFFI/{CityKitFFI,citykit_coreFFI}.h; do
  [[ -f $f ]] || die "missing ${f#"$REPO"/}: run \`cargo xtask bindings --test-hooks\` first"
done
[[ -f $CITYKIT_FFI_LIB_DIR/libcitykit_ffi.so ]] || die "no libcitykit_ffi.so in $CITYKIT_FFI_LIB_DIR"
[[ -x $CITYKIT_SIM_BIN ]] || die "no simulator binary at $CITYKIT_SIM_BIN"
CITYKIT_FFI_LIB_DIR=$(realpath -e "$CITYKIT_FFI_LIB_DIR")
CITYKIT_SIM_BIN=$(realpath -e "$CITYKIT_SIM_BIN")

bash "$REPO/scripts/toolchains/swift.sh"
# shellcheck source=/dev/null
source "$TOOLS_DIR/swift.env"

mkdir -p "$BUILD_DIR/swift"
# Inside the chroot: the package (bind-mounted at the same path), the library's directory, the
# simulator's directory and the build directory.
SWIFT_RUN_EXTRA_MOUNTS="$CITYKIT_FFI_LIB_DIR:$(dirname "$CITYKIT_SIM_BIN"):$BUILD_DIR"
export SWIFT_RUN_EXTRA_MOUNTS

LOG=$(mktemp /tmp/citykit-swift-test.XXXXXX.log)
trap 'rm -f "$LOG"' EXIT
start=$SECONDS
set +e
"$SWIFT_RUN" "$IOS_DIR" swift test --scratch-path "$BUILD_DIR/swift" "$@" 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - start))

# XCTest prints one "Executed N tests, with M failures" line per suite; the last is the total.
summary=$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$LOG" | tail -n 1 | sed -E 's/^[[:space:]]+//')
echo
if [[ $status -eq 0 && -n $summary ]]; then
  echo "ios: swift test passed in ${elapsed}s (compile + tests): $summary"
else
  grep -E "error:|: error|failed \(|Fatal error" "$LOG" | head -n 40 >&2 || true
  echo "ios: swift test FAILED (exit $status) after ${elapsed}s${summary:+: $summary}" >&2
  exit $(( status == 0 ? 1 : status ))
fi
