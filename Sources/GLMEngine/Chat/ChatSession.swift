import Foundation

/// One conversation, from the user's message to the saved answer. It owns the messages, the system
/// prompt and the sampling settings, decides what the model sees, asks a backend for the answer, and
/// writes every message through its store (when it has one): the user's message is committed before
/// the answer starts, the answer is saved as it streams and finished with its stats.
///
/// Every front end uses it the same way: the full-screen app, `glmchat run` and the plain mode
/// (without a store), and the server. Reads are cheap and safe from any thread (a lock guards the
/// state); an answer's text is in `messages` before its event is delivered.
public final class ChatSession: @unchecked Sendable {
    private let lock = NSLock()
    private let store: (any ConversationStore)?
    private var storedSession: Session?
    /// Every message, alternatives included, in the order written.
    private var all: [Message]
    /// The chosen path through `all` (`MessageTree`): what is shown and sent. Kept in step with `all`.
    private var path: [Message]
    private var system: String
    private var samplingSettings: SamplingSettings
    private var sessionMode: SessionMode
    private var offeredTools: JSONValue?
    private var replyTask: Task<Void, Never>?
    private var streamingID: MessageID?
    /// Stop was asked for the answer being written: nothing more is added to it, even a token the
    /// backend had already made (what the screen showed at the stop is what is kept).
    private var stopRequested = false

    /// A new conversation; with a store, it is saved from its first message on.
    public init(store: (any ConversationStore)?, systemPrompt: String = "", sampling: SamplingSettings = .default,
                mode: SessionMode = .chat, tools: JSONValue? = nil) {
        self.store = store
        storedSession = nil
        all = []
        path = []
        system = systemPrompt
        samplingSettings = sampling
        sessionMode = mode
        offeredTools = tools
    }

    /// A saved session, with its messages. An answer left `streaming` by an earlier run shows as stopped.
    public init(opening id: SessionID, in store: any ConversationStore) throws {
        guard let session = try store.session(id) else { throw GLMError(.badValue, "no session with id \(id)") }
        self.store = store
        storedSession = session
        all = try store.messages(in: id).map { message in
            var shown = message
            if shown.state == .streaming { shown.state = .stopped }
            return shown
        }
        path = MessageTree.chosenPath(all)
        system = session.systemPrompt
        samplingSettings = session.sampling
        sessionMode = session.mode
        offeredTools = session.tools
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The stored session; nil until the first message (or system prompt) is saved, and without a store.
    public var session: Session? { locked { storedSession } }
    /// The conversation as it is shown: the chosen path (see `allMessages` for every alternative).
    public var messages: [Message] { locked { path } }
    /// Every message, alternatives included, in the order written.
    public var allMessages: [Message] { locked { all } }
    public var systemPrompt: String { locked { system } }
    public var sampling: SamplingSettings { locked { samplingSettings } }
    /// Chat, Tool or Code; kept with the session.
    public var mode: SessionMode { locked { sessionMode } }
    /// The tool list the system message carries (nil: none), exactly as it is sent and stored.
    public var tools: JSONValue? { locked { offeredTools } }
    /// The answer being written, if any.
    public var streamingMessage: MessageID? { locked { streamingID } }
    public var isReplying: Bool { streamingMessage != nil }

    /// What the model is asked next: the system prompt and the messages since the last "/clear".
    public var conversation: Conversation {
        locked { Conversation.visible(systemPrompt: system, messages: path, tools: offeredTools) }
    }

    /// Offers `tools` (a ChatGLM3 tool list: `[{name, description, parameters}]`) with the system
    /// message of every later answer; nil offers none. Not stored: `setMode(_:tools:)` keeps the
    /// mode and the tools with the session.
    public func setTools(_ tools: JSONValue?) {
        locked { offeredTools = tools }
    }

    /// Reads the stored session again (after a rename or an archive elsewhere).
    public func reloadSession() throws {
        guard let store, let id = session?.id else { return }
        let fresh = try store.session(id)
        locked { if let fresh { storedSession = fresh } }
    }

    // MARK: Changing the conversation

    /// Adds a message (the user's, an observation) at the end of the path and commits it. With a
    /// store, the first message creates the session, crediting `model`; the first user message names it.
    /// `files`: what an interpreter result's block wrote (kept with it for the transcript, never prompted).
    @discardableResult
    public func append(_ role: Role, _ content: String, metadata: String = "", model: ModelInfo? = nil,
                       files: [String] = []) throws -> Message {
        try locked {
            let sessionID = try ensureStoredSession(model: model)
            let message: Message
            if let store, let sessionID {
                message = try store.appendMessage(NewMessage(role: role, content: content, metadata: metadata, files: files),
                                                  to: sessionID)
                // The store names an untitled session after its first user message.
                if role == .user, storedSession?.title.isEmpty == true, let named = try store.session(sessionID) {
                    storedSession = named
                }
            } else {
                message = Message(sessionID: sessionID ?? .unsaved, role: role, content: content, metadata: metadata,
                                  parentID: path.last?.id, files: files)
            }
            all.append(message)
            path.append(message)
            return message
        }
    }

    /// Sets the system prompt ("/system"); it is kept with the session and sent before every turn.
    public func setSystemPrompt(_ text: String, model: ModelInfo? = nil) throws {
        try locked {
            if let store, let id = try ensureStoredSession(model: model) { try store.setSystemPrompt(text, of: id) }
            system = text
            storedSession?.systemPrompt = text
        }
    }

    /// Switches the mode and the tools offered, stored with the session. A mode with a system
    /// prompt of its own (Tool, Code) puts it in place of an empty prompt or another mode's; going
    /// back to Chat removes a mode's prompt. A prompt the user wrote ("/system") is left alone.
    public func setMode(_ mode: SessionMode, tools: JSONValue?, model: ModelInfo? = nil) throws {
        try locked {
            let modePrompts = SessionMode.allCases.compactMap(\.systemPrompt)
            var prompt = system
            if prompt.isEmpty || modePrompts.contains(where: { $0.isByteEqual(to: prompt) }) {
                prompt = mode.systemPrompt ?? ""
            }
            if let store, let id = try ensureStoredSession(model: model) {
                try store.setMode(mode, tools: tools, of: id)
                if !prompt.isByteEqual(to: system) { try store.setSystemPrompt(prompt, of: id) }
            }
            sessionMode = mode
            offeredTools = tools
            system = prompt
            storedSession?.mode = mode
            storedSession?.tools = tools
            storedSession?.systemPrompt = prompt
        }
    }

    public func setSampling(_ sampling: SamplingSettings) throws {
        try sampling.validate()
        try locked {
            if let store, let id = storedSession?.id { try store.setSampling(sampling, of: id) }
            samplingSettings = sampling
            storedSession?.sampling = sampling
        }
    }

    /// "/clear": the model forgets everything before this point; the session keeps it.
    public func clearContext() throws {
        try append(.system, "", metadata: Message.contextClearedMarker)
    }

    /// "/retry" and "/edit": the path from `index` on is taken back but kept, as an alternative of
    /// its turn; the next message added (a new answer, the edited question) takes its place, and
    /// `chooseAlternative` can bring the old one back.
    public func retract(from index: Int) throws {
        try locked {
            guard path.indices.contains(index) else { return }
            guard streamingID == nil else { throw GLMError(.badValue, "an answer is still being written") }
            let id = path[index].id
            try store?.retractMessage(id)
            if let position = all.firstIndex(where: { $0.id == id }) { all[position].isChosen = false }
            path = MessageTree.chosenPath(all)
        }
    }

    /// The alternatives of the turn at `index` of the path: which one is shown (1-based) and how many there are.
    public func alternatives(at index: Int) -> (position: Int, count: Int) {
        locked {
            guard path.indices.contains(index) else { return (1, 1) }
            let siblings = MessageTree.alternatives(of: path[index], in: all)
            return ((siblings.firstIndex { $0.id == path[index].id } ?? 0) + 1, max(1, siblings.count))
        }
    }

    /// The last turn of the path that has more than one alternative, if any.
    public var lastTurnWithAlternatives: Int? {
        locked {
            path.indices.last { MessageTree.alternatives(of: path[$0], in: all).count > 1 }
        }
    }

    /// Shows the alternative `step` places after (negative: before) the one shown at `index`, and the
    /// path that continues from it. False when there is none in that direction.
    @discardableResult
    public func chooseAlternative(at index: Int, step: Int) throws -> Bool {
        try locked {
            guard path.indices.contains(index) else { return false }
            guard streamingID == nil else { throw GLMError(.badValue, "an answer is still being written") }
            let siblings = MessageTree.alternatives(of: path[index], in: all)
            guard let current = siblings.firstIndex(where: { $0.id == path[index].id }),
                  siblings.indices.contains(current + step), step != 0 else { return false }
            let chosen = siblings[current + step].id
            try store?.chooseMessage(chosen)
            let turn = Set(siblings.map(\.id))
            for position in all.indices where turn.contains(all[position].id) {
                all[position].isChosen = all[position].id == chosen
            }
            path = MessageTree.chosenPath(all)
            return true
        }
    }

    /// Rewrites the finished last answer `id` as `replacements` (the segments of a reply that held
    /// several, a tool call with the arguments the user edited): the answer is deleted and they are
    /// appended in its place, each committed, so the prompt is rebuilt from them as the original
    /// builds it from its history.
    @discardableResult
    public func replaceAnswer(_ id: MessageID, with replacements: [NewMessage]) throws -> [Message] {
        try locked {
            guard streamingID != id else { throw GLMError(.badValue, "an answer is still being written") }
            guard let last = path.last, last.id == id, last.role == .assistant else {
                throw GLMError(.badValue, "only the last answer can be rewritten")
            }
            try store?.deleteMessage(id)
            all.removeAll { $0.id == id }
            path.removeLast()
            var added: [Message] = []
            for new in replacements {
                let message: Message
                if let store, let sessionID = storedSession?.id {
                    message = try store.appendMessage(new, to: sessionID)
                } else {
                    message = Message(sessionID: storedSession?.id ?? .unsaved, role: new.role, content: new.content,
                                      metadata: new.metadata, model: new.model, parentID: path.last?.id)
                }
                all.append(message)
                path.append(message)
                added.append(message)
            }
            return added
        }
    }

    /// The stored session's id, creating it first when there is a store and none yet.
    private func ensureStoredSession(model: ModelInfo?) throws -> SessionID? {
        guard let store else { return nil }
        if let storedSession { return storedSession.id }
        let session = try store.createSession(NewSession(modelKind: (model?.kind ?? .chat).rawValue,
                                                         modelName: model?.name ?? "", systemPrompt: system,
                                                         sampling: samplingSettings, mode: sessionMode,
                                                         tools: offeredTools))
        storedSession = session
        return session.id
    }

    // MARK: Answering

    /// Asks `backend` to answer the conversation as it stands. The answer is added to `messages` at
    /// once (streaming), grows as text arrives, and is saved with its outcome and stats before the
    /// stream's `finished` event. The stream ends after that event.
    public func reply(using backend: any ChatBackend, maxTokens: Int? = nil) -> AsyncStream<ChatEvent> {
        let (stream, continuation) = AsyncStream<ChatEvent>.makeStream()
        let started: (conversation: Conversation, settings: ReplySettings, sink: (any AnswerSink)?, id: MessageID)
        do {
            started = try locked {
                guard streamingID == nil else { throw GLMError(.badValue, "an answer is still being written") }
                let conversation = Conversation.visible(systemPrompt: system, messages: path, tools: offeredTools)
                guard conversation.messages.contains(where: { $0.role != .system }) else {
                    throw GLMError(.badValue, "there is no message to answer")
                }
                let seed = samplingSettings.seed ?? UInt64.random(in: 0...UInt64.max)
                let settings = ReplySettings(sampling: samplingSettings, seed: seed,
                                             maxTokens: maxTokens ?? samplingSettings.maxNewTokens)
                var sink: (any AnswerSink)?
                var answer = Message(sessionID: storedSession?.id ?? .unsaved, role: .assistant, content: "",
                                     model: backend.info.name, seed: seed, state: .streaming, parentID: path.last?.id)
                if let store, let id = storedSession?.id {
                    let opened = try store.beginAnswer(in: id, model: backend.info.name, seed: seed)
                    answer.id = opened.messageID
                    sink = opened
                }
                all.append(answer)
                path.append(answer)
                streamingID = answer.id
                stopRequested = false
                return (conversation, settings, sink, answer.id)
            }
        } catch {
            continuation.yield(.finished(.failed("\(error)"), GenerationStats()))
            continuation.finish()
            return stream
        }
        let task = Task.detached { [self] in
            var outcome: (FinishReason, GenerationStats)
            do {
                outcome = try await backend.reply(to: started.conversation, settings: started.settings) { event in
                    guard self.take(event, into: started.id, sink: started.sink) else { return }
                    continuation.yield(event)
                }
            } catch {
                outcome = (.failed("\(error)"), GenerationStats())
            }
            self.finish(started.id, sink: started.sink, outcome: outcome, model: backend.info.name)
            continuation.yield(.finished(outcome.0, outcome.1))
            continuation.finish()
        }
        locked { replyTask = task }
        return stream
    }

    /// Stops the answer being written within one token; what was written is kept (state `stopped`),
    /// and nothing arrives after this call, so the answer ends as it was when the stop was asked.
    public func cancelReply() {
        let task = locked { () -> Task<Void, Never>? in
            if streamingID != nil { stopRequested = true }
            return replyTask
        }
        task?.cancel()
    }

    /// Applies one event to the streaming answer; false for events the session delivers itself (`finished`).
    private func take(_ event: ChatEvent, into id: MessageID, sink: (any AnswerSink)?) -> Bool {
        switch event {
        case .text(let delta):
            let kept = locked { () -> Bool in
                guard !stopRequested else { return false }
                update(id) { $0.content += delta }
                return true
            }
            guard kept else { return false }
            sink?.append(delta)
        case .metadata(let metadata):
            let kept = locked { () -> Bool in
                guard !stopRequested else { return false }
                update(id) { $0.metadata = metadata }
                return true
            }
            guard kept else { return false }
        case .finished:
            return false
        case .promptProgress, .progress, .contextSlid:
            break
        }
        return true
    }

    /// Saves the answer's end (text, metadata, outcome, stats) and puts the saved message in place.
    private func finish(_ id: MessageID, sink: (any AnswerSink)?, outcome: (FinishReason, GenerationStats), model: String) {
        let (reason, stats) = outcome
        let current = locked { all.last { $0.id == id } }
        var final = current ?? Message(id: id, sessionID: .unsaved, role: .assistant, content: "")
        if let sink {
            do {
                final = try sink.finish(reason, metadata: final.metadata, stats: stats)
            } catch {
                final.state = .failed
                final.error = "the answer could not be saved: \(error)"
            }
        } else {
            final.state = reason.messageState
            final.finishReason = reason.name
            final.promptTokens = stats.isEmpty ? nil : stats.promptTokens
            final.completionTokens = stats.isEmpty ? nil : stats.generatedTokens
            final.tokensPerSecond = stats.measuredTokensPerSecond
            final.finishedAt = Date()
            if case .failed(let why) = reason { final.error = why }
        }
        locked {
            update(id) { $0 = final }
            streamingID = nil
            replyTask = nil
        }
    }

    /// Changes message `id` in both the full list and the path (call with the lock held).
    private func update(_ id: MessageID, _ change: (inout Message) -> Void) {
        if let index = all.lastIndex(where: { $0.id == id }) { change(&all[index]) }
        if let index = path.lastIndex(where: { $0.id == id }) { change(&path[index]) }
    }
}
