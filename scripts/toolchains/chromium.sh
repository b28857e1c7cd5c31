#!/usr/bin/env bash
# Headless Chromium for end-to-end tests (see shared TOOLCHAINS.md, "Headless Chromium").
# Installs: apt chromium (Debian's build, /usr/bin/chromium), npm playwright-core into
# $CITYKIT_TOOLS_DIR/node (never `npx playwright install`: it downloads a browser), and npm
# typescript there (tsc type-checks the web package's declarations against a usage file).
# Verifies by launching /usr/bin/chromium headless through playwright-core and reading a data: page's title.
# Writes $CITYKIT_TOOLS_DIR/chromium.env: CHROMIUM CHROMIUM_FLAGS NODE_PATH TSC
# Usage: chromium.sh [--verify]
set -euo pipefail
TOOL_NAME=chromium
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_common_args "$@"

PLAYWRIGHT_VERSION=1.65.1
TYPESCRIPT_VERSION=5.9.3
NODE_PREFIX=$CITYKIT_TOOLS_DIR/node
NODE_MODULES=$NODE_PREFIX/node_modules
CHROMIUM=/usr/bin/chromium
# --headless and a fresh empty --user-data-dir are added by playwright's launch() itself;
# pass them yourself when starting chromium without playwright.
CHROMIUM_FLAGS="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync"

init_tools_dir
command -v node >/dev/null || die "node not found (Node 20 + npm are expected on this machine)"

ensure_apt chromium
[[ -x $CHROMIUM ]] || die "$CHROMIUM missing after installing the chromium package"
ensure_npm "$NODE_PREFIX" playwright-core "$PLAYWRIGHT_VERSION"
ensure_npm "$NODE_PREFIX" typescript "$TYPESCRIPT_VERSION"

FINGERPRINT="chromium=$(dpkg-query -W -f='${Version}' chromium); playwright-core=$PLAYWRIGHT_VERSION; typescript=$TYPESCRIPT_VERSION"
CONTENT=$(env_content "$FINGERPRINT" <<EOF
export CHROMIUM=$CHROMIUM
export CHROMIUM_FLAGS="$CHROMIUM_FLAGS"
export NODE_PATH=$NODE_MODULES
export TSC=$NODE_MODULES/typescript/bin/tsc
EOF
)

if env_is_current "$CONTENT"; then
  summary ok "chromium $(dpkg-query -W -f='${Version}' chromium), playwright-core $PLAYWRIGHT_VERSION, typescript $TYPESCRIPT_VERSION (verified before)"
  exit 0
fi

# --- verify: headless launch, data: URL, read back document.title
WORK=$(mktemp -d /tmp/citykit-chromium-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/probe.js" <<'EOF'
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: process.env.CHROMIUM_FLAGS.split(' ').filter((f) => f !== '--headless'),
    timeout: 60000,
  });
  try {
    const page = await browser.newPage();
    await page.goto('data:text/html,<html><head><title>citykit-probe</title></head><body>ok</body></html>');
    const title = await page.evaluate(() => document.title);
    console.log(`title=${title} version=${browser.version()}`);
    if (title !== 'citykit-probe') process.exitCode = 1;
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
EOF
logrun "node probe.js" env CHROMIUM="$CHROMIUM" CHROMIUM_FLAGS="$CHROMIUM_FLAGS" NODE_PATH="$NODE_MODULES" \
  HOME="$WORK" timeout 120 node "$WORK/probe.js"
grep -q '^title=citykit-probe ' "$LOG_FILE" || die "the page title was not read back"
BROWSER_VERSION=$(grep -o '^title=citykit-probe version=.*' "$LOG_FILE" | sed 's/.*version=//')

write_env "$CONTENT"
summary ok "chromium $BROWSER_VERSION headless via playwright-core $PLAYWRIGHT_VERSION, data: page title read back"
