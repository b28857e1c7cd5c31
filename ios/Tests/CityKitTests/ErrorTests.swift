#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// Every failure arrives as the one error object, `CityKitError`: read with `code()`, `domain()`,
/// `message(language:)` and `details()`, never a switch over domains. Panics never crash.
final class ErrorTests: CityKitTestCase {
    func testWrongKeyFromTheAppsKeyProviderIsStoreWrongKeyInTheStoreDomain() async throws {
        _ = try await openClient(keyProvider: FixedKeyProvider(key: Data(repeating: 1, count: 32)))
        let error = await assertThrowsCityKitError(code: "store.wrong_key") {
            try await self.openClient(keyProvider: FixedKeyProvider(key: Data(repeating: 2, count: 32)))
        }
        let e = try XCTUnwrap(error)
        XCTAssertEqual(e.domain(), .store)
        let en = e.message(language: .en), zh = e.message(language: .zh)
        XCTAssertFalse(en.isEmpty)
        XCTAssertFalse(zh.isEmpty)
        XCTAssertNotEqual(en, zh)
        XCTAssertFalse(e.details().isEmpty)
        // description: "<code>: <English message>"; the localized helper maps a Locale to a Language.
        XCTAssertEqual(e.description, "store.wrong_key: \(en)")
        XCTAssertEqual("\(e)", e.description)
        XCTAssertEqual(e.message(locale: Locale(identifier: "zh-Hans-CN")), zh)
        XCTAssertEqual(e.message(locale: Locale(identifier: "zh_TW")), zh)
        XCTAssertEqual(e.message(locale: Locale(identifier: "en_GB")), en)
        XCTAssertEqual(e.message(locale: Locale(identifier: "fr_FR")), en)
        XCTAssertFalse(e.description.contains(e.details()), "print and interpolation show no debug details")
    }

    /// `errorDescription` (what `localizedDescription` shows on Apple platforms) is the message
    /// for people, never the Rust debug dump with `details` (UniFFI's own conformance is off:
    /// `omit_localized_error_conformance` in bindings/citykit-ffi/uniffi.toml).
    /// (`localizedDescription` itself is not called here: on Linux it crashes for any class that
    /// conforms to Error, swift-corelibs-foundation #5221, fixed in Swift 6.2.)
    func testErrorDescriptionIsTheMessageForPeople() async throws {
        let client = try await openClient()
        let error = await assertThrowsCityKitError(code: "auth.not_logged_in") { try await client.identity().whoami() }
        let e = try XCTUnwrap(error)
        XCTAssertEqual(e.errorDescription, e.message(locale: .current))
        XCTAssertFalse(e.errorDescription?.contains(e.details()) ?? true)
        XCTAssertNotEqual(e.errorDescription, e.debugDescription)
    }

    /// The domain is the code's first part, for every domain an app meets (no per-domain types).
    func testDomainMatchesTheCodeAcrossDomains() async throws {
        let client = try await openClient()
        var errors: [CityKitError] = []
        func record(_ body: () async throws -> Void) async {
            do { try await body() } catch let e as CityKitError { errors.append(e) } catch { XCTFail("\(error)") }
        }
        await record { _ = try await client.identity().whoami() }                      // auth
        await record { _ = try await client.catalogue().item(id: "nothing") }          // catalogue
        await record { _ = try await client.wallet().licence(id: "nothing") }          // wallet
        await record { _ = try client.verifier(audience: "w", trustedIssuerMetadata: ["not json"], settings: verifierSettings()) }
        XCTAssertEqual(errors.count, 4)
        let names: [ErrorDomain: String] = [.store: "store", .net: "net", .auth: "auth", .wallet: "wallet",
                                            .catalogue: "catalogue", .autofill: "autofill", .case: "case",
                                            .config: "config", .internal: "internal"]
        for e in errors {
            XCTAssertEqual(e.code().split(separator: ".").first.map(String.init), names[e.domain()], e.description)
        }
    }

    func testWrongPassphraseIsStoreWrongKey() async throws {
        // A KeyProvider implemented in Rust, handed to Swift and back.
        let config = sim.config(dataDir: dataDir)
        _ = try await CityKitClient.open(config: config, keyProvider: passphraseKeyProvider(dataDir: dataDir.path, passphrase: "right"))
        await assertThrowsCityKitError(code: "store.wrong_key") {
            try await CityKitClient.open(config: config, keyProvider: passphraseKeyProvider(dataDir: self.dataDir.path, passphrase: "wrong"))
        }
    }

    func testShortKeyIsRejectedNotTruncated() async throws {
        await assertThrowsCityKitError(code: "store.invalid_key") {
            try await self.openClient(keyProvider: FixedKeyProvider(key: Data(repeating: 7, count: 16)))
        }
    }

    #if CITYKIT_TEST_HOOKS
    func testPanicInsideTheCoreIsAnInternalErrorNotACrash() async throws {
        let client = try await openClient()
        let error = await assertThrowsCityKitError(code: "internal") { try await client.debugPanic() }
        XCTAssertEqual(error?.domain(), .internal)
        XCTAssertFalse(error?.details().contains("deliberate") ?? true, "the panic message stays out of the error")
        // The client (and its runtime) still works after the panic.
        try await logIn(client)
        let whoami = try await client.identity().whoami()
        XCTAssertEqual(whoami.person.id, "citizen-01")
    }
    #endif
}
#endif
