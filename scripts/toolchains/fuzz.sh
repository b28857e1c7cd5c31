#!/usr/bin/env bash
# cargo-fuzz (libFuzzer) for the fuzz/ crate: `cargo xtask test fuzz` runs it.
# Installs: apt build-essential (libFuzzer is C++, built by libfuzzer-sys);
#   `cargo install cargo-fuzz --version V --locked` into $CITYKIT_TOOLS_DIR/cargo-fuzz-V (about 2 minutes cold).
# Needs: rustup's nightly-x86_64-unknown-linux-gnu toolchain, already installed (it cannot be downloaded
#   here, so this script never tries: it fails with a message instead).
# Verifies: cargo-fuzz runs and reports V; `cargo +nightly` and `rustc +nightly` run.
# Writes $CITYKIT_TOOLS_DIR/fuzz.env: CARGO_FUZZ CARGO_FUZZ_BIN_DIR CARGO_FUZZ_VERSION FUZZ_TOOLCHAIN
# Usage: fuzz.sh [--verify]
# Run with:  PATH=$CARGO_FUZZ_BIN_DIR:$PATH cargo +$FUZZ_TOOLCHAIN fuzz build   (inside the repo)
set -euo pipefail
TOOL_NAME=fuzz
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_common_args "$@"

CARGO_FUZZ_VERSION=0.13.2
FUZZ_TOOLCHAIN=nightly
NIGHTLY_NAME=nightly-x86_64-unknown-linux-gnu
ROOT=$CITYKIT_TOOLS_DIR/cargo-fuzz-$CARGO_FUZZ_VERSION
CARGO_FUZZ=$ROOT/bin/cargo-fuzz

init_tools_dir

# --- the nightly toolchain (sanitizer-coverage flags need it); never downloaded here
command -v rustup >/dev/null || die "rustup not found: the fuzz stage needs rustup's $NIGHTLY_NAME toolchain"
rustup toolchain list 2>/dev/null | awk '{print $1}' | grep -qx "$NIGHTLY_NAME" ||
  die "the $NIGHTLY_NAME toolchain is not installed (rustup toolchain list); it cannot be downloaded here"
# RUSTUP_AUTO_INSTALL=0: a missing component must fail, not start a download.
NIGHTLY_RUSTC=$(RUSTUP_AUTO_INSTALL=0 rustc "+$FUZZ_TOOLCHAIN" -V 2>&1) || die "rustc +$FUZZ_TOOLCHAIN -V fails: $NIGHTLY_RUSTC"
NIGHTLY_CARGO=$(RUSTUP_AUTO_INSTALL=0 cargo "+$FUZZ_TOOLCHAIN" -V 2>&1) || die "cargo +$FUZZ_TOOLCHAIN -V fails: $NIGHTLY_CARGO"

# --- a C++ compiler for libFuzzer
ensure_apt build-essential

# --- cargo-fuzz from crates.io (built with the default, stable, toolchain)
cf_version() { [[ -x $CARGO_FUZZ ]] && "$CARGO_FUZZ" --version 2>/dev/null | awk '{print $2}' || true; }
if [[ $(cf_version) != "$CARGO_FUZZ_VERSION" ]]; then
  # A target dir next to the install root lets an interrupted build resume; removed on success.
  logrun "cargo install cargo-fuzz $CARGO_FUZZ_VERSION (about 2 minutes)" \
    env -u RUSTUP_TOOLCHAIN CARGO_TARGET_DIR="$ROOT.build" cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$ROOT" --force
  [[ $(cf_version) == "$CARGO_FUZZ_VERSION" ]] || die "$CARGO_FUZZ does not report $CARGO_FUZZ_VERSION"
  rm -rf "$ROOT.build"
  ACTIONS+=("cargo:cargo-fuzz@$CARGO_FUZZ_VERSION")
fi

FINGERPRINT="cargo-fuzz $CARGO_FUZZ_VERSION; $NIGHTLY_RUSTC; $NIGHTLY_CARGO"
CONTENT=$(env_content "$FINGERPRINT" <<EOF
# run: PATH=\$CARGO_FUZZ_BIN_DIR:\$PATH cargo +\$FUZZ_TOOLCHAIN fuzz build
export CARGO_FUZZ=$CARGO_FUZZ
export CARGO_FUZZ_BIN_DIR=$ROOT/bin
export CARGO_FUZZ_VERSION=$CARGO_FUZZ_VERSION
export FUZZ_TOOLCHAIN=$FUZZ_TOOLCHAIN
EOF
)

if env_is_current "$CONTENT"; then
  summary ok "cargo-fuzz $CARGO_FUZZ_VERSION, $NIGHTLY_RUSTC (verified before)"
  exit 0
fi

# --- verify: cargo finds the subcommand through PATH, with the nightly toolchain
OUT=$(PATH=$ROOT/bin:$PATH RUSTUP_AUTO_INSTALL=0 cargo "+$FUZZ_TOOLCHAIN" fuzz --version 2>&1) ||
  die "cargo +$FUZZ_TOOLCHAIN fuzz --version fails: $OUT"
[[ $OUT == *"$CARGO_FUZZ_VERSION"* ]] || die "cargo +$FUZZ_TOOLCHAIN fuzz --version says '$OUT', expected $CARGO_FUZZ_VERSION"

write_env "$CONTENT"
summary ok "cargo-fuzz $CARGO_FUZZ_VERSION, $NIGHTLY_RUSTC (verified)"
