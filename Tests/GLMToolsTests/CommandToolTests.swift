import Foundation
import GLMConversation
import Testing
@testable import GLMTools

@Suite struct CommandToolTests {
    func tool(_ script: String, timeout: Double = 30) -> CommandToolSource {
        CommandToolSource(specs: [CommandToolSpec(name: "t", description: "", parameters: .object([]),
                                                  command: ["/bin/sh", "-c", script], timeout: timeout)],
                          outputLimit: 1000)
    }

    @Test func theArgumentsArriveAsJSONOnStdinAndStdoutIsTheResult() async throws {
        let result = try await tool("cat").call("t", arguments: .object([("city", .string("北京")), ("n", .int(3))]))
        #expect(result == ToolResult(text: "{\"city\": \"北京\", \"n\": 3}"))
    }

    @Test func aNonZeroExitIsAnErrorResultWithStderr() async throws {
        let result = try await tool("echo partial; echo 'no such city' >&2; exit 4").call("t", arguments: .object([]))
        #expect(result.isError)
        #expect(result.text == "t failed with exit status 4: no such city")
    }

    @Test func aKilledCommandIsAnErrorResult() async throws {
        let result = try await tool("kill -9 $$").call("t", arguments: .object([]))
        #expect(result == ToolResult(text: "t was killed by signal 9", isError: true))
    }

    @Test func theTimeoutKillsTheCommandAndItsChildren() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-child-\(UUID().uuidString)").path
        // A background child that would write the marker after the timeout, and a foreground sleep.
        let script = "(sleep 2; touch \(marker)) & sleep 30"
        let result = try await tool(script, timeout: 0.5).call("t", arguments: .object([]))
        #expect(result.isError)
        #expect(result.text.hasPrefix("t did not finish within 0.5 s and was stopped"))
        // The child was in the killed process group: after its 2 s it never writes the marker.
        let waited = try await waitForAbsence(of: marker, seconds: 3)
        #expect(waited, "the background child survived the timeout")
    }

    @Test func childrenLeftBehindByAFinishedCommandAreStopped() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-left-\(UUID().uuidString)").path
        let result = try await tool("(sleep 1; touch \(marker)) & echo done").call("t", arguments: .object([]))
        #expect(result == ToolResult(text: "done"))
        #expect(try await waitForAbsence(of: marker, seconds: 2.5))
    }

    @Test func bigOutputIsCutAndSaidSo() async throws {
        let result = try await tool("head -c 5000000 /dev/zero | tr '\\\\0' x").call("t", arguments: .object([]))
        #expect(!result.isError)
        #expect(result.text.hasPrefix(String(repeating: "x", count: 1000)))
        #expect(result.text.hasSuffix("[output cut: 4999000 more bytes after the first 1000]"))
    }

    @Test func aCommandThatDoesNotReadStdinStillWorks() async throws {
        let source = CommandToolSource(specs: [CommandToolSpec(name: "t", description: "", parameters: .object([]),
                                                               command: ["/bin/echo", "fixed"])])
        let big = JSONValue.object([("text", .string(String(repeating: "y", count: 1_000_000)))])
        #expect(try await source.call("t", arguments: big) == ToolResult(text: "fixed"))
    }

    @Test func aMissingProgramIsReported() async throws {
        let source = CommandToolSource(specs: [CommandToolSpec(name: "t", description: "", parameters: .object([]),
                                                               command: ["/nonexistent/tool"])])
        await #expect(throws: ToolRefusal.self) { _ = try await source.call("t", arguments: .object([])) }
    }

    @Test func cancellingStopsTheCommand() async throws {
        let source = tool("sleep 60")
        let task = Task { try await source.call("t", arguments: .object([])) }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }

    @Test func aToolWithoutACommandCanOnlyBeAnsweredByHand() async throws {
        let source = CommandToolSource(specs: [CommandToolSpec(name: "t", description: "", parameters: .object([]), command: [])])
        await #expect(throws: ToolRefusal("t has no command to run: its result can only be typed by hand")) {
            _ = try await source.call("t", arguments: .object([]))
        }
    }

    /// True when `path` still does not exist after `seconds` (polled; the file would appear earlier).
    func waitForAbsence(of path: String, seconds: Double) async throws -> Bool {
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        return !FileManager.default.fileExists(atPath: path)
    }
}
