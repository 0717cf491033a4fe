/// A stand-in model for tests and demos: it "loads" in steps and answers with canned text
/// (English, Chinese, emoji, a code block) in small pieces with a delay, honouring cancellation
/// before every piece like the real engine.
@MainActor
public final class DemoChatService: ChatService {
    public var replies: [String]
    public var pieceDelay: Duration
    public var loadSteps: Int
    public var loadStepDelay: Duration
    /// Models (by name) that fail to load, with the reason.
    public var loadFailures: [String: String]
    public private(set) var requests: [GenerationRequest] = []
    private var running: Task<Void, Never>?
    private var replyIndex = 0

    public static let defaultReplies = [
        "Hello! 你好！I am a demo model. 😀👍🏽\n\n## Example\n\nHere is **bold**, `inline code` and a list:\n\n- 第一项 first\n- 第二项 second\n\n```swift\nlet greeting = \"你好, world\"\nprint(greeting)\n```\n\nThat is all. 完。",
        "这是第二个回答。It mixes 中文 and English words, with emoji 🇨🇳 ❤️ 👨‍👩‍👧 and a long line that should wrap nicely at spaces when the terminal is narrow.",
    ]

    public init(replies: [String] = DemoChatService.defaultReplies, pieceDelay: Duration = .milliseconds(30),
                loadSteps: Int = 5, loadStepDelay: Duration = .milliseconds(60),
                loadFailures: [String: String] = [:]) {
        self.replies = replies
        self.pieceDelay = pieceDelay
        self.loadSteps = max(1, loadSteps)
        self.loadStepDelay = loadStepDelay
        self.loadFailures = loadFailures
    }

    public func loadModel(_ model: ModelEntry) -> AsyncStream<LoadEvent> {
        let steps = loadSteps
        let delay = loadStepDelay
        let failure = loadFailures[model.name]
        return AsyncStream { continuation in
            let task = Task { @MainActor in
                for step in 1...steps {
                    try? await Task.sleep(for: delay)
                    if let failure, step * 2 > steps {
                        continuation.yield(.failed(failure))
                        continuation.finish()
                        return
                    }
                    continuation.yield(.progress(Double(step) / Double(steps)))
                }
                continuation.yield(.loaded(LoadedModel(name: model.name, kind: model.kind, quantization: "Q4_0",
                                                       contextWindow: model.kind.contextWindow)))
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func generate(_ request: GenerationRequest) -> AsyncStream<GenerationEvent> {
        requests.append(request)
        let reply = replies.isEmpty ? "" : replies[replyIndex % replies.count]
        replyIndex += 1
        let delay = pieceDelay
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        let promptTokens = request.turns.reduce(request.system?.count ?? 0) { $0 + $1.text.count }
        let (stream, continuation) = AsyncStream<GenerationEvent>.makeStream()
        running?.cancel()
        running = Task { @MainActor in
            for done in stride(from: 0, through: promptTokens, by: max(1, promptTokens / 4)) {
                continuation.yield(.promptProgress(done: done, total: promptTokens))
            }
            var produced = 0
            for piece in Self.pieces(of: reply) {
                try? await Task.sleep(for: delay)
                if Task.isCancelled {
                    continuation.yield(.finished(.stopped))
                    continuation.finish()
                    return
                }
                continuation.yield(.text(piece))
                produced += 1
                continuation.yield(.stats(GenerationStats(tokensPerSecond: 1 / max(0.001, seconds),
                                                          contextUsed: promptTokens + produced, contextWindow: 8192)))
            }
            continuation.yield(.finished(.complete))
            continuation.finish()
        }
        return stream
    }

    public func cancelGeneration() {
        running?.cancel()
    }

    /// Splits text into token-like pieces of one to three graphemes.
    static func pieces(of text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if current.count == 3 || character == " " || character == "\n" || Glyphs.width(of: character) == 2 {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }
}
