package org.citykit

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.TimeSource
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import org.citykit.core.WhoAmI
import org.junit.jupiter.api.io.TempDir

/** Cancelling a coroutine that waits on the core cancels the Rust work, promptly and cleanly. */
class CancellationTest : SimulatorTest() {
    @Test
    fun `cancelling a coroutine waiting on a slow request cancels it cleanly`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x21)).use { client ->
            sim.login(client)
            val identity = client.identity()
            sim.fault("""{"delay": {"path": "/api/v1/me", "millis": 5000}}""")
            try {
                var answer: WhoAmI? = null
                val started = TimeSource.Monotonic.markNow()
                val job = launch(Dispatchers.Default) { answer = identity.whoami() }
                delay(300.milliseconds)
                job.cancelAndJoin()
                val elapsed = started.elapsedNow()
                assertTrue(job.isCancelled)
                assertNull(answer)
                assertTrue(elapsed < 2.seconds, "cancellation took $elapsed (the platform delays 5 s)")

                // The same through withTimeout, the usual way an app bounds a call.
                val again = TimeSource.Monotonic.markNow()
                assertFailsWith<TimeoutCancellationException> { withTimeout(300.milliseconds) { identity.whoami() } }
                assertTrue(again.elapsedNow() < 2.seconds, "withTimeout took ${again.elapsedNow()}")
            } finally {
                sim.clearFaults()
            }
            // Nothing is left stuck: the next call goes through at once.
            val quick = TimeSource.Monotonic.markNow()
            assertEquals("citizen-01", withTimeout(4.seconds) { identity.whoami() }.actingAs.id)
            assertTrue(quick.elapsedNow() < 4.seconds)
        }
    }
}
