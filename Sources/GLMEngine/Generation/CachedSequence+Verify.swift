import Foundation

/// Speculative decoding's two moves on the ledger: read a generated token and the drafts guessed
/// after it in one forward pass (the prompt path, which reads every weight once for the whole
/// batch), then cut the cache and the ledger back to what the model agreed with.
extension CachedSequence {
    /// Drafts one verification pass may carry after the generated token: as many as fit before the
    /// window is full (a slide happens only in `step`, one token at a time) and as keep every row exact
    /// (`GLMModel.exactDraftRoom`).
    public func draftRoom(wanted: Int) -> Int {
        model.exactDraftRoom(wanted: min(wanted, window - tokens.count - 1))
    }

    /// Feeds `token` and then `drafts` at the positions after the ledger in one pass and returns the
    /// logits of every row (`(1 + drafts.count) * vocabRows` floats): row i predicts the token after
    /// batch token i. Row 0 equals what `step(token)` gives. The caller keeps a prefix with `rollBack`.
    /// The next slide's read-ahead rides along as with `step` (only tokens up to `token`, never drafts).
    public func verify(_ token: Int32, drafts: [Int32]) throws -> [Float] {
        guard !drafts.isEmpty, drafts.count <= draftRoom(wanted: drafts.count) else {
            throw GLMError(.badValue, "\(drafts.count) drafts do not fit one exact pass at \(tokens.count) of \(window) positions")
        }
        let batch = [token] + drafts
        let rows: [Float]
        if let (ahead, companion) = readAheadRows(feeding: token, tokensInPass: batch.count) {
            rows = model.forward(batch, cache: cache, alongside: companion, in: ahead.cache)
            ahead.fed(companion)
        } else {
            rows = model.forward(batch, cache: cache, logits: .all)
        }
        tokens += batch
        return rows
    }

    /// Forgets the positions from `count` on: the drafts after the first one the model rejected.
    /// Rows the read-ahead holds are never drafts (it only reads tokens the ledger had before).
    public func rollBack(to count: Int) {
        guard count < tokens.count else { return }
        truncate(to: count)
    }
}

/// What one verification pass decided.
public struct VerifiedDrafts {
    /// The drafts the model agreed with, in order, up to the first it did not (or a stop token).
    public var accepted: [Int32] = []
    /// An accepted draft that is a stop token: the answer ends before it (it is not fed).
    public var stop: Int32?
    /// The model's own token where it disagreed with a draft, drawn from row `accepted.count`.
    public var replacement: Int32?
    /// Every row of the pass (`vocab` floats each): row i holds the logits after batch token i.
    public let rows: [Float]
    public let vocab: Int

    /// The logits `accepted[i]` (i < count) or the next token (i == count) was decided from.
    public func row(_ i: Int) -> ArraySlice<Float> { rows[(i * vocab)..<((i + 1) * vocab)] }
}

extension CachedSequence {
    /// `verify`, then each draft decided against its row by `sampler` (`Sampler.verify`; `history` is
    /// the prompt and the answer up to and including `token`, and the accepted drafts join it for the
    /// penalty), then the cache cut back so that it holds `token` and the accepted drafts: what plain
    /// decoding would have fed by then.
    public func speculate(_ token: Int32, drafts: [Int32], sampler: inout Sampler, history: [Int32],
                          stopTokens: Set<Int32>) throws -> VerifiedDrafts {
        let base = tokens.count
        var result = VerifiedDrafts(rows: try verify(token, drafts: drafts), vocab: model.config.vocabRows)
        var seen = history
        for (index, draft) in drafts.enumerated() {
            let (decided, accepted) = sampler.verify(draft: draft, logits: result.row(index), history: seen)
            guard accepted else {
                result.replacement = decided
                break
            }
            if stopTokens.contains(decided) {
                result.stop = decided
                break
            }
            result.accepted.append(decided)
            seen.append(decided)
        }
        rollBack(to: base + 1 + result.accepted.count)
        return result
    }
}
