import Foundation
import Testing
@testable import GLMTerm

/// `pull` appends a `[[models]]` block to config.toml as text: the user's file is kept byte for byte,
/// the name is unique, and the result parses.
@Suite struct ConfigAppendTests {
    let user = """
        # glmchat settings
        theme = "light"          # light at work

        [[models]]
        name = "chat"
        kind = "chat"
        path = "/m/chat.gguf"    # the fast one
        """

    @Test func blockIsAppendedAndTheUsersTextKept() throws {
        let entry = ModelEntry(name: "chat", kind: .chat32k, path: "/data/models/THUDM--chatglm3-6b-32k")
        let (text, outcome) = try ChatConfiguration.appendingModel(entry, to: user, comment: "added by glmchat pull THUDM/chatglm3-6b-32k",
                                                                   path: "config.toml")
        #expect(outcome == .added(name: "chat-2"))
        #expect(text == user + """


            # added by glmchat pull THUDM/chatglm3-6b-32k
            [[models]]
            name = "chat-2"
            kind = "chat-32k"
            path = "/data/models/THUDM--chatglm3-6b-32k"

            """)
        let parsed = try ChatConfiguration.parse(text, path: "config.toml")
        #expect(parsed.theme == "light")
        #expect(parsed.models == [ModelEntry(name: "chat", kind: .chat, path: "/m/chat.gguf"),
                                  ModelEntry(name: "chat-2", kind: .chat32k, path: "/data/models/THUDM--chatglm3-6b-32k")])
    }

    @Test func samePathIsNotAddedTwice() throws {
        let entry = ModelEntry(name: "other", kind: .chat, path: "/m/chat.gguf")
        let (text, outcome) = try ChatConfiguration.appendingModel(entry, to: user, path: "config.toml")
        #expect(outcome == .alreadyListed(name: "chat"))
        #expect(text == user)
    }

    @Test func emptyFileGetsJustTheBlock() throws {
        let (text, outcome) = try ChatConfiguration.appendingModel(ModelEntry(name: "m", kind: .base, path: "/p"), to: "", path: "c.toml")
        #expect(outcome == .added(name: "m"))
        #expect(text == "[[models]]\nname = \"m\"\nkind = \"base\"\npath = \"/p\"\n")
    }

    @Test func awkwardPathsAreQuotedSoTheyReadBackExactly() throws {
        let path = "/data/my \"models\"\\C:\t模型/\u{01}x.gguf"
        let (text, _) = try ChatConfiguration.appendingModel(ModelEntry(name: "m", kind: .chat, path: path), to: "", path: "c.toml")
        #expect(try ChatConfiguration.parse(text, path: "c.toml").models.first?.path.utf8.elementsEqual(path.utf8) == true)
    }

    @Test func aFileThatCannotTakeTheBlockIsLeftAloneWithAnExplanation() throws {
        let entry = ModelEntry(name: "m", kind: .chat, path: "/p")
        // An inline array cannot be extended by a [[models]] table.
        let inline = "models = [{ name = \"a\", kind = \"chat\", path = \"/a\" }]\n"
        #expect(throws: ConfigError.self) { try ChatConfiguration.appendingModel(entry, to: inline, path: "c.toml") }
        do {
            _ = try ChatConfiguration.appendingModel(entry, to: inline, path: "c.toml")
        } catch {
            #expect(error.problem.contains("add this by hand:\n\n[[models]]\nname = \"m\""))
        }
        #expect(throws: ConfigError.self) { try ChatConfiguration.appendingModel(entry, to: "theme = ", path: "c.toml") }
    }

    @Test func appendModelWritesOnlyTheNewBytesAndCreatesAMissingFile() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("glmterm-append-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["XDG_CONFIG_HOME": home.path, "HOME": home.path]
        let entry = ModelEntry(name: "chatglm3-6b", kind: .chat, path: "/data/THUDM--chatglm3-6b")
        let created = try ChatConfiguration.appendModel(entry, comment: "added by glmchat pull THUDM/chatglm3-6b", environment: environment)
        #expect(created.outcome == .added(name: "chatglm3-6b"))
        #expect(created.path == home.appendingPathComponent("glmchat/config.toml").path)
        let afterFirst = try String(contentsOfFile: created.path, encoding: .utf8)
        let second = try ChatConfiguration.appendModel(ModelEntry(name: "chatglm3-6b", kind: .base, path: "/data/base"),
                                                       environment: environment)
        #expect(second.outcome == .added(name: "chatglm3-6b-2"))
        let afterSecond = try String(contentsOfFile: created.path, encoding: .utf8)
        #expect(afterSecond.hasPrefix(afterFirst))
        #expect(try ChatConfiguration.load(environment: environment).models.map(\.name) == ["chatglm3-6b", "chatglm3-6b-2"])
        #expect(try ChatConfiguration.appendModel(entry, environment: environment).outcome == .alreadyListed(name: "chatglm3-6b"))
    }
}
