import Foundation

/// How the next token is chosen. Temperature 0 means greedy.
public struct SamplingParameters: Sendable, Equatable, Codable {
    public var temperature: Float
    public var topP: Float
    /// 0 disables top-k.
    public var topK: Int
    /// 1 disables the penalty (HF semantics: positive logits divided, negative multiplied).
    public var repeatPenalty: Float
    public var seed: UInt64

    public init(temperature: Float = 0.8, topP: Float = 0.8, topK: Int = 0, repeatPenalty: Float = 1.1,
                seed: UInt64 = 0) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repeatPenalty = repeatPenalty
        self.seed = seed
    }

    public static let greedy = SamplingParameters(temperature: 0, topP: 1, topK: 0, repeatPenalty: 1, seed: 0)

    public func validate() throws {
        guard temperature >= 0, temperature.isFinite else { throw GLMError(.badValue, "temperature must be >= 0, got \(temperature)") }
        guard topP > 0, topP <= 1 else { throw GLMError(.badValue, "top-p must be in (0, 1], got \(topP)") }
        guard topK >= 0 else { throw GLMError(.badValue, "top-k must be >= 0, got \(topK)") }
        guard repeatPenalty > 0, repeatPenalty.isFinite else { throw GLMError(.badValue, "repeat penalty must be > 0, got \(repeatPenalty)") }
    }
}

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
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    public let allowedVocabulary: Int
    private var generator: SeededGenerator

    public init(parameters: SamplingParameters, allowedVocabulary: Int) {
        self.parameters = parameters
        self.allowedVocabulary = allowedVocabulary
        generator = SeededGenerator(seed: parameters.seed)
    }

    /// `history` is every token the penalty applies to (prompt and answer so far).
    public mutating func next(logits: [Float], history: [Int32]) -> Int32 {
        let count = min(allowedVocabulary, logits.count)
        var scores = Array(logits[0..<count])
        if parameters.repeatPenalty != 1 {
            for id in Set(history) where id >= 0 && Int(id) < count {
                let s = scores[Int(id)]
                scores[Int(id)] = s > 0 ? s / parameters.repeatPenalty : s * parameters.repeatPenalty
            }
        }
        if parameters.temperature == 0 {
            return Int32(Self.argmax(scores))
        }
        var candidates = (0..<count).map { (id: $0, score: scores[$0] / parameters.temperature) }
        candidates.sort { $0.score > $1.score || ($0.score == $1.score && $0.id < $1.id) }
        if parameters.topK > 0, parameters.topK < candidates.count {
            candidates.removeSubrange(parameters.topK...)
        }
        let top = candidates[0].score
        var probabilities = candidates.map { expf($0.score - top) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        if parameters.topP < 1 {
            // Keep the smallest prefix whose mass reaches top-p (always at least one token).
            var mass: Float = 0
            var keep = 0
            while keep < probabilities.count {
                mass += probabilities[keep]
                keep += 1
                if mass >= parameters.topP { break }
            }
            candidates.removeSubrange(keep...)
            probabilities.removeSubrange(keep...)
            let kept = probabilities.reduce(0, +)
            probabilities = probabilities.map { $0 / kept }
        }
        let draw = Float(Double(generator.next() >> 11) / Double(1 << 53))
        var cumulative: Float = 0
        for (index, p) in probabilities.enumerated() {
            cumulative += p
            if draw < cumulative { return Int32(candidates[index].id) }
        }
        return Int32(candidates[candidates.count - 1].id)
    }

    public static func argmax(_ scores: [Float]) -> Int {
        var best = 0
        for i in scores.indices where scores[i] > scores[best] { best = i }
        return best
    }
}
