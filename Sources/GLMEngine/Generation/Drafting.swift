import Foundation

/// Guesses of the tokens that come next, for speculative decoding to check. A guess costs nothing
/// when it is wrong (the model's own token replaces it) and saves a pass over the weights for every
/// token that is right. The n-gram index is one source; a small draft model can be another.
public protocol DraftSource {
    /// Up to `limit` tokens guessed to follow `history` (the prompt and the answer so far, growing by
    /// appends within one answer); empty when there is no guess.
    mutating func propose(after history: [Int32], limit: Int) -> [Int32]
}

/// Whether and how a request speculates. Every form gives the answer plain decoding gives (the same
/// ids with greedy decoding, the same distribution when sampling); they differ only in speed.
public enum Speculation: Sendable {
    case off
    /// Drafts from the conversation itself (`NGramDrafter`): the prompt, earlier answers, the answer so far.
    case ngram(maxDrafts: Int)
    /// Drafts read from a known continuation of the prompt (`ScriptedDrafter`): with the model's own
    /// greedy answer every draft is accepted, the upper bound of the mechanics (`bench --speculate oracle`).
    case scripted([Int32], maxDrafts: Int)
    /// Any other source, made once per request.
    case source(@Sendable () -> any DraftSource, maxDrafts: Int)

    /// Drafts per verification pass unless told otherwise.
    public static let defaultMaxDrafts = 8

    public var maxDrafts: Int {
        switch self {
        case .off: return 0
        case .ngram(let n): return max(0, n)
        case .scripted(_, let n): return max(0, n)
        case .source(_, let n): return max(0, n)
        }
    }

    /// The source for one request whose prompt is `prompt`; `earlier` is text the session had before
    /// it that the prompt may no longer hold (the answer a /retry replaces). Nil when off.
    func makeSource(prompt: [Int32], earlier: [Int32]) -> (any DraftSource)? {
        switch self {
        case .off: return nil
        case .ngram: return NGramDrafter(earlier: earlier)
        case .scripted(let script, _): return ScriptedDrafter(promptCount: prompt.count, script: script)
        case .source(let make, _): return make()
        }
    }
}

/// The modes the command line and config.toml name.
public enum SpeculationMode: String, Sendable, CaseIterable {
    case ngram, off

    /// The mode when neither the command line nor config.toml names one. On: a pass of 1 + 1 or 1 + 2
    /// rows costs 1.02-1.05x a token on two cores and `DraftBudget` narrows to one draft after a miss,
    /// so answers whose guesses miss lose a few percent at most, and answers that repeat gain up to
    /// 3-4x (docs/PERFORMANCE.md, "Speculative decoding").
    public static let standard = SpeculationMode.ngram

    public func speculation(maxDrafts: Int = Speculation.defaultMaxDrafts) -> Speculation {
        self == .ngram ? .ngram(maxDrafts: maxDrafts) : .off
    }
}

/// Drafts read from a fixed continuation of the prompt: after `history` holds the prompt and `k`
/// answer tokens, it proposes `script[k...]`. With the model's own greedy answer it is an oracle;
/// with wrong tokens mixed in, it exercises the rejections.
public struct ScriptedDrafter: DraftSource {
    public let promptCount: Int
    public let script: [Int32]

    public init(promptCount: Int, script: [Int32]) {
        self.promptCount = promptCount
        self.script = script
    }

    public mutating func propose(after history: [Int32], limit: Int) -> [Int32] {
        let start = history.count - promptCount
        guard start >= 0, start < script.count, limit > 0 else { return [] }
        return Array(script[start..<min(script.count, start + limit)])
    }
}

/// How many drafts the next pass asks for: `firstDrafts` at first, doubling with every pass accepted
/// whole up to `maxDrafts`, and after a pass the model cut short, one more than it accepted (so a wrong
/// guess costs a narrow pass, not a wide one).
///
/// Where a draft row is not nearly free (beside other answers in a batch bound by arithmetic, or over
/// a long cache, where each row's attention alone costs a fair share of a token), passes are `wary`:
/// they start from one draft, double with every pass accepted whole, and after a miss none are drafted
/// for `stepsAfterMiss` steps, so wrong guesses waste at most one row in 17 steps.
public struct DraftBudget: Sendable {
    public let maxDrafts: Int
    public private(set) var current: Int
    /// Drafts of an answer's first pass: a pass of 1 + 2 rows costs about 1.1x a token on two AVX2 cores
    /// and 1 + 8 about 3x, so a first guess that misses costs little, and one that holds doubles from there.
    public static let firstDrafts = 2
    /// Steps without drafts after a miss, in wary passes.
    public static let stepsAfterMiss = 16
    /// Cached positions from which a lone answer's passes are wary: a row's attention there costs
    /// about a tenth of a token's weights on two AVX2 cores, and grows with the cache.
    public static let waryDepth = 4096
    private var stepsToWait = 0
    private var acceptedStreak = 0

    public init(maxDrafts: Int) {
        self.maxDrafts = max(0, maxDrafts)
        current = min(self.maxDrafts, Self.firstDrafts)
    }

    /// The drafts the coming step may carry (one call a step: it also counts the steps after a miss).
    public mutating func allowed(wary: Bool) -> Int {
        if stepsToWait > 0 {
            stepsToWait -= 1
            if wary { return 0 }
        }
        return wary ? min(current, 1 << min(acceptedStreak, 16)) : current
    }

    public mutating func record(drafted: Int, accepted: Int) {
        current = accepted >= drafted ? min(maxDrafts, max(1, current * 2)) : min(maxDrafts, accepted + 1)
        if accepted < drafted {
            stepsToWait = Self.stepsAfterMiss
            acceptedStreak = 0
        } else {
            acceptedStreak += 1
        }
    }
}
