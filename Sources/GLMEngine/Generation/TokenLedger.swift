import Foundation

/// How a full window slides.
public enum SlidePolicy: String, Sendable, CaseIterable {
    /// Read the kept tail again at its new positions: afterwards the cache is what a fresh run over
    /// the kept tokens gives (ChatGLM3 has 28 layers, and every layer after the first of a kept token
    /// attended to the evicted ones). The kept tail is read ahead while the window fills, so the slide
    /// itself only reads the token that overflowed (`readAheadRowsPerToken`).
    case exact
    /// Move the kept tail down and turn its keys back (llama.cpp's context shift): no second cache, but the
    /// kept tokens still carry what the evicted ones contributed, so results drift from a fresh run.
    case shift
}

/// The model plus its KV cache and the ledger of exactly which tokens the cache holds, so that a new
/// request only feeds the suffix that differs from what is cached (turns, /retry, /edit, session switches).
///
/// When the window is full it slides: the prefix (`[gMASK] sop` and the system message) stays, the oldest
/// turns go, and the kept tail is read again at its new positions. Reading it again is what keeps the
/// model exact: every later layer of a kept token had attended to the evicted ones, so shifting its cached
/// keys would leave the cache different from a fresh run over the kept tokens. To keep that from pausing
/// an answer, the kept tail is read ahead into a second cache while the window fills (`SlideReadAhead`).
public final class CachedSequence: @unchecked Sendable {
    public let model: GLMModel
    public private(set) var cache: KVCache
    /// Token ids in the cache, in order; `tokens.count == cache.count` always.
    public internal(set) var tokens: [Int32] = []
    /// Where `tokens` may be cut.
    public private(set) var layout = PromptLayout.plain
    /// Longest run of tokens fed in one forward pass while reading a prompt.
    public lazy var promptChunk = model.maxBatch
    /// Positions a slide frees beyond the one needed; nil: slide down to half the window, so that
    /// slides are rare and each re-reads at most half a window.
    public var slideSlack: Int?
    public var slidePolicy = SlidePolicy.exact
    /// Rows of the next exact slide's kept part fed alongside each generated token while the window
    /// fills (0: no read-ahead; the slide then reads the whole kept tail at once). One row spreads the
    /// work over the most tokens, so each slows the least (docs/PERFORMANCE.md, "One row a token").
    public var readAheadRowsPerToken = CachedSequence.defaultReadAheadRows
    public static let defaultReadAheadRows = 1
    private(set) var readAhead: SlideReadAhead?
    /// Other conversations' caches, kept for their next request, at most this many bytes (0: none).
    /// A server answering several users one at a time, or the app switching sessions, then reads only
    /// what each conversation added since its last request instead of all of it.
    public var keptConversationBytes = 0 {
        didSet {
            keptConversations = keptConversationBytes > 0
                ? keptConversations ?? PrefixPool(bytesPerPosition: bytesPerPosition, maxEntries: 16) : nil
        }
    }
    private var keptConversations: PrefixPool?
    /// How many conversations are kept (tests).
    var keptConversationCount: Int { keptConversations?.entries.count ?? 0 }
    /// A conversation that would lose at least this many cached tokens to another is kept.
    static let tokensWorthKeeping = 64
    private var bytesPerPosition: Int { KVCache.bytes(config: model.config, positions: 1, precision: cache.precision) }
    /// Tokens of the next slide's kept part already read ahead.
    public var readAheadCount: Int { readAhead?.count ?? 0 }

    public init(model: GLMModel, contextLimit: Int) {
        self.model = model
        cache = KVCache(config: model.config, maxPositions: contextLimit,
                        precision: model.cachePrecision)
    }

    public var window: Int { cache.maxPositions }

    /// Positions to free when sliding: the slack, but never so many that the prefix and one token no longer fit.
    private func freeAfterSlide(keepPrefix: Int) -> Int {
        Self.freeAfterSlide(window: window, keepPrefix: keepPrefix, slack: slideSlack)
    }

    /// Positions a slide leaves free: the slack (half the window unless set), at least one.
    static func freeAfterSlide(window: Int, keepPrefix: Int, slack: Int?) -> Int {
        max(1, min(slack ?? window / 2, window - 1 - keepPrefix))
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
            slide = slidePolicy == .exact ? exactSlide(plan) : plan.report
            if slidePolicy == .shift {
                // keep what the cache already holds of the prompt, minus the evicted span
                let common = zip(tokens, prompt).prefix { $0 == $1 }.count
                if common > plan.evicted.upperBound {
                    truncate(to: common)
                    removeCached(plan.evicted)
                }
                slide?.rereadTokens = 0
            }
        }
        // A new request may belong to another conversation; a slide inside an answer never does.
        switchConversation(for: fitted)
        let (logits, reused) = try feed(fitted, progress: progress, isCancelled: isCancelled)
        layout = fittedLayout
        return (logits, reused, slide)
    }

    /// Feeds one generated token and returns the logits for the next; slides first when the window is
    /// full, telling `onSlide` before reading what the slide reads (the kept part not read ahead, at
    /// least the token itself), reporting that reading to `progress`, and stopping it when `isCancelled`.
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
            if let (ahead, rows) = readAheadRows(feeding: token) {
                model.forwardToken(token, cache: cache, alongside: rows, in: ahead.cache, into: &logits)
                ahead.fed(rows)
            } else {
                model.forwardToken(token, cache: cache, into: &logits)
            }
            tokens.append(token)
            return nil
        }
        let next = tokens + [token]
        guard let plan = ContextWindow.plan(next, layout: layout, window: window,
                                            free: freeAfterSlide(keepPrefix: layout.keepPrefix)) else {
            throw GLMError(.contextOverflow, "the context window of \(window) tokens is full")
        }
        if slidePolicy == .shift {
            removeCached(plan.evicted)
            layout = plan.layout
            model.forwardToken(token, cache: cache, into: &logits)
            tokens.append(token)
            var report = plan.report
            report.rereadTokens = 0
            onSlide(report)
            return report
        }
        let report = exactSlide(plan)
        onSlide(report)
        logits = try feed(plan.kept, progress: progress, isCancelled: isCancelled).logits
        layout = plan.layout
        return report
    }

    /// The rows to read ahead with this token, or nil (the schedule: `SlideReadAhead.rowsToRead`).
    /// A pass that feeds `tokensInPass` rows (a token and its drafts) takes that many tokens' share.
    func readAheadRows(feeding token: Int32, tokensInPass: Int = 1) -> (SlideReadAhead, ArraySlice<Int32>)? {
        let perToken = readAheadRowsPerToken
        guard slidePolicy == .exact, perToken > 0, tokensInPass + perToken <= model.maxBatch,
              let target = SlideReadAhead.nextSlide(ledgerCount: tokens.count, layout: layout, window: window,
                                                    slack: slideSlack) else { return nil }
        let ahead: SlideReadAhead
        if let existing = readAhead {
            ahead = existing
            ahead.aim(at: target, ledger: tokens)
        } else {
            // the cache takes memory only as rows are fed
            ahead = SlideReadAhead(cache: KVCache(config: model.config, maxPositions: window, precision: cache.precision),
                                   keepPrefix: target.keepPrefix, tailStart: target.tailStart)
            readAhead = ahead
        }
        let count = ahead.rowsToRead(ledgerCount: tokens.count, window: window, perToken: perToken,
                                     tokensInPass: tokensInPass, room: model.maxBatch - tokensInPass)
        guard count > 0 else { return nil }
        return (ahead, ahead.nextRows(count, ledger: tokens, pending: token))
    }

    /// Readies the cache for an exact slide to `plan` (taking the read-ahead when it helps) and says
    /// what the slide reads: every kept token the cache does not already hold, computed as a fresh run would.
    private func exactSlide(_ plan: EvictionPlan) -> SlideReport {
        var report = plan.report
        let mainHolds = zip(tokens, plan.kept).prefix { $0 == $1 }.count
        let adopted = adoptReadAhead(for: plan.kept, over: mainHolds)
        report.readAheadTokens = adopted ?? 0
        report.rereadTokens = plan.kept.count - min(adopted ?? mainHolds, plan.kept.count - 1)
        return report
    }

    /// At an exact slide: when the read-ahead cache holds the start of `kept`, and more of it than the
    /// `mainHolds` tokens the main cache does, the two caches change places. Returns the kept tokens the
    /// read-ahead supplied.
    private func adoptReadAhead(for kept: [Int32], over mainHolds: Int) -> Int? {
        guard let ahead = readAhead, ahead.count > mainHolds, ahead.count <= kept.count,
              ahead.tokens == Array(kept[..<ahead.count]) else { return nil }
        let adopted = ahead.count
        ahead.exchange(cache: &cache, tokens: &tokens)
        return adopted
    }

    /// The shift slide: drops `range` from the cache and the ledger without reading anything again.
    private func removeCached(_ range: Range<Int>) {
        guard range.upperBound <= tokens.count, !range.isEmpty else { return }
        readAhead = nil
        cache.removePositions(range, rope: model.rope, config: model.config)
        tokens.removeSubrange(range)
        let d = range.count
        layout.turnStarts = layout.turnStarts.compactMap { start in
            start < range.lowerBound ? start : (start < range.upperBound ? nil : start - d)
        }
    }

    /// For benchmarks at depth: says that the positions the cache holds, filled by other means (random
    /// rows), stand for `tokens`, so that a prompt starting with them is read after them.
    public func assumeCached(_ tokens: [Int32]) throws {
        guard tokens.count == cache.count else {
            throw GLMError(.badValue, "\(tokens.count) tokens for a cache of \(cache.count) positions")
        }
        self.tokens = tokens
        readAhead = nil
        layout = .plain
    }

    public func truncate(to n: Int) {
        cache.truncate(to: n)
        if n < tokens.count { tokens.removeSubrange(n...) }
        readAhead?.ledgerTruncated(to: n)
        let keepPrefix = layout.keepPrefix
        layout.turnStarts.removeAll { $0 >= n && $0 > keepPrefix }
    }

    /// With kept conversations: when a kept one shares more of `sequence` than the cache does, the two
    /// change places (no copying: both caches span the window); when the cache would lose many of its
    /// tokens to a different conversation, it is kept, and a new cache starts from the shared prefix.
    private func switchConversation(for sequence: [Int32]) {
        guard var kept = keptConversations else { return }
        defer { keptConversations = kept }
        // The last token is always fed again so its logits exist.
        let common = min(zip(tokens, sequence).prefix { $0 == $1 }.count, sequence.count - 1)
        if let match = kept.bestMatch(for: sequence), match.count > common, match.cache.maxPositions == window,
           match.cache.precision == cache.precision {
            let (previousTokens, previousCache) = (tokens, cache)
            kept.remove(match.cache)
            tokens = Array(sequence.prefix(match.count))
            cache = match.cache
            cache.truncate(to: match.count)
            readAhead = nil
            kept.keep(tokens: previousTokens, cache: previousCache)
            kept.evict(toFit: keptConversationBytes)
            return
        }
        guard tokens.count - common >= Self.tokensWorthKeeping else { return }
        let fresh = KVCache(config: model.config, maxPositions: window, precision: cache.precision)
        fresh.copyPrefix(common, from: cache)
        kept.keep(tokens: tokens, cache: cache)
        kept.evict(toFit: keptConversationBytes)
        tokens = Array(tokens.prefix(common))
        cache = fresh
        readAhead = nil
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
