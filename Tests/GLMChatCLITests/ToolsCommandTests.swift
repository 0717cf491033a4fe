import Foundation
import Testing

/// `glmchat tools parse|list` and `glmchat run --tools`, run as a user would.
@Suite(.enabled(if: CLI.isBuilt, "needs the glmchat binary built next to the tests"))
struct ToolsCommandTests {
    static let tiny = CLI.fixtures.appendingPathComponent("tiny-chatglm3").path
    static let tinyTokenizer = CLI.fixtures.appendingPathComponent("tiny-chatglm3/tokenizer.model").path

    @Test func parsePrintsSegmentsAndCalls() throws {
        let reply = "\nLet me check.<|assistant|>get_weather\n```python\ntool_call(city=\"北京\", unit='celsius', days=[1, 2.5, None, True])\n```"
        let result = try CLI.run(["tools", "parse", "--text", reply])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text == #"{"segments": [{"metadata": "", "content": "Let me check."}, {"metadata": "get_weather", "content": "```python\ntool_call(city=\"北京\", unit='celsius', days=[1, 2.5, None, True])\n```"}], "tool_calls": [{"name": "get_weather", "arguments": {"city": "北京", "unit": "celsius", "days": [1, 2.5, null, true]}}], "error": null}"# + "\n")
    }

    @Test func parseRefusesCodeAndExitsNonZero() throws {
        let result = try CLI.run(["tools", "parse", "--text", "t\n```python\ntool_call(a=__import__('os').system('touch /tmp/x'))\n```"])
        #expect(result.status == 1)
        let object = try #require(try CLI.json(result) as? [String: Any])
        #expect((object["tool_calls"] as? [Any])?.isEmpty == true)
        #expect((object["error"] as? String)?.contains("a call (`__import__(`)") == true)
    }

    @Test func parseReadsStdin() throws {
        let glmchat = try #require(CLI.binary)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: glmchat)
        process.arguments = ["tools", "parse"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("interpreter\n```python\nprint('hi')\n```".utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let calls = try #require(object["tool_calls"] as? [[String: Any]])
        #expect(calls.first?["name"] as? String == "interpreter")
        #expect((calls.first?["arguments"] as? [String: String])?["code"] == "print('hi')")
    }

    @Test func listShowsCommandToolsAndABrokenServersError() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/glmchat", withIntermediateDirectories: true)
        let config = """
            max_tool_rounds = 3

            [[tools]]
            name = "get_weather"
            description = "The weather of a city"
            command = ["cat"]
            auto = true
            parameters = '{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}'

            [[mcp_servers]]
            name = "broken"
            command = ["/bin/sh", "-c", "echo cannot start >&2; exit 2"]
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: directory + "/glmchat/config.toml"))
        let result = try CLI.run(["tools", "list"], environment: ["XDG_CONFIG_HOME": directory])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text.contains("command tools (config.toml):\n  get_weather [auto] — The weather of a city"))
        #expect(result.text.contains("MCP server broken:\n  error: MCP server broken did not start: exited with status 2: cannot start"))
        #expect(result.text.contains("max_tool_rounds: 3"))
    }

    /// The interpreter's state, never a made-up folder: without bubblewrap in PATH it is missing,
    /// `unsandboxed = true` says so, and with bubblewrap it is available.
    @Test func listShowsTheInterpretersStateWithoutAFolder() throws {
        let directory = try CLI.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/glmchat", withIntermediateDirectories: true)
        let python = try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let config = URL(fileURLWithPath: directory + "/glmchat/config.toml")
        try Data("[interpreter]\npython = \"\(python)\"\n".utf8).write(to: config)
        let missing = try CLI.run(["tools", "list"], environment: ["XDG_CONFIG_HOME": directory, "PATH": "/nonexistent-glmchat"])
        #expect(missing.status == 0, "\(missing.stderr)")
        #expect(missing.text.contains("interpreter: bubblewrap missing: code cannot run. Install it: `sudo apt install bubblewrap`"))
        #expect(!missing.text.contains("/mnt/data ="))
        let json = try CLI.run(["tools", "list", "--json"], environment: ["XDG_CONFIG_HOME": directory, "PATH": "/nonexistent-glmchat"])
        let object = try #require(try CLI.json(json) as? [String: Any])
        #expect((object["interpreter"] as? [String: Any])?["state"] as? String == "bubblewrap-missing")

        try Data("[interpreter]\npython = \"\(python)\"\nunsandboxed = true\n".utf8).write(to: config)
        let unsandboxed = try CLI.run(["tools", "list"], environment: ["XDG_CONFIG_HOME": directory, "PATH": "/nonexistent-glmchat"])
        #expect(unsandboxed.text.contains("interpreter: UNSANDBOXED by config (interpreter.unsandboxed = true): \(python)"))

        if let bwrap = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            try Data("[interpreter]\npython = \"\(python)\"\n".utf8).write(to: config)
            let available = try CLI.run(["tools", "list"], environment: ["XDG_CONFIG_HOME": directory])
            #expect(available.text.contains("interpreter: available: sandboxed by bubblewrap (\(bwrap)), \(python)"), "\(available.text)")
            #expect(!available.text.contains("glmchat-interpreter-"))
        }
    }

    @Test func runWithToolsOffersThemAndAnswers() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tools = #"[{"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]"#
        try Data(tools.utf8).write(to: URL(fileURLWithPath: directory + "/tools.json"))
        let result = try CLI.run(["run", "--model", Self.tiny, "--type", "f32", "--tools", directory + "/tools.json",
                                  "--approve", "all", "--seed", "7", "--max-tokens", "8", "--verbose", "Weather?"],
                                 environment: ["XDG_CONFIG_HOME": directory])
        #expect(result.status == 0, "\(result.stderr)")
        // The prompt held the tool list: its length is that of the original builder's ids.
        let messages = """
            [{"role": "system", "content": "Answer the following questions as best as you can. You have access to the following tools:", \
            "tools": [{"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]},
             {"role": "user", "content": "Weather?"}]
            """
        try Data(messages.utf8).write(to: URL(fileURLWithPath: directory + "/messages.json"))
        let ids = try CLI.run(["tokenize", "--tokenizer", Self.tinyTokenizer, "--messages", directory + "/messages.json"])
        let count = try #require(try CLI.json(ids) as? [Int]).count
        #expect(result.stderr.contains("prompt \(count) tokens"), "\(result.stderr)")
    }

    @Test func askNeedsATerminal() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(#"[{"name": "t", "description": "", "parameters": {}}]"#.utf8).write(to: URL(fileURLWithPath: directory + "/tools.json"))
        // setsid: no controlling terminal, as in CI, whatever runs the tests.
        let glmchat = try #require(CLI.binary)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = ["--wait", glmchat, "run", "--model", Self.tiny, "--type", "f32", "--tools", directory + "/tools.json",
                             "--max-tokens", "2", "Hi"]
        process.environment = ProcessInfo.processInfo.environment.merging(["XDG_CONFIG_HOME": directory]) { $1 }
        let errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(stderr.contains("--approve ask needs a terminal"), "\(stderr)")
    }

    @Test func theBaseModelTakesNoTools() throws {
        let result = try CLI.run(["run", "--model", Self.tiny, "--base", "--tools", "/dev/null", "--approve", "all", "Hi"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("the base model has no chat format and takes no tools"))
    }
}
