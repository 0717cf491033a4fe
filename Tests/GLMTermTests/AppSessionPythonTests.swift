import Foundation
import GLMInterpreter
import GLMStore
import Testing
@testable import GLMTerm

/// Each session keeps its own sandboxed Python while the app runs: switching to another session
/// and back keeps the variables; beyond the limit the least recently used one ends and its
/// session is told (notice and result) that the variables are gone; quitting ends them all.
@MainActor @Suite(.serialized) struct AppSessionPythonTests {
    /// Asks for code, puts `code` in its place (`e`), runs it and returns the stored result.
    static func run(_ code: String, in harness: AppHarness) async throws -> String {
        await AppCodeTests.askForCode(harness, "run this")
        await AppCodeTests.runEdited(code, in: harness)
        return try #require(try AppCodeTests.stored(harness).last { $0.role == .observation }).content
    }

    /// Processes whose command line names the folder (the bubblewrap of that session's Python).
    static func processes(using folder: URL) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.count { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(folder.path)
        }
    }

    static func folder(_ harness: AppHarness, _ session: Session) -> URL {
        InterpreterFolder.sessionFolder(dataDirectory: harness.directory, session: session.id)
            .standardizedFileURL.resolvingSymlinksInPath()
    }

    /// Session A sets `x`, session B runs a block, A is opened again: returns (A, B).
    static func twoSessions(_ harness: AppHarness) async throws -> (Session, Session) {
        #expect(try await run("x = 41\nprint('set')", in: harness) == "```result\nset\n```")
        let first = try #require(harness.app.currentSession)
        await harness.type("/new\r")
        await harness.type("/mode code\r")
        #expect(try await run("y = 2\nprint('other')", in: harness) == "```result\nother\n```")
        let second = try #require(harness.app.currentSession)
        #expect(second.id != first.id)
        harness.app.openSession(first)
        #expect(harness.app.mode == .code)
        return (first, second)
    }

    @Test(.enabled(if: CodeSandbox.required, CodeSandbox.reason))
    func switchingSessionsKeepsEachPythonAndItsVariables() async throws {
        let harness = await AppCodeTests.codeHarness()
        defer { harness.app.closeInterpreter() }
        let (first, second) = try await Self.twoSessions(harness)
        #expect(try await Self.run("print(x + 1)", in: harness) == "```result\n42\n```")
        #expect(harness.app.interpreters.live.map(\.sessionID) == [second.id, first.id])
        // and back to the second: its own variable, not the first's
        harness.app.openSession(second)
        #expect(try await Self.run("print(y, 'x' in globals())", in: harness) == "```result\n2 False\n```")
    }

    @Test(.enabled(if: CodeSandbox.required, CodeSandbox.reason))
    func beyondTheLimitTheOldestPythonEndsAndItsSessionIsToldTheVariablesAreLost() async throws {
        let harness = await AppCodeTests.codeHarness()
        defer { harness.app.closeInterpreter() }
        harness.app.interpreters.limit = 1
        let (first, _) = try await Self.twoSessions(harness)
        // the first session's Python ended when the second one's started
        await harness.pump { Self.processes(using: Self.folder(harness, first)) == 0 }
        await AppCodeTests.askForCode(harness, "and now?")
        #expect(harness.app.notice?.text.contains("its variables are lost") == true)
        await AppCodeTests.runEdited("print(x + 1)", in: harness)
        let result = try #require(try AppCodeTests.stored(harness).last { $0.role == .observation }).content
        #expect(result.hasPrefix("```result\n" + InterpreterNotice.restarted + "\n"))
        #expect(result.contains("NameError"))
        #expect(harness.screenContains("Python was restarted"))
        // said once: the next block of the same Python has its variables and no notice
        #expect(try await Self.run("x = 1\nprint(x)", in: harness) == "```result\n1\n```")
        #expect(try await Self.run("print(x)", in: harness) == "```result\n1\n```")
    }

    @Test(.enabled(if: CodeSandbox.required, CodeSandbox.reason))
    func quittingEndsEverySessionsPython() async throws {
        let harness = await AppCodeTests.codeHarness()
        let (first, second) = try await Self.twoSessions(harness)
        #expect(Self.processes(using: Self.folder(harness, first)) > 0)
        #expect(Self.processes(using: Self.folder(harness, second)) > 0)
        harness.app.closeInterpreter()
        #expect(harness.app.interpreters.live.isEmpty)
        await harness.pump {
            Self.processes(using: Self.folder(harness, first)) == 0 && Self.processes(using: Self.folder(harness, second)) == 0
        }
    }
}
