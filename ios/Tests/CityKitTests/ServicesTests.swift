#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// The catalogue, 秒报 auto-fill, submission with 秒批, and ratings over HTTPS against the simulator.
final class ServicesTests: CityKitTestCase {
    func testSeniorCardIsFilledApprovedInstantlyAndRated() async throws {
        let presence = RecordingPresence(confirmed: true)
        let client = try await openClient(userPresence: presence)
        _ = try await logIn(client, as: "citizen-03")
        _ = try await client.fetchLicences()
        let synced = try await client.syncCatalogue()
        XCTAssertGreaterThanOrEqual(synced.itemCount, 150)
        let again = try await client.syncCatalogue()
        XCTAssertFalse(again.changed, "an unchanged catalogue answers 304")
        let hits = try await client.searchCatalogue(query: "敬老", limit: 5)
        XCTAssertEqual(hits.first?.id, "senior-preferential-card")

        let form = try await client.fillForm(itemId: "senior-preferential-card")
        XCTAssertTrue(presence.purposes.contains { if case .fillForm(let item, _) = $0 { return item == "senior-preferential-card" } else { return false } })
        XCTAssertTrue(form.complete, "errors: \(form.errors.map(\.field))")
        let required = form.fields.filter(\.required)
        XCTAssertTrue(required.allSatisfy { $0.origin == .governmentVerified && $0.locked && $0.provenance != nil })

        let first = try XCTUnwrap(required.first)
        await assertThrowsCityKitError(code: "autofill.field_locked") {
            try await client.setField(draftId: form.draftId, field: first.name, value: "别人", overrideVerified: false)
        }
        let phone = try XCTUnwrap(form.fields.first { $0.fieldType == .phone })
        let bad = try await client.setField(draftId: form.draftId, field: phone.name, value: "12345", overrideVerified: false)
        XCTAssertEqual(bad.errors.map(\.field), [phone.name])
        XCTAssertEqual(bad.errors.first?.problem, "format")
        await assertThrowsCityKitError(code: "autofill.invalid_form") {
            try await client.submit(draftId: form.draftId)
        }
        _ = try await client.setField(draftId: form.draftId, field: phone.name, value: "13800138000", overrideVerified: false)

        guard case .accepted(let approved) = try await client.submit(draftId: form.draftId) else {
            return XCTFail("the case was not accepted")
        }
        XCTAssertEqual(approved.status, .approved)
        let certificate = try XCTUnwrap(approved.resultLicenceId)
        let licences = try await client.licences()
        XCTAssertTrue(licences.contains { $0.id == certificate }, "the result licence is in the wallet")
        guard case .accepted = try await client.rateCase(caseId: approved.id, rating: .good, comment: "很快") else {
            return XCTFail("the rating was not accepted")
        }
        await assertThrowsCityKitError(code: "case.already_rated") {
            try await client.rateCase(caseId: approved.id, rating: .bad, comment: nil)
        }
    }

    func testRefusedConsentFillsNothing() async throws {
        let client = try await openClient(userPresence: RefusesFillForm())
        _ = try await logIn(client, as: "citizen-03")
        _ = try await client.fetchLicences()
        _ = try await client.syncCatalogue()
        await assertThrowsCityKitError(code: "autofill.consent_refused") {
            try await client.fillForm(itemId: "senior-preferential-card")
        }
        let drafts = try await client.drafts()
        XCTAssertTrue(drafts.isEmpty)
    }
}

/// Confirms everything except letting a form read licences.
final class RefusesFillForm: UserPresence, @unchecked Sendable {
    func confirm(purpose: PresencePurpose) throws -> Bool {
        if case .fillForm = purpose { return false }
        return true
    }
}
#endif
