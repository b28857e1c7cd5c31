#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// The one journey (smoke test) over HTTPS against the simulator: log in, act for an enterprise
/// and back, release and reopen the client, log out. The behaviour itself is tested in the core
/// (core/tests); the tests beside this one test the glue.
final class JourneyTests: CityKitTestCase {
    func testLoginSwitchToEnterpriseAndBackReopenThenLogout() async throws {
        let presence = RecordingPresence(confirmed: true)
        let keys = FixedKeyProvider()
        let account = try await actForAnEnterpriseAndBack(try await openClient(keyProvider: keys, userPresence: presence))
        XCTAssertGreaterThan(keys.callCount, 0, "the store key comes from the app's KeyProvider")
        XCTAssertEqual(presence.purposes, [.actForEnterprise(enterpriseId: "enterprise-01")])

        // The first client (and its sub-client) is released, which closes the store; the session survives.
        let identity = try await openClient().identity()
        XCTAssertEqual(identity.loginState(), .loggedIn(subject: account.subject, actingFor: nil))
        let outcome = try await identity.logout()
        XCTAssertTrue(outcome.hadSession)
        XCTAssertTrue(outcome.revokedAtServer)
        XCTAssertEqual(identity.loginState(), .loggedOut)
        await assertThrowsCityKitError(code: "auth.not_logged_in") { try await identity.whoami() }
    }

    private func actForAnEnterpriseAndBack(_ client: CityKitClient) async throws -> Account {
        let identity = client.identity()
        XCTAssertEqual(identity.loginState(), .loggedOut)
        let noAccount = try await identity.account()
        XCTAssertNil(noAccount)

        let account = try await logIn(client)
        XCTAssertFalse(account.name.expose().isEmpty)
        XCTAssertEqual(identity.loginState(), .loggedIn(subject: account.subject, actingFor: nil))
        let saved = try await identity.account()
        XCTAssertEqual(saved, account)

        let identities = try await identity.identities()
        XCTAssertEqual(identities.first?.id, "citizen-01")
        XCTAssertEqual(identities.first?.kind, .person)
        XCTAssertEqual(Set(identities.filter { $0.kind == .enterprise }.map(\.id)), ["enterprise-01", "enterprise-02"])

        let enterprise = try await identity.switchIdentity(identityId: "enterprise-01")
        XCTAssertEqual(enterprise.kind, .enterprise)
        XCTAssertEqual(identity.loginState().actingFor, "enterprise-01")
        let asEnterprise = try await identity.whoami()
        XCTAssertEqual(asEnterprise.actingAs.id, "enterprise-01")
        XCTAssertEqual(asEnterprise.person.id, "citizen-01")
        _ = try await identity.switchIdentity(identityId: "citizen-01")
        let current = try await identity.currentIdentity()
        XCTAssertEqual(current.id, "citizen-01")
        try await identity.refresh()
        return account
    }

    /// `logout`'s default argument (discardUnsent: false) and the outcome record's fields.
    func testLogoutTakesDiscardUnsentAndReportsTheSessionAndWhatItDiscarded() async throws {
        let client = try await openClient()
        let nobody = try await client.identity().logout()
        XCTAssertEqual(nobody, LogoutOutcome(hadSession: false, revokedAtServer: false, discardedUnsent: 0))
        try await logIn(client)
        let outcome = try await client.identity().logout(discardUnsent: true)
        XCTAssertEqual(outcome, LogoutOutcome(hadSession: true, revokedAtServer: true, discardedUnsent: 0))
    }
}
#endif
