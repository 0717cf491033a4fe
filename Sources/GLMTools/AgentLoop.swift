import Foundation
import GLMConversation
import GLMEngine

/// Answers a question with tools: after each answer of the model it reads the call the answer ends
/// with (if any), asks the approver, runs the tool, adds the call and its observation to the session
/// as messages (so they are stored, exported and sent like any other), and lets the model continue,
/// until the model answers in words, `maxToolRounds` calls were made, or the user stops it.
///
/// One loop per session: it remembers the tools the user allowed "always". Start a question with
/// `answer(using:)` after appending the user's message to the session; read its events; `cancel()`
/// (Esc) stops it at any step and keeps everything written so far.
public final class AgentLoop: @unchecked Sendable {
    public let session: ChatSession
    public let registry: ToolRegistry
    public let approver: any ToolApprover
    /// At most this many calls per question (config `max_tool_rounds`, default 5).
    public let maxToolRounds: Int
    public static let defaultMaxToolRounds = 5

    private let lock = NSLock()
    private var alwaysAllowed: Set<ExactText> = []
    private var task: Task<Void, Never>?

    public init(session: ChatSession, registry: ToolRegistry, approver: any ToolApprover,
                maxToolRounds: Int = AgentLoop.defaultMaxToolRounds) {
        self.session = session
        self.registry = registry
        self.approver = approver
        self.maxToolRounds = max(1, maxToolRounds)
    }

    /// The tools the user chose "always" for in this session.
    public var alwaysAllowedTools: [String] { lock.withLock { alwaysAllowed.sorted().map(\.string) } }

    /// Forgets an "always" (the app's `/tools` can offer it).
    public func revokeAlways(_ tool: String) {
        _ = lock.withLock { alwaysAllowed.remove(ExactText(tool)) }
    }

    /// Answers the conversation as it stands (its last message is the user's question, or an
    /// observation). The stream ends after `.finished`. One question at a time.
    public func answer(using backend: any ChatBackend, maxTokens: Int? = nil) -> AsyncStream<AgentEvent> {
        let (stream, continuation) = AsyncStream<AgentEvent>.makeStream()
        let busy = lock.withLock { self.task != nil }
        if busy {
            continuation.yield(.error("a question is still being answered"))
            continuation.yield(.finished(.failed("a question is still being answered")))
            continuation.finish()
            return stream
        }
        // Made under the lock, so the task's own clearing of `task` comes after it is set.
        let worker = lock.withLock {
            let worker = Task.detached { [self] in
                let outcome = await run(backend: backend, maxTokens: maxTokens) { continuation.yield($0) }
                lock.withLock { self.task = nil }
                continuation.yield(.finished(outcome))
                continuation.finish()
            }
            task = worker
            return worker
        }
        continuation.onTermination = { @Sendable termination in
            if case .cancelled = termination { worker.cancel() }
        }
        return stream
    }

    /// Stops the question being answered at whatever step it is (writing, waiting for approval,
    /// running a tool); what was written is kept. The last event is `.finished(.cancelled)`.
    public func cancel() {
        let running = lock.withLock { task }
        running?.cancel()
        session.cancelReply()
    }

    func allowAlways(_ tool: String) {
        _ = lock.withLock { alwaysAllowed.insert(ExactText(tool)) }
    }

    func isAlwaysAllowed(_ tool: String) -> Bool {
        lock.withLock { alwaysAllowed.contains(ExactText(tool)) }
    }
}
