import Foundation
import GLMEngine
import GLMOpenAI

extension OpenAIService {
    /// Holds what the connection's close handler needs before the answer exists.
    private final class AnswerLink: @unchecked Sendable {
        let lock = NSLock()
        var generation: Generation?
        var connectionClosed = false
    }

    /// Admits a request to `model` (503 at once when full), waits its turn, and starts `run`. When the
    /// connection closes, the request leaves the queue or its answer stops within one token.
    func startAnswer(model: ServedModel, connection: (any ConnectionWatch)?,
                     run: @escaping Generation.Run) async throws(APIError) -> Generation {
        if isClosing { throw APIError.shuttingDown() }
        let ticket = try gate(for: model).admit()
        let link = AnswerLink()
        connection?.onClose {
            ticket.cancelWaiting()
            let generation: Generation? = link.lock.withLock {
                link.connectionClosed = true
                return link.generation
            }
            generation?.stop(.disconnect)
        }
        do {
            try await ticket.waitForSlot()
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(status: 499, message: "the client closed the connection while the request waited", type: "client_closed")
        }
        let name = model.name
        let generation = Generation.start(run) { [weak self] reason, stats, stop in
            ticket.release()
            guard let self else { return }
            self.metrics.record(stats, model: name)
            if let stop {
                self.metrics.countCancellation(stop.rawValue)
                if stop != .stopString { self.log("\(name): answer stopped (\(stop.rawValue)) after \(stats.generatedTokens) tokens") }
            } else if case .failed(let why) = reason {
                self.log("\(name): answer failed: \(why)")
            }
            if let generation = link.lock.withLock({ link.generation }) { self.unregister(generation) }
        }
        let closed: Bool = link.lock.withLock {
            link.generation = generation
            return link.connectionClosed
        }
        if !register(generation) { generation.stop(.shutdown) }
        if closed { generation.stop(.disconnect) }
        return generation
    }

    /// The `finish_reason` of an answer, or the error to report instead (it failed, or the server
    /// stopped it at shutdown).
    static func finishReason(_ reason: FinishReason, stop: Generation.StopReason?, stoppedByString: Bool,
                             calledTools: Bool, offer: ToolOffer?) -> Result<String, APIError> {
        if stop == .shutdown {
            return .failure(APIError(status: 503, message: "The server is shutting down; the answer was cut short",
                                     type: "server_error", code: "server_shutting_down"))
        }
        if case .failed(let why) = reason { return .failure(APIError.server("The answer failed: \(why)")) }
        if calledTools { return .success(offer?.style == .functions ? "function_call" : "tool_calls") }
        if stoppedByString { return .success("stop") }
        return .success(reason == .maxTokens ? "length" : "stop")
    }

    /// The chunk that carries one delta (and `usage: null` when the client asked for usage).
    static func chunk(_ header: WireShapes.Header, delta: JSONValue, finishReason: String? = nil, includeUsage: Bool) -> String {
        WireShapes.event(header.document(
            choices: [.object([("index", .int(0)), ("delta", delta), ("logprobs", .null),
                               ("finish_reason", finishReason.map(JSONValue.string) ?? .null)])],
            extra: includeUsage ? [("usage", .null)] : []))
    }

    /// The stream of an answer: frames as the streamer releases them, then the finish reason, the usage
    /// (when asked), and `[DONE]`; an error event instead when the answer failed. If the client stops
    /// reading, the answer stops.
    static func eventStream(generation: Generation, header: WireShapes.Header, includeUsage: Bool,
                            frames makeFrames: @escaping @Sendable (ReplyDelta) -> String?,
                            streamer initial: ReplyStreamer, offer: ToolOffer?, opening: String?) -> AsyncStream<String> {
        let (frames, continuation) = AsyncStream<String>.makeStream()
        continuation.onTermination = { termination in
            if case .cancelled = termination { generation.stop(.disconnect) }
        }
        Task {
            var streamer = initial
            if let opening { continuation.yield(opening) }
            var outcome = (FinishReason.cancelled, GenerationStats())
            for await event in generation.events {
                if case .finished(let reason, let stats) = event {
                    outcome = (reason, stats)
                    break
                }
                for delta in streamer.take(event) { if let frame = makeFrames(delta) { continuation.yield(frame) } }
                if streamer.stoppedByString { generation.stop(.stopString) }
            }
            for delta in streamer.finish() { if let frame = makeFrames(delta) { continuation.yield(frame) } }
            switch finishReason(outcome.0, stop: generation.stopReason, stoppedByString: streamer.stoppedByString,
                                calledTools: !streamer.toolCalls.isEmpty, offer: offer) {
            case .success(let reason):
                continuation.yield(finishFrame(header, reason: reason, includeUsage: includeUsage))
                if includeUsage {
                    continuation.yield(WireShapes.event(header.document(choices: [], extra: [("usage", WireShapes.usage(outcome.1))])))
                }
            case .failure(let error):
                continuation.yield(WireShapes.event(error.json))
            }
            continuation.yield(WireShapes.done)
            continuation.finish()
        }
        return frames
    }

    private static func finishFrame(_ header: WireShapes.Header, reason: String, includeUsage: Bool) -> String {
        if header.object.isByteEqual(to: "text_completion") {
            return WireShapes.event(header.document(
                choices: [.object([("index", .int(0)), ("text", .string("")), ("logprobs", .null), ("finish_reason", .string(reason))])],
                extra: includeUsage ? [("usage", .null)] : []))
        }
        return chunk(header, delta: .object([]), finishReason: reason, includeUsage: includeUsage)
    }
}
