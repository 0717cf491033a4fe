import Foundation
import GLMStore
import Testing
@testable import GLMTerm

@MainActor
@Suite("Integration: the sidebar's operations over the SQLite store")
struct StoreSidebarOperationsTests {
    func makeRepository() throws -> (StoreSessionRepository, GLMStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-side-\(UUID().uuidString)")
        let store = try GLMStore(dataDirectory: directory)
        return (StoreSessionRepository(store: store, modelKind: { "chat" }, modelName: { "tiny" }), store, directory)
    }

    @Test("search finds message text through FTS5 and gives match ranges in Characters")
    func search() throws {
        let (repository, _, directory) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lighthouse = try repository.createSession(title: "灯塔 keepers")
        let asked = try repository.appendMessage(to: lighthouse.id, role: .user, text: "你好 😀 who trims the WICKS at night?", state: .complete)
        let other = try repository.createSession(title: "apples")
        _ = try repository.appendMessage(to: other.id, role: .user, text: "red or green", state: .complete)

        let hits = try repository.search("wicks")
        #expect(hits.map(\.session.id) == [lighthouse.id])
        let hit = try #require(hits.first)
        let snippet = try #require(hit.snippet)
        let match = try #require(hit.snippetMatches.first)
        #expect(String(Array(snippet)[match]) == "WICKS")
        #expect(hit.titleMatches.isEmpty)
        // the hit names the message, by the id the session's messages carry when it is opened
        #expect(hit.messageID == asked.id)
        #expect(try repository.messages(in: lighthouse.id).first { $0.id == hit.messageID }?.text.contains("WICKS") == true)

        let titleHit = try #require(try repository.search("keepers").first)
        #expect(titleHit.session.id == lighthouse.id)
        #expect(titleHit.titleMatches == [3..<10])
        #expect(try repository.search("nowhere").isEmpty)
    }

    @Test("archive moves a session between the two lists; search still finds it")
    func archive() throws {
        let (repository, _, directory) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: directory) }
        let kept = try repository.createSession(title: "kept")
        let old = try repository.createSession(title: "old one")
        try repository.setArchived(old.id, true)
        #expect(try repository.listSessions().map(\.id) == [kept.id])
        let archived = try repository.listSessions(archived: true)
        #expect(archived.map(\.id) == [old.id])
        #expect(archived.first?.isArchived == true)
        #expect(try repository.search("old").map(\.session.id) == [old.id])
        try repository.setArchived(old.id, false)
        #expect(Set(try repository.listSessions().map(\.id)) == [kept.id, old.id])
    }

    @Test("a deleted session can be restored until it is purged")
    func deleteRestorePurge() throws {
        let (repository, store, directory) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try repository.createSession(title: "to delete")
        _ = try repository.appendMessage(to: session.id, role: .user, text: "remember me", state: .complete)
        try repository.deleteSession(session.id)
        #expect(try repository.listSessions().isEmpty)
        #expect(try repository.search("remember").isEmpty)
        try repository.restoreSession(session.id)
        #expect(try repository.listSessions().map(\.id) == [session.id])
        #expect(try repository.messages(in: session.id).map(\.text) == ["remember me"])
        try repository.deleteSession(session.id)
        try repository.purgeDeletedSession(session.id)
        #expect(try store.countSessions(.all) == 0)
        #expect(throws: StoreError.self) { try repository.restoreSession(session.id) }
    }

    @Test("export gives the store's Markdown")
    func export() throws {
        let (repository, _, directory) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try repository.createSession(title: "Export me")
        _ = try repository.appendMessage(to: session.id, role: .user, text: "question 你好", state: .complete)
        _ = try repository.appendMessage(to: session.id, role: .assistant, text: "answer **bold**", state: .complete)
        let markdown = try repository.exportMarkdown(session.id)
        #expect(markdown.contains("Export me"))
        #expect(markdown.contains("question 你好"))
        #expect(markdown.contains("answer **bold**"))
    }

    @Test("a damaged database is moved aside and the app is told where")
    func startupNotice() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-side-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let databaseURL = StorePaths.databaseURL(dataDirectory: directory)
        try FileManager.default.createDirectory(at: databaseURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }).write(to: databaseURL)
        let store = try GLMStore(dataDirectory: directory)
        let repository = StoreSessionRepository(store: store, modelKind: { "chat" }, modelName: { "tiny" })
        let notice = try #require(repository.startupNotice)
        let movedTo = try #require(store.notice?.movedTo)
        #expect(notice.hasPrefix("The session database"))
        #expect(notice.contains(movedTo))

        let backend = MemoryBackend(size: Size(rows: 24, columns: 200))
        let app = ChatApp(service: DemoChatService(), repository: repository, models: AppHarness.models, theme: Theme.plain)
        app.start()
        AppRunner(app: app, backend: backend).drawIfDue(force: true)
        let screen = backend.snapshot.joined(separator: "\n")
        #expect(screen.contains("damaged (file is not a database)"))
        #expect(screen.contains(movedTo))             // the whole path, on one line
    }
}
