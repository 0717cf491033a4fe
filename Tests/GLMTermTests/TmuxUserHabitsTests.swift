import Foundation
import GLMConversation
import GLMStore
import Testing
@testable import GLMTerm

/// Issue 20 in a real terminal: the defects a new user met and the habits terminal users expect,
/// each as a person meets it (tmux at 80×24, keys typed, the screen read back).
@Suite(.serialized) struct TmuxUserHabitsTests {
    typealias Session = TmuxEndToEndTests.Session
    static let required = TmuxEndToEndTests.required
    static let reason: Comment = "needs tmux and a glmchat whose default command is the chat (with --demo)"

    /// The sessions folder under a test's config folder, as `--data-dir` names it.
    static func dataDirectory(_ config: URL) -> URL { config.appendingPathComponent("sessions") }

    static func waitForIdle(_ session: Session) async throws {
        try await session.waitFor("the demo model") { $0.contains { $0.contains("demo-chat · chat") && $0.hasSuffix("idle") } }
    }

    /// Every file in `folder` with its bytes.
    static func contents(of folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    static func glmchat(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try TmuxEndToEndTests.run(argv: [TmuxEndToEndTests.binary ?? "glmchat"] + arguments)
    }

    // 1. The built-in themes are inside the binary: they work from any folder.
    @Test(.enabled(if: required, reason))
    func builtInThemesWorkFromAnyFolder() async throws {
        let session = try Session(columns: 80, rows: 24, arguments: "--demo --theme dark", directory: "/")
        defer { session.close() }
        try await Self.waitForIdle(session)
        #expect(try !session.screen().joined().contains("not found"))
    }

    // 7. A notice longer than a line is read whole, at 80 columns.
    @Test(.enabled(if: required, reason))
    func aLongNoticeIsShownWholeAtEightyColumns() async throws {
        let session = try Session(columns: 80, rows: 24, arguments: "--demo --theme nosuch")
        defer { session.close() }
        try await Self.waitForIdle(session)
        let screen = try session.screen().joined(separator: " ").filter { $0 != "│" }
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(screen.contains("theme 'nosuch' not found: the built-in themes are dark, default, high-contrast, light, mono;"))
        #expect(screen.contains("using the default theme"))
        #expect(!screen.contains("…"))
    }

    // 3. A little damage hides nothing: sessions list reads what it can and changes nothing; the
    // chat copies the readable rows into a fresh database and keeps the damaged file.
    @Test(.enabled(if: required, reason))
    func aDamagedDatabaseShowsItsReadableSessionsAndListingChangesNothing() async throws {
        let folder = try TemporaryFolder()
        let data = folder.url
        let store = try GLMStore(dataDirectory: data)
        for index in 1...13 {
            let created = try store.createSession(NewSession(modelKind: "chat", modelName: "demo-chat"))
            try store.appendMessage(NewMessage(role: .user, content: "question \(index) " + String(repeating: "lorem ", count: 150)),
                                    to: created.id)
        }
        try store.close()
        let file = StorePaths.databaseURL(dataDirectory: data)
        var damaged = try Data(contentsOf: file)
        let middle = damaged.count / 2
        for offset in middle..<(middle + 1024) { damaged[offset] = UInt8(truncatingIfNeeded: offset &* 131) }
        try damaged.write(to: file)

        let before = try Self.contents(of: data)
        let listed = try Self.glmchat(["sessions", "list", "--data-dir", data.path])
        #expect(listed.status == 0)
        #expect(listed.output.contains("question 1"))
        #expect(!listed.output.contains("No sessions"))
        #expect(try Self.contents(of: data) == before)              // a read-only command moved and changed nothing

        let chat = try Session(columns: 80, rows: 24, arguments: "--demo --data-dir \(data.path)")
        defer { chat.close() }
        try await chat.waitFor("the damage notice") { $0.joined().contains("is damaged") }
        try chat.press("Escape")
        try await chat.waitFor("the rescued sessions in the sidebar") { $0.contains { $0.hasPrefix("  question") } }
        let kept = try FileManager.default.contentsOfDirectory(atPath: data.path)
            .filter { $0.contains(".corrupt-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        #expect(kept.count == 1)
        if let name = kept.first {
            #expect(try Data(contentsOf: data.appendingPathComponent(name)) == damaged)
        }
    }

    // 5. A message with escape sequences is printed as text, never obeyed.
    @Test(.enabled(if: required, reason))
    func sessionsShowPrintsControlCharactersAsPictures() async throws {
        let folder = try TemporaryFolder()
        let store = try GLMStore(dataDirectory: folder.url)
        let created = try store.createSession(NewSession(modelKind: "chat", modelName: "demo-chat"))
        try store.appendMessage(NewMessage(role: .user, content: "before \u{1B}[2J\u{1B}[31mafter"), to: created.id)
        try store.close()
        let session = try Session(columns: 80, rows: 24, arguments: "sessions show \(created.id.rawValue) --data-dir \(folder.url.path)",
                                  keepOpen: true)
        defer { session.close() }
        try await session.waitFor("the message") { $0.contains { $0.contains("after") } }
        let screen = try session.screen()
        #expect(screen.contains { $0.contains("before ␛[2J␛[31mafter") })
        #expect(screen.contains { $0.hasPrefix("# before") })             // the title line was not cleared away
        let shown = try Self.glmchat(["sessions", "show", created.id.rawValue, "--data-dir", folder.url.path])
        #expect(!shown.output.utf8.contains(0x1B))
        let json = try Self.glmchat(["sessions", "show", "--json", created.id.rawValue, "--data-dir", folder.url.path])
        #expect(!json.output.utf8.contains(0x1B) && json.output.contains("\\u001b[2J"))
    }

    // 10. A message may start with "/": "//" sends one; an unknown command keeps the text.
    @Test(.enabled(if: required, reason))
    func aLeadingSlashCanBeSentAndAnUnknownCommandKeepsTheText() async throws {
        let session = try Session(columns: 80, rows: 24)
        defer { session.close() }
        try await Self.waitForIdle(session)
        try session.type("/usr/bin/env is a path")
        try session.press("Enter")
        try await session.waitFor("the refusal") { $0.joined().contains("Unknown command /usr/bin/env") }
        #expect(try session.screen().contains { $0.hasSuffix("│ /usr/bin/env is a path") })   // still in the input
        try session.press("C-a")
        try session.type("/")
        try session.press("Enter")
        try await session.waitFor("the message sent") { $0.contains { $0.hasSuffix("│   /usr/bin/env is a path") } }
        try await session.waitFor("the answer") { $0.contains { $0.hasSuffix("idle") && $0.contains("tok/s") } }
    }

    // 12. A key copies the last answer through OSC 52, which tmux keeps as a paste buffer.
    @Test(.enabled(if: required, reason))
    func ctrlYCopiesTheLastAnswerThroughOSC52() async throws {
        let session = try Session(columns: 80, rows: 24)
        defer { session.close() }
        try session.run(["set-option", "-g", "set-clipboard", "on"])
        try await Self.waitForIdle(session)
        try session.type("hi")
        try session.press("Enter")
        try await session.waitFor("the answer") { $0.contains { $0.contains("That is all. 完。") } && $0.statusLine.hasSuffix("idle") }
        try session.press("C-y")
        try await session.waitFor("the copy notice") { $0.joined().contains("Copied") }
        let buffer = try session.tmux(["show-buffer"])
        #expect(buffer.hasPrefix("Hello! 你好！I am a demo model."))
        #expect(buffer.hasSuffix("That is all. 完。"))
    }

    // 13. Ctrl+G opens the input in $EDITOR and takes back what was written, CJK intact.
    @Test(.enabled(if: required, reason))
    func ctrlGComposesInTheEditor() async throws {
        let folder = try TemporaryFolder()
        let editor = folder.url.appendingPathComponent("editor.sh")
        try "#!/bin/sh\nprintf ' 写于编辑器 done\\n' >> \"$1\"\n".write(to: editor, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor.path)
        let session = try Session(columns: 80, rows: 24, environment: ["EDITOR": editor.path, "VISUAL": editor.path])
        defer { session.close() }
        try await Self.waitForIdle(session)
        try session.type("问题")
        try session.press("C-g")
        try await session.waitFor("the edited text in the input") { $0.contains { $0.hasSuffix("│ 问题 写于编辑器 done") } }
        #expect(session.isRunning())
    }

    // 14. /retry keeps the first answer as an alternative; [ and ] move between them.
    @Test(.enabled(if: required, reason))
    func retryKeepsAlternativesAndBracketsMoveBetweenThem() async throws {
        let folder = try TemporaryFolder()
        let session = try Session(columns: 80, rows: 24, arguments: "--demo --data-dir \(folder.url.path)")
        defer { session.close() }
        try await Self.waitForIdle(session)
        try session.type("hi")
        try session.press("Enter")
        try await session.waitFor("the first answer") { $0.joined().contains("That is all. 完。") && $0.statusLine.hasSuffix("idle") }
        try session.type("/retry")
        try session.press("Enter")
        try await session.waitFor("the second answer") { $0.joined().contains("这是第二个回答") && $0.statusLine.hasSuffix("idle") }
        #expect(try session.screen().statusLine.contains("alt 2/2"))
        try session.type("[")
        try await session.waitFor("the first again") { $0.joined().contains("That is all. 完。") && $0.statusLine.contains("alt 1/2") }
        try session.type("]")
        try await session.waitFor("the second again") { $0.joined().contains("这是第二个回答") && $0.statusLine.contains("alt 2/2") }
        try session.press("F10")
        let store = try GLMStore(dataDirectory: folder.url, access: .readOnly)
        let id = try #require(try store.listSessions().first?.id)
        #expect(try store.chosenPath(in: id).map { String($0.content.prefix(8)) } == ["hi", "这是第二个回答。"])
        let all = try Self.glmchat(["sessions", "show", "--all", id.rawValue, "--data-dir", folder.url.path]).output
        #expect(all.contains("alternative 1 of 2") && all.contains("alternative 2 of 2 (shown)"))
        let chosen = try Self.glmchat(["sessions", "show", id.rawValue, "--data-dir", folder.url.path]).output
        #expect(!chosen.contains("That is all.") && chosen.contains("这是第二个回答"))
    }

    // 11. A dumb terminal gets a prompt and the answer line by line.
    @Test(.enabled(if: required, reason))
    func aDumbTerminalGetsAPromptAndPlainLines() async throws {
        let session = try Session(columns: 80, rows: 24, environment: ["TERM": "dumb"], keepOpen: true)
        defer { session.close() }
        try await session.waitFor("the prompt") { $0.contains { $0.hasPrefix(">") } }
        try session.type("hi")
        try session.press("Enter")
        try await session.waitFor("the answer") { $0.contains { $0 == "That is all. 完。" } }
        try await session.waitFor("the next prompt") { $0.statusLine.hasPrefix(">") }
    }

    // 2. A llama.cpp GGUF file (no tokenizer.model inside) opens on its own vocabulary; --tokenizer and
    //    the config key still work.
    @Test(.enabled(if: required, reason))
    func aGGUFWithoutATokenizerLoadsWithTokenizer() async throws {
        let fixtures = URL(fileURLWithPath: TmuxModelEndToEndTests.tinyModel)
        let gguf = fixtures.appendingPathComponent("llamacpp-f32.gguf").path
        let tokenizer = fixtures.appendingPathComponent("tokenizer.model").path
        let without = try Session(columns: 80, rows: 24, arguments: "--model \(gguf)")
        defer { without.close() }
        // llama.cpp's file carries its vocabulary: the tokenizer is rebuilt from it, no flag needed
        try await without.waitFor("the model loaded from its own vocabulary", seconds: 60) {
            $0.statusLine.contains("llamacpp-f32 · chat") && $0.statusLine.hasSuffix("idle")
        }
        let with = try Session(columns: 80, rows: 24, arguments: "--model \(gguf) --tokenizer \(tokenizer)")
        defer { with.close() }
        try await with.waitFor("the model loaded", seconds: 60) { $0.statusLine.contains("llamacpp-f32 · chat") && $0.statusLine.hasSuffix("idle") }
        let configured = try Session(columns: 80, rows: 24, arguments: "") { config in
            try TmuxEndToEndTests.Session.writeConfig(
                "[[models]]\nname = \"tiny\"\nkind = \"chat\"\npath = \"\(gguf)\"\ntokenizer = \"\(tokenizer)\"\n", in: config)
        }
        defer { configured.close() }
        try await configured.waitFor("the configured model loaded", seconds: 60) { $0.statusLine.contains("tiny · chat") && $0.statusLine.hasSuffix("idle") }
    }

    // 6. A session remembers its model: a base session is marked in the list, keeps its Prompt /
    // Continuation headers, and opening it offers to load the model it was written with.
    @Test(.enabled(if: required, reason))
    func aBaseSessionIsMarkedAndOpeningItOffersItsModel() async throws {
        let folder = try TemporaryFolder()
        let store = try GLMStore(dataDirectory: folder.url)
        let base = try store.createSession(NewSession(modelKind: "base", modelName: "demo-base", title: "a base text"))
        try store.appendMessage(NewMessage(role: .user, content: "Once upon a time"), to: base.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "there was a model."), to: base.id)
        try store.close()
        let session = try Session(columns: 80, rows: 24, arguments: "--demo --data-dir \(folder.url.path)")
        defer { session.close() }
        try await Self.waitForIdle(session)
        let listed = try session.screen()
        #expect(listed.contains { $0.contains("a base text") && $0.contains("base│") }, "\(listed.joined(separator: "\n"))")
        try session.press("Tab")
        try session.press("Enter")
        try await session.waitFor("the question") { $0.joined().contains("was written with demo-base") }
        #expect(try session.screen().joined(separator: " ").contains("Prompt"))
        try session.press("Enter")
        try await session.waitFor("demo-base loaded") { $0.statusLine.contains("demo-base · base") && $0.statusLine.hasSuffix("idle") }
        let screen = try session.screen()
        #expect(screen.contains { $0.hasSuffix("│ Prompt") } && screen.contains { $0.contains("│ Continuation") })
    }

    // 16. keys = "vi" in config.toml: F1 lists the vi keys in force.
    @Test(.enabled(if: required, reason))
    func theViKeymapIsWhatF1Shows() async throws {
        let session = try Session(columns: 100, rows: 40) { config in
            try TmuxEndToEndTests.Session.writeConfig("keys = \"vi\"\n[bind]\ncopy = \"ctrl+o\"\n", in: config)
        }
        defer { session.close() }
        try await Self.waitForIdle(session)
        try session.press("F1")
        try await session.waitFor("the help") { $0.joined().contains("Transcript: j, k, Up, Down") }
        #expect(try session.screen().joined().contains("Transcript: g, G, Ctrl+D, Ctrl+U"))
        var seen = false
        for _ in 0..<6 where !seen {
            try session.press("PageDown")
            try await Task.sleep(for: .milliseconds(200))
            seen = try session.screen().joined().contains("Ctrl+O, /copy")
        }
        #expect(seen)
    }

    // 11. --help shows the chat's own options and the common ones; --version answers.
    @Test(.enabled(if: required, reason))
    func helpShowsTheChatsOptionsAndVersionAnswers() throws {
        let help = try Self.glmchat(["--help"])
        #expect(help.status == 0)
        for expected in ["CHAT OPTIONS:", "--model", "--tokenizer", "--theme", "--demo", "--data-dir", "--version", "SUBCOMMANDS:", "sessions"] {
            #expect(help.output.contains(expected), "\(expected)")
        }
        let version = try Self.glmchat(["--version"])
        #expect(version.status == 0 && version.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    // 15. The mouse: the wheel scrolls the transcript and a click in the list opens a session. The
    // terminal's reports are sent as the bytes a terminal writes (SGR mouse mode).
    @Test(.enabled(if: required, reason))
    func theWheelScrollsAndAClickOpensASession() async throws {
        func mouse(_ report: String) -> [String] { Array(report.utf8).map { String(format: "%02x", $0) } }
        let session = try Session(columns: 80, rows: 24)
        defer { session.close() }
        try await Self.waitForIdle(session)
        for (text, end) in [("hi", "That is all. 完。"), ("again", "narrow.")] {
            try session.type(text)
            try session.press("Enter")
            try await session.waitFor("the answer to \(text)") { $0.joined().contains(end) && $0.statusLine.hasSuffix("idle") }
        }
        #expect(try !session.screen()[0].hasSuffix("│ You"))                  // the end of the transcript is shown
        try session.run(["send-keys", "-H"] + Array(repeating: mouse("\u{1B}[<64;40;10M"), count: 10).flatMap { $0 })
        try await session.waitFor("the top of the transcript") { $0[0].hasSuffix("│ You") && $0[1].hasSuffix("│   hi") }

        try session.press("C-n")
        try session.type("second")
        try session.press("Enter")
        try await session.waitFor("the second session") { $0[1].hasPrefix("▸ second") && $0[2].hasPrefix("  hi") }
        try session.run(["send-keys", "-H"] + mouse("\u{1B}[<0;5;3M") + mouse("\u{1B}[<0;5;3m"))
        try await session.waitFor("the first session opened") { $0[2].hasPrefix("▸ hi") && $0.joined().contains("again") }
    }

    // 11. Two windows: when one deletes the session the other has open, the other's next message
    // is kept, the reason is shown, and Enter sends it in a new session.
    @Test(.enabled(if: required, reason))
    func aSessionDeletedInAnotherWindowKeepsTheText() async throws {
        let folder = try TemporaryFolder()
        let first = try Session(columns: 80, rows: 24, arguments: "--demo --data-dir \(folder.url.path)")
        defer { first.close() }
        try await Self.waitForIdle(first)
        try first.type("hello")
        try first.press("Enter")
        try await first.waitFor("the answer") { $0.joined().contains("That is all. 完。") && $0.statusLine.hasSuffix("idle") }

        let second = try Session(columns: 80, rows: 24, arguments: "--demo --data-dir \(folder.url.path)")
        defer { second.close() }
        try await Self.waitForIdle(second)
        try await second.waitFor("the session in the list") { $0.contains { $0.hasPrefix("  hello") } }
        try second.press("Tab")
        try second.type("d")
        try await second.waitFor("the delete question") { $0.joined().contains("hello") && $0.joined().lowercased().contains("delete") }
        try second.type("y")
        try await second.waitFor("the list without it") { !$0.contains { $0.hasPrefix("  hello") || $0.hasPrefix("▸ hello") } }

        try first.type("more text")
        try first.press("Enter")
        try await first.waitFor("the reason") { $0.joined().contains("deleted in another glmchat window") }
        #expect(try first.screen().joined().contains("more text"))
        try first.press("Enter")
        try await first.waitFor("the message sent in a new session") { $0.contains { $0.hasPrefix("▸ more text") } }
    }

    // 8. A large paste arrives whole and fast (read in blocks, not a byte per read), and keys typed
    // right after it still work.
    @Test(.enabled(if: required, reason))
    func aLargePasteArrivesWholeAndTheKeysAfterItWork() async throws {
        let folder = try TemporaryFolder()
        let session = try Session(columns: 80, rows: 24, arguments: "--demo --data-dir \(Self.dataDirectory(folder.url).path)")
        defer { session.close() }
        try await Self.waitForIdle(session)
        let lines = (1...6000).map { String(format: "line %05d Lorem 你好世界 😀 dolor", $0) }
        let text = lines.joined(separator: "\n") + "\nPASTE_END"
        let file = folder.url.appendingPathComponent("paste.txt")
        try Data(text.utf8).write(to: file)
        try session.run(["load-buffer", "-b", "big", file.path])
        try session.run(["paste-buffer", "-p", "-b", "big"])
        try session.press("Left")
        try session.type("Z")
        try await session.waitFor("the paste's end and the key after it") { $0.contains { $0.contains("PASTE_ENZD") } }
        let screen = try session.screen()
        #expect(screen.contains { $0.contains("line 06000 Lorem 你好世界 😀 dolor") })
        #expect(!screen.joined().contains("[201~"))
        #expect(!screen.joined().contains("\u{FFFD}"))

        try session.press("Enter")
        try await session.waitFor("the size question") { $0.joined().contains("Message too large") }
        try session.press("Enter")
        try await session.waitFor("the answer") { $0.joined().contains("That is all. 完。") && $0.statusLine.hasSuffix("idle") }
        let store = try GLMStore(dataDirectory: Self.dataDirectory(folder.url))
        let sent = try #require(try store.listSessions().first.map { try store.messages(in: $0.id) }?.first { $0.role == .user })
        let expected = String(text.dropLast(1)) + "Z" + "D"
        #expect(sent.content.isByteEqual(to: expected), "\(sent.content.utf8.count) bytes stored, \(expected.utf8.count) pasted")
    }
}

extension [String] {
    /// The last line with text: the status line of the chat, the prompt of a plain session.
    var statusLine: String { last { !$0.isEmpty } ?? "" }
}

/// A folder under the temporary directory, removed with the value.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("glmterm-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}
