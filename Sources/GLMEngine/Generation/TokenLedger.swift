import Foundation

/// What a slide did: how much of the conversation left the model's view.
public struct SlideReport: Sendable, Equatable {
    public var droppedTokens: Int
    public var droppedTurns: Int
    /// Tokens read again after the cut (everything kept after the prefix).
    public var rereadTokens: Int
}

/// How a full window slides.
public enum SlidePolicy: String, Sendable, CaseIterable {
    /// Read the kept tail again at its new positions: afterwards the cache is what a fresh run over
    /// the kept tokens gives (ChatGLM3 has 28 layers, and every layer after the first of a kept token
    /// attended to the evicted ones), at the cost of a pause that grows with the kept tail.
    case exact
    /// Move the kept tail down and turn its keys back (llama.cpp's context shift): no pause, but the
    /// kept tokens still carry what the evicted ones contributed, so results drift from a fresh run.
    case shift
}

/// The model plus its KV cache and the ledger of exactly which tokens the cache holds, so that a new
/// request only feeds the suffix that differs from what is cached (turns, /retry, /edit, session switches).
///
/// When the window is full it slides: the prefix (`[gMASK] sop` and the system message) stays, the oldest
/// turns go, and the kept tail is read again at its new positions. Reading it again is what keeps the
/// model exact: every later layer of a kept token had attended to the evicted ones, so shifting its cached
/// keys would leave the cache different from a fresh run over the kept tokens.
public final class CachedSequence: @unchecked Sendable {
    public let model: GLMModel
    public let cache: KVCache
    /// Token ids in the cache, in order; `tokens.count == cache.count` always.
    public private(set) var tokens: [Int32] = []
    /// Where `tokens` may be cut.
    public private(set) var layout = PromptLayout.plain
    /// Longest run of tokens fed in one forward pass while reading a prompt.
    public lazy var promptChunk = model.maxBatch
    /// Positions a slide frees beyond the one needed; nil: slide down to half the window, so that
    /// slides are rare and each re-reads at most half a window.
    public var slideSlack: Int?
    public var slidePolicy = SlidePolicy.exact

    public init(model: GLMModel, contextLimit: Int) {
        self.model = model
        cache = KVCache(config: model.config, maxPositions: contextLimit,
                        precision: KVPrecision.matching(model.weights.matrixType))
    }

    public var window: Int { cache.maxPositions }

    /// Positions to free when sliding: the slack, but never so many that the prefix and one token no longer fit.
    private func freeAfterSlide(keepPrefix: Int) -> Int {
        max(1, min(slideSlack ?? window / 2, window - 1 - keepPrefix))
    }

    /// Cuts the cache back to the longest common prefix with `prompt` (after fitting it to the window),
    /// then feeds the rest. Returns the logits after the last prompt token, how many tokens were reused,
    /// and what was evicted if the prompt did not fit.
    public func prefill(_ prompt: [Int32], layout promptLayout: PromptLayout = .plain, maySlide: Bool = true,
                        progress: (Int, Int) -> Void = { _, _ in },
                        isCancelled: () -> Bool = { false }) throws -> (logits: [Float], reused: Int, slide: SlideReport?) {
        guard !prompt.isEmpty else { throw GLMError(.badValue, "empty prompt") }
        var fitted = prompt
        var fittedLayout = promptLayout
        var slide: SlideReport?
        if prompt.count > window {
            guard maySlide else {
                throw GLMError(.contextOverflow,
                               "the prompt has \(prompt.count) tokens but the context window holds \(window)")
            }
            guard let plan = ContextWindow.plan(prompt, layout: promptLayout, window: window, free: freeAfterSlide(keepPrefix: promptLayout.keepPrefix)) else {
                throw GLMError(.contextOverflow,
                               "the kept prefix (\(promptLayout.keepPrefix) tokens: [gMASK] sop and the system message) does not fit a window of \(window) tokens")
            }
            fitted = plan.kept
            fittedLayout = plan.layout
            slide = plan.report
            if slidePolicy == .shift {
                // keep what the cache already holds of the prompt, minus the evicted span
                let cut = plan.layout.keepPrefix..<(plan.layout.keepPrefix + plan.droppedTokens)
                let common = zip(tokens, prompt).prefix { $0 == $1 }.count
                if common > cut.upperBound {
                    truncate(to: common)
                    removeCached(cut)
                }
                slide?.rereadTokens = 0
            }
        }
        let (logits, reused) = try feed(fitted, progress: progress, isCancelled: isCancelled)
        layout = fittedLayout
        return (logits, reused, slide)
    }

    /// Feeds one generated token and returns the logits for the next; slides first when the window is
    /// full, telling `onSlide` before the kept tail is read again (so a listener can say why the
    /// answer pauses), reporting that reading to `progress`, and stopping it when `isCancelled`.
    public func step(_ token: Int32, onSlide: (SlideReport) -> Void = { _ in }, progress: (Int, Int) -> Void = { _, _ in },
                     isCancelled: () -> Bool = { false }) throws -> (logits: [Float], slide: SlideReport?) {
        var logits: [Float] = []
        let slide = try step(token, into: &logits, onSlide: onSlide, progress: progress, isCancelled: isCancelled)
        return (logits, slide)
    }

    /// `step` writing the logits into a caller's buffer (the generation loop reuses one).
    public func step(_ token: Int32, into logits: inout [Float], onSlide: (SlideReport) -> Void = { _ in },
                     progress: (Int, Int) -> Void = { _, _ in }, isCancelled: () -> Bool = { false }) throws -> SlideReport? {
        guard tokens.count >= window else {
            model.forwardToken(token, cache: cache, into: &logits)
            tokens.append(token)
            return nil
        }
        let next = tokens + [token]
        guard let plan = ContextWindow.plan(next, layout: layout, window: window,
                                            free: freeAfterSlide(keepPrefix: layout.keepPrefix)) else {
            throw GLMError(.contextOverflow, "the context window of \(window) tokens is full")
        }
        if slidePolicy == .shift {
            removeCached(plan.layout.keepPrefix..<(plan.layout.keepPrefix + plan.droppedTokens))
            layout = plan.layout
            model.forwardToken(token, cache: cache, into: &logits)
            tokens.append(token)
            var report = plan.report
            report.rereadTokens = 0
            onSlide(report)
            return report
        }
        onSlide(plan.report)
        logits = try feed(plan.kept, progress: progress, isCancelled: isCancelled).logits
        layout = plan.layout
        return plan.report
    }

    /// Marks where the next turn starts (the engine calls it when an answer begins), so slides evict whole turns.
    public func markTurnStart(at index: Int) {
        if layout.turnStarts.last.map({ $0 < index }) ?? true { layout.turnStarts.append(index) }
    }

    /// The shift slide: drops `range` from the cache and the ledger without reading anything again.
    private func removeCached(_ range: Range<Int>) {
        guard range.upperBound <= tokens.count, !range.isEmpty else { return }
        cache.removePositions(range, rope: model.rope, config: model.config)
        tokens.removeSubrange(range)
        let d = range.count
        layout.turnStarts = layout.turnStarts.compactMap { start in
            start < range.lowerBound ? start : (start < range.upperBound ? nil : start - d)
        }
    }

    public func truncate(to n: Int) {
        cache.truncate(to: n)
        if n < tokens.count { tokens.removeSubrange(n...) }
        let keepPrefix = layout.keepPrefix
        layout.turnStarts.removeAll { $0 >= n && $0 > keepPrefix }
    }

    /// Makes the cache hold exactly `sequence`, reusing the common prefix; returns the last logits.
    private func feed(_ sequence: [Int32], progress: (Int, Int) -> Void,
                      isCancelled: () -> Bool) throws -> (logits: [Float], reused: Int) {
        var common = zip(tokens, sequence).prefix { $0 == $1 }.count
        // The last token is always fed again so its logits exist.
        common = min(common, sequence.count - 1)
        truncate(to: common)
        var logits: [Float] = []
        var fed = common
        progress(0, sequence.count - common)
        while fed < sequence.count {
            if isCancelled() { throw CancellationError() }
            let end = min(sequence.count, fed + promptChunk)
            let chunk = Array(sequence[fed..<end])
            logits = model.forward(chunk, cache: cache, logits: end == sequence.count ? .last : .none)
            tokens += chunk
            fed = end
            progress(fed - common, sequence.count - common)
        }
        return (logits, common)
    }
}
