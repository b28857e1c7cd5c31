// Task cancellation for CityKit's network calls.
//
// UniFFI 0.32's generated Swift awaits a Rust future with `withUnsafeContinuation` and never calls
// the future's cancel function, so cancelling the Swift `Task` does nothing: the call runs until
// the platform answers (uniffi-rs issue #2771; the fix, PR #2887, is not released). Kotlin's
// generated code does cancel. This file closes the gap until UniFFI does: the client returned by
// `CityKitClient.open(...)` is a `CancellableCityKitClient`, whose network calls drive the same
// exported Rust functions through `withTaskCancellationHandler`. On cancellation they call the
// future's `ffi_citykit_ffi_rust_future_cancel_*` function, the Rust side drops the future (which
// aborts the request on CityKit's runtime), and the call throws `CancellationError` at once.
//
// Delete this file (and make `CityKitClient.open` return the generated client) once UniFFI's
// generated Swift propagates cancellation.
//
// It uses only public pieces of the generated code (`uniffiCloneHandle()`, the
// `FfiConverterType*_lift` functions, `FfiConverterTypeIdentity.read`) and the C functions of the
// CityKitFFI module. If the Rust API changes, this file stops compiling rather than misbehaving.

import Foundation
#if canImport(CityKitFFI)
import CityKitFFI
#endif

/// The client `CityKitClient.open(...)` returns. Calls that may wait on the network stop waiting
/// when their `Task` is cancelled: they throw `CancellationError` at once.
///
/// For most calls (`startLogin`, `identities`, `currentIdentity`, `whoami`, the service reads)
/// that also stops the work. `completeLogin` and `switchIdentity` are different: the core runs
/// them detached, to the end, because stopping half-way would lose a single-use code or leave the
/// saved and the in-use identity disagreeing. Cancelling them stops only the waiting; the login
/// or switch still happens (or fails) a moment later, and `loginState()` / `loginStates()` show
/// the outcome. Treat a cancelled `completeLogin` as "the person may now be logged in".
///
/// `refresh()` and `logout()` are deliberately not overridden: abandoning a token rotation
/// half-way could lose the new refresh token, and abandoning a logout could leave the local wipe
/// undone, so they run to completion (as the generated methods do) even if the `Task` is cancelled.
final class CancellableCityKitClient: CityKitClient, @unchecked Sendable {
    override func startLogin() async throws -> LoginRequest {
        try await callRustFuture(.rustBuffer, lift: FfiConverterTypeLoginRequest_lift) {
            uniffi_citykit_ffi_fn_method_citykitclient_start_login(self.uniffiCloneHandle())
        }
    }

    /// Cancelling the `Task` stops the waiting, not the login: the core finishes it detached (the
    /// code is single use). Watch `loginState()` for the outcome.
    override func completeLogin(redirectUrl: String) async throws -> Account {
        let url = lowerString(redirectUrl)
        return try await callRustFuture(.rustBuffer, lift: FfiConverterTypeAccount_lift) {
            uniffi_citykit_ffi_fn_method_citykitclient_complete_login(self.uniffiCloneHandle(), url)
        }
    }

    override func identities() async throws -> [Identity] {
        try await callRustFuture(.rustBuffer, lift: liftIdentities) {
            uniffi_citykit_ffi_fn_method_citykitclient_identities(self.uniffiCloneHandle())
        }
    }

    override func currentIdentity() async throws -> Identity {
        try await callRustFuture(.rustBuffer, lift: FfiConverterTypeIdentity_lift) {
            uniffi_citykit_ffi_fn_method_citykitclient_current_identity(self.uniffiCloneHandle())
        }
    }

    /// Cancelling the `Task` stops the waiting, not the switch: the core finishes it detached, so
    /// the saved and the in-use identity agree. Watch `loginState()` for the outcome.
    override func switchIdentity(identityId: String) async throws -> Identity {
        let id = lowerString(identityId)
        return try await callRustFuture(.rustBuffer, lift: FfiConverterTypeIdentity_lift) {
            uniffi_citykit_ffi_fn_method_citykitclient_switch_identity(self.uniffiCloneHandle(), id)
        }
    }

    override func whoami() async throws -> WhoAmI {
        try await callRustFuture(.rustBuffer, lift: FfiConverterTypeWhoAmI_lift) {
            uniffi_citykit_ffi_fn_method_citykitclient_whoami(self.uniffiCloneHandle())
        }
    }

    // Services: reads that may wait on the platform. `submit`, `retryPending`, `rateCase`,
    // `amendCase`, `signCase` and `declineCase` are not overridden: they run to completion in the
    // core (a submission half-sent is resolved by its idempotency key, not by abandoning it).

    override func syncCatalogue() async throws -> CatalogueSync {
        try await callRustFuture(.rustBuffer, lift: FfiConverterTypeCatalogueSync_lift) {
            uniffi_citykit_ffi_fn_method_citykitclient_sync_catalogue(self.uniffiCloneHandle())
        }
    }

    override func fillForm(itemId: String) async throws -> FilledForm {
        let item = lowerString(itemId)
        return try await callRustFuture(.rustBuffer, lift: FfiConverterTypeFilledForm_lift) {
            uniffi_citykit_ffi_fn_method_citykitclient_fill_form(self.uniffiCloneHandle(), item)
        }
    }

    override func getCase(caseId: String) async throws -> Case {
        let id = lowerString(caseId)
        return try await callRustFuture(.rustBuffer, lift: FfiConverterTypeCase_lift) {
            uniffi_citykit_ffi_fn_method_citykitclient_get_case(self.uniffiCloneHandle(), id)
        }
    }

    override func reviewCase(caseId: String) async throws -> CaseReview {
        let id = lowerString(caseId)
        return try await callRustFuture(.rustBuffer, lift: FfiConverterTypeCaseReview_lift) {
            uniffi_citykit_ffi_fn_method_citykitclient_review_case(self.uniffiCloneHandle(), id)
        }
    }
}

// MARK: - Driving a Rust future with cancellation

/// The FFI functions that poll, cancel, complete and free a Rust future returning `Lowered`.
struct RustFutureFunctions<Lowered> {
    let poll: (UInt64, UniffiRustFutureContinuationCallback, UInt64) -> Void
    let cancel: @Sendable (UInt64) -> Void
    let complete: (UInt64, UnsafeMutablePointer<RustCallStatus>) -> Lowered
    let free: (UInt64) -> Void
}

extension RustFutureFunctions where Lowered == RustBuffer {
    static var rustBuffer: Self {
        Self(
            poll: { ffi_citykit_ffi_rust_future_poll_rust_buffer($0, $1, $2) },
            cancel: { ffi_citykit_ffi_rust_future_cancel_rust_buffer($0) },
            complete: { ffi_citykit_ffi_rust_future_complete_rust_buffer($0, $1) },
            free: { ffi_citykit_ffi_rust_future_free_rust_buffer($0) }
        )
    }
}

/// UniFFI's poll results and call-status codes.
private let pollReady: Int8 = 0
private let callSuccess: Int8 = 0
private let callError: Int8 = 1
private let callCancelled: Int8 = 3

/// Starts a Rust future, awaits it, and lifts its result. When the current `Task` is (or gets)
/// cancelled, the future is cancelled and dropped on the Rust side and this throws
/// `CancellationError`, unless the result was already there.
func callRustFuture<Lowered, Value>(
    _ functions: RustFutureFunctions<Lowered>,
    lift: (Lowered) throws -> Value,
    start: () -> UInt64
) async throws -> Value {
    uniffiEnsureCitykitFfiInitialized()
    let future = start()
    // Runs after the cancellation handler is gone (`withTaskCancellationHandler` has returned),
    // so `cancel` never races with `free`.
    defer { functions.free(future) }
    let cancel = functions.cancel
    await withTaskCancellationHandler {
        var poll: Int8
        repeat {
            poll = await withUnsafeContinuation { continuation in
                functions.poll(future, rustFutureContinuationCallback, pendingPolls.insert(continuation))
            }
        } while poll != pollReady
    } onCancel: {
        // Resolves a pending poll with "ready"; `complete` then reports the cancellation.
        cancel(future)
    }
    var status = RustCallStatus()
    let lowered = functions.complete(future, &status)
    switch status.code {
    case callSuccess:
        return try lift(lowered)
    case callError:
        throw try FfiConverterTypeCityKitError_lift(status.errorBuf)
    case callCancelled:
        throw CancellationError()
    default:
        // A panic outside CityKit's runtime wrapper. The generated code throws a private
        // `rustPanic(message)`; here it is the same `internal` error every other panic becomes.
        // The panic message may hold anything, so it stays out of the error (as in the core).
        freeRustBuffer(status.errorBuf)
        throw CityKitError.Internal(
            code: "internal",
            messageEn: "Something went wrong inside the app; please try again later.",
            messageZh: "应用内部出错，请稍后再试。",
            details: "a Rust panic crossed the FFI boundary"
        )
    }
}

/// The continuations of pending polls, by the handle Rust hands back to the callback.
private final class PendingPolls: @unchecked Sendable {
    private let lock = NSLock()
    private var next: UInt64 = 1
    private var continuations: [UInt64: UnsafeContinuation<Int8, Never>] = [:]

    func insert(_ continuation: UnsafeContinuation<Int8, Never>) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        let handle = next
        next &+= 1
        continuations[handle] = continuation
        return handle
    }

    func remove(_ handle: UInt64) -> UnsafeContinuation<Int8, Never>? {
        lock.lock()
        defer { lock.unlock() }
        return continuations.removeValue(forKey: handle)
    }
}

private let pendingPolls = PendingPolls()

/// Called by Rust (on any thread) when a polled future may make progress or is ready.
private func rustFutureContinuationCallback(handle: UInt64, pollResult: Int8) {
    pendingPolls.remove(handle)?.resume(returning: pollResult)
}

// MARK: - Lowering and lifting what the generated code keeps private

/// A Rust-owned buffer holding `string` as UTF-8 (what the generated `FfiConverterString` does).
private func lowerString(_ string: String) -> RustBuffer {
    var status = RustCallStatus()
    let buffer = Array(string.utf8).withUnsafeBufferPointer { bytes in
        ffi_citykit_ffi_rustbuffer_from_bytes(ForeignBytes(len: Int32(bytes.count), data: bytes.baseAddress), &status)
    }
    precondition(status.code == callSuccess, "CityKit: cannot allocate a Rust buffer")
    return buffer
}

private func freeRustBuffer(_ buffer: RustBuffer) {
    var status = RustCallStatus()
    ffi_citykit_ffi_rustbuffer_free(buffer, &status)
}

/// Lifts a `Vec<Identity>`: a big-endian Int32 count, then each identity.
private func liftIdentities(_ buffer: RustBuffer) throws -> [Identity] {
    defer { freeRustBuffer(buffer) }
    let data = buffer.data.map { Data(bytes: $0, count: Int(buffer.len)) } ?? Data()
    var reader = (data: data, offset: data.startIndex)
    guard data.count >= 4 else { throw LiftError.truncated }
    let count = data.prefix(4).reduce(Int32(0)) { $0 << 8 | Int32($1) }
    reader.offset += 4
    var identities: [Identity] = []
    identities.reserveCapacity(Int(max(0, count)))
    for _ in 0..<max(0, count) {
        identities.append(try FfiConverterTypeIdentity.read(from: &reader))
    }
    guard reader.offset == data.endIndex else { throw LiftError.trailingBytes }
    return identities
}

private enum LiftError: Error {
    case truncated
    case trailingBytes
}
