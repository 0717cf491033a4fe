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

    /// A command that starts a background child (its pid written to `pidFile` first), then runs `rest`.
    func withChild(_ pidFile: String, then rest: String) -> String {
        "sh -c 'echo $$ > \(pidFile); exec sleep 60' & while [ ! -s \(pidFile) ]; do sleep 0.05; done; \(rest)"
    }

    @Test func theTimeoutKillsTheCommandAndItsChildren() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-child-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let result = try await tool(withChild(pidFile, then: "sleep 60"), timeout: 2).call("t", arguments: .object([]))
        #expect(result.isError)
        #expect(result.text.hasPrefix("t did not finish within 2 s and was stopped"))
        let child = try #require(childPid(pidFile), "the background child did not start before the timeout")
        #expect(await isGone(child), "the background child survived the timeout")
    }

    @Test func childrenLeftBehindByAFinishedCommandAreStopped() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-left-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let result = try await tool(withChild(pidFile, then: "echo done")).call("t", arguments: .object([]))
        #expect(result == ToolResult(text: "done"))
        let child = try #require(childPid(pidFile))
        #expect(await isGone(child), "a child the command left behind still runs")
    }

    func childPid(_ file: String) -> Int32? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Whether process `pid` ended (gone, or a zombie nobody reaped yet), checked for up to 10 s.
    func isGone(_ pid: Int32) async -> Bool {
        for _ in 0..<200 {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            // The state follows the command name in parentheses: "123 (sleep) S ...".
            if let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z") {
                return true
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func bigOutputIsCutAndSaidSo() async throws {
        let result = try await tool("head -c 5000000 /dev/zero | tr '\\0' x").call("t", arguments: .object([]))
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

}
