#!/usr/bin/env bash
# A Python virtual environment for QA-side checks: an independent SQLCipher 4 reader
# (sqlcipher3-binary, from PyPI). Idempotent; quick when present.
set -euo pipefail
TOOLS="${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}"
VENV="$TOOLS/py"
mkdir -p "$TOOLS"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import sqlcipher3" 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check sqlcipher3-binary
fi
echo "export CITYKIT_QA_PYTHON=$VENV/bin/python" > "$TOOLS/python-qa.env"
echo "python-qa: $("$VENV/bin/python" -c "import sqlcipher3; print('sqlcipher', sqlcipher3.connect(':memory:').execute('pragma cipher_version').fetchone()[0])")"
