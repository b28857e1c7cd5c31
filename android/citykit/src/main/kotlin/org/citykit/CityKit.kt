// The idiomatic Kotlin layer over the UniFFI-generated bindings in citykit_ffi.kt (same package).
//
// The generated API already has suspend functions and typed exceptions. This file adds only what
// it lacks for Kotlin callers (android/README.md, "The idiomatic layer", explains each item):
//   - CityKit.config / CityKit.open: named, defaulted parameters instead of a 10-field record and
//     four positional arguments; a Duration instead of "milliseconds, 0 means default";
//   - CityKitClient.loginStates(): a Flow instead of a listener plus a TaskHandle to cancel;
//   - CityKitException.code (and the other fields) on the sealed base type, plus userMessage(Locale);
//   - KeyProvider { } and UserPresence { } builders, because the generated callback interfaces are
//     not `fun interface`s (no lambdas), and UserPresence's confirm may suspend (BiometricPrompt).
//
// Pure Kotlin/JVM (no android.* imports), so CityKit's CI compiles and tests it on the JVM.

package org.citykit

import java.util.Locale
import kotlin.time.Duration
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.runBlocking

/** Entry points: build a [ClientConfig] and open the one [CityKitClient] of the process. */
object CityKit {
    /**
     * The core's default settings ([coreDefaults]): every default below comes from here, never
     * from a literal in this file, so Kotlin, Swift, Python and Rust agree.
     */
    val defaults: CoreDefaults by lazy { coreDefaults() }

    /** The scopes a city app asks for unless it says otherwise (the core's, [CoreDefaults.scopes]). */
    val DEFAULT_SCOPES: List<String> get() = defaults.scopes

    /**
     * A [ClientConfig] with defaults for everything but the four values every app must choose.
     *
     * @param dataDir the app's private directory for the encrypted store, e.g.
     *   `File(context.noBackupFilesDir, "citykit").path` (keep it out of backups: the key is not).
     * @param usePublicRoots also trust the public web PKI. The default is the core's
     *   ([CoreDefaults.usePublicRoots], false): only the platform's own roots, given in
     *   [extraRootCertificatesPem]. Pass true for a platform whose certificate chains to a public CA.
     * @param requestTimeout the whole-request timeout; null keeps the core's default
     *   ([CoreDefaults.requestTimeoutMs]).
     */
    fun config(
        dataDir: String,
        issuer: String,
        clientId: String,
        redirectUri: String,
        scopes: List<String> = DEFAULT_SCOPES,
        apiBase: String? = null,
        extraRootCertificatesPem: List<String> = emptyList(),
        spkiPins: List<String> = emptyList(),
        usePublicRoots: Boolean = defaults.usePublicRoots,
        requestTimeout: Duration? = null,
    ): ClientConfig {
        // The record encodes "default" as 0 ms, so a timeout under 1 ms cannot be expressed.
        require(requestTimeout == null || requestTimeout.inWholeMilliseconds >= 1) {
            "requestTimeout must be at least 1 ms (or null for the default), was $requestTimeout"
        }
        return ClientConfig(
            dataDir = dataDir,
            issuer = issuer,
            clientId = clientId,
            redirectUri = redirectUri,
            scopes = scopes,
            apiBase = apiBase,
            extraRootCertificatesPem = extraRootCertificatesPem,
            spkiPins = spkiPins,
            usePublicRoots = usePublicRoots,
            requestTimeoutMs = requestTimeout?.inWholeMilliseconds?.toULong() ?: 0uL,
        )
    }

    /**
     * Opens the client: the encrypted store and any saved session; touches no network. Keep the
     * result for the whole process (one client per process, e.g. in the Application).
     *
     * @param deviceKeys a hardware key (Keystore/StrongBox); null: a software key kept in the store.
     * @param userPresence the biometric/PIN prompt asked before acting for an enterprise; null: no check.
     * @throws CityKitException.Store for example `store.wrong_key` or `store.key_unavailable`.
     */
    suspend fun open(
        config: ClientConfig,
        keyProvider: KeyProvider,
        deviceKeys: DeviceKeys? = null,
        userPresence: UserPresence? = null,
    ): CityKitClient = openClient(config, keyProvider, deviceKeys, userPresence)
}

/**
 * The login state as a cold [Flow]: the current state first, then every change.
 *
 * Each collection subscribes once ([CityKitClient.subscribeLoginState]) and cancels and frees its
 * [TaskHandle] when the collector stops. It is a state stream: a slow collector gets the latest
 * state (conflated), never a backlog, and never the same state twice in a row. For a hot
 * `StateFlow` use `client.loginStates().stateIn(scope, SharingStarted.Eagerly, client.loginState())`.
 */
fun CityKitClient.loginStates(): Flow<LoginState> = callbackFlow {
    val handle = subscribeLoginState(object : LoginStateListener {
        // Called on the subscription's own thread (citykit-login), never a runtime worker; trySend
        // never blocks and never fails on a conflated channel.
        override fun onLoginState(state: LoginState) {
            trySend(state)
        }
    })
    awaitClose {
        handle.cancel()
        handle.close()
    }
}.buffer(Channel.CONFLATED).distinctUntilChanged()

/** The stable machine code of any [CityKitException] (docs/errors.md), e.g. `store.wrong_key`. */
val CityKitException.code: String
    get() = when (this) {
        is CityKitException.Store -> this.code
        is CityKitException.Net -> this.code
        is CityKitException.Auth -> this.code
        is CityKitException.Wallet -> this.code
        is CityKitException.Catalogue -> this.code
        is CityKitException.Autofill -> this.code
        is CityKitException.Case -> this.code
        is CityKitException.Config -> this.code
        is CityKitException.Internal -> this.code
    }

/** The default English message of any [CityKitException]. */
val CityKitException.messageEn: String
    get() = when (this) {
        is CityKitException.Store -> this.messageEn
        is CityKitException.Net -> this.messageEn
        is CityKitException.Auth -> this.messageEn
        is CityKitException.Wallet -> this.messageEn
        is CityKitException.Catalogue -> this.messageEn
        is CityKitException.Autofill -> this.messageEn
        is CityKitException.Case -> this.messageEn
        is CityKitException.Config -> this.messageEn
        is CityKitException.Internal -> this.messageEn
    }

/** The default Chinese message of any [CityKitException]. */
val CityKitException.messageZh: String
    get() = when (this) {
        is CityKitException.Store -> this.messageZh
        is CityKitException.Net -> this.messageZh
        is CityKitException.Auth -> this.messageZh
        is CityKitException.Wallet -> this.messageZh
        is CityKitException.Catalogue -> this.messageZh
        is CityKitException.Autofill -> this.messageZh
        is CityKitException.Case -> this.messageZh
        is CityKitException.Config -> this.messageZh
        is CityKitException.Internal -> this.messageZh
    }

/** Debug text for logs and bug reports (no personal data); never show it to the person. */
val CityKitException.details: String
    get() = when (this) {
        is CityKitException.Store -> this.details
        is CityKitException.Net -> this.details
        is CityKitException.Auth -> this.details
        is CityKitException.Wallet -> this.details
        is CityKitException.Catalogue -> this.details
        is CityKitException.Autofill -> this.details
        is CityKitException.Case -> this.details
        is CityKitException.Config -> this.details
        is CityKitException.Internal -> this.details
    }

/**
 * CityKit's default message for the person, in Chinese for a `zh` locale and English otherwise.
 * Apps that have their own wording map [code] instead.
 */
fun CityKitException.userMessage(locale: Locale = Locale.getDefault()): String =
    if (locale.language == "zh") messageZh else messageEn

/**
 * A [KeyProvider] from a function returning the raw 32-byte key of the store named `storeId`.
 * CityKit calls it on a background thread, so it may block on the keystore.
 */
fun KeyProvider(storeKey: (storeId: String) -> ByteArray): KeyProvider {
    val provide = storeKey
    return object : KeyProvider {
        override fun storeKey(storeId: String): ByteArray = provide(storeId)
    }
}

/**
 * A [UserPresence] from a suspending check, e.g. a BiometricPrompt shown on the main thread:
 * `UserPresence { purpose -> withContext(Dispatchers.Main) { prompt.awaitConfirmation(purpose) } }`.
 *
 * CityKit calls [UserPresence.confirm] on one of its blocking worker threads and waits for the
 * answer, so this adapter runs [confirm] there with `runBlocking`. Cancelling the coroutine that
 * called `switchIdentity` abandons the switch, but the prompt stays until [confirm] returns.
 */
fun UserPresence(confirm: suspend (purpose: PresencePurpose) -> Boolean): UserPresence {
    val check = confirm
    return object : UserPresence {
        override fun confirm(purpose: PresencePurpose): Boolean = runBlocking { check(purpose) }
    }
}
