import Foundation
import Testing
@testable import GLMEngine

@Suite("Generation: sampler")
struct SamplerTests {
    @Test("greedy picks the largest allowed logit and never a padding id")
    func greedyMasksPadding() {
        var sampler = Sampler(parameters: .greedy, seed: 0, allowedVocabulary: 4)
        #expect(sampler.next(logits: [0, 3, 1, 2, 99, 100], history: []) == 1)
    }

    @Test("temperature sampling never returns padding ids")
    func samplingMasksPadding() {
        var sampler = Sampler(parameters: SamplingSettings(temperature: 1, topP: 1, topK: 0, repetitionPenalty: 1), seed: 7,
                              allowedVocabulary: 3)
        for _ in 0..<500 {
            #expect(sampler.next(logits: [0, 0, 0, 50, 50], history: []) < 3)
        }
    }

    @Test("the same seed gives the same draws; another seed differs")
    func seeded() {
        let logits = (0..<50).map { Float($0 % 7) * 0.3 }
        func draws(_ seed: UInt64) -> [Int32] {
            var s = Sampler(parameters: SamplingSettings(temperature: 1, topP: 1, topK: 0, repetitionPenalty: 1), seed: seed,
                            allowedVocabulary: 50)
            return (0..<40).map { _ in s.next(logits: logits, history: []) }
        }
        #expect(draws(1) == draws(1))
        #expect(draws(1) != draws(2))
    }

    @Test("top-k 1 is greedy whatever the temperature")
    func topKOne() {
        var sampler = Sampler(parameters: SamplingSettings(temperature: 5, topP: 1, topK: 1, repetitionPenalty: 1), seed: 3,
                              allowedVocabulary: 5)
        for _ in 0..<50 { #expect(sampler.next(logits: [1, 2, 5, 4, 3], history: []) == 2) }
    }

    @Test("top-p keeps the smallest set reaching the mass")
    func topP() {
        // Probabilities ~ [0.665, 0.245, 0.09]: top-p 0.6 keeps only the first.
        var sampler = Sampler(parameters: SamplingSettings(temperature: 1, topP: 0.6, topK: 0, repetitionPenalty: 1), seed: 9,
                              allowedVocabulary: 3)
        for _ in 0..<100 { #expect(sampler.next(logits: [2, 1, 0], history: []) == 0) }
        var wider = Sampler(parameters: SamplingSettings(temperature: 1, topP: 0.8, topK: 0, repetitionPenalty: 1), seed: 9,
                            allowedVocabulary: 3)
        let seen = Set((0..<300).map { _ in wider.next(logits: [2, 1, 0], history: []) })
        #expect(seen == [0, 1])
    }

    @Test("sampling frequencies follow the softmax")
    func frequencies() {
        var sampler = Sampler(parameters: SamplingSettings(temperature: 1, topP: 1, topK: 0, repetitionPenalty: 1), seed: 11,
                              allowedVocabulary: 2)
        let n = 20_000
        let ones = (0..<n).filter { _ in sampler.next(logits: [0, logf(3)], history: []) == 1 }.count
        #expect(abs(Double(ones) / Double(n) - 0.75) < 0.02)
    }

    @Test("repetition penalty divides positive and multiplies negative logits of seen tokens")
    func repetitionPenalty() {
        var sampler = Sampler(parameters: SamplingSettings(temperature: 0, topP: 1, topK: 0, repetitionPenalty: 2), seed: 0,
                              allowedVocabulary: 3)
        // Token 0 (3.0 -> 1.5) loses to token 1 (2.0) once seen.
        #expect(sampler.next(logits: [3, 2, -1], history: []) == 0)
        #expect(sampler.next(logits: [3, 2, -1], history: [0]) == 1)
        // A negative seen logit moves further down: -0.5 -> -1 loses to unseen -0.9.
        #expect(sampler.next(logits: [-0.5, -0.9, -3], history: [0]) == 1)
    }

    @Test("invalid parameters are rejected with a clear message")
    func validation() {
        #expect(throws: GLMError.self) { try SamplingSettings(temperature: -1).validate() }
        #expect(throws: GLMError.self) { try SamplingSettings(topP: 0).validate() }
        #expect(throws: GLMError.self) { try SamplingSettings(topK: -2).validate() }
        #expect(throws: GLMError.self) { try SamplingSettings(repetitionPenalty: 0).validate() }
    }
}

@Suite("Generation: reply splitter")
struct ReplySplitterTests {
    @Test("an empty metadata line is hidden and the content's leading space dropped")
    func emptyMetadata() {
        var s = ReplySplitter()
        var shown = ""
        for piece in ["", "\n", " 你好", "👋", "！"] { shown += s.feed(piece) }
        shown += s.finish()
        #expect(shown == "你好👋！")
        #expect(s.metadata == "")
    }

    @Test("a tool name is metadata, not content")
    func toolMetadata() {
        var s = ReplySplitter()
        var shown = s.feed("get_current_")
        shown += s.feed("weather\n```python\ntool_call(location=\"Beijing\")\n```")
        #expect(s.metadata == "get_current_weather")
        #expect(shown == "```python\ntool_call(location=\"Beijing\")\n```")
    }

    @Test("a reply without any newline is content")
    func noNewline() {
        var s = ReplySplitter()
        #expect(s.feed("  Hello") == "")
        #expect(s.finish() == "Hello")
    }
}

@Suite("Generation: reply splitter without a metadata line")
struct ReplySplitterLongLineTests {
    @Test("a first line longer than any metadata streams as content")
    func longFirstLine() {
        var s = ReplySplitter()
        let line = String(repeating: "word ", count: 20)
        let shown = s.feed(line) + s.feed("more")
        #expect(shown == line + "more")
        #expect(s.metadata == "")
    }
}

/// The sampler sorts only the tokens that can be chosen; what it may choose must be exactly what a
/// full sort of the vocabulary keeps under top-k / top-p.
@Suite struct SamplerSelectionTests {
    /// The kept set by the plain definition: sort everything, cut to top-k, then to the smallest
    /// prefix whose share of the mass reaches top-p.
    private func keptByFullSort(_ logits: [Float], _ p: SamplingSettings) -> Set<Int32> {
        let z = logits.map { $0 / p.temperature }
        let best = z.max() ?? 0
        var order = z.indices.sorted { z[$0] > z[$1] || (z[$0] == z[$1] && $0 < $1) }
        if p.topK > 0 { order = Array(order.prefix(p.topK)) }
        let w = order.map { expf(z[$0] - best) }
        let total = w.reduce(0, +)
        var mass: Float = 0, keep = 0
        while keep < order.count {
            mass += w[keep]
            keep += 1
            if p.topP < 1 && mass / total >= p.topP { break }
        }
        return Set(order.prefix(keep).map { Int32($0) })
    }

    @Test(arguments: [SamplingSettings(temperature: 0.8, topP: 0.8, topK: 0, repetitionPenalty: 1, seed: 1),
                      SamplingSettings(temperature: 1, topP: 0.9, topK: 40, repetitionPenalty: 1, seed: 2),
                      SamplingSettings(temperature: 2, topP: 0.5, topK: 0, repetitionPenalty: 1, seed: 3),
                      SamplingSettings(temperature: 0.7, topP: 1, topK: 5, repetitionPenalty: 1, seed: 4)])
    func drawsStayInTheFullSortKeptSet(_ parameters: SamplingSettings) {
        let seed = parameters.seed ?? 0
        var rng = SeededRandom(seed: seed)
        // a peaked distribution over 3000 ids (as real logits are): most of the mass in a few dozen
        let logits = rng.floats(3000, scale: 3).enumerated().map { $0.offset % 97 == 0 ? $0.element + 8 : $0.element }
        let kept = keptByFullSort(logits, parameters)
        var sampler = Sampler(parameters: parameters, seed: seed, allowedVocabulary: 3000)
        var seen = Set<Int32>()
        for _ in 0..<600 {
            let id = sampler.next(logits: logits, history: [])
            #expect(kept.contains(id), "id \(id) is outside the kept set of \(kept.count)")
            seen.insert(id)
        }
        #expect(seen.count > 1 || kept.count == 1)
    }
}
