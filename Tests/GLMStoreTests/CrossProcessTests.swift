import Foundation
import Testing
@testable import GLMStore
#if canImport(Glibc)
import Glibc
#endif

/// Real second processes: this test binary started again, running one of the child tests below.
@Suite struct CrossProcessTests {
    @Test func killDuringAnAnswerLosesAtMostTheLastSecond() throws {
        let dir = try TempDir()
        let session = try dir.open().makeSession()
        let (child, output) = try ChildRole.spawn(testName: "childStreamsAnAnswer", environment: [
            ChildRole.variable: "answer-writer",
            ChildRole.databaseVariable: dir.databaseURL.path,
            ChildRole.sessionVariable: session.id.rawValue,
        ])
        #expect(output.waitFor("USER_COMMITTED"))
        // When the parent read "APPENDED i"; the child appended piece i no later than that.
        var arrivals: [Double] = []
        while arrivals.count < 600, let line = output.nextLine() {
            if line.hasPrefix("APPENDED ") { arrivals.append(monotonicSeconds()) }
        }
        try #require(arrivals.count == 600, "the child stopped early")
        let killTime = monotonicSeconds()
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)

        let store = try dir.open()
        #expect(try store.integrityProblems().isEmpty)
        let messages = try store.messages(in: session.id)
        try #require(messages.count == 2)
        #expect(messages[0].role == .user && messages[0].content == "question")
        let answer = messages[1]
        #expect(answer.state == .failed)
        #expect(answer.error == GLMStore.interruptedError)
        let everything = (0..<(arrivals.count + 2000)).map { "w\($0) " }.joined()
        #expect(everything.hasPrefix(answer.content), "the saved text is not what was streamed")
        let savedPieces = answer.content.split(separator: " ").count
        // Everything appended more than a second (the save interval) before the kill, with 0.75 s
        // for the write itself on a busy machine, must have been saved.
        let mustHave = (arrivals.lastIndex { $0 <= killTime - 1.0 - 0.75 } ?? -1) + 1
        #expect(mustHave > 0)
        #expect(savedPieces >= mustHave, "saved \(savedPieces) pieces, needed \(mustHave) of \(arrivals.count)")
        #expect(try store.search("w12 w13").map(\.session.id) == [session.id])
    }

    @Test func twoProcessesWritingAtOnceLoseNothing() throws {
        let dir = try TempDir()
        let shared = try dir.open().makeSession()
        let goFile = dir.url.appendingPathComponent("go").path
        let names = ["alpha", "beta"]
        let children = try names.map { name in
            try ChildRole.spawn(testName: "childWritesConcurrently", environment: [
                ChildRole.variable: "concurrent-writer",
                ChildRole.databaseVariable: dir.databaseURL.path,
                ChildRole.sessionVariable: shared.id.rawValue,
                ChildRole.nameVariable: name,
                ChildRole.goFileVariable: goFile,
            ])
        }
        for (_, output) in children { #expect(output.waitFor("READY")) }
        #expect(FileManager.default.createFile(atPath: goFile, contents: Data()))
        for (process, output) in children {
            #expect(output.waitFor("DONE"))
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        }

        let store = try dir.open()
        #expect(try store.integrityProblems().isEmpty)
        let messages = try store.messages(in: shared.id)
        #expect(messages.count == names.count * ConcurrentWriter.messages)
        for name in names {
            let own = messages.map(\.content).filter { $0.hasPrefix(name + "-") }
            #expect(own == (0..<ConcurrentWriter.messages).map { "\(name)-\($0)" }, "\(name)'s messages")
        }
        let sessions = try store.listSessions(limit: 1000)
        for name in names {
            let own = sessions.filter { $0.title.hasPrefix("\(name) session") }
            #expect(own.count == ConcurrentWriter.sessions)
            for session in own {
                let texts = try store.messages(in: session.id).map(\.content)
                #expect(texts == ["\(session.title) question", "answer to \(session.title)"])
            }
        }
    }

    // MARK: - The children

    @Test(.enabled(if: ChildRole.current == "answer-writer", "runs only as the child process the parent test starts"))
    func childStreamsAnAnswer() throws {
        let store = try GLMStore(databaseURL: URL(fileURLWithPath: ChildRole.value(ChildRole.databaseVariable)))
        let session = SessionID(ChildRole.value(ChildRole.sessionVariable))
        try store.appendMessage(NewMessage(role: .user, content: "question"), to: session)
        ChildRole.say("USER_COMMITTED")
        let writer = try store.beginAnswer(in: session, model: "glm")
        // The parent kills this process long before the loop ends.
        for i in 0..<20_000 {
            writer.append("w\(i) ")
            ChildRole.say("APPENDED \(i)")
            Thread.sleep(forTimeInterval: 0.005)
        }
        try writer.finish(.stopToken(2))
    }

    @Test(.enabled(if: ChildRole.current == "concurrent-writer", "runs only as the child process the parent test starts"))
    func childWritesConcurrently() throws {
        let store = try GLMStore(databaseURL: URL(fileURLWithPath: ChildRole.value(ChildRole.databaseVariable)))
        try ConcurrentWriter.run(store: store, shared: SessionID(ChildRole.value(ChildRole.sessionVariable)),
                                 name: ChildRole.value(ChildRole.nameVariable),
                                 goFile: ChildRole.value(ChildRole.goFileVariable))
    }
}

enum ConcurrentWriter {
    static let messages = 120
    static let sessions = 6

    static func run(store: GLMStore, shared: SessionID, name: String, goFile: String) throws {
        ChildRole.say("READY")
        let deadline = monotonicSeconds() + 60
        while !FileManager.default.fileExists(atPath: goFile) {
            try #require(monotonicSeconds() < deadline, "never told to start")
            Thread.sleep(forTimeInterval: 0.002)
        }
        for i in 0..<messages {
            try store.appendMessage(NewMessage(role: .user, content: "\(name)-\(i)"), to: shared)
            if i % (messages / sessions) == 0 {
                let title = "\(name) session \(i)"
                let own = try store.makeSession(title)
                try store.appendMessage(NewMessage(role: .user, content: "\(title) question"), to: own.id)
                let writer = try store.beginAnswer(in: own.id, model: "glm", saveInterval: 0.01)
                writer.append("answer to ")
                Thread.sleep(forTimeInterval: 0.02)
                writer.append(title)
                try writer.finish(.stopToken(2))
            }
        }
        ChildRole.say("DONE")
    }
}
