#!/usr/bin/env bash
# Kotlin/JVM toolchain for the UniFFI Kotlin bindings tests (see shared TOOLCHAINS.md, "Kotlin on the JVM").
# Installs: apt libjna-java junit5 (+ a JRE only if `java` is missing), npm kotlin-compiler@2.4.20 into
# $CITYKIT_TOOLS_DIR/kotlin. Verifies with a tiny Kotlin program (coroutines + JNA) and a JUnit 5 run.
# Writes $CITYKIT_TOOLS_DIR/kotlin.env: KOTLINC KOTLIN_LIB KOTLIN_CP JNA_JAR JUNIT_CONSOLE
# Usage: kotlin.sh [--verify]
set -euo pipefail
TOOL_NAME=kotlin
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_common_args "$@"

KOTLIN_VERSION=2.4.20
PREFIX=$CITYKIT_TOOLS_DIR/kotlin
KOTLINC=$PREFIX/node_modules/kotlin-compiler/bin/kotlinc
KOTLIN_LIB=$PREFIX/node_modules/kotlin-compiler/lib
J=/usr/share/java

init_tools_dir

# --- JDK (present on this machine kind; installed only if missing)
if ! command -v java >/dev/null 2>&1; then
  ensure_apt default-jre-headless
fi
JAVA_VERSION=$(java -version 2>&1 | head -n 1) || die "java -version does not run"

# --- apt: JNA and JUnit 5
ensure_apt libjna-java junit5

# --- npm: the full kotlinc distribution
kotlinc_version() { [[ -x $KOTLINC ]] && "$KOTLINC" -version 2>&1 | grep -o 'kotlinc-jvm [0-9.]*' | cut -d' ' -f2 || true; }
KV=$(kotlinc_version)
if [[ $KV != "$KOTLIN_VERSION" ]]; then
  mkdir -p "$PREFIX"
  logrun "npm install kotlin-compiler" npm install --prefix "$PREFIX" --no-audit --no-fund --no-update-notifier "kotlin-compiler@$KOTLIN_VERSION"
  ACTIONS+=("npm:kotlin-compiler@$KOTLIN_VERSION")
  KV=$(kotlinc_version)
  [[ $KV == "$KOTLIN_VERSION" ]] || die "kotlinc at $KOTLINC reports '${KV:-nothing}', expected $KOTLIN_VERSION"
fi

JNA_JAR=$J/jna.jar
JUNIT_CONSOLE=$J/junit-platform-console-standalone.jar
KOTLIN_CP=$J/jna.jar:$KOTLIN_LIB/kotlinx-coroutines-core-jvm.jar:$KOTLIN_LIB/kotlin-test.jar:$KOTLIN_LIB/kotlin-test-junit5.jar:$J/junit-jupiter-api.jar:$J/apiguardian-api.jar:$J/opentest4j.jar
for f in ${KOTLIN_CP//:/ } "$JUNIT_CONSOLE" "$KOTLIN_LIB/kotlin-stdlib.jar"; do
  [[ -f $f ]] || die "expected file missing: $f"
done

FINGERPRINT="kotlinc=$KV; $JAVA_VERSION; libjna-java=$(dpkg-query -W -f='${Version}' libjna-java); junit5=$(dpkg-query -W -f='${Version}' junit5)"
CONTENT=$(env_content "$FINGERPRINT" <<EOF
export KOTLINC=$KOTLINC
export KOTLIN_LIB=$KOTLIN_LIB
export KOTLIN_CP=$KOTLIN_CP
export JNA_JAR=$JNA_JAR
export JUNIT_CONSOLE=$JUNIT_CONSOLE
EOF
)

if env_is_current "$CONTENT"; then
  summary ok "kotlinc $KV, $JAVA_VERSION (verified before)"
  exit 0
fi

# --- verify: compile and run a tiny program + JUnit 5 tests, in a scratch dir under /tmp
WORK=$(mktemp -d /tmp/citykit-kotlin-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/src" "$WORK/out"
cat >"$WORK/src/Probe.kt" <<'EOF'
package org.citykit.toolcheck

import com.sun.jna.Library
import com.sun.jna.Native
import com.sun.jna.Platform
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking

interface CLib : Library {
    fun getpid(): Int
}

object Probe {
    fun pid(): Int = Native.load(Platform.C_LIBRARY_NAME, CLib::class.java).getpid()
    fun sum(): Int = runBlocking {
        (1..3).map { n -> async(Dispatchers.Default) { delay(10); n } }.awaitAll().sum()
    }
}

fun main() {
    println("probe pid=${Probe.pid()} sum=${Probe.sum()}")
}
EOF
cat >"$WORK/src/ProbeTest.kt" <<'EOF'
package org.citykit.toolcheck

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking

class ProbeTest {
    @Test
    fun jnaCallsLibc() {
        assertTrue(Probe.pid() > 0)
    }

    @Test
    fun coroutinesRun() = runBlocking {
        assertEquals(6, Probe.sum())
    }
}
EOF
logrun "kotlinc (sample)" "$KOTLINC" -nowarn -cp "$KOTLIN_CP" "$WORK/src/Probe.kt" "$WORK/src/ProbeTest.kt" -d "$WORK/out"
RUN_CP=$WORK/out:$KOTLIN_LIB/kotlin-stdlib.jar:$KOTLIN_CP
OUT=$(java -cp "$RUN_CP" org.citykit.toolcheck.ProbeKt 2>&1) || { log "$OUT"; die "sample program failed"; }
log "$OUT"
[[ $OUT == *"sum=6"* ]] || die "sample program printed: $OUT"
logrun "junit console (sample)" java -jar "$JUNIT_CONSOLE" --disable-banner --details=summary --fail-if-no-tests \
  -cp "$RUN_CP" --select-package org.citykit.toolcheck
grep -q '2 tests successful' "$LOG_FILE" || die "JUnit did not report 2 successful tests"

write_env "$CONTENT"
summary ok "kotlinc $KV, $JAVA_VERSION, sample compiled and 2 JUnit tests passed"
