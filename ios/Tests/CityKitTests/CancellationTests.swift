#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// Cancelling the Swift Task stops a CityKit call at once (CityKit+Cancellation.swift): one test
/// per overridden method, a Task cancelled before the call, and the canary for the day UniFFI
/// does it itself.
final class CancellationTests: CityKitTestCase {
    /// Runs `call` in a Task, cancels it once it waits (300 ms), and asserts it throws
    /// `CancellationError` within a second.
    private func assertCancelsPromptly<T>(
        file: StaticString = #filePath, line: UInt = #line, _ call: @escaping @Sendable () async throws -> T
    ) async throws {
        let task = Task { try await call() }
        try await Task.sleep(nanoseconds: 300_000_000)
        let cancelledAt = Date()
        task.cancel()
        let result = await task.result
        let elapsed = Date().timeIntervalSince(cancelledAt)
        XCTAssertLessThan(elapsed, 1.0, "cancellation took \(elapsed) s", file: file, line: line)
        XCTAssertThrowsError(try result.get(), file: file, line: line) { error in
            XCTAssertTrue(error is CancellationError, "expected CancellationError, got \(error)", file: file, line: line)
        }
    }

    private func delay(_ path: String, millis: Int = 5000) async throws {
        try await sim.fault(#"{"delay": {"path": "\#(path)", "millis": \#(millis)}}"#)
    }

    func testWhoami() async throws {
        let client = try await openClient()
        try await logIn(client)
        try await delay("/api/v1/me")
        try await assertCancelsPromptly { try await client.identity().whoami() }
        // The client is fine afterwards.
        try await sim.clearFaults()
        let whoami = try await client.identity().whoami()
        XCTAssertEqual(whoami.person.id, "citizen-01")
    }

    func testATaskCancelledBeforeTheCallNeverReachesThePlatform() async throws {
        let client = try await openClient()
        try await logIn(client)
        _ = try await client.identity().whoami()
        let before = try await sim.requestCount("/api/v1/me")
        XCTAssertEqual(before, 1, "the simulator counts /api/v1/me")
        let call = Task {
            withUnsafeCurrentTask { $0?.cancel() }  // cancelled before whoami starts
            return try await client.identity().whoami()
        }
        let result = await call.result
        XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError, "\($0)") }
        try await Task.sleep(nanoseconds: 300_000_000)
        let after = try await sim.requestCount("/api/v1/me")
        XCTAssertEqual(after, before, "a cancelled call must not reach the platform")
    }

    func testStartLogin() async throws {
        let client = try await openClient()
        try await delay("/par")
        try await assertCancelsPromptly { try await client.identity().startLogin() }
    }

    func testIdentities() async throws {
        let client = try await openClient()
        try await logIn(client)
        try await delay("/api/v1/identities")
        try await assertCancelsPromptly { try await client.identity().identities() }
    }

    func testCurrentIdentity() async throws {
        let client = try await openClient()
        try await logIn(client)
        // No identity list is saved yet, so it is fetched: slowly.
        try await delay("/api/v1/identities")
        try await assertCancelsPromptly { try await client.identity().currentIdentity() }
    }

    func testCompleteLoginStopsTheWaitingNotTheLogin() async throws {
        let client = try await openClient()
        let identity = client.identity()
        let request = try await identity.startLogin()
        let redirect = try await sim.authorize(try XCTUnwrap(request.authorizationURL))
        try await delay("/token", millis: 3000)
        try await assertCancelsPromptly { try await identity.completeLogin(redirectURL: redirect) }
        XCTAssertEqual(identity.loginState(), .loggedOut, "the token answer is still on its way")
        // The core finishes the login on its own (the code is single use).
        let finished = await eventually(timeout: 15) { identity.loginState().isLoggedIn }
        XCTAssertTrue(finished, "the cancelled completeLogin did not finish its work: \(identity.loginState())")
        try await sim.clearFaults()
        let whoami = try await identity.whoami()
        XCTAssertEqual(whoami.person.id, "citizen-01")
    }

    func testSwitchIdentityStopsTheWaitingNotTheSwitch() async throws {
        let client = try await openClient(userPresence: RecordingPresence(confirmed: true))
        let account = try await logIn(client)
        // No identity list is saved yet, so the switch fetches it first: slowly.
        try await delay("/api/v1/identities", millis: 3000)
        try await assertCancelsPromptly { try await client.identity().switchIdentity(identityId: "enterprise-01") }
        // The core runs the switch to its end, so the saved and the in-use identity agree.
        let switched = await eventually(timeout: 15) {
            client.identity().loginState() == .loggedIn(subject: account.subject, actingFor: "enterprise-01")
        }
        XCTAssertTrue(switched, "the cancelled switchIdentity did not finish: \(client.identity().loginState())")
        try await sim.clearFaults()
        let current = try await client.identity().currentIdentity()
        XCTAssertEqual(current.id, "enterprise-01")
    }

    func testCatalogueSync() async throws {
        let client = try await openClient()
        try await logIn(client)
        try await delay("/api/v1/catalogue")
        try await assertCancelsPromptly { try await client.catalogue().sync() }
        try await sim.clearFaults()
        let synced = try await client.catalogue().sync()
        XCTAssertTrue(synced.changed, "the cancelled sync stored nothing")
    }

    func testFillWhileTheConsentPromptIsUp() async throws {
        let client = try await openClient(userPresence: SlowFillConsent())
        try await logIn(client, as: "citizen-03")
        _ = try await client.wallet().fetchLicences()
        _ = try await client.catalogue().sync()
        try await assertCancelsPromptly { try await client.autofill().fill(itemId: "senior-preferential-card") }
    }

    func testGetCase() async throws {
        let client = try await openClient(userPresence: RecordingPresence(confirmed: true))
        let submitted = try await submitSeniorCard(client)
        try await delay("/api/v1/cases/\(submitted.id)")
        try await assertCancelsPromptly { try await client.cases().getCase(caseId: submitted.id) }
    }

    func testRecommendWhileTheStatisticsAreFetched() async throws {
        let client = try await openClient()
        try await logIn(client)
        _ = try await client.catalogue().sync()
        try await delay("/api/v1/recommend/next-steps")
        try await assertCancelsPromptly { try await client.recommend().recommend(limit: 5) }
    }

    func testCampaigns() async throws {
        let client = try await openClient()
        try await logIn(client)
        try await delay("/api/v1/campaigns")
        try await assertCancelsPromptly { try await client.recommend().campaigns() }
    }

    func testReview() async throws {
        let client = try await openClient(userPresence: RecordingPresence(confirmed: true))
        let submitted = try await submitSeniorCard(client)
        try await delay("/api/v1/cases/\(submitted.id)")
        try await assertCancelsPromptly { try await client.cases().review(caseId: submitted.id) }
    }

    /// Why `CityKitClient.open` returns cancellable sub-clients: the generated methods ignore
    /// Task cancellation (uniffi-rs #2771). When this fails, UniFFI has fixed it and
    /// CityKit+Cancellation.swift can go.
    func testGeneratedClientIgnoresCancellation() async throws {
        let generated = try await CityKit.openClient(
            config: sim.config(dataDir: dataDir), keyProvider: FixedKeyProvider(), deviceKeys: nil, userPresence: nil)
        XCTAssertFalse(generated.identity() is CancellableIdentityClient)
        try await logIn(generated)
        try await delay("/api/v1/me", millis: 1500)
        let call = Task { try await generated.identity().whoami() }
        try await Task.sleep(nanoseconds: 200_000_000)
        let cancelledAt = Date()
        call.cancel()
        let result = await call.result
        XCTAssertGreaterThan(Date().timeIntervalSince(cancelledAt), 1.0, "the generated call now honours cancellation")
        XCTAssertEqual(try result.get().person.id, "citizen-01")
    }
}

/// Confirms everything, but takes 3 s to answer the form-filling consent (the person hesitates).
private final class SlowFillConsent: UserPresence, @unchecked Sendable {
    func confirm(purpose: PresencePurpose) throws -> Bool {
        if case .fillForm = purpose { Thread.sleep(forTimeInterval: 3) }
        return true
    }
}
#endif
