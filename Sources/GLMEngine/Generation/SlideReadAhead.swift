import Foundation

/// The kept part of the next exact slide, read into a cache of its own while the window fills.
///
/// An exact slide must leave the cache equal to a fresh run over the kept tokens, so the kept tail
/// has to be read again at its new positions. Read all at once, that is a pause of seconds to minutes
/// in the middle of an answer. But once the window is nearly full, what the next slide will keep is
/// already known: the prefix, then everything from `tailStart` on. Generation waits on memory, so a
/// few of those rows ride along with each generated token (one pass over the weights for both), and
/// when the window fills this cache already holds the fresh run and simply takes the main cache's place.
///
/// Row `i` of this cache mirrors the main ledger's index `i` for `i < keepPrefix`, and
/// `tailStart + i - keepPrefix` after it.
final class SlideReadAhead {
    var cache: KVCache
    /// The tokens this cache holds, in order.
    private(set) var tokens: [Int32] = []
    private(set) var keepPrefix: Int
    private(set) var tailStart: Int
    /// Set once reading toward the current aim has begun (it then keeps up with every token).
    var isReading = false
    /// Reused batch of rows to feed next (never reallocated per token).
    private var rows: [Int32] = []

    init(cache: KVCache, keepPrefix: Int, tailStart: Int) {
        self.cache = cache
        self.keepPrefix = keepPrefix
        self.tailStart = tailStart
    }

    var count: Int { tokens.count }

    /// The main ledger's index that row `i` mirrors.
    func sourceIndex(_ i: Int) -> Int { i < keepPrefix ? i : tailStart + i - keepPrefix }

    /// Aims at another slide: keeps only the rows of the prefix the two aims share with `ledger`.
    func retarget(keepPrefix newPrefix: Int, tailStart newStart: Int, ledger: [Int32]) {
        let limit = min(tokens.count, keepPrefix, newPrefix, ledger.count)
        let shared = zip(tokens.prefix(limit), ledger.prefix(limit)).prefix { $0 == $1 }.count
        truncate(to: shared)
        keepPrefix = newPrefix
        tailStart = newStart
        isReading = false
    }

    /// Where the slide that comes when a ledger of `window` tokens (`layout`) takes one more starts its
    /// kept tail, with the prefix it keeps; nil when that slide keeps nothing beyond the prefix (or
    /// cannot happen). `slack` as `CachedSequence.slideSlack`.
    static func nextSlide(ledgerCount: Int, layout: PromptLayout, window: Int,
                          slack: Int?) -> (keepPrefix: Int, tailStart: Int)? {
        let keepPrefix = min(layout.keepPrefix, ledgerCount)
        let free = CachedSequence.freeAfterSlide(window: window, keepPrefix: keepPrefix, slack: slack)
        guard let tailStart = ContextWindow.tailStart(count: window + 1, layout: layout, window: window, free: free),
              tailStart > keepPrefix else { return nil }
        return (keepPrefix, tailStart)
    }

    /// Aims at the slide `target` (from `nextSlide`), keeping what still holds for it.
    func aim(at target: (keepPrefix: Int, tailStart: Int), ledger: [Int32]) {
        guard keepPrefix != target.keepPrefix || tailStart != target.tailStart else { return }
        retarget(keepPrefix: target.keepPrefix, tailStart: target.tailStart, ledger: ledger)
    }

    /// How many rows to read in a pass that feeds `tokensInPass` tokens to a main ledger of `ledgerCount`
    /// tokens (in a window of `window`), at `perToken` rows a token, with `room` rows left in the pass.
    /// Reading starts when the rows left would no longer fit in the steps left before the window is full
    /// (less one a token: the kept tail grows by the token fed), with some room to spare, and keeps up
    /// after that; behind schedule (a long prompt filled the window) up to twice the rows (four at
    /// least), the rest at the slide.
    func rowsToRead(ledgerCount: Int, window: Int, perToken: Int, tokensInPass: Int, room: Int) -> Int {
        let available = keepPrefix + max(0, ledgerCount + 1 - tailStart)
        let stepsLeft = max(1, window - ledgerCount)
        let lag = available - count
        guard lag > 0, perToken > 0 else { return 0 }
        if !isReading {
            guard (perToken - 1) * stepsLeft <= lag + lag / 8 + perToken else { return 0 }
            isReading = true
        }
        let needed = (lag + stepsLeft - 1) / stepsLeft + 1
        let rowsPerToken = max(perToken, min(max(2 * perToken, 4), needed))
        return max(0, min(lag, rowsPerToken * tokensInPass, room))
    }

    /// Follows the main ledger being cut back to `n` tokens.
    func ledgerTruncated(to n: Int) {
        let mirrored = n <= tailStart ? min(n, keepPrefix) : keepPrefix + (n - tailStart)
        if mirrored < tokens.count { truncate(to: mirrored) }
    }

    func truncate(to n: Int) {
        guard n < tokens.count else { return }
        tokens.removeSubrange(n...)
        cache.truncate(to: n)
    }

    /// The next `count` rows to feed: `ledger` mirrored, with `pending` standing for the ledger's next
    /// token (the one being fed to the main cache in the same pass).
    func nextRows(_ count: Int, ledger: [Int32], pending: Int32) -> ArraySlice<Int32> {
        if rows.count < count { rows = [Int32](repeating: 0, count: max(count, 8)) }
        for offset in 0..<count {
            let index = sourceIndex(tokens.count + offset)
            rows[offset] = index < ledger.count ? ledger[index] : pending
        }
        return rows[0..<count]
    }

    /// Records rows the model has just fed to `cache`.
    func fed(_ fedRows: ArraySlice<Int32>) { tokens += fedRows }

    /// Swaps places with the main sequence: this cache and its tokens become the main ones, and the
    /// main cache comes back here holding the prefix the two share (the same computation at the same
    /// positions), ready for the next read-ahead.
    func exchange(cache main: inout KVCache, tokens mainTokens: inout [Int32]) {
        let sharedPrefix = min(keepPrefix, tokens.count, mainTokens.count)
        swap(&cache, &main)
        swap(&tokens, &mainTokens)
        truncate(to: sharedPrefix)
        tailStart = Int.max
        isReading = false
    }
}
