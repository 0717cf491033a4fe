import Foundation
import GLMOpenAI

/// Admits requests to one model: at most `parallel` at work and `queueLimit` more waiting, served in
/// the order they came; a request beyond both is refused at once (503 with `Retry-After`). With
/// `parallel` above 1 the admitted requests' answers decode together (`BatchDecoder`).
public final class RequestGate: @unchecked Sendable {
    public let parallel: Int
    public let queueLimit: Int
    private let lock = NSLock()
    private enum Place {
        /// Admitted; its waiter has not started waiting yet.
        case reserved
        case waiting(CheckedContinuation<Void, Error>)
        case running
    }
    private var places: [UInt64: Place] = [:]
    /// Waiting requests, oldest first.
    private var queue: [UInt64] = []
    private var running = 0
    private var nextID: UInt64 = 0
    private var closed = false

    public init(parallel: Int, queueLimit: Int) {
        self.parallel = max(1, parallel)
        self.queueLimit = max(0, queueLimit)
    }

    /// Requests at work and waiting.
    public var counts: (running: Int, queued: Int) {
        lock.withLock { (running, places.count - running) }
    }

    /// Requests that have begun waiting for a slot, in line.
    var queueLength: Int { lock.withLock { queue.count } }

    /// A place in the gate, or an error at once (503) when every slot and the queue are taken.
    public func admit() throws(APIError) -> Ticket {
        lock.lock()
        defer { lock.unlock() }
        if closed { throw APIError.shuttingDown() }
        guard places.count < parallel + queueLimit else { throw APIError.overloaded(retryAfter: 1) }
        nextID += 1
        places[nextID] = .reserved
        return Ticket(gate: self, id: nextID)
    }

    /// A request's place: wait for a slot, then hand it back when the work is done.
    public struct Ticket: Sendable {
        let gate: RequestGate
        let id: UInt64

        /// Waits (first come, first served) for a slot; throws if cancelled or the server shuts down.
        public func waitForSlot() async throws {
            try await gate.wait(id)
        }

        /// Gives the place up if it has no slot yet (the client left, or the request failed first).
        public func cancelWaiting() { gate.cancelWaiting(id) }

        /// Hands the slot back.
        public func release() { gate.release(id) }
    }

    private func wait(_ id: UInt64) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let outcome: Result<Void, Error>? = lock.withLock {
                    guard case .reserved = places[id] else {
                        places[id] = nil
                        return .failure(CancellationError())
                    }
                    if closed {
                        places[id] = nil
                        return .failure(APIError.shuttingDown())
                    }
                    if running < parallel, queue.isEmpty {
                        running += 1
                        places[id] = .running
                        return .success(())
                    }
                    places[id] = .waiting(continuation)
                    queue.append(id)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            cancelWaiting(id)
        }
    }

    private func cancelWaiting(_ id: UInt64) {
        let continuation: CheckedContinuation<Void, Error>? = lock.withLock {
            switch places[id] {
            case .reserved:
                // its wait, if it ever comes, finds no place and fails
                places[id] = nil
                return nil
            case .waiting(let continuation):
                places[id] = nil
                queue.removeAll { $0 == id }
                return continuation
            case .running, nil:
                return nil
            }
        }
        continuation?.resume(throwing: CancellationError())
    }

    private func release(_ id: UInt64) {
        let next: CheckedContinuation<Void, Error>? = lock.withLock {
            guard case .running = places[id] else { return nil }
            places[id] = nil
            running -= 1
            guard !closed, !queue.isEmpty else { return nil }
            let nextID = queue.removeFirst()
            guard case .waiting(let continuation) = places[nextID] else { return nil }
            places[nextID] = .running
            running += 1
            return continuation
        }
        next?.resume()
    }

    /// Refuses new requests and fails those still waiting (503); requests at work go on.
    public func close() {
        let waiters: [CheckedContinuation<Void, Error>] = lock.withLock {
            closed = true
            let waiters = queue.compactMap { id -> CheckedContinuation<Void, Error>? in
                guard case .waiting(let continuation) = places[id] else { return nil }
                places[id] = nil
                return continuation
            }
            queue.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume(throwing: APIError.shuttingDown()) }
    }
}
