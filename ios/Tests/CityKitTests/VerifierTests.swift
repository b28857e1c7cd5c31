#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// Verifier mode through the Swift face (issue 12): `client.verifier(...)` built from issuer
/// metadata and `verifierSettings()`, its nonce, the status list checked through the core, and
/// the `wallet.*` codes of a revoked licence and a replay.
final class VerifierTests: CityKitTestCase {
    static let idCard = "urn:citykit:vct:resident_id_card"

    func testNonceVerifyRevocationAndReplay() async throws {
        let client = try await openClient(userPresence: RecordingPresence(confirmed: true))
        try await logIn(client)
        let wallet = client.wallet()
        let licences = try await wallet.fetchLicences()
        let idCard = try XCTUnwrap(licences.first { $0.vct == Self.idCard }, "\(licences.map(\.vct))")
        // The core's settings, told to ask the issuer every time (no cached status list).
        var settings = verifierSettings()
        settings.statusRefreshAfter = 0
        let verifier = try client.verifier(
            audience: "window-1", trustedIssuerMetadata: [try sim.issuerMetadata(office: "public-security")], settings: settings)

        let nonce = try await verifier.newNonce()
        let shown = try await wallet.present(id: idCard.id, claims: ["age_over_18"], audience: "window-1", nonce: nonce, lifetimeSecs: 60)
        XCTAssertEqual(shown.nonce, nonce)
        let verified = try await verifier.verify(scanned: shown.text, expectedNonce: nonce)
        XCTAssertTrue(verified.statusChecked)
        // The window sees the id of the copy shown (batch issuance), never the wallet's own id.
        XCTAssertFalse(verified.licenceId.isEmpty)
        XCTAssertNotEqual(verified.licenceId, idCard.id)
        XCTAssertEqual(verified.vct, Self.idCard)
        let claims = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(verified.claims.expose().utf8)) as? [String: Any])
        XCTAssertEqual(claims["age_over_18"] as? Bool, true)
        assertRedacted(verified, hides: [verified.claims.expose()])

        // The same presentation twice: a replay.
        let replay = await assertThrowsCityKitError(code: "wallet.replayed_nonce") {
            try await verifier.verify(scanned: shown.text, expectedNonce: nonce)
        }
        XCTAssertEqual(replay?.domain(), .wallet)

        // Revoked at the issuer: the next showing, with a fresh nonce, is refused.
        try await sim.revoke(holder: "citizen-01", vct: Self.idCard)
        let fresh = try await verifier.newNonce()
        XCTAssertNotEqual(fresh, nonce)
        let again = try await wallet.present(id: idCard.id, claims: ["age_over_18"], audience: "window-1", nonce: fresh, lifetimeSecs: 60)
        let revoked = await assertThrowsCityKitError(code: "wallet.revoked") {
            try await verifier.verify(scanned: again.text, expectedNonce: fresh)
        }
        XCTAssertEqual(revoked?.domain(), .wallet)
    }
}
#endif
