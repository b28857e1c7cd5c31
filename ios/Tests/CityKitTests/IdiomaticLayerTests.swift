#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// The conversions of the idiomatic layer, without the network.
final class IdiomaticLayerTests: XCTestCase {
    func testClientConfigFromSwiftTypes() {
        let config = ClientConfig(
            dataDirectory: URL(fileURLWithPath: "/var/mobile/CityKit"),
            issuer: URL(string: "https://id.city.example")!,
            clientID: "app",
            redirectURI: "org.city.app:/oauth2redirect",
            requestTimeout: 1.5
        )
        XCTAssertEqual(config.dataDir, "/var/mobile/CityKit")
        XCTAssertEqual(config.issuer, "https://id.city.example")
        XCTAssertEqual(config.clientId, "app")
        XCTAssertEqual(config.redirectUri, "org.city.app:/oauth2redirect")
        XCTAssertEqual(config.scopes, [])
        XCTAssertNil(config.apiBase)
        // Every default is the core's: it trusts only the platform's roots unless told.
        XCTAssertEqual(config.usePublicRoots, coreDefaults().usePublicRoots)
        XCTAssertFalse(config.usePublicRoots)
        XCTAssertEqual(config.requestTimeoutMs, 1500)

        func timeout(_ t: TimeInterval?) -> UInt64 {
            ClientConfig(dataDirectory: URL(fileURLWithPath: "/d"), issuer: URL(string: "https://i")!,
                         clientID: "c", redirectURI: "r:/", requestTimeout: t).requestTimeoutMs
        }
        XCTAssertEqual(timeout(nil), 0, "nil keeps the core's default")
        XCTAssertEqual(timeout(0), 1, "never 0, which would mean the default")
        XCTAssertEqual(timeout(-5), 1)
        XCTAssertEqual(timeout(.infinity), 86_400_000)
    }

    func testEveryConfigDefaultIsTheCores() {
        let core = coreDefaults()
        XCTAssertEqual(ClientConfig.defaults, core)
        let config = ClientConfig(
            dataDirectory: URL(fileURLWithPath: "/d"), issuer: URL(string: "https://i")!, clientID: "c", redirectURI: "r:/")
        XCTAssertEqual(config.usePublicRoots, core.usePublicRoots)
        XCTAssertFalse(core.usePublicRoots)
        XCTAssertEqual(config.scopes, [], "empty: the core's scopes")
        XCTAssertEqual(config.requestTimeoutMs, 0, "0: the core's timeout")
        XCTAssertEqual(core.scopes, ["openid", "profile", "offline_access"], "a refresh token is asked for the way providers expect")
        XCTAssertGreaterThan(core.requestTimeoutMs, 0)
        XCTAssertEqual(core.draftMaxAgeSecs, 30 * 24 * 3600)
    }

    func testLoginRequestAndStateHelpers() {
        let request = LoginRequest(authorizationUrl: "https://id.city.example/authorize?x=1", expiresAt: 1_900_000_000)
        XCTAssertEqual(request.authorizationURL?.host, "id.city.example")
        XCTAssertEqual(request.expirationDate, Date(timeIntervalSince1970: 1_900_000_000))

        XCTAssertFalse(LoginState.loggedOut.isLoggedIn)
        XCTAssertFalse(LoginState.sessionExpired.isLoggedIn)
        XCTAssertTrue(LoginState.loggedIn(subject: "s", actingFor: nil).isLoggedIn)
        XCTAssertNil(LoginState.loggedIn(subject: "s", actingFor: nil).actingFor)
        XCTAssertEqual(LoginState.loggedIn(subject: "s", actingFor: "enterprise-01").actingFor, "enterprise-01")
    }

    func testErrorCodeOnEveryCase() {
        let cases: [CityKitError] = [
            .Store(code: "store.io", messageEn: "e", messageZh: "z", details: "DEBUG-DETAILS"),
            .Net(code: "net.offline", messageEn: "e", messageZh: "z", details: "DEBUG-DETAILS"),
            .Auth(code: "auth.session_expired", messageEn: "e", messageZh: "z", details: "DEBUG-DETAILS"),
            .Config(code: "config.invalid", messageEn: "e", messageZh: "z", details: "DEBUG-DETAILS"),
            .Internal(code: "internal", messageEn: "e", messageZh: "z", details: "DEBUG-DETAILS"),
        ]
        XCTAssertEqual(cases.map(\.code), ["store.io", "net.offline", "auth.session_expired", "config.invalid", "internal"])
        for error in cases {
            XCTAssertEqual(error.messageEn, "e")
            XCTAssertEqual(error.messageZh, "z")
            XCTAssertEqual(error.details, "DEBUG-DETAILS")
            XCTAssertEqual(error.message(preferredLanguages: ["zh-Hant-TW"]), "z")
            XCTAssertFalse(error.localizedDescription.contains("DEBUG-DETAILS"), error.localizedDescription)
            XCTAssertTrue(error.localizedDescription.hasSuffix("(\(error.code))"), error.localizedDescription)
        }
    }
}

/// The request timeout set through the idiomatic ClientConfig reaches the core.
final class RequestTimeoutTests: CityKitTestCase {
    func testRequestTimeoutGivesNetTimeout() async throws {
        let client = try await openClient(requestTimeout: 0.5)
        try await logIn(client)
        try await sim.fault(#"{"delay": {"path": "/api/v1/me", "millis": 5000}}"#)
        let started = Date()
        // With the default 30 s timeout this call would succeed after 5 s. With 0.5 s, the core
        // tries 3 times (GET is idempotent), with 0.2 s and 0.4 s backoffs, then gives up.
        await assertThrowsCityKitError(code: "net.timeout") { try await client.whoami() }
        XCTAssertLessThan(Date().timeIntervalSince(started), 4.5, "the 0.5 s timeout did not apply")
        let attempts = try await sim.requestCount("/api/v1/me")
        XCTAssertEqual(attempts, 3)
    }
}
#endif
