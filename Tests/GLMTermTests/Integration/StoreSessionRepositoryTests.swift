import Foundation
import GLMStore
import Testing
@testable import GLMTerm

@MainActor
@Suite("Integration: the app's session repository over the SQLite store")
struct StoreSessionRepositoryTests {
    func makeRepository() throws -> (StoreSessionRepository, GLMStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-repo-\(UUID().uuidString)")
        let store = try GLMStore(dataDirectory: directory)
        return (StoreSessionRepository(store: store, modelKind: { "chat" }, modelName: { "tiny" }), store, directory)
    }

    @Test("a conversation round-trips: user message, streamed answer, stop, /clear marker")
    func roundTrip() throws {
        let (repository, _, directory) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try repository.createSession(title: "")
        _ = try repository.appendMessage(to: session.id, role: .user, text: "你好 😀", state: .complete)
        let answer = try repository.appendMessage(to: session.id, role: .assistant, text: "", state: .streaming)
        try repository.updateMessage(answer.id, text: "Hello", state: .streaming)
        try repository.updateMessage(answer.id, text: "Hello, 世界", state: .stopped)
        _ = try repository.appendMessage(to: session.id, role: .contextCleared, text: "", state: .complete)
        let messages = try repository.messages(in: session.id)
        #expect(messages.map(\.role) == [.user, .assistant, .contextCleared])
        #expect(messages[1].text == "Hello, 世界")
        #expect(messages[1].state == .stopped)
        #expect(try repository.listSessions().first?.title == "你好 😀")
    }

    @Test("a rewritten answer, a deleted message and a renamed or deleted session are stored")
    func edits() throws {
        let (repository, store, directory) = try makeRepository()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session = try repository.createSession(title: "first")
        let question = try repository.appendMessage(to: session.id, role: .user, text: "draft", state: .complete)
        try repository.updateMessage(question.id, text: "final question", state: .complete)
        let answer = try repository.appendMessage(to: session.id, role: .assistant, text: "", state: .streaming)
        try repository.updateMessage(answer.id, text: "partial", state: .streaming)
        try repository.deleteMessage(answer.id)
        #expect(try repository.messages(in: session.id).map(\.text) == ["final question"])
        try repository.renameSession(session.id, to: "renamed")
        #expect(try repository.listSessions().map(\.title) == ["renamed"])
        try repository.deleteSession(session.id)
        #expect(try repository.listSessions().isEmpty)
        #expect(try store.countSessions(.all) == 0)
    }
}
