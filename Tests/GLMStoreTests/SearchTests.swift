import Foundation
import Testing
@testable import GLMStore

@Suite struct SearchTests {
    /// Three sessions in English and Chinese; returns the store and their ids in creation order.
    private func populated(_ dir: TempDir) throws -> (GLMStore, [SessionID]) {
        let store = try dir.open()
        let a = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: "How do I reverse a linked list?"), to: a.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "Walk the list and flip each Next pointer.\nThe linked list is then reversed."), to: a.id)
        // Recency is kept to the millisecond: space the sessions so their order is certain.
        Thread.sleep(forTimeInterval: 0.003)
        let b = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: "请介绍一下北京的历史"), to: b.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "北京是中国的首都，有三千多年的建城史。"), to: b.id)
        Thread.sleep(forTimeInterval: 0.003)
        let c = try store.makeSession("Trip planning")
        try store.appendMessage(NewMessage(role: .user, content: "Plan a trip to 北京 in spring"), to: c.id)
        return (store, [a.id, b.id, c.id])
    }

    @Test func englishWordsMatchCaseInsensitivelyWithHighlights() throws {
        let dir = try TempDir()
        let (store, ids) = try populated(dir)
        let hits = try store.search("LINKED list")
        #expect(hits.map(\.session.id) == [ids[0]])
        let snippet = try #require(hits.first?.snippet)
        #expect(hits.first?.role == .user)
        #expect(snippet.text == "How do I reverse a linked list?")
        #expect(snippet.matches.map { String(snippet.text[$0]) } == ["linked", "list"])
        #expect(snippet.characterOffsets.map(\.offset) == [19, 26])
    }

    @Test func chineseSubstringsMatchWithoutWordBoundaries() throws {
        let dir = try TempDir()
        let (store, ids) = try populated(dir)
        // Three characters: looked up in the trigram index.
        let history = try store.search("建城史")
        #expect(history.map(\.session.id) == [ids[1]])
        let snippet = try #require(history.first?.snippet)
        #expect(snippet.matches.map { String(snippet.text[$0]) } == ["建城史"])
        // Two characters: too short for trigrams, found by the LIKE path; newest session first.
        #expect(try store.search("北京").map(\.session.id) == [ids[2], ids[1]])
    }

    /// U+5E74 and U+F98E are canonically equivalent (`String ==` says equal) but different text: search
    /// finds each only where it is written, and highlights only what it found.
    @Test func canonicallyEquivalentCharactersAreDifferentSearchTerms() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let plain = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: "新\u{5E74}快乐"), to: plain.id)
        let compatibility = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: "新\u{F98E}快乐"), to: compatibility.id)
        let hits = try store.search("\u{5E74}")
        #expect(hits.map(\.session.id) == [plain.id])
        let snippet = try #require(hits.first?.snippet)
        #expect(snippet.matches.map { Array(snippet.text[$0].utf8) } == [Array("\u{5E74}".utf8)])
        #expect(try store.search("\u{F98E}").map(\.session.id) == [compatibility.id])
        #expect(SearchQuery.terms("\u{5E74} \u{F98E}").count == 2)
        #expect(SearchQuery.ranges(of: ["\u{5E74}"], in: "\u{F98E}").isEmpty)
        #expect(SearchQuery.ranges(of: ["LINKED"], in: "a linked list").count == 1)
    }

    @Test func everyTermMustBeInTheSameMessage() throws {
        let dir = try TempDir()
        let (store, ids) = try populated(dir)
        #expect(try store.search("pointer reversed").map(\.session.id) == [ids[0]])
        #expect(try store.search("reverse 北京").isEmpty)
        #expect(try store.search("trip 北京").map(\.session.id) == [ids[2]])
    }

    @Test func titlesMatchToo() throws {
        let dir = try TempDir()
        let (store, ids) = try populated(dir)
        let hits = try store.search("planning")
        #expect(hits.map(\.session.id) == [ids[2]])
        let hit = try #require(hits.first)
        #expect(hit.messageID == nil)
        #expect(hit.titleMatches.map { String(hit.session.title[$0]) } == ["planning"])
    }

    @Test func queryTextIsNeverTreatedAsSyntax() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: #"use "quotes" AND (parens) 100% of_the time* NEAR(x)"#), to: s.id)
        for query in [#""quotes""#, "AND (parens)", "100%", "of_the", "time*", "NEAR(", "\""] {
            #expect(try store.search(query).map(\.session.id) == [s.id], "query \(query)")
        }
        #expect(try store.search("10%0").isEmpty)
        #expect(try store.search("of%the").isEmpty)
        #expect(try store.search("   ").isEmpty)
    }

    @Test func indexFollowsEditsAndDeletes() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let writer = try store.beginAnswer(in: s.id, model: "glm")
        writer.append("first draft about otters")
        try writer.flush()
        #expect(try store.search("otters").count == 1)
        writer.append(" and beavers")
        try writer.finish(.stopToken(2))
        #expect(try store.search("beavers").first?.messageID == writer.messageID)
        try store.deleteSession(s.id)
        try store.purgeDeletedSession(s.id)
        #expect(try store.search("otters").isEmpty)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test func longMessagesGiveAWindowAroundTheMatch() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let content = String(repeating: "filler text ", count: 50) + "the NEEDLE is here\n" + String(repeating: "more ", count: 50)
        try store.appendMessage(NewMessage(role: .assistant, content: content), to: s.id)
        let snippet = try #require(try store.search("needle").first?.snippet)
        #expect(snippet.text.hasPrefix("…"))
        #expect(snippet.text.hasSuffix("…"))
        #expect(!snippet.text.contains("\n"))
        #expect(snippet.matches.map { String(snippet.text[$0]) } == ["NEEDLE"])
    }
}
