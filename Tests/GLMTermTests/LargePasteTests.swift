import Foundation
import Testing
@testable import GLMTerm

/// A large paste arrives as one paste event and lands whole in the input; one far beyond the
/// model's window asks before it is sent (issue 20, item 8). How long a 1 MB paste takes is
/// measured in docs/PERFORMANCE.md, not here.
@MainActor @Suite struct LargePasteTests {
    /// `count` characters of mixed text, with line breaks, wide characters and an emoji.
    static func text(count: Int) -> String {
        let pattern = Array("Lorem ipsum 你好世界 😀 dolor sit amet,\n")
        return String((0..<count).map { pattern[$0 % pattern.count] })
    }

    @Test func aMegabytePasteIsOnePasteEvent() {
        let pasted = Self.text(count: 1_000_000)
        var decoder = KeyDecoder()
        let raw = ("\u{1B}[200~" + pasted + "\u{1B}[201~").unicodeScalars.map { RawInput.scalar($0) }
        var keys: [Key] = []
        // a terminal hands it over in reads of a few kilobytes
        for start in stride(from: 0, to: raw.count, by: 4096) {
            keys += decoder.feed(Array(raw[start..<min(start + 4096, raw.count)]))
        }
        #expect(keys.count == 1)
        guard case .paste(let text)? = keys.first else {
            Issue.record("expected one paste, got \(keys.prefix(3))")
            return
        }
        #expect(text.unicodeScalars.elementsEqual(pasted.unicodeScalars))
    }

    @Test func aLargePasteLandsInTheInputAndAsksBeforeItIsSent() async {
        let harness = AppHarness(replies: ["ok"])
        await harness.waitForModel()
        // 40,000 characters: at least 10,000 tokens, more than the demo model's 8,192-token window
        let pasted = Self.text(count: 40_000)
        await harness.press(("\u{1B}[200~" + pasted + "X\u{1B}[201~").unicodeScalars.map { RawInput.scalar($0) })
        #expect(harness.app.editor.text.count == 40_001)
        #expect(harness.screen.contains { $0.hasSuffix("X") || $0.contains("X ") })   // the caret's end is shown
        await harness.type("\r")
        #expect(harness.screenContains("Message too large"))
        #expect(harness.script.requests.isEmpty)
        #expect(harness.app.editor.text.count == 40_001)                              // it stays in the input
        await harness.press([.scalar("\u{1B}")])
        await harness.pump { !harness.screenContains("Message too large") }
        #expect(harness.script.requests.isEmpty)
    }
}
