import Testing
@testable import GLMTerm

/// The loop's read waits: a change made within a frame of the last one is drawn when its frame is
/// due, not after an idle read's whole 100 ms (what made the end of an answer after Esc, and some
/// keys, show up to 100 ms late).
@MainActor @Suite struct AppRunnerTimingTests {
    @Test func anOwedFrameShortensTheIdleWait() async {
        let harness = AppHarness()
        await harness.waitForModel()
        await harness.pump { !harness.app.isBusy }
        harness.runner.drawIfDue(force: true)
        #expect(!harness.app.isDirty)
        #expect(harness.runner.readTimeoutMilliseconds() == AppRunner.idleTimeoutMilliseconds)
        harness.app.handle(.text("a"))              // changed just after a frame: the next is owed
        #expect(harness.app.isDirty)
        let wait = harness.runner.readTimeoutMilliseconds()
        #expect(wait <= 34, "waits \(wait) ms with a frame owed")
        #expect(wait >= 0)
    }

    @Test func aBusyAppWaitsItsShortTimeWithNothingOwed() async {
        let long = String(repeating: "word ", count: 200_000)
        let harness = AppHarness(replies: [long], pieceDelay: .milliseconds(5))
        await harness.waitForModel()
        await harness.type("go\r")
        await harness.pump { harness.app.activity == .generating }
        harness.runner.drawIfDue(force: true)
        harness.app.isDirty = false
        #expect(harness.runner.readTimeoutMilliseconds() == AppRunner.busyTimeoutMilliseconds)
        harness.app.handle(.escape)
    }
}
