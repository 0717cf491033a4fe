import Foundation
import Testing
@testable import GLMTerm

/// The app in tmux with a `backend = "openai"` model pointing at a real `glmchat serve` (a scripted
/// model whose answer streams slowly): the answer streams, Esc stops it, and killing the server
/// mid-answer keeps the text and says what happened, on screen and in the session.
@Suite(.serialized) struct TmuxRemoteEndToEndTests {
    /// `glmchat serve --scripted` on a free port, its log in a file.
    final class ServeProcess {
        let pid: pid_t
        let log: URL
        private(set) var address = ""

        init(script: URL, in directory: URL) async throws {
            log = directory.appendingPathComponent("serve.log")
            let argv = [try #require(TmuxEndToEndTests.binary), "serve", "--scripted", script.path, "--port", "0"]
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            var cArguments = argv.map { strdup($0) } + [nil]
            defer { cArguments.forEach { free($0) } }
            var child: pid_t = 0
            let status = posix_spawn(&child, argv[0], &actions, nil, &cArguments, environ)
            guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO) }
            pid = child
            for _ in 0..<600 {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if let range = text.range(of: "listening on ") {
                    address = String(text[range.upperBound...].prefix { !$0.isWhitespace })
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            kill()
            Issue.record("glmchat serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }

        /// SIGKILL: the server is gone at once, mid-answer, as when its machine drops off.
        func kill() {
            _ = Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
    }

    static let reply = "\n " + String(repeating: "Paris is mild today. ", count: 150)

    @Test(.enabled(if: TmuxEndToEndTests.required, "needs tmux and a built glmchat"))
    func aRemoteAnswerStreamsStopsAndSurvivesTheServerDying() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-remote-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let script = work.appendingPathComponent("script.json")
        let scriptJSON: [String: Any] = ["name": "scripted-glm", "kind": "chat", "replies": [Self.reply], "pace_ms": 40]
        try JSONSerialization.data(withJSONObject: scriptJSON).write(to: script)
        let server = try await ServeProcess(script: script, in: work)
        var serverRunning = true
        defer { if serverRunning { server.kill() } }
        let url = server.address + "/v1"

        let session = try TmuxEndToEndTests.Session(columns: 120, rows: 30, arguments: "") { folder in
            let directory = folder.appendingPathComponent("glmchat")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try """
                [[models]]
                name = "team-glm"
                kind = "chat"
                backend = "openai"
                url = "\(url)"
                model = "scripted-glm"
                """.write(to: directory.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        }
        try await session.waitFor("the remote model", seconds: 60) { screen in
            screen.contains { $0.contains("scripted-glm@") && $0.contains("remote") && $0.hasSuffix("idle") }
        }

        // An answer streams, and Esc stops it (the HTTP request is cancelled).
        try session.type("Hello")
        try session.press("Enter")
        try await session.waitFor("the answer to stream", seconds: 60) { screen in
            screen.contains { $0.contains("generating") } && screen.contains { $0.contains("Paris is mild today.") }
        }
        try session.press("Escape")
        try await session.waitFor("the stop mark") { $0.contains { $0.contains("[stopped]") } }
        try await session.waitFor("idle after the stop") { $0.contains { $0.hasSuffix("idle") } }

        // The server dies mid-answer: the text so far stays, and the app says what happened.
        try session.type("Again")
        try session.press("Enter")
        // the second answer's own text, below the question: the first answer's rows hold the same words
        try await session.waitFor("the second answer to stream", seconds: 60) { screen in
            guard screen.contains(where: { $0.contains("generating") }),
                  let question = screen.lastIndex(where: { $0.contains("Again") }) else { return false }
            return screen[(question + 1)...].contains { $0.contains("Paris is mild today.") }
        }
        server.kill()
        serverRunning = false
        try await session.waitFor("the failure", seconds: 60) { screen in
            screen.contains { $0.contains("[failed]") } && screen.contains { $0.contains("The answer failed") }
        }
        let failed = try session.screen()
        let failedRow = try #require(failed.lastIndex { $0.contains("[failed]") })
        #expect(failed[(failedRow + 1)...].contains { $0.contains("Paris is mild today.") }, "the partial answer is kept:\n\(failed.joined(separator: "\n"))")

        try session.press("C-c")
        try session.press("C-c")

        // The session records which backend answered, the partial text and why it ended.
        let cli = ["/usr/bin/env", "XDG_DATA_HOME=\(session.config.path)", try #require(TmuxEndToEndTests.binary), "sessions"]
        let listed = try TmuxEndToEndTests.output(of: cli + ["list", "--json"])
        let sessions = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]])
        let id = try #require(sessions.first?["id"] as? String)
        let shown = try TmuxEndToEndTests.output(of: cli + ["show", id, "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])
        let answers = (document["messages"] as? [[String: Any]] ?? []).filter { $0["role"] as? String == "assistant" }
        try #require(answers.count == 2)
        #expect(answers[0]["state"] as? String == "stopped")
        #expect(answers[1]["state"] as? String == "failed")
        #expect((answers[1]["content"] as? String ?? "").hasPrefix("Paris is mild today."))
        #expect((answers[1]["error"] as? String ?? "").contains("the text so far is kept"))
        for answer in answers { #expect(answer["model"] as? String == "scripted-glm@" + url) }
    }
}
