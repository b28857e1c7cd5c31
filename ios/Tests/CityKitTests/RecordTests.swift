#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// The core's records as Swift sees them: typed enums, and personal data in `Personal`, which
/// print, `String(reflecting:)` and `dump` never show (only `expose()` does).
final class RecordTests: CityKitTestCase {
    func testRecordsHoldingPersonalDataNeverShowItButExposeGivesIt() async throws {
        let client = try await openClient(userPresence: RecordingPresence(confirmed: true))
        let account = try await logIn(client, as: "citizen-03")
        let summaries = try await client.wallet().fetchLicences()
        let idCard = try XCTUnwrap(summaries.first { $0.vct == "urn:citykit:vct:resident_id_card" })
        let licence = try await client.wallet().licence(id: idCard.id)
        let claims = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(licence.claims.expose().utf8)) as? [String: Any])
        let name = try XCTUnwrap(claims["name"] as? String)
        let idNumber = try XCTUnwrap(claims["id_number"] as? String)
        XCTAssertEqual(account.name.expose(), name)
        XCTAssertEqual(licence.summary, idCard)

        let identities = try await client.identity().identities()
        let person = try await client.identity().currentIdentity()
        XCTAssertEqual(person.name.expose(), name)
        _ = try await client.catalogue().sync()
        let form = try await client.autofill().fill(itemId: "senior-preferential-card")
        let values = form.fields.compactMap { $0.value?.expose() }
        XCTAssertTrue(values.contains(name), "the form is filled with the person's name")
        XCTAssertTrue(values.contains(idNumber), "the form is filled with the person's ID number")

        for record in [account, identities, person, licence, form] as [Any] {
            assertRedacted(record, hides: [name, idNumber])
        }
    }

    func testEnumsInRecordsAreTyped() async throws {
        let presence = RecordingPresence(confirmed: true)
        let client = try await openClient(userPresence: presence)
        let form = try await fillSeniorCard(client)
        XCTAssertTrue(presence.purposes.contains { if case .fillForm("senior-preferential-card", _) = $0 { return true } else { return false } },
                      "\(presence.purposes)")
        let summaries = try await client.wallet().licences()
        XCTAssertFalse(summaries.isEmpty)
        XCTAssertTrue(summaries.allSatisfy { $0.status == .valid && $0.usability == .usable }, "\(summaries)")
        XCTAssertTrue(form.fields.filter(\.required).allSatisfy { $0.origin == .governmentVerified && $0.locked })
        let phone = try XCTUnwrap(form.fields.first { $0.fieldType == .phone })
        let bad = try await client.autofill().setField(draftId: form.draftId, field: phone.name, value: "12345", overrideVerified: false)
        XCTAssertEqual(bad.errors.map(\.field), [phone.name])
        XCTAssertEqual(bad.errors.first?.problem, .format)
        _ = try await client.autofill().setField(draftId: form.draftId, field: phone.name, value: "13800138000", overrideVerified: false)
        guard case let .accepted(approved) = try await client.cases().submit(draftId: form.draftId) else {
            return XCTFail("the case was not accepted")
        }
        XCTAssertEqual(approved.status, .approved)
        guard case .accepted = try await client.cases().rate(caseId: approved.id, rating: .good, comment: "很快") else {
            return XCTFail("the rating was not accepted")
        }
    }
}
#endif
