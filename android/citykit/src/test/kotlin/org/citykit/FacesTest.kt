package org.citykit

import java.io.File
import java.util.Collections
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.io.TempDir

/** The Kotlin face's glue: defaults come from the core; listeners run on their own thread. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FacesTest {
    private lateinit var sim: Simulator

    @BeforeAll
    fun startSimulator() {
        sim = Simulator()
    }

    @AfterAll
    fun stopSimulator() {
        sim.close()
    }

    @Test
    fun `CityKit config takes every default from the core`() {
        val core = coreDefaults()
        val config = CityKit.config(
            dataDir = "/tmp/unused",
            issuer = "https://id.city.example",
            clientId = "app",
            redirectUri = "org.city.app:/oauth2redirect",
        )
        assertEquals(core.usePublicRoots, config.usePublicRoots)
        assertFalse(config.usePublicRoots, "the core trusts only the platform's roots unless told")
        assertEquals(core.scopes, config.scopes)
        assertEquals(core.scopes, CityKit.DEFAULT_SCOPES)
        assertEquals(0uL, config.requestTimeoutMs, "0 leaves the timeout to the core")
        assertEquals(core, CityKit.defaults)
        assertTrue(core.requestTimeoutMs > 0uL && core.connectTimeoutMs > 0uL)
        assertEquals(30uL * 24uL * 3600uL, core.draftMaxAgeSecs)
    }

    /** The OS name of the calling thread (a JVM name says nothing about a native thread). */
    private fun osThreadName(): String = File("/proc/thread-self/comm").readText().trim()

    @Test
    fun `the login-state listener runs on its own thread, never a runtime worker`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x31)).use { client ->
            val calls = Collections.synchronizedList(mutableListOf<Pair<LoginState, String>>())
            val handle = client.subscribeLoginState(object : LoginStateListener {
                override fun onLoginState(state: LoginState) {
                    // Calling back into the client must not deadlock: no lock is held.
                    client.loginState()
                    calls += state to osThreadName()
                }
            })
            sim.login(client)
            client.logout()
            withTimeout(10.seconds) { while (calls.size < 3) delay(10.milliseconds) }
            handle.cancel()
            handle.close()
            val seen = calls.toList()
            assertEquals(LoginState.LoggedOut, seen.first().first, "the current state first: $seen")
            assertEquals(LoginState.LoggedOut, seen.last().first, "$seen")
            val names = seen.map { it.second }.toSet()
            // Runtime workers are named "citykit" (bindings/citykit-ffi/src/runtime.rs).
            assertFalse("citykit" in names, "the listener ran on a runtime worker: $names")
            assertEquals(setOf("citykit-login"), names)
        }
    }

    @Test
    fun `logout takes discardUnsent and reports the session and what it discarded`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x32)).use { client ->
            val nobody = client.logout()
            assertEquals(Triple(false, false, 0u), Triple(nobody.hadSession, nobody.revokedAtServer, nobody.discardedUnsent))
            sim.login(client)
            val out = client.logout(discardUnsent = true)
            assertEquals(Triple(true, true, 0u), Triple(out.hadSession, out.revokedAtServer, out.discardedUnsent))
        }
    }
}
