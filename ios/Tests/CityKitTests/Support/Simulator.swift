// The simulated city platform (`citykit-sim serve`) as a child process, and its command-line
// helpers (`authorize`, `sim fault`, `sim stats`, `sim revoke`, `sim push-take`), plus
// `POST /sim/next-steps` over HTTPS. Only where Foundation has `Process`: Linux and macOS, not iOS.
#if os(Linux) || os(macOS)
import Foundation
import CityKit

enum SimulatorError: Error, CustomStringConvertible {
    case notStarted(String)
    case commandFailed(String)

    var description: String {
        switch self {
        case let .notStarted(why): return "the simulator did not start: \(why)"
        case let .commandFailed(why): return "citykit-sim failed: \(why)"
        }
    }
}

/// One running simulator with its own state directory (CA certificate), killed by `stop()`.
final class Simulator {
    /// `$CITYKIT_SIM_BIN`, else the debug build in this repository's target directory.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["CITYKIT_SIM_BIN"] { return path }
        // <repo>/ios/Tests/CityKitTests/Support/Simulator.swift -> <repo>/target/debug/citykit-sim
        var repo = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { repo.deleteLastPathComponent() }
        return repo.appendingPathComponent("target/debug/citykit-sim").path
    }

    static let clientID = "citykit-demo"
    static let redirectURI = "org.citykit.demo:/oauth2redirect"

    let issuer: String
    let caFile: String
    let caPEM: String
    private let process: Process
    private let stateDir: URL

    init() throws {
        stateDir = FileManager.default.temporaryDirectory.appendingPathComponent("citykit-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true)
        process = Process()
        let serve = [Self.binary, "serve", "--port", "0", "--state-dir", stateDir.path]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/timeout") {
            // A safety net: if this test process dies without stop(), the simulator still exits.
            // `timeout` passes stop()'s SIGTERM on to it.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            process.arguments = ["900"] + serve
        } else {
            process.executableURL = URL(fileURLWithPath: serve[0])
            process.arguments = Array(serve.dropFirst())
        }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SimulatorError.notStarted("cannot run \(Self.binary): \(error)")
        }
        // First line: "CityKit simulator listening at https://127.0.0.1:PORT".
        let line = Self.firstLine(of: stdout.fileHandleForReading, timeout: 30)
        let prefix = "CityKit simulator listening at "
        guard let line, line.hasPrefix(prefix) else {
            process.terminate()
            throw SimulatorError.notStarted("unexpected first line: \(line ?? "<none within 30 s>")")
        }
        issuer = String(line.dropFirst(prefix.count))
        caFile = stateDir.appendingPathComponent("ca.pem").path
        caPEM = try String(contentsOfFile: caFile, encoding: .utf8)
    }

    /// Kills the simulator and removes its state directory.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: stateDir)
    }

    /// A configuration for this simulator: the core's defaults, trusting only its CA.
    func config(dataDir: URL) -> ClientConfig {
        var config = ClientConfig(
            dataDirectory: dataDir, issuer: URL(string: issuer)!, clientId: Self.clientID, redirectUri: Self.redirectURI)
        config.net.trust.extraRootCertificatesPem = [caPEM]
        return config
    }

    /// The simulator's test-mode browser: signs `user` in and returns the redirect URL.
    func authorize(_ authorizationURL: URL, user: String = "citizen-01") async throws -> URL {
        let out = try await run(["authorize", authorizationURL.absoluteString, "--user", user, "--ca-file", caFile])
        guard let url = URL(string: out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw SimulatorError.commandFailed("authorize printed no URL: \(out)")
        }
        return url
    }

    /// Injects a fault (the JSON of `POST /sim/faults`, docs/platform-api.md).
    func fault(_ json: String) async throws {
        _ = try await run(["sim", "fault", json, "--issuer", issuer, "--ca-file", caFile])
    }

    func clearFaults() async throws {
        _ = try await run(["sim", "clear-faults", "--issuer", issuer, "--ca-file", caFile])
    }

    /// Revokes `holder`'s licence of type `vct` at its issuer (`POST /sim/revoke`).
    func revoke(holder: String, vct: String) async throws {
        _ = try await run(["sim", "revoke", "--holder", holder, "--vct", vct, "--issuer", issuer, "--ca-file", caFile])
    }

    /// The push bodies queued at the simulated carrier for `endpoint`, oldest first, taken as a
    /// phone's shell receives them (`sim push-take`, which writes 1.bin, 2.bin, …).
    func takePushes(endpoint: String) async throws -> [Data] {
        let dir = stateDir.appendingPathComponent("push-\(UUID().uuidString)")
        _ = try await run(["sim", "push-take", endpoint, "--out-dir", dir.path, "--issuer", issuer, "--ca-file", caFile])
        let count = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".bin") }.count
        return try (0..<count).map { try Data(contentsOf: dir.appendingPathComponent("\($0 + 1).bin")) }
    }

    /// Publishes the anonymous next-step statistics (`POST /sim/next-steps`, the JSON of the core's
    /// `NextStepStats`): what `GET /api/v1/recommend/next-steps` serves from then on. Throws
    /// unless the simulator answers 200 (counts standing for fewer than 20 people are a 422).
    func publishNextSteps(_ json: String) throws {
        let base = issuer.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let (status, body) = try httpsPostJSON(base + "/sim/next-steps", json: json, caFile: caFile)
        guard status == 200 else {
            throw SimulatorError.commandFailed("POST /sim/next-steps: HTTP \(status): \(body)")
        }
    }

    /// The issuer metadata JSON (`{"issuer", "jwks"}`) of a licence office, e.g. `public-security`.
    func issuerMetadata(office: String) throws -> String {
        let base = issuer.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return try httpsGet(base + "/.well-known/jwt-vc-issuer/issuers/" + office, caFile: caFile)
    }

    /// How many requests the simulator has seen for `path`.
    func requestCount(_ path: String) async throws -> Int {
        let out = try await run(["sim", "stats", "--issuer", issuer, "--ca-file", caFile])
        guard let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
              let requests = json["requests"] as? [String: Any]
        else {
            throw SimulatorError.commandFailed("unexpected stats: \(out)")
        }
        return (requests[path] as? NSNumber)?.intValue ?? 0
    }

    /// Runs `citykit-sim args…` off the cooperative thread pool; returns its stdout.
    private func run(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: Self.binary)
                process.arguments = arguments
                let stdout = Pipe()
                let stderr = Pipe()
                process.standardOutput = stdout
                process.standardError = stderr
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let out = stdout.fileHandleForReading.readDataToEndOfFile()
                let err = stderr.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: out, as: UTF8.self)
                if process.terminationStatus == 0 {
                    continuation.resume(returning: text)
                } else {
                    let message = "\(arguments.prefix(2).joined(separator: " ")) exited \(process.terminationStatus): "
                        + String(decoding: err, as: UTF8.self) + text
                    continuation.resume(throwing: SimulatorError.commandFailed(message))
                }
            }
        }
    }

    /// Reads up to the first newline, on another thread, giving up after `timeout` seconds.
    private static func firstLine(of handle: FileHandle, timeout: TimeInterval) -> String? {
        let done = DispatchSemaphore(value: 0)
        let result = LineBox()
        DispatchQueue.global().async {
            var bytes = Data()
            while !bytes.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }  // end of file: the simulator exited
                bytes.append(chunk)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            result.set(text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init))
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return result.get()
    }
}

private final class LineBox: @unchecked Sendable {
    private let lock = NSLock()
    private var line: String?

    func set(_ value: String?) {
        lock.lock()
        line = value
        lock.unlock()
    }

    func get() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return line
    }
}
#endif
