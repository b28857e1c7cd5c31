#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// Errors cross the boundary as the typed `CityKitError` with its stable code; panics never crash.
final class ErrorTests: CityKitTestCase {
    func testWrongKeyFromTheAppsKeyProviderIsStoreWrongKey() async throws {
        do {
            let client = try await openClient(keyProvider: FixedKeyProvider(key: Data(repeating: 1, count: 32)))
            XCTAssertEqual(client.loginState(), .loggedOut)
        }
        let error = await assertThrowsCityKitError(code: "store.wrong_key") {
            try await self.openClient(keyProvider: FixedKeyProvider(key: Data(repeating: 2, count: 32)))
        }
        guard case .Store = error else { return XCTFail("expected the .Store case, got \(String(describing: error))") }
        XCTAssertFalse(error?.messageEn.isEmpty ?? true)
        XCTAssertFalse(error?.messageZh.isEmpty ?? true)
    }

    func testWrongPassphraseIsStoreWrongKey() async throws {
        let config = sim.config(dataDir: dataDir)
        do {
            _ = try await CityKitClient.open(
                config: config, keyProvider: passphraseKeyProvider(dataDir: dataDir.path, passphrase: "right"))
        }
        await assertThrowsCityKitError(code: "store.wrong_key") {
            try await CityKitClient.open(
                config: config, keyProvider: passphraseKeyProvider(dataDir: self.dataDir.path, passphrase: "wrong"))
        }
    }

    func testKeyProviderThatThrowsIsKeyUnavailable() async throws {
        // The keystore refusing (a CityKitError from the app) and an unexpected Swift error both
        // reach the app as store.key_unavailable, and the app's callback never crashes the process.
        let refused = CityKitError.Store(code: "store.key_unavailable", messageEn: "locked", messageZh: "已锁定", details: "test")
        await assertThrowsCityKitError(code: "store.key_unavailable") {
            try await self.openClient(keyProvider: FailingKeyProvider(error: refused))
        }
        struct KeychainFailure: Error {}
        await assertThrowsCityKitError(code: "store.key_unavailable") {
            try await self.openClient(keyProvider: FailingKeyProvider(error: KeychainFailure()))
        }
    }

    func testShortKeyIsRejectedNotTruncated() async throws {
        let error = await assertThrowsCityKitError(code: "store.invalid_key") {
            try await self.openClient(keyProvider: FixedKeyProvider(key: Data(repeating: 7, count: 16)))
        }
        XCTAssertNotNil(error)
    }

    #if CITYKIT_TEST_HOOKS
    func testPanicInsideTheCoreIsAnInternalErrorNotACrash() async throws {
        let client = try await openClient()
        let error = await assertThrowsCityKitError(code: "internal") { try await client.debugPanic() }
        guard case .Internal = error else { return XCTFail("expected the .Internal case, got \(String(describing: error))") }
        XCTAssertFalse(error!.details.contains("deliberate"), "the panic message stays out of the error")
        // The client (and its runtime) still works after the panic.
        try await logIn(client)
        let whoami = try await client.whoami()
        XCTAssertEqual(whoami.person.id, "citizen-01")
    }
    #endif

    func testErrorHelpers() async throws {
        let client = try await openClient()
        let error = await assertThrowsCityKitError(code: "auth.not_logged_in") { try await client.whoami() }
        let e = try XCTUnwrap(error)
        guard case .Auth = e else { return XCTFail("expected .Auth, got \(e)") }
        XCTAssertEqual(e.message(preferredLanguages: ["zh-Hans-CN", "en"]), e.messageZh)
        XCTAssertEqual(e.message(preferredLanguages: ["en-GB"]), e.messageEn)
        XCTAssertEqual(e.message(preferredLanguages: ["fr"]), e.messageEn)
        XCTAssertNotEqual(e.messageEn, e.messageZh)
        // localizedDescription is for people: the message and the code, never the debug details.
        let shown = (e as Error).localizedDescription
        XCTAssertTrue(shown.contains(e.message()), shown)
        XCTAssertTrue(shown.contains("auth.not_logged_in"), shown)
        if !e.details.isEmpty {
            XCTAssertFalse(shown.contains(e.details), shown)
        }
    }
}
#endif
