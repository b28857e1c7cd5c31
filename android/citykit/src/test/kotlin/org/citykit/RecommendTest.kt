package org.citykit

import java.io.File
import java.time.LocalDate
import java.time.Period
import java.time.ZoneId
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.citykit.core.Audience
import org.citykit.core.Dismissal
import org.citykit.core.ErrorDomain
import org.citykit.core.ReasonKind
import org.citykit.core.Recommendation
import org.junit.jupiter.api.io.TempDir

/**
 * `client.recommend()` through the Kotlin face: the ranked list from the platform's published
 * (anonymous) statistics, a dismissal remembered, an unknown service refused with a typed error,
 * a view counted as an interest, and the policy campaigns matched on the device with the facts
 * that made them apply, kept `Personal`. The ranking itself is tested in the core
 * (core/src/recommend/rank.rs, core/tests/integration/recommend.rs); this tests the glue.
 */
class RecommendTest : SimulatorTest() {
    @Test
    fun `published popularity is listed with its reason, and a dismissal is remembered`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x61)).use { client ->
            val recommend = ready(client, POPULAR_CITIZEN)

            val list = recommend.recommend(30u)
            val passport = assertNotNull(list.find { it.itemId == PASSPORT }, "not listed: ${ids(list)}")
            assertEquals(ReasonKind.POPULAR, passport.reason, "$passport")
            assertTrue(passport.reasonZh.isNotBlank() && passport.reasonEn.isNotBlank(), "$passport")
            assertTrue(passport.nameZh.isNotBlank() && passport.nameEn.isNotBlank(), "$passport")
            assertNull(passport.bundleId, "popularity names no bundle: $passport")
            assertTrue(passport.score > 0.0, "$passport")
            // 400 people against 300: the more popular one first.
            val ranked = ids(list)
            assertTrue(ranked.indexOf(PASSPORT) < ranked.indexOf(HK_MACAU), "$ranked")

            recommend.dismiss(PASSPORT, Dismissal.NOT_FOR_ME)
            val after = ids(recommend.recommend(30u))
            assertFalse(PASSPORT in after, "listed after \"not for me\": $after")
            assertTrue(HK_MACAU in after, "the dismissal covers only the one service: $after")

            val refused = assertFailsWith<CityKitException> { recommend.dismiss("no-such-service", Dismissal.NOT_FOR_ME) }
            assertEquals(Pair("recommend.unknown_item", ErrorDomain.RECOMMEND), Pair(refused.code(), refused.domain()), "$refused")
        }
    }

    @Test
    fun `a viewed or searched service is listed as an interest`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x62)).use { client ->
            val recommend = ready(client, INTEREST_CITIZEN)
            assertFalse(VIEWED in ids(recommend.recommend(30u)), "listed before it was looked at")

            recommend.recordView(VIEWED)
            val list = recommend.recommend(30u)
            val viewed = assertNotNull(list.find { it.itemId == VIEWED }, "not listed after a view: ${ids(list)}")
            assertEquals(ReasonKind.INTEREST, viewed.reason, "$viewed")
            assertTrue(viewed.reasonZh.isNotBlank() && viewed.reasonEn.isNotBlank(), "$viewed")

            // A search: its first three results (those for a person) count as interests too.
            val hits = client.catalogue().search(SEARCH, 3u).filter { it.audience == Audience.PERSON }.map { it.id }
            assertTrue(hits.isNotEmpty(), "no person's service found for $SEARCH")
            recommend.recordSearch(SEARCH)
            val reasons = recommend.recommend(30u).associate { it.itemId to it.reason }
            for (hit in hits) {
                assertEquals(ReasonKind.INTEREST, reasons[hit], "$hit after searching for $SEARCH: $reasons")
            }
        }
    }

    @Test
    fun `campaigns say which facts made them apply, and print none of their values`(@TempDir dir: File) = citykitTest {
        CityKit.open(sim.config(dir), fixedKey(0x63)).use { client ->
            val recommend = ready(client, SENIOR_CITIZEN)
            // The age the device works out from the ID card (68 in 2026).
            val idCard = client.wallet().licences().first { it.vct == ID_CARD }
            val born = LocalDate.parse(stringClaims(client.wallet().licence(idCard.id).claims.expose()).getValue("birth_date"))
            val age = Period.between(born, LocalDate.now(ZoneId.of("Asia/Shanghai"))).years.toString()

            val matches = recommend.campaigns()
            val ids = matches.map { it.campaignId }
            assertTrue(SENIOR_CAMPAIGN in ids && VEHICLE_CAMPAIGN in ids, "aged $age with a vehicle: $ids")

            val senior = matches.first { it.campaignId == SENIOR_CAMPAIGN }
            val fact = senior.because.single()
            assertEquals("age", fact.fact)
            assertEquals(age, fact.value.expose())
            assertEquals(Personal(age), fact.value)

            // Printing the fact or the match never shows the age. (The match's `until`, Unix
            // seconds 1830268800, happens to contain the same digits: its own text is left out.)
            assertEquals("FactValue(fact=age, value=${Personal.REDACTED})", fact.toString())
            assertFalse(age in fact.toString(), "$fact")
            val printed = senior.toString()
            assertTrue("value=${Personal.REDACTED}" in printed, printed)
            assertFalse(age in printed.replace(senior.until.toString(), ""), printed)
        }
    }

    /** Publishes the statistics, logs [citizen] in with their licences and the catalogue. */
    private suspend fun ready(client: CityKitClient, citizen: String): RecommendClient {
        sim.publishNextSteps(STATS)
        sim.login(client, user = citizen)
        client.wallet().fetchLicences()
        client.catalogue().sync()
        return client.recommend()
    }

    private fun ids(list: List<Recommendation>): List<String> = list.map { it.itemId }

    private companion object {
        const val POPULAR_CITIZEN = "citizen-01"
        const val INTEREST_CITIZEN = "citizen-02"
        /** 68 years old, a vehicle registered to him. */
        const val SENIOR_CITIZEN = "citizen-03"

        const val PASSPORT = "passport-application"
        const val HK_MACAU = "hk-macau-permit"
        const val VIEWED = "dog-registration"
        const val SEARCH = "护照"
        const val SENIOR_CAMPAIGN = "senior-transport-allowance-2026"
        const val VEHICLE_CAMPAIGN = "new-energy-vehicle-trade-in-2026"

        /** Each count stands for at least 20 people (the simulator refuses fewer with 422). */
        val STATS = """
            {"min_contributors": 20,
             "transitions": [],
             "popularity": [{"item": "$PASSPORT", "count": 400}, {"item": "$HK_MACAU", "count": 300}],
             "repeats": [], "segments": []}
        """.trimIndent()
    }
}
