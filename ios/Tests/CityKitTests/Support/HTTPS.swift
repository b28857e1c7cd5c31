// HTTPS requests trusting one CA file (the simulator's): a GET for the issuer metadata a verifier
// trusts, a JSON POST for the simulator's control endpoints the `citykit-sim sim` command lacks.
#if os(Linux) || os(macOS)
import Foundation

/// FoundationNetworking on Linux cannot be given a custom CA, and the Swift chroot has no `curl`
/// command, so on Linux this drives the libcurl FoundationNetworking already loads, with
/// CURLOPT_CAINFO set to `caFile` (only that CA is trusted). On macOS it runs `/usr/bin/curl`.
private struct HTTPSGetError: Error, CustomStringConvertible {
    let description: String
}

/// GETs `url`; the body, or an error unless the status is 200.
func httpsGet(_ url: String, caFile: String) throws -> String {
    let (status, body) = try httpsRequest(url, caFile: caFile, postJSON: nil)
    guard status == 200 else { throw HTTPSGetError(description: "GET \(url): HTTP \(status)") }
    return body
}

/// POSTs `json` (`Content-Type: application/json`) to `url`; the status and body, whatever the status.
func httpsPostJSON(_ url: String, json: String, caFile: String) throws -> (status: Int, body: String) {
    try httpsRequest(url, caFile: caFile, postJSON: json)
}

#if os(Linux)
/// A GET, or a POST of `postJSON` when given.
private func httpsRequest(_ url: String, caFile: String, postJSON: String?) throws -> (status: Int, body: String) {
    guard let curl = dlopen("libcurl.so.4", RTLD_NOW) else {
        throw HTTPSGetError(description: "cannot load libcurl.so.4: \(String(cString: dlerror()))")
    }
    defer { dlclose(curl) }
    func symbol<T>(_ name: String, as type: T.Type) throws -> T {
        guard let pointer = dlsym(curl, name) else { throw HTTPSGetError(description: "libcurl has no \(name)") }
        return unsafeBitCast(pointer, to: type)
    }
    typealias Handle = UnsafeMutableRawPointer
    typealias WriteCallback = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int
    // curl_easy_setopt and curl_easy_getinfo are variadic; on x86-64 and arm64 Linux a variadic
    // callee takes its pointer and long arguments where a fixed-argument call puts them.
    let easyInit = try symbol("curl_easy_init", as: (@convention(c) () -> Handle?).self)
    let setPointer = try symbol("curl_easy_setopt", as: (@convention(c) (Handle, Int32, UnsafeRawPointer?) -> Int32).self)
    let setLong = try symbol("curl_easy_setopt", as: (@convention(c) (Handle, Int32, Int) -> Int32).self)
    let setCallback = try symbol("curl_easy_setopt", as: (@convention(c) (Handle, Int32, WriteCallback) -> Int32).self)
    let perform = try symbol("curl_easy_perform", as: (@convention(c) (Handle) -> Int32).self)
    let getLong = try symbol("curl_easy_getinfo", as: (@convention(c) (Handle, Int32, UnsafeMutablePointer<Int>) -> Int32).self)
    let cleanup = try symbol("curl_easy_cleanup", as: (@convention(c) (Handle) -> Void).self)
    let strerror = try symbol("curl_easy_strerror", as: (@convention(c) (Int32) -> UnsafePointer<CChar>).self)
    typealias SList = UnsafeMutableRawPointer
    let slistAppend = try symbol("curl_slist_append", as: (@convention(c) (SList?, UnsafePointer<CChar>) -> SList?).self)
    let slistFreeAll = try symbol("curl_slist_free_all", as: (@convention(c) (SList?) -> Void).self)

    // From curl/curl.h.
    let optWriteData: Int32 = 10001, optURL: Int32 = 10002, optCAInfo: Int32 = 10065
    let optWriteFunction: Int32 = 20011, optTimeout: Int32 = 13, optNoSignal: Int32 = 99
    let optHTTPHeader: Int32 = 10023, optCopyPostFields: Int32 = 10165
    let infoResponseCode: Int32 = 0x200002

    // The header list is not copied: freed only after curl_easy_cleanup (defers run last first).
    var headers: SList?
    defer { slistFreeAll(headers) }
    guard let handle = easyInit() else { throw HTTPSGetError(description: "curl_easy_init failed") }
    defer { cleanup(handle) }
    final class Body { var data = Data() }
    let body = Body()
    let write: WriteCallback = { bytes, size, count, user in
        guard let bytes, let user else { return 0 }
        let body = Unmanaged<Body>.fromOpaque(user).takeUnretainedValue()
        body.data.append(UnsafeRawPointer(bytes).assumingMemoryBound(to: UInt8.self), count: size * count)
        return size * count
    }
    var code: Int32 = 0
    // libcurl copies string options, so the C strings need only live through each call.
    url.withCString { code |= setPointer(handle, optURL, $0) }
    caFile.withCString { code |= setPointer(handle, optCAInfo, $0) }
    code |= setLong(handle, optTimeout, 10)
    code |= setLong(handle, optNoSignal, 1)
    code |= setCallback(handle, optWriteFunction, write)
    code |= setPointer(handle, optWriteData, Unmanaged.passUnretained(body).toOpaque())
    if let postJSON {
        headers = "Content-Type: application/json".withCString { slistAppend(nil, $0) }
        guard headers != nil else { throw HTTPSGetError(description: "curl_slist_append failed") }
        code |= setPointer(handle, optHTTPHeader, headers)
        // COPYPOSTFIELDS copies the body (up to its NUL) and makes this a POST.
        postJSON.withCString { code |= setPointer(handle, optCopyPostFields, $0) }
    }
    guard code == 0 else { throw HTTPSGetError(description: "curl_easy_setopt failed") }
    let result = withExtendedLifetime(body) { perform(handle) }
    let method = postJSON == nil ? "GET" : "POST"
    guard result == 0 else {
        throw HTTPSGetError(description: "\(method) \(url): \(String(cString: strerror(result))) (CURLcode \(result))")
    }
    var status = 0
    _ = getLong(handle, infoResponseCode, &status)
    return (status, String(decoding: body.data, as: UTF8.self))
}
#else
/// A GET, or a POST of `postJSON` when given.
private func httpsRequest(_ url: String, caFile: String, postJSON: String?) throws -> (status: Int, body: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    // No --fail: the status comes last, on its own line (--write-out), and the caller judges it.
    var arguments = ["--silent", "--show-error", "--max-time", "10", "--cacert", caFile, "--write-out", "\n%{http_code}"]
    if let postJSON {
        arguments += ["--header", "Content-Type: application/json", "--data-binary", postJSON]
    }
    process.arguments = arguments + [url]
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw HTTPSGetError(description: "curl \(url) exited \(process.terminationStatus): " + String(decoding: err, as: UTF8.self))
    }
    let text = String(decoding: out, as: UTF8.self)
    guard let newline = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: newline)...]) else {
        throw HTTPSGetError(description: "curl \(url) printed no status: \(text)")
    }
    return (status, String(text[..<newline]))
}
#endif
#endif
