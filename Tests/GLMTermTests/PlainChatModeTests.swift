import Foundation
import GLMInterpreter
import GLMStore
import GLMTools
import Testing
@testable import GLMTerm

/// The line-by-line chat (TERM=dumb) has the full app's modes: `/mode code` and `/mode tool`
/// answer through the same agent loop, each call shown and asked about as a line (y, a, n, e, m),
/// its result printed, and the session keeps its mode and every message.
@MainActor @Suite(.serialized) struct PlainChatModeTests {
    /// Runs the line chat over `lines` with the demo model; returns what it printed and the store.
    static func chat(_ lines: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                     tools: [any ToolSource] = [], kind: ModelKind = .chat) async throws -> (output: String, store: GLMStore, status: Int32, folder: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-plain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let inputURL = folder.appendingPathComponent("input.txt")
        let outputURL = folder.appendingPathComponent("output.txt")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: inputURL)
        #expect(FileManager.default.createFile(atPath: outputURL.path, contents: nil))
        let input = try FileHandle(forReadingFrom: inputURL)
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: outputURL)
        let store = try GLMStore(dataDirectory: folder.appendingPathComponent("data"))
        let configuration = ChatConfiguration(models: [ModelEntry(name: "demo-chat", kind: kind, path: "(built in)")])
        let status = await PlainChat.run(configuration: configuration,
                                         provider: DemoModelProvider(pieceDelay: .milliseconds(0)),
                                         store: store, interactive: true, input: input, output: output, errors: errors,
                                         extraToolSources: tools, environment: environment)
        try output.close()
        let text = try String(contentsOf: outputURL, encoding: .utf8)
        return (text, store, status, folder)
    }

    static func messages(_ store: GLMStore) throws -> [Message] {
        let session = try #require(try store.listSessions().first)
        return try store.chosenPath(in: session.id)
    }

    @Test(.enabled(if: CodeSandbox.required, CodeSandbox.reason))
    func codeModeShowsTheCodeAsksOnALineRunsItAndPrintsTheResult() async throws {
        let run = try await Self.chat(["/mode", "/mode code", "Square roots of 1 to 5, please", "y", "/quit"])
        defer { try? FileManager.default.removeItem(at: run.folder) }
        #expect(run.status == 0)
        #expect(run.output.contains("Mode: Chat — /mode chat|tool|code switches"))
        #expect(run.output.contains("Mode: Code — the model can run Python in a sandbox"))
        #expect(run.output.contains("[writes code]\n\n── python wants to run (round 1) ──\nfrom math import sqrt\n"))
        #expect(run.output.contains("roots = [round(sqrt(n), 3) for n in range(1, 6)]"))
        #expect(run.output.contains(LineApprover.question))
        #expect(run.output.contains("── result ──\nroots: [1.0, 1.414, 1.732, 2.0, 2.236]\nsum = 8.382\n──"))
        #expect(run.output.contains("──\nThe code ran in the sandbox. It printed:"))
        let messages = try Self.messages(run.store)
        #expect(messages.map(\.role) == [.user, .assistant, .observation, .assistant])
        #expect(messages[1].metadata == "interpreter")
        #expect(try run.store.listSessions().first?.mode == .code)
    }

    @Test(.enabled(if: CodeSandbox.required, CodeSandbox.reason))
    func editedCodeRunsInOnePythonThatKeepsItsVariablesAndNamesTheFilesItWrote() async throws {
        let run = try await Self.chat(["/mode code",
                                       "first", "e", "x = 41", "open('/mnt/data/plot.png', 'wb').write(b'png')", ".",
                                       "second", "e", "print(x + 1)", ".", "/quit"])
        defer { try? FileManager.default.removeItem(at: run.folder) }
        #expect(run.output.contains("The code, ended by a line holding only \".\":"))
        #expect(run.output.contains("▣ figure: /mnt/data/plot.png"))
        let results = try Self.messages(run.store).filter { $0.role == .observation }
        #expect(results.map(\.content) == ["```result\n3\n```", "```result\n42\n```"])
        #expect(results.first?.files == ["plot.png"])
    }

    @Test func refusingAndTypingTheResultByHandAreAskedOnALine() async throws {
        // no bubblewrap: nothing could run anyway, and n and m never run anything
        let run = try await Self.chat(["/mode code", "one", "n", "two", "m", "4.2", "/quit"],
                                      environment: ["PATH": "/nonexistent-glmchat-test"])
        defer { try? FileManager.default.removeItem(at: run.folder) }
        #expect(run.output.contains("code cannot run here: bubblewrap is missing (sudo apt install bubblewrap)"))
        #expect(run.output.contains("The result: "))
        let results = try Self.messages(run.store).filter { $0.role == .observation }.map(\.content)
        #expect(results == [#"{"error": "the user did not allow this call"}"#, "4.2"])
        #expect(run.output.contains("── result (error) ──"))
    }

    @Test func toolModeCallsAToolAfterTheLineApproval() async throws {
        let run = try await Self.chat(["/mode tool", "What is the weather in Berlin?", "y", "/mode chat", "/quit"],
                                      tools: [DemoToolSource()])
        defer { try? FileManager.default.removeItem(at: run.folder) }
        #expect(run.output.contains("Mode: Tool — tools: \(DemoTools.weatherName)"))
        #expect(run.output.contains("── \(DemoTools.weatherName) wants to run (round 1) ──"))
        #expect(run.output.contains("The tool `\(DemoTools.weatherName)` answered:"))
        #expect(run.output.contains("Mode: Chat — no tools"))
        let messages = try Self.messages(run.store)
        #expect(messages.map(\.role) == [.user, .assistant, .observation, .assistant])
        #expect(messages[1].metadata == DemoTools.weatherName)
        #expect(try run.store.listSessions().first?.mode == .chat)
    }

    @Test func aBaseModelHasNoModesAndAnUnknownModeIsNamed() async throws {
        let run = try await Self.chat(["/mode python", "/mode code", "/quit"], kind: .base)
        defer { try? FileManager.default.removeItem(at: run.folder) }
        #expect(run.output.contains("No mode named python: chat, tool or code"))
        #expect(run.output.contains("demo-chat is a base model: it has no chat format, so no tools"))
    }
}
