import Dispatch
import Foundation

/// The time an `AnswerWriter` keeps its "saved at least once per interval" promise by: it reads
/// the time here and asks here for its delayed saves. The app uses `DispatchSaveClock`; a test
/// passes a clock it moves forward itself, so cadence is checked without waiting.
public protocol SaveClock: Sendable {
    /// Seconds on a clock that never goes back.
    var now: TimeInterval { get }
    /// Runs `work` on `queue` at `deadline` (a time of `now`), or at once if that has passed.
    func run(at deadline: TimeInterval, on queue: DispatchQueue, _ work: @escaping @Sendable () -> Void)
}

/// The system's monotonic clock; work is scheduled with `DispatchQueue.asyncAfter`.
public struct DispatchSaveClock: SaveClock {
    public init() {}

    public var now: TimeInterval {
        TimeInterval(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    public func run(at deadline: TimeInterval, on queue: DispatchQueue, _ work: @escaping @Sendable () -> Void) {
        // A deadline beyond what DispatchTime holds (or not a number) never comes.
        guard deadline.isFinite, deadline < TimeInterval(UInt64.max / 2) / 1e9 else { return }
        let nanoseconds = UInt64(max(0, deadline) * 1e9)
        queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: nanoseconds), execute: work)
    }
}
