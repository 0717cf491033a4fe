import Foundation
@testable import GLMEngine

/// Fixture files and tokenizers shared by the tokenizer tests (loaded once).
enum TokenizerFixtures {
    static let directory: URL = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("the test bundle has no Fixtures directory")
        }
        return url
    }()

    static func path(_ relative: String) -> String {
        directory.appendingPathComponent(relative).path
    }

    static func json(_ relative: String) throws -> JSONValue {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        return try JSONValue.parse(String(decoding: data, as: UTF8.self), source: relative)
    }

    private static let realResult = Result { try Tokenizer(modelPath: path("real-tokenizer/tokenizer.model")) }
    private static let tinyResult = Result { try Tokenizer(modelPath: path("tiny-chatglm3/tokenizer.model")) }
    private static let realExpectedResult = Result { try json("real-tokenizer/expected_tokens.json") }
    private static let tinyExpectedResult = Result { try json("tiny-chatglm3/expected.json") }

    /// The real ChatGLM3 tokenizer.model and its expected ids.
    static func real() throws -> Tokenizer { try realResult.get() }
    static func realExpected() throws -> JSONValue { try realExpectedResult.get() }
    /// The 1000-piece tokenizer of the tiny model and the tiny model's oracle cases.
    static func tiny() throws -> Tokenizer { try tinyResult.get() }
    static func tinyExpected() throws -> JSONValue { try tinyExpectedResult.get() }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

extension JSONValue {
    /// Fixture ids (`[1, 2, 3]`) as Int32.
    func ids() throws -> [Int32] {
        guard let items = arrayValue else { throw FixtureError(description: "expected an id array") }
        return try items.map {
            guard case .int(let value) = $0, let id = Int32(exactly: value) else {
                throw FixtureError(description: "expected an integer id, got \($0)")
            }
            return id
        }
    }

    func string() throws -> String {
        guard let text = stringValue else { throw FixtureError(description: "expected a string, got \(self)") }
        return text
    }

    func field(_ key: String) throws -> JSONValue {
        guard let value = self[key] else { throw FixtureError(description: "fixture has no \"\(key)\"") }
        return value
    }

    /// A fixture conversation message (`{"role", "content", "metadata"?}`).
    func chatMessage() throws -> Message {
        let name = try field("role").string()
        guard let role = Role.allCases.first(where: { $0.rawValue == name }) else {
            throw FixtureError(description: "unknown role in \(self)")
        }
        return Message(sessionID: .unsaved, role: role, content: try field("content").string(),
                       metadata: try self["metadata"]?.string() ?? "")
    }

    /// A fixture chat (`history` with tools on its leading system message, then `role` + `query`).
    func chatConversation() throws -> Conversation {
        let history = try (field("history").arrayValue ?? [])
        let next = JSONValue.object([("role", try field("role")), ("content", try field("query"))])
        return Conversation(messages: try (history + [next]).map { try $0.chatMessage() }, tools: history.first?["tools"])
    }
}

/// Runs `ids` through a fresh streaming detokenizer, returning every chunk (finish() last).
func streamChunks(_ tokenizer: Tokenizer, _ ids: [Int32], showSpecialTokens: Bool = false) -> [String] {
    var detokenizer = StreamingDetokenizer(tokenizer: tokenizer, showSpecialTokens: showSpecialTokens)
    return ids.map { detokenizer.append($0) } + [detokenizer.finish()]
}
