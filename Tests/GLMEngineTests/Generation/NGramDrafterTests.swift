import Foundation
import Testing
@testable import GLMEngine

/// The n-gram index guesses what followed the latest earlier occurrence of the last tokens, on ids:
/// CJK text, byte-fallback pieces, earlier answers, and a history that starts over.
@Suite("Generation: drafts from the conversation")
struct NGramDrafterTests {
    @Test("after the start of a passage seen before, it proposes the rest of it")
    func repeatsAPassage() {
        var drafter = NGramDrafter()
        let passage: [Int32] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
        let history = [1, 2, 3] + passage + [4, 5] + passage.prefix(3)
        #expect(drafter.propose(after: Array(history), limit: 4) == [13, 14, 15, 16])
        #expect(drafter.propose(after: Array(history) + [13, 14], limit: 8) == [15, 16, 17, 18, 19, 4, 5, 10])
    }

    @Test("the longest suffix that occurred wins; the latest occurrence of it")
    func longestThenLatest() {
        var drafter = NGramDrafter()
        // [7, 8] was followed by 1 and then by 2; [6, 7, 8] only by 3
        let history: [Int32] = [6, 7, 8, 3, 0, 7, 8, 1, 0, 7, 8, 2, 0, 9, 6, 7, 8]
        #expect(drafter.propose(after: history, limit: 1) == [3])
        var other = NGramDrafter()
        #expect(other.propose(after: [7, 8, 1, 0, 7, 8, 2, 0, 5, 7, 8], limit: 2) == [2, 0])
    }

    @Test("no guess without a repeated n-gram, for a one-token match, or with no room")
    func noGuess() {
        var drafter = NGramDrafter()
        #expect(drafter.propose(after: [1, 2, 3, 4, 5], limit: 4).isEmpty)
        #expect(drafter.propose(after: [1, 2, 3, 4, 5, 3], limit: 4).isEmpty, "a single token is too weak a match")
        #expect(drafter.propose(after: [1, 2, 3, 4, 5, 3, 4], limit: 0).isEmpty)
        #expect(drafter.propose(after: [1, 2, 3, 4, 5, 3, 4], limit: 2) == [5, 3])
    }

    @Test("a loop continues with its own period past what is known")
    func periodicGuess() {
        var drafter = NGramDrafter()
        #expect(drafter.propose(after: [5, 1, 2, 1, 2], limit: 5) == [1, 2, 1, 2, 1])
        var run = NGramDrafter()
        #expect(run.propose(after: [9, 9, 9], limit: 3) == [9, 9, 9])
    }

    @Test("an earlier answer the prompt no longer holds (a retry) is guessed, never across its end")
    func earlierAnswer() {
        var drafter = NGramDrafter(earlier: [40, 41, 42, 43, 44])
        #expect(drafter.propose(after: [1, 2, 40, 41], limit: 3) == [42, 43, 44])
        #expect(drafter.propose(after: [1, 2, 40, 41, 42, 43, 44], limit: 3) == [], "the earlier text ends there")
        // a history that is not a continuation starts the index over, keeping the earlier text
        #expect(drafter.propose(after: [3, 42, 43], limit: 2) == [44])
    }

    @Test("CJK text: the ids of a repeated sentence come back as its continuation, whole characters")
    func cjkPassage() throws {
        let tokenizer = try TokenizerFixtures.real()
        let sentence = "北京是中国的首都，也是一座历史悠久的城市。长城和故宫每年吸引很多游客。"
        let ids = tokenizer.encode(sentence)
        try #require(ids.count > 12)
        let history = tokenizer.encode("请重复这段话：") + ids + tokenizer.encode("好的：") + ids.prefix(4)
        var drafter = NGramDrafter()
        let guess = drafter.propose(after: history, limit: 8)
        #expect(guess == Array(ids[4..<12]))
        let text = tokenizer.decode(Array(ids.prefix(12)))
        #expect(text.hasPrefix(tokenizer.decode(Array(ids.prefix(4)))))
    }

    @Test("byte-fallback pieces (a rare character spelt as UTF-8 bytes) are guessed like any token")
    func byteFallback() throws {
        let tokenizer = try TokenizerFixtures.real()
        let rare = "𠀋𪚥 and 🦜 again"
        let ids = tokenizer.encode(rare)
        let bytes = ids.filter { tokenizer.tokenType($0) == .byte }
        try #require(bytes.count >= 4, "the rare characters are spelt as bytes: \(ids)")
        let start = try #require(ids.firstIndex { tokenizer.tokenType($0) == .byte })
        let head = Array(ids.prefix(start + 2))
        let history = tokenizer.encode("copy: ") + ids + tokenizer.encode(" then ") + head
        var drafter = NGramDrafter()
        let guess = drafter.propose(after: history, limit: ids.count - head.count)
        #expect(guess == Array(ids[head.count...]))
        #expect(tokenizer.decode(head + guess) == tokenizer.decode(ids))
    }

    @Test("the draft budget starts narrow, narrows after a pass cut short and widens again while guesses hold")
    func budget() {
        var budget = DraftBudget(maxDrafts: 8)
        #expect(budget.current == DraftBudget.firstDrafts)
        budget.record(drafted: 2, accepted: 2)
        #expect(budget.current == 4)
        budget.record(drafted: 4, accepted: 4)
        #expect(budget.current == 8)
        budget.record(drafted: 8, accepted: 2)
        #expect(budget.current == 3)
        budget.record(drafted: 3, accepted: 0)
        #expect(budget.current == 1)
        budget.record(drafted: 1, accepted: 1)
        #expect(budget.current == 2)
        budget.record(drafted: 2, accepted: 2)
        #expect(budget.current == 4)
        budget.record(drafted: 4, accepted: 4)
        #expect(budget.current == 8)
        budget.record(drafted: 5, accepted: 5)
        #expect(budget.current == 8)
    }

    @Test("wary passes start from one draft, double while whole passes hold, and pause after a miss")
    func waryBudget() {
        var budget = DraftBudget(maxDrafts: 8)
        #expect(budget.allowed(wary: true) == 1)
        budget.record(drafted: 1, accepted: 1)
        #expect(budget.allowed(wary: true) == 2)
        budget.record(drafted: 2, accepted: 2)
        #expect(budget.allowed(wary: true) == 4)
        budget.record(drafted: 4, accepted: 1)
        for step in 0..<DraftBudget.stepsAfterMiss { #expect(budget.allowed(wary: true) == 0, "step \(step) after the miss") }
        #expect(budget.allowed(wary: true) == 1)
        // not wary: the plain budget at once (one more than the miss accepted), while the wait counts down
        budget.record(drafted: 1, accepted: 0)
        #expect(budget.allowed(wary: false) == 1)
        #expect(budget.allowed(wary: true) == 0, "a miss in a plain pass starts the wait too")
    }
}
