import Foundation
import GLMTestSupport
import Testing

/// Runs the built `glmchat` binary as a user would, and reads what it prints.
enum CLI {
    /// glmchat is built next to the test bundle (`swift build --build-tests` builds both).
    static let binary: String? = BuiltProgram.glmchat

    static var isBuilt: Bool { binary != nil }

    struct Result {
        let status: Int32
        let stdout: [UInt8]
        let stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `glmchat arguments…` to its end. Output goes through files, so a large output cannot block it.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let binary = try #require(binary, "glmchat is not built next to the tests")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/stdout", err = directory + "/stderr"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        let stdout = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        let stderr = String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self)
        return Result(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// The JSON object or array a command printed.
    static func json(_ result: Result) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout), options: [.fragmentsAllowed])
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The engine's test fixtures (shared with GLMEngineTests, not copied).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GLMEngineTests/Fixtures")
}
