import Foundation
import GLMConversation
import Testing
@testable import GLMTools

/// A real MCP server (the `mcp` package from PyPI, in CI's venv) over stdio.
@Suite(.enabled(if: pythonWithMCP != nil, "needs a python with the mcp package (GLMCHAT_TEST_PYTHON; .ci/run installs it)"))
struct MCPToolSourceTests {
    func server(name: String = "test", timeout: Double = 30) throws -> MCPToolSource {
        let python = try #require(pythonWithMCP)
        let script = fixturesDirectory.appendingPathComponent("mcp_test_server.py").path
        return MCPToolSource(spec: MCPServerSpec(name: name, command: [python, script], timeout: timeout))
    }

    @Test func listsTheServersToolsWithTheirSchemas() async throws {
        let source = try server()
        defer { Task { await source.shutdown() } }
        let tools = try await source.tools()
        #expect(tools.map(\.name).sorted() == ["add", "die", "echo", "fail", "slow"])
        let add = try #require(tools.first { $0.name == "add" })
        #expect(add.description == "Add two integers.")
        #expect(add.parameters["type"] == .string("object"))
        #expect(add.parameters["properties"]?["a"]?["type"] == .string("integer"))
        #expect(add.parameters["required"] == .array([.string("a"), .string("b")]))
    }

    @Test func callsATool() async throws {
        let source = try server()
        defer { Task { await source.shutdown() } }
        let result = try await source.call("add", arguments: .object([("a", .int(2)), ("b", .int(40))]))
        #expect(result == ToolResult(text: "42"))
        let echoed = try await source.call("echo", arguments: .object([("text", .string("你好 \"quoted\"\n"))]))
        #expect(echoed.text == "你好 \"quoted\"\n")
    }

    @Test func aToolErrorIsAnErrorResult() async throws {
        let source = try server()
        defer { Task { await source.shutdown() } }
        let result = try await source.call("fail", arguments: .object([]))
        #expect(result.isError)
        #expect(result.text.contains("fail"))  // mcp 2.x names the tool; 1.x also gives the exception text
    }

    @Test func theServerDyingMidCallIsReportedAndTheRegistryKeepsWorking() async throws {
        let dying = try server(name: "dying")
        let other = RecordingSource(name: "other", tools: [weatherTool])
        let registry = ToolRegistry(sources: [dying, other])
        let statuses = await registry.refresh()
        #expect(statuses.allSatisfy { $0.error == nil })
        let result = try await registry.call("die", arguments: .object([]))
        #expect(result.isError)
        #expect(result.text.contains("MCP server dying"))
        #expect(result.text.contains("exited with status 3") || result.text.contains("closed its output"))
        // A later call says it is not running; the other source still works.
        let after = try await registry.call("add", arguments: .object([("a", .int(1)), ("b", .int(1))]))
        #expect(after.isError && after.text.contains("is not running"))
        let weather = try await registry.call("get_weather", arguments: .object([("city", .string("x"))]))
        #expect(!weather.isError)
        // Listing again starts it anew.
        let again = await registry.refresh()
        #expect(again.first?.error == nil)
        await registry.shutdown()
    }

    @Test func aServerThatCannotStartIsReportedByName() async throws {
        let missing = MCPToolSource(spec: MCPServerSpec(name: "missing", command: ["/nonexistent/glmchat-mcp-server"]))
        let crashing = MCPToolSource(spec: MCPServerSpec(name: "crashing", command: ["/bin/sh", "-c", "echo broken config >&2; exit 7"]))
        let registry = ToolRegistry(sources: [missing, crashing, RecordingSource(name: "other", tools: [weatherTool])])
        let statuses = await registry.refresh()
        #expect(statuses[0].error?.contains("cannot start `/nonexistent/glmchat-mcp-server`") == true)
        #expect(statuses[1].error?.contains("MCP server crashing did not start") == true)
        #expect(statuses[1].error?.contains("exited with status 7") == true)
        #expect(statuses[2].error == nil)
        #expect(await registry.enabledTools.map(\.name) == ["get_weather"])
        await registry.shutdown()
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let silent = MCPToolSource(spec: MCPServerSpec(name: "silent", command: ["/bin/sleep", "600"], timeout: 0.5))
        await #expect(throws: ToolRefusal.self) { _ = try await silent.tools() }
        await silent.shutdown()
    }

    @Test func cancellingACallReturnsAndTheServerStaysUsable() async throws {
        let source = try server()
        defer { Task { await source.shutdown() } }
        _ = try await source.tools()
        let call = Task { try await source.call("slow", arguments: .object([("seconds", .double(30))])) }
        try await Task.sleep(for: .milliseconds(300))
        call.cancel()
        await #expect(throws: CancellationError.self) { _ = try await call.value }
        let result = try await source.call("add", arguments: .object([("a", .int(1)), ("b", .int(2))]))
        #expect(result.text == "3")
    }
}

/// After `shutdown()` nothing starts the server again: a listing that was still under way when the app
/// quit (or a `/tools` refresh) is refused instead of leaving a server process behind.
@Suite struct MCPShutdownTests {
    @Test func aStoppedServerIsNotStartedAgain() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-mcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let marker = folder.appendingPathComponent("started").path
        let source = MCPToolSource(spec: MCPServerSpec(name: "late", command: ["/bin/sh", "-c", "touch '\(marker)'; exec sleep 600"],
                                                       timeout: 0.5))
        await source.shutdown()
        let registry = ToolRegistry(sources: [source])
        let statuses = await registry.refresh()
        #expect(statuses.first?.error?.contains("MCP server late was stopped") == true)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
