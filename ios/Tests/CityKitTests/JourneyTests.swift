#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// The journey every binding runs against the simulator over HTTPS: log in, act for an
/// enterprise and back, log out.
final class JourneyTests: CityKitTestCase {
    func testLoginSwitchToEnterpriseAndBackThenLogout() async throws {
        let presence = RecordingPresence(confirmed: true)
        let keys = FixedKeyProvider()
        let client = try await openClient(keyProvider: keys, userPresence: presence)
        XCTAssertGreaterThan(keys.callCount, 0, "the store key comes from the app's KeyProvider")
        XCTAssertEqual(client.loginState(), .loggedOut)
        let noAccount = try await client.account()
        XCTAssertNil(noAccount)

        // Log in through the simulator's test-mode browser.
        let request = try await client.startLogin()
        let authorizationURL = try XCTUnwrap(request.authorizationURL)
        XCTAssertTrue(authorizationURL.absoluteString.hasPrefix(sim.issuer))
        XCTAssertGreaterThan(request.expirationDate, Date())
        let redirect = try await sim.authorize(authorizationURL, user: "citizen-01")
        let account = try await client.completeLogin(redirectURL: redirect)
        XCTAssertFalse(account.name.isEmpty)
        XCTAssertEqual(client.loginState(), .loggedIn(subject: account.subject, actingFor: nil))
        let saved = try await client.account()
        XCTAssertEqual(saved, account)

        // Identities: the person first, then the enterprises they act for.
        let identities = try await client.identities()
        XCTAssertEqual(identities.first?.id, "citizen-01")
        XCTAssertEqual(identities.first?.kind, .person)
        let enterprises = identities.filter { $0.kind == .enterprise }.map(\.id)
        XCTAssertEqual(Set(enterprises), ["enterprise-01", "enterprise-02"])
        let me = try await client.currentIdentity()
        XCTAssertEqual(me.id, "citizen-01")

        // Act for enterprise-01: the platform sees the enterprise, the person stays the caller.
        let enterprise = try await client.switchIdentity(identityId: "enterprise-01")
        XCTAssertEqual(enterprise.kind, .enterprise)
        XCTAssertNotNil(enterprise.uscc)
        XCTAssertEqual(presence.purposes, [.actForEnterprise(enterpriseId: "enterprise-01")])
        XCTAssertEqual(client.loginState().actingFor, "enterprise-01")
        let asEnterprise = try await client.whoami()
        XCTAssertEqual(asEnterprise.actingAs.id, "enterprise-01")
        XCTAssertEqual(asEnterprise.person.id, "citizen-01")
        let current = try await client.currentIdentity()
        XCTAssertEqual(current.id, "enterprise-01")

        // And back to the person: no presence check for that.
        let person = try await client.switchIdentity(identityId: "citizen-01")
        XCTAssertEqual(person.kind, .person)
        XCTAssertEqual(presence.purposes.count, 1)
        let asPerson = try await client.whoami()
        XCTAssertEqual(asPerson.actingAs.id, "citizen-01")
        XCTAssertNil(client.loginState().actingFor)

        try await client.refresh()

        // Log out: revoked at the provider, local session gone.
        let outcome = try await client.logout()
        XCTAssertTrue(outcome.revokedAtServer)
        XCTAssertEqual(client.loginState(), .loggedOut)
        let gone = try await client.account()
        XCTAssertNil(gone)
        await assertThrowsCityKitError(code: "auth.not_logged_in") { try await client.whoami() }
    }

    func testLogoutTakesDiscardUnsentAndReportsTheSessionAndWhatItDiscarded() async throws {
        let client = try await openClient()
        let nobody = try await client.logout()
        XCTAssertFalse(nobody.hadSession)
        XCTAssertFalse(nobody.revokedAtServer)
        XCTAssertEqual(nobody.discardedUnsent, 0)
        _ = try await logIn(client)
        let outcome = try await client.logout(discardUnsent: true)
        XCTAssertTrue(outcome.hadSession)
        XCTAssertTrue(outcome.revokedAtServer)
        XCTAssertEqual(outcome.discardedUnsent, 0)
    }

    func testSessionSurvivesReopeningTheClient() async throws {
        var client: CityKitClient? = try await openClient()
        let account = try await logIn(client!)
        client = nil  // releases the Rust client (and closes the store)

        let reopened = try await openClient()
        XCTAssertEqual(reopened.loginState(), .loggedIn(subject: account.subject, actingFor: nil))
        let whoami = try await reopened.whoami()
        XCTAssertEqual(whoami.person.id, "citizen-01")
        _ = try await reopened.logout()
    }
}
#endif
