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

    @Test func modelWindowIsReadAndChecked() throws {
        let entry = "[[models]]\nname = \"c\"\nkind = \"chat-32k\"\npath = \"/m\"\n"
        #expect(try ChatConfiguration.parse(entry, path: "c.toml").models.first?.contextSize == nil)
        #expect(try ChatConfiguration.parse(entry + "ctx_size = 4096\n", path: "c.toml").models.first?.contextSize == 4096)
        let message = "model 'c': ctx_size must be a whole number of tokens, at least 64"
        for bad in ["ctx_size = 8", "ctx_size = \"4096\"", "ctx_size = 40.5", "ctx_size = -1"] {
            #expect(throws: ConfigError(path: "c.toml", message)) { try ChatConfiguration.parse(entry + bad + "\n", path: "c.toml") }
        }
    }

    @Test func commandLineModelIsAddedFirst() {
        var configuration = ChatConfiguration(models: [ModelEntry(name: "chat", kind: .chat, path: "/a")])
        configuration.addModel(path: "/models/chatglm3-6b-32k-q4_0.gguf")
        #expect(configuration.models.first == ModelEntry(name: "chatglm3-6b-32k-q4_0", kind: .chat32k, path: "/models/chatglm3-6b-32k-q4_0.gguf"))
        #expect(configuration.initialModel == "chatglm3-6b-32k-q4_0")
    }

    @Test func configDirectoryFollowsXDG() {
        #expect(ChatConfiguration.directory(environment: ["XDG_CONFIG_HOME": "/x"]).path == "/x/glmchat")
        #expect(ChatConfiguration.directory(environment: ["HOME": "/h"]).path == "/h/.config/glmchat")
    }
}
