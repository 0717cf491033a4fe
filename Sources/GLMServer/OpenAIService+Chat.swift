import Foundation
import GLMEngine
import GLMOpenAI

extension OpenAIService {
    /// `POST /v1/chat/completions`.
    public func chatCompletions(_ body: JSONValue, connection: (any ConnectionWatch)?) async throws(APIError) -> ServiceReply {
        let request = try ChatCompletionRequest.parse(body)
        let model = try models.resolve(request.model)
        if request.toolOffer != nil, !model.info.kind.usesChatFormat {
            throw APIError.unsupported("tools", "\(model.name) is a base model: it has no chat format and takes no tools")
        }
        var prompt: ChatPrompt?
        if let local = model.local {
            let built = await local.prompt(for: request.conversation)
            prompt = built
            let window = model.info.contextWindow
            guard built.fitsWithoutCuttingTheLastTurn(window: window) else {
                throw APIError.contextLengthExceeded(
                    "This model's context window is \(window) tokens; the prompt has \(built.tokens.count), and its system "
                        + "prompt and last message alone do not fit (older messages would slide out, but this one would be cut)",
                    param: "messages")
            }
        }
        let parameters = request.parameters
        let settings = ReplySettings(sampling: parameters.sampling, seed: parameters.seed ?? .random(in: 0...UInt64.max),
                                     maxTokens: parameters.maxTokens)
        let conversation = request.conversation
        let generation: Generation
        if let batched = model.batched, let prompt {
            // built once: checked against the KV budget, then answered
            let batchRequest = batched.chatRequest(prompt, settings: settings)
            try model.checkMemoryBudget(batchRequest, promptField: "messages")
            generation = try await startAnswer(model: model, connection: connection) { onEvent in
                try await batched.reply(batchRequest, onEvent: onEvent)
            }
        } else {
            let backend = model.chat
            generation = try await startAnswer(model: model, connection: connection) { onEvent in
                try await backend.reply(to: conversation, settings: settings, onEvent: onEvent)
            }
        }
        let streamer = ReplyStreamer(stops: parameters.stop, toolOffer: request.toolOffer, segmented: model.info.kind.usesChatFormat)
        let offer = request.toolOffer
        if parameters.stream {
            let header = WireShapes.Header(prefix: "chatcmpl-", object: "chat.completion.chunk", model: model.name)
            let includeUsage = parameters.includeUsage
            let counter = CallCounter()
            let opening = Self.chunk(header, delta: .object([("role", .string("assistant")), ("content", .string(""))]),
                                     includeUsage: includeUsage)
            return .events(Self.eventStream(generation: generation, header: header, includeUsage: includeUsage, frames: { delta in
                switch delta {
                case .content(let text):
                    return Self.chunk(header, delta: .object([("content", .string(text))]), includeUsage: includeUsage)
                case .toolCall(let call):
                    let index = counter.next()
                    if offer?.style == .functions {
                        guard index == 0 else { return nil }
                        return Self.chunk(header, delta: .object([("function_call", WireShapes.functionCall(call))]), includeUsage: includeUsage)
                    }
                    let entry = WireShapes.toolCall(call, id: WireShapes.toolCallID(), index: index)
                    return Self.chunk(header, delta: .object([("tool_calls", .array([entry]))]), includeUsage: includeUsage)
                }
            }, streamer: streamer, offer: offer, opening: opening), stop: { generation.stop(.disconnect) })
        }
        return .json(try await wholeChatAnswer(generation: generation, streamer: streamer, offer: offer, model: model.name))
    }

    private func wholeChatAnswer(generation: Generation, streamer initial: ReplyStreamer, offer: ToolOffer?,
                                 model: String) async throws(APIError) -> JSONValue {
        var streamer = initial
        var content = ""
        var outcome = (FinishReason.cancelled, GenerationStats())
        func apply(_ deltas: [ReplyDelta]) {
            for case .content(let text) in deltas { content += text }
        }
        for await event in generation.events {
            if case .finished(let reason, let stats) = event {
                outcome = (reason, stats)
                break
            }
            apply(streamer.take(event))
            if streamer.stoppedByString { generation.stop(.stopString) }
        }
        apply(streamer.finish())
        for problem in streamer.unreadableCalls { log("\(model): a tool call could not be read, sent as text: \(problem)") }
        let finish = try Self.finishReason(outcome.0, stop: generation.stopReason, stoppedByString: streamer.stoppedByString,
                                           calledTools: !streamer.toolCalls.isEmpty, offer: offer).get()
        var message: [(key: String, value: JSONValue)] = [("role", .string("assistant"))]
        let calls = streamer.toolCalls
        message.append(("content", calls.isEmpty || !content.isEmpty ? .string(content) : .null))
        if let first = calls.first {
            if offer?.style == .functions {
                message.append(("function_call", WireShapes.functionCall(first)))
            } else {
                message.append(("tool_calls", .array(calls.map { WireShapes.toolCall($0, id: WireShapes.toolCallID(), index: nil) })))
            }
        }
        let header = WireShapes.Header(prefix: "chatcmpl-", object: "chat.completion", model: model)
        return header.document(
            choices: [.object([("index", .int(0)), ("message", .object(message)), ("logprobs", .null), ("finish_reason", .string(finish))])],
            extra: [("usage", WireShapes.usage(outcome.1))])
    }
}

/// Numbers the tool calls of one streamed answer.
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func next() -> Int {
        lock.withLock {
            defer { count += 1 }
            return count
        }
    }
}
