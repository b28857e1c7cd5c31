package org.citykit

import java.io.File
import java.net.URL
import java.security.KeyStore
import java.security.cert.CertificateFactory
import java.util.Collections
import javax.net.ssl.HttpsURLConnection
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.io.TempDir

/** The e-licence wallet over HTTPS against the simulator: fetch, show (亮证), verify, access log. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalletTest {
    private lateinit var sim: Simulator

    @BeforeAll
    fun startSimulator() {
        sim = Simulator()
    }

    @AfterAll
    fun stopSimulator() {
        sim.close()
    }

    @Test
    fun `fetches licences, presents one claim, and a verifier checks audience and replays`(@TempDir dir: File) = citykitTest {
        val asked = Collections.synchronizedList(mutableListOf<PresencePurpose>())
        CityKit.open(sim.config(dir), fixedKey(0x31), userPresence = UserPresence { asked += it; true }).use { client ->
            sim.login(client)

            val licences = client.fetchLicences()
            assertEquals(listOf<PresencePurpose>(PresencePurpose.ReadLicences("citizen-01")), asked.toList())
            val idCard = assertNotNull(licences.find { it.vct == ID_CARD }, "no resident ID card in ${licences.map { it.vct }}")
            assertEquals("valid", idCard.status)
            assertTrue("age_over_18" in idCard.claimNames, "claim names: ${idCard.claimNames}")
            assertEquals(licences, client.licences(), "the fetched licences are kept")

            val claims = client.licenceClaimsJson(idCard.id)
            assertTrue(jsonHas(claims, "age_over_18", "true"), "age_over_18 is not true in the licence's claims")

            val shown = client.present(idCard.id, listOf("age_over_18"), "kiosk-1", null, 60)
            assertEquals(idCard.id, shown.licenceId)
            assertEquals(listOf("age_over_18"), shown.claims)
            assertEquals("kiosk-1", shown.audience)
            assertTrue(shown.nonce.isNotEmpty())
            assertTrue(shown.expiresAt > System.currentTimeMillis() / 1000)

            val trusted = listOf(issuerMetadata("public-security"))
            PresentationVerifier("kiosk-2", trusted).use { other ->
                val e = assertFailsWith<CityKitException.Wallet> { other.verify(shown.text) }
                assertEquals("wallet.wrong_audience", e.code)
            }
            PresentationVerifier("kiosk-1", trusted).use { kiosk ->
                val verified = kiosk.verify(shown.text)
                assertEquals(ID_CARD, verified.vct)
                assertTrue(jsonHas(verified.claimsJson, "age_over_18", "true"), "age_over_18 is not true in what the kiosk saw")
                assertFalse("\"name\"" in verified.claimsJson, "the name was disclosed")
                assertFalse("\"id_number\"" in verified.claimsJson, "the ID number was disclosed")

                val replay = assertFailsWith<CityKitException.Wallet> { kiosk.verify(shown.text) }
                assertEquals("wallet.replayed_nonce", replay.code)
            }

            val unknown = assertFailsWith<CityKitException.Wallet> {
                client.present(idCard.id, listOf("shoe_size"), "kiosk-1", null, 60)
            }
            assertEquals("wallet.unknown_claim", unknown.code)

            val log = client.accessLog()
            assertEquals(listOf("presentation", "consent"), log.map { it.action })
            assertEquals(listOf("age_over_18"), log[0].claims)
            assertEquals("kiosk-1", log[0].counterparty)
            val allNames = licences.flatMap { it.claimNames }.toSet()
            assertTrue(log.all { allNames.containsAll(it.claims) }, "the log holds more than claim names: $log")
            // The values of the licence's claims (name, ID number, address…) appear nowhere in the log.
            val values = stringClaims(claims).filterKeys { it in idCard.claimNames }.filterValues { it.length >= 2 }
            assertTrue("name" in values && "id_number" in values, "string claims: ${values.keys}")
            val logText = log.toString()
            val leaked = values.filterValues { it in logText }.keys
            assertTrue(leaked.isEmpty(), "the access log holds the values of $leaked")
        }
    }

    /** The issuer metadata JSON (`{"issuer", "jwks"}`) of [office], over HTTPS trusting only the simulator's CA. */
    private suspend fun issuerMetadata(office: String): String = withContext(Dispatchers.IO) {
        val keyStore = KeyStore.getInstance(KeyStore.getDefaultType()).apply { load(null, null) }
        sim.caFile.inputStream().use { pem ->
            CertificateFactory.getInstance("X.509").generateCertificates(pem).forEachIndexed { i, cert ->
                keyStore.setCertificateEntry("sim-ca-$i", cert)
            }
        }
        val trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(keyStore) }
        val tls = SSLContext.getInstance("TLS").apply { init(null, trust.trustManagers, null) }
        val connection = URL("${sim.url.trimEnd('/')}/.well-known/jwt-vc-issuer/issuers/$office").openConnection() as HttpsURLConnection
        try {
            connection.sslSocketFactory = tls.socketFactory
            connection.connectTimeout = 10_000
            connection.readTimeout = 10_000
            check(connection.responseCode == 200) { "issuer metadata for $office: HTTP ${connection.responseCode}" }
            connection.inputStream.bufferedReader().use { it.readText() }
        } finally {
            connection.disconnect()
        }
    }

    private companion object {
        const val ID_CARD = "urn:citykit:vct:resident_id_card"

        /** Whether the JSON object [json] has `"name": value` at some level (no JSON library on the test classpath). */
        fun jsonHas(json: String, name: String, value: String): Boolean =
            Regex("\"${Regex.escape(name)}\"\\s*:\\s*${Regex.escape(value)}(?![A-Za-z0-9_])").containsMatchIn(json)

        /** [json]'s `"name": "string value"` pairs, by name. */
        fun stringClaims(json: String): Map<String, String> =
            Regex("\"([^\"]+)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").findAll(json)
                .associate { it.groupValues[1] to it.groupValues[2] }
    }
}
