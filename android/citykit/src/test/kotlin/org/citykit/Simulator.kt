package org.citykit

import java.io.File
import java.net.URL
import java.nio.file.Files
import java.security.KeyStore
import java.security.cert.CertificateFactory
import java.util.Base64
import java.util.concurrent.TimeUnit
import javax.net.ssl.HttpsURLConnection
import javax.net.ssl.SSLContext
import javax.net.ssl.TrustManagerFactory
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.citykit.core.Account
import org.citykit.core.ClientConfig

/**
 * The simulated city platform (`citykit-sim serve`) as a child process on a free loopback port,
 * with its own CA. One per test class; [close] kills it.
 */
class Simulator : AutoCloseable {
    val stateDir: File = Files.createTempDirectory("citykit-kt-sim-").toFile()
    val url: String
    val caFile: File = File(stateDir, "ca.pem")
    val caPem: String
    private val process: Process
    private val shutdownHook = Thread { stop() }

    init {
        process = ProcessBuilder(BIN, "serve", "--port", "0", "--state-dir", stateDir.path)
            .redirectError(File(stateDir, "sim.stderr.log"))
            .start()
        Runtime.getRuntime().addShutdownHook(shutdownHook)
        val stdout = process.inputStream.bufferedReader()
        try {
            val first = stdout.readLine()
            val errors = { File(stateDir, "sim.stderr.log").readText().take(2000) }
            check(first != null) { "$BIN serve exited before listening: ${errors()}" }
            check(first.startsWith("CityKit simulator listening at https://")) { "unexpected first line: $first" }
            url = first.substringAfterLast(' ')
            caPem = caFile.readText()
        } catch (e: Throwable) {
            close()
            throw e
        }
        // Keep draining stdout so the simulator never blocks on a full pipe.
        Thread({ stdout.useLines { lines -> lines.forEach { } } }, "citykit-sim-stdout").apply { isDaemon = true }.start()
    }

    /** A configuration for this simulator, trusting only its CA. */
    fun config(dataDir: File): ClientConfig = CityKit.config(
        dataDir = dataDir.path,
        issuer = url,
        clientId = "citykit-demo",
        redirectUri = "org.citykit.demo:/oauth2redirect",
        extraRootCertificatesPem = listOf(caPem),
        usePublicRoots = false,
    )

    /** Acts as the browser in the simulator's test mode; returns the redirect URL. */
    suspend fun authorize(authorizationUrl: String, user: String = "citizen-01"): String =
        run("authorize", authorizationUrl, "--user", user, "--ca-file", caFile.path)

    /** Injects a fault (the JSON of `POST /sim/faults`, docs/platform-api.md). */
    suspend fun fault(json: String) {
        run("sim", "fault", json, "--issuer", url, "--ca-file", caFile.path)
    }

    suspend fun clearFaults() {
        run("sim", "clear-faults", "--issuer", url, "--ca-file", caFile.path)
    }

    /** Logs [user] in on [client] the way an app does: start, the browser, complete. */
    suspend fun login(client: CityKitClient, user: String = "citizen-01"): Account {
        val identity = client.identity()
        val request = identity.startLogin()
        return identity.completeLogin(authorize(request.authorizationUrl, user))
    }

    /** The issuer metadata JSON (`{"issuer", "jwks"}`) of the licence office [office]. */
    suspend fun issuerMetadata(office: String): String = https("GET", "/.well-known/jwt-vc-issuer/issuers/$office", expect = 200)

    /** Revokes [holder]'s licence of type [vct] at its issuer (`POST /sim/revoke`). */
    suspend fun revoke(holder: String, vct: String) {
        https("POST", "/sim/revoke", "{\"holder\": \"$holder\", \"vct\": \"$vct\"}", expect = 204)
    }

    /**
     * Publishes the anonymous next-step statistics (`POST /sim/next-steps`, the JSON of
     * `NextStepStats`): what `GET /api/v1/recommend/next-steps` serves from then on.
     */
    suspend fun publishNextSteps(json: String) {
        https("POST", "/sim/next-steps", json, expect = 200)
    }

    /**
     * The push bodies queued at the simulated carrier for [endpoint], oldest first, taken as a
     * phone's shell receives them (`POST /sim/push/take`, base64url in the answer).
     */
    suspend fun takePushes(endpoint: String): List<ByteArray> {
        val answer = https("POST", "/sim/push/take", "{\"endpoint\": \"$endpoint\"}", expect = 200)
        val bodies = checkNotNull(Regex("\"bodies\"\\s*:\\s*\\[([^\\]]*)]").find(answer)) { "no bodies in $answer" }.groupValues[1]
        return Regex("\"([A-Za-z0-9_-]*)\"").findAll(bodies).map { Base64.getUrlDecoder().decode(it.groupValues[1]) }.toList()
    }

    /** One request to the simulator, trusting only its CA; fails unless it answers [expect]. */
    private suspend fun https(method: String, path: String, json: String? = null, expect: Int): String = withContext(Dispatchers.IO) {
        val connection = URL(url.trimEnd('/') + path).openConnection() as HttpsURLConnection
        try {
            connection.sslSocketFactory = tls.socketFactory
            connection.connectTimeout = 10_000
            connection.readTimeout = 10_000
            connection.requestMethod = method
            if (json != null) {
                connection.doOutput = true
                connection.setRequestProperty("Content-Type", "application/json")
                connection.outputStream.use { it.write(json.toByteArray()) }
            }
            check(connection.responseCode == expect) { "$method $path: HTTP ${connection.responseCode}" }
            if (expect == 204) "" else connection.inputStream.bufferedReader().use { it.readText() }
        } finally {
            connection.disconnect()
        }
    }

    private val tls: SSLContext by lazy {
        val keyStore = KeyStore.getInstance(KeyStore.getDefaultType()).apply { load(null, null) }
        CertificateFactory.getInstance("X.509").generateCertificates(caPem.byteInputStream()).forEachIndexed { i, cert ->
            keyStore.setCertificateEntry("sim-ca-$i", cert)
        }
        val trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(keyStore) }
        SSLContext.getInstance("TLS").apply { init(null, trust.trustManagers, null) }
    }

    private suspend fun run(vararg args: String): String = withContext(Dispatchers.IO) {
        val p = ProcessBuilder(BIN, *args).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        check(p.waitFor(60, TimeUnit.SECONDS)) { "citykit-sim ${args[0]} did not finish" }
        check(p.exitValue() == 0) { "citykit-sim ${args.joinToString(" ")} failed (${p.exitValue()}): $out" }
        out.trim()
    }

    private fun stop() {
        if (process.isAlive) {
            process.destroy()
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS)
            }
        }
    }

    override fun close() {
        stop()
        runCatching { Runtime.getRuntime().removeShutdownHook(shutdownHook) }
        stateDir.deleteRecursively()
    }

    companion object {
        /** `$CITYKIT_SIM_BIN`; run-tests.sh sets it. Else the repo's debug build (Gradle runs tests in android/citykit). */
        val BIN: String = System.getenv("CITYKIT_SIM_BIN") ?: File("../../target/debug/citykit-sim").absolutePath
    }
}
