import Foundation

/// Runs work that may not listen to cancellation (a request waiting for a server's answer) so that
/// its caller still returns at once when cancelled or when the time limit passes; the work itself
/// is cancelled and left to end on its own.
enum Deadline {
    struct Expired: Error {}

    static func run<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = OneOutcome<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                outcome.attach(continuation)
                let work = Task {
                    do { outcome.resolve(.success(try await body())) } catch { outcome.resolve(.failure(error)) }
                }
                let timer = Task {
                    try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                    outcome.resolve(.failure(Expired()))
                }
                outcome.whenResolved {
                    work.cancel()
                    timer.cancel()
                }
            }
        } onCancel: {
            outcome.resolve(.failure(CancellationError()))
        }
    }
}

/// The first of several outcomes, delivered once to a continuation that may be attached late.
private final class OneOutcome<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?
    private var result: Result<T, Error>?
    private var cleanups: [@Sendable () -> Void] = []
    private var delivered = false

    func attach(_ continuation: CheckedContinuation<T, Error>) {
        lock.lock()
        self.continuation = continuation
        lock.unlock()
        deliverIfReady()
    }

    func resolve(_ outcome: Result<T, Error>) {
        lock.lock()
        if result == nil { result = outcome }
        lock.unlock()
        deliverIfReady()
    }

    func whenResolved(_ cleanup: @escaping @Sendable () -> Void) {
        lock.lock()
        let done = delivered
        if !done { cleanups.append(cleanup) }
        lock.unlock()
        if done { cleanup() }
    }

    private func deliverIfReady() {
        lock.lock()
        guard !delivered, let continuation, let result else {
            lock.unlock()
            return
        }
        delivered = true
        let pending = cleanups
        cleanups = []
        lock.unlock()
        continuation.resume(with: result)
        for cleanup in pending { cleanup() }
    }
}
