package org.citykit

import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/** Runs a test body in a coroutine, failing it (instead of hanging the run) after [timeout]. */
fun citykitTest(timeout: Duration = 60.seconds, body: suspend CoroutineScope.() -> Unit) {
    runBlocking { withTimeout(timeout) { body() } }
}

/** A key provider that always gives the same 32 bytes (tests only; apps use the Keystore). */
fun fixedKey(byte: Int): KeyProvider = KeyProvider { ByteArray(32) { byte.toByte() } }

/** A configuration for tests that never reach the network (opening a client touches none). */
fun offlineConfig(dataDir: java.io.File): ClientConfig = CityKit.config(
    dataDir = dataDir.path,
    issuer = "https://id.city.invalid",
    clientId = "citykit-demo",
    redirectUri = "org.citykit.demo:/oauth2redirect",
    // The core trusts no roots by default; a client needs some to open, though none is used here.
    usePublicRoots = true,
)
