import Foundation
import Testing
@testable import GLMStore

/// "/retry" and "/edit" keep what they replace: a session is a tree of messages, of which the
/// chosen path is shown, exported and sent (issue 20, item 14).
@Suite struct AlternativesTests {
    @Test func aRetractedAnswerStaysAsAnAlternativeAndCanBeChosenAgain() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        let question = try store.appendMessage(NewMessage(role: .user, content: "hi"), to: session.id)
        let first = try store.appendMessage(NewMessage(role: .assistant, content: "one"), to: session.id)
        try store.retractMessage(first.id)
        let second = try store.appendMessage(NewMessage(role: .assistant, content: "two"), to: session.id)
        #expect(first.parentID == question.id && second.parentID == question.id)
        #expect(try store.chosenPath(in: session.id).map(\.content) == ["hi", "two"])
        #expect(try store.messages(in: session.id).map(\.content) == ["hi", "one", "two"])

        try store.chooseMessage(first.id)
        #expect(try store.chosenPath(in: session.id).map(\.content) == ["hi", "one"])
        // What follows is added after the chosen alternative.
        let next = try store.appendMessage(NewMessage(role: .user, content: "more"), to: session.id)
        #expect(next.parentID == first.id)
        #expect(try store.chosenPath(in: session.id).map(\.content) == ["hi", "one", "more"])
    }

    @Test func anEditedQuestionKeepsTheOldBranchWithItsAnswer() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        let typo = try store.appendMessage(NewMessage(role: .user, content: "helo"), to: session.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "answer to helo"), to: session.id)
        try store.retractMessage(typo.id)
        #expect(try store.chosenPath(in: session.id).isEmpty)
        let fixed = try store.appendMessage(NewMessage(role: .user, content: "hello"), to: session.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "answer to hello"), to: session.id)
        #expect(fixed.parentID == nil)
        #expect(try store.chosenPath(in: session.id).map(\.content) == ["hello", "answer to hello"])
        try store.chooseMessage(typo.id)
        #expect(try store.chosenPath(in: session.id).map(\.content) == ["helo", "answer to helo"])
    }

    @Test func exportWritesTheChosenPathOrTheWholeTreeAndImportKeepsIt() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: "hi"), to: session.id)
        let first = try store.appendMessage(NewMessage(role: .assistant, content: "one"), to: session.id)
        try store.retractMessage(first.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "two"), to: session.id)

        let chosen = try store.exportMarkdown(session.id)
        #expect(chosen.contains("two") && !chosen.contains("one"))
        let all = try store.exportMarkdown(session.id, alternatives: true)
        #expect(all.contains("alternative 1 of 2") && all.contains("alternative 2 of 2 (shown)"))

        let other = try TempDir()
        let copy = try other.open()
        let imported = try copy.importSession(from: try store.exportJSON(session.id, alternatives: true), path: "tree.json")
        #expect(try copy.messages(in: imported.id).map(\.content) == ["hi", "one", "two"])
        #expect(try copy.chosenPath(in: imported.id).map(\.content) == ["hi", "two"])
    }

    @Test func controlCharactersInAMessageArePicturesInMarkdownAndEscapesInJSON() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: "a\u{1B}[2Jb\u{9B}c\u{7F}"), to: session.id)
        let markdown = try store.exportMarkdown(session.id)
        #expect(markdown.contains("a␛[2Jb\u{FFFD}c␡"))
        let json = try store.exportJSON(session.id)
        #expect(!json.contains(0x1B) && !json.contains(0x7F))
        let bytes = Array(json)
        #expect(!bytes.indices.dropLast().contains { bytes[$0] == 0xC2 && bytes[$0 + 1] == 0x9B })
        #expect(String(decoding: json, as: UTF8.self).contains("a\\u001b[2Jb\\u009bc\\u007f"))
        let back = try store.importSession(from: json, path: "x.json", assignNewIDs: true)
        #expect(try store.messages(in: back.id).first?.content.unicodeScalars.elementsEqual("a\u{1B}[2Jb\u{9B}c\u{7F}".unicodeScalars) == true)
    }
}
