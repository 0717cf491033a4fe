import Foundation
@testable import GLMEngine

/// A backend that answers from a script: it records what it was asked, then sends its events.
final class ScriptedBackend: ChatBackend, @unchecked Sendable {
    let info: ModelInfo
    var stopTokenIDs: [Int32] { [2] }
    private let lock = NSLock()
    private var script: [[ChatEvent]]
    private var outcomes: [Result<FinishReason, GLMError>]
    private(set) var asked: [Conversation] = []
    private(set) var settings: [ReplySettings] = []
    /// Waits this long between events (so a test can cancel in the middle).
    let pause: Duration

    init(kind: ModelKind = .chat, events: [[ChatEvent]], outcomes: [Result<FinishReason, GLMError>], pause: Duration = .zero) {
        info = ModelInfo(name: "scripted", kind: kind, quantization: "Q4_0", contextWindow: 8192)
        script = events
        self.outcomes = outcomes
        self.pause = pause
    }

    func reply(to conversation: Conversation, settings: ReplySettings,
               onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let (events, outcome) = lock.withLock {
            asked.append(conversation)
            self.settings.append(settings)
            return (script.isEmpty ? [] : script.removeFirst(), outcomes.isEmpty ? .success(.stopToken(2)) : outcomes.removeFirst())
        }
        var stats = GenerationStats()
        stats.promptTokens = 7
        for event in events {
            if pause > .zero { try? await Task.sleep(for: pause) }
            if Task.isCancelled { return (.cancelled, stats) }
            if case .text = event { stats.generatedTokens += 1 }
            onEvent(event)
        }
        stats.generationSeconds = Double(stats.generatedTokens) / 20
        return (try outcome.get(), stats)
    }
}

/// The store's contract kept in memory, for the session's tests (the SQLite store has its own).
final class MemoryConversationStore: ConversationStore, @unchecked Sendable {
    private let lock = NSLock()
    private var sessions: [SessionID: Session] = [:]
    private var stored: [SessionID: [Message]] = [:]

    func createSession(_ new: NewSession) throws -> Session {
        let session = Session(modelKind: new.modelKind, modelName: new.modelName, systemPrompt: new.systemPrompt,
                              sampling: new.sampling, mode: new.mode, tools: new.tools)
        lock.withLock {
            sessions[session.id] = session
            stored[session.id] = []
        }
        return session
    }

    func session(_ id: SessionID) throws -> Session? { lock.withLock { sessions[id] } }
    func messages(in session: SessionID) throws -> [Message] { lock.withLock { stored[session] ?? [] } }

    func appendMessage(_ new: NewMessage, to session: SessionID) throws -> Message {
        let message = Message(sessionID: session, role: new.role, content: new.content, metadata: new.metadata, model: new.model,
                              parentID: pathEnd(session))
        try put(message)
        return message
    }

    func beginAnswer(in session: SessionID, model: String, seed: UInt64?) throws -> any AnswerSink {
        let message = Message(sessionID: session, role: .assistant, content: "", model: model, seed: seed, state: .streaming,
                              parentID: pathEnd(session))
        try put(message)
        return MemoryAnswerSink(store: self, message: message)
    }

    /// New messages follow the end of the chosen path, as in the SQLite store.
    private func pathEnd(_ session: SessionID) -> MessageID? {
        lock.withLock { MessageTree.chosenPath(stored[session] ?? []).last?.id }
    }

    func retractMessage(_ id: MessageID) throws {
        lock.withLock {
            for key in stored.keys {
                if let index = stored[key]?.firstIndex(where: { $0.id == id }) { stored[key]?[index].isChosen = false }
            }
        }
    }

    func chooseMessage(_ id: MessageID) throws {
        lock.withLock {
            for key in stored.keys {
                guard var messages = stored[key], let chosen = messages.first(where: { $0.id == id }) else { continue }
                for index in messages.indices where messages[index].parentID == chosen.parentID {
                    messages[index].isChosen = messages[index].id == id
                }
                stored[key] = messages
            }
        }
    }

    func setSystemPrompt(_ text: String, of session: SessionID) throws {
        try lock.withLock {
            guard sessions[session] != nil else { throw GLMError(.badValue, "no session \(session)") }
            sessions[session]?.systemPrompt = text
        }
    }

    func setSampling(_ sampling: SamplingSettings, of session: SessionID) throws {
        lock.withLock { sessions[session]?.sampling = sampling }
    }

    func setMode(_ mode: SessionMode, tools: JSONValue?, of session: SessionID) throws {
        lock.withLock {
            sessions[session]?.mode = mode
            sessions[session]?.tools = tools
        }
    }

    func deleteMessage(_ id: MessageID) throws {
        lock.withLock { for key in stored.keys { stored[key]?.removeAll { $0.id == id } } }
    }

    func put(_ message: Message) throws {
        try lock.withLock {
            guard stored[message.sessionID] != nil else { throw GLMError(.badValue, "no session \(message.sessionID)") }
            if let index = stored[message.sessionID]?.firstIndex(where: { $0.id == message.id }) {
                stored[message.sessionID]?[index] = message
            } else {
                stored[message.sessionID]?.append(message)
            }
        }
    }
}

final class MemoryAnswerSink: AnswerSink, @unchecked Sendable {
    let store: MemoryConversationStore
    private let lock = NSLock()
    private var message: Message
    private(set) var deltas: [String] = []
    var messageID: MessageID { message.id }

    init(store: MemoryConversationStore, message: Message) {
        self.store = store
        self.message = message
    }

    func append(_ delta: String) {
        lock.withLock {
            deltas.append(delta)
            message.content += delta
        }
    }

    func finish(_ reason: FinishReason, metadata: String, stats: GenerationStats) throws -> Message {
        let final = lock.withLock {
            message.metadata = metadata
            message.state = reason.messageState
            message.finishReason = reason.name
            message.promptTokens = stats.promptTokens
            message.completionTokens = stats.generatedTokens
            message.tokensPerSecond = stats.generationTokensPerSecond
            return message
        }
        try store.put(final)
        return final
    }
}
