import Foundation
import GLMEngine

/// A stand-in for real models, for `--demo` and the app's tests: models "load" in steps, and the
/// backend answers with canned text (English, Chinese, emoji, a code block) in small pieces with a
/// delay, stopping between pieces when cancelled, like the real engine.
@MainActor
public final class DemoModelProvider: ModelProvider {
    /// What the demo answers and what it was asked, shared by every model it loads.
    public let script: DemoScript
    public var loadSteps: Int
    public var loadStepDelay: Duration
    /// Models (by name) that fail to load, with the reason.
    public var loadFailures: [String: String]
    /// Models (by name) that load with a warning (as a model too large for the memory does).
    public var loadWarnings: [String: String]
    /// Models (by name) that would not fit beside another: the app lets the current one go first.
    public var loadAlone: Set<String> = []

    public init(replies: [String] = DemoScript.defaultReplies, pieceDelay: Duration = .milliseconds(30),
                loadSteps: Int = 5, loadStepDelay: Duration = .milliseconds(60), loadFailures: [String: String] = [:],
                loadWarnings: [String: String] = [:]) {
        self.loadWarnings = loadWarnings
        script = DemoScript(replies: replies, pieceDelay: pieceDelay)
        self.loadSteps = max(1, loadSteps)
        self.loadStepDelay = loadStepDelay
        self.loadFailures = loadFailures
    }

    public func mustUnload(_ current: any ChatBackend, toLoad model: ModelEntry) -> Bool {
        loadAlone.contains(model.name)
    }

    public func load(_ model: ModelEntry) -> AsyncStream<LoadEvent> {
        let steps = loadSteps, delay = loadStepDelay, failure = loadFailures[model.name], script = script
        let warning = loadWarnings[model.name]
        return AsyncStream { continuation in
            let task = Task {
                for step in 1...steps {
                    try? await Task.sleep(for: delay)
                    if let failure, step * 2 > steps {
                        continuation.yield(.failed(failure))
                        continuation.finish()
                        return
                    }
                    continuation.yield(.progress(Double(step) / Double(steps)))
                }
                if let warning { continuation.yield(.warning(warning)) }
                let info = ModelInfo(name: model.name, kind: model.kind, quantization: "Q4_0",
                                     contextWindow: model.kind.trainedWindow)
                continuation.yield(.loaded(DemoBackend(info: info, script: script)))
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// The canned replies, taken in turn, and every conversation the demo was asked to answer.
public final class DemoScript: @unchecked Sendable {
    private let lock = NSLock()
    private var queued: [String]
    private var asked: [Conversation] = []
    private var next = 0
    public let pieceDelay: Duration

    public static let defaultReplies = [
        "Hello! 你好！I am a demo model. 😀👍🏽\n\n## Example\n\nHere is **bold**, `inline code` and a list:\n\n- 第一项 first\n- 第二项 second\n\n```swift\nlet greeting = \"你好, world\"\nprint(greeting)\n```\n\nThat is all. 完。",
        "这是第二个回答。It mixes 中文 and English words, with emoji 🇨🇳 ❤️ 👨‍👩‍👧 and a long line that should wrap nicely at spaces when the terminal is narrow.",
    ]

    public init(replies: [String], pieceDelay: Duration) {
        queued = replies
        self.pieceDelay = pieceDelay
    }

    public var replies: [String] {
        get { lock.withLock { queued } }
        set { lock.withLock { queued = newValue; next = 0 } }
    }

    /// The conversations answered so far, in order.
    public var requests: [Conversation] { lock.withLock { asked } }

    /// The reply to `conversation`: the agent's turn when it has one to play (a call in Tool or
    /// Code mode, an answer after a result), else the next canned reply.
    func take(_ conversation: Conversation) -> DemoReply {
        lock.withLock {
            asked.append(conversation)
            if let agent = DemoAgentScript.reply(to: conversation) { return agent }
            defer { next += 1 }
            return DemoReply(content: queued.isEmpty ? "" : queued[next % queued.count])
        }
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

/// A demo model: answers from its script, with prompt progress, text, progress and stats events.
public final class DemoBackend: ChatBackend {
    public let info: ModelInfo
    public let script: DemoScript
    public var stopTokenIDs: [Int32] { [] }

    init(info: ModelInfo, script: DemoScript) {
        self.info = info
        self.script = script
    }

    public func reply(to conversation: Conversation, settings: ReplySettings,
                      onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let reply = script.take(conversation)
        let promptTokens = conversation.messages.reduce(0) { $0 + $1.content.count }
        for done in stride(from: 0, through: promptTokens, by: max(1, promptTokens / 4)) {
            onEvent(.promptProgress(done: done, total: promptTokens))
        }
        var stats = GenerationStats()
        stats.promptTokens = promptTokens
        stats.contextWindow = info.contextWindow
        let delay = script.pieceDelay
        let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
        if !reply.metadata.isEmpty { onEvent(.metadata(reply.metadata)) }
        for piece in DemoScript.pieces(of: reply.content) {
            try? await Task.sleep(for: delay)
            if Task.isCancelled { return (.cancelled, stats) }
            stats.generatedTokens += 1
            stats.generationSeconds += seconds
            stats.contextUsed = promptTokens + stats.generatedTokens
            onEvent(.text(piece))
            onEvent(.progress(GenerationProgress(generatedTokens: stats.generatedTokens,
                                                 generationSeconds: stats.generationSeconds - seconds,
                                                 contextUsed: stats.contextUsed, contextWindow: info.contextWindow)))
        }
        return (.stopToken(2), stats)
    }
}
