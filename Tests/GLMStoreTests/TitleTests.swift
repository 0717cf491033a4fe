import Foundation
import Testing
@testable import GLMStore

@Suite struct TitleTests {
    @Test func longFirstLinesAreKeptWhole() {
        // Cutting to the room on screen is the screen's business (sidebar, dialogs, CLI table).
        let chinese = String(repeating: "中文", count: 30)
        #expect(Titles.title(fromFirstMessage: chinese + "\nsecond line") == chinese)
        let family = String(repeating: "👨‍👩‍👧", count: 30)
        #expect(Titles.title(fromFirstMessage: family) == family)
        let long = String(repeating: "word ", count: 200).trimmingCharacters(in: .whitespaces)
        #expect(Titles.title(fromFirstMessage: long) == long)
    }

    @Test func titleIsTheFirstNonBlankLineCleaned() {
        #expect(Titles.title(fromFirstMessage: "你好") == "你好")
        #expect(Titles.title(fromFirstMessage: "  \n\n  hello\tthere \nmore") == "hello there")
        #expect(Titles.title(fromFirstMessage: "\r\n\u{1B}[31mred\u{7}") == "[31mred")
        #expect(Titles.title(fromFirstMessage: " \t \n\u{0}\nnext") == "next")
        #expect(Titles.title(fromFirstMessage: "") == "")
    }

    @Test func automaticTitleOfASessionIsStoredWhole() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        let first = String(repeating: "一个很长的问题", count: 20)
        try store.appendMessage(NewMessage(role: .user, content: first + "\n细节"), to: session.id)
        #expect(try store.session(session.id)?.title == first)
    }
}
