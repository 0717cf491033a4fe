import Foundation

extension InferenceEngine {
    /// Speculative decoding: after each generated token, the drafts guessed to follow it are read
    /// with it in one pass and decided row by row (`CachedSequence.speculate`): kept while the model
    /// agrees, and at the first disagreement the model's own token replaces the draft and the cache
    /// is cut back to what was kept. Every kept token is the one plain decoding picks (greedy) or has
    /// its distribution (sampling), and the ledger ends as plain decoding leaves it. Without a guess,
    /// or with no room before the window slides, a token goes through `step` as in plain decoding.
    func decodeSpeculating(_ request: GenerationRequest, maxDrafts: Int, drafter: inout any DraftSource,
                           sampler: inout Sampler, logits prefillLogits: [Float], answer: inout AnswerEmitter,
                           flag: CancellationFlag, emit: (GenerationEvent) -> Void) throws -> FinishReason {
        var logits = prefillLogits
        var budget = DraftBudget(maxDrafts: maxDrafts)
        // a token already drawn from the last pass (the model's replacement of a rejected draft), and its row
        var drawn: (token: Int32, row: [Float]?)?
        while answer.stats.generatedTokens < request.maxTokens {
            if flag.isRaised { return .cancelled }
            let next: Int32
            let row: [Float]?
            if let pending = drawn {
                next = pending.token
                row = pending.row
                drawn = nil
            } else {
                next = sampler.next(logits: logits, history: answer.history)
                row = request.keepLogits ? logits : nil
            }
            if request.stopTokens.contains(next) { return .stopToken(next) }
            answer.emit(next, logits: row, context: request.keepContexts ? sequence.tokens : nil,
                        contextUsed: sequence.tokens.count, emit: emit)
            if answer.stats.generatedTokens == request.maxTokens { break }

            // drafts never reach the last token: plain decoding does not feed that one
            let allowed = budget.allowed(wary: sequence.tokens.count >= DraftBudget.waryDepth)
            let room = sequence.draftRoom(wanted: min(allowed, request.maxTokens - answer.stats.generatedTokens - 1))
            let drafts = room > 0 ? Array(drafter.propose(after: answer.history, limit: room).prefix(room)) : []
            if drafts.isEmpty {
                guard try feed(next, into: &logits, answer: &answer, flag: flag, emit: emit) else { return .cancelled }
                continue
            }
            let base = sequence.tokens.count
            let verified = try sequence.speculate(next, drafts: drafts, sampler: &sampler, history: answer.history,
                                                  stopTokens: request.stopTokens)
            answer.stats.draftedTokens += drafts.count
            answer.stats.acceptedTokens += verified.accepted.count + (verified.stop == nil ? 0 : 1)
            answer.stats.verifyPasses += 1
            budget.record(drafted: drafts.count, accepted: verified.accepted.count)
            for (index, token) in verified.accepted.enumerated() {
                answer.emit(token, logits: request.keepLogits ? Array(verified.row(index)) : nil,
                            context: request.keepContexts ? Array(sequence.tokens[..<(base + 1 + index)]) : nil,
                            contextUsed: base + 1 + index, emit: emit)
            }
            if let stop = verified.stop { return .stopToken(stop) }
            let last = verified.row(verified.accepted.count)
            if let replacement = verified.replacement {
                drawn = (replacement, request.keepLogits ? Array(last) : nil)
            } else {
                logits = Array(last)
            }
        }
        return .maxTokens
    }
}
