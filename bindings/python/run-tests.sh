#!/usr/bin/env bash
# Builds the citykit wheel from the generated bindings (run `cargo xtask bindings --test-hooks`
# first), installs it with pip into a fresh virtual environment, and runs the asyncio journey.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/python"
rm -rf "$build" && mkdir -p "$build"
[ -f "$here/citykit/citykit_ffi.py" ] || { echo "run 'cargo xtask bindings' first" >&2; exit 1; }
python3 -m venv "$build/venv"
"$build/venv/bin/pip" install --quiet --disable-pip-version-check pytest cryptography
# Build from a copy: setuptools writes build/ and *.egg-info next to the sources it builds.
mkdir -p "$build/src" && cp -r "$here/pyproject.toml" "$here/setup.py" "$here/citykit" "$build/src/"
"$build/venv/bin/pip" wheel --quiet --disable-pip-version-check --no-deps -w "$build/dist" "$build/src"
wheel=$(ls "$build"/dist/citykit-*.whl)
echo "built $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
"$build/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
cd "$build"   # import the installed wheel, not the source folder
"$build/venv/bin/python" -m pytest -q -p no:cacheprovider "$here/tests"
