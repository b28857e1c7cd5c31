#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// The e-licence wallet over HTTPS against the simulator: fetch, show (亮证), verify, access log.
final class WalletTests: CityKitTestCase {
    static let idCard = "urn:citykit:vct:resident_id_card"

    func testFetchPresentVerifyAndAccessLog() async throws {
        let presence = RecordingPresence(confirmed: true)
        let client = try await openClient(userPresence: presence)
        try await logIn(client)

        let licences = try await client.fetchLicences()
        XCTAssertEqual(presence.purposes, [.readLicences(holderId: "citizen-01")])
        let idCard = try XCTUnwrap(licences.first { $0.vct == Self.idCard }, "no ID card in \(licences.map(\.vct))")
        XCTAssertEqual(idCard.status, "valid")
        XCTAssertTrue(idCard.claimNames.contains("age_over_18"), "claim names: \(idCard.claimNames)")
        let kept = try await client.licences()
        XCTAssertEqual(kept, licences, "the fetched licences are kept")

        let claimsJSON = try await client.licenceClaimsJson(id: idCard.id)
        let claims = try jsonObject(claimsJSON)
        XCTAssertEqual(claims["age_over_18"] as? Bool, true)

        let shown = try await client.present(id: idCard.id, claims: ["age_over_18"], audience: "kiosk-1", nonce: nil, lifetimeSecs: 60)
        XCTAssertEqual(shown.licenceId, idCard.id)
        XCTAssertEqual(shown.claims, ["age_over_18"])
        XCTAssertEqual(shown.audience, "kiosk-1")
        XCTAssertFalse(shown.nonce.isEmpty)
        XCTAssertGreaterThan(shown.expiresAt, Int64(Date().timeIntervalSince1970))

        let trusted = [try issuerMetadata(office: "public-security")]
        let otherKiosk = try PresentationVerifier(audience: "kiosk-2", trustedIssuerMetadata: trusted)
        let wrongAudience = await assertThrowsCityKitError(code: "wallet.wrong_audience") {
            try otherKiosk.verify(text: shown.text)
        }
        guard case .Wallet = wrongAudience else {
            return XCTFail("expected the .Wallet case, got \(String(describing: wrongAudience))")
        }

        let kiosk = try PresentationVerifier(audience: "kiosk-1", trustedIssuerMetadata: trusted)
        let verified = try kiosk.verify(text: shown.text)
        XCTAssertEqual(verified.vct, Self.idCard)
        let seen = try jsonObject(verified.claimsJson)
        XCTAssertEqual(seen["age_over_18"] as? Bool, true)
        XCTAssertNil(seen["name"], "the name was disclosed")
        XCTAssertNil(seen["id_number"], "the ID number was disclosed")
        await assertThrowsCityKitError(code: "wallet.replayed_nonce") {
            try kiosk.verify(text: shown.text)
        }

        await assertThrowsCityKitError(code: "wallet.unknown_claim") {
            try await client.present(id: idCard.id, claims: ["shoe_size"], audience: "kiosk-1", nonce: nil, lifetimeSecs: 60)
        }

        let log = try await client.accessLog()
        XCTAssertEqual(log.map(\.action), ["presentation", "consent"])
        XCTAssertEqual(log.first?.claims, ["age_over_18"])
        XCTAssertEqual(log.first?.counterparty, "kiosk-1")
        let allNames = Set(licences.flatMap(\.claimNames))
        XCTAssertTrue(log.allSatisfy { Set($0.claims).isSubset(of: allNames) }, "the log holds more than claim names: \(log)")
        // The values of the licence's claims (name, ID number, address…) appear nowhere in the log.
        let values = claims.filter { idCard.claimNames.contains($0.key) }
            .compactMapValues { $0 as? String }
            .filter { $0.value.count >= 2 }
        XCTAssertNotNil(values["name"])
        XCTAssertNotNil(values["id_number"])
        let logText = String(describing: log)
        let leaked = values.filter { logText.contains($0.value) }.keys.sorted()
        XCTAssertEqual(leaked, [], "the access log holds the values of these claims")
    }

    /// The issuer metadata JSON (`{"issuer", "jwks"}`) of `office`, over HTTPS trusting only the simulator's CA.
    private func issuerMetadata(office: String) throws -> String {
        let url = sim.issuer.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            + "/.well-known/jwt-vc-issuer/issuers/" + office
        return try httpsGet(url, caFile: sim.caFile)
    }

    private func jsonObject(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object")
    }
}

// MARK: - An HTTPS GET trusting one CA file

/// FoundationNetworking on Linux cannot be given a custom CA, and the Swift chroot has no `curl`
/// command, so on Linux this drives the libcurl FoundationNetworking already loads, with
/// CURLOPT_CAINFO set to `caFile` (only that CA is trusted). On macOS it runs `/usr/bin/curl`.
private struct HTTPSGetError: Error, CustomStringConvertible {
    let description: String
}

#if os(Linux)
private func httpsGet(_ url: String, caFile: String) throws -> String {
    guard let curl = dlopen("libcurl.so.4", RTLD_NOW) else {
        throw HTTPSGetError(description: "cannot load libcurl.so.4: \(String(cString: dlerror()))")
    }
    defer { dlclose(curl) }
    func symbol<T>(_ name: String, as type: T.Type) throws -> T {
        guard let pointer = dlsym(curl, name) else { throw HTTPSGetError(description: "libcurl has no \(name)") }
        return unsafeBitCast(pointer, to: type)
    }
    typealias Handle = UnsafeMutableRawPointer
    typealias WriteCallback = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int
    // curl_easy_setopt and curl_easy_getinfo are variadic; on x86-64 and arm64 Linux a variadic
    // callee takes its pointer and long arguments where a fixed-argument call puts them.
    let easyInit = try symbol("curl_easy_init", as: (@convention(c) () -> Handle?).self)
    let setPointer = try symbol("curl_easy_setopt", as: (@convention(c) (Handle, Int32, UnsafeRawPointer?) -> Int32).self)
    let setLong = try symbol("curl_easy_setopt", as: (@convention(c) (Handle, Int32, Int) -> Int32).self)
    let setCallback = try symbol("curl_easy_setopt", as: (@convention(c) (Handle, Int32, WriteCallback) -> Int32).self)
    let perform = try symbol("curl_easy_perform", as: (@convention(c) (Handle) -> Int32).self)
    let getLong = try symbol("curl_easy_getinfo", as: (@convention(c) (Handle, Int32, UnsafeMutablePointer<Int>) -> Int32).self)
    let cleanup = try symbol("curl_easy_cleanup", as: (@convention(c) (Handle) -> Void).self)
    let strerror = try symbol("curl_easy_strerror", as: (@convention(c) (Int32) -> UnsafePointer<CChar>).self)

    // From curl/curl.h.
    let optWriteData: Int32 = 10001, optURL: Int32 = 10002, optCAInfo: Int32 = 10065
    let optWriteFunction: Int32 = 20011, optTimeout: Int32 = 13, optNoSignal: Int32 = 99
    let infoResponseCode: Int32 = 0x200002

    guard let handle = easyInit() else { throw HTTPSGetError(description: "curl_easy_init failed") }
    defer { cleanup(handle) }
    final class Body { var data = Data() }
    let body = Body()
    let write: WriteCallback = { bytes, size, count, user in
        guard let bytes, let user else { return 0 }
        let body = Unmanaged<Body>.fromOpaque(user).takeUnretainedValue()
        body.data.append(UnsafeRawPointer(bytes).assumingMemoryBound(to: UInt8.self), count: size * count)
        return size * count
    }
    var code: Int32 = 0
    // libcurl copies string options, so the C strings need only live through each call.
    url.withCString { code |= setPointer(handle, optURL, $0) }
    caFile.withCString { code |= setPointer(handle, optCAInfo, $0) }
    code |= setLong(handle, optTimeout, 10)
    code |= setLong(handle, optNoSignal, 1)
    code |= setCallback(handle, optWriteFunction, write)
    code |= setPointer(handle, optWriteData, Unmanaged.passUnretained(body).toOpaque())
    guard code == 0 else { throw HTTPSGetError(description: "curl_easy_setopt failed") }
    let result = withExtendedLifetime(body) { perform(handle) }
    guard result == 0 else {
        throw HTTPSGetError(description: "GET \(url): \(String(cString: strerror(result))) (CURLcode \(result))")
    }
    var status = 0
    _ = getLong(handle, infoResponseCode, &status)
    guard status == 200 else { throw HTTPSGetError(description: "GET \(url): HTTP \(status)") }
    return String(decoding: body.data, as: UTF8.self)
}
#else
private func httpsGet(_ url: String, caFile: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["--silent", "--show-error", "--fail", "--max-time", "10", "--cacert", caFile, url]
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw HTTPSGetError(description: "curl \(url) exited \(process.terminationStatus): " + String(decoding: err, as: UTF8.self))
    }
    return String(decoding: out, as: UTF8.self)
}
#endif
#endif
