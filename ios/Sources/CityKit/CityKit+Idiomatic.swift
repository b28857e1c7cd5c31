// The hand-written Swift layer over the UniFFI-generated CityKit.swift (which is a build output:
// never edit it). Everything here is glue: no business logic, no network, no crypto.
// ios/README.md explains each addition and why the generated API needs it.

import Foundation

// MARK: - Opening the client

extension CityKitClient {
    /// Opens the client: the encrypted store (its key from `keyProvider`) and any saved session.
    /// Touches no network.
    ///
    /// Use this rather than the generated `openClient(config:keyProvider:deviceKeys:userPresence:)`:
    /// the client returned here stops its network calls when the calling `Task` is cancelled
    /// (they throw `CancellationError`), which the generated methods do not do.
    ///
    /// - Parameters:
    ///   - deviceKeys: a hardware key (Secure Enclave), or nil for CityKit's software key kept in
    ///     the encrypted store.
    ///   - userPresence: the app's Face ID / Touch ID / passcode prompt, asked before acting for an
    ///     enterprise; nil for no prompt.
    public static func open(
        config: ClientConfig,
        keyProvider: KeyProvider,
        deviceKeys: DeviceKeys? = nil,
        userPresence: UserPresence? = nil
    ) async throws -> CityKitClient {
        let generated = try await openClient(
            config: config, keyProvider: keyProvider, deviceKeys: deviceKeys, userPresence: userPresence)
        // A second reference to the same Rust object, held by the subclass whose network calls are
        // cancellable; `generated` releases its reference when it goes out of scope.
        return CancellableCityKitClient(unsafeFromHandle: generated.uniffiCloneHandle())
    }
}

// MARK: - Login state as an AsyncStream

extension CityKitClientProtocol {
    /// The login state as an `AsyncStream`: the current state at once, then every change.
    ///
    /// ```swift
    /// for await state in client.loginStates() {
    ///     self.isLoggedIn = state.isLoggedIn
    /// }
    /// ```
    ///
    /// The Rust subscription stops when the stream terminates: the consuming `Task` is cancelled,
    /// the loop is left (`break`), or the stream is dropped. Rapid changes may be coalesced by the
    /// core, so treat each element as "the state now", not as an event log. The loop body runs on
    /// the consuming task's actor (the main actor in a SwiftUI `.task`).
    ///
    /// If the subscription cannot start (the CityKit runtime failed to start), the stream
    /// finishes at once without elements.
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
    /// How many listeners are alive: lets the tests prove that ending a stream releases the Rust
    /// subscription (and with it this listener). Not part of the public API.
    static let alive = LiveCounter()

    private let continuation: AsyncStream<LoginState>.Continuation

    init(_ continuation: AsyncStream<LoginState>.Continuation) {
        self.continuation = continuation
        Self.alive.increment()
    }

    deinit {
        Self.alive.decrement()
    }

    func onLoginState(state: LoginState) {
        continuation.yield(state)
    }
}

/// A thread-safe counter.
final class LiveCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }

    func decrement() {
        lock.lock()
        count -= 1
        lock.unlock()
    }
}

// MARK: - Login

extension CityKitClientProtocol {
    /// Finishes a login with the redirect URL the browser handed back (for example the
    /// `callbackURL` of an `ASWebAuthenticationSession`).
    public func completeLogin(redirectURL: URL) async throws -> Account {
        try await completeLogin(redirectUrl: redirectURL.absoluteString)
    }
}

extension LoginRequest {
    /// The URL to open in `ASWebAuthenticationSession` (never an embedded web view).
    public var authorizationURL: URL? {
        URL(string: authorizationUrl)
    }

    /// When the platform stops accepting this login.
    public var expirationDate: Date {
        Date(timeIntervalSince1970: TimeInterval(expiresAt))
    }
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

// MARK: - Configuration

extension ClientConfig {
    /// The core's default settings (`coreDefaults()`). Every default of the initializer below
    /// comes from the core, never from a literal here, so Swift, Kotlin, Python and Rust agree.
    public static var defaults: CoreDefaults { coreDefaults() }

    /// A configuration with Swift types and the core's defaults.
    ///
    /// - Parameters:
    ///   - dataDirectory: the app's private directory for the encrypted store, e.g. a folder in
    ///     Application Support excluded from backups.
    ///   - issuer: the city platform's OpenID provider.
    ///   - redirectURI: the app's redirect, e.g. `org.city.app:/oauth2redirect`.
    ///   - scopes: empty for the core's usual scopes (`openid profile offline_access`); `openid` is added when missing.
    ///   - apiBase: the city API; nil to take it from the provider's discovery document.
    ///   - extraRootCertificatesPEM: extra trusted roots (PEM), e.g. a test platform's CA.
    ///   - spkiPins: base64 SHA-256 SPKI pins; empty for no pinning.
    ///   - usePublicRoots: also trust the public web PKI. The default is the core's
    ///     (`ClientConfig.defaults.usePublicRoots`, false): only the platform's own roots, given in
    ///     `extraRootCertificatesPEM`. Pass true for a platform whose certificate chains to a public CA.
    ///   - requestTimeout: the whole-request timeout; nil for the core's default
    ///     (`ClientConfig.defaults.requestTimeoutMs`).
    public init(
        dataDirectory: URL,
        issuer: URL,
        clientID: String,
        redirectURI: String,
        scopes: [String] = [],
        apiBase: URL? = nil,
        extraRootCertificatesPEM: [String] = [],
        spkiPins: [String] = [],
        usePublicRoots: Bool = ClientConfig.defaults.usePublicRoots,
        requestTimeout: TimeInterval? = nil
    ) {
        self.init(
            dataDir: dataDirectory.path,
            issuer: issuer.absoluteString,
            clientId: clientID,
            redirectUri: redirectURI,
            scopes: scopes,
            apiBase: apiBase?.absoluteString,
            extraRootCertificatesPem: extraRootCertificatesPEM,
            spkiPins: spkiPins,
            usePublicRoots: usePublicRoots,
            requestTimeoutMs: requestTimeout.map(Self.milliseconds) ?? 0
        )
    }

    /// Whole milliseconds, at least 1 (0 would mean "the default"), at most a day.
    private static func milliseconds(_ interval: TimeInterval) -> UInt64 {
        let ms = (interval * 1000).rounded()
        guard ms.isFinite else { return 86_400_000 }
        return UInt64(min(max(ms, 1), 86_400_000))
    }
}

// MARK: - Errors

extension CityKitError {
    /// The stable machine code (`store.wrong_key`, `auth.presence_denied`, …; docs/errors.md).
    /// Match on it, never on message text.
    public var code: String {
        fields.code
    }

    /// The default message for people, in English.
    public var messageEn: String {
        fields.messageEn
    }

    /// The default message for people, in Chinese.
    public var messageZh: String {
        fields.messageZh
    }

    /// Debug text for logs and bug reports. Never show it to people.
    public var details: String {
        fields.details
    }

    /// The default message in the first of `preferredLanguages` CityKit has (Chinese or English).
    public func message(preferredLanguages: [String] = Locale.preferredLanguages) -> String {
        for language in preferredLanguages {
            if language.hasPrefix("zh") { return fields.messageZh }
            if language.hasPrefix("en") { return fields.messageEn }
        }
        return fields.messageEn
    }

    private var fields: (code: String, messageEn: String, messageZh: String, details: String) {
        switch self {
        case let .Store(code, messageEn, messageZh, details),
             let .Net(code, messageEn, messageZh, details),
             let .Auth(code, messageEn, messageZh, details),
             let .Wallet(code, messageEn, messageZh, details),
             let .Catalogue(code, messageEn, messageZh, details),
             let .Autofill(code, messageEn, messageZh, details),
             let .Case(code, messageEn, messageZh, details),
             let .Config(code, messageEn, messageZh, details),
             let .Internal(code, messageEn, messageZh, details):
            return (code, messageEn, messageZh, details)
        }
    }
}

// The generated `errorDescription` (so `localizedDescription`) is `String(reflecting: self)`,
// which would dump every field, `details` included. `String(reflecting:)` uses `description`
// when there is one, so this makes `localizedDescription` the message for people plus the code.
extension CityKitError: CustomStringConvertible {
    public var description: String {
        "\(message()) (\(code))"
    }
}
