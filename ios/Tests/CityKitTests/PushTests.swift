#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// Encrypted push through the Swift face: the device subscribes, a submitted case queues one
/// encrypted notice at the simulated carrier, and the body the shell takes from it is handed in:
/// shown once, then a duplicate; garbage is refused. The inbox's change feed as an AsyncStream
/// (`cases().inboxChanges()`), and a push held back in quiet hours. The behaviour is tested in the
/// core (core/tests/integration/push.rs); this tests the glue.
final class PushTests: CityKitTestCase {
    static let citizen = "citizen-03"
    /// Reviewed by hand: submitting it queues one case_status notice (in review).
    static let manualItem = "criminal-record-certificate"
    static let endpoint = "https://carrier.example/swift-device"

    func testAPushedNoticeIsShownOnceAndGarbageIsRefused() async throws {
        let client = try await openClient()
        try await logIn(client, as: Self.citizen)
        _ = try await client.wallet().fetchLicences()
        _ = try await client.catalogue().sync()
        let push = client.push()
        let before = try await push.subscription()
        XCTAssertNil(before)

        let subscription = try await push.subscribe(endpoint: Self.endpoint)
        XCTAssertEqual(subscription.endpoint, Self.endpoint)
        // A 65-byte uncompressed P-256 point and a 16-byte secret, base64url without padding.
        // (Public keys only: the subscription may be printed.)
        XCTAssertEqual(subscription.p256dh.count, 87, String(describing: subscription))
        XCTAssertEqual(subscription.auth.count, 22, String(describing: subscription))
        let stored = try await push.subscription()
        XCTAssertEqual(stored, subscription)

        let form = try await filledForm(client, itemId: Self.manualItem)
        guard case let .accepted(submitted) = try await client.cases().submit(draftId: form.draftId) else {
            return XCTFail("the case was not accepted")
        }
        let bodies = try await sim.takePushes(endpoint: Self.endpoint)
        XCTAssertEqual(bodies.count, 1, "one notice: the case is in review")
        let body = try XCTUnwrap(bodies.first)

        let shown = try await push.receive(body: body, language: .en)
        XCTAssertEqual(shown.item.caseId, submitted.id)
        guard case let .show(_, text, deepLink) = shown.action else {
            return XCTFail("not shown: \(shown.action)")
        }
        XCTAssertTrue(text.contains(submitted.id), text)
        XCTAssertEqual(deepLink, "citykit://case/\(submitted.id)")

        // The carrier delivers it again: nothing to show.
        let again = try await push.receive(body: body, language: .en)
        XCTAssertEqual(again.action, .duplicate)
        XCTAssertEqual(again.item.id, shown.item.id)

        let refused = await assertThrowsCityKitError(code: "push.malformed") {
            try await push.receive(body: Data("not a push".utf8), language: .en)
        }
        XCTAssertEqual(refused?.domain(), .push)
    }

    /// `cases().inboxChanges()`: the core's InboxListener + TaskHandle as an AsyncStream. The
    /// current state, then a push (added), reading it and logging out, each with the unread count
    /// after it, and nothing else; leaving the loop releases the Rust subscription.
    func testTheInboxStreamSeesEveryChangeAndLeavingItReleasesTheSubscription() async throws {
        let (client, push) = try await subscribedCitizen()
        let cases = client.cases()
        let before = await settledInboxListenerCount()
        let log = InboxChangeLog()
        let consumer = Task {
            for await change in cases.inboxChanges() {
                log.append(change)
                if change.kind == .cleared { break }
            }
        }

        try await log.waitForCount(1)
        XCTAssertEqual(log.changes, [InboxChange(kind: .current, itemIds: [], unreadCount: 0)])
        XCTAssertEqual(InboxChangeStreamListener.alive.value, before + 1)

        let (_, body) = try await pushForAManualCase(client)
        let item = try await push.receive(body: body, language: .en).item
        try await log.waitForCount(2)
        XCTAssertEqual(log.changes.last, InboxChange(kind: .added, itemIds: [item.id], unreadCount: 1))

        try await cases.markRead(inboxId: item.id)
        try await log.waitForCount(3)
        XCTAssertEqual(log.changes.last, InboxChange(kind: .read, itemIds: [item.id], unreadCount: 0))

        _ = try await client.identity().logout()
        try await log.waitForCount(4)
        await consumer.value  // the loop was left at .cleared
        XCTAssertEqual(log.changes, [
            InboxChange(kind: .current, itemIds: [], unreadCount: 0),
            InboxChange(kind: .added, itemIds: [item.id], unreadCount: 1),
            InboxChange(kind: .read, itemIds: [item.id], unreadCount: 0),
            InboxChange(kind: .cleared, itemIds: [], unreadCount: 0),
        ])
        // Ending the stream cancels the TaskHandle; the Rust task then drops the listener.
        let released = await eventually { InboxChangeStreamListener.alive.value == before }
        XCTAssertTrue(released, "the listener is still alive: the subscription was not cancelled")
    }

    func testCancellingTheConsumingTaskReleasesTheInboxSubscription() async throws {
        let client = try await openClient()
        let cases = client.cases()
        let before = await settledInboxListenerCount()
        let log = InboxChangeLog()
        let consumer = Task {
            for await change in cases.inboxChanges() {
                log.append(change)
            }
        }
        // Logged out: the current state is an empty inbox.
        try await log.waitForCount(1)
        XCTAssertEqual(log.changes, [InboxChange(kind: .current, itemIds: [], unreadCount: 0)])
        XCTAssertEqual(InboxChangeStreamListener.alive.value, before + 1)
        consumer.cancel()
        await consumer.value
        let released = await eventually { InboxChangeStreamListener.alive.value == before }
        XCTAssertTrue(released, "the listener is still alive: the subscription was not cancelled")
    }

    /// Quiet hours covering now (China time): a pushed notice is held back (`.silent(.quietHours)`)
    /// but stored in the inbox and counted unread; the settings round-trip.
    func testInQuietHoursAPushIsSilentButStoredUnread() async throws {
        let (client, push) = try await subscribedCitizen()
        let minute = Self.chinaMinuteNow()
        let settings = PushSettings(
            quietHours: QuietHours(
                startMinute: UInt32((minute + 1440 - 60) % 1440),
                endMinute: UInt32((minute + 60) % 1440),
                weekdays: [1, 2, 3, 4, 5, 6, 7]),
            dailyLimit: 5)
        try await push.setSettings(settings: settings)
        let stored = try await push.settings()
        XCTAssertEqual(stored, settings)

        let (submitted, body) = try await pushForAManualCase(client)
        let outcome = try await push.receive(body: body, language: .en)
        XCTAssertEqual(outcome.item.caseId, submitted.id)
        XCTAssertEqual(outcome.action, .silent(reason: .quietHours))

        let inbox = try await client.cases().storedInbox()
        let kept = try XCTUnwrap(inbox.first { $0.id == outcome.item.id }, "not in the stored inbox: \(inbox)")
        XCTAssertFalse(kept.read)
        let unread = try await client.cases().unreadCount()
        XCTAssertEqual(unread, 1)
    }

    /// The minute of the day now, China time (UTC+8, no daylight saving).
    private static func chinaMinuteNow() -> Int {
        let seconds = Int(Date().timeIntervalSince1970) + 8 * 3600
        return (seconds % 86_400) / 60
    }

    /// A client logged in as the citizen (licences fetched, catalogue synced), this device
    /// subscribed to push at `endpoint`.
    private func subscribedCitizen() async throws -> (CityKitClient, PushClient) {
        let client = try await openClient()
        try await logIn(client, as: Self.citizen)
        _ = try await client.wallet().fetchLicences()
        _ = try await client.catalogue().sync()
        let push = client.push()
        _ = try await push.subscribe(endpoint: Self.endpoint)
        return (client, push)
    }

    /// Submits the manual item; returns the case and the one push body it queued at the carrier.
    private func pushForAManualCase(_ client: CityKitClient) async throws -> (Case, Data) {
        let form = try await filledForm(client, itemId: Self.manualItem)
        guard case let .accepted(submitted) = try await client.cases().submit(draftId: form.draftId) else {
            XCTFail("the case was not accepted")
            throw CancellationError()
        }
        let bodies = try await sim.takePushes(endpoint: Self.endpoint)
        XCTAssertEqual(bodies.count, 1, "one notice: the case is in review")
        return (submitted, try XCTUnwrap(bodies.first))
    }
}

/// The number of live inbox stream listeners once those of earlier tests are released.
private func settledInboxListenerCount() async -> Int {
    _ = await eventually { InboxChangeStreamListener.alive.value == 0 }
    return InboxChangeStreamListener.alive.value
}

/// The inbox changes a consuming Task saw, in order.
private final class InboxChangeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [InboxChange] = []

    func append(_ change: InboxChange) {
        lock.lock()
        recorded.append(change)
        lock.unlock()
    }

    var changes: [InboxChange] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func waitForCount(_ count: Int, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) async throws {
        let reached = await eventually(timeout: timeout) { self.changes.count >= count }
        if !reached {
            XCTFail("expected \(count) inbox changes within \(timeout) s, got \(changes)", file: file, line: line)
            throw CancellationError()
        }
    }
}
#endif
