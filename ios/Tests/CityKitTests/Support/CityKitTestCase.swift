#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// A test case with its own simulator and data directory, and the helpers every test uses.
class CityKitTestCase: XCTestCase {
    private(set) var sim: Simulator!
    private(set) var dataDir: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        sim = try Simulator()
        dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("citykit-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        sim?.stop()
        if let dataDir { try? FileManager.default.removeItem(at: dataDir) }
        super.tearDown()
    }

    /// Opens a client on this test's data directory, as an app would (`CityKitClient.open`).
    func openClient(
        keyProvider: KeyProvider = FixedKeyProvider(),
        deviceKeys: DeviceKeys? = nil,
        userPresence: UserPresence? = nil,
        requestTimeout: TimeInterval? = nil
    ) async throws -> CityKitClient {
        var config = sim.config(dataDir: dataDir)
        if let requestTimeout { config.net.requestTimeout = requestTimeout }
        return try await CityKitClient.open(
            config: config, keyProvider: keyProvider, deviceKeys: deviceKeys, userPresence: userPresence)
    }

    /// The whole browser round trip: start, sign in as `user` in test mode, complete.
    @discardableResult
    func logIn(_ client: CityKitClient, as user: String = "citizen-01") async throws -> Account {
        let identity = client.identity()
        let request = try await identity.startLogin()
        let redirect = try await sim.authorize(try XCTUnwrap(request.authorizationURL), user: user)
        return try await identity.completeLogin(redirectURL: redirect)
    }

    /// citizen-03's senior card (老年人优待证), filled from the wallet: logged in, licences
    /// fetched and the catalogue synced first.
    func fillSeniorCard(_ client: CityKitClient) async throws -> FilledForm {
        try await logIn(client, as: "citizen-03")
        _ = try await client.wallet().fetchLicences()
        _ = try await client.catalogue().sync()
        return try await client.autofill().fill(itemId: "senior-preferential-card")
    }

    /// The senior card submitted (a valid phone set first): the case, approved at once (秒批).
    func submitSeniorCard(_ client: CityKitClient) async throws -> Case {
        let form = try await fillSeniorCard(client)
        let phone = try XCTUnwrap(form.fields.first { $0.fieldType == .phone })
        _ = try await client.autofill().setField(draftId: form.draftId, field: phone.name, value: "13800138000", overrideVerified: false)
        guard case let .accepted(submitted) = try await client.cases().submit(draftId: form.draftId) else {
            throw SimulatorError.commandFailed("the senior card was not accepted")
        }
        return submitted
    }

    /// `itemId` filled from the wallet, every still-empty required field set the way the core's
    /// tests set it (core/tests/integration/services.rs, `filled_form`).
    func filledForm(_ client: CityKitClient, itemId: String) async throws -> FilledForm {
        let autofill = client.autofill()
        var form = try await autofill.fill(itemId: itemId)
        let schema = try await client.catalogue().item(id: itemId).form.fields
        let today = Self.chinaDate.string(from: Date())
        for field in form.fields where field.required && field.value == nil {
            let value: String
            switch field.fieldType {
            case .phone: value = "13800138000"
            case .date: value = today
            case .choice: value = try XCTUnwrap(schema.first { $0.name == field.name }?.options.first).value
            default: value = field.name.contains("postcode") ? "518000" : "测试"
            }
            form = try await autofill.setField(draftId: form.draftId, field: field.name, value: value, overrideVerified: false)
        }
        XCTAssertEqual(form.missingRequired, [])
        XCTAssertEqual(form.errors.map { "\($0.field): \($0.problem)" }, [])
        return form
    }

    /// `YYYY-MM-DD` in China time, as the platform's dates are.
    private static let chinaDate: DateFormatter = {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }()
}

/// Asserts that `body` throws a `CityKitError` with `code`, and returns it.
@discardableResult
func assertThrowsCityKitError<T>(
    code: String,
    _ body: () async throws -> T,
    file: StaticString = #filePath,
    line: UInt = #line
) async -> CityKitError? {
    do {
        let value = try await body()
        XCTFail("expected CityKitError \(code), got \(value)", file: file, line: line)
    } catch let error as CityKitError {
        XCTAssertEqual(error.code(), code, "details: \(error.details())", file: file, line: line)
        return error
    } catch {
        XCTFail("expected CityKitError \(code), got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

/// A `KeyProvider` as an app writes it over the Keychain: here a fixed 32-byte key.
final class FixedKeyProvider: KeyProvider {
    let key: Data
    private let calls = LiveCounter()

    init(key: Data = Data((0..<32).map { UInt8($0) })) {
        self.key = key
    }

    var callCount: Int { calls.value }

    func storeKey(storeId: String) throws -> Data {
        calls.add(1)
        return key
    }
}

/// A `KeyProvider` whose keystore fails (locked device, cancelled prompt).
final class FailingKeyProvider: KeyProvider, @unchecked Sendable {
    let error: Error

    init(error: Error) {
        self.error = error
    }

    func storeKey(storeId: String) throws -> Data {
        throw error
    }
}

/// A `UserPresence` that answers `confirmed` and records what it was asked.
final class RecordingPresence: UserPresence, @unchecked Sendable {
    let confirmed: Bool
    private let lock = NSLock()
    private var asked: [PresencePurpose] = []

    init(confirmed: Bool) {
        self.confirmed = confirmed
    }

    var purposes: [PresencePurpose] {
        lock.lock()
        defer { lock.unlock() }
        return asked
    }

    func confirm(purpose: PresencePurpose) throws -> Bool {
        lock.lock()
        asked.append(purpose)
        lock.unlock()
        return confirmed
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: TimeInterval = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() > deadline { return false }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return true
}
#endif
