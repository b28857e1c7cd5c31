#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// Encrypted push through the Swift face: the device subscribes, a submitted case queues one
/// encrypted notice at the simulated carrier, and the body the shell takes from it is handed in:
/// shown once, then a duplicate; garbage is refused. The behaviour is tested in the core
/// (core/tests/integration/push.rs); this tests the glue.
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
}
#endif
