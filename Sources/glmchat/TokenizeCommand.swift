import ArgumentParser
import GLMEngine

/// `glmchat tokenize`: prints the prompt ids the engine would feed the model, as one JSON line.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a plain prompt or a chat prompt as a JSON array.",
        discussion: """
            --text gives [gMASK] sop followed by the text. --messages reads a JSON array of \
            {"role", "content", "metadata"?, "tools"?} objects (role: system, user, assistant or \
            observation; tools only on system messages); the last one is the new message, and the \
            prompt ends with <|assistant|>.
            """
    )

    @Option(name: .long, help: "Path to the SentencePiece tokenizer.model.")
    var tokenizer: String

    @Option(name: .long, help: "Plain text to tokenize.")
    var text: String?

    @Option(name: .long, help: "JSON file with the conversation; its last message is the new one.")
    var messages: String?

    func run() throws {
        let ids: [Int32]
        switch (text, messages) {
        case let (text?, nil):
            ids = try Tokenizer(modelPath: tokenizer).encodePlain(text)
        case let (nil, path?):
            let model = try Tokenizer(modelPath: tokenizer)
            let conversation = try Self.readMessages(path: path)
            guard !conversation.messages.isEmpty else {
                throw GLMError(.badValue, path: path, "the message list is empty; its last message is the new one")
            }
            ids = model.encodeChat(conversation)
        default:
            throw GLMError(.badValue, "give exactly one of --text or --messages")
        }
        print("[" + ids.map(String.init).joined(separator: ", ") + "]")
    }

    /// Reads the conversation file; tool keys keep their order.
    static func readMessages(path: String) throws -> Conversation {
        let file = try MappedFile(path: path)
        let bytes = file.size == 0 ? [] : Array(try file.bytes(0..<file.size, what: "the messages"))
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw GLMError(.badFormat, path: path, "the file is not valid UTF-8")
        }
        return try Conversation.fromJSON(text, source: path)
    }
}
