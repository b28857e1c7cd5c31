#if os(Linux) || os(macOS)
import Foundation
import XCTest
@testable import CityKit

/// Recommendations through the Swift face (`client.recommend()`): the ranked list with its typed
/// reasons, both kinds of dismissal, a recorded view and search, and the campaigns matched on the
/// device with the facts that made them apply (personal, so redacted when printed). What is
/// recommended, and why, is tested in the core (core/tests/integration/recommend.rs); this tests
/// the glue.
final class RecommendTests: CityKitTestCase {
    /// Published popularity only: no transitions, repeats or segments (every count >= 20 people).
    static let popularity = """
        {"min_contributors": 20, "transitions": [],
         "popularity": [{"item": "passport-application", "count": 400}, {"item": "hk-macau-permit", "count": 300}],
         "repeats": [], "segments": []}
        """

    func testAPopularServiceIsListedUntilNotForMeAndAnUnknownItemIsARecommendError() async throws {
        try sim.publishNextSteps(Self.popularity)
        let client = try await readyClient(as: "citizen-01")
        let recommend = client.recommend()

        let list = try await recommend.recommend(limit: 30)
        XCTAssertLessThanOrEqual(list.count, 30)
        let passport = try XCTUnwrap(list.first { $0.itemId == "passport-application" }, "not listed: \(list.map(\.itemId))")
        XCTAssertEqual(passport.reason, .popular, "\(passport)")
        XCTAssertFalse(passport.reasonZh.isEmpty, "\(passport)")
        XCTAssertFalse(passport.reasonEn.isEmpty, "\(passport)")
        XCTAssertFalse(passport.nameZh.isEmpty || passport.nameEn.isEmpty, "\(passport)")

        try await recommend.dismiss(itemId: "passport-application", how: .notForMe)
        let after = try await recommend.recommend(limit: 30)
        XCTAssertFalse(after.contains { $0.itemId == "passport-application" }, "still listed: \(after.map(\.itemId))")

        let error = await assertThrowsCityKitError(code: "recommend.unknown_item") {
            try await recommend.dismiss(itemId: "no-such-service", how: .dismiss)
        }
        XCTAssertEqual(error?.domain(), .recommend)
    }

    func testAViewedServiceIsListedAsAnInterest() async throws {
        let client = try await readyClient(as: "citizen-01")
        let recommend = client.recommend()
        try await recommend.recordView(itemId: "dog-registration")
        // A search crosses the FFI too (a Chinese query; the query itself is not kept).
        try await recommend.recordSearch(query: "护照")

        let list = try await recommend.recommend(limit: 30)
        let dog = try XCTUnwrap(list.first { $0.itemId == "dog-registration" }, "not listed: \(list.map(\.itemId))")
        XCTAssertEqual(dog.reason, .interest, "\(dog)")
    }

    /// citizen-03 is 68 and has a vehicle: the senior transport allowance applies because of the
    /// age, which the match exposes on purpose and never prints.
    func testACampaignSaysWhichFactMadeItApplyWithoutPrintingItsValue() async throws {
        // citizen-03 was born 1958-10-01; the age counts in China time, as the core does.
        let client = try await readyClient(as: "citizen-03")
        let matches = try await client.recommend().campaigns()
        let ids = matches.map(\.campaignId)
        XCTAssertTrue(ids.contains("new-energy-vehicle-trade-in-2026"), "\(ids)")
        let senior = try XCTUnwrap(matches.first { $0.campaignId == "senior-transport-allowance-2026" }, "\(ids)")
        XCTAssertEqual(senior.itemId, "senior-preferential-card")
        XCTAssertFalse(senior.titleZh.isEmpty || senior.titleEn.isEmpty)

        XCTAssertEqual(senior.because.map(\.fact), ["age"])
        let age = try XCTUnwrap(senior.because.first)
        let expected = String(Self.ageToday(born: (1958, 10, 1)))
        XCTAssertEqual(age.value.expose(), expected)
        for text in [String(describing: age), String(reflecting: age), dumped(age)] {
            XCTAssertFalse(text.contains(expected), text)
            XCTAssertTrue(text.contains("‹redacted›"), text)
        }
        // The campaign's `until` (1830268800: 2028-01-01 00:00 China time) has "68" in its digits
        // and is not personal: it is taken out of the printout, nothing else is.
        let until = String(senior.until)
        XCTAssertTrue(String(describing: senior).contains(until))
        for text in [String(describing: senior), String(reflecting: senior), dumped(senior)] {
            XCTAssertFalse(text.replacingOccurrences(of: until, with: "<until>").contains(expected), text)
            XCTAssertTrue(text.contains("‹redacted›"), text)
        }
    }

    /// A client logged in as `user`, its licences fetched and the catalogue synced: what
    /// recommending and matching read.
    private func readyClient(as user: String) async throws -> CityKitClient {
        let client = try await openClient()
        try await logIn(client, as: user)
        _ = try await client.wallet().fetchLicences()
        _ = try await client.catalogue().sync()
        return client
    }

    private func dumped<T>(_ value: T) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }

    /// Whole years since `born` (year, month, day) today, China time (UTC+8).
    static func ageToday(born: (Int, Int, Int)) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600) ?? .current
        let today = calendar.dateComponents([.year, .month, .day], from: Date())
        let now = (today.year ?? 0) * 10_000 + (today.month ?? 0) * 100 + (today.day ?? 0)
        let birth = born.0 * 10_000 + born.1 * 100 + born.2
        return (now - birth) / 10_000
    }
}
#endif
