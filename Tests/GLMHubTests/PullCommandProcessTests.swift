import Foundation
import GLMTestSupport
import GLMTerm
import Testing

/// The built `glmchat` as a user runs it: `pull` against the hub stand-in (HF_ENDPOINT, HF_TOKEN),
/// config.toml gaining the model with the user's text intact, `models` listing it, and a cut
/// download that the same command resumes.
@Suite struct PullCommandProcessTests {
    /// glmchat is built next to the test bundle.
    static let binary: String? = BuiltProgram.glmchat

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs glmchat with `environment` only (plus PATH), output through files.
    static func run(_ arguments: [String], environment: [String: String]) throws -> Run {
        let binary = try #require(binary, "glmchat is built by `swift build --build-tests`")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-out-\(UUID().uuidString)")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-err-\(UUID().uuidString)")
        try Data().write(to: outURL)
        try Data().write(to: errURL)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Run(status: process.terminationStatus,
                   stdout: try String(contentsOf: outURL, encoding: .utf8),
                   stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    @Test func pullAddsTheModelToConfigAndModelsListsIt() throws {
        let hub = try #require(FakeHub.shared)
        let home = try TemporaryFolder()
        defer { home.remove() }
        let configDirectory = home.url.appendingPathComponent("config/glmchat")
        try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
        let original = """
            # my models; keep this comment
            theme = "dark"   # and this one

            [[models]]
            name = "chatglm3-6b"
            kind = "chat"
            path = "/elsewhere/chatglm3-6b-q4_0.gguf"
            """
        try original.write(to: configDirectory.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let environment = ["HOME": home.url.path, "XDG_CONFIG_HOME": home.url.appendingPathComponent("config").path,
                           "GLMCHAT_DATA_DIR": home.url.appendingPathComponent("data").path,
                           "HF_ENDPOINT": hub.endpoint, "HF_TOKEN": hub.token]

        let pulled = try Self.run(["pull", "cli-owner/chatglm3-6b"], environment: environment)
        #expect(pulled.status == 0, "stderr: \(pulled.stderr)")
        #expect(!pulled.stderr.contains(hub.token) && !pulled.stdout.contains(hub.token), "the token is never printed")
        #expect(pulled.stderr.contains("model-00002-of-00002.safetensors: verified"))
        #expect(pulled.stderr.contains("as \"chatglm3-6b-2\" (chat)"))

        let configPath = configDirectory.appendingPathComponent("config.toml").path
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        #expect(text.hasPrefix(original), "the user's text is kept byte for byte")
        let folder = home.url.appendingPathComponent("data/models/cli-owner--chatglm3-6b").path
        let configuration = try ChatConfiguration.parse(text, path: configPath)
        #expect(configuration.theme == "dark")
        #expect(configuration.models.map(\.name) == ["chatglm3-6b", "chatglm3-6b-2"])
        #expect(configuration.models.last == ModelEntry(name: "chatglm3-6b-2", kind: .chat, path: folder))

        let again = try Self.run(["pull", "cli-owner/chatglm3-6b"], environment: environment)
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stderr.contains("already in \(configPath) as \"chatglm3-6b-2\""))
        #expect(try String(contentsOfFile: configPath, encoding: .utf8) == text)

        let listed = try Self.run(["models", "--json"], environment: environment)
        #expect(listed.status == 0, "stderr: \(listed.stderr)")
        struct Row: Decodable, Equatable {
            let name: String?
            let kind: String
            let path: String
            let bytes: Int64?
            let inConfig: Bool
            let complete: Bool
            let repository: String?
            let resume: String?
        }
        let rows = try JSONDecoder().decode([Row].self, from: Data(listed.stdout.utf8))
        #expect(rows.count == 2)
        #expect(rows.first == Row(name: "chatglm3-6b", kind: "chat", path: "/elsewhere/chatglm3-6b-q4_0.gguf", bytes: nil,
                                  inConfig: true, complete: false, repository: nil, resume: nil))
        let shardIndexSize = try FileManager.default.attributesOfItem(atPath: folder + "/model.safetensors.index.json")[.size] as? Int64
        let manifestSize = try FileManager.default.attributesOfItem(atPath: folder + "/.glmchat-pull.json")[.size] as? Int64
        let expectedBytes = 263 + 40_000 + 250_000 + 250_001 + (shardIndexSize ?? 0) + (manifestSize ?? 0)
        #expect(rows.last == Row(name: "chatglm3-6b-2", kind: "chat", path: folder, bytes: expectedBytes,
                                 inConfig: true, complete: true, repository: "cli-owner/chatglm3-6b", resume: nil))

        let table = try Self.run(["models"], environment: environment)
        #expect(table.stdout.contains("chatglm3-6b-2  chat"))
        #expect(table.stdout.contains("/elsewhere/chatglm3-6b-q4_0.gguf  (missing)"))
    }

    @Test func cutDownloadFailsWithAHintAndTheSameCommandFinishesIt() throws {
        let hub = try #require(FakeHub.shared)
        let home = try TemporaryFolder()
        defer { home.remove() }
        let environment = ["HOME": home.url.path, "XDG_CONFIG_HOME": home.url.appendingPathComponent("config").path,
                           "GLMCHAT_DATA_DIR": home.url.appendingPathComponent("data").path, "HF_ENDPOINT": hub.endpoint]
        let first = try Self.run(["pull", "clicut-owner/cut"], environment: environment)
        #expect(first.status == 1)
        #expect(first.stderr.contains("the partial file is kept: run the same command again to resume"), "stderr: \(first.stderr)")

        let listed = try Self.run(["models"], environment: environment)
        #expect(listed.stdout.contains("(incomplete, not in config.toml)"), "stdout: \(listed.stdout)")
        #expect(listed.stdout.contains("is incomplete; resume it with: glmchat pull clicut-owner/cut cut.Q4_0.gguf"))

        let second = try Self.run(["pull", "clicut-owner/cut"], environment: environment)
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(second.stderr.contains("cut.Q4_0.gguf: resuming at "), "stderr: \(second.stderr)")
        #expect(second.stderr.contains("cut.Q4_0.gguf: verified"))
        let configPath = home.url.appendingPathComponent("config/glmchat/config.toml").path
        let configuration = try ChatConfiguration.parse(try String(contentsOfFile: configPath, encoding: .utf8), path: configPath)
        #expect(configuration.models == [ModelEntry(name: "cut.Q4_0", kind: .chat,
                                                    path: home.url.appendingPathComponent("data/models/clicut-owner--cut/cut.Q4_0.gguf").path)])
    }
}
