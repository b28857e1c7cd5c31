package org.citykit

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.citykit.core.CaseStatus
import org.citykit.core.EnvelopeStep
import org.citykit.core.ErrorDomain
import org.citykit.core.InboxKind
import org.citykit.core.SubmissionOutcome
import org.junit.jupiter.api.io.TempDir

/**
 * 容缺 pledges and 免跑腿 envelopes through the Kotlin face: a case waits for a pledge, the pledge
 * is reviewed and signed, an envelope is made with the pickup address the wallet offers, booked,
 * scanned by the courier and received at the window. The behaviour is tested in the core
 * (core/tests/integration/envelope.rs); this tests the glue.
 */
class EnvelopeTest : SimulatorTest() {
    @Test
    fun `a pledged material travels in an envelope from the door to the window`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x51)).use { client ->
            sim.login(client, user = CITIZEN)
            client.wallet().fetchLicences()
            client.catalogue().sync()
            val cases = client.cases()

            // Submitted without the tolerated material: the case waits for the pledge.
            val form = filledForm(client, PLEDGE_ITEM)
            val case = assertIs<SubmissionOutcome.Accepted>(cases.submit(form.draftId)).case
            assertEquals(CaseStatus.AWAITING_PLEDGE, case.status)
            assertNull(assertNotNull(case.pledge).signedAt)
            val review = cases.reviewPledge(case.id)
            assertEquals(case.id, review.caseId)
            assertEquals(listOf("residence-proof"), review.materials.map { it.id })
            val signed = cases.signPledge(case.id, review.pledgeSha256)
            assertEquals(CaseStatus.AWAITING_MATERIAL, signed.status)
            assertNotNull(assertNotNull(signed.pledge).signedAt)

            // The envelope, picked up at the address the wallet offers.
            val envelopes = client.envelopes()
            val offer = assertNotNull(envelopes.pickupAddressFromWallet(), "the ID card has an address")
            val address = offer.address.expose()
            val envelope = envelopes.create(case.id, offer.address)
            assertEquals(case.id, envelope.caseId)
            assertEquals(EnvelopeStep.CREATED, envelope.status)
            assertTrue(envelope.code.startsWith(CODE_PREFIX), "the code has no $CODE_PREFIX prefix")
            assertEquals(offer.address, envelope.pickupAddress)
            assertEquals(review.materials, envelope.materials)
            // Printed, the envelope shows a redaction where the pickup address is.
            val printed = envelope.toString()
            assertFalse(address in printed, "the pickup address shows in Envelope.toString()")
            assertTrue("pickupAddress=${Personal.REDACTED}" in printed, "no redacted pickupAddress in Envelope.toString()")

            // Booked by scanning the code, then scanned by the courier at the door and at the window.
            val booked = envelopes.requestPickup(envelope.code, null)
            assertEquals(EnvelopeStep.PICKUP_SCHEDULED, booked.status)
            val slot = assertNotNull(booked.pickup)
            assertTrue(slot.slotEnd > slot.slotStart)
            val courier = client.courier()
            val pickedUp = courier.scan(envelope.code)
            assertEquals(Pair(envelope.id, EnvelopeStep.IN_TRANSIT), Pair(pickedUp.envelopeId, pickedUp.status))
            assertEquals(EnvelopeStep.DELIVERED, courier.scan(envelope.code).status)

            // The window checks codes offline against the platform's document and receives it once.
            val window = client.envelopeWindow(envelopes.fetchTrust())
            assertEquals(envelope.id, window.verify(envelope.code, null).envelopeId)
            val receipt = window.receive(envelope.code, null)
            assertEquals(Triple(case.id, envelope.id, false), Triple(receipt.caseId, receipt.envelopeId, receipt.alreadyReceived))
            val again = window.receive(envelope.code, null)
            assertTrue(again.alreadyReceived)
            assertEquals(receipt.receivedAt, again.receivedAt)

            // A code changed after the prefix is refused.
            val body = envelope.code.removePrefix(CODE_PREFIX)
            val at = body.length / 2
            val tampered = CODE_PREFIX + body.substring(0, at) + (if (body[at] == 'A') 'B' else 'A') + body.substring(at + 1)
            val refused = assertFailsWith<CityKitException> { window.verify(tampered, null) }
            assertTrue(refused.code() in setOf("envelope.malformed", "envelope.bad_signature"), refused.code())
            assertEquals(ErrorDomain.ENVELOPE, refused.domain())

            // The timeline, oldest first, and the same envelope stored for offline use.
            val timeline = envelopes.timeline(envelope.id)
            assertEquals(
                listOf(
                    EnvelopeStep.CREATED, EnvelopeStep.PICKUP_SCHEDULED, EnvelopeStep.PICKED_UP,
                    EnvelopeStep.IN_TRANSIT, EnvelopeStep.DELIVERED, EnvelopeStep.RECEIVED,
                ),
                timeline.map { it.kind },
            )
            assertEquals(EnvelopeStep.RECEIVED, envelopes.envelope(envelope.id).status)
            val stored = envelopes.storedEnvelope(envelope.id)
            assertEquals(timeline, stored.events)
            assertEquals(offer.address, stored.pickupAddress)
            assertEquals(listOf(envelope.id), envelopes.storedEnvelopes().map { it.id })
            assertTrue(
                cases.inbox().any { it.kind == InboxKind.ENVELOPE_EVENT && it.envelopeId == envelope.id },
                "no envelope event in the inbox",
            )

            // The label and the code for a screen, as SVG.
            assertTrue("<svg" in envelopes.labelSvg(envelope.id), "the label is not SVG")
            assertTrue(envelopes.screenSvg(envelope.id, 300u).startsWith("<svg"), "the screen code is not SVG")
        }
    }

    private companion object {
        /** Rents, so the residence permit lacks a proof of residence, a material it tolerates (容缺). */
        const val CITIZEN = "citizen-05"
        const val PLEDGE_ITEM = "residence-permit"
        const val CODE_PREFIX = "CKE1:"
    }
}
