package org.citykit

import java.io.File
import java.util.Collections
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay
import kotlinx.coroutines.withTimeout
import org.citykit.core.ErrorDomain
import org.citykit.core.LoginState
import org.citykit.core.PresencePurpose
import org.citykit.core.TrustConfig
import org.citykit.core.clientConfig
import org.junit.jupiter.api.io.TempDir

/** The Kotlin face's glue: defaults from the core, Personal, callbacks and their threads. */
class FacesTest : SimulatorTest() {
    @Test
    fun `CityKit config is the core's clientConfig with the named overrides`() {
        val args = arrayOf("/tmp/unused", "https://id.city.example", "app", "org.city.app:/oauth2redirect")
        val core = clientConfig(args[0], args[1], args[2], args[3])
        val config = CityKit.config(dataDir = args[0], issuer = args[1], clientId = args[2], redirectUri = args[3])
        assertEquals(core, config, "every default is the core's")
        assertFalse(config.net.trust.usePublicRoots, "the core trusts only the platform's roots unless told")
        assertTrue(core.net.requestTimeout > java.time.Duration.ZERO && core.net.connectTimeout > java.time.Duration.ZERO)

        val custom = CityKit.config(
            dataDir = args[0], issuer = args[1], clientId = args[2], redirectUri = args[3],
            extraRootCertificatesPem = listOf("PEM"), usePublicRoots = true, spkiPins = listOf("pin"),
            requestTimeout = 1500.milliseconds, apiBase = "https://api.city.example", scopes = listOf("openid"),
        )
        val expected = clientConfig(args[0], args[1], args[2], args[3]).run {
            copy(
                platform = platform.copy(apiBase = "https://api.city.example", scopes = listOf("openid")),
                net = net.copy(trust = TrustConfig(listOf("PEM"), listOf("pin"), true), requestTimeout = java.time.Duration.ofMillis(1500)),
            )
        }
        assertEquals(expected, custom)
    }

    @Test
    fun `Personal prints a redaction, exposes its value and compares by value`() {
        val name = Personal("张三")
        assertEquals("‹redacted›", name.toString())
        assertEquals("‹redacted›", Personal.REDACTED)
        assertEquals("张三", name.expose())
        assertEquals(Personal("张三"), name)
        assertEquals(Personal("张三").hashCode(), name.hashCode())
        assertNotEquals(Personal("李四"), name)
        assertEquals("[‹redacted›]", listOf(name).toString())
    }

    @Test
    fun `callbacks throw CallbackException, and the core reports its own typed error`(@TempDir dir: File) = citykitTest {
        val locked = assertFailsWith<CityKitException> {
            CityKit.open(offlineConfig(dir), KeyProvider { throw CallbackException.Unavailable("the keystore is locked") })
        }
        assertEquals("store.key_unavailable", locked.code())
        assertEquals(ErrorDomain.STORE, locked.domain())
        assertTrue("the keystore is locked" in locked.details(), locked.details())

        // Any other exception is the same error; only its class reaches the details, never its message.
        val thrown = assertFailsWith<CityKitException> {
            CityKit.open(offlineConfig(dir), KeyProvider { throw IllegalStateException("110101199001011234") })
        }
        assertEquals("store.key_unavailable", thrown.code())
        assertTrue("java.lang.IllegalStateException" in thrown.details(), thrown.details())
        assertFalse("110101199001011234" in thrown.details(), "the exception's message reached the details")

        var answer: (PresencePurpose) -> Boolean = { throw CallbackException.Unavailable("no biometrics enrolled") }
        val asked = Collections.synchronizedList(mutableListOf<PresencePurpose>())
        CityKit.open(sim.config(File(dir, "presence")), fixedKey(0x33), userPresence = UserPresence { asked += it; answer(it) }).use { client ->
            val subject = sim.login(client).subject
            val identity = client.identity()
            val unavailable = assertFailsWith<CityKitException> { identity.switchIdentity("enterprise-01") }
            assertEquals("auth.presence_unavailable", unavailable.code())
            assertEquals(ErrorDomain.AUTH, unavailable.domain())
            assertTrue("no biometrics enrolled" in unavailable.details(), unavailable.details())

            answer = { false }
            val denied = assertFailsWith<CityKitException> { identity.switchIdentity("enterprise-01") }
            assertEquals("auth.presence_denied", denied.code())
            assertEquals("citizen-01", identity.currentIdentity().id)
            assertEquals("citizen-01", identity.whoami().actingAs.id)
            assertEquals(LoginState.LoggedIn(subject, null), identity.loginState())
            assertEquals(List(2) { PresencePurpose.ActForEnterprise("enterprise-01") }, asked.toList())
        }
    }

    @Test
    fun `the login-state listener runs on its own thread, never a runtime worker`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x31)).use { client ->
            val identity = client.identity()
            val calls = Collections.synchronizedList(mutableListOf<Pair<LoginState, String>>())
            val handle = identity.subscribeLoginState(object : LoginStateListener {
                override fun onLoginState(state: LoginState) {
                    // Calling back into the client must not deadlock: no lock is held.
                    identity.loginState()
                    calls += state to osThreadName()
                }
            })
            sim.login(client)
            identity.logout()
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
}
