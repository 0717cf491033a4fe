import Foundation

/// How long the rest of a long prompt (a pasted document) will take to read: the rate is measured
/// from the first progress report of the prompt on, so the model's own speed at this depth counts,
/// not a guess. The app gives it the time of each report; nothing here reads the clock.
struct PromptReadingEstimate {
    /// Prompts this long or longer show tokens read / total and the estimate; shorter ones a percentage.
    static let longPrompt = 1024
    /// The rate is trusted once this much reading has been timed.
    static let minimumSeconds = 1.0

    private var first: (done: Int, total: Int, at: ContinuousClock.Instant)?

    /// Forgets the prompt (a new answer starts).
    mutating func reset() { first = nil }

    /// Records a report of `done` of `total` tokens read at `now`; returns the seconds left, or nil
    /// while no rate is known yet. A report that goes backwards or names another total starts over.
    mutating func update(done: Int, total: Int, now: ContinuousClock.Instant) -> Double? {
        guard let start = first, start.total == total, done >= start.done else {
            first = (done, total, now)
            return nil
        }
        let seconds = (now - start.at) / .seconds(1)
        guard seconds >= Self.minimumSeconds, done > start.done else { return nil }
        let rate = Double(done - start.done) / seconds
        return Double(total - done) / rate
    }

    /// "about 40 s left", "about 3 min left".
    static func describe(secondsLeft: Double) -> String {
        if secondsLeft < 60 { return "about \(max(1, Int(secondsLeft.rounded()))) s left" }
        return "about \(Int((secondsLeft / 60).rounded())) min left"
    }
}
