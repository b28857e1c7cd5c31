#!/usr/bin/env bash
# Swift toolchain for the UniFFI Swift bindings tests (see shared TOOLCHAINS.md, "Swift on Linux").
# Bookworm has no Swift: a Debian trixie minbase chroot at $CITYKIT_TOOLS_DIR/swift-chroot gets
# `swiftlang libc6-dev` (--no-install-recommends). Skipped when `chroot <dir> swift --version` works.
# Verifies with a tiny SwiftPM package (XCTest, an async test method) run through swift-run.sh.
# Writes $CITYKIT_TOOLS_DIR/swift.env: SWIFT_CHROOT SWIFT_RUN
# Usage: swift.sh [--verify]
set -euo pipefail
TOOL_NAME=swift
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_common_args "$@"

CHROOT=$CITYKIT_TOOLS_DIR/swift-chroot
PARTIAL=$CITYKIT_TOOLS_DIR/swift-chroot.partial
SWIFT_RUN=$TOOLCHAINS_SCRIPT_DIR/swift-run.sh
SUITE=trixie

init_tools_dir

# `chroot <dir> swift --version` needs /proc inside (the swift driver finds its libraries through
# /proc/self/exe): mount it in a private mount namespace, so nothing stays mounted on the host.
swift_version() {
  [[ -L $CHROOT/usr/bin/swift || -x $CHROOT/usr/bin/swift ]] || return 0  # an absolute symlink: do not resolve it on the host
  if unshare --mount --propagation private true 2>/dev/null; then
    unshare --mount --propagation private /bin/sh -c \
      'mount -t proc proc "$1/proc" && chroot "$1" /usr/bin/swift --version 2>&1' sh "$CHROOT" 2>/dev/null
  else
    mount -t proc proc "$CHROOT/proc" 2>/dev/null || return 0
    chroot "$CHROOT" /usr/bin/swift --version 2>&1 || true
    umount "$CHROOT/proc"
  fi | grep -m1 -o 'Swift version [^ ]*' || true
}

# Unmount whatever is still mounted under a directory (left by a killed run), deepest first.
unmount_under() {
  local dir=$1 m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" || die "cannot unmount $m"
  done < <(awk -v d="$dir/" '{ gsub(/\\040/, " ", $2); if (index($2 "/", d) == 1) print $2 }' /proc/mounts | sort -r)
}

# Remove a chroot directory, never following mounts into the host.
remove_tree() {
  local dir=$1
  [[ -e $dir ]] || return 0
  unmount_under "$dir"
  rm -rf --one-file-system "$dir" || die "cannot remove $dir"
}

CHROOT_PROC_MOUNTED=0
cleanup() {
  if [[ $CHROOT_PROC_MOUNTED == 1 ]]; then umount "$1/proc" 2>/dev/null || umount -l "$1/proc" 2>/dev/null || true; fi
  CHROOT_PROC_MOUNTED=0
}

# apt-get install swiftlang libc6-dev inside a chroot dir.
install_swift_in() {
  local dir=$1
  mount -t proc proc "$dir/proc" || die "cannot mount proc in $dir"
  CHROOT_PROC_MOUNTED=1
  trap "cleanup '$dir'" EXIT
  cp -f /etc/resolv.conf "$dir/etc/resolv.conf"
  local inst='DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends swiftlang libc6-dev'
  if ! chroot "$dir" /usr/bin/env -u TMPDIR PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c "$inst" >>"$LOG_FILE" 2>&1 </dev/null; then
    log "== install failed; retrying after apt-get update in the chroot"
    logrun "chroot apt-get update + install" chroot "$dir" /usr/bin/env -u TMPDIR PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      bash -c "apt-get update && $inst"
  fi
  cleanup "$dir"
  trap - EXIT
}

SV=$(swift_version)
if [[ -z $SV ]]; then
  need_root "debootstrap and chroot"
  log_start
  if [[ -x $CHROOT/usr/bin/apt-get ]]; then
    # A chroot is there but without a working swift: finish the install in place.
    log "== $CHROOT exists without a working swift: installing swiftlang in it"
    unmount_under "$CHROOT"
    install_swift_in "$CHROOT"
  else
    remove_tree "$CHROOT"
    remove_tree "$PARTIAL"
    ensure_apt debootstrap
    MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [[ -n $MIRROR ]] || MIRROR=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [[ -n $MIRROR ]] || die "cannot find the Debian mirror apt uses (/etc/apt/sources.list.d/debian.sources)"
    logrun "debootstrap $SUITE" debootstrap --variant=minbase "$SUITE" "$PARTIAL" "$MIRROR"
    install_swift_in "$PARTIAL"
    mv "$PARTIAL" "$CHROOT" || die "cannot move $PARTIAL to $CHROOT"
  fi
  ACTIONS+=("chroot:$SUITE+swiftlang")
  SV=$(swift_version)
  [[ -n $SV ]] || die "swift --version still does not work in $CHROOT"
fi

FINGERPRINT="$SV ($SUITE chroot)"
CONTENT=$(env_content "$FINGERPRINT" <<EOF
export SWIFT_CHROOT=$CHROOT
export SWIFT_RUN=$SWIFT_RUN
EOF
)

if env_is_current "$CONTENT"; then
  summary ok "$SV in $CHROOT (verified before)"
  exit 0
fi

# --- verify: a tiny SwiftPM package with an async XCTest method, under /tmp, through swift-run.sh
need_root "chroot and mount"
WORK=$(mktemp -d /tmp/citykit-swift-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/pkg/Sources/CProbe" "$WORK/pkg/Sources/Probe" "$WORK/pkg/Tests/ProbeTests" "$WORK/lib"
# A C shared library built on the host (bookworm's glibc) and linked from inside the chroot, the way
# libcitykit_ffi.so will be: its folder is bind-mounted through SWIFT_RUN_EXTRA_MOUNTS.
cat >"$WORK/pkg/Sources/CProbe/probe.h" <<'EOF'
int probe_add(int a, int b);
EOF
cat >"$WORK/pkg/Sources/CProbe/module.modulemap" <<'EOF'
module CProbe {
    header "probe.h"
    link "probe"
    export *
}
EOF
printf 'int probe_add(int a, int b) { return a + b; }\n' >"$WORK/probe.c"
logrun "cc (host .so)" cc -shared -fPIC -o "$WORK/lib/libprobe.so" "$WORK/probe.c"
cat >"$WORK/pkg/Package.swift" <<EOF
// swift-tools-version:5.9
import PackageDescription

let libDir = "$WORK/lib"
let package = Package(
    name: "Probe",
    targets: [
        .systemLibrary(name: "CProbe"),
        .target(
            name: "Probe",
            dependencies: ["CProbe"],
            linkerSettings: [.unsafeFlags(["-L" + libDir, "-Xlinker", "-rpath", "-Xlinker", libDir])]
        ),
        .testTarget(name: "ProbeTests", dependencies: ["Probe"]),
    ]
)
EOF
cat >"$WORK/pkg/Sources/Probe/Probe.swift" <<'EOF'
import CProbe

public func slowSum(_ values: [Int32]) async -> Int32 {
    try? await Task.sleep(nanoseconds: 10_000_000)
    return values.reduce(0) { probe_add($0, $1) }
}
EOF
cat >"$WORK/pkg/Tests/ProbeTests/ProbeTests.swift" <<'EOF'
import XCTest
@testable import Probe

final class ProbeTests: XCTestCase {
    func testAsyncSumThroughHostLibrary() async throws {
        let total = await slowSum([1, 2, 3])
        XCTAssertEqual(total, 6)
    }

    func testSync() {
        XCTAssertTrue(true)
    }
}
EOF
logrun "swift test (sample)" env SWIFT_CHROOT="$CHROOT" SWIFT_RUN_EXTRA_MOUNTS="$WORK/lib" "$SWIFT_RUN" "$WORK/pkg" swift test
grep -Eq 'Executed 2 tests, with 0 failures' "$LOG_FILE" || die "swift test did not report 2 passing tests"
# the bind mount must be gone
if awk -v d="$CHROOT/" 'index($2 "/", d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
  die "mounts left under $CHROOT after swift-run.sh"
fi

write_env "$CONTENT"
summary ok "$SV in $CHROOT, sample SwiftPM package linking a host .so: 2 XCTest tests passed (one async)"
