package org.citykit

import java.io.File
import java.util.Collections
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.io.TempDir

/** The citizen journey over HTTPS against the simulator, through the Kotlin API an app uses. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JourneyTest {
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
    fun `logs in over HTTPS, acts for an enterprise and back, logs out`(@TempDir dir: File) = citykitTest {
        val asked = Collections.synchronizedList(mutableListOf<PresencePurpose>())
        CityKit.open(sim.config(dir), fixedKey(0x11), userPresence = UserPresence { asked += it; true }).use { client ->
            assertEquals(LoginState.LoggedOut, client.loginState())
            assertNull(client.account())

            val account = sim.login(client)
            assertTrue(account.subject.isNotEmpty())
            assertEquals(account, client.account())
            assertEquals(LoginState.LoggedIn(account.subject, null), client.loginState())

            val identities = client.identities()
            val person = identities.first()
            assertEquals("citizen-01", person.id)
            assertEquals(IdentityKind.PERSON, person.kind)
            val enterprises = identities.drop(1).associateBy { it.id }
            assertEquals(setOf("enterprise-01", "enterprise-02"), enterprises.keys)
            assertTrue(enterprises.values.all { it.kind == IdentityKind.ENTERPRISE && !it.uscc.isNullOrEmpty() })
            assertEquals("legal_representative", enterprises.getValue("enterprise-01").role)
            assertEquals("agent", enterprises.getValue("enterprise-02").role)
            assertEquals("citizen-01", client.currentIdentity().id)

            assertEquals("enterprise-01", client.switchIdentity("enterprise-01").id)
            assertEquals(listOf<PresencePurpose>(PresencePurpose.ActForEnterprise("enterprise-01")), asked.toList())
            val asEnterprise = client.whoami()
            assertEquals("enterprise-01", asEnterprise.actingAs.id)
            assertEquals("citizen-01", asEnterprise.person.id)
            assertEquals("enterprise-01", client.currentIdentity().id)
            assertEquals(LoginState.LoggedIn(account.subject, "enterprise-01"), client.loginState())

            assertEquals("citizen-01", client.switchIdentity("citizen-01").id)
            assertEquals(1, asked.size, "acting as oneself needs no presence check")
            assertEquals("citizen-01", client.whoami().actingAs.id)

            assertTrue(client.logout().revokedAtServer)
            assertEquals(LoginState.LoggedOut, client.loginState())
            assertNull(client.account())
            val e = assertFailsWith<CityKitException.Auth> { client.whoami() }
            assertEquals("auth.not_logged_in", e.code)
        }
    }

    @Test
    fun `declining the presence check keeps acting as the person`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x12), userPresence = UserPresence { false }).use { client ->
            sim.login(client)
            val e = assertFailsWith<CityKitException.Auth> { client.switchIdentity("enterprise-01") }
            assertEquals("auth.presence_denied", e.code)
            assertEquals("citizen-01", client.currentIdentity().id)
            assertEquals("citizen-01", client.whoami().actingAs.id)
            assertNull(assertIs<LoginState.LoggedIn>(client.loginState()).actingFor)
        }
    }

    @Test
    fun `loginStates emits the current state, then each change once`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x13), userPresence = UserPresence { true }).use { client ->
            // A collection that stops early (first) must cancel its subscription and return.
            assertEquals(LoginState.LoggedOut, client.loginStates().first())

            val seen = Channel<LoginState>(Channel.UNLIMITED)
            val collector = launch { client.loginStates().collect { seen.send(it) } }
            suspend fun next(): LoginState = withTimeout(10.seconds) { seen.receive() }

            assertEquals(LoginState.LoggedOut, next())
            val subject = sim.login(client).subject
            assertEquals(LoginState.LoggedIn(subject, null), next())
            client.switchIdentity("enterprise-01")
            assertEquals(LoginState.LoggedIn(subject, "enterprise-01"), next())
            client.switchIdentity("citizen-01")
            assertEquals(LoginState.LoggedIn(subject, null), next())
            client.logout()
            assertEquals(LoginState.LoggedOut, next())

            collector.cancel()
            collector.join()
            assertTrue(seen.tryReceive().isFailure, "no state beyond the five expected: ${seen.tryReceive()}")
        }
    }

    @Test
    fun `a cancelled TaskHandle stops its listener`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x14)).use { client ->
            val seen = Collections.synchronizedList(mutableListOf<LoginState>())
            val handle = client.subscribeLoginState(object : LoginStateListener {
                override fun onLoginState(state: LoginState) {
                    seen += state
                }
            })
            withTimeout(10.seconds) { while (seen.isEmpty()) delay(10.milliseconds) }
            handle.cancel()
            handle.close()
            sim.login(client)
            delay(300.milliseconds)
            assertEquals(listOf<LoginState>(LoginState.LoggedOut), seen.toList())
        }
    }
}
