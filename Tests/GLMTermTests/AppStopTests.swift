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
        await harness.type("go\r")
        await harness.pump { (harness.app.messages.last?.content.count ?? 0) > 1000 }
        await harness.press([.scalar("\u{1B}")])
        await harness.runner.step(timeoutMilliseconds: 0)      // the lone Esc is known once no more input follows
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
}
