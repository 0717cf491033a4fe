import Dispatch
import Foundation
@testable import GLMStore

/// A clock that stands still until the test moves it. Work that falls due while it is moved runs
/// on its queue, in deadline order, before `advance` returns; so after `advance(by:)` every save
/// that was due has been written, and none that was not.
final class ManualSaveClock: SaveClock, @unchecked Sendable {
    private struct Scheduled {
        var deadline: TimeInterval
        var order: Int
        var queue: DispatchQueue
        var work: @Sendable () -> Void
    }

    // Guarded by `lock`.
    private let lock = NSLock()
    private var time: TimeInterval
    private var scheduled: [Scheduled] = []
    private var nextOrder = 0

    init(start: TimeInterval = 1_000) {
        time = start
    }

    var now: TimeInterval { lock.withLock { time } }

    /// How many runs are waiting for their deadline.
    var pendingCount: Int { lock.withLock { scheduled.count } }

    func run(at deadline: TimeInterval, on queue: DispatchQueue, _ work: @escaping @Sendable () -> Void) {
        lock.withLock {
            scheduled.append(Scheduled(deadline: deadline, order: nextOrder, queue: queue, work: work))
            nextOrder += 1
        }
    }

    /// Moves the time forward by `seconds`, running each piece of work that falls due (including
    /// work scheduled by work) with the time set to its deadline.
    func advance(by seconds: TimeInterval) {
        let end = now + seconds
        while let due = takeNextDue(before: end) {
            due.queue.sync(execute: due.work)
        }
        lock.withLock { time = end }
    }

    private func takeNextDue(before end: TimeInterval) -> Scheduled? {
        lock.withLock {
            let due = scheduled.indices.filter { scheduled[$0].deadline <= end }
            guard let first = due.min(by: { (scheduled[$0].deadline, scheduled[$0].order) < (scheduled[$1].deadline, scheduled[$1].order) })
            else { return nil }
            let item = scheduled.remove(at: first)
            time = max(time, item.deadline)
            return item
        }
    }
}
