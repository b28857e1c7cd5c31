#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// `identity().loginStates()`: the core's LoginStateListener + TaskHandle as an AsyncStream.
final class LoginStateStreamTests: CityKitTestCase {
    func testStreamSeesCurrentStateThenEveryChange() async throws {
        let client = try await openClient(userPresence: RecordingPresence(confirmed: true))
        let recorder = StateRecorder(client.identity().loginStates())

        // The current state comes first, before anything happens.
        try await recorder.waitForCount(1)
        let account = try await logIn(client)
        try await recorder.waitForCount(2)
        _ = try await client.identity().switchIdentity(identityId: "enterprise-01")
        try await recorder.waitForCount(3)
        _ = try await client.identity().switchIdentity(identityId: "citizen-01")
        try await recorder.waitForCount(4)
        _ = try await client.identity().logout()
        try await recorder.waitForCount(5)

        XCTAssertEqual(recorder.states, [
            .loggedOut,
            .loggedIn(subject: account.subject, actingFor: nil),
            .loggedIn(subject: account.subject, actingFor: "enterprise-01"),
            .loggedIn(subject: account.subject, actingFor: nil),
            .loggedOut,
        ])
        recorder.stop()
    }

    func testTwoStreamsAreIndependent() async throws {
        let client = try await openClient()
        let first = StateRecorder(client.identity().loginStates())
        let second = StateRecorder(client.identity().loginStates())
        try await first.waitForCount(1)
        try await second.waitForCount(1)
        first.stop()
        let account = try await logIn(client)
        try await second.waitForCount(2)
        XCTAssertEqual(second.states.last, .loggedIn(subject: account.subject, actingFor: nil))
        XCTAssertEqual(first.states, [.loggedOut])
        second.stop()
    }

    func testLeavingTheLoopReleasesTheRustSubscription() async throws {
        let client = try await openClient()
        let before = await settledListenerCount()
        var seen: [LoginState] = []
        for await state in client.identity().loginStates() {
            seen.append(state)
            XCTAssertEqual(LoginStateStreamListener.alive.value, before + 1)
            break
        }
        XCTAssertEqual(seen, [.loggedOut])
        // Ending the stream cancels the TaskHandle; the Rust task then drops the listener.
        let released = await eventually { LoginStateStreamListener.alive.value == before }
        XCTAssertTrue(released, "the listener is still alive: the subscription was not cancelled")
    }

    func testCancellingTheConsumingTaskReleasesTheRustSubscription() async throws {
        let client = try await openClient()
        let before = await settledListenerCount()
        let received = LiveCounter()
        let consumer = Task {
            var count = 0
            for await _ in client.identity().loginStates() {
                count += 1
                received.add(1)
            }
            return count
        }
        let started = await eventually { received.value == 1 }
        XCTAssertTrue(started)
        consumer.cancel()
        let count = await consumer.value
        XCTAssertEqual(count, 1)
        let released = await eventually { LoginStateStreamListener.alive.value == before }
        XCTAssertTrue(released, "the listener is still alive: the subscription was not cancelled")
    }

    #if os(Linux)
    /// The core calls a listener on the subscription's own thread ("citykit-login"), never on one
    /// of its runtime workers ("citykit", bindings/citykit-ffi/src/runtime.rs), and current state first.
    func testTheListenerRunsOnItsOwnThreadNeverARuntimeWorker() async throws {
        let client = try await openClient()
        let listener = ThreadNameListener(client: client.identity())
        let handle = try client.identity().subscribeLoginState(listener: listener)
        try await logIn(client)
        _ = try await client.identity().logout()
        let done = await eventually(timeout: 10) { listener.calls.count >= 3 }
        handle.cancel()
        let calls = listener.calls
        XCTAssertTrue(done, "\(calls)")
        XCTAssertEqual(calls.first?.state, .loggedOut, "the current state first")
        XCTAssertEqual(calls.last?.state, .loggedOut)
        let names = Set(calls.map(\.thread))
        XCTAssertFalse(names.contains("citykit"), "the listener ran on a runtime worker: \(names)")
        XCTAssertEqual(names, ["citykit-login"])
    }
    #endif
}

#if os(Linux)
/// Records each state with the OS name of the thread it arrived on.
final class ThreadNameListener: LoginStateListener, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [(state: LoginState, thread: String)] = []
    private let client: IdentityClient

    init(client: IdentityClient) {
        self.client = client
    }

    func onLoginState(state: LoginState) {
        // Calling back into the client must not deadlock: the core holds no lock while calling.
        _ = client.loginState()
        let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        lock.lock()
        recorded.append((state, name))
        lock.unlock()
    }

    var calls: [(state: LoginState, thread: String)] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}
#endif

/// The number of live stream listeners once those of earlier tests are released.
private func settledListenerCount() async -> Int {
    _ = await eventually { LoginStateStreamListener.alive.value == 0 }
    return LoginStateStreamListener.alive.value
}

/// Consumes a stream of login states in a Task and records them.
final class StateRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [LoginState] = []
    private var task: Task<Void, Never>?

    init(_ stream: AsyncStream<LoginState>) {
        task = Task { [weak self] in
            for await state in stream {
                guard let self else { return }
                self.record(state)
            }
        }
    }

    private func record(_ state: LoginState) {
        lock.lock()
        recorded.append(state)
        lock.unlock()
    }

    var states: [LoginState] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func waitForCount(_ count: Int, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) async throws {
        let reached = await eventually(timeout: timeout) { self.states.count >= count }
        if !reached {
            XCTFail("expected \(count) login states within \(timeout) s, got \(states)", file: file, line: line)
            throw CancellationError()
        }
    }

    func stop() {
        task?.cancel()
    }
}
#endif
