#!/usr/bin/env bash
# The Kotlin tests CityKit's CI can run: the UniFFI-generated bindings (the core's records and
# enums in org.citykit.core, the objects in org.citykit), Personal.kt and the idiomatic layer,
# compiled with a real kotlinc and run with JUnit 5 on the JVM against the host library
# (android/README.md, "Tests"). Android itself (AAR, NDK, emulator) cannot be built here.
#
# Needs, already built: the bindings with test hooks (`cargo xtask bindings --test-hooks`, which
# also builds the library) and the simulator (`cargo build -p citykit-sim`).
#
# Environment (all optional):
#   CITYKIT_FFI_LIB_DIR  directory of libcitykit_ffi.so   (default: $CARGO_TARGET_DIR or target, /debug)
#   CITYKIT_SIM_BIN      the simulator binary              (default: the same directory's citykit-sim)
#   CITYKIT_BUILD_DIR    build outputs go to its kotlin/   (default: /var/tmp/citykit-build)
#   CITYKIT_TOOLS_DIR    where kotlin.sh installs kotlinc  (default: /var/cache/citykit-tools)
#
# Compiled jars are cached by content hash: unchanged bindings (about a minute to compile) are not
# recompiled, and neither are an unchanged layer or unchanged tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
[[ $target == /* ]] || target=$repo/$target
lib_dir=${CITYKIT_FFI_LIB_DIR:-$target/debug}
export CITYKIT_SIM_BIN=${CITYKIT_SIM_BIN:-$target/debug/citykit-sim}
build=${CITYKIT_BUILD_DIR:-/var/tmp/citykit-build}/kotlin

main_src=$here/citykit/src/main/kotlin/org/citykit
core_kt=$main_src/core/citykit_core.kt
bindings_kt=$main_src/citykit_ffi.kt
personal_kt=$main_src/Personal.kt
layer_kt=$main_src/CityKit.kt
test_src=$here/citykit/src/test/kotlin/org/citykit

die() { echo "android/run-tests.sh: $*" >&2; exit 1; }

for kt in "$core_kt" "$bindings_kt"; do
  [[ -f $kt ]] || die "no generated bindings at $kt: run 'cargo xtask bindings --test-hooks'"
done
grep -q 'fun `debugPanic`' "$bindings_kt" ||
  die "the bindings lack the test hooks (debugPanic): run 'cargo xtask bindings --test-hooks'"
[[ -f $lib_dir/libcitykit_ffi.so ]] || die "no libcitykit_ffi.so in $lib_dir (set CITYKIT_FFI_LIB_DIR)"
[[ -x $CITYKIT_SIM_BIN ]] || die "no simulator at $CITYKIT_SIM_BIN: run 'cargo build -p citykit-sim' (or set CITYKIT_SIM_BIN)"

bash "$repo/scripts/toolchains/kotlin.sh"
# shellcheck source=/dev/null
source "${CITYKIT_TOOLS_DIR:-/var/cache/citykit-tools}/kotlin.env"

mkdir -p "$build"
kotlinc_version=$("$KOTLINC" -version 2>&1 | grep -o 'kotlinc-jvm [0-9.]*')

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# cached_jar NAME CLASSPATH FILES...: compiles FILES into $build/NAME-<hash>.jar unless that jar
# exists; the hash covers the sources, the compiler and the classpath jars' names and sizes.
# Sets JAR to the jar's path and records the time taken. Older NAME-*.jar files are removed.
timings=()
cached_jar() {
  local name=$1 cp=$2; shift 2
  local hash jar tmp start
  hash=$( { echo "$kotlinc_version"; echo "$cp" | tr ':' '\n' | xargs -r ls -l 2>/dev/null | awk '{print $5, $NF}'; cat "$@"; } |
    sha256sum | cut -c1-16)
  jar=$build/$name-$hash.jar
  if [[ -f $jar ]]; then
    echo "kotlin: $name: cached ($(basename "$jar"))"
    timings+=("$name: cached")
  else
    start=$(now)
    tmp=$build/.$name-$hash.$$.jar
    echo "kotlin: compiling $name ($# files)..."
    "$KOTLINC" -nowarn -cp "$cp" "$@" -d "$tmp" || { rm -f "$tmp"; die "kotlinc failed for $name"; }
    mv "$tmp" "$jar"
    find "$build" -maxdepth 1 -name "$name-*.jar" ! -name "$(basename "$jar")" -delete
    local took; took=$(since "$start")
    echo "kotlin: $name compiled in $took s"
    timings+=("$name: $took s")
  fi
  JAR=$jar
}

# The generated core bindings lift personal data into the hand-written Personal (Personal.kt), so
# they are compiled together, with the objects' bindings that use the core's records.
cached_jar bindings "$KOTLIN_CP" "$personal_kt" "$core_kt" "$bindings_kt"; bindings_jar=$JAR
cached_jar layer "$bindings_jar:$KOTLIN_CP" "$layer_kt"; layer_jar=$JAR
mapfile -t tests < <(find "$test_src" -name '*.kt' | sort)
(( ${#tests[@]} > 0 )) || die "no test sources under $test_src"
cached_jar tests "$layer_jar:$bindings_jar:$KOTLIN_CP" "${tests[@]}"; tests_jar=$JAR

run_cp=$tests_jar:$layer_jar:$bindings_jar:$KOTLIN_LIB/kotlin-stdlib.jar:$KOTLIN_CP
reports=$build/reports
rm -rf "$reports"
# --scan-classpath, not --select-package: kotlinc writes jars without directory entries, and
# JUnit's package scan then finds no classes in them.
echo "kotlin: running the tests"
start=$(now)
status=0
(cd "$build" && java -Djna.library.path="$lib_dir" -jar "$JUNIT_CONSOLE" \
  --disable-banner --details=tree --fail-if-no-tests --reports-dir "$reports" \
  -cp "$run_cp" --scan-classpath "$tests_jar" --include-package org.citykit) || status=$?
timings+=("test run: $(since "$start") s")

summary=$(printf '%s, ' "${timings[@]}")
echo "kotlin: ${summary%, }"
if (( status != 0 )); then
  echo "kotlin: FAILED (JUnit exit $status; XML reports in $reports)" >&2
fi
exit "$status"
