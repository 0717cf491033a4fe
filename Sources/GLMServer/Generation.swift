import Foundation
import GLMEngine

/// One answer being generated for a request: the backend's events as a stream that ends after
/// `finished`, a way to stop it from anywhere (a stop string, a closed connection, shutdown), and
/// the reason it was stopped. `onEnd` runs once when the backend has returned (the slot is free).
final class Generation: @unchecked Sendable {
    enum StopReason: String, Sendable {
        case stopString = "stop_string"
        case disconnect
        case shutdown
    }

    typealias Run = @Sendable (@escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats)

    let events: AsyncStream<ChatEvent>
    private let lock = NSLock()
    private var task: Task<Void, Never>?
    private var reason: StopReason?
    private var ended = false

    private init(events: AsyncStream<ChatEvent>) {
        self.events = events
    }

    /// Starts `run` at once in a task of its own.
    static func start(_ run: @escaping Run, onEnd: @escaping @Sendable (FinishReason, GenerationStats, StopReason?) -> Void) -> Generation {
        let (stream, continuation) = AsyncStream<ChatEvent>.makeStream()
        let generation = Generation(events: stream)
        let task = Task {
            var outcome: (FinishReason, GenerationStats)
            do {
                outcome = try await run { event in
                    if case .finished = event { return }
                    continuation.yield(event)
                }
            } catch {
                outcome = (.failed("\(error)"), GenerationStats())
            }
            generation.lock.withLock { generation.ended = true }
            onEnd(outcome.0, outcome.1, generation.stopReason)
            continuation.yield(.finished(outcome.0, outcome.1))
            continuation.finish()
        }
        generation.lock.withLock { generation.task = task }
        return generation
    }

    var stopReason: StopReason? { lock.withLock { reason } }

    /// Stops the answer within one token; the first reason given is kept.
    func stop(_ why: StopReason) {
        let task: Task<Void, Never>? = lock.withLock {
            guard !ended else { return nil }
            if reason == nil { reason = why }
            return self.task
        }
        task?.cancel()
    }
}
