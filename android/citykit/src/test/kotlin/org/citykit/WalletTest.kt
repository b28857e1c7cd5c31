package org.citykit

import java.io.File
import java.util.Collections
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import org.citykit.core.ErrorDomain
import org.citykit.core.LicenceStatus
import org.citykit.core.PresencePurpose
import org.citykit.core.verifierSettings
import org.junit.jupiter.api.io.TempDir

/** Issue 12 through the Kotlin face: a licence shown (亮证) to the client's verifier, status lists and nonces. */
class WalletTest : SimulatorTest() {
    @Test
    fun `the verifier checks status, refuses a revoked licence and a replay`(@TempDir dir: File) = citykitTest {
        val asked = Collections.synchronizedList(mutableListOf<PresencePurpose>())
        CityKit.open(sim.config(dir), fixedKey(0x31), userPresence = UserPresence { asked += it; true }).use { client ->
            sim.login(client)
            val wallet = client.wallet()
            val licences = wallet.fetchLicences()
            assertEquals(listOf<PresencePurpose>(PresencePurpose.ReadLicences("citizen-01")), asked.toList())
            val idCard = assertNotNull(licences.find { it.vct == ID_CARD }, "no resident ID card in ${licences.map { it.vct }}")
            assertEquals(LicenceStatus.VALID, idCard.status)
            assertTrue("age_over_18" in idCard.claimNames, "claim names: ${idCard.claimNames}")
            assertEquals(licences, wallet.licences(), "the fetched licences are kept")
            assertTrue(jsonHas(wallet.licence(idCard.id).claims.expose(), "age_over_18", "true"), "age_over_18 is not true in the licence")

            // The window asks the issuer for its status list on every check (no cache age), so it
            // sees a revocation at once; the settings record crosses with a java.time.Duration.
            val settings = verifierSettings().copy(statusRefreshAfter = java.time.Duration.ZERO)
            val trusted = listOf(sim.issuerMetadata("public-security"))
            val window = client.verifier("window-1", trusted, settings)
            val nonce = window.newNonce()
            val shown = wallet.present(idCard.id, listOf("age_over_18"), "window-1", nonce, 60)
            assertEquals(idCard.id, shown.licenceId)
            assertEquals(listOf("age_over_18"), shown.claims)
            assertEquals("window-1", shown.audience)
            assertEquals(nonce, shown.nonce)
            assertTrue(shown.expiresAt > System.currentTimeMillis() / 1000)

            val elsewhere = assertFailsWith<CityKitException> { client.verifier("window-2", trusted, settings).verify(shown.text, null) }
            assertEquals("wallet.wrong_audience", elsewhere.code())

            val verified = window.verify(shown.text, nonce)
            assertTrue(verified.statusChecked, "the status was not checked")
            assertNotNull(verified.statusListAgeSecs)
            assertEquals(Pair(ID_CARD, idCard.issuer), Pair(verified.vct, verified.issuer))
            // The window sees the id of the copy shown (batch issuance), never the wallet's own id.
            assertTrue(verified.licenceId.isNotEmpty() && verified.licenceId != idCard.id, verified.licenceId)
            val seen = verified.claims.expose()
            assertTrue(jsonHas(seen, "age_over_18", "true"), "age_over_18 is not true in what the window saw")
            assertFalse("\"name\"" in seen, "the name was disclosed")
            assertFalse("\"id_number\"" in seen, "the ID number was disclosed")

            // The same presentation again: a replay.
            val replay = assertFailsWith<CityKitException> { window.verify(shown.text, nonce) }
            assertEquals("wallet.replayed_nonce", replay.code())
            assertEquals(ErrorDomain.WALLET, replay.domain())

            // Revoked at the issuer: a fresh presentation of the same licence is refused.
            sim.revoke("citizen-01", ID_CARD)
            val fresh = window.newNonce()
            val again = wallet.present(idCard.id, listOf("age_over_18"), "window-1", fresh, 60)
            val revoked = assertFailsWith<CityKitException> { window.verify(again.text, fresh) }
            assertEquals("wallet.revoked", revoked.code())
            assertEquals(ErrorDomain.WALLET, revoked.domain())
        }
    }
}
