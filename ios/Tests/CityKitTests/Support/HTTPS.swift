// An HTTPS GET trusting one CA file (the simulator's): the issuer metadata a verifier trusts.
#if os(Linux) || os(macOS)
import Foundation

/// FoundationNetworking on Linux cannot be given a custom CA, and the Swift chroot has no `curl`
/// command, so on Linux this drives the libcurl FoundationNetworking already loads, with
/// CURLOPT_CAINFO set to `caFile` (only that CA is trusted). On macOS it runs `/usr/bin/curl`.
private struct HTTPSGetError: Error, CustomStringConvertible {
    let description: String
}

#if os(Linux)
func httpsGet(_ url: String, caFile: String) throws -> String {
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

    // From curl/curl.h.
    let optWriteData: Int32 = 10001, optURL: Int32 = 10002, optCAInfo: Int32 = 10065
    let optWriteFunction: Int32 = 20011, optTimeout: Int32 = 13, optNoSignal: Int32 = 99
    let infoResponseCode: Int32 = 0x200002

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
    guard code == 0 else { throw HTTPSGetError(description: "curl_easy_setopt failed") }
    let result = withExtendedLifetime(body) { perform(handle) }
    guard result == 0 else {
        throw HTTPSGetError(description: "GET \(url): \(String(cString: strerror(result))) (CURLcode \(result))")
    }
    var status = 0
    _ = getLong(handle, infoResponseCode, &status)
    guard status == 200 else { throw HTTPSGetError(description: "GET \(url): HTTP \(status)") }
    return String(decoding: body.data, as: UTF8.self)
}
#else
func httpsGet(_ url: String, caFile: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["--silent", "--show-error", "--fail", "--max-time", "10", "--cacert", caFile, url]
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
    return String(decoding: out, as: UTF8.self)
}
#endif
#endif
