import Foundation
import GLMStore
import GLMTools
import Testing
@testable import GLMTerm

/// The approval flow in the app, on the in-memory terminal with the demo model as the scripted
/// model at the chat-service seam and the demo's weather tool: call → card → key → result → answer.
@MainActor @Suite struct AppAgentTests {
    static func toolHarness() async -> AppHarness {
        let harness = AppHarness(rows: 40, columns: 100)
        await harness.waitForModel()
        await harness.app.useTools(ToolRegistry(sources: [DemoToolSource()]))
        await harness.press([.key(.function(4))])   // F4: Tool mode
        return harness
    }

    static func askForTheWeather(_ harness: AppHarness) async {
        await harness.type("What is the weather in Beijing?\r")
        await harness.pump { harness.app.approval != nil }
    }

    static func stored(_ harness: AppHarness) throws -> [Message] {
        let id = try #require(harness.app.currentSession?.id)
        return try harness.store.chosenPath(in: id)
    }

    @Test func approvingOnceRunsTheCallAndTheModelAnswersWithItsResult() async throws {
        let harness = await Self.toolHarness()
        #expect(harness.screen.last?.hasPrefix(" Tool · glm3-chat") == true)
        await Self.askForTheWeather(harness)
        #expect(harness.screenContains("Call · get_weather"))
        #expect(harness.screenContains("\"city\": \"Beijing\""))
        #expect(harness.screenContains("Run get_weather?  y once"))
        #expect(harness.screen.last?.contains("waiting for you") == true)
        await harness.type("y")
        await harness.pump { !harness.app.isGenerating }
        #expect(harness.screenContains("Result · get_weather"))
        #expect(harness.screenContains("\"temperature_c\""))
        #expect(harness.screenContains("answered:"))
        let messages = try Self.stored(harness)
        #expect(messages.map(\.role) == [.user, .assistant, .observation, .assistant])
        #expect(messages[1].metadata == "get_weather")
        #expect(messages[2].content == DemoTools.weather(city: "Beijing"))
        #expect(messages[3].content.contains("\"sky\""))
        let id = try #require(harness.app.currentSession?.id)
        let session = try #require(try harness.store.session(id))
        #expect(session.mode == .tool)
        #expect(harness.app.toolNames(in: session.tools) == ["get_weather"])
        #expect(session.systemPrompt == SessionMode.toolPrompt)
    }

    @Test func refusingTellsTheModelAndItAnswersWithoutTheTool() async throws {
        let harness = await Self.toolHarness()
        await Self.askForTheWeather(harness)
        await harness.type("n")
        await harness.pump { !harness.app.isGenerating }
        let messages = try Self.stored(harness)
        #expect(messages.map(\.role) == [.user, .assistant, .observation, .assistant])
        #expect(messages[2].content.contains("did not allow"))
        #expect(!messages[2].content.contains("temperature_c"))
    }

    @Test func editedArgumentsAreCheckedAsJSONAndAreWhatRunsAndIsStored() async throws {
        let harness = await Self.toolHarness()
        await Self.askForTheWeather(harness)
        await harness.type("e")
        #expect(harness.app.editor.text.contains("\"city\": \"Beijing\""))
        #expect(harness.screenContains("Edit the arguments as JSON"))
        harness.app.editor.set("{\"city\": 上海")
        await harness.type("\r")
        #expect(harness.app.notice?.isError == true)
        #expect(harness.app.notice?.text.contains("Not valid JSON") == true)
        #expect(harness.app.approval != nil)
        harness.app.editor.set("{\"city\": \"上海\"}")
        await harness.type("\r")
        await harness.pump { !harness.app.isGenerating }
        let messages = try Self.stored(harness)
        #expect(messages[1].content.contains("上海"))
        #expect(!messages[1].content.contains("Beijing"))
        #expect(messages[2].content == DemoTools.weather(city: "上海"))
        #expect(harness.app.editor.text.isEmpty)
    }

    @Test func aResultTypedByHandGoesToTheModelInsteadOfRunningTheTool() async throws {
        let harness = await Self.toolHarness()
        await Self.askForTheWeather(harness)
        await harness.type("m")
        #expect(harness.screenContains("Type the result of get_weather"))
        await harness.type("snowing, -3 °C\r")
        await harness.pump { !harness.app.isGenerating }
        let messages = try Self.stored(harness)
        #expect(messages[2].role == .observation)
        #expect(messages[2].content == "snowing, -3 °C")
        #expect(messages[3].content.contains("snowing, -3 °C"))
    }

    @Test func escapeAtTheCardStopsTheLoopAndKeepsTheCall() async throws {
        let harness = await Self.toolHarness()
        await Self.askForTheWeather(harness)
        await harness.press([.scalar("\u{1B}")])
        await harness.runner.step(timeoutMilliseconds: 0)
        await harness.pump { !harness.app.isGenerating }
        #expect(harness.app.approval == nil)
        #expect(harness.app.activity == .idle)
        let messages = try Self.stored(harness)
        #expect(messages.map(\.role) == [.user, .assistant])
        #expect(messages[1].metadata == "get_weather")
        #expect(harness.screenContains("Call · get_weather"))
        #expect(!harness.screenContains("Run get_weather?"))
    }

    @Test func alwaysRunsLaterCallsOfTheToolWithoutAsking() async throws {
        let harness = await Self.toolHarness()
        await Self.askForTheWeather(harness)
        await harness.type("a")
        await harness.pump { !harness.app.isGenerating }
        await harness.type("And tomorrow?\r")
        await harness.pump { harness.app.messages.count >= 8 && !harness.app.isGenerating }
        #expect(harness.app.approval == nil)
        let messages = try Self.stored(harness)
        #expect(messages.map(\.role) == [.user, .assistant, .observation, .assistant, .user, .assistant, .observation, .assistant])
    }

    @Test func chatModeOffersNoToolsAndTheModeIsKeptWithTheSession() async throws {
        let harness = await Self.toolHarness()
        await harness.type("/mode chat\r")
        #expect(harness.screen.last?.hasPrefix(" Chat · ") == true)
        await harness.type("hello\r")
        await harness.pump { !harness.app.isGenerating }
        #expect(harness.script.requests.last?.tools == nil)
        #expect(harness.app.approval == nil)
        await harness.type("/mode code\r")
        let id = try #require(harness.app.currentSession?.id)
        let session = try #require(try harness.store.session(id))
        #expect(session.mode == .code)
        #expect(session.systemPrompt == SessionMode.interpreterPrompt)
        await harness.type("/mode agent\r")
        #expect(harness.app.notice?.text.contains("No mode named agent") == true)
    }
}
