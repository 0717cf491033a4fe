import Crypto
import Foundation
@testable import GLMHub

/// The hub stand-in (`Fixtures/fake_hub.py`) running in a child python3, shared by every test: each
/// test uses its own OWNER (the server ignores it) so that the request log can be told apart, and
/// its own temporary folder. The server stops when this process exits (its stdin closes).
final class FakeHub: Sendable {
    static let shared: FakeHub? = try? FakeHub()

    let port: Int
    let token = "hf_fake_token_4c1d9e77b2"
    let endpoint: String
    private let logPath: String
    private let process: Process
    private let input: Pipe

    private init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fake_hub.py")
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("fake-hub-\(UUID().uuidString).log").path
        try Data().write(to: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--token", token, "--log", logPath]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw HubTestError("fake_hub.py exited before printing its port") }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else { throw HubTestError("fake_hub.py said \(text)") }
        self.port = port
        endpoint = "http://127.0.0.1:\(port)"
    }

    /// Settings pointing at the server, with or without the right token.
    func settings(token: String? = nil) throws -> HubSettings {
        try HubSettings(endpoint: endpoint, token: HubToken(token))
    }

    struct Request: Decodable, Equatable {
        let method: String
        let path: String
        let host: String
        let auth: String
        let range: String?
    }

    /// The requests whose path names `owner` (API, resolve and CDN addresses all do).
    func requests(owner: String) throws -> [Request] {
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
            .filter { $0.path.split(separator: "/").contains(Substring(owner)) }
    }

    /// The bytes the server makes for a seed (its `pseudo_random_bytes`), as an independent reference.
    static func pseudoRandomBytes(seed: String, size: Int) -> [UInt8] {
        var out: [UInt8] = []
        var counter = 0
        while out.count < size {
            out += Array(SHA256.hash(data: Data("\(seed):\(counter)".utf8)))
            counter += 1
        }
        return Array(out.prefix(size))
    }
}

struct HubTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh models folder under the temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("glmhub-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// Files under `folder` (relative paths, sorted), leaving out the pull manifest.
    static func files(in folder: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: folder.appendingPathComponent(relative).path, isDirectory: &isDirectory)
            if exists, !isDirectory.boolValue, relative != PullManifest.fileName { found.append(relative) }
        }
        return found.sorted()
    }
}

/// Collects a pull's events.
final class EventLog: @unchecked Sendable {
    private(set) var events: [PullEvent] = []
    func record(_ event: PullEvent) {
        if case .progress = event { return }
        events.append(event)
    }
}
