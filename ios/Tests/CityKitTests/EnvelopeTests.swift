#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// 容缺 pledges and 免跑腿 envelopes through the Swift face: a case waits for a pledge, the pledge
/// is reviewed and signed, an envelope is made with the pickup address the wallet offers, booked,
/// scanned by the courier and received at the window. The behaviour is tested in the core
/// (core/tests/integration/envelope.rs); this tests the glue.
final class EnvelopeTests: CityKitTestCase {
    /// Rents, so the residence permit lacks a proof of residence, a material it tolerates (容缺).
    static let citizen = "citizen-05"
    static let pledgeItem = "residence-permit"
    static let codePrefix = "CKE1:"

    func testAPledgedMaterialTravelsInAnEnvelopeFromTheDoorToTheWindow() async throws {
        let client = try await openClient()
        try await logIn(client, as: Self.citizen)
        _ = try await client.wallet().fetchLicences()
        _ = try await client.catalogue().sync()
        let cases = client.cases()

        // Submitted without the tolerated material: the case waits for the pledge.
        let form = try await filledForm(client, itemId: Self.pledgeItem)
        guard case let .accepted(submitted) = try await cases.submit(draftId: form.draftId) else {
            return XCTFail("the case was not accepted")
        }
        XCTAssertEqual(submitted.status, .awaitingPledge)
        XCTAssertNil(try XCTUnwrap(submitted.pledge).signedAt)
        let review = try await cases.reviewPledge(caseId: submitted.id)
        XCTAssertEqual(review.caseId, submitted.id)
        XCTAssertEqual(review.materials.map(\.id), ["residence-proof"])
        let signed = try await cases.signPledge(caseId: submitted.id, reviewedSha256: review.pledgeSha256)
        XCTAssertEqual(signed.status, .awaitingMaterial)
        XCTAssertNotNil(try XCTUnwrap(signed.pledge).signedAt)

        // The envelope, picked up at the address the wallet offers.
        let envelopes = client.envelopes()
        let offerOrNil = try await envelopes.pickupAddressFromWallet()
        let offer = try XCTUnwrap(offerOrNil, "the ID card has an address")
        let envelope = try await envelopes.create(caseId: submitted.id, pickupAddress: offer.address)
        XCTAssertEqual(envelope.caseId, submitted.id)
        XCTAssertEqual(envelope.status, .created)
        XCTAssertTrue(envelope.code.hasPrefix(Self.codePrefix), "the code has no \(Self.codePrefix) prefix")
        XCTAssertEqual(envelope.pickupAddress, offer.address)
        XCTAssertEqual(envelope.materials, review.materials)
        // Printed (description, reflection, dump), the envelope shows a redaction, not the address.
        assertRedacted(envelope, hides: [offer.address.expose()])

        // Booked by scanning the code, then scanned by the courier at the door and at the window.
        let booked = try await envelopes.requestPickup(scanned: envelope.code, slotStart: nil)
        XCTAssertEqual(booked.status, .pickupScheduled)
        let slot = try XCTUnwrap(booked.pickup)
        XCTAssertGreaterThan(slot.slotEnd, slot.slotStart)
        let courier = client.courier()
        let pickedUp = try await courier.scan(scanned: envelope.code)
        XCTAssertEqual(pickedUp, CourierScan(envelopeId: envelope.id, status: .inTransit))
        let delivered = try await courier.scan(scanned: envelope.code)
        XCTAssertEqual(delivered.status, .delivered)

        // The window checks codes offline against the platform's document and receives it once.
        let trustDocument = try await envelopes.fetchTrust()
        let window = try client.envelopeWindow(trustDocument: trustDocument)
        XCTAssertEqual(try window.verify(scanned: envelope.code, at: nil).envelopeId, envelope.id)
        let receipt = try await window.receive(scanned: envelope.code, at: nil)
        XCTAssertEqual(receipt.caseId, submitted.id)
        XCTAssertEqual(receipt.envelopeId, envelope.id)
        XCTAssertFalse(receipt.alreadyReceived)
        let again = try await window.receive(scanned: envelope.code, at: nil)
        XCTAssertTrue(again.alreadyReceived)
        XCTAssertEqual(again.receivedAt, receipt.receivedAt)

        // A code changed after the prefix is refused.
        var body = Array(envelope.code.dropFirst(Self.codePrefix.count))
        let at = body.count / 2
        body[at] = body[at] == "A" ? "B" : "A"
        let tampered = Self.codePrefix + String(body)
        do {
            let claims = try window.verify(scanned: tampered, at: nil)
            XCTFail("a tampered code was accepted for \(claims.envelopeId)")
        } catch let error as CityKitError {
            XCTAssertTrue(["envelope.malformed", "envelope.bad_signature"].contains(error.code()), error.code())
            XCTAssertEqual(error.domain(), .envelope)
        }

        // The timeline, oldest first, and the same envelope stored for offline use.
        let timeline = try await envelopes.timeline(envelopeId: envelope.id)
        XCTAssertEqual(timeline.map(\.kind), [.created, .pickupScheduled, .pickedUp, .inTransit, .delivered, .received])
        let current = try await envelopes.envelope(envelopeId: envelope.id)
        XCTAssertEqual(current.status, .received)
        let stored = try await envelopes.storedEnvelope(envelopeId: envelope.id)
        XCTAssertEqual(stored.events, timeline)
        XCTAssertEqual(stored.pickupAddress, offer.address)
        let all = try await envelopes.storedEnvelopes()
        XCTAssertEqual(all.map(\.id), [envelope.id])
        let inbox = try await cases.inbox()
        XCTAssertTrue(inbox.contains { $0.kind == .envelopeEvent && $0.envelopeId == envelope.id }, "no envelope event in the inbox")

        // The label and the code for a screen, as SVG.
        let label = try await envelopes.labelSvg(envelopeId: envelope.id)
        XCTAssertTrue(label.contains("<svg"), "the label is not SVG")
        let screen = try await envelopes.screenSvg(envelopeId: envelope.id, sidePx: 300)
        XCTAssertTrue(screen.hasPrefix("<svg"), "the screen code is not SVG")
    }
}
#endif
