#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// The app's UserPresence (Face ID, Touch ID, passcode) guards acting for an enterprise.
final class PresenceTests: CityKitTestCase {
    func testDeclinedPresenceBlocksTheEnterpriseSwitch() async throws {
        let presence = RecordingPresence(confirmed: false)
        let client = try await openClient(userPresence: presence)
        let account = try await logIn(client)

        let error = await assertThrowsCityKitError(code: "auth.presence_denied") {
            try await client.switchIdentity(identityId: "enterprise-01")
        }
        guard case .Auth = error else { return XCTFail("expected the .Auth case, got \(String(describing: error))") }
        XCTAssertEqual(presence.purposes, [.actForEnterprise(enterpriseId: "enterprise-01")])

        // Nothing changed: still acting as the person.
        XCTAssertEqual(client.loginState(), .loggedIn(subject: account.subject, actingFor: nil))
        let current = try await client.currentIdentity()
        XCTAssertEqual(current.id, "citizen-01")
        let whoami = try await client.whoami()
        XCTAssertEqual(whoami.actingAs.id, "citizen-01")
    }

    func testPresenceThatCannotBeShownIsPresenceUnavailable() async throws {
        let client = try await openClient(userPresence: ThrowingPresence())
        try await logIn(client)
        await assertThrowsCityKitError(code: "auth.presence_unavailable") {
            try await client.switchIdentity(identityId: "enterprise-02")
        }
    }
}

/// A UserPresence whose prompt cannot be shown (no biometrics or passcode set up).
private final class ThrowingPresence: UserPresence {
    func confirm(purpose: PresencePurpose) throws -> Bool {
        throw CityKitError.Auth(code: "auth.presence_unavailable", messageEn: "no passcode", messageZh: "未设置密码", details: "test")
    }
}
#endif
