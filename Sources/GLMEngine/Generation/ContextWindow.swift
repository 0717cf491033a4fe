import Foundation

/// Where a token sequence may be cut when it outgrows the window: a prefix that always stays
/// (`[gMASK] sop` and the system message) and the starts of later turns (each user message with its
/// answer), so that whole old turns are evicted first.
public struct PromptLayout: Sendable, Equatable {
    public var keepPrefix: Int
    /// Token indices where turns begin (the first usually at `keepPrefix`), ascending.
    public var turnStarts: [Int]

    public init(keepPrefix: Int, turnStarts: [Int] = []) {
        self.keepPrefix = keepPrefix
        self.turnStarts = turnStarts
    }

    /// Plain text: keep `[gMASK] sop`, evict from the oldest end.
    public static let plain = PromptLayout(keepPrefix: 2, turnStarts: [2])
}

/// What a slide keeps and what it reports.
struct EvictionPlan: Equatable {
    var kept: [Int32]
    var layout: PromptLayout
    var droppedTokens: Int
    var droppedTurns: Int

    /// The positions that go: the dropped tokens right after the prefix.
    var evicted: Range<Int> { layout.keepPrefix..<(layout.keepPrefix + droppedTokens) }

    /// What the slide tells its listeners; the kept tail after the prefix is what gets read again.
    var report: SlideReport {
        SlideReport(droppedTokens: droppedTokens, droppedTurns: droppedTurns, rereadTokens: kept.count - layout.keepPrefix)
    }
}

/// Decides what to evict so that `tokens` leaves at least `free` positions in a window of `window`.
/// Whole turns after the kept prefix go first, oldest first; if the last turn alone is still too long,
/// its oldest tokens go. The kept sequence is the prefix followed by a contiguous tail.
enum ContextWindow {
    static func plan(_ tokens: [Int32], layout: PromptLayout, window: Int, free: Int) -> EvictionPlan? {
        let keepPrefix = min(layout.keepPrefix, tokens.count)
        guard let tailStart = tailStart(count: tokens.count, layout: layout, window: window, free: free) else { return nil }
        guard tailStart > keepPrefix else {
            return EvictionPlan(kept: tokens, layout: layout, droppedTokens: 0, droppedTurns: 0)
        }
        let starts = layout.turnStarts.filter { $0 >= keepPrefix && $0 < tokens.count }
        let kept = Array(tokens[..<keepPrefix]) + tokens[tailStart...]
        let shift = tailStart - keepPrefix
        var keptTurns = starts.filter { $0 >= tailStart }.map { $0 - shift }
        if keptTurns.first != keepPrefix { keptTurns.insert(keepPrefix, at: 0) }
        let droppedTurns = starts.filter { $0 < tailStart }.count
        return EvictionPlan(kept: kept, layout: PromptLayout(keepPrefix: keepPrefix, turnStarts: keptTurns),
                            droppedTokens: tailStart - keepPrefix, droppedTurns: droppedTurns)
    }

    /// Where the kept tail of `plan` starts for a sequence of `count` tokens (the prefix length when
    /// nothing needs to go), without building the kept sequence: the first turn boundary that makes
    /// the rest fit, else inside the last turn. Nil when the prefix itself does not fit.
    static func tailStart(count: Int, layout: PromptLayout, window: Int, free: Int) -> Int? {
        let keepPrefix = min(layout.keepPrefix, count)
        let budget = window - free
        guard free >= 0, budget > keepPrefix else { return nil }
        guard count > budget else { return keepPrefix }
        let mustDropTo = count - (budget - keepPrefix)
        return layout.turnStarts.first { $0 >= keepPrefix && $0 < count && $0 >= mustDropTo } ?? mustDropTo
    }
}
