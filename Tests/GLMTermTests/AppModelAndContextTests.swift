import Foundation
import GLMEngine
import GLMStore
import Testing
@testable import GLMTerm

/// Sessions and models (issue 20, item 6) and the status line's context figure.
@MainActor @Suite struct AppModelAndContextTests {
    private func ask(_ harness: AppHarness, _ text: String) async {
        await harness.type(text + "\r")
        await harness.pump { harness.app.activity == .idle && harness.app.messages.last?.role == .assistant }
    }

    private func statusLine(_ harness: AppHarness) -> String {
        harness.screen.last { !$0.isEmpty } ?? ""
    }

    // `[` and `]` show another alternative: the status line shows the context that path used,
    // as its answer recorded it (not 0).
    @Test func switchingAlternativesShowsTheContextOfTheShownPath() async throws {
        let harness = AppHarness(replies: ["one", "two two"])
        await harness.waitForModel()
        await ask(harness, "hi")
        let first = harness.app.contextUsed
        #expect(first == 3)                                 // the demo: "hi" is 2 tokens, "one" 1
        await harness.type("/retry\r")
        await harness.pump { harness.app.activity == .idle && harness.app.messages.last?.content == "two two" }
        #expect(harness.app.contextUsed == 5)                 // "two two" is three pieces
        await harness.type("[")
        #expect(harness.app.messages.last?.content == "one")
        #expect(harness.app.contextUsed == first)
        #expect(statusLine(harness).contains("ctx 3/8192"), "\(statusLine(harness))")
        await harness.type("]")
        #expect(statusLine(harness).contains("ctx 5/8192"), "\(statusLine(harness))")
        // opening the session again shows what it used too
        let id = try #require(harness.app.currentSession?.id)
        harness.app.newSession()
        #expect(harness.app.contextUsed == 0)
        let session = try #require(try harness.store.session(id))
        harness.app.openSession(session)
        #expect(harness.app.contextUsed == 5)                 // "two two" is three pieces
    }

    // A message sent while /model loads another model waits for it, and the new model answers it.
    @Test func aMessageSentDuringAModelSwitchGoesToTheNewModel() async {
        let harness = AppHarness(replies: ["answer"], loadStepDelay: .milliseconds(300))
        await harness.waitForModel()
        #expect(harness.app.model?.name == "glm3-chat")
        await harness.type("/model glm3-32k\r")
        await harness.type("hello\r")
        #expect(harness.app.model?.name == "glm3-chat")              // still the old one: the message waits
        #expect(harness.screenContains("glm3-32k is still loading"))
        #expect(harness.screenContains("the message is sent when it is ready"))
        #expect(harness.script.requests.isEmpty)
        await harness.pump { harness.app.activity == .idle && harness.app.messages.last?.role == .assistant }
        #expect(harness.app.messages.last?.model == "glm3-32k")
        #expect(harness.app.currentSession?.modelName == "glm3-32k")     // the new session is credited to it
        #expect(harness.app.currentSession?.modelKind == "chat-32k")
        #expect(harness.script.requests.count == 1)
    }

    // The session list marks sessions written with a base or a 32K model.
    @Test func theSidebarMarksBaseAnd32KSessions() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-kinds-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try GLMStore(dataDirectory: directory)
        for (kind, name, title) in [("base", "glm3-base", "a base text"), ("chat-32k", "glm3-32k", "a long read"),
                                    ("chat", "glm3-chat", "a plain chat")] {
            let created = try store.createSession(NewSession(modelKind: kind, modelName: name, title: title))
            try store.appendMessage(NewMessage(role: .user, content: title), to: created.id)
        }
        let harness = AppHarness(store: store)
        await harness.waitForModel()
        let screen = harness.screen
        #expect(screen.contains { $0.contains("a base text") && $0.contains("base│") }, "\(screen.joined(separator: "\n"))")
        #expect(screen.contains { $0.contains("a long read") && $0.contains("32K│") })
        #expect(screen.contains { $0.contains("a plain chat") && !$0.contains("chat│") })
    }
}
