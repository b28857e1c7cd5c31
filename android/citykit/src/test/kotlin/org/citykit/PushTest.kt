package org.citykit

import java.io.File
import java.time.OffsetDateTime
import java.time.ZoneOffset
import java.util.Collections
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.test.fail
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import org.citykit.core.ErrorDomain
import org.citykit.core.HeldBack
import org.citykit.core.InboxChange
import org.citykit.core.InboxChangeKind
import org.citykit.core.Language
import org.citykit.core.PushAction
import org.citykit.core.PushSettings
import org.citykit.core.QuietHours
import org.citykit.core.SubmissionOutcome
import org.junit.jupiter.api.io.TempDir

/**
 * Encrypted push through the Kotlin face: the device subscribes, a submitted case queues one
 * encrypted notice at the simulated carrier, and the body the shell takes from it is handed in:
 * shown once, then a duplicate; garbage is refused. The inbox's change feed as a Flow
 * (`cases.inboxChanges()`), and quiet hours. The behaviour is tested in the core
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

    @Test
    fun `inboxChanges streams the current state, then each add, read and logout`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x53)).use { client ->
            val (cases, push) = pushReady(client, STREAM_CITIZEN, STREAM_ENDPOINT)
            // The threads named citykit-inbox are this test's subscriptions (no other test keeps one).
            val threadsBefore = osThreadCount(INBOX_THREAD)

            // Beside the Flow, a bare listener records the OS thread each change is delivered on.
            val heard = Collections.synchronizedList(mutableListOf<Pair<InboxChange, String>>())
            val handle = cases.subscribeInbox(object : InboxListener {
                override fun onInboxChange(change: InboxChange) {
                    heard += change to osThreadName()
                }
            })

            val seen = Channel<InboxChange>(Channel.UNLIMITED)
            val collector = launch { cases.inboxChanges().collect { seen.send(it) } }
            suspend fun next(): InboxChange =
                withTimeoutOrNull(10.seconds) { seen.receive() } ?: fail("no change from the Flow within 10 s; the bare listener heard ${heard.toList()}")

            assertEquals(InboxChange(InboxChangeKind.CURRENT, emptyList(), 0u), next(), "the inbox as it is now first")
            assertInboxThreads(threadsBefore + 2, "one thread for each subscription")

            val bodies = submitAndTakePushes(client, STREAM_ENDPOINT)
            assertEquals(1, bodies.size, "one notice: the case is in review")
            val item = push.receive(bodies[0], Language.EN).item
            assertEquals(InboxChange(InboxChangeKind.ADDED, listOf(item.id), 1u), next())
            // A repeated body and a second markRead change nothing: no change is announced for them
            // (the next one expected is each time the one after).
            assertEquals(PushAction.Duplicate, push.receive(bodies[0], Language.EN).action)
            cases.markRead(item.id)
            assertEquals(InboxChange(InboxChangeKind.READ, listOf(item.id), 0u), next())
            cases.markRead(item.id)
            client.identity().logout()
            assertEquals(InboxChange(InboxChangeKind.CLEARED, emptyList(), 0u), next())

            // Stopping the collector cancels its subscription: its thread ends, and a later change
            // (logging in again is a CURRENT) reaches only the bare listener.
            collector.cancel()
            collector.join()
            assertInboxThreads(threadsBefore + 1, "the Flow's subscription outlived its collector")
            sim.login(client, user = STREAM_CITIZEN)
            withTimeoutOrNull(10.seconds) { while (heard.size < 5) delay(10.milliseconds) }
            assertTrue(seen.tryReceive().isFailure, "a change after the collector stopped: ${seen.tryReceive()}")

            handle.cancel()
            handle.close()
            assertInboxThreads(threadsBefore, "a cancelled TaskHandle ends its thread")
            val (changes, threads) = heard.toList().unzip()
            assertEquals(
                listOf(
                    InboxChange(InboxChangeKind.CURRENT, emptyList(), 0u),
                    InboxChange(InboxChangeKind.ADDED, listOf(item.id), 1u),
                    InboxChange(InboxChangeKind.READ, listOf(item.id), 0u),
                    InboxChange(InboxChangeKind.CLEARED, emptyList(), 0u),
                    InboxChange(InboxChangeKind.CURRENT, emptyList(), 0u), // logged in again
                ),
                changes,
                "the bare listener hears what the Flow gave, then the new login",
            )
            // Runtime workers are named "citykit" (bindings/citykit-ffi/src/runtime.rs).
            assertEquals(setOf(INBOX_THREAD), threads.toSet(), "the inbox listener's threads")
        }
    }

    @Test
    fun `a notice in the quiet hours is held back and still in the inbox`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x54)).use { client ->
            val (cases, push) = pushReady(client, QUIET_CITIZEN, QUIET_ENDPOINT)
            assertEquals(PushSettings(quietHours = null, dailyLimit = null), push.settings(), "none set by default")

            // Two quiet hours around now, China time (UTC+8), starting on the weekday their start
            // falls on (yesterday's when they wrap midnight and now is after it).
            val now = OffsetDateTime.now(ZoneOffset.ofHours(8))
            val minute = now.hour * 60 + now.minute
            val started = now.minusMinutes(60).dayOfWeek.value
            val quiet = QuietHours(
                startMinute = Math.floorMod(minute - 60, 1440).toUInt(),
                endMinute = Math.floorMod(minute + 60, 1440).toUInt(),
                weekdays = listOf(started.toUInt()),
            )
            push.setSettings(PushSettings(quietHours = quiet, dailyLimit = 5u))
            assertEquals(PushSettings(quietHours = quiet, dailyLimit = 5u), push.settings())

            assertEquals(0u, cases.unreadCount())
            val bodies = submitAndTakePushes(client, QUIET_ENDPOINT)
            assertEquals(1, bodies.size, "one notice: the case is in review")
            val outcome = push.receive(bodies[0], Language.EN)
            assertEquals(PushAction.Silent(reason = HeldBack.QUIET_HOURS), outcome.action, "quiet ${quiet.startMinute}–${quiet.endMinute} starting on weekday $started, now $now")

            val stored = cases.storedInbox()
            assertEquals(listOf(outcome.item.id), stored.map { it.id }, "held back, but kept in the inbox")
            assertFalse(stored.single().read)
            assertEquals(1u, cases.unreadCount())
        }
    }

    /** Logs [citizen] in with their licences and the catalogue, and subscribes to push at [endpoint]. */
    private suspend fun pushReady(client: CityKitClient, citizen: String, endpoint: String): Pair<CasesClient, PushClient> {
        sim.login(client, user = citizen)
        client.wallet().fetchLicences()
        client.catalogue().sync()
        val push = client.push()
        assertEquals(endpoint, push.subscribe(endpoint).endpoint)
        return Pair(client.cases(), push)
    }

    /** Submits [MANUAL_ITEM] and takes the push bodies then queued for [endpoint]. */
    private suspend fun submitAndTakePushes(client: CityKitClient, endpoint: String): List<ByteArray> {
        val form = filledForm(client, MANUAL_ITEM)
        assertIs<SubmissionOutcome.Accepted>(client.cases().submit(form.draftId))
        return sim.takePushes(endpoint)
    }

    /** Waits (up to 10 s) until [expected] threads are named citykit-inbox, then checks it. */
    private suspend fun assertInboxThreads(expected: Int, message: String) {
        withTimeoutOrNull(10.seconds) { while (osThreadCount(INBOX_THREAD) != expected) delay(10.milliseconds) }
        assertEquals(expected, osThreadCount(INBOX_THREAD), message)
    }

    private companion object {
        const val CITIZEN = "citizen-03"
        const val STREAM_CITIZEN = "citizen-04"
        const val QUIET_CITIZEN = "citizen-06"
        const val INBOX_THREAD = "citykit-inbox"

        /** Reviewed by hand: submitting it queues one case_status notice (in review). */
        const val MANUAL_ITEM = "criminal-record-certificate"
        const val ENDPOINT = "https://carrier.example/kotlin-device"
        const val STREAM_ENDPOINT = "https://carrier.example/kotlin-inbox-stream"
        const val QUIET_ENDPOINT = "https://carrier.example/kotlin-quiet-hours"
    }
}
