package org.citykit

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.citykit.core.ErrorDomain
import org.citykit.core.Language
import org.citykit.core.PushAction
import org.citykit.core.SubmissionOutcome
import org.junit.jupiter.api.io.TempDir

/**
 * Encrypted push through the Kotlin face: the device subscribes, a submitted case queues one
 * encrypted notice at the simulated carrier, and the body the shell takes from it is handed in:
 * shown once, then a duplicate; garbage is refused. The behaviour is tested in the core
 * (core/tests/integration/push.rs); this tests the glue.
 */
class PushTest : SimulatorTest() {
    @Test
    fun `a pushed notice is shown once and garbage is refused`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x52)).use { client ->
            sim.login(client, user = CITIZEN)
            client.wallet().fetchLicences()
            client.catalogue().sync()
            val push = client.push()
            assertNull(push.subscription())

            val subscription = push.subscribe(ENDPOINT)
            assertEquals(ENDPOINT, subscription.endpoint)
            // A 65-byte uncompressed P-256 point and a 16-byte secret, base64url without padding.
            // (Public keys only: the subscription may be printed.)
            assertEquals(Pair(87, 22), Pair(subscription.p256dh.length, subscription.auth.length), subscription.toString())
            assertEquals(subscription, push.subscription())

            val form = filledForm(client, MANUAL_ITEM)
            val caseId = assertIs<SubmissionOutcome.Accepted>(client.cases().submit(form.draftId)).case.id
            val bodies = sim.takePushes(ENDPOINT)
            assertEquals(1, bodies.size, "one notice: the case is in review")

            val shown = push.receive(bodies[0], Language.EN)
            assertEquals(caseId, shown.item.caseId)
            val show = assertIs<PushAction.Show>(shown.action)
            assertTrue(caseId in show.body, show.body)
            assertEquals("citykit://case/$caseId", show.deepLink)

            // The carrier delivers it again: nothing to show.
            val again = push.receive(bodies[0], Language.EN)
            assertEquals(PushAction.Duplicate, again.action)
            assertEquals(shown.item.id, again.item.id)

            val refused = assertFailsWith<CityKitException> { push.receive("not a push".toByteArray(), Language.EN) }
            assertEquals(Pair("push.malformed", ErrorDomain.PUSH), Pair(refused.code(), refused.domain()))
        }
    }

    private companion object {
        const val CITIZEN = "citizen-03"

        /** Reviewed by hand: submitting it queues one case_status notice (in review). */
        const val MANUAL_ITEM = "criminal-record-certificate"
        const val ENDPOINT = "https://carrier.example/kotlin-device"
    }
}
