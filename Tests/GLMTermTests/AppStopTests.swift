import Foundation
import GLMStore
import Testing
@testable import GLMTerm

/// Esc on a fast model (issue 20, item 9): the answer stops, nothing more is added after the stop,
/// and the one tokens/s figure shown is the engine's own, as stored with the answer.
@MainActor @Suite struct AppStopTests {
    @Test func escapeStopsAFastAnswerAndTheFigureIsTheEngines() async throws {
        let long = String(repeating: "fast ", count: 200_000)
        let harness = AppHarness(replies: [long], pieceDelay: .microseconds(50))
        await harness.waitForModel()
        await harness.pressEscapeWhileStreaming(after: 1000)
        await harness.pump { harness.app.activity == .idle }
        let shown = try #require(harness.app.messages.last)
        #expect(shown.state == .stopped)
        #expect(shown.content.count < long.count)
        for _ in 0..<20 { await harness.runner.step(timeoutMilliseconds: 0) }
        #expect(harness.app.messages.last?.content == shown.content)      // nothing queued arrives later
        let id = try #require(harness.app.currentSession?.id)
        let stored = try #require(try harness.store.messages(in: id).last)
        #expect(stored.content == shown.content)
        let figure = try #require(stored.tokensPerSecond)
        #expect(harness.screen.last?.contains(String(format: "%.1f tok/s", figure)) == true)
    }

    /// Counted in tokens, not time: from the key press on, not one more piece reaches the answer or
    /// the screen, however fast the model writes (a microsecond between pieces here).
    @Test func noPieceIsDrawnAfterEsc() async throws {
        let long = String(repeating: "fast ", count: 1_000_000)      // 2M pieces: seconds even at 1 µs each
        let harness = AppHarness(replies: [long], pieceDelay: .microseconds(1))
        await harness.waitForModel()
        await harness.pressEscapeWhileStreaming(after: 500)
        #expect(harness.app.activity == .stopping || harness.app.activity == .idle)
        let atEsc = try #require(harness.app.messages.last?.content)
        await harness.pump { harness.app.activity == .idle }
        #expect(harness.app.messages.last?.content == atEsc)
        #expect(harness.app.messages.last?.state == .stopped)
        let id = try #require(harness.app.currentSession?.id)
        #expect(try harness.store.messages(in: id).last?.content == atEsc)
    }

    /// Counted in turns of the main loop, not time: the loop spends most of its time blocked in the
    /// terminal read (as here), and the answer's events once reached the app one main-actor job each,
    /// a few per turn; a fast model left thousands queued, and the app stayed "stopping" for seconds
    /// after Esc. Now every turn takes all that arrived, and the stop is seen within a few turns.
    @Test func theStopIsSeenWithinAFewTurnsOfTheLoop() async throws {
        // a piece a millisecond, text and progress for each: thousands of events a second, far more
        // than one main-actor job per event keeps up with, and the answer stays short enough to
        // draw quickly; 200,000 pieces outlast the test
        let long = String(repeating: "fast ", count: 200_000)
        let harness = AppHarness(replies: [long], pieceDelay: .milliseconds(1))
        await harness.waitForModel()
        await harness.type("go\r")
        await harness.pump { harness.app.activity == .generating }
        // the loop as the app runs it, while the model writes as fast as it can
        harness.backend.readsBlock = true
        for _ in 0..<300 { await harness.runner.step(timeoutMilliseconds: 2) }
        #expect(harness.app.activity == .generating)
        await harness.press([.scalar("\u{1B}")])
        var turns = 0
        while harness.app.activity != .idle, turns < 1000 {
            await harness.runner.step(timeoutMilliseconds: 2)
            turns += 1
        }
        #expect(harness.app.activity == .idle)
        #expect(turns <= 50, "idle after \(turns) turns of the loop")
        #expect(harness.app.messages.last?.state == .stopped)
        let id = try #require(harness.app.currentSession?.id)
        #expect(try harness.store.messages(in: id).last?.content == harness.app.messages.last?.content)
    }
}
