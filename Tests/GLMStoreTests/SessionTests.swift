import Foundation
import Testing
@testable import GLMStore

@Suite struct SessionTests {
    @Test func createdSessionIsListedNewestFirst() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let first = try store.makeSession()
        Thread.sleep(forTimeInterval: 0.003)    // recency is kept to the millisecond
        let second = try store.makeSession()
        Thread.sleep(forTimeInterval: 0.003)
        try store.appendMessage(NewMessage(role: .user, content: "bump"), to: first.id)
        let listed = try store.listSessions()
        #expect(listed.map(\.id) == [first.id, second.id])
        #expect(try store.countSessions() == 2)
        #expect(try store.session(second.id) == second)
    }

    @Test func pagingCoversEverySessionOnce() throws {
        let dir = try TempDir()
        let store = try dir.open()
        var made: [SessionID] = []
        for _ in 0..<25 { made.append(try store.makeSession().id) }
        var seen: [SessionID] = []
        var offset = 0
        while true {
            let page = try store.listSessions(offset: offset, limit: 7)
            if page.isEmpty { break }
            seen += page.map(\.id)
            offset += page.count
        }
        #expect(Set(seen) == Set(made))
        #expect(seen.count == 25)
    }

    @Test func firstUserMessageNamesTheSessionUntilRenamed() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        #expect(try store.session(session.id)?.displayTitle == Session.untitled)
        try store.appendMessage(NewMessage(role: .system, content: "be brief"), to: session.id)
        try store.appendMessage(NewMessage(role: .user, content: "\n  How do I  sort a list?\nin Swift"), to: session.id)
        try store.appendMessage(NewMessage(role: .user, content: "second question"), to: session.id)
        #expect(try store.session(session.id)?.title == "How do I sort a list?")

        let renamed = try store.renameSession(session.id, to: "Sorting\nnotes ")
        #expect(renamed.title == "Sorting notes")
        #expect(renamed.titleIsCustom)
        #expect(try store.session(session.id) == renamed)

        let reverted = try store.renameSession(session.id, to: "   ")
        #expect(reverted.title == "How do I sort a list?")
        #expect(!reverted.titleIsCustom)
    }

    @Test func archivedSessionsHaveTheirOwnList() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let kept = try store.makeSession()
        let archived = try store.makeSession()
        try store.setArchived(archived.id, true)
        #expect(try store.listSessions(.active).map(\.id) == [kept.id])
        #expect(try store.listSessions(.archived).map(\.id) == [archived.id])
        #expect(try store.countSessions(.all) == 2)
        try store.setArchived(archived.id, false)
        #expect(try store.countSessions(.archived) == 0)
    }

    @Test func deleteCanBeUndoneUntilPurged() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: "keep me"), to: session.id)
        try store.deleteSession(session.id)
        #expect(try store.listSessions().isEmpty)
        #expect(try store.session(session.id) == nil)
        #expect(try store.search("keep").isEmpty)

        try store.restoreSession(session.id)
        #expect(try store.messages(in: session.id).map(\.content) == ["keep me"])

        try store.deleteSession(session.id)
        try store.purgeDeletedSession(session.id)
        #expect(throws: GLMError.self) { try store.restoreSession(session.id) }
        #expect(try store.messages(in: session.id).isEmpty)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test func purgeLeavesRestoredSessionsAlone() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        try store.deleteSession(session.id)
        try store.restoreSession(session.id)
        try store.purgeDeletedSession(session.id)
        #expect(try store.session(session.id) != nil)
        #expect(try store.purgeDeletedSessions(deletedBefore: Date().addingTimeInterval(60)) == 0)
    }

    @Test func settingsChangesAreSaved() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        let sampling = SamplingSettings(temperature: 0.3, topP: 0.95, topK: 40, repetitionPenalty: 1.1,
                                        maxNewTokens: 512, seed: 42)
        try store.setSampling(sampling, of: session.id)
        try store.setSystemPrompt("你是一个助手", of: session.id)
        try store.setModel(session.id, kind: "chat-32k", name: "chatglm3-6b-32k-q4_0")
        let reread = try #require(try store.session(session.id))
        #expect(reread.sampling == sampling)
        #expect(reread.systemPrompt == "你是一个助手")
        #expect(reread.modelKind == "chat-32k")
        #expect(reread.modelName == "chatglm3-6b-32k-q4_0")
    }

    @Test func idPrefixesResolveOnlyWhenUnique() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        #expect(try store.resolveSessionID(String(session.id.rawValue.prefix(8))) == session.id)
        #expect(try store.resolveSessionID(session.id.rawValue.uppercased()) == session.id)
        #expect(throws: GLMError.self) { try store.resolveSessionID("zz") }
        _ = try store.makeSession()
        #expect(throws: GLMError.self) { try store.resolveSessionID("") }
    }

    @Test func missingSessionsAreReportedNotCreated() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let ghost = SessionID.random()
        #expect(throws: GLMError.self) { try store.appendMessage(NewMessage(role: .user, content: "x"), to: ghost) }
        #expect(throws: GLMError.self) { try store.renameSession(ghost, to: "x") }
        #expect(throws: GLMError.self) { try store.deleteSession(ghost) }
        #expect(try store.countSessions(.all) == 0)
    }

    @Test func dataDirectoryPrecedence() {
        let env = ["GLMCHAT_DATA_DIR": "/a", "XDG_DATA_HOME": "/b", "HOME": "/h"]
        #expect(StorePaths.dataDirectory(override: "/x", environment: env).path == "/x")
        #expect(StorePaths.dataDirectory(environment: env).path == "/a")
        #expect(StorePaths.dataDirectory(environment: ["XDG_DATA_HOME": "/b", "HOME": "/h"]).path == "/b/glmchat")
        #expect(StorePaths.dataDirectory(environment: ["XDG_DATA_HOME": "rel", "HOME": "/h"]).path
                == "/h/.local/share/glmchat")
    }

    @Test func otherWritersMoveTheChangeToken() throws {
        let dir = try TempDir()
        let mine = try dir.open()
        let other = try dir.open()
        let start = try mine.externalChangeToken()
        let session = try mine.makeSession()
        try mine.appendMessage(NewMessage(role: .user, content: "mine"), to: session.id)
        #expect(try mine.externalChangeToken() == start)
        try other.renameSession(session.id, to: "renamed elsewhere")
        let moved = try mine.externalChangeToken()
        #expect(moved != start)
        #expect(try mine.externalChangeToken() == moved)
    }
}
