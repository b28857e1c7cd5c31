#!/usr/bin/env bash
# Run a command inside the Swift chroot (made by swift.sh), in a host directory that is bind-mounted at
# the same absolute path inside the chroot.
#
#   swift-run.sh <host-dir> <command...>          e.g. swift-run.sh "$PWD/bindings/swift" swift test
#
# Extra host directories (for example the cargo target dir holding libcitykit_ffi.so) are bind-mounted
# the same way when listed in SWIFT_RUN_EXTRA_MOUNTS (colon-separated absolute paths).
# /proc is mounted too. Everything is unmounted afterwards (trap), and when `unshare` works the mounts
# are also made in a private mount namespace, so they vanish with the process even if it is killed.
# The chroot is ${SWIFT_CHROOT:-${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}/swift-chroot}.
# The command's exit status is returned.
set -euo pipefail

die() { echo "swift-run: $*" >&2; exit 2; }

CHROOT=${SWIFT_CHROOT:-${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}/swift-chroot}
[[ $# -ge 2 ]] || die "usage: swift-run.sh <host-dir> <command...>"
[[ $(id -u) -eq 0 ]] || die "must run as root (chroot and mount)"
[[ -L $CHROOT/usr/bin/swift || -x $CHROOT/usr/bin/swift ]] || die "no Swift chroot at $CHROOT: run scripts/toolchains/swift.sh first"
CHROOT=$(realpath -e "$CHROOT")
HOST_DIR=$(realpath -e "$1" 2>/dev/null) || die "no such directory: $1"
[[ -d $HOST_DIR ]] || die "not a directory: $HOST_DIR"
shift

# Re-run ourselves in a private mount namespace when possible.
if [[ -z ${_SWIFT_RUN_IN_NS:-} ]] && unshare --mount --propagation private true 2>/dev/null; then
  _SWIFT_RUN_IN_NS=1 exec unshare --mount --propagation private "${BASH:-/bin/bash}" "$0" "$HOST_DIR" "$@"
fi
unset _SWIFT_RUN_IN_NS

# Directories to bind-mount: the working dir plus the extra ones; parents before children,
# and a directory already inside another listed one is skipped (it is visible through it).
DIRS=("$HOST_DIR")
if [[ -n ${SWIFT_RUN_EXTRA_MOUNTS:-} ]]; then
  IFS=: read -r -a EXTRA <<<"$SWIFT_RUN_EXTRA_MOUNTS"
  for d in "${EXTRA[@]}"; do
    [[ -n $d ]] || continue
    r=$(realpath -e "$d" 2>/dev/null) || die "SWIFT_RUN_EXTRA_MOUNTS: no such directory: $d"
    [[ -d $r ]] || die "SWIFT_RUN_EXTRA_MOUNTS: not a directory: $d"
    DIRS+=("$r")
  done
fi
mapfile -t DIRS < <(printf '%s\n' "${DIRS[@]}" | awk '{ print length($0) "\t" $0 }' | sort -n -s | cut -f2- | awk '!seen[$0]++')
MOUNT_DIRS=()
for d in "${DIRS[@]}"; do
  [[ $d != / ]] || die "refusing to bind-mount / into the chroot"
  case $CHROOT/ in "$d"/*) die "refusing to bind-mount $d: it contains the chroot $CHROOT" ;; esac
  covered=0
  for m in "${MOUNT_DIRS[@]}"; do
    case $d/ in "$m"/*) covered=1 ;; esac
  done
  [[ $covered == 1 ]] || MOUNT_DIRS+=("$d")
done

MOUNTED=()
CREATED=()   # "mount point<TAB>topmost directory we created for it": removed again afterwards
cleanup() {
  local i p top
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" 2>/dev/null ||
      echo "swift-run: warning: could not unmount ${MOUNTED[i]}" >&2
  done
  MOUNTED=()
  for ((i = ${#CREATED[@]} - 1; i >= 0; i--)); do
    p=${CREATED[i]%%$'\t'*}; top=${CREATED[i]#*$'\t'}
    while rmdir "$p" 2>/dev/null && [[ $p != "$top" ]]; do p=$(dirname "$p"); done
  done
  CREATED=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mount -t proc proc "$CHROOT/proc" || die "cannot mount /proc in $CHROOT"
MOUNTED+=("$CHROOT/proc")
for d in "${MOUNT_DIRS[@]}"; do
  if [[ ! -d $CHROOT$d ]]; then
    top=$CHROOT$d
    while [[ ! -e $(dirname "$top") ]]; do top=$(dirname "$top"); done
    mkdir -p "$CHROOT$d"
    CREATED+=("$CHROOT$d"$'\t'"$top")
  fi
  mount --bind "$d" "$CHROOT$d" || die "cannot bind-mount $d"
  MOUNTED+=("$CHROOT$d")
done
cp -f /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null || true

set +e
env -u TMPDIR PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  chroot "$CHROOT" /bin/bash -c 'cd "$1" || exit 2; shift; exec "$@"' swift-run "$HOST_DIR" "$@"
status=$?
set -e
exit "$status"
