#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// The app's callbacks (KeyProvider, UserPresence, DeviceKeys) fail with
/// `CallbackError.unavailable(reason:)`; the core turns that, or any other Swift error, into its
/// typed error, never a crash. What they return crosses too (a refused presence check).
final class CallbackTests: CityKitTestCase {
    func testKeyProviderThrowingIsKeyUnavailableWithTheReason() async throws {
        let error = await assertThrowsCityKitError(code: "store.key_unavailable") {
            try await self.openClient(keyProvider: FailingKeyProvider(error: CallbackError.unavailable(reason: "keychain locked")))
        }
        XCTAssertEqual(error?.domain(), .store)
        XCTAssertTrue(error?.details().contains("keychain locked") ?? false, error?.details() ?? "")
        struct KeychainFailure: Error {}
        await assertThrowsCityKitError(code: "store.key_unavailable") {
            try await self.openClient(keyProvider: FailingKeyProvider(error: KeychainFailure()))
        }
    }

    func testPresenceThatCannotBeShownIsPresenceUnavailable() async throws {
        let client = try await openClient(userPresence: ThrowingPresence(CallbackError.unavailable(reason: "no passcode")))
        try await logIn(client)
        let error = await assertThrowsCityKitError(code: "auth.presence_unavailable") {
            try await client.identity().switchIdentity(identityId: "enterprise-02")
        }
        XCTAssertTrue(error?.details().contains("no passcode") ?? false, error?.details() ?? "")
        struct LAError: Error {}
        let other = try await openClient(userPresence: ThrowingPresence(LAError()))
        await assertThrowsCityKitError(code: "auth.presence_unavailable") {
            try await other.identity().switchIdentity(identityId: "enterprise-02")
        }
    }

    func testDeclinedPresenceIsPresenceDeniedAndAskedWithTheTypedPurpose() async throws {
        let presence = RecordingPresence(confirmed: false)
        let client = try await openClient(userPresence: presence)
        let account = try await logIn(client)
        let error = await assertThrowsCityKitError(code: "auth.presence_denied") {
            try await client.identity().switchIdentity(identityId: "enterprise-01")
        }
        XCTAssertEqual(error?.domain(), .auth)
        XCTAssertEqual(presence.purposes, [.actForEnterprise(enterpriseId: "enterprise-01")])
        XCTAssertEqual(client.identity().loginState(), .loggedIn(subject: account.subject, actingFor: nil))
    }

    func testDeviceKeysThatCannotSignAreTheCoresDeviceKeyError() async throws {
        let error = await assertThrowsCityKitError(code: "auth.device_key") {
            let client = try await self.openClient(deviceKeys: UnavailableDeviceKeys())
            return try await self.logIn(client)
        }
        XCTAssertTrue(error?.details().contains("secure enclave busy") ?? false, error?.details() ?? "")
    }
}

/// A UserPresence whose prompt cannot be shown (no biometrics or passcode set up).
private final class ThrowingPresence: UserPresence, @unchecked Sendable {
    let error: Error
    init(_ error: Error) { self.error = error }
    func confirm(purpose: PresencePurpose) throws -> Bool { throw error }
}

/// A Secure Enclave key that is never available.
private final class UnavailableDeviceKeys: DeviceKeys {
    func publicKey() throws -> Data { throw CallbackError.unavailable(reason: "secure enclave busy") }
    func sign(message: Data) throws -> Data { throw CallbackError.unavailable(reason: "secure enclave busy") }
}
#endif
