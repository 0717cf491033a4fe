import Foundation
import GLMEngine

/// `glmchat bench --speculate`: generation with drafts checked in one pass against plain generation,
/// alternating the two within each repetition, and what a verification pass of K drafts costs
/// against a pass of one token. Greedy throughout, through the engine's own pieces (`CachedSequence`
/// `step` and `speculate`, `Sampler`, the draft sources), so the answer of every form is the same.
public enum SpeculationBenchmark {
    public enum Mode: String, Sendable, CaseIterable {
        /// No drafts: the same loop as plain generation (the yardstick alone).
        case off
        /// The plain run's own answer as drafts: every draft is accepted, the upper bound of the mechanics.
        case oracle
        /// Drafts from the n-gram index, on a prompt that pastes a passage and starts it again.
        case ngram
        /// The plain answer with every token changed as drafts: every pass misses, so this is what
        /// speculating costs an answer whose guesses never hold (`DraftBudget` narrows after each miss).
        case miss
    }

    public struct Options: Sendable {
        public var mode = Mode.oracle
        public var maxDrafts = Speculation.defaultMaxDrafts
        public var promptTokens = 256
        public var generatedTokens = 128
        public var repetitions = 3
        /// Passes of each size timed for the verification cost.
        public var costPasses = 8
        /// Cached positions (random rows, as `bench --context`) the prompt is read after: speculation
        /// over a long conversation, where drafts are wary (`DraftBudget.waryDepth`).
        public var context = 0
        public init() {}
    }

    public struct Run: Sendable {
        public var tokensPerSecond: Double
        public var drafted = 0
        public var accepted = 0
        public var passes = 0
    }

    public struct Result: Sendable {
        public var plain: [Run] = []
        public var speculative: [Run] = []
        /// Drafts per pass measured, and the median seconds of a pass of 1 + K rows (logits for every
        /// row) against those of one token (`forwardToken`), measured alternately.
        public var costDrafts: [Int] = []
        public var verifySeconds: [Int: Double] = [:]
        public var oneTokenSeconds = 0.0
        /// Whether the speculative answers equalled the plain ones (they must).
        public var identical = true
    }

    public static func run(model: GLMModel, options: Options, log: (String) -> Void = { _ in }) throws -> Result {
        var result = Result()
        let vocabulary = min(model.config.vocabRows, 64_000)
        let prompt = self.prompt(options.promptTokens, vocabulary: vocabulary)
        let window = options.context + prompt.count + options.generatedTokens + options.maxDrafts + 2
        guard window <= model.config.contextLength else {
            throw GLMError(.contextOverflow, "the benchmark needs \(window) positions; the model's window is \(model.config.contextLength)")
        }
        let sequence = try filledSequence(model, window: window, context: options.context)
        // warm-up: every weight page touched once, and a few steps
        _ = try generate(sequence, prompt: prompt, options: options, count: 4, source: nil, maxDrafts: 0)
        for repetition in 0..<options.repetitions {
            let plain = try generate(sequence, prompt: prompt, options: options, count: options.generatedTokens,
                                     source: nil, maxDrafts: 0)
            result.plain.append(plain.run)
            log(String(format: "plain #%d: %.2f tokens/s", repetition + 1, plain.run.tokensPerSecond))
            guard options.mode != .off else { continue }
            let source: any DraftSource
            switch options.mode {
            case .oracle: source = ScriptedDrafter(promptCount: prompt.count, script: plain.ids)
            case .miss: source = ScriptedDrafter(promptCount: prompt.count, script: plain.ids.map { Self.other(than: $0, vocabulary: vocabulary) })
            case .ngram, .off: source = NGramDrafter()
            }
            let fast = try generate(sequence, prompt: prompt, options: options, count: options.generatedTokens,
                                    source: source, maxDrafts: options.maxDrafts)
            result.speculative.append(fast.run)
            result.identical = result.identical && fast.ids == plain.ids
            log("\(options.mode.rawValue) #\(repetition + 1): " + String(format: "%.2f tokens/s", fast.run.tokensPerSecond)
                + " (\(fast.run.drafted) drafted, \(fast.run.accepted) accepted in \(fast.run.passes) passes)"
                + (fast.ids == plain.ids ? "" : " ANSWER DIFFERS"))
        }
        try measureCost(model, prompt: prompt, options: options, into: &result, log: log)
        return result
    }

    /// A sequence of `window` positions whose first `context` hold random rows (their ledger: `filler`).
    /// Its window fits the whole run, so the next slide's read-ahead (which would add rows to every
    /// pass near the end of a window) is off: both forms are timed as generation in the middle of a chat.
    static func filledSequence(_ model: GLMModel, window: Int, context: Int) throws -> CachedSequence {
        let sequence = CachedSequence(model: model, contextLimit: window)
        sequence.readAheadRowsPerToken = 0
        if context > 0 {
            sequence.cache.fillWithRandomRows(upTo: context, seed: 5)
            try sequence.assumeCached(filler(context))
        }
        return sequence
    }

    /// The ledger of the random rows: ids no prompt of the benchmark repeats in a row.
    static func filler(_ count: Int) -> [Int32] { (0..<count).map { Int32(30_000 + $0 % 7) } }

    /// A token id that is not `token`, inside the vocabulary the sampler allows.
    static func other(than token: Int32, vocabulary: Int) -> Int32 {
        Int32((Int(token) + 1) % max(2, vocabulary))
    }

    /// A prompt that pastes a passage of random tokens, says a few more, and starts the passage again:
    /// the case of a user asking to repeat or edit what they pasted.
    static func prompt(_ count: Int, vocabulary: Int, seed: UInt64 = 21) -> [Int32] {
        var generator = SeededGenerator(seed: seed)
        let passage = (0..<max(8, count / 2 - 8)).map { _ in Int32(generator.next() % UInt64(vocabulary)) }
        let between = (0..<8).map { _ in Int32(generator.next() % UInt64(vocabulary)) }
        let whole = [64790, 64792] + passage + between + passage
        return Array(whole.prefix(max(2, count)))
    }

    /// The engine's greedy loop over `sequence`: plain when `source` is nil. The prompt is read after
    /// the `options.context` random rows of `filledSequence`, each time.
    static func generate(_ sequence: CachedSequence, prompt: [Int32], options: Options, count: Int,
                         source: (any DraftSource)?, maxDrafts: Int) throws -> (ids: [Int32], run: Run) {
        let context = options.context
        sequence.truncate(to: context)
        var logits = try sequence.prefill(filler(context) + prompt).logits
        var sampler = Sampler(parameters: .greedy, seed: 0, allowedVocabulary: min(sequence.model.config.vocabRows, 64_000))
        var drafter = source
        var history = prompt
        var run = Run(tokensPerSecond: 0)
        var pending: Int32?
        var budget = DraftBudget(maxDrafts: maxDrafts)
        let start = DispatchTime.now()
        while history.count - prompt.count < count {
            let next = pending ?? sampler.next(logits: logits, history: history)
            pending = nil
            history.append(next)
            let left = count - (history.count - prompt.count)
            if left == 0 { break }
            let allowed = budget.allowed(wary: sequence.tokens.count >= DraftBudget.waryDepth)
            let room = sequence.draftRoom(wanted: min(allowed, left - 1))
            let drafts = room > 0 ? Array((drafter?.propose(after: history, limit: room) ?? []).prefix(room)) : []
            if drafts.isEmpty {
                _ = try sequence.step(next, into: &logits)
                continue
            }
            let verified = try sequence.speculate(next, drafts: drafts, sampler: &sampler, history: history, stopTokens: [])
            run.drafted += drafts.count
            run.accepted += verified.accepted.count
            run.passes += 1
            budget.record(drafted: drafts.count, accepted: verified.accepted.count)
            history += verified.accepted
            if let replacement = verified.replacement {
                pending = replacement
            } else {
                logits = Array(verified.row(verified.accepted.count))
            }
        }
        run.tokensPerSecond = Double(count) / Benchmark.elapsed(since: start)
        return (Array(history[prompt.count...]), run)
    }

    /// One token's pass against passes of 1 + K rows with every row's logits, alternating, after the prompt.
    static func measureCost(_ model: GLMModel, prompt: [Int32], options: Options, into result: inout Result,
                            log: (String) -> Void) throws {
        let sequence = try filledSequence(model, window: options.context + prompt.count + model.maxBatch + 1,
                                          context: options.context)
        var logits = try sequence.prefill(filler(options.context) + prompt).logits
        let base = sequence.tokens.count
        let drafts = Array(Set([1, 2, 4, options.maxDrafts].filter { $0 >= 1 && $0 <= sequence.draftRoom(wanted: $0) })).sorted()
        var single: [Double] = []
        var passes: [Int: [Double]] = [:]
        for _ in 0..<max(1, options.costPasses) {
            for k in drafts {
                var start = DispatchTime.now()
                _ = try sequence.step(7, into: &logits)
                single.append(Benchmark.elapsed(since: start))
                sequence.rollBack(to: base)
                start = DispatchTime.now()
                _ = try sequence.verify(7, drafts: Array(repeating: 11, count: k))
                passes[k, default: []].append(Benchmark.elapsed(since: start))
                sequence.rollBack(to: base)
            }
        }
        result.costDrafts = drafts
        result.oneTokenSeconds = median(single)
        for k in drafts {
            result.verifySeconds[k] = median(passes[k] ?? [])
            log(String(format: "verify %d drafts: %.1f ms against %.1f ms for one token (%.2fx)", k,
                       (result.verifySeconds[k] ?? 0) * 1e3, result.oneTokenSeconds * 1e3,
                       (result.verifySeconds[k] ?? 0) / max(result.oneTokenSeconds, 1e-12)))
        }
    }
}
