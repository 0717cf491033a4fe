import Foundation
import Testing
@testable import GLMStore

@Suite struct AnswerWriterTests {
    @Test func userMessageIsCommittedBeforeTheAnswerBegins() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: "question"), to: s.id)
        // A second connection (as another process would) sees it at once.
        let other = try dir.open()
        #expect(try other.messages(in: s.id).map(\.content) == ["question"])
        let writer = try store.beginAnswer(in: s.id, model: "glm")
        let started = try #require(try other.message(writer.messageID))
        #expect(started.state == .streaming)
        #expect(started.content.isEmpty)
        try writer.finish(.stopToken(2))
    }

    @Test func streamedTextIsSavedWithinOneIntervalWithoutMoreInput() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let writer = try store.beginAnswer(in: s.id, model: "glm", saveInterval: 0.2)
        writer.append("Hello")
        writer.append(", world")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try store.message(writer.messageID)?.content == "Hello, world")
        #expect(writer.saveCount == 1)
        try writer.finish(.stopToken(2))
    }

    @Test func savesAreAtMostOnePerInterval() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let interval = 0.25
        let writer = try store.beginAnswer(in: s.id, model: "glm", saveInterval: interval)
        let start = monotonicSeconds()
        var pieces = 0
        while monotonicSeconds() - start < 1.3 {
            writer.append("tok\(pieces) ")
            pieces += 1
            Thread.sleep(forTimeInterval: 0.005)
        }
        let elapsed = monotonicSeconds() - start
        let saves = writer.saveCount
        // One save per started interval at the most (plus the one already due when timing began).
        #expect(saves <= Int(elapsed / interval) + 1, "\(saves) saves in \(elapsed) s")
        #expect(saves >= 2, "\(saves) saves in \(elapsed) s")
        let final = try writer.finish(.stopToken(2), stats: answerStats(prompt: 3, completion: pieces, tokensPerSecond: 50))
        #expect(final.content == (0..<pieces).map { "tok\($0) " }.joined())
        #expect(try store.message(writer.messageID) == final)
    }

    @Test func finishRecordsTheOutcomeAndStats() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let stopped = try store.beginAnswer(in: s.id, model: "chatglm3-6b")
        stopped.append("partial")
        let saved = try stopped.finish(.cancelled, stats: answerStats(prompt: 12, completion: 1, tokensPerSecond: 9.5))
        #expect(saved.state == .stopped)
        #expect(saved.finishedAt != nil)
        stopped.append(" ignored after finish")
        #expect(try store.message(stopped.messageID)?.content == "partial")

        let failed = try store.beginAnswer(in: s.id, model: "chatglm3-6b")
        try failed.finish(.failed("context window full"))
        let messages = try store.messages(in: s.id)
        #expect(messages.map(\.state) == [.stopped, .failed])
        #expect(messages[1].error == "context window full")
        #expect(messages[0].promptTokens == 12 && messages[0].tokensPerSecond == 9.5)
        #expect(messages.allSatisfy { $0.role == .assistant && $0.model == "chatglm3-6b" })
    }

    @Test func answersOfDeadProcessesAreMarkedInterruptedOnOpen() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let live = try store.beginAnswer(in: s.id, model: "glm")
        live.append("still going")
        try live.flush()
        let orphan = try store.beginAnswer(in: s.id, model: "glm")
        orphan.append("cut off")
        try orphan.flush()
        // Make the second look as if a process that has exited was writing it.
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        try store.pool.write { db in
            try db.execute(sql: "UPDATE message SET ownerPid = ? WHERE id = ?",
                           arguments: [exited.processIdentifier, orphan.messageID.rawValue])
        }

        let reopened = try dir.open()
        let recovered = try #require(try reopened.message(orphan.messageID))
        #expect(recovered.state == .failed)
        #expect(recovered.error == GLMStore.interruptedError)
        #expect(recovered.content == "cut off")
        #expect(try reopened.message(live.messageID)?.state == .streaming)
        try live.finish(.stopToken(2))
        #expect(try reopened.message(live.messageID)?.state == .complete)
    }
}
