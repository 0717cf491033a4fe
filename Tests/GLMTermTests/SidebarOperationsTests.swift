import Foundation
import GLMStore
import Testing
@testable import GLMTerm

/// The session list's operations on screen: search with highlighted matches, delete with undo,
/// archive, export, and the repository's startup notice.
@MainActor @Suite struct SidebarOperationsTests {
    private func ask(_ harness: AppHarness, _ text: String) async {
        await harness.type(text + "\r")
        await harness.pump { harness.app.activity == .idle }
    }

    /// Three sessions, oldest first: "apples", "bananas", "cherries"; only the answer in
    /// "bananas" mentions lighthouses.
    private func harnessWithThreeSessions() async -> AppHarness {
        let harness = AppHarness(replies: ["red fruit", "The lighthouse keeper trims the wicks", "small and dark"])
        await harness.waitForModel()
        for title in ["apples", "bananas", "cherries"] {
            await harness.press([.scalar("\u{0E}")])       // Ctrl+N
            await ask(harness, title)
        }
        #expect(harness.app.sessions.map(\.title) == ["cherries", "bananas", "apples"])
        return harness
    }

    private func sidebarRow(_ harness: AppHarness, containing text: String) -> Int? {
        harness.screen.firstIndex { $0.prefix(ScreenLayout.sidebarWidth - 1).contains(text) }
    }

    @Test func searchFindsMessageTextAndHighlightsTheMatch() async throws {
        let harness = await harnessWithThreeSessions()
        await harness.press([.scalar("\t"), .scalar("/")])
        await harness.type("WICKS")
        #expect(harness.app.listedSessions.map(\.title) == ["bananas"])
        let titleRow = try #require(sidebarRow(harness, containing: "bananas"))
        let snippetRow = titleRow + 1
        let snippet = harness.screen[snippetRow]
        #expect(snippet.contains("wicks"))
        let column = try #require(snippet.range(of: "wicks")).lowerBound.utf16Offset(in: snippet)
        let matchStyle = harness.app.theme[.match]
        for offset in 0..<5 {
            let style = harness.backend.screen[snippetRow, column + offset].style
            #expect(style.attributes.contains(.underline) && style.attributes.contains(.bold), "column \(column + offset)")
        }
        #expect(harness.backend.screen[snippetRow, column - 2].style != matchStyle)
        await harness.press([.key(.enter)])
        #expect(harness.app.currentSession?.title == "bananas")
        #expect(harness.screenContains("The lighthouse keeper trims the wicks"))
        #expect(!harness.app.sidebarFocused)
    }

    @Test func openingAMessageHitScrollsToThatMessage() async throws {
        let filler = (1...12).map { "filler line \($0)" }.joined(separator: "\n\n")
        let harness = AppHarness(replies: ["the needle is in this first answer", filler, filler, filler, "other session"])
        await harness.waitForModel()
        for question in ["first", "second", "third", "fourth"] { await ask(harness, question) }
        await harness.press([.scalar("\u{0E}")])       // Ctrl+N: another session is the open one
        await ask(harness, "elsewhere")
        #expect(!harness.screenContains("the needle is in this first answer"))
        await harness.press([.scalar("\t"), .scalar("/")])
        await harness.type("needle")
        #expect(harness.app.listedSessions.count == 1)
        await harness.press([.key(.enter)])
        #expect(harness.app.currentSession?.title == "first")
        #expect(harness.screenContains("the needle is in this first answer"), "the matched message is in view, not the session's end")
        #expect(!harness.screenContains("filler line 12"))
    }

    @Test func searchHighlightsTitleMatchesAndSlashSearchWorksFromTheInput() async throws {
        let harness = await harnessWithThreeSessions()
        await harness.type("/search err\r")
        #expect(harness.app.sidebarFocused)
        #expect(harness.app.listedSessions.map(\.title) == ["cherries"])
        let row = try #require(sidebarRow(harness, containing: "cherries"))
        let line = harness.screen[row]
        let column = try #require(line.range(of: "err")).lowerBound.utf16Offset(in: line)
        #expect(harness.backend.screen[row, column].style.attributes.contains(.underline))
        #expect(!harness.backend.screen[row, column - 1].style.attributes.contains(.underline))
        await harness.press([.scalar("\u{15}")])          // Ctrl+U empties the query: the whole list again
        #expect(harness.app.listedSessions.count == 3)
        await harness.press([.scalar("\u{1B}")])
        await harness.runner.step(timeoutMilliseconds: 0)
        await harness.type("/trims")                       // "/" and the query arriving as one piece
        #expect(harness.app.listedSessions.map(\.title) == ["bananas"])
    }

    @Test func deleteAsksThenOffersUndoForAFewSeconds() async throws {
        let harness = await harnessWithThreeSessions()
        await harness.press([.scalar("\t"), .key(.down), .scalar("d")])
        #expect(harness.screenContains("Delete “bananas” and all its messages?"))
        await harness.press([.scalar("n")])                // anything but y keeps it
        #expect(harness.app.sessions.count == 3)
        await harness.press([.scalar("d")])
        await harness.press([.scalar("y")])
        #expect(harness.app.sessions.map(\.title) == ["cherries", "apples"])
        #expect(harness.screenContains("Deleted “bananas” — u to undo"))
        await harness.press([.key(.down)])                 // the offer outlives other keys
        #expect(harness.screenContains("u to undo"))
        await harness.press([.scalar("u")])
        #expect(harness.app.sessions.map(\.title) == ["cherries", "bananas", "apples"])
        #expect(harness.screenContains("Restored “bananas”"))

        let bananas = try #require(harness.app.sessions.first { $0.title == "bananas" })
        let index = try #require(harness.app.listedSessions.firstIndex(of: bananas))
        harness.app.sidebarSelection = index
        await harness.press([.scalar("d")])
        await harness.press([.scalar("y")])
        harness.app.expirePendingDeletion(now: .now + .seconds(1))
        #expect(harness.screenContains("u to undo"))       // still inside the window
        harness.app.expirePendingDeletion(now: .now + ChatApp.undoWindow + .seconds(1))
        #expect(!harness.screenContains("u to undo"))
        #expect(throws: GLMError.self) { try harness.store.restoreSession(bananas.id) }
        await harness.press([.scalar("u")])
        #expect(harness.screenContains("Nothing to undo"))
        #expect(harness.app.sessions.map(\.title) == ["cherries", "apples"])
    }

    @Test func undoingTheDeleteOfTheOpenSessionOpensItAgain() async {
        let harness = await harnessWithThreeSessions()
        #expect(harness.app.currentSession?.title == "cherries")
        await harness.type("/delete\r")
        #expect(harness.screenContains("Delete “cherries”"))
        await harness.press([.scalar("y")])
        #expect(harness.app.currentSession == nil)
        #expect(harness.screenContains("Deleted “cherries” — /undo to undo"))
        await harness.type("/undo\r")
        #expect(harness.app.currentSession?.title == "cherries")
        #expect(harness.screenContains("small and dark"))
        #expect(harness.app.sessions.map(\.title) == ["cherries", "bananas", "apples"])
    }

    @Test func archiveHidesASessionAndTheArchivedViewBringsItBack() async throws {
        let harness = await harnessWithThreeSessions()
        await harness.press([.scalar("\t"), .key(.down), .scalar("a")])
        #expect(harness.app.sessions.map(\.title) == ["cherries", "apples"])
        #expect(harness.screenContains("Archived “bananas”"))
        await harness.press([.scalar("A")])
        #expect(harness.screen[0].hasPrefix(" Archived"))
        #expect(harness.app.listedSessions.map(\.title) == ["bananas"])
        await harness.press([.scalar("/")])                // search still finds archived sessions' text
        await harness.type("lighthouse")
        #expect(harness.app.listedSessions.map(\.title) == ["bananas"])
        #expect(sidebarRow(harness, containing: "bananas (archived)") != nil, "a hit outside the main list says so")
        await harness.press([.scalar("\u{1B}")])
        await harness.runner.step(timeoutMilliseconds: 0)  // a lone Esc is only known once no more input follows
        await harness.press([.key(.home), .scalar("a")])
        #expect(harness.app.listedSessions.isEmpty)
        #expect(harness.screenContains("(none archived)"))
        await harness.press([.scalar("A")])
        #expect(harness.app.sessions.map(\.title) == ["cherries", "bananas", "apples"])
        #expect(harness.screen[0].hasPrefix(" Sessions"))
    }

    @Test func exportWritesMarkdownAndSaysWhere() async throws {
        let harness = await harnessWithThreeSessions()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        harness.app.exportDirectory = directory
        await harness.type("/export\r")
        let expected = directory.appendingPathComponent("glmchat-cherries.md").standardizedFileURL
        let text = try String(contentsOf: expected, encoding: .utf8)
        #expect(text.contains("# cherries") && text.contains("small and dark"))
        #expect(harness.app.notice?.text == "Exported “cherries” to \(expected.path)")
        await harness.type("/export\r")                    // a second export does not overwrite the first
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("glmchat-cherries-2.md").path))
        await harness.type("/export notes/out.md\r")
        #expect(harness.app.notice?.isError == true)       // no such directory: an error, not a crash
        #expect(harness.app.notice?.text.contains("notes/out.md") == true)
        await harness.type("/export chosen.md\r")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("chosen.md").path))
        await harness.press([.scalar("\t"), .key(.end), .scalar("e")])
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("glmchat-apples.md").path))
    }

    @Test func exportFileNamesFollowTheTitle() {
        #expect(ExportPath.slug("What is 2+2? 你好!") == "what-is-2-2-你好")
        #expect(ExportPath.slug("  ...  ") == "session")
        #expect(ExportPath.slug(String(repeating: "ab ", count: 30)).count <= 40)
        #expect(!ExportPath.slug(String(repeating: "ab ", count: 30)).hasSuffix("-"))
    }

    @Test func theStoresStartupNoticeIsShown() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-notice-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = StorePaths.databaseURL(dataDirectory: directory)
        try Data(repeating: 0x5A, count: 4096).write(to: database)
        let store = try GLMStore(dataDirectory: directory)
        let movedTo = try #require(store.notice?.movedTo)
        let harness = AppHarness(store: store)
        harness.app.start(problem: "theme broken")
        #expect(harness.app.notice?.text == "theme broken")
        let screen = harness.screen.joined(separator: "\n")
        #expect(screen.contains("Session database"))
        #expect(screen.contains("is damaged"))
        // the whole path, not cut off (a path longer than the dialog wraps inside it)
        let unwrapped = screen.filter { !$0.isWhitespace && $0 != "│" }
        #expect(unwrapped.contains(movedTo))
        harness.app.handle(.text("x"))                                       // any key closes it
        #expect(!harness.screen.joined().contains("is damaged"))
        #expect(harness.app.editor.isEmpty)
    }

    @Test func streamingAnAnswerDoesNotReloadTheSessionList() async {
        let harness = AppHarness(replies: [String(repeating: "word ", count: 40)])
        await harness.waitForModel()
        let before = harness.app.sessionListReads
        await harness.type("hello\r")
        await harness.pump { harness.app.activity != .idle }
        await harness.pump { harness.app.activity == .idle }
        // Once when the session is created, once when the answer ends: not per streamed piece.
        #expect(harness.app.sessionListReads - before <= 2)
    }
}
