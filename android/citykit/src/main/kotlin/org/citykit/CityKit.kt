// The idiomatic Kotlin layer over the UniFFI-generated bindings (citykit_ffi.kt: objects, the
// error, callbacks; core/citykit_core.kt: the core's records and enums). It adds only what they
// lack for Kotlin callers (android/README.md, "The idiomatic layer"):
//   - CityKit.config / CityKit.open: named overrides of the core's defaults (clientConfig) and
//     optional arguments instead of positional nulls;
//   - IdentityClient.loginStates() and CasesClient.inboxChanges(): Flows instead of a listener
//     plus a TaskHandle to cancel;
//   - CityKitException.userMessage(Locale);
//   - KeyProvider { } and UserPresence { } builders (the generated callback interfaces take no
//     lambdas, and a BiometricPrompt needs a suspending confirm).
//
// Pure Kotlin/JVM (no android.* imports), so CityKit's CI compiles and tests it on the JVM.

package org.citykit

import java.util.Locale
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.runBlocking
import org.citykit.core.ClientConfig
import org.citykit.core.InboxChange
import org.citykit.core.Language
import org.citykit.core.LoginState
import org.citykit.core.PresencePurpose
import org.citykit.core.clientConfig

/** Entry points: build a [ClientConfig] and open the one [CityKitClient] of the process. */
object CityKit {
    /**
     * The core's configuration ([clientConfig], every default of the core) with the overrides
     * given here; a null override keeps the core's value. For any other setting, change the
     * returned record (`config.net.maxRetries = 5u`).
     *
     * @param dataDir the app's private directory for the encrypted store, e.g.
     *   `File(context.noBackupFilesDir, "citykit").path` (keep it out of backups: the key is not).
     * @param extraRootCertificatesPem the platform's own root certificates (PEM).
     * @param usePublicRoots also trust the public web PKI (the core's default: no).
     */
    fun config(
        dataDir: String,
        issuer: String,
        clientId: String,
        redirectUri: String,
        extraRootCertificatesPem: List<String>? = null,
        usePublicRoots: Boolean? = null,
        spkiPins: List<String>? = null,
        requestTimeout: Duration? = null,
        apiBase: String? = null,
        scopes: List<String>? = null,
    ): ClientConfig = clientConfig(dataDir, issuer, clientId, redirectUri).apply {
        extraRootCertificatesPem?.let { net.trust.extraRootCertificatesPem = it }
        usePublicRoots?.let { net.trust.usePublicRoots = it }
        spkiPins?.let { net.trust.spkiPins = it }
        requestTimeout?.let { net.requestTimeout = it.toJavaDuration() }
        apiBase?.let { platform.apiBase = it }
        scopes?.let { platform.scopes = it }
    }

    /**
     * Opens the client: the encrypted store and any saved session; touches no network. Keep the
     * result for the whole process (one client per process, e.g. in the Application).
     *
     * @param deviceKeys a hardware key (Keystore/StrongBox); null: a software key kept in the store.
     * @param userPresence the biometric/PIN prompt asked before sensitive actions; null: no check.
     * @throws CityKitException for example `store.wrong_key` or `store.key_unavailable`.
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
 * Each collection subscribes once ([IdentityClient.subscribeLoginState]) and cancels and frees its
 * [TaskHandle] when the collector stops. It is a state stream: a slow collector gets the latest
 * state (conflated), never a backlog, and never the same state twice in a row. For a hot
 * `StateFlow` use `identity.loginStates().stateIn(scope, SharingStarted.Eagerly, identity.loginState())`.
 */
fun IdentityClient.loginStates(): Flow<LoginState> = callbackFlow {
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

/**
 * The inbox's changes as a cold [Flow]: the inbox as it is now first (kind `CURRENT`), then
 * every change in order: `ADDED` (new notices, from a pull with [CasesClient.inbox] or a push
 * handed to [PushClient.receive]), `READ` ([CasesClient.markRead]), `DELETED`
 * ([CasesClient.deleteInboxItem]), `CURRENT` after an identity switch and `CLEARED` at logout.
 * Each change carries the ids of the items it concerns and the unread count after it. A `CURRENT`
 * later in the stream means: re-read the inbox (the core also sends one to a subscription that
 * fell far behind).
 *
 * Each collection subscribes once ([CasesClient.subscribeInbox]) and cancels and frees its
 * [TaskHandle] when the collector stops. Unlike [loginStates] this is a stream of events, not of
 * states: nothing is conflated or dropped, and a slow collector gets every change, in order
 * (the buffer is unlimited). For a badge, `cases.inboxChanges().map { it.unreadCount }`.
 */
fun CasesClient.inboxChanges(): Flow<InboxChange> = callbackFlow {
    val handle = subscribeInbox(object : InboxListener {
        // Called on the subscription's own thread (citykit-inbox), never a runtime worker; trySend
        // never blocks, and on an unlimited channel fails only once the collector has stopped.
        override fun onInboxChange(change: InboxChange) {
            trySend(change)
        }
    })
    awaitClose {
        handle.cancel()
        handle.close()
    }
}.buffer(Channel.UNLIMITED)

/**
 * CityKit's default message for the person, in Chinese for a `zh` locale and English otherwise.
 * Apps that have their own wording map [CityKitException.code] instead.
 */
fun CityKitException.userMessage(locale: Locale = Locale.getDefault()): String =
    message(if (locale.language == "zh") Language.ZH else Language.EN)

/**
 * A [KeyProvider] from a function returning the raw 32-byte key of the store named `storeId`.
 * CityKit calls it on a background thread, so it may block on the keystore. Throw
 * [CallbackException.Unavailable] when there is no key (CityKit reports `store.key_unavailable`);
 * any other exception is reported the same way, naming only its class.
 */
fun KeyProvider(storeKey: (storeId: String) -> ByteArray): KeyProvider {
    val provide = storeKey
    return object : KeyProvider {
        override fun storeKey(storeId: String): ByteArray = unavailableOnFailure { provide(storeId) }
    }
}

/**
 * A [UserPresence] from a suspending check, e.g. a BiometricPrompt shown on the main thread:
 * `UserPresence { purpose -> withContext(Dispatchers.Main) { prompt.awaitConfirmation(purpose) } }`.
 * Return false when the person declines; throw [CallbackException.Unavailable] when the prompt
 * cannot be shown (CityKit reports `auth.presence_unavailable`).
 *
 * CityKit calls [UserPresence.confirm] on one of its blocking worker threads and waits for the
 * answer, so this adapter runs [confirm] there with `runBlocking`. Cancelling the coroutine that
 * made the call abandons it, but the prompt stays until [confirm] returns.
 */
fun UserPresence(confirm: suspend (purpose: PresencePurpose) -> Boolean): UserPresence {
    val check = confirm
    return object : UserPresence {
        override fun confirm(purpose: PresencePurpose): Boolean = unavailableOnFailure { runBlocking { check(purpose) } }
    }
}

/**
 * Runs an app callback, turning any exception but [CallbackException] into
 * [CallbackException.Unavailable] naming only the exception's class: the reason ends up in the
 * error's details, which carry no personal data (UniFFI would send the whole stack trace,
 * messages included).
 */
private inline fun <T> unavailableOnFailure(call: () -> T): T =
    try {
        call()
    } catch (e: CallbackException) {
        throw e
    } catch (e: Exception) {
        throw CallbackException.Unavailable("the app's callback threw ${e.javaClass.name}")
    }
