import Foundation
import GLMEngine
import GLMOpenAI

extension OpenAIService {
    /// `POST /v1/completions`: plain completion of the prompt's text (or ids), stopping at `</s>`.
    public func completions(_ body: JSONValue, connection: (any ConnectionWatch)?) async throws(APIError) -> ServiceReply {
        let request = try CompletionRequest.parse(body)
        let model = try models.resolve(request.model)
        let local = try model.engine(for: "plain completion")
        let tokenizer = local.engine.tokenizer
        let prompt: [Int32]
        switch request.prompt {
        case .text(let text): prompt = tokenizer.encodePlain(text)
        case .tokens(let ids):
            try checkVocabulary(ids, tokenizer: tokenizer, field: "prompt")
            prompt = ids
        }
        let window = model.info.contextWindow
        guard prompt.count < window else {
            throw APIError.contextLengthExceeded("This model's context window is \(window) tokens; the prompt has \(prompt.count)",
                                                 param: "prompt")
        }
        let parameters = request.parameters
        let settings = ReplySettings(sampling: parameters.sampling, seed: parameters.seed ?? .random(in: 0...UInt64.max),
                                     maxTokens: parameters.maxTokens)
        if let batched = model.batched {
            try model.checkMemoryBudget(batched.completionRequest(prompt, settings: settings), promptField: "prompt")
        }
        let generation = try await startAnswer(model: model, connection: connection) { onEvent in
            try await model.complete(prompt, settings: settings, onEvent: onEvent)
        }
        let echo: String? = request.echo ? tokenizer.decode(prompt) : nil
        let streamer = ReplyStreamer(stops: parameters.stop, toolOffer: nil, segmented: false)
        if parameters.stream {
            let header = WireShapes.Header(prefix: "cmpl-", object: "text_completion", model: model.name)
            let includeUsage = parameters.includeUsage
            @Sendable func frame(_ text: String) -> String {
                WireShapes.event(header.document(
                    choices: [.object([("index", .int(0)), ("text", .string(text)), ("logprobs", .null), ("finish_reason", .null)])],
                    extra: includeUsage ? [("usage", .null)] : []))
            }
            return .events(Self.eventStream(generation: generation, header: header, includeUsage: includeUsage, frames: { delta in
                guard case .content(let text) = delta else { return nil }
                return frame(text)
            }, streamer: streamer, offer: nil, opening: echo.map(frame)), stop: { generation.stop(.disconnect) })
        }
        var collector = streamer
        var text = echo ?? ""
        var outcome = (FinishReason.cancelled, GenerationStats())
        for await event in generation.events {
            if case .finished(let reason, let stats) = event {
                outcome = (reason, stats)
                break
            }
            for case .content(let piece) in collector.take(event) { text += piece }
            if collector.stoppedByString { generation.stop(.stopString) }
        }
        for case .content(let piece) in collector.finish() { text += piece }
        let finish = try Self.finishReason(outcome.0, stop: generation.stopReason, stoppedByString: collector.stoppedByString,
                                           calledTools: false, offer: nil).get()
        let header = WireShapes.Header(prefix: "cmpl-", object: "text_completion", model: model.name)
        return .json(header.document(
            choices: [.object([("index", .int(0)), ("text", .string(text)), ("logprobs", .null), ("finish_reason", .string(finish))])],
            extra: [("usage", WireShapes.usage(outcome.1))]))
    }
}
