package org.citykit

import java.io.File
import java.util.Collections
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import org.citykit.core.ErrorDomain
import org.citykit.core.IdentityKind
import org.citykit.core.LoginState
import org.citykit.core.PresencePurpose
import org.junit.jupiter.api.io.TempDir

/**
 * The one journey (a smoke test of the Kotlin API an app uses, over HTTPS against the simulator),
 * and the login state as a Flow and as a listener with its TaskHandle.
 */
class JourneyTest : SimulatorTest() {
    @Test
    fun `logs in over HTTPS, acts for an enterprise and back, logs out`(@TempDir dir: File) = citykitTest {
        val asked = Collections.synchronizedList(mutableListOf<PresencePurpose>())
        CityKit.open(sim.config(dir), fixedKey(0x11), userPresence = UserPresence { asked += it; true }).use { client ->
            val identity = client.identity()
            assertEquals(LoginState.LoggedOut, identity.loginState())
            assertNull(identity.account())
            val nobody = identity.logout()
            assertEquals(Triple(false, false, 0u), Triple(nobody.hadSession, nobody.revokedAtServer, nobody.discardedUnsent))

            val account = sim.login(client)
            assertTrue(account.subject.isNotEmpty())
            assertEquals(account, identity.account())
            assertEquals(LoginState.LoggedIn(account.subject, null), identity.loginState())

            val identities = identity.identities()
            val person = identities.first()
            assertEquals("citizen-01", person.id)
            assertEquals(IdentityKind.PERSON, person.kind)
            assertEquals(account.name, person.name)
            val enterprises = identities.drop(1).associateBy { it.id }
            assertEquals(setOf("enterprise-01", "enterprise-02"), enterprises.keys)
            assertTrue(enterprises.values.all { it.kind == IdentityKind.ENTERPRISE && !it.uscc.isNullOrEmpty() })
            assertEquals("legal_representative", enterprises.getValue("enterprise-01").role)
            assertEquals("agent", enterprises.getValue("enterprise-02").role)
            assertEquals("citizen-01", identity.currentIdentity().id)

            assertEquals("enterprise-01", identity.switchIdentity("enterprise-01").id)
            assertEquals(listOf<PresencePurpose>(PresencePurpose.ActForEnterprise("enterprise-01")), asked.toList())
            val asEnterprise = identity.whoami()
            assertEquals("enterprise-01", asEnterprise.actingAs.id)
            assertEquals("citizen-01", asEnterprise.person.id)
            assertEquals("enterprise-01", identity.currentIdentity().id)
            assertEquals(LoginState.LoggedIn(account.subject, "enterprise-01"), identity.loginState())

            assertEquals("citizen-01", identity.switchIdentity("citizen-01").id)
            assertEquals(1, asked.size, "acting as oneself needs no presence check")
            assertEquals("citizen-01", identity.whoami().actingAs.id)

            val out = identity.logout(discardUnsent = true)
            assertEquals(Triple(true, true, 0u), Triple(out.hadSession, out.revokedAtServer, out.discardedUnsent))
            assertEquals(LoginState.LoggedOut, identity.loginState())
            assertNull(identity.account())
            val e = assertFailsWith<CityKitException> { identity.whoami() }
            assertEquals("auth.not_logged_in", e.code())
            assertEquals(ErrorDomain.AUTH, e.domain())
        }
    }

    @Test
    fun `loginStates emits the current state, then each change once`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x13), userPresence = UserPresence { true }).use { client ->
            val identity = client.identity()
            // A collection that stops early (first) must cancel its subscription and return.
            assertEquals(LoginState.LoggedOut, identity.loginStates().first())

            val seen = Channel<LoginState>(Channel.UNLIMITED)
            val collector = launch { identity.loginStates().collect { seen.send(it) } }
            suspend fun next(): LoginState = withTimeout(10.seconds) { seen.receive() }

            assertEquals(LoginState.LoggedOut, next())
            val subject = sim.login(client).subject
            assertEquals(LoginState.LoggedIn(subject, null), next())
            identity.switchIdentity("enterprise-01")
            assertEquals(LoginState.LoggedIn(subject, "enterprise-01"), next())
            identity.switchIdentity("citizen-01")
            assertEquals(LoginState.LoggedIn(subject, null), next())
            identity.logout()
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
            val handle = client.identity().subscribeLoginState(object : LoginStateListener {
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
