import Foundation

/// Drafts from the conversation itself: when the last few tokens (an n-gram, longest first) occurred
/// before, it proposes what followed them the latest time. Code the user pasted and wants changed,
/// names, quoted passages and an answer asked for again all repeat this way. The index works on ids,
/// so CJK text and byte-fallback pieces are guessed like any other tokens.
public struct NGramDrafter: DraftSource {
    /// The shortest and longest suffix looked up; shorter matches guess more often and worse.
    public let shortest: Int
    public let longest: Int
    /// `earlier`, a separator, then the history as far as indexed.
    private var tokens: [Int32] = []
    /// Where the history starts in `tokens`.
    private let historyStart: Int
    /// Key (an n-gram's hash) -> the position after its latest occurrence, whose token followed it.
    private var latest: [UInt64: Int] = [:]
    /// Continuation positions below this are indexed.
    private var indexedThrough = 0

    /// Never a token id: keeps n-grams from spanning `earlier` and the history.
    private static let separator: Int32 = -1

    public init(earlier: [Int32] = [], shortest: Int = 2, longest: Int = 4) {
        self.shortest = max(1, shortest)
        self.longest = max(self.shortest, longest)
        if !earlier.isEmpty { tokens = earlier + [Self.separator] }
        historyStart = tokens.count
    }

    public mutating func propose(after history: [Int32], limit: Int) -> [Int32] {
        take(history)
        guard limit > 0 else { return [] }
        let count = tokens.count
        for n in stride(from: longest, through: shortest, by: -1) where count - historyStart >= n {
            let suffix = count - n
            guard let next = latest[Self.key(tokens[suffix..<count])], next < count,
                  tokens[(next - n)..<next].elementsEqual(tokens[suffix..<count]) else { continue }
            let guess = continuation(from: next, limit: limit)
            if !guess.isEmpty { return guess }
        }
        return []
    }

    /// The tokens after position `start`; past the end of what is known it repeats the guess itself
    /// (a suffix that occurred `count - start` tokens ago continues with the same period).
    private func continuation(from start: Int, limit: Int) -> [Int32] {
        let count = tokens.count
        var guess: [Int32] = []
        guess.reserveCapacity(limit)
        for i in 0..<limit {
            let source = start + i
            let token = source < count ? tokens[source] : guess[source - count]
            if token == Self.separator { break }
            guess.append(token)
        }
        return guess
    }

    /// Appends what `history` added since the last call and indexes the new continuation positions.
    private mutating func take(_ history: [Int32]) {
        let known = tokens.count - historyStart
        if history.count < known || (known > 0 && history[known - 1] != tokens[tokens.count - 1]) {
            // not a continuation of what was indexed: index the earlier text and this history afresh
            tokens.removeSubrange(historyStart...)
            latest.removeAll(keepingCapacity: true)
            indexedThrough = 0
        }
        tokens += history[(tokens.count - historyStart)...]
        while indexedThrough < tokens.count {
            let position = indexedThrough
            for n in shortest...longest where position - n >= 0 && tokens[position] != Self.separator {
                let gram = tokens[(position - n)..<position]
                if gram.contains(Self.separator) { break }
                latest[Self.key(gram)] = position
            }
            indexedThrough += 1
        }
    }

    /// A hash of an n-gram that also tells its length.
    private static func key(_ gram: ArraySlice<Int32>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(gram.count)
        for token in gram {
            h = (h ^ UInt64(UInt32(bitPattern: token))) &* 0x0000_0100_0000_01B3
            h ^= h >> 29
        }
        return h
    }
}
