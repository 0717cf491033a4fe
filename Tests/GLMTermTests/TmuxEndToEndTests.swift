import Foundation
import GLMTestSupport
import Testing
@testable import GLMTerm

/// The real program in a real terminal: tmux runs `glmchat --demo`, keys are typed with
/// send-keys, and what a person would see is read back with capture-pane.
@Suite(.serialized) struct TmuxEndToEndTests {
    static let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// glmchat is built next to the test bundle.
    static let binary: String? = BuiltProgram.glmchat

    /// Runs only where tmux is installed and glmchat is built with the chat as its default
    /// command: `glmchat --demo` with nothing on stdin then answers nothing and exits 0.
    static let available: Bool = {
        guard tmux != nil, let binary else { return false }
        guard let result = try? run(argv: [binary, "--demo"]) else { return false }
        return result.status == 0 && result.output.isEmpty
    }()

    /// A command's standard output. It goes through a file, not a pipe (the tmux server is handed
    /// the client's descriptors and may keep them open), and the child is spawned and reaped
    /// directly rather than through Foundation's Process.
    static func output(of argv: [String]) throws -> String {
        try run(argv: argv).output
    }

    static func run(argv: [String]) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("glmterm-out-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO) }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) == -1 && errno == EINTR {}
        let exited = exitStatus & 0x7F == 0
        return (exited ? (exitStatus >> 8) & 0xFF : -1, (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
    }

    final class Session {
        let config: URL
        var socketPath: String { config.appendingPathComponent("tmux.sock").path }

        /// `arguments` follow the glmchat binary in the shell command tmux runs; config and data
        /// live in a fresh folder (`config`; a test may write config.toml or sessions there first,
        /// through `prepare`). `directory`: where the command starts; `environment` is set for the
        /// command (over the usual variables). With `keepOpen` the pane stays after the command
        /// ends, so a command's printed output can be read as a person sees it. `launcher` comes
        /// before everything (say, setpriv to run glmchat as another user).
        init(columns: Int, rows: Int, arguments: String = "--demo", environment: [String: String] = [:],
             directory: String? = nil, keepOpen: Bool = false, launcher: [String] = [],
             prepare: (URL) throws -> Void = { _ in }) throws {
            config = FileManager.default.temporaryDirectory.appendingPathComponent("glmterm-e2e-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
            try prepare(config)
            // `environment` goes through env(1): tmux sets TERM in a pane itself
            let settings = environment.sorted { $0.key < $1.key }.map { "'\($0.key)=\($0.value)'" }
            let command = launcher.map { "'\($0)' " }.joined() + (settings.isEmpty ? "" : "env \(settings.joined(separator: " ")) ")
                + "\(TmuxEndToEndTests.binary ?? "glmchat") \(arguments)"
            let variables = ["XDG_CONFIG_HOME": config.path, "XDG_DATA_HOME": config.path, "LANG": "C.UTF-8",
                             "TERM": "xterm-256color"]
            var arguments = ["new-session", "-d", "-x", "\(columns)", "-y", "\(rows)"]
            if let directory { arguments += ["-c", directory] }
            for (name, value) in variables.sorted(by: { $0.key < $1.key }) { arguments += ["-e", "\(name)=\(value)"] }
            // the pane outlives a command that ends at once: the shell waits until the server is killed
            try run(arguments + [keepOpen ? command + "; sleep 3600" : command])
        }

        /// Writes `text` as glmchat's config.toml in a session's `config` folder (for `prepare`).
        static func writeConfig(_ text: String, in config: URL) throws {
            try FileManager.default.createDirectory(at: config.appendingPathComponent("glmchat"), withIntermediateDirectories: true)
            try text.write(to: config.appendingPathComponent("glmchat/config.toml"), atomically: true, encoding: .utf8)
        }

        /// A tmux command whose output is not needed.
        func run(_ arguments: [String]) throws {
            _ = try tmux(arguments)
        }

        deinit { close() }

        /// Ends the tmux server (and the program in it) and removes the folder. Tests call it in a
        /// `defer`: a session left to `deinit` alone was seen to outlive the test run.
        func close() {
            // the program in the pane and the server, by pid as well (kill-server alone was seen
            // to leave both running when called from a test)
            let pids = ((try? tmux(["display", "-p", "#{pane_pid} #{pid}"])) ?? "")
                .split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
            try? run(["kill-server"])
            for pid in pids where pid > 1 { kill(pid, SIGKILL) }
            try? FileManager.default.removeItem(at: config)
        }

        /// A tmux command's output.
        @discardableResult
        func tmux(_ arguments: [String]) throws -> String {
            try TmuxEndToEndTests.output(of: [TmuxEndToEndTests.tmux ?? "tmux", "-S", socketPath, "-f", "/dev/null"] + arguments)
        }

        func screen() throws -> [String] {
            try tmux(["capture-pane", "-p"]).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }

        func cursor() throws -> (column: Int, row: Int) {
            let parts = try tmux(["display", "-p", "#{cursor_x} #{cursor_y}"]).split(separator: " ")
            return (Int(parts.first ?? "") ?? -1, Int(parts.last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? -1)
        }

        func type(_ text: String) throws { try run(["send-keys", "-l", text]) }
        func press(_ key: String) throws { try run(["send-keys", key]) }

        func isRunning() -> Bool {
            ((try? tmux(["list-panes", "-F", "#{pane_dead}"])) ?? "").hasPrefix("0")
        }

        /// Waits up to `seconds` (generous: CI runs the other suites at the same time) for the screen to satisfy `condition`.
        func waitFor(_ what: String, seconds: Double = 30, _ condition: ([String]) -> Bool) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition(try screen()) { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("timed out waiting for \(what); screen:\n\(try screen().joined(separator: "\n"))")
        }
    }

    /// A row without the sidebar: what follows its first "│" (the whole row when it has none).
    static func transcriptPart(_ row: String) -> Substring {
        guard let divider = row.firstIndex(of: "│") else { return row[...] }
        return row[row.index(after: divider)...]
    }

    /// In CI (where .ci/run installs tmux and builds glmchat) the test must run, never skip.
    static let required = available || ProcessInfo.processInfo.environment["CI"] != nil

    @Test(.enabled(if: required, "needs tmux and a glmchat whose default command is the chat (with --demo)"))
    func typeChineseAndEmojiSendStopPasteAndQuit() async throws {
        let session = try Session(columns: 100, rows: 24)
        try await session.waitFor("the model") { $0.contains { $0.contains("demo-chat · chat · Q4_0") && $0.hasSuffix("idle") } }

        try session.type("hello 你好 👍🏽")
        try await session.waitFor("the typed text") { $0.contains { $0.contains("│ hello 你好 👍") } }
        #expect(try session.cursor() == (column: ScreenLayout.sidebarWidth + 1 + 13, row: 22))

        try session.press("Enter")
        try await session.waitFor("the whole answer") { screen in
            screen.contains { $0.contains("That is all. 完。") } && screen.contains { $0.hasSuffix("idle") }
        }
        let answered = try session.screen()
        #expect(answered.contains { $0.contains("• 第一项 first") })
        for (row, line) in answered.prefix(23).enumerated() {
            let before = line.prefix { $0 != "│" }
            #expect(Glyphs.width(of: String(before)) == ScreenLayout.sidebarWidth - 1, "row \(row): \(line)")
        }

        // Stopped right away: on a busy machine the short demo answer could otherwise end first.
        try session.type("again")
        try session.press("Enter")
        try session.press("Escape")
        try await session.waitFor("the stop mark") { $0.contains { $0.contains("GLM  [stopped]") } }

        try session.run(["set-buffer", "-b", "e2e", "line one 第一行\nline two 😀\nline three"])
        try session.run(["paste-buffer", "-p", "-b", "e2e"])
        try await session.waitFor("the paste in the input") { $0.contains { $0.hasSuffix("line three") } }
        let pasted = try session.screen()
        #expect(pasted[20...22].map { String(Self.transcriptPart($0)) }
                == [" line one 第一行", " line two 😀", " line three"])
        #expect(!pasted.contains { $0.hasSuffix("│   line one 第一行") })   // in the input, not sent

        try session.press("C-c")
        try await session.waitFor("the quit hint") { $0.contains { $0.contains("Press Ctrl+C again to quit") } }
        try session.press("C-c")
        let deadline = Date().addingTimeInterval(30)
        while session.isRunning(), Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!session.isRunning())
    }
}
