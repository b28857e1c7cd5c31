#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// The idiomatic layer's conversions and Personal, without the network.
final class IdiomaticLayerTests: XCTestCase {
    func testClientConfigIsTheCoresWithEveryDefault() {
        let config = ClientConfig(
            dataDirectory: URL(fileURLWithPath: "/var/mobile/CityKit"), issuer: URL(string: "https://id.city.example")!,
            clientId: "app", redirectUri: "org.city.app:/oauth2redirect")
        let core = clientConfig(
            dataDir: "/var/mobile/CityKit", issuer: "https://id.city.example", clientId: "app", redirectUri: "org.city.app:/oauth2redirect")
        XCTAssertEqual(config, core, "every default is the core's, none is Swift's")
        XCTAssertEqual(config.dataDir, "/var/mobile/CityKit")
        XCTAssertEqual(config.platform.issuer, "https://id.city.example")
        // The core's defaults, as Swift types (Duration -> TimeInterval in seconds).
        XCTAssertEqual(core.platform.scopes, ["openid", "profile", "offline_access"])
        XCTAssertNil(core.platform.apiBase)
        XCTAssertFalse(core.net.trust.usePublicRoots, "only the platform's own roots unless told")
        XCTAssertEqual(core.net.requestTimeout, 30)
        XCTAssertEqual(core.net.connectTimeout, 10)
        XCTAssertEqual(core.net.initialBackoff, 0.2, accuracy: 1e-9)
        let settings = verifierSettings()
        XCTAssertEqual(settings.statusRefreshAfter, 5 * 60)
        XCTAssertEqual(settings.maxStatusAge, 24 * 3600)
    }

    func testLoginRequestAndStateHelpers() {
        let request = LoginRequest(authorizationUrl: "https://id.city.example/authorize?x=1", expiresAt: 1_900_000_000)
        XCTAssertEqual(request.authorizationURL?.host, "id.city.example")
        XCTAssertFalse(LoginState.loggedOut.isLoggedIn)
        XCTAssertFalse(LoginState.sessionExpired.isLoggedIn)
        XCTAssertTrue(LoginState.loggedIn(subject: "s", actingFor: nil).isLoggedIn)
        XCTAssertNil(LoginState.loggedIn(subject: "s", actingFor: nil).actingFor)
        XCTAssertEqual(LoginState.loggedIn(subject: "s", actingFor: "enterprise-01").actingFor, "enterprise-01")
    }

    func testLanguageOfALocale() {
        XCTAssertEqual(Language(Locale(identifier: "zh-Hans-CN")), .zh)
        XCTAssertEqual(Language(Locale(identifier: "zh_HK")), .zh)
        XCTAssertEqual(Language(Locale(identifier: "en_US")), .en)
        XCTAssertEqual(Language(Locale(identifier: "ja_JP")), .en)
        XCTAssertEqual(CallbackError.unavailable(reason: "r"), .Unavailable(reason: "r"))
    }

    func testPersonalNeverShowsItsValue() {
        let name = Personal("张三")
        XCTAssertEqual(name.expose(), "张三")
        XCTAssertEqual(String(describing: name), "‹redacted›")
        XCTAssertEqual(String(reflecting: name), "‹redacted›")
        XCTAssertEqual("\(name)", "‹redacted›")
        var dumped = ""
        dump(name, to: &dumped)
        XCTAssertFalse(dumped.contains("张三"), dumped)
        XCTAssertTrue(Mirror(reflecting: name).children.isEmpty)
        XCTAssertEqual(name, Personal("张三"))
        XCTAssertNotEqual(name, Personal("李四"))
        XCTAssertEqual(Set([name, Personal("张三")]).count, 1)
        let party = Party(role: "applicant", name: Personal("张三"), idNumber: Personal("110101199003074514"))
        assertRedacted(party, hides: ["张三", "110101199003074514"])
    }
}

/// Asserts that `value`'s description, debug description and dump hide every one of `secrets`.
func assertRedacted(_ value: Any, hides secrets: [String], file: StaticString = #filePath, line: UInt = #line) {
    var dumped = ""
    dump(value, to: &dumped)
    for (how, text) in [("String(describing:)", String(describing: value)), ("String(reflecting:)", String(reflecting: value)), ("dump", dumped)] {
        XCTAssertTrue(text.contains("‹redacted›"), "\(how) shows no redaction: \(text)", file: file, line: line)
        for secret in secrets where !secret.isEmpty {
            XCTAssertFalse(text.contains(secret), "\(how) shows personal data: \(text)", file: file, line: line)
        }
    }
}

/// A request timeout set on the config (a TimeInterval, a Duration in the core) reaches the core.
final class RequestTimeoutTests: CityKitTestCase {
    func testRequestTimeoutGivesNetTimeout() async throws {
        let client = try await openClient(requestTimeout: 0.5)
        try await logIn(client)
        try await sim.fault(#"{"delay": {"path": "/api/v1/me", "millis": 5000}}"#)
        let started = Date()
        // With the default 30 s this would succeed after 5 s. With 0.5 s, the core tries 3 times
        // (GET is idempotent), with 0.2 s and 0.4 s backoffs, then gives up.
        await assertThrowsCityKitError(code: "net.timeout") { try await client.identity().whoami() }
        XCTAssertLessThan(Date().timeIntervalSince(started), 4.5, "the 0.5 s timeout did not apply")
        let attempts = try await sim.requestCount("/api/v1/me")
        XCTAssertEqual(attempts, 3)
    }
}
#endif
