# Shared helpers for scripts/toolchains/*.sh. Sourced, never run directly.
# Each script sets TOOL_NAME before sourcing this file.
#
# Conventions:
#   - tools live in ${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}, outside the repo;
#   - noisy output (apt, npm, cargo, the verification runs) goes to $CITYKIT_TOOLS_DIR/logs/<name>.log,
#     whose tail is printed on failure; the script itself prints one summary line;
#   - the env file $CITYKIT_TOOLS_DIR/<name>.env is written only after a successful verification.
#     It carries a fingerprint of what was verified: when a later run finds the same fingerprint,
#     the (slow) verification is skipped and nothing is rewritten. Pass --verify to force it.

CITYKIT_TOOLS_DIR=${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}
TOOLCHAINS_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEBIAN_FRONTEND=noninteractive
export DEBIAN_FRONTEND   # only for our own child processes (apt-get, dpkg)

LOG_DIR=$CITYKIT_TOOLS_DIR/logs
LOG_FILE=$LOG_DIR/$TOOL_NAME.log
ENV_FILE=$CITYKIT_TOOLS_DIR/$TOOL_NAME.env
FORCE_VERIFY=${CITYKIT_TOOLS_VERIFY:-0}
_APT_UPDATED=0
_LOG_STARTED=0    # the log is truncated at the first logged command, so a warm run leaves it alone
ACTIONS=()        # what this run installed, for the summary line

die() {
  echo "$TOOL_NAME: FAILED: $*" >&2
  if [[ $_LOG_STARTED == 1 && -s ${LOG_FILE:-} ]]; then
    echo "---- last lines of $LOG_FILE ----" >&2
    tail -n 40 "$LOG_FILE" >&2
  fi
  exit 1
}

init_tools_dir() {
  mkdir -p "$CITYKIT_TOOLS_DIR" "$LOG_DIR" || die "cannot create $CITYKIT_TOOLS_DIR"
}

log_start() {
  if [[ $_LOG_STARTED == 0 ]]; then
    : >"$LOG_FILE"
    _LOG_STARTED=1
  fi
}

# Append stdin (or the arguments) to the log.
log() { log_start; if [[ $# -gt 0 ]]; then echo "$*" >>"$LOG_FILE"; else cat >>"$LOG_FILE"; fi; }

# Run a command with its output appended to the log; fail with a message if it fails.
#   logrun "what it does" cmd args...
logrun() {
  local what=$1; shift
  log "== $what: $*"
  "$@" >>"$LOG_FILE" 2>&1 </dev/null || die "$what failed (exit $?)"
}

need_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root ($*)"
}

# Print the packages among "$@" that are not installed.
apt_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

# ensure_apt [--no-install-recommends] pkg...: install the missing ones; apt-get update at most once.
ensure_apt() {
  local opts=()
  if [[ ${1:-} == --no-install-recommends ]]; then opts+=("$1"); shift; fi
  local missing
  missing=$(apt_missing "$@")
  [[ -z $missing ]] && return 0
  need_root "apt-get install $missing"
  # shellcheck disable=SC2086
  set -- $missing
  if [[ $_APT_UPDATED -eq 0 ]]; then
    logrun "apt-get update" apt-get -o DPkg::Lock::Timeout=600 update
    _APT_UPDATED=1
  fi
  logrun "apt-get install" apt-get -o DPkg::Lock::Timeout=600 install -y "${opts[@]}" "$@"
  missing=$(apt_missing "$@")
  [[ -z $missing ]] || die "apt packages still missing after install: $missing"
  ACTIONS+=("apt:$*")
}

# npm package version installed under a prefix, or nothing.
npm_version() {  # npm_version <prefix> <package>
  local pj=$1/node_modules/$2/package.json
  [[ -f $pj ]] && node -p "require(process.argv[1]).version" "$pj" 2>/dev/null || true
}

# ensure_npm <prefix> <package> <version>
ensure_npm() {
  local prefix=$1 pkg=$2 ver=$3
  [[ $(npm_version "$prefix" "$pkg") == "$ver" ]] && return 0
  command -v npm >/dev/null || die "npm not found (Node 20 + npm are expected on this machine)"
  mkdir -p "$prefix"
  logrun "npm install $pkg@$ver" npm install --prefix "$prefix" --no-audit --no-fund --no-update-notifier "$pkg@$ver"
  [[ $(npm_version "$prefix" "$pkg") == "$ver" ]] || die "npm did not install $pkg@$ver under $prefix"
  ACTIONS+=("npm:$pkg@$ver")
}

# Content of the env file to be: a header with the fingerprint, then the lines given on stdin.
#   env_content <fingerprint> <<EOF ... EOF
env_content() {
  echo "# written by scripts/toolchains/$TOOL_NAME.sh; source it, do not edit"
  echo "# fingerprint: $1"
  cat
}

# True when the env file exists with exactly this content (and --verify was not asked).
env_is_current() {
  [[ $FORCE_VERIFY != 1 && -f $ENV_FILE ]] && [[ "$(cat "$ENV_FILE")" == "$1" ]]
}

write_env() {
  local tmp=$ENV_FILE.tmp.$$
  printf '%s\n' "$1" >"$tmp" && mv -f "$tmp" "$ENV_FILE" || die "cannot write $ENV_FILE"
}

parse_common_args() {
  local a
  for a in "$@"; do
    case $a in
      --verify) FORCE_VERIFY=1 ;;
    esac
  done
}

# elapsed seconds since the script started
elapsed() { echo "$SECONDS"; }

summary() {  # summary <status word> <details>
  local acts="nothing installed"
  [[ ${#ACTIONS[@]} -gt 0 ]] && acts="installed ${ACTIONS[*]}"
  echo "$TOOL_NAME: $1: $2; $acts; env $ENV_FILE (${SECONDS}s)"
}
