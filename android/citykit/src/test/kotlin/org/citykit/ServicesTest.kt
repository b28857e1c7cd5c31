package org.citykit

import java.io.File
import java.util.Collections
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.io.TempDir

/** The catalogue, 秒报 auto-fill, submission with 秒批, and ratings over HTTPS against the simulator. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServicesTest {
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
    fun `a senior citizen's card is filled from licences, approved instantly and rated`(@TempDir dir: File) = citykitTest {
        val asked = Collections.synchronizedList(mutableListOf<PresencePurpose>())
        CityKit.open(sim.config(dir), fixedKey(0x41), userPresence = UserPresence { asked += it; true }).use { client ->
            sim.login(client, user = "citizen-03")
            client.fetchLicences()
            val synced = client.syncCatalogue()
            assertTrue(synced.itemCount >= 150u, "items: ${synced.itemCount}")
            assertFalse(client.syncCatalogue().changed, "an unchanged catalogue answers 304")
            assertEquals("senior-preferential-card", client.searchCatalogue("敬老", 5u).first().id)
            assertTrue(client.searchCatalogue("租赁", 5u).take(3).any { it.id == "rental-registration" })
            assertEquals("rental-registration", client.searchCatalogue("房屋租赁", 5u).first().id)

            val form = client.fillForm("senior-preferential-card")
            assertTrue(asked.any { it is PresencePurpose.FillForm && it.itemId == "senior-preferential-card" }, "consent was asked: $asked")
            assertTrue(form.complete, "errors: ${form.errors.map { it.field }}")
            val required = form.fields.filter { it.required }
            assertTrue(required.all { it.origin == ValueOrigin.GOVERNMENT_VERIFIED && it.locked && it.provenance != null })

            val locked = assertFailsWith<CityKitException.Autofill> { client.setField(form.draftId, required.first().name, "别人", false) }
            assertEquals("autofill.field_locked", locked.code)
            val phone = form.fields.first { it.fieldType == FieldType.PHONE }
            val bad = client.setField(form.draftId, phone.name, "12345", false)
            assertEquals(phone.name, bad.errors.single().field)
            assertEquals("format", bad.errors.single().problem)
            assertEquals("autofill.invalid_form", assertFailsWith<CityKitException.Autofill> { client.submit(form.draftId) }.code)
            client.setField(form.draftId, phone.name, "13800138000", false)

            val accepted = assertIs<SubmissionOutcome.Accepted>(client.submit(form.draftId))
            assertEquals(CaseStatus.APPROVED, accepted.case.status)
            val certificate = assertNotNull(accepted.case.resultLicenceId)
            assertTrue(client.licences().any { it.id == certificate }, "the result licence is in the wallet")
            assertIs<SubmissionOutcome.Accepted>(client.rateCase(accepted.case.id, Rating.GOOD, "很快"))
            assertEquals("case.already_rated", assertFailsWith<CityKitException.Case> { client.rateCase(accepted.case.id, Rating.BAD, null) }.code)
        }
    }

    @Test
    fun `a refused consent fills nothing`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x42), userPresence = UserPresence { it !is PresencePurpose.FillForm }).use { client ->
            sim.login(client, user = "citizen-03")
            client.fetchLicences()
            client.syncCatalogue()
            val e = assertFailsWith<CityKitException.Autofill> { client.fillForm("senior-preferential-card") }
            assertEquals("autofill.consent_refused", e.code)
            assertTrue(client.drafts().isEmpty())
        }
    }
}
