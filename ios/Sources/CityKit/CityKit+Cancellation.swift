// Task cancellation for CityKit's network calls, until UniFFI's generated Swift does it.
//
// UniFFI 0.32's generated Swift awaits a Rust future without ever calling its cancel function, so
// cancelling the Swift `Task` does nothing until the platform answers (uniffi-rs #2771; fix in PR
// #2887, unreleased). The client `CityKitClient.open(...)` returns hands out sub-clients whose
// calls that wait on the platform drive the same exported Rust futures under
// `withTaskCancellationHandler`: on cancel, Rust drops the future (aborting the request) and the
// call throws `CancellationError` at once.
//
// Overridden (each has a test in CancellationTests): identity().startLogin, completeLogin,
// identities, currentIdentity, switchIdentity, whoami; catalogue().sync; autofill().fill;
// cases().getCase, review; recommend().recommend, campaigns (they may fetch the platform's
// published statistics and campaigns). `completeLogin` and `switchIdentity` run detached in the core:
// cancelling stops the waiting, not the work. Calls that must finish (refresh, logout, submit,
// sign, …) are not overridden. Delete this file once UniFFI propagates cancellation
// (`testGeneratedClientIgnoresCancellation` will fail that day).
//
// It uses only public pieces of the generated code and the C functions of CityKitFFI: if the
// Rust API changes, it stops compiling rather than misbehaving. It never crashes: anything
// unexpected is thrown.

import Foundation
#if canImport(CityKitFFI)
import CityKitFFI
#endif

final class CancellableCityKitClient: CityKitClient, @unchecked Sendable {
    override func identity() -> IdentityClient {
        CancellableIdentityClient(unsafeFromHandle: super.identity().uniffiCloneHandle())
    }

    override func catalogue() -> CatalogueClient {
        CancellableCatalogueClient(unsafeFromHandle: super.catalogue().uniffiCloneHandle())
    }

    override func autofill() -> AutofillClient {
        CancellableAutofillClient(unsafeFromHandle: super.autofill().uniffiCloneHandle())
    }

    override func cases() -> CasesClient {
        CancellableCasesClient(unsafeFromHandle: super.cases().uniffiCloneHandle())
    }

    override func recommend() -> RecommendClient {
        CancellableRecommendClient(unsafeFromHandle: super.recommend().uniffiCloneHandle())
    }
}

final class CancellableIdentityClient: IdentityClient, @unchecked Sendable {
    override func startLogin() async throws -> LoginRequest {
        try await callRustFuture(FfiConverterTypeLoginRequest_lift) {
            uniffi_citykit_ffi_fn_method_identityclient_start_login(self.uniffiCloneHandle())
        }
    }

    /// Cancelling stops the waiting, not the login (the code is single use): watch `loginState()`.
    override func completeLogin(redirectUrl: String) async throws -> Account {
        let url = try lowerString(redirectUrl)
        return try await callRustFuture(FfiConverterTypeAccount_lift) {
            uniffi_citykit_ffi_fn_method_identityclient_complete_login(self.uniffiCloneHandle(), url)
        }
    }

    override func identities() async throws -> [Identity] {
        try await callRustFuture(liftIdentities) {
            uniffi_citykit_ffi_fn_method_identityclient_identities(self.uniffiCloneHandle())
        }
    }

    override func currentIdentity() async throws -> Identity {
        try await callRustFuture(FfiConverterTypeIdentity_lift) {
            uniffi_citykit_ffi_fn_method_identityclient_current_identity(self.uniffiCloneHandle())
        }
    }

    /// Cancelling stops the waiting, not the switch (saved and in-use identity must agree).
    override func switchIdentity(identityId: String) async throws -> Identity {
        let id = try lowerString(identityId)
        return try await callRustFuture(FfiConverterTypeIdentity_lift) {
            uniffi_citykit_ffi_fn_method_identityclient_switch_identity(self.uniffiCloneHandle(), id)
        }
    }

    override func whoami() async throws -> WhoAmI {
        try await callRustFuture(FfiConverterTypeWhoAmI_lift) {
            uniffi_citykit_ffi_fn_method_identityclient_whoami(self.uniffiCloneHandle())
        }
    }
}

final class CancellableCatalogueClient: CatalogueClient, @unchecked Sendable {
    override func sync() async throws -> CatalogueSync {
        try await callRustFuture(FfiConverterTypeCatalogueSync_lift) {
            uniffi_citykit_ffi_fn_method_catalogueclient_sync(self.uniffiCloneHandle())
        }
    }
}

final class CancellableAutofillClient: AutofillClient, @unchecked Sendable {
    override func fill(itemId: String) async throws -> FilledForm {
        let item = try lowerString(itemId)
        return try await callRustFuture(FfiConverterTypeFilledForm_lift) {
            uniffi_citykit_ffi_fn_method_autofillclient_fill(self.uniffiCloneHandle(), item)
        }
    }
}

final class CancellableCasesClient: CasesClient, @unchecked Sendable {
    override func getCase(caseId: String) async throws -> Case {
        let id = try lowerString(caseId)
        return try await callRustFuture(FfiConverterTypeCase_lift) {
            uniffi_citykit_ffi_fn_method_casesclient_get_case(self.uniffiCloneHandle(), id)
        }
    }

    override func review(caseId: String) async throws -> CaseReview {
        let id = try lowerString(caseId)
        return try await callRustFuture(FfiConverterTypeCaseReview_lift) {
            uniffi_citykit_ffi_fn_method_casesclient_review(self.uniffiCloneHandle(), id)
        }
    }
}

// MARK: - Driving a Rust future with cancellation

final class CancellableRecommendClient: RecommendClient, @unchecked Sendable {
    override func recommend(limit: UInt32) async throws -> [Recommendation] {
        try await callRustFuture({ try liftSequence($0, FfiConverterTypeRecommendation.read) }) {
            uniffi_citykit_ffi_fn_method_recommendclient_recommend(self.uniffiCloneHandle(), limit)
        }
    }

    override func campaigns() async throws -> [CampaignMatch] {
        try await callRustFuture({ try liftSequence($0, FfiConverterTypeCampaignMatch.read) }) {
            uniffi_citykit_ffi_fn_method_recommendclient_campaigns(self.uniffiCloneHandle())
        }
    }
}

/// A Rust call that failed outside CityKit's own error handling (a panic in UniFFI's scaffolding,
/// a buffer that could not be allocated, malformed data). Never expected; thrown, never a crash.
struct UnexpectedRustCallStatus: Error {
    let code: Int8
}

/// Starts a Rust future returning a `RustBuffer`, awaits it and lifts its result. When the
/// current `Task` is (or gets) cancelled, Rust drops the future and this throws
/// `CancellationError`, unless the result was already there.
func callRustFuture<T>(_ lift: (RustBuffer) throws -> T, start: () -> UInt64) async throws -> T {
    uniffiEnsureCitykitFfiInitialized()
    let future = start()
    // Runs once `withTaskCancellationHandler` has returned, so `cancel` never races with `free`.
    defer { ffi_citykit_ffi_rust_future_free_rust_buffer(future) }
    await withTaskCancellationHandler {
        // Poll until Rust says "ready" (0); a cancel makes the pending poll ready at once.
        while await withUnsafeContinuation({ continuation in
            let data = UInt64(UInt(bitPattern: Unmanaged.passRetained(PollWaiter(continuation)).toOpaque()))
            ffi_citykit_ffi_rust_future_poll_rust_buffer(future, rustFutureContinuationCallback, data)
        }) != 0 {}
    } onCancel: {
        ffi_citykit_ffi_rust_future_cancel_rust_buffer(future)
    }
    var status = RustCallStatus()
    let result = ffi_citykit_ffi_rust_future_complete_rust_buffer(future, &status)
    switch status.code {
    case 0: return try lift(result)
    case 1: throw try FfiConverterTypeCityKitError__as_error_lift(status.errorBuf)
    case 3: throw CancellationError()
    default:
        // The panic message may hold anything (personal data included): it stays out.
        freeRustBuffer(status.errorBuf)
        throw UnexpectedRustCallStatus(code: status.code)
    }
}

/// One pending poll's continuation, handed to Rust as an opaque retained pointer. UniFFI calls the
/// continuation callback exactly once per poll, which releases it.
private final class PollWaiter {
    let continuation: UnsafeContinuation<Int8, Never>
    init(_ continuation: UnsafeContinuation<Int8, Never>) { self.continuation = continuation }
}

/// Called by Rust (on any thread) when a polled future may make progress or is ready.
private func rustFutureContinuationCallback(data: UInt64, pollResult: Int8) {
    guard let pointer = UnsafeRawPointer(bitPattern: UInt(truncatingIfNeeded: data)) else { return }
    Unmanaged<PollWaiter>.fromOpaque(pointer).takeRetainedValue().continuation.resume(returning: pollResult)
}

// MARK: - What the generated code keeps private

/// A Rust-owned buffer holding `string` as UTF-8 (what the generated `FfiConverterString` does).
private func lowerString(_ string: String) throws -> RustBuffer {
    var status = RustCallStatus()
    let buffer = Array(string.utf8).withUnsafeBufferPointer { bytes in
        ffi_citykit_ffi_rustbuffer_from_bytes(ForeignBytes(len: Int32(bytes.count), data: bytes.baseAddress), &status)
    }
    guard status.code == 0 else { throw UnexpectedRustCallStatus(code: status.code) }
    return buffer
}

private func freeRustBuffer(_ buffer: RustBuffer) {
    var status = RustCallStatus()
    ffi_citykit_ffi_rustbuffer_free(buffer, &status)
}

/// Lifts a `Vec<Identity>`: a big-endian Int32 count, then each identity.
private func liftIdentities(_ buffer: RustBuffer) throws -> [Identity] {
    try liftSequence(buffer, FfiConverterTypeIdentity.read)
}

/// A UniFFI sequence (a big-endian i32 count, then the items) read with `read`; the buffer freed.
private func liftSequence<T>(_ buffer: RustBuffer, _ read: (inout (data: Data, offset: Data.Index)) throws -> T) throws -> [T] {
    defer { freeRustBuffer(buffer) }
    var reader = (data: buffer.data.map { Data(bytes: $0, count: Int(buffer.len)) } ?? Data(), offset: 0)
    guard reader.data.count >= 4 else { throw UnexpectedRustCallStatus(code: 0) }
    let count = reader.data.prefix(4).reduce(Int32(0)) { $0 << 8 | Int32($1) }
    reader.offset = 4
    let items = try (0..<max(0, count)).map { _ in try read(&reader) }
    guard reader.offset == reader.data.count else { throw UnexpectedRustCallStatus(code: 0) }
    return items
}
