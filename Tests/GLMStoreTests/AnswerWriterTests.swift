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
        let writer = try store.beginAnswer(in: s.id, model: "glm", clock: ManualSaveClock())
        let started = try #require(try other.message(writer.messageID))
        #expect(started.state == .streaming)
        #expect(started.content.isEmpty)
        try writer.finish(.stopToken(2))
    }

    @Test func streamedTextIsSavedWithinOneIntervalWithoutMoreInput() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let clock = ManualSaveClock()
        let writer = try store.beginAnswer(in: s.id, model: "glm", saveInterval: 1, clock: clock)
        func saved() throws -> String? { try store.message(writer.messageID)?.content }

        clock.advance(by: 0.25)
        writer.append("Hello")
        clock.advance(by: 0.5)
        writer.append(", world")
        clock.advance(by: 0.125)                       // 0.875 s after the writer began: not due yet
        #expect(try saved() == "")
        #expect(writer.saveCount == 0)
        clock.advance(by: 0.125)                       // 1 s: both pieces, no more input needed
        #expect(try saved() == "Hello, world")
        #expect(writer.saveCount == 1)

        // The next piece waits for the next interval after that save, then is saved on its own.
        clock.advance(by: 0.5)
        writer.append("!")
        clock.advance(by: 0.375)
        #expect(try saved() == "Hello, world")
        clock.advance(by: 0.125)
        #expect(try saved() == "Hello, world!")
        #expect(writer.saveCount == 2)
        #expect(clock.pendingCount == 0)               // nothing left to save, nothing waiting

        // After a long pause the first new piece is due at once.
        clock.advance(by: 30)
        writer.append(" Again.")
        clock.advance(by: 0)
        #expect(try saved() == "Hello, world! Again.")
        try writer.finish(.stopToken(2))
    }

    @Test func savesAreAtMostOnePerInterval() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let clock = ManualSaveClock()
        let interval = 0.25
        let step = 1.0 / 256                           // binary fractions: the times add up exactly
        let writer = try store.beginAnswer(in: s.id, model: "glm", saveInterval: interval, clock: clock)
        let begin = clock.now
        var appended: [(time: Double, text: String)] = []
        var saves: [(time: Double, content: String)] = []
        for piece in 0..<384 {                         // 1.5 s of a token every 3.9 ms
            writer.append("tok\(piece) ")
            appended.append((clock.now - begin, (appended.last?.text ?? "") + "tok\(piece) "))
            let before = writer.saveCount
            clock.advance(by: step)
            if writer.saveCount > before {
                #expect(writer.saveCount == before + 1)
                saves.append((clock.now - begin, try #require(try store.message(writer.messageID)).content))
            }
        }
        #expect(saves.map(\.time) == [0.25, 0.5, 0.75, 1.0, 1.25, 1.5])
        for (earlier, later) in zip(saves, saves.dropFirst()) {
            #expect(later.time - earlier.time >= interval)
        }
        // Each save holds everything appended before it, and every piece is saved within one interval.
        for save in saves {
            #expect(save.content == appended.last { $0.time < save.time }?.text)
        }
        for piece in appended {
            #expect(saves.contains { $0.time >= piece.time && $0.time <= piece.time + interval && $0.content.hasPrefix(piece.text) })
        }
        let final = try writer.finish(.stopToken(2), stats: answerStats(prompt: 3, completion: 384, tokensPerSecond: 256))
        #expect(final.content == appended.last?.text)
        #expect(try store.message(writer.messageID) == final)
    }

    @Test func finishRecordsTheTextOutcomeAndStats() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let clock = ManualSaveClock()
        let stopped = try store.beginAnswer(in: s.id, model: "chatglm3-6b", clock: clock)
        stopped.append("partial")
        stopped.append(" answer")
        // No save has happened yet: finish writes the text itself, with the outcome and stats.
        #expect(stopped.saveCount == 0)
        let saved = try stopped.finish(.cancelled, stats: answerStats(prompt: 12, completion: 2, tokensPerSecond: 9.5))
        #expect(saved.state == .stopped)
        #expect(saved.finishedAt != nil)
        stopped.append(" ignored after finish")
        clock.advance(by: 10)
        #expect(try store.message(stopped.messageID)?.content == "partial answer")

        let failed = try store.beginAnswer(in: s.id, model: "chatglm3-6b", clock: clock)
        try failed.finish(.failed("context window full"))
        let messages = try store.messages(in: s.id)
        #expect(messages.map(\.state) == [.stopped, .failed])
        #expect(messages[1].error == "context window full")
        #expect(messages[0].content == "partial answer")
        #expect(messages[0].promptTokens == 12 && messages[0].completionTokens == 2 && messages[0].tokensPerSecond == 9.5)
        #expect(messages[1].promptTokens == nil && messages[1].tokensPerSecond == nil)
        #expect(messages.allSatisfy { $0.role == .assistant && $0.model == "chatglm3-6b" })
    }

    @Test func failedSaveIsRetriedWithoutMoreInput() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let clock = ManualSaveClock()
        let writer = try store.beginAnswer(in: s.id, model: "glm", saveInterval: 1, clock: clock)
        func refuseSaves(_ refuse: Bool) throws {
            try store.pool.write { db in
                try db.execute(sql: refuse
                    ? "CREATE TRIGGER refuse_saves BEFORE UPDATE ON message BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
                    : "DROP TRIGGER refuse_saves")
            }
        }

        try refuseSaves(true)
        writer.append("kept in memory")
        clock.advance(by: 1)
        #expect(writer.saveError != nil)
        #expect(writer.saveCount == 0)
        #expect(try store.message(writer.messageID)?.content == "")
        #expect(clock.pendingCount == 1)               // the retry waits one interval

        try refuseSaves(false)
        clock.advance(by: 0.5)
        #expect(writer.saveError != nil)
        clock.advance(by: 0.5)
        #expect(writer.saveError == nil)
        #expect(writer.saveCount == 1)
        #expect(try store.message(writer.messageID)?.content == "kept in memory")

        // A failed finish keeps the text and can be called again.
        try refuseSaves(true)
        writer.append(" and more")
        #expect(throws: (any Error).self) { try writer.finish(.stopToken(2)) }
        try refuseSaves(false)
        let final = try writer.finish(.stopToken(2))
        #expect(final.content == "kept in memory and more")
        #expect(try store.message(writer.messageID)?.state == .complete)
    }

    @Test func answersOfDeadProcessesAreMarkedInterruptedOnOpen() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let s = try store.makeSession()
        let clock = ManualSaveClock()
        let live = try store.beginAnswer(in: s.id, model: "glm", clock: clock)
        live.append("still going")
        try live.flush()
        let orphan = try store.beginAnswer(in: s.id, model: "glm", clock: clock)
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

@Suite struct DispatchSaveClockTests {
    /// An interval too long for DispatchTime (a caller's bad value) schedules nothing instead of trapping.
    @Test func deadlinesBeyondDispatchTimeAreNeverRun() {
        let queue = DispatchQueue(label: "glmchat.test.save-clock")
        for deadline in [TimeInterval.infinity, .nan, 1e300, -TimeInterval.infinity] {
            DispatchSaveClock().run(at: deadline, on: queue) { Issue.record("ran work due at \(deadline)") }
        }
        queue.sync {}
    }
}
