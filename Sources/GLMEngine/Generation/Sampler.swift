import Foundation

/// A small seeded generator (SplitMix64) so a given seed reproduces the same answer everywhere.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Picks tokens from logits in the order the reference uses: repetition penalty, temperature,
/// top-k, top-p, then a draw. Ids at or above `allowedVocabulary` (padding rows) are never picked.
/// Per token it touches the vocabulary a few times in place and sorts only the tokens that can be
/// chosen (those within a factor of the best, widened until top-k / top-p are decided), not all
/// 65K of them; its buffers live as long as the sampler.
public struct Sampler: Sendable {
    public let parameters: SamplingSettings
    public let allowedVocabulary: Int
    private var generator: SeededGenerator
    private var weights: [Float] = []
    private var candidates: [Candidate] = []
    private var penalized: [UInt32] = []
    private var stamp: UInt32 = 0

    private struct Candidate: Sendable {
        var id: Int32
        var weight: Float
    }

    public init(parameters: SamplingSettings, seed: UInt64, allowedVocabulary: Int) {
        self.parameters = parameters
        self.allowedVocabulary = allowedVocabulary
        generator = SeededGenerator(seed: seed)
    }

    /// `history` is every token the penalty applies to (prompt and answer so far).
    public mutating func next(logits: [Float], history: [Int32]) -> Int32 {
        next(logits: logits[...], history: history)
    }

    /// `next` on one row of a batch of logits (a verification pass returns several).
    public mutating func next(logits: ArraySlice<Float>, history: [Int32]) -> Int32 {
        switch distribution(logits, history: history) {
        case .empty: return 0
        case .greedy(let id): return id
        case .weighted(let total, let whole, let count): return draw(total: total, order: whole ? nil : candidates, count: count)
        }
    }

    /// What `distribution` leaves to draw from: nothing, the one greedy pick, or the weights (of the
    /// whole vocabulary in `weights`, or of `candidates`) with their total.
    enum Distribution {
        case empty
        case greedy(Int32)
        case weighted(total: Float, wholeVocabulary: Bool, count: Int)
    }

    /// Penalty, temperature, top-k and top-p applied to a row, in the reference's order.
    mutating func distribution(_ logits: ArraySlice<Float>, history: [Int32]) -> Distribution {
        let count = min(allowedVocabulary, logits.count)
        guard count > 0 else { return .empty }
        weights.removeAll(keepingCapacity: true)
        weights.append(contentsOf: logits.prefix(count))
        if parameters.repetitionPenalty != 1 { applyPenalty(history, count: count) }
        if parameters.temperature == 0 { return .greedy(Int32(Self.argmax(weights))) }

        // weights = e^(score / T - best): the softmax numerators, the best token at 1
        let temperature = parameters.temperature
        var best = -Float.infinity
        for i in 0..<count { best = max(best, weights[i] / temperature) }
        for i in 0..<count { weights[i] = expf(weights[i] / temperature - best) }

        if parameters.topK == 0 && parameters.topP >= 1 {
            // every token stays: draw over the vocabulary as it lies
            var total: Float = 0
            for w in weights { total += w }
            return .weighted(total: total, wholeVocabulary: true, count: count)
        }
        var allTotal: Float = 0
        if parameters.topK == 0 { for w in weights { allTotal += w } }
        var threshold: Float = 1e-4
        while true {
            select(atLeast: threshold, count: count)
            if let kept = decide(allTotal: allTotal, complete: threshold == 0) {
                return .weighted(total: kept, wholeVocabulary: false, count: count)
            }
            threshold = threshold > 1e-30 ? threshold * 1e-6 : 0
        }
    }

    /// The candidates with weight >= threshold, best first (ties: lower id first).
    private mutating func select(atLeast threshold: Float, count: Int) {
        candidates.removeAll(keepingCapacity: true)
        for i in 0..<count where weights[i] >= threshold {
            candidates.append(Candidate(id: Int32(i), weight: weights[i]))
        }
        candidates.sort { $0.weight > $1.weight || ($0.weight == $1.weight && $0.id < $1.id) }
    }

    /// Cuts `candidates` to what top-k and top-p keep and returns the kept mass, or nil when the
    /// selection is too narrow to decide (more tokens above a lower threshold could still count).
    private mutating func decide(allTotal: Float, complete: Bool) -> Float? {
        var total = allTotal
        if parameters.topK > 0 {
            guard candidates.count >= parameters.topK || complete else { return nil }
            if candidates.count > parameters.topK { candidates.removeSubrange(parameters.topK...) }
            total = 0
            for c in candidates { total += c.weight }
        }
        guard parameters.topP < 1 else { return total }
        // the smallest prefix whose share of the mass reaches top-p (always at least one token)
        var mass: Float = 0
        var keep = 0
        while keep < candidates.count {
            mass += candidates[keep].weight
            keep += 1
            if mass / total >= parameters.topP { break }
        }
        guard mass / total >= parameters.topP || complete || parameters.topK > 0 else { return nil }
        candidates.removeSubrange(keep...)
        return mass
    }

    /// Draws in proportion to the weights of `order` (or of the whole vocabulary when nil), never
    /// `excluded` (whose weight the caller took out of `total`).
    private mutating func draw(total: Float, order: [Candidate]?, count: Int, excluding excluded: Int32 = -1) -> Int32 {
        let target = uniform() * total
        var cumulative: Float = 0
        if let order {
            var last: Int32?
            for c in order where c.id != excluded {
                cumulative += c.weight
                last = c.id
                if target < cumulative { return c.id }
            }
            return last ?? order.last?.id ?? 0
        }
        var last = 0
        for i in 0..<count where weights[i] > 0 && Int32(i) != excluded {
            cumulative += weights[i]
            last = i
            if target < cumulative { return Int32(i) }
        }
        return Int32(last)
    }

    /// A draw in [0, 1) from the seeded generator.
    private mutating func uniform() -> Float {
        Float(Double(generator.next() >> 11) / Double(1 << 53))
    }

    /// The weight `distribution` left to `id` (0 when top-k or top-p cut it).
    private func weight(of id: Int32, wholeVocabulary: Bool) -> Float {
        if wholeVocabulary { return id >= 0 && Int(id) < weights.count ? weights[Int(id)] : 0 }
        return candidates.first { $0.id == id }?.weight ?? 0
    }

    /// Decides a drafted token against the model's row, so that the token kept at this position has
    /// exactly the distribution `next` draws from (the rule for a deterministic draft): the draft is
    /// accepted with the probability the model gives it; otherwise the token is drawn from the
    /// model's distribution without the draft, renormalised. Greedy: accepted when it is the argmax,
    /// else the argmax replaces it, so the answer is the one plain decoding gives.
    public mutating func verify(draft: Int32, logits: ArraySlice<Float>, history: [Int32]) -> (token: Int32, accepted: Bool) {
        switch distribution(logits, history: history) {
        case .empty: return (0, draft == 0)
        case .greedy(let id): return (id, id == draft)
        case .weighted(let total, let whole, let count):
            let draftWeight = weight(of: draft, wholeVocabulary: whole)
            if draftWeight > 0, uniform() * total < draftWeight { return (draft, true) }
            let rest = total - draftWeight
            // the draft held (up to rounding) all the mass: nothing else can be drawn
            guard rest > 0 else { return (draft, true) }
            return (draw(total: rest, order: whole ? nil : candidates, count: count, excluding: draft), false)
        }
    }

    /// HF's repetition penalty, once per distinct id of `history`.
    private mutating func applyPenalty(_ history: [Int32], count: Int) {
        if penalized.count < count { penalized = [UInt32](repeating: 0, count: count) }
        stamp &+= 1
        if stamp == 0 {
            for i in penalized.indices { penalized[i] = 0 }
            stamp = 1
        }
        for id in history where id >= 0 && Int(id) < count && penalized[Int(id)] != stamp {
            penalized[Int(id)] = stamp
            let s = weights[Int(id)]
            weights[Int(id)] = s > 0 ? s / parameters.repetitionPenalty : s * parameters.repetitionPenalty
        }
    }

    /// The index of the largest of the first `count` scores (all of them by default); the first on ties.
    public static func argmax(_ scores: [Float], count: Int? = nil) -> Int {
        var best = 0
        for i in 0..<min(count ?? scores.count, scores.count) where scores[i] > scores[best] { best = i }
        return best
    }
}
