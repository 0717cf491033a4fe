import Foundation
import GRDB
@testable import GLMStore

/// A fresh directory under the system temp dir, removed when the value goes away.
final class TempDir: @unchecked Sendable {
    let url: URL
    var databaseURL: URL { StorePaths.databaseURL(dataDirectory: url) }

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("glmstore-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func open() throws -> GLMStore { try GLMStore(dataDirectory: url) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

extension GLMStore {
    func makeSession(_ title: String? = nil) throws -> Session {
        try createSession(NewSession(modelKind: "chat", modelName: "chatglm3-6b-q4_0", title: title))
    }

    /// SQLite's own verdict on the whole file, including the full-text index.
    func integrityProblems() throws -> [String] {
        // The FTS check is written as an INSERT, so it needs the writer connection.
        try pool.write { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            do {
                try db.execute(sql: "INSERT INTO message_fts(message_fts, rank) VALUES ('integrity-check', 1)")
            } catch {
                problems.append("fts: \(error)")
            }
            return problems
        }
    }
}

/// Runs one test of this very test binary in a child process, for what needs a real second
/// process (a concurrent writer, a `kill -9`). The child test is enabled only when
/// `ChildRole.variable` names its role.
enum ChildRole {
    static let variable = "GLMSTORE_TEST_CHILD_ROLE"
    static let databaseVariable = "GLMSTORE_TEST_DB"
    static let sessionVariable = "GLMSTORE_TEST_SESSION"
    static let nameVariable = "GLMSTORE_TEST_NAME"
    static let goFileVariable = "GLMSTORE_TEST_GO_FILE"

    static var current: String? { ProcessInfo.processInfo.environment[variable] }
    static func value(_ key: String) -> String { ProcessInfo.processInfo.environment[key] ?? "" }

    /// Starts the test named `testName` of this binary as a child with `environment` added.
    static func spawn(testName: String, environment: [String: String]) throws -> (Process, ChildOutput) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["--testing-library", "swift-testing", "--filter", testName]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, ChildOutput(pipe.fileHandleForReading))
    }

    /// Protocol lines are written unbuffered and start with "@@" (the test runner prints too).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data(("@@" + line + "\n").utf8))
    }
}

/// Reads a child's protocol lines as they arrive.
final class ChildOutput: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    /// The next "@@" line without its prefix, or nil at end of output.
    func nextLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.hasPrefix("@@") { return String(line.dropFirst(2)) }
                continue
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    /// Reads until a line equal to `expected` (or the end of output).
    @discardableResult
    func waitFor(_ expected: String) -> Bool {
        while let line = nextLine() {
            if line == expected { return true }
        }
        return false
    }
}

func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

/// The stats an answer ends with, as the engine would report them for these figures.
func answerStats(prompt: Int, completion: Int, tokensPerSecond: Double) -> GenerationStats {
    var stats = GenerationStats()
    stats.promptTokens = prompt
    stats.generatedTokens = completion
    stats.generationSeconds = Double(completion) / tokensPerSecond
    return stats
}
