import Foundation
import GLMEngine
import Testing
@testable import GLMTerm

/// A long prompt (a pasted document) shows tokens read / total and the time left at the rate measured
/// so far; the times are given, so nothing here depends on the clock.
@MainActor @Suite struct PromptReadingEstimateTests {
    let start = ContinuousClock.now

    @Test func theRateComesFromTheReportsSoFar() {
        var estimate = PromptReadingEstimate()
        #expect(estimate.update(done: 0, total: 16384, now: start) == nil)
        // too soon to trust a rate
        #expect(estimate.update(done: 256, total: 16384, now: start + .milliseconds(500)) == nil)
        // 2048 tokens in 8 s: 256 t/s, 14336 left = 56 s
        #expect(estimate.update(done: 2048, total: 16384, now: start + .seconds(8)) == 56)
        // slower later: 4096 in 32 s is 128 t/s, 12288 left = 96 s
        #expect(estimate.update(done: 4096, total: 16384, now: start + .seconds(32)) == 96)
        // a new prompt (another total, or fewer tokens done) starts over
        #expect(estimate.update(done: 64, total: 900, now: start + .seconds(40)) == nil)
        #expect(estimate.update(done: 128, total: 900, now: start + .seconds(42)) == 24.125)
        #expect(estimate.update(done: 0, total: 900, now: start + .seconds(43)) == nil)
    }

    @Test func theEstimateReadsInSecondsOrMinutes() {
        #expect(PromptReadingEstimate.describe(secondsLeft: 0.2) == "about 1 s left")
        #expect(PromptReadingEstimate.describe(secondsLeft: 56) == "about 56 s left")
        #expect(PromptReadingEstimate.describe(secondsLeft: 96) == "about 2 min left")
        #expect(PromptReadingEstimate.describe(secondsLeft: 1500) == "about 25 min left")
    }

    @Test func theStatusLineShowsTokensAndTimeLeftForALongPrompt() {
        #expect(Activity.readingLongPrompt(done: 2048, total: 16384, secondsLeft: 56).label
                == "reading prompt 2048/16384 tokens · about 56 s left")
        #expect(Activity.readingLongPrompt(done: 0, total: 16384, secondsLeft: nil).label
                == "reading prompt 0/16384 tokens · timing it")
    }

    @Test func progressEventsOfALongPromptCarryTheEstimate() async {
        let harness = AppHarness(replies: ["ok"])
        await harness.waitForModel()
        let app = harness.app
        app.apply(.promptProgress(done: 0, total: 8192), now: start)
        #expect(app.activity == .readingLongPrompt(done: 0, total: 8192, secondsLeft: nil))
        app.apply(.promptProgress(done: 1024, total: 8192), now: start + .seconds(4))
        #expect(app.activity == .readingLongPrompt(done: 1024, total: 8192, secondsLeft: 28))
        // a short prompt keeps the percentage
        app.apply(.promptProgress(done: 50, total: 100), now: start + .seconds(5))
        #expect(app.activity == .readingPrompt(0.5))
    }
}
