#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// Cancelling the Swift Task stops a CityKit call at once (see CityKit+Cancellation.swift).
final class CancellationTests: CityKitTestCase {
    func testCancellingATaskWaitingOnASlowRequestReturnsPromptly() async throws {
        let client = try await openClient()
        try await logIn(client)
        try await sim.fault(#"{"delay": {"path": "/api/v1/me", "millis": 5000}}"#)

        let call = Task { try await client.whoami() }
        try await Task.sleep(nanoseconds: 300_000_000)  // the request is now waiting on the platform
        let cancelledAt = Date()
        call.cancel()
        let result = await call.result
        let elapsed = Date().timeIntervalSince(cancelledAt)

        XCTAssertLessThan(elapsed, 1.0, "cancellation took \(elapsed) s")
        XCTAssertThrowsError(try result.get()) { error in
            XCTAssertTrue(error is CancellationError, "expected CancellationError, got \(error)")
        }

        // The client is fine afterwards.
        try await sim.clearFaults()
        let whoami = try await client.whoami()
        XCTAssertEqual(whoami.person.id, "citizen-01")
    }

    func testCancellingASlowCatalogueSyncReturnsPromptly() async throws {
        let client = try await openClient()
        try await logIn(client)
        try await sim.fault(#"{"delay": {"path": "/api/v1/catalogue", "millis": 5000}}"#)

        let call = Task { try await client.syncCatalogue() }
        try await Task.sleep(nanoseconds: 300_000_000)
        let cancelledAt = Date()
        call.cancel()
        let result = await call.result
        let elapsed = Date().timeIntervalSince(cancelledAt)
        XCTAssertLessThan(elapsed, 1.0, "cancellation took \(elapsed) s")
        XCTAssertThrowsError(try result.get()) { error in
            XCTAssertTrue(error is CancellationError, "expected CancellationError, got \(error)")
        }
        try await sim.clearFaults()
        let synced = try await client.syncCatalogue()
        XCTAssertTrue(synced.changed, "the cancelled sync stored nothing")
    }

    func testATaskCancelledBeforeTheCallNeverReachesThePlatform() async throws {
        let client = try await openClient()
        try await logIn(client)
        _ = try await client.whoami()
        let before = try await sim.requestCount("/api/v1/me")
        XCTAssertEqual(before, 1, "the simulator counts /api/v1/me")

        let call = Task {
            withUnsafeCurrentTask { $0?.cancel() }  // cancelled before whoami starts
            return try await client.whoami()
        }
        let result = await call.result
        XCTAssertThrowsError(try result.get()) { error in
            XCTAssertTrue(error is CancellationError, "expected CancellationError, got \(error)")
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let after = try await sim.requestCount("/api/v1/me")
        XCTAssertEqual(after, before, "a cancelled call must not reach the platform")
    }

    func testCancellingTheSlowCompleteLoginOfANewSessionReturnsPromptly() async throws {
        let client = try await openClient()
        let request = try await client.startLogin()
        let redirect = try await sim.authorize(try XCTUnwrap(request.authorizationURL))
        try await sim.fault(#"{"delay": {"path": "/token", "millis": 5000}}"#)

        let call = Task { try await client.completeLogin(redirectURL: redirect) }
        try await Task.sleep(nanoseconds: 300_000_000)
        let cancelledAt = Date()
        call.cancel()
        let result = await call.result
        XCTAssertLessThan(Date().timeIntervalSince(cancelledAt), 1.0)
        XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError, "\($0)") }
        // The token answer is still on its way: nothing has changed yet.
        XCTAssertEqual(client.loginState(), .loggedOut)

        // Cancelling stopped the waiting, not the work: the core finishes the login on its own
        // (the code is single use, so stopping between the token exchange and saving the tokens
        // would lose it). Once the delayed answer arrives, the person is logged in.
        let finished = await eventually(timeout: 15) { client.loginState().isLoggedIn }
        XCTAssertTrue(finished, "the cancelled completeLogin did not finish its work: \(client.loginState())")
        let account = try await client.account()
        XCTAssertEqual(account?.subject, "citizen-01")
        try await sim.clearFaults()
        let whoami = try await client.whoami()
        XCTAssertEqual(whoami.person.id, "citizen-01")

        // A new login works too.
        try await logIn(client)
        XCTAssertTrue(client.loginState().isLoggedIn)
    }

    func testCancellingASlowSwitchIdentityStopsTheWaitingNotTheSwitch() async throws {
        let client = try await openClient(userPresence: RecordingPresence(confirmed: true))
        let account = try await logIn(client)
        // No identity list is saved yet, so the switch fetches it first: slowly.
        try await sim.fault(#"{"delay": {"path": "/api/v1/identities", "millis": 3000}}"#)

        let call = Task { try await client.switchIdentity(identityId: "enterprise-01") }
        try await Task.sleep(nanoseconds: 300_000_000)
        let cancelledAt = Date()
        call.cancel()
        let result = await call.result
        XCTAssertLessThan(Date().timeIntervalSince(cancelledAt), 1.0)
        XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError, "\($0)") }

        // The core runs the switch to its end, so the saved and the in-use identity agree.
        let switched = await eventually(timeout: 15) {
            client.loginState() == .loggedIn(subject: account.subject, actingFor: "enterprise-01")
        }
        XCTAssertTrue(switched, "the cancelled switchIdentity did not finish: \(client.loginState())")
        try await sim.clearFaults()
        let current = try await client.currentIdentity()
        XCTAssertEqual(current.id, "enterprise-01")
        let whoami = try await client.whoami()
        XCTAssertEqual(whoami.actingAs.id, "enterprise-01")
    }

    /// Documents why CityKitClient.open returns a subclass: the generated methods ignore Task
    /// cancellation (uniffi-rs #2771). When this test fails, UniFFI has fixed it, and
    /// CityKit+Cancellation.swift can go.
    func testGeneratedClientIgnoresCancellation() async throws {
        let generated = try await CityKit.openClient(
            config: sim.config(dataDir: dataDir), keyProvider: FixedKeyProvider(), deviceKeys: nil, userPresence: nil)
        try await logIn(generated)
        try await sim.fault(#"{"delay": {"path": "/api/v1/me", "millis": 1500}}"#)

        let call = Task { try await generated.whoami() }
        try await Task.sleep(nanoseconds: 200_000_000)
        let cancelledAt = Date()
        call.cancel()
        let result = await call.result
        XCTAssertGreaterThan(Date().timeIntervalSince(cancelledAt), 1.0, "the generated call now honours cancellation")
        XCTAssertEqual(try result.get().person.id, "citizen-01")
    }
}
#endif
