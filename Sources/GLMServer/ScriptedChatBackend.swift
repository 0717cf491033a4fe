import Foundation
import GLMEngine

/// A model that answers from a script (`glmchat serve --scripted FILE`): each answer is the next raw
/// reply of the file, as the model would write it (a metadata line, content, later segments after
/// `<|assistant|>`), streamed a few characters at a time through the same reply splitting as the
/// engine. For trying a client's handling of tool calls and errors without a model.
///
/// The file is JSON: `{"name": "NAME", "kind": "chat", "replies": ["reply", ...], "pace_ms": 0}`;
/// `pace_ms` waits that long before each piece (an answer slow enough to interrupt).
public final class ScriptedChatBackend: ChatBackend, @unchecked Sendable {
    public let info: ModelInfo
    public var stopTokenIDs: [Int32] { [] }
    private let lock = NSLock()
    private let replies: [String]
    private let pace: Duration
    private var next = 0

    public init(name: String, kind: ModelKind, replies: [String], pace: Duration = .zero) {
        info = ModelInfo(name: name, kind: kind, quantization: "scripted", contextWindow: kind.trainedWindow)
        self.replies = replies
        self.pace = pace
    }

    /// Reads a script file; errors name the file and the field.
    public static func load(path: String) throws -> ScriptedChatBackend {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw GLMError(.unreadable, path: path, "cannot read the script: \(error.localizedDescription)")
        }
        let script = try JSONValue.parse(bytes: data, source: path)
        guard let items = script["replies"]?.arrayValue, !items.isEmpty else {
            throw GLMError(.badFormat, path: path, "\"replies\" must be a non-empty array of strings")
        }
        let replies = try items.map { item -> String in
            guard let text = item.stringValue else { throw GLMError(.badFormat, path: path, "every reply must be a string") }
            return text
        }
        let kindName = script["kind"]?.stringValue ?? ModelKind.chat.rawValue
        guard let kind = ModelKind.allCases.first(where: { $0.rawValue.isByteEqual(to: kindName) }) else {
            throw GLMError(.badFormat, path: path, "\"kind\" must be chat, base or chat-32k")
        }
        var pace = Duration.zero
        if let value = script["pace_ms"] {
            guard case .int(let milliseconds) = value, (0...60_000).contains(milliseconds) else {
                throw GLMError(.badFormat, path: path, "\"pace_ms\" must be a whole number of milliseconds from 0 to 60000")
            }
            pace = .milliseconds(milliseconds)
        }
        return ScriptedChatBackend(name: script["name"]?.stringValue ?? "scripted", kind: kind, replies: replies, pace: pace)
    }

    public func reply(to conversation: Conversation, settings: ReplySettings,
                      onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let raw = lock.withLock {
            defer { next += 1 }
            return replies[next % replies.count]
        }
        var stats = GenerationStats()
        stats.promptTokens = conversation.messages.reduce(0) { $0 + $1.content.unicodeScalars.count }
        stats.contextWindow = info.contextWindow
        var splitter = ReplySplitter()
        let pieces = Self.pieces(raw)
        for piece in pieces {
            if pace > .zero { try? await Task.sleep(for: pace) }
            if Task.isCancelled { return (.cancelled, stats) }
            if let limit = settings.maxTokens, stats.generatedTokens >= limit { return (.maxTokens, stats) }
            stats.generatedTokens += 1
            guard info.kind.usesChatFormat else {
                onEvent(.text(piece))
                continue
            }
            let hadMetadata = splitter.metadataComplete
            let content = splitter.feed(piece)
            if !hadMetadata, splitter.metadataComplete, !splitter.metadata.isEmpty { onEvent(.metadata(splitter.metadata)) }
            if !content.isEmpty { onEvent(.text(content)) }
            await Task.yield()
        }
        if info.kind.usesChatFormat {
            let rest = splitter.finish()
            if !rest.isEmpty { onEvent(.text(rest)) }
        }
        return (.stopToken(2), stats)
    }

    /// Pieces of up to four characters; an `<|assistant|>` header is one piece, as the engine sends it.
    static func pieces(_ text: String) -> [String] {
        var pieces: [String] = []
        for (index, part) in ToolCallParser.split(text, at: ToolCallParser.segmentHeader).enumerated() {
            if index > 0 { pieces.append(ToolCallParser.segmentHeader) }
            var current = ""
            for character in part {
                current.append(character)
                if current.count == 4 {
                    pieces.append(current)
                    current = ""
                }
            }
            if !current.isEmpty { pieces.append(current) }
        }
        return pieces
    }
}
