import Foundation
import GLMInterpreter
import GLMStore
import Testing
@testable import GLMTerm

/// Code mode in a real terminal (tmux, 100×30) with `--demo`, whose scripted model writes Python in
/// Code mode: the demo's code-interpreter turn (card → y → result from the real sandbox → answer),
/// Esc while the code runs, and `/upload` (the announcement is in the stored message the model got).
@Suite(.serialized) struct TmuxCodeTests {
    typealias Session = TmuxEndToEndTests.Session
    static let required = TmuxEndToEndTests.required && CodeSandbox.required
    static let reason: Comment = "needs tmux, bubblewrap, python3 and a glmchat whose default command is the chat (with --demo)"

    static func idle(_ screen: [String]) -> Bool { TmuxAgentTests.idle(screen) }

    @Test(.enabled(if: required, reason))
    func theDemosCodeTurnRunsInTheSandboxAndTheModelAnswers() async throws {
        let session = try await TmuxAgentTests.cardUp(mode: "code", question: "Some square roots, please")
        defer { session.close() }
        let card = try session.screen().joined(separator: "\n")
        #expect(card.contains("┌─ Code · python"))
        #expect(card.contains("roots = [round(sqrt(n), 3) for n in range(1, 6)]"))
        #expect(card.contains("Run this code?"))
        #expect(!card.contains("cannot run"))
        try session.type("y")
        try await session.waitFor("the answer") { $0.joined().contains("That was the code interpreter") && Self.idle($0) }
        let done = try session.screen().joined(separator: "\n")
        #expect(done.contains("┌─ Result · python"))
        #expect(done.contains("│ roots: [1.0, 1.414, 1.732, 2.0, 2.236]"))
        #expect(done.contains("The code ran in the sandbox. It printed:"))
        #expect(!done.contains("y once"))
    }

    @Test(.enabled(if: required, reason))
    func escapeStopsTheCodeWhileItRuns() async throws {
        let data = try TemporaryFolder()
        let session = try await TmuxAgentTests.cardUp(mode: "code", question: "Wait a while",
                                                      arguments: "--demo --data-dir \(data.url.path)")
        defer { session.close() }
        try session.type("e")
        try await session.waitFor("the code in the input") { $0.joined().contains("Edit the code") }
        try session.run(["send-keys", "-N", "300", "BSpace"])
        try session.type("import time; open('/mnt/data/started', 'w').close(); time.sleep(600)")
        try await session.waitFor("the edited code") { $0.contains { $0.hasSuffix("time.sleep(600)") } }
        try session.press("Enter")
        try await session.waitFor("the spinner") { $0.statusLine.contains("running python") }
        // the block is running once the file it writes is in the session's folder
        let folders = data.url.appendingPathComponent("interpreter")
        try await session.waitFor("the block to run") { _ in
            let sessions = (try? FileManager.default.contentsOfDirectory(atPath: folders.path)) ?? []
            return sessions.contains { FileManager.default.fileExists(atPath: folders.path + "/" + $0 + "/started") }
        }
        try session.press("Escape")
        try await session.waitFor("idle") { Self.idle($0) }
        let done = try session.screen().joined(separator: "\n")
        #expect(done.contains("Stopped; everything written so far is kept"))
        #expect(done.contains("time.sleep(600)"))   // the call stays, as edited
        #expect(!done.contains("Result · python"))
    }

    @Test(.enabled(if: TmuxEndToEndTests.required, TmuxAgentTests.reason))
    func anUploadIsAnnouncedInTheStoredMessageAndABadPathStaysInTheInput() async throws {
        let data = try TemporaryFolder()
        let file = data.url.appendingPathComponent("sales.csv")
        try "month,total\n1,10\n".write(to: file, atomically: true, encoding: .utf8)
        let store = data.url.appendingPathComponent("store")
        let session = try Session(columns: 100, rows: 30, arguments: "--demo --data-dir \(store.path)")
        defer { session.close() }
        try await session.waitFor("the demo model") { $0.contains { $0.contains("demo-chat · chat") && $0.hasSuffix("idle") } }
        try session.type("/mode code")
        try session.press("Enter")
        try await session.waitFor("Code mode") { $0.statusLine.hasPrefix(" Code · ") }
        try session.type("/upload \(data.url.path)/missing.csv")
        try session.press("Enter")
        try await session.waitFor("the error") { $0.joined().contains("Could not upload") }
        #expect(try session.screen().contains { $0.hasSuffix("/upload \(data.url.path)/missing.csv") })
        try session.run(["send-keys", "-N", "200", "BSpace"])
        try session.type("/upload \(file.path)")
        try session.press("Enter")
        try await session.waitFor("the upload") { $0.joined().contains("/mnt/data/sales.csv (17 bytes) is ready") }
        try session.type("Sum the totals")
        try session.press("Enter")
        try await session.waitFor("the card") { $0.joined().contains("y once") }
        #expect(try session.screen().joined().contains("#File: /mnt/data/sales.csv"))
        try session.press("Escape")
        try await session.waitFor("idle") { Self.idle($0) }
        session.close()
        // the message as stored, which is the prompt's user turn
        let opened = try GLMStore(dataDirectory: store)
        let saved = try #require(try opened.listSessions(.active, offset: 0, limit: 10).first)
        let messages = try opened.chosenPath(in: saved.id)
        #expect(messages.first { $0.role == .user }?.content
                == "#File: /mnt/data/sales.csv\n#Size: 17\n#File uploaded\nSum the totals")
        let copy = InterpreterFolder.sessionFolder(dataDirectory: store, session: saved.id).appendingPathComponent("sales.csv")
        #expect(try String(contentsOf: copy, encoding: .utf8) == "month,total\n1,10\n")
    }
}
