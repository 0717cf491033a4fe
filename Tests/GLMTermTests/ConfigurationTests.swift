import Foundation
import Testing
@testable import GLMTerm
import GLMEngine

@Suite struct ConfigurationTests {
    @Test func readsModelsThemeAndInitialModel() throws {
        let text = """
        theme = "dark"
        model = "base"

        [[models]]
        name = "chat"
        kind = "chat"
        path = "~/m/chat.gguf"

        [[models]]
        name = "base"
        kind = "base"
        path = "/m/base"
        """
        let configuration = try ChatConfiguration.parse(text, path: "config.toml", home: "/home/u")
        #expect(configuration.theme == "dark")
        #expect(configuration.initialModel == "base")
        #expect(configuration.models == [
            ModelEntry(name: "chat", kind: .chat, path: "/home/u/m/chat.gguf"),
            ModelEntry(name: "base", kind: .base, path: "/m/base"),
        ])
    }

    @Test func mistakesAreNamed() {
        #expect(throws: ConfigError(path: "c.toml", "model 'x': kind 'instruct' is not chat, base or chat-32k")) {
            try ChatConfiguration.parse("[[models]]\nname = \"x\"\nkind = \"instruct\"\npath = \"/p\"\n", path: "c.toml")
        }
        #expect(throws: ConfigError.self) { try ChatConfiguration.parse("[[models]]\nname = \"x\"\nkind = \"chat\"\n", path: "c.toml") }
        #expect(throws: ConfigError.self) { try ChatConfiguration.parse("colour = 1\n", path: "c.toml") }
        #expect(throws: ConfigError.self) { try ChatConfiguration.parse("model = \"nope\"\n", path: "c.toml") }
    }

    @Test func slidePolicyIsReadAndChecked() throws {
        #expect(try ChatConfiguration.parse("slide = \"shift\"\n", path: "c.toml").slide == .shift)
        #expect(try ChatConfiguration.parse("slide = \"exact\"\n", path: "c.toml").slide == .exact)
        #expect(try ChatConfiguration.parse("theme = \"dark\"\n", path: "c.toml").slide == nil)
        #expect(throws: ConfigError(path: "c.toml", "slide must be \"exact\" or \"shift\"")) {
            try ChatConfiguration.parse("slide = \"fast\"\n", path: "c.toml")
        }
    }

    @Test func conversationCacheIsReadAndChecked() throws {
        #expect(try ChatConfiguration.parse("conversation_cache_mb = 512\n", path: "c.toml").conversationCacheMB == 512)
        #expect(try ChatConfiguration.parse("conversation_cache_mb = 0.5\n", path: "c.toml").conversationCacheMB == 0.5)
        #expect(try ChatConfiguration.parse("conversation_cache_mb = 0\n", path: "c.toml").conversationCacheMB == 0)
        #expect(try ChatConfiguration.parse("theme = \"dark\"\n", path: "c.toml").conversationCacheMB == nil)
        for wrong in ["-1", "\"big\"", "2000000", "nan"] {
            #expect(throws: ConfigError(path: "c.toml", "conversation_cache_mb must be a number of MiB from 0 to 1048576")) {
                try ChatConfiguration.parse("conversation_cache_mb = \(wrong)\n", path: "c.toml")
            }
        }
    }

    @Test func modelWindowIsReadAndChecked() throws {
        let entry = "[[models]]\nname = \"c\"\nkind = \"chat-32k\"\npath = \"/m\"\n"
        #expect(try ChatConfiguration.parse(entry, path: "c.toml").models.first?.contextSize == nil)
        #expect(try ChatConfiguration.parse(entry + "ctx_size = 4096\n", path: "c.toml").models.first?.contextSize == 4096)
        let message = "model 'c': ctx_size must be a whole number of tokens, at least 64"
        for bad in ["ctx_size = 8", "ctx_size = \"4096\"", "ctx_size = 40.5", "ctx_size = -1"] {
            #expect(throws: ConfigError(path: "c.toml", message)) { try ChatConfiguration.parse(entry + bad + "\n", path: "c.toml") }
        }
    }

    @Test func modelSpeculationIsReadAndChecked() throws {
        let entry = "[[models]]\nname = \"c\"\nkind = \"chat\"\npath = \"/m\"\n"
        #expect(try ChatConfiguration.parse(entry, path: "c.toml").models.first?.speculate == nil)
        #expect(try ChatConfiguration.parse(entry + "speculate = \"ngram\"\n", path: "c.toml").models.first?.speculate == .ngram)
        #expect(try ChatConfiguration.parse(entry + "speculate = \"off\"\n", path: "c.toml").models.first?.speculate == .off)
        for bad in ["speculate = \"fast\"", "speculate = 1"] {
            #expect(throws: ConfigError(path: "c.toml", "model 'c': speculate must be \"ngram\" or \"off\"")) {
                try ChatConfiguration.parse(entry + bad + "\n", path: "c.toml")
            }
        }
    }

    @Test func modelCacheTypeIsReadAndChecked() throws {
        let entry = "[[models]]\nname = \"c\"\nkind = \"chat\"\npath = \"/m\"\n"
        #expect(try ChatConfiguration.parse(entry, path: "c.toml").models.first?.cacheType == nil)
        #expect(try ChatConfiguration.parse(entry + "cache_type = \"q8_0\"\n", path: "c.toml").models.first?.cacheType == .q8_0)
        #expect(try ChatConfiguration.parse(entry + "cache_type = \"f16\"\n", path: "c.toml").models.first?.cacheType == .f16)
        for bad in ["cache_type = \"q4_0\"", "cache_type = \"Q8_0\"", "cache_type = 8"] {
            #expect(throws: ConfigError(path: "c.toml", "model 'c': cache_type must be \"f16\" or \"q8_0\"")) {
                try ChatConfiguration.parse(entry + bad + "\n", path: "c.toml")
            }
        }
        let remote = "[[models]]\nname = \"r\"\nkind = \"chat\"\nbackend = \"openai\"\nurl = \"http://h/v1\"\nmodel = \"m\"\ncache_type = \"q8_0\"\n"
        #expect(throws: ConfigError.self) { try ChatConfiguration.parse(remote, path: "c.toml") }
    }

    @Test func commandLineModelIsAddedFirst() {
        var configuration = ChatConfiguration(models: [ModelEntry(name: "chat", kind: .chat, path: "/a")])
        configuration.addModel(path: "/models/chatglm3-6b-32k-q4_0.gguf")
        #expect(configuration.models.first == ModelEntry(name: "chatglm3-6b-32k-q4_0", kind: .chat32k, path: "/models/chatglm3-6b-32k-q4_0.gguf"))
        #expect(configuration.initialModel == "chatglm3-6b-32k-q4_0")
    }

    @Test func aModelMayNameItsTokenizerAndItsSampling() throws {
        let text = """
        [[models]]
        name = "ggml"
        kind = "chat"
        path = "/m/llamacpp.gguf"
        tokenizer = "~/m/tokenizer.model"
        temperature = 0.6
        top_k = 40
        seed = 7
        """
        let entry = try #require(try ChatConfiguration.parse(text, path: "c.toml", home: "/home/u").models.first)
        #expect(entry.tokenizer == "/home/u/m/tokenizer.model")
        #expect(entry.sampling.temperature == 0.6 && entry.sampling.topK == 40 && entry.sampling.seed == 7)
        #expect(entry.sampling.topP == SamplingSettings.default.topP)
        #expect(throws: ConfigError.self) { try ChatConfiguration.parse(text + "\ntemperature = -1\n", path: "c.toml") }
        #expect(throws: ConfigError.self) { try ChatConfiguration.parse(text.replacingOccurrences(of: "seed = 7", with: "seed = \"x\""), path: "c.toml") }
    }

    @Test func tokenizerOnTheCommandLineGoesToTheModelsThatNeedIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmterm-config-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("glmchat"), withIntermediateDirectories: true)
        try "[[models]]\nname = \"a\"\nkind = \"chat\"\npath = \"/m/a.gguf\"\n[[models]]\nname = \"b\"\nkind = \"chat\"\npath = \"/m/b.gguf\"\ntokenizer = \"/own.model\"\n"
            .write(to: directory.appendingPathComponent("glmchat/config.toml"), atomically: true, encoding: .utf8)
        let environment = ["XDG_CONFIG_HOME": directory.path]
        let configured = try ChatLaunchOptions(tokenizerPath: "/t.model", environment: environment).configuration()
        #expect(configured.models.map(\.tokenizer) == ["/t.model", "/own.model"])
        let added = try ChatLaunchOptions(modelPaths: ["/m/c.gguf"], tokenizerPath: "/t.model", environment: environment).configuration()
        #expect(added.models.map(\.tokenizer) == ["/t.model", nil, "/own.model"])
    }

    @Test func keysAreViOrDefaultAndActionsCanBeMoved() throws {
        let configuration = try ChatConfiguration.parse("keys = \"vi\"\n[bind]\ncopy = \"ctrl+o\"\nnew_session = [\"ctrl+n\", \"f4\"]\n", path: "c.toml")
        #expect(configuration.keyMap.style == .vi)
        #expect(configuration.keyMap.action(for: .control("o")) == .copy)
        #expect(configuration.keyMap.action(for: .control("y")) == nil)
        #expect(configuration.keyMap.action(for: .function(4)) == .newSession)
        #expect(KeyBindings.list(for: configuration.keyMap).contains { $0.keys == "Ctrl+O, /copy" })
        #expect(throws: ConfigError.self) { try ChatConfiguration.parse("keys = \"emacs\"\n", path: "c.toml") }
        #expect(throws: ConfigError.self) { try ChatConfiguration.parse("[bind]\ncopy = \"ctrl+m\"\n", path: "c.toml") }
        #expect(throws: ConfigError.self) { try ChatConfiguration.parse("[bind]\nfly = \"f4\"\n", path: "c.toml") }
    }

    @Test func configDirectoryFollowsXDG() {
        #expect(ChatConfiguration.directory(environment: ["XDG_CONFIG_HOME": "/x"]).path == "/x/glmchat")
        #expect(ChatConfiguration.directory(environment: ["HOME": "/h"]).path == "/h/.config/glmchat")
    }
}
