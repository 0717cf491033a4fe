import GLMEngine
import Testing
@testable import GLMTerm

@MainActor @Suite struct AppCommandTests {
    /// What the model was shown, message by message.
    private func asked(_ conversation: Conversation) -> [String] {
        conversation.messages.map { "\($0.role.rawValue): \($0.content)" }
    }

    private func ask(_ harness: AppHarness, _ text: String) async {
        await harness.type(text + "\r")
        await harness.pump { harness.app.activity == .idle }
    }

    @Test func systemPromptAndClearShapeTheRequest() async {
        let harness = AppHarness(replies: ["ok"])
        await harness.waitForModel()
        await ask(harness, "/system Answer in Chinese.")
        await ask(harness, "first")
        #expect(harness.script.requests.last.map(asked) == ["system: Answer in Chinese.", "user: first"])
        await ask(harness, "second")
        #expect(harness.script.requests.last.map(asked) == ["system: Answer in Chinese.", "user: first", "assistant: ok",
                                                            "user: second"])
        await harness.press([.key(.function(8))])           // F8: /clear
        #expect(harness.screenContains("── context cleared ──"))
        await ask(harness, "third")
        #expect(harness.script.requests.last.map(asked) == ["system: Answer in Chinese.", "user: third"])
        #expect(harness.screenContains("first"))            // the session keeps what came before
    }

    @Test func systemIsTheSessionsPromptShownAboveTheConversationAndTheTitleComesFromTheFirstMessage() async throws {
        let harness = AppHarness(replies: ["ok"])
        await harness.waitForModel()
        await ask(harness, "/system 用中文回答。")
        let session = try #require(harness.app.currentSession)
        #expect(try harness.store.session(session.id)?.systemPrompt == "用中文回答。")
        #expect(try harness.store.messages(in: session.id).isEmpty)      // a setting, not a message
        #expect(harness.screenContains("System"))
        #expect(harness.screenContains("用中文回答。"))
        await ask(harness, "What is RoPE?")
        #expect(harness.app.sessions.first?.title == "What is RoPE?")
        let answer = try #require(try harness.store.messages(in: session.id).last)
        #expect(answer.role == .assistant && answer.content == "ok" && answer.finishReason == "stop")
        #expect(answer.completionTokens == 1 && answer.model == "glm3-chat" && answer.tokensPerSecond != nil)
        await harness.type("/system\r")
        #expect(harness.screenContains("System prompt: 用中文回答。"))
    }

    /// An answer whose text came with no measurable time between its pieces (a remote server that sent
    /// it in one chunk) shows and saves no rate, rather than "0.0 tok/s".
    @Test func anAnswerWithoutMeasuredTimeShowsNoRate() async throws {
        let harness = AppHarness(replies: ["ok"], pieceDelay: .zero)
        await harness.waitForModel()
        await ask(harness, "hello")
        #expect(harness.app.tokensPerSecond == nil)
        #expect(!harness.screenContains("tok/s"))
        let session = try #require(harness.app.currentSession)
        #expect(try harness.store.messages(in: session.id).last?.tokensPerSecond == nil)
    }

    @Test func retryRegeneratesTheLastAnswerAndKeepsTheFirstAsAnAlternative() async throws {
        let harness = AppHarness(replies: ["one", "two"])
        await harness.waitForModel()
        await ask(harness, "hi")
        #expect(harness.app.messages.last?.content == "one")
        await harness.type("/retry\r")
        await harness.pump { harness.app.activity == .idle }
        #expect(harness.app.messages.map(\.content) == ["hi", "two"])
        #expect(harness.script.requests.map(asked) == [["user: hi"], ["user: hi"]])
        let sessionID = try #require(harness.app.currentSession?.id)
        #expect(try harness.store.chosenPath(in: sessionID).map(\.content) == ["hi", "two"])
        #expect(try harness.store.messages(in: sessionID).map(\.content) == ["hi", "one", "two"])
    }

    @Test func editPutsTheLastMessageBackAndSendingRegenerates() async {
        let harness = AppHarness(replies: ["answer"])
        await harness.waitForModel()
        await ask(harness, "helo wrld")
        await harness.press([.key(.function(6))])           // F6: /edit
        #expect(harness.app.editor.text == "helo wrld")
        #expect(harness.app.messages.isEmpty)
        await harness.press([.scalar("\u{15}")])            // Ctrl+U
        await ask(harness, "hello world")
        #expect(harness.app.messages.map(\.content) == ["hello world", "answer"])
    }

    @Test func unknownCommandsAreNotSent() async {
        let harness = AppHarness()
        await harness.waitForModel()
        await harness.type("/frobnicate\r")
        #expect(harness.screenContains("Unknown command /frobnicate"))
        #expect(harness.app.messages.isEmpty)
    }

    @Test func aMessageSentWhileLoadingIsAnsweredOnceLoaded() async {
        let harness = AppHarness(replies: ["late but here"])
        await harness.type("early\r")
        #expect(harness.app.model == nil)
        #expect(harness.screenContains("the message is sent when it is ready"))
        await harness.pump { harness.app.messages.last?.content == "late but here" && harness.app.activity == .idle }
    }

    @Test func switchingModelsKeepsTheSession() async {
        let harness = AppHarness(replies: ["ok"])
        await harness.waitForModel()
        await ask(harness, "keep me")
        await harness.type("/model glm3-32k\r")
        #expect(harness.screen[23].contains("loading"))
        await harness.pump { harness.app.model?.name == "glm3-32k" }
        #expect(harness.screenContains("keep me"))
        #expect(harness.screen[23].contains("ctx 0/32768"))
    }

    @Test func sidebarOpensRenamesAndDeletesSessions() async {
        let harness = AppHarness(replies: ["ok"])
        await harness.waitForModel()
        await ask(harness, "older chat")
        await harness.press([.scalar("\u{0E}")])            // Ctrl+N
        await ask(harness, "newer chat")
        #expect(harness.app.sessions.map(\.title) == ["newer chat", "older chat"])
        await harness.press([.key(.down)])
        #expect(harness.app.editor.isEmpty)
        await harness.press([.scalar("\t"), .key(.down), .key(.enter)])
        #expect(harness.app.currentSession?.title == "older chat")
        #expect(harness.screenContains("older chat"))
        await harness.press([.scalar("\t"), .scalar("r"), .scalar("\u{15}")])
        await harness.type("旧的 chat 😀")
        await harness.press([.key(.enter)])
        #expect(harness.app.sessions.map(\.title).contains("旧的 chat 😀"))
        #expect(harness.screenContains("▸ 旧的 chat 😀"))
        await harness.press([.scalar("d")])                 // the list keeps the focus after a rename
        #expect(harness.screenContains("Delete “旧的 chat 😀”"))
        await harness.press([.scalar("y")])
        #expect(harness.app.sessions.map(\.title) == ["newer chat"])
        #expect(harness.app.currentSession == nil)
    }
}

@MainActor @Suite struct SidebarFilterTests {
    @Test func slashFiltersTheSessionListByTitle() async {
        let harness = AppHarness(replies: ["ok"])
        await harness.waitForModel()
        for title in ["apples", "香蕉 bananas", "cherries"] {
            await harness.press([.scalar("\u{0E}")])       // Ctrl+N
            await harness.type(title + "\r")
            await harness.pump { harness.app.activity == .idle }
        }
        await harness.press([.scalar("\t"), .scalar("/")])
        await harness.type("香蕉")
        #expect(harness.screen[0].contains("/香蕉"))
        #expect(harness.cursor == Position(row: 0, column: 2 + 4))
        #expect(harness.app.listedSessions.map(\.title) == ["香蕉 bananas"])
        let sidebar = harness.screen.map { String($0.prefix(ScreenLayout.sidebarWidth - 1)) }
        #expect(!sidebar.contains { $0.contains("cherries") })
        #expect(sidebar.contains { $0.contains("香蕉 bananas") })
        await harness.press([.key(.enter)])
        #expect(harness.app.currentSession?.title == "香蕉 bananas")
        await harness.press([.scalar("\t"), .scalar("/")])
        await harness.type("zzz")
        #expect(harness.screenContains("(no match)"))
        await harness.press([.scalar("\u{1B}")])
        await harness.runner.step(timeoutMilliseconds: 0)
        #expect(harness.app.listedSessions.count == 3)
        #expect(harness.screen[0].contains("Sessions"))
    }
}
