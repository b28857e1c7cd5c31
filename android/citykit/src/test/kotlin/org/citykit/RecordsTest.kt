package org.citykit

import java.io.File
import java.util.Collections
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import org.citykit.core.CaseStatus
import org.citykit.core.FieldProblem
import org.citykit.core.FieldType
import org.citykit.core.LicenceStatus
import org.citykit.core.LicenceUsability
import org.citykit.core.PresencePurpose
import org.citykit.core.Rating
import org.citykit.core.SubmissionOutcome
import org.citykit.core.ValueOrigin
import org.junit.jupiter.api.io.TempDir

/** The core's records in Kotlin: typed enums both ways, and personal data redacted until exposed. */
class RecordsTest : SimulatorTest() {
    @Test
    fun `records print no name or ID number, expose() gives them, and enums are typed`(@TempDir dir: File) = citykitTest {
        val asked = Collections.synchronizedList(mutableListOf<PresencePurpose>())
        CityKit.open(sim.config(dir), fixedKey(0x41), userPresence = UserPresence { asked += it; true }).use { client ->
            val account = sim.login(client, user = "citizen-03")
            val (identity, wallet, autofill) = Triple(client.identity(), client.wallet(), client.autofill())

            val idCard = wallet.fetchLicences().first { it.vct == ID_CARD }
            val status: LicenceStatus = idCard.status
            assertEquals(LicenceStatus.VALID, status)
            assertEquals(LicenceUsability.USABLE, idCard.usability)
            val licence = wallet.licence(idCard.id)
            assertEquals(idCard, licence.summary)
            val claims = stringClaims(licence.claims.expose())
            val name = claims.getValue("name")
            val idNumber = claims.getValue("id_number")
            assertEquals(name, account.name.expose())

            client.catalogue().sync()
            val form = autofill.fill("senior-preferential-card")
            assertTrue(asked.any { it is PresencePurpose.FillForm && it.itemId == "senior-preferential-card" }, "consent was asked: $asked")
            val nameField = form.fields.first { it.name == "applicant_name" }
            assertEquals(name, nameField.value?.expose())
            assertEquals(idNumber, form.fields.first { it.name == "applicant_id_number" }.value?.expose())
            assertEquals(ID_CARD, assertNotNull(nameField.provenance).vct)
            val required = form.fields.filter { it.required }
            assertTrue(required.all { it.origin == ValueOrigin.GOVERNMENT_VERIFIED && it.locked && it.provenance != null })

            // Logging any of these shows neither the name nor the ID number.
            val printed = listOf(account, identity.identities(), identity.currentIdentity(), identity.whoami(), licence, form, nameField)
            for (record in printed) {
                val text = record.toString()
                assertFalse(name in text || idNumber in text, "personal data in ${record.javaClass.simpleName}: ${text.take(60)}…")
            }
            assertTrue("name=${Personal.REDACTED}" in account.toString(), "$account")
            assertTrue("claims=${Personal.REDACTED}" in licence.toString(), "$licence")

            // Typed enums on the way in (FieldType, Rating) and out (FieldProblem, SubmissionOutcome, CaseStatus).
            val phone = form.fields.first { it.fieldType == FieldType.PHONE }
            val bad = autofill.setField(form.draftId, phone.name, "12345", false)
            assertEquals(phone.name, bad.errors.single().field)
            assertEquals(FieldProblem.FORMAT, bad.errors.single().problem)
            val fixed = autofill.setField(form.draftId, phone.name, "13800138000", false)
            assertEquals(Personal("13800138000"), fixed.fields.first { it.name == phone.name }.value)

            val accepted = assertIs<SubmissionOutcome.Accepted>(client.cases().submit(form.draftId))
            assertEquals(CaseStatus.APPROVED, accepted.case.status)
            val certificate = assertNotNull(accepted.case.resultLicenceId)
            assertTrue(wallet.licences().any { it.id == certificate }, "the result licence is in the wallet")
            assertIs<SubmissionOutcome.Accepted>(client.cases().rate(accepted.case.id, Rating.GOOD, "很快"))
        }
    }
}
