// The hand-written Swift layer over the UniFFI-generated CityKit.swift and CityKitCore.swift
// (build outputs: never edit them). Glue only: no business logic, no network, no crypto, and no
// defaults of its own (they all come from the core). ios/README.md explains each addition.

import Foundation

// MARK: - Opening the client

extension CityKitClient {
    /// Opens the client: the encrypted store (its key from `keyProvider`) and any saved session.
    /// Touches no network. Use it rather than the generated `openClient(...)`: its sub-clients'
    /// network calls stop when the calling `Task` is cancelled (CityKit+Cancellation.swift).
    ///
    /// - Parameters:
    ///   - deviceKeys: a hardware key (Secure Enclave), or nil for CityKit's software key.
    ///   - userPresence: the app's Face ID / Touch ID / passcode prompt, or nil for none.
    public static func open(
        config: ClientConfig,
        keyProvider: KeyProvider,
        deviceKeys: DeviceKeys? = nil,
        userPresence: UserPresence? = nil
    ) async throws -> CityKitClient {
        let generated = try await openClient(
            config: config, keyProvider: keyProvider, deviceKeys: deviceKeys, userPresence: userPresence)
        // A second reference to the same Rust object; `generated` releases its own.
        return CancellableCityKitClient(unsafeFromHandle: generated.uniffiCloneHandle())
    }
}

extension ClientConfig {
    /// The core's `clientConfig(...)` from Swift types: every other setting is the core's
    /// default. Change fields afterwards, e.g. `config.net.trust.extraRootCertificatesPem`.
    public init(dataDirectory: URL, issuer: URL, clientId: String, redirectUri: String) {
        self = clientConfig(
            dataDir: dataDirectory.path, issuer: issuer.absoluteString, clientId: clientId, redirectUri: redirectUri)
    }
}

// MARK: - Login

extension IdentityClientProtocol {
    /// Finishes a login with the redirect URL the browser handed back (for example the
    /// `callbackURL` of an `ASWebAuthenticationSession`).
    public func completeLogin(redirectURL: URL) async throws -> Account {
        try await completeLogin(redirectUrl: redirectURL.absoluteString)
    }

    /// The login state as an `AsyncStream`: the current state at once, then every change.
    /// The Rust subscription stops when the stream terminates (the consuming `Task` is
    /// cancelled, the loop is left, or the stream is dropped). Rapid changes may be coalesced:
    /// treat each element as "the state now". If the subscription cannot start, the stream
    /// finishes at once.
    public func loginStates(
        bufferingPolicy: AsyncStream<LoginState>.Continuation.BufferingPolicy = .unbounded
    ) -> AsyncStream<LoginState> {
        AsyncStream(bufferingPolicy: bufferingPolicy) { continuation in
            do {
                let handle = try subscribeLoginState(listener: LoginStateStreamListener(continuation))
                continuation.onTermination = { _ in handle.cancel() }
            } catch {
                continuation.finish()
            }
        }
    }
}

/// Forwards the core's login-state callbacks into an `AsyncStream`.
final class LoginStateStreamListener: LoginStateListener {
    /// How many are alive: lets the tests prove that ending a stream releases the subscription.
    static let alive = LiveCounter()
    private let continuation: AsyncStream<LoginState>.Continuation

    init(_ continuation: AsyncStream<LoginState>.Continuation) {
        self.continuation = continuation
        Self.alive.add(1)
    }

    deinit { Self.alive.add(-1) }

    func onLoginState(state: LoginState) {
        continuation.yield(state)
    }
}

// MARK: - Inbox

extension CasesClientProtocol {
    /// The stored inbox's changes as an `AsyncStream`: the current state at once (`.current`),
    /// then every change in order: `.added` (new notices from `inbox()` or a push), `.read`,
    /// `.deleted`, `.current` after an identity switch, `.cleared` at logout. Each carries the
    /// item ids it concerns and the unread count after it. A `.current` means "re-read the
    /// inbox" (also sent if the feed fell behind). Unbounded by default: every change matters.
    /// The Rust subscription stops when the stream terminates (the consuming `Task` is
    /// cancelled, the loop is left, or the stream is dropped). If the subscription cannot start,
    /// the stream finishes at once.
    public func inboxChanges(
        bufferingPolicy: AsyncStream<InboxChange>.Continuation.BufferingPolicy = .unbounded
    ) -> AsyncStream<InboxChange> {
        AsyncStream(bufferingPolicy: bufferingPolicy) { continuation in
            do {
                let handle = try subscribeInbox(listener: InboxChangeStreamListener(continuation))
                continuation.onTermination = { _ in handle.cancel() }
            } catch {
                continuation.finish()
            }
        }
    }
}

/// Forwards the core's inbox callbacks into an `AsyncStream`.
final class InboxChangeStreamListener: InboxListener {
    /// How many are alive: lets the tests prove that ending a stream releases the subscription.
    static let alive = LiveCounter()
    private let continuation: AsyncStream<InboxChange>.Continuation

    init(_ continuation: AsyncStream<InboxChange>.Continuation) {
        self.continuation = continuation
        Self.alive.add(1)
    }

    deinit { Self.alive.add(-1) }

    func onInboxChange(change: InboxChange) {
        continuation.yield(change)
    }
}

/// A thread-safe counter.
final class LiveCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.lock(); defer { lock.unlock() }; return count }

    func add(_ delta: Int) { lock.lock(); count += delta; lock.unlock() }
}

extension LoginRequest {
    /// The URL to open in `ASWebAuthenticationSession` (never an embedded web view).
    public var authorizationURL: URL? { URL(string: authorizationUrl) }
}

extension LoginState {
    /// True while a session exists (whoever it acts for).
    public var isLoggedIn: Bool {
        if case .loggedIn = self { return true }
        return false
    }

    /// The enterprise requests act for, or nil when acting as the person (or logged out).
    public var actingFor: String? {
        if case let .loggedIn(_, actingFor) = self { return actingFor }
        return nil
    }
}

// MARK: - Errors

extension Language {
    /// Chinese for a Chinese locale (`zh`, `zh-Hans-CN`, `zh-Hant-TW`…), else English.
    public init(_ locale: Locale) {
        self = locale.identifier.lowercased().hasPrefix("zh") ? .zh : .en
    }
}

extension CityKitError {
    /// The default message for people in `locale`'s language (Chinese or English).
    public func message(locale: Locale = .current) -> String {
        message(language: Language(locale))
    }
}

/// `localizedDescription` (what an alert shows) is the message for people in the current
/// locale, never the debug details.
extension CityKitError: LocalizedError {
    public var errorDescription: String? { message(locale: .current) }
}

extension CallbackError {
    /// What an app's `KeyProvider`, `DeviceKeys` or `UserPresence` throws when it cannot do
    /// its job: `throw CallbackError.unavailable(reason: "keychain locked")`. The core turns it
    /// into its own error (`store.key_unavailable`, `auth.presence_unavailable`, …) with `reason`
    /// in `details()`: write no personal data into it.
    public static func unavailable(reason: String) -> CallbackError {
        .Unavailable(reason: reason)
    }
}
