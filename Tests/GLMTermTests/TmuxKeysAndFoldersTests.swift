import Foundation
import GLMConversation
import GLMStore
import Testing
@testable import GLMTerm

/// Issue 20 in a real terminal, continued: the mouse toggle (15), the vi keys (16), a read-only data
/// folder and --demo with a config (11).
@Suite(.serialized) struct TmuxKeysAndFoldersTests {
    typealias Session = TmuxEndToEndTests.Session
    static let required = TmuxEndToEndTests.required
    static let reason: Comment = "needs tmux and a glmchat whose default command is the chat (with --demo)"

    /// The pane's mouse modes as tmux tracks them: "000" when the program asks for no mouse reports.
    static func mouseModes(_ session: Session) throws -> String {
        try session.tmux(["display", "-p", "#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The transcript's text on the rows its cursor (▌) is on. Only the part right of the sidebar
    /// counts: the sidebar lists the sessions by their first question, so a whole row holding
    /// "first question" would say the cursor is there while it sits on another message.
    static func cursorRows(_ screen: [String]) -> String {
        screen.map(TmuxEndToEndTests.transcriptPart).filter { $0.contains("▌") }.joined(separator: " ")
    }

    static func ask(_ session: Session, _ text: String, answerEnds end: String) async throws {
        try session.type(text)
        try session.press("Enter")
        try await session.waitFor("the answer to \(text)") { $0.joined().contains(end) && $0.statusLine.hasSuffix("idle") }
    }

    // 15. F9 turns the mouse reports off (the terminal selects text) and on again.
    @Test(.enabled(if: required, reason))
    func f9TogglesMouseCaptureSoTheTerminalCanSelect() async throws {
        let session = try Session(columns: 80, rows: 24)
        defer { session.close() }
        try await TmuxUserHabitsTests.waitForIdle(session)
        let captured = try Self.mouseModes(session)
        #expect(captured.contains("1"), "\(captured)")
        try session.press("F9")
        try await session.waitFor("mouse off") { $0.joined().contains("Mouse off: the terminal selects text") }
        #expect(try Self.mouseModes(session) == "000")
        try session.press("F9")
        try await session.waitFor("mouse on") { $0.joined().contains("Mouse on") }
        #expect(try Self.mouseModes(session) == captured)
    }

    // 16. keys = "vi": Esc moves to the transcript, j/k/g/G move the cursor between blocks, Ctrl+U
    // and Ctrl+D move half a page, / finds text, i goes back to the input.
    @Test(.enabled(if: required, reason))
    func viKeysMoveThroughTheTranscriptAndSlashFinds() async throws {
        let session = try Session(columns: 80, rows: 24) { config in
            try TmuxEndToEndTests.Session.writeConfig("keys = \"vi\"\n", in: config)
        }
        defer { session.close() }
        try await TmuxUserHabitsTests.waitForIdle(session)
        try await Self.ask(session, "first question", answerEnds: "That is all. 完。")
        try await Self.ask(session, "second question", answerEnds: "narrow.")
        try session.press("Escape")
        try await session.waitFor("the cursor on the last answer") { Self.cursorRows($0).contains("这是第二个回答") }
        try session.type("k")
        try await session.waitFor("k: the question before it") { Self.cursorRows($0).contains("second question") }
        try session.type("g")
        try await session.waitFor("g: the first message") { Self.cursorRows($0).contains("first question") }
        try session.type("j")
        try await session.waitFor("j: the first answer") { Self.cursorRows($0).contains("Hello! 你好！") }
        try session.type("G")
        try await session.waitFor("G: the last answer") { Self.cursorRows($0).contains("这是第二个回答") }
        try session.press("C-u")          // the end of the last answer leaves the view; the cursor stays in it
        try await session.waitFor("Ctrl+U: half a page up") { !$0.joined().contains("narrow.") && !Self.cursorRows($0).isEmpty }
        try session.press("C-d")
        try await session.waitFor("Ctrl+D: back down") { $0.joined().contains("narrow.") && !Self.cursorRows($0).isEmpty }
        try session.type("/first q")
        try session.press("Enter")
        // the prompt must be closed before "i" is typed: an Enter read together with the text after it
        // is a pasted line break (KeyDecoder), and the cursor may sit on the first question already
        try await session.waitFor("/ found the first question") {
            Self.cursorRows($0).contains("first question") && !$0.joined().contains("Find in the transcript")
        }
        try session.type("i")
        try session.type("typed")
        try await session.waitFor("i: back to the input") { $0.contains { $0.hasSuffix("│ typed") } }
    }

    /// Root writes anywhere: as root the commands run as nobody (setpriv), so that 0555 means what it
    /// says. Without setpriv, root cannot test a read-only folder.
    static let setpriv = "/usr/bin/setpriv"
    static let asUser = geteuid() == 0 ? [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : []
    static let canLockAFolder = geteuid() != 0 || FileManager.default.isExecutableFile(atPath: setpriv)
    static let lockReason: Comment = "needs tmux, a glmchat built for the chat, and (as root) setpriv to run it as nobody"

    /// A data folder with one saved session, then made read-only (0555, its files 0444); `unlock`
    /// makes it removable again.
    static func lockedDataFolder(in folder: TemporaryFolder) throws -> (data: URL, session: SessionID) {
        let data = folder.url.appendingPathComponent("data")
        let store = try GLMStore(dataDirectory: data)
        let created = try store.createSession(NewSession(modelKind: "chat", modelName: "demo-chat"))
        try store.appendMessage(NewMessage(role: .user, content: "kept in a locked folder"), to: created.id)
        try store.close()
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: data.path) {
            try fm.setAttributes([.posixPermissions: 0o444], ofItemAtPath: data.appendingPathComponent(name).path)
        }
        try fm.setAttributes([.posixPermissions: 0o555], ofItemAtPath: data.path)
        if geteuid() == 0 {
            // the premise: as that user, the folder cannot be written
            let probe = try TmuxEndToEndTests.run(argv: asUser + ["/usr/bin/touch", data.appendingPathComponent("probe").path])
            #expect(probe.status != 0)
        }
        return (data, created.id)
    }

    static func unlock(_ data: URL) {
        try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: data.path)
    }

    // 11. A data folder that cannot be written: the read-only commands still read it, and nothing
    // in it changes (no -wal or -shm file appears).
    @Test(.enabled(if: required && canLockAFolder, lockReason))
    func readOnlyCommandsWorkInAReadOnlyDataFolder() async throws {
        let folder = try TemporaryFolder()
        let (data, id) = try Self.lockedDataFolder(in: folder)
        defer { Self.unlock(data) }
        let before = try TmuxUserHabitsTests.contents(of: data)
        let binary = try #require(TmuxEndToEndTests.binary)
        func glmchat(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try TmuxEndToEndTests.run(argv: Self.asUser + ["/usr/bin/env", "HOME=/tmp", "TMPDIR=/tmp", binary] + arguments)
        }
        let listed = try glmchat(["sessions", "list", "--data-dir", data.path])
        #expect(listed.status == 0 && listed.output.contains("kept in a locked folder"), "\(listed)")
        let shown = try glmchat(["sessions", "show", id.rawValue, "--data-dir", data.path])
        #expect(shown.status == 0 && shown.output.contains("kept in a locked folder"), "\(shown)")
        let exported = try glmchat(["sessions", "export", id.rawValue, "--data-dir", data.path])
        #expect(exported.status == 0 && exported.output.contains("kept in a locked folder"), "\(exported)")
        let found = try glmchat(["sessions", "search", "locked", "--data-dir", data.path])
        #expect(found.status == 0 && found.output.contains("kept in a locked folder"), "\(found)")
        let json = try glmchat(["sessions", "list", "--json", "--data-dir", data.path])
        #expect(json.status == 0 && json.output.contains(id.rawValue))
        #expect(try TmuxUserHabitsTests.contents(of: data) == before)
    }

    // 11. The chat in a data folder it cannot write opens anyway, read-only, and says so: the saved
    // session is listed, and Enter says why the message cannot be saved (the text stays).
    @Test(.enabled(if: required && canLockAFolder, lockReason))
    func theChatOpensAReadOnlyDataFolderAndSaysWhyItCannotSave() async throws {
        let folder = try TemporaryFolder()
        let (data, _) = try Self.lockedDataFolder(in: folder)
        defer { Self.unlock(data) }
        let before = try TmuxUserHabitsTests.contents(of: data)
        let session = try Session(columns: 80, rows: 24, arguments: "--demo --data-dir \(data.path)",
                                  environment: ["HOME": "/tmp", "TMPDIR": "/tmp"], launcher: Self.asUser)
        defer { session.close() }
        try await session.waitFor("the read-only notice") {
            $0.joined(separator: " ").contains("Read-only:") && $0.statusLine.contains("read-only")
                && $0.statusLine.hasSuffix("idle") && $0.joined().contains("kept in a locked")
        }
        try session.type("hello there")
        try session.press("Enter")
        try await session.waitFor("why it cannot save") {
            $0.joined(separator: " ").contains("Cannot send:") && $0.contains { $0.hasSuffix("│ hello there") }
        }
        #expect(session.isRunning())
        #expect(try TmuxUserHabitsTests.contents(of: data) == before)
    }

    // 11. --demo with a config.toml: the status line names the configured model (the demo answers for it).
    @Test(.enabled(if: required, reason))
    func demoWithAConfigShowsTheConfiguredModelsName() async throws {
        let session = try Session(columns: 80, rows: 24) { config in
            try TmuxEndToEndTests.Session.writeConfig(
                "[[models]]\nname = \"my-glm3\"\nkind = \"chat\"\npath = \"/nowhere/chatglm3.gguf\"\n", in: config)
        }
        defer { session.close() }
        try await session.waitFor("the configured name") { $0.statusLine.contains("my-glm3 · chat") && $0.statusLine.hasSuffix("idle") }
        try await Self.ask(session, "hi", answerEnds: "That is all. 完。")
        #expect(try !session.screen().joined().contains("demo-chat"))
    }
}
