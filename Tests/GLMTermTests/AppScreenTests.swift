import Testing
@testable import GLMTerm

@MainActor @Suite struct AppScreenTests {
    @Test func wideLayoutHasSidebarInputAndStatus() async {
        let harness = AppHarness()
        await harness.waitForModel()
        let screen = harness.screen
        #expect(screen.count == 24)
        #expect(screen[0].hasPrefix(" Sessions"))
        #expect(screen[0].contains("│"))
        #expect(screen[23].contains("glm3-chat · chat · Q4_0"))
        #expect(screen[23].contains("ctx 0/8192"))
        #expect(screen[23].hasSuffix("idle"))
        #expect(screen[21].contains("─"))
        #expect(harness.cursor == Position(row: 22, column: ScreenLayout.sidebarWidth + 1))
    }

    @Test func narrowScreenHidesTheSidebarAndF2TogglesIt() async {
        let narrow = AppHarness(columns: 60)
        await narrow.waitForModel()
        #expect(!narrow.screen[0].contains("Sessions"))
        let wide = AppHarness()
        await wide.press([.key(.function(2))])
        #expect(!wide.screen[0].contains("Sessions"))
        await wide.press([.key(.function(2))])
        #expect(wide.screen[0].contains("Sessions"))
    }

    @Test func caretFollowsWideTextByCells() async {
        let harness = AppHarness()
        await harness.type("hi 你好 👍🏽")
        let left = ScreenLayout.sidebarWidth + 1
        #expect(harness.cursor == Position(row: 22, column: left + 3 + 4 + 1 + 2))
        #expect(harness.screen[22].contains("hi 你好 👍"))
    }

    @Test func inputGrowsWithLinesUpToItsLimit() async {
        let harness = AppHarness()
        await harness.type("one")
        await harness.press([.scalar("\n")])          // Ctrl+J
        await harness.type("two")
        await harness.press([.scalar("\u{1B}"), .scalar("\r")])   // Alt+Enter
        await harness.type("three")
        let screen = harness.screen
        #expect(screen[20].hasSuffix("one"))
        #expect(screen[21].hasSuffix("two"))
        #expect(screen[22].hasSuffix("three"))
        #expect(harness.app.editor.text == "one\ntwo\nthree")
        for _ in 0..<12 { await harness.press([.scalar("\n")]) }
        let tall = harness.screen
        #expect(tall.filter { $0.contains("──") }.count == 1)
        #expect(harness.cursor?.row == 22)   // the box stops at a third of the screen; the caret stays visible
    }

    @Test func streamedAnswerAppearsAndStatusShowsProgress() async {
        let harness = AppHarness(replies: ["你好！Hello 😀 world"])
        await harness.waitForModel()
        await harness.type("Say hi\r")
        #expect(harness.app.activity != .idle)
        await harness.pump { harness.app.activity == .idle }
        let screen = harness.screen
        #expect(screen.contains { $0.contains("You") })
        #expect(screen.contains { $0.contains("Say hi") })
        #expect(screen.contains { $0.contains("你好！Hello 😀 world") })
        #expect(screen[23].contains("tok/s"))
        #expect(harness.app.sessions.first?.title == "Say hi")
        #expect(screen[1].contains("▸ Say hi"))
    }

    @Test func escapeStopsAndKeepsThePartialAnswer() async {
        let long = String(repeating: "word ", count: 200_000)      // over 15 minutes at 5 ms a piece
        let harness = AppHarness(replies: [long], pieceDelay: .milliseconds(5))
        await harness.waitForModel()
        await harness.pressEscapeWhileStreaming(after: 10)
        await harness.pump { harness.app.activity == .idle }
        let answer = harness.app.messages.last
        #expect(answer?.state == .stopped)
        #expect((answer?.content.count ?? 0) > 0)
        #expect((answer?.content.count ?? 0) < long.count)
        #expect(harness.screenContains("[stopped]"))
    }

    @Test func ctrlCStopsWhileGeneratingThenClearsThenQuits() async {
        let harness = AppHarness(replies: [String(repeating: "x ", count: 500)], pieceDelay: .milliseconds(5))
        await harness.waitForModel()
        await harness.type("go\r")
        await harness.pump { harness.app.activity == .generating }
        await harness.press([.scalar("\u{03}")])
        await harness.pump { harness.app.activity == .idle }
        #expect(harness.app.messages.last?.state == .stopped)
        #expect(!harness.app.wantsQuit)
        await harness.type("draft")
        await harness.press([.scalar("\u{03}")])
        #expect(harness.app.editor.isEmpty)
        #expect(harness.screenContains("Press Ctrl+C again to quit"))
        await harness.press([.scalar("\u{03}")])
        #expect(harness.app.wantsQuit)
    }

    @Test func ctrlDQuitsOnlyOnAnEmptyInput() async {
        let harness = AppHarness()
        await harness.type("ab")
        await harness.press([.scalar("\u{01}"), .scalar("\u{04}")])   // Ctrl+A, Ctrl+D deletes forward
        #expect(harness.app.editor.text == "b")
        #expect(!harness.app.wantsQuit)
        await harness.press([.scalar("\u{04}"), .scalar("\u{04}")])
        #expect(harness.app.wantsQuit)
    }

    @Test func multiLinePasteIsInsertedNotSent() async {
        let harness = AppHarness()
        await harness.waitForModel()
        await harness.type("\u{1B}[200~first line\r\nsecond line\r\n\u{1B}[201~")
        #expect(harness.app.editor.text == "first line\nsecond line\n")
        #expect(harness.app.messages.isEmpty)
    }

    @Test func historyWalksFromAnEmptyInput() async {
        let harness = AppHarness(replies: ["ok"])
        await harness.waitForModel()
        await harness.type("first\r")
        await harness.pump { harness.app.activity == .idle }
        await harness.type("second\r")
        await harness.pump { harness.app.activity == .idle }
        await harness.press([.key(.up)])
        #expect(harness.app.editor.text == "second")
        await harness.press([.key(.up)])
        #expect(harness.app.editor.text == "first")
        await harness.press([.key(.down), .key(.down)])
        #expect(harness.app.editor.text == "")
    }

    @Test func helpShowsEveryKeyAndAnyKeyClosesIt() async {
        let harness = AppHarness(rows: 50, columns: 120)
        await harness.press([.key(.function(1))])
        // The list is longer than the screen: read it page by page.
        var screen = harness.screen.joined(separator: "\n")
        for _ in 0..<10 where !screen.contains(KeyBindings.all.last?.keys ?? "") {
            await harness.press([.key(.pageDown)])
            screen += harness.screen.joined(separator: "\n")
        }
        for binding in KeyBindings.all {
            #expect(screen.contains(binding.keys))
        }
        await harness.type("x")
        #expect(!harness.screenContains("any other key closes"))
        #expect(harness.app.editor.isEmpty)
    }

    @Test func helpScrollsOnASmallScreen() async {
        let harness = AppHarness(rows: 24, columns: 80)
        await harness.press([.key(.function(1))])
        #expect(harness.screenContains("Enter"))
        #expect(!harness.screenContains("F10, /quit"))
        #expect(harness.screen.allSatisfy { Glyphs.width(of: $0) <= 80 })
        var seen = false
        for _ in 0..<20 where !seen {
            await harness.press([.key(.pageDown)])
            seen = harness.screenContains("F10, /quit")
        }
        #expect(seen)
        #expect(harness.screenContains("any other key closes"))
    }

    @Test func everyCommandInTheHelpExists() {
        let listed = KeyBindings.all.flatMap { $0.keys.split(separator: " ") }.filter { $0.hasPrefix("/") && $0.count > 1 }
        for command in listed {
            #expect(ChatApp.commands.contains(String(command.trimmingCharacters(in: [","]))))
        }
    }

    @Test func failedModelShowsTheReasonAndStaysUsable() async {
        let harness = AppHarness(loadFailures: ["glm3-chat": "file is truncated"])
        await harness.waitForModel()
        #expect(harness.screenContains("Could not load glm3-chat: file is truncated"))
        #expect(harness.screen[23].hasSuffix("no model"))
        await harness.type("hello\r")
        #expect(harness.screenContains("No model loaded: file is truncated"))
        await harness.type("/model glm3-32k\r")
        await harness.waitForModel()
        await harness.pump { harness.app.model != nil }
        #expect(harness.screen[23].contains("glm3-32k · 32K"))
        #expect(harness.screen[23].contains("/32768"))
    }

    @Test func aModelThatMayOutgrowTheMemorySaysSoWhenItLoads() async {
        let harness = AppHarness(loadWarnings: ["glm3-chat": "the caches may outgrow the memory"])
        await harness.waitForModel()
        await harness.pump { harness.app.model != nil }
        #expect(harness.screenContains("glm3-chat loaded. Warning: the caches may outgrow the memory"))
        #expect(harness.app.notice?.isError == true, "an error notice: a later notice does not cover it")
        // a model without the warning loads with the usual notice
        await harness.type("/model glm3-32k\r")
        await harness.waitForModel()
        await harness.pump { harness.app.model?.name == "glm3-32k" }
        #expect(harness.screenContains("glm3-32k loaded"))
        #expect(!harness.screenContains("Warning"))
        #expect(harness.app.loadWarning == nil)
    }

    @Test func aModelThatWouldNotFitBesideTheCurrentOneLoadsAlone() async {
        let harness = AppHarness()
        await harness.waitForModel()
        harness.provider.loadAlone = ["glm3-32k"]
        await harness.type("/model glm3-32k\r")
        #expect(harness.app.model == nil, "the current model is let go before the other loads")
        #expect(harness.screenContains("glm3-chat is let go first: it and glm3-32k would not both fit in memory"))
        await harness.pump { harness.app.model?.name == "glm3-32k" }
        // a model that fits beside it loads with the current one kept until it is ready
        await harness.type("/model glm3-base\r")
        #expect(harness.app.model?.name == "glm3-32k")
        await harness.pump { harness.app.model?.name == "glm3-base" }
    }

    @Test func baseModelSaysItIsPlainCompletion() async {
        let harness = AppHarness(replies: ["continued"])
        await harness.waitForModel()
        await harness.press([.key(.function(3)), .key(.down), .key(.enter)])
        await harness.pump { harness.app.model?.kind == .base }
        #expect(harness.screen[23].contains("completion, no roles"))
        await harness.type("Once upon a time\r")
        await harness.pump { harness.app.activity == .idle }
        #expect(harness.script.requests.last?.messages.map(\.content) == ["Once upon a time"])
        #expect(harness.screenContains("Prompt"))
        #expect(harness.screenContains("Continuation"))
        #expect(!harness.screenContains("GLM"))
    }

    @Test func ctrlZSuspendsAndRedrawsOnReturn() async {
        let harness = AppHarness()
        await harness.waitForModel()
        _ = harness.screen
        await harness.press([.scalar("\u{1A}")])
        #expect(harness.backend.suspensions == 1)
        _ = harness.screen
        #expect(harness.backend.invalidations == 1)
    }

    @Test func ctrlLRedrawsEverything() async {
        let harness = AppHarness()
        await harness.waitForModel()
        _ = harness.screen
        let before = harness.backend.cellsWritten
        await harness.press([.scalar("\u{0C}")])
        _ = harness.screen
        #expect(harness.backend.invalidations == 1)
        #expect(harness.backend.cellsWritten - before == 24 * 100)
    }

    @Test func scrolledUpWhileStreamingCountsNewLines() async {
        let reply = (1...60).map { "line \($0)" }.joined(separator: "\n")
        let harness = AppHarness(replies: ["short answer"], pieceDelay: .milliseconds(2))
        await harness.waitForModel()
        for index in 0..<6 {
            await harness.type("question \(index)\r")
            await harness.pump { harness.app.activity == .idle }
        }
        harness.script.replies = [reply]
        await harness.type("long one\r")
        await harness.pump { harness.app.messages.last?.content.contains("line 3") == true }
        _ = harness.screen
        await harness.press([.key(.pageUp)])
        await harness.pump { harness.app.messages.last?.content.contains("line 20") == true }
        #expect(harness.screenContains("new lines (End)"))
        await harness.pump { harness.app.activity == .idle }
        await harness.press([.key(.end)])
        #expect(!harness.screenContains("new lines"))
        #expect(harness.screenContains("line 60"))
    }

    @Test func bordersStayAlignedWithWideAndOddText() async {
        let nasty = "中文，全角。😀👍🏽👨‍👩‍👧🇨🇳❤️ e\u{301} tab\there \u{1B}[31m ctrl \u{200B}zw"
        let harness = AppHarness(replies: [nasty])
        await harness.waitForModel()
        await harness.type(nasty.replacingOccurrences(of: "\u{1B}", with: "") + "\r")
        await harness.pump { harness.app.activity == .idle }
        await harness.type(nasty.replacingOccurrences(of: "\u{1B}", with: ""))
        for row in 0..<23 {
            #expect(harness.backend.screen[row, ScreenLayout.sidebarWidth - 1].text == "│", "row \(row)")
        }
        #expect(harness.screen[23].hasSuffix("idle"))
    }

    @Test func resizeKeepsTheScrollPosition() async {
        let reply = (1...50).map { "row \($0) of a long answer" }.joined(separator: "\n")
        let harness = AppHarness(replies: [reply], pieceDelay: .zero)
        await harness.waitForModel()
        await harness.type("tell me\r")
        await harness.pump { harness.app.activity == .idle }
        _ = harness.screen
        await harness.press([.key(.pageUp)])
        let topBefore = harness.screen[0]
        #expect(topBefore.contains("row "))
        let marker = topBefore.split(separator: " ").first { $0.allSatisfy(\.isNumber) } ?? ""
        harness.backend.resize(to: Size(rows: 30, columns: 120))
        await harness.runner.step(timeoutMilliseconds: 0)
        let after = harness.screen
        #expect(after.prefix(3).contains { $0.contains("row \(marker) ") })
    }

    @Test func onlyChangedCellsAreRedrawn() async {
        let harness = AppHarness()
        await harness.waitForModel()
        await harness.type("a")
        _ = harness.screen
        let before = harness.backend.cellsWritten
        await harness.type("b")
        _ = harness.screen
        #expect(harness.backend.cellsWritten - before < 10)
    }
}
