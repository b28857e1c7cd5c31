package org.citykit

import java.time.LocalDate
import java.time.ZoneId
import kotlin.test.assertTrue
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.citykit.core.ClientConfig
import org.citykit.core.FieldType
import org.citykit.core.FilledForm
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance

/** A test class with one simulator ([sim]) for all its tests, started before and stopped after them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SimulatorTest {
    protected lateinit var sim: Simulator

    @BeforeAll
    fun startSimulator() {
        sim = Simulator()
    }

    @AfterAll
    fun stopSimulator() {
        sim.close()
    }
}

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

/**
 * [itemId] filled from the wallet, every still-empty required field set the way the core's
 * tests set it (core/tests/integration/services.rs, `filled_form`).
 */
suspend fun filledForm(client: CityKitClient, itemId: String): FilledForm {
    val autofill = client.autofill()
    var form = autofill.fill(itemId)
    val schema = client.catalogue().item(itemId).form.fields.associateBy { it.name }
    val today = LocalDate.now(ZoneId.of("Asia/Shanghai")).toString()
    for (field in form.fields.filter { it.required && it.value == null }) {
        val value = when {
            field.fieldType == FieldType.PHONE -> "13800138000"
            field.fieldType == FieldType.DATE -> today
            field.fieldType == FieldType.CHOICE -> schema.getValue(field.name).options.first().value
            "postcode" in field.name -> "518000"
            else -> "测试"
        }
        form = autofill.setField(form.draftId, field.name, value, false)
    }
    assertTrue(form.missingRequired.isEmpty() && form.errors.isEmpty(), "incomplete: ${form.missingRequired} ${form.errors.map { it.field to it.problem }}")
    return form
}

/** The OS name of the calling thread (a JVM name says nothing about a native thread). */
fun osThreadName(): String = java.io.File("/proc/thread-self/comm").readText().trim()

/** How many of this process's threads have the OS name [name] (CityKit's own threads included). */
fun osThreadCount(name: String): Int =
    java.io.File("/proc/self/task").listFiles().orEmpty().count { task ->
        // A thread may end while it is being listed.
        runCatching { java.io.File(task, "comm").readText().trim() }.getOrNull() == name
    }

/** Whether the JSON object [json] has `"name": value` at some level (no JSON library on the test classpath). */
fun jsonHas(json: String, name: String, value: String): Boolean =
    Regex("\"${Regex.escape(name)}\"\\s*:\\s*${Regex.escape(value)}(?![A-Za-z0-9_])").containsMatchIn(json)

/** [json]'s `"name": "string value"` pairs, by name. */
fun stringClaims(json: String): Map<String, String> =
    Regex("\"([^\"]+)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").findAll(json).associate { it.groupValues[1] to it.groupValues[2] }

const val ID_CARD = "urn:citykit:vct:resident_id_card"
