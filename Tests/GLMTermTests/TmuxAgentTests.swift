import Foundation
import Testing
@testable import GLMTerm

/// The agent's flow in a real terminal (tmux, 100×30) with `--demo`, whose scripted model calls the
/// demo's weather tool in Tool mode and writes Python in Code mode: call → card → key → result →
/// answer; refuse; edit; a result typed by hand; Esc mid-loop.
@Suite(.serialized) struct TmuxAgentTests {
    typealias Session = TmuxEndToEndTests.Session
    static let required = TmuxEndToEndTests.required
    static let reason: Comment = "needs tmux and a glmchat whose default command is the chat (with --demo)"

    /// A demo session in Tool mode with the question asked and the card up.
    static func cardUp(mode: String = "tool", question: String = "What is the weather in Beijing?",
                       arguments: String = "--demo") async throws -> Session {
        let session = try Session(columns: 100, rows: 30, arguments: arguments)
        try await session.waitFor("the demo model") { $0.contains { $0.contains("demo-chat · chat") && $0.hasSuffix("idle") } }
        try session.type("/mode \(mode)")
        try session.press("Enter")
        try await session.waitFor("the mode") { $0.last { !$0.isEmpty }?.hasPrefix(" \(mode.capitalized) · ") == true }
        try session.type(question)
        try session.press("Enter")
        try await session.waitFor("the card") { $0.joined().contains("y once") }
        return session
    }

    static func idle(_ screen: [String]) -> Bool { screen.last { !$0.isEmpty }?.hasSuffix("idle") == true }

    @Test(.enabled(if: required, reason))
    func aToolCallIsApprovedRunsAndTheModelAnswers() async throws {
        let session = try await Self.cardUp()
        defer { session.close() }
        let card = try session.screen().joined(separator: "\n")
        #expect(card.contains("┌─ Call · get_weather"))
        #expect(card.contains("\"city\": \"Beijing\""))
        #expect(card.contains("Run get_weather?"))
        try session.type("y")
        try await session.waitFor("the answer") { $0.joined().contains("answered:") && Self.idle($0) }
        let done = try session.screen().joined(separator: "\n")
        #expect(done.contains("┌─ Result · get_weather"))
        #expect(done.contains("\"temperature_c\""))
        #expect(!done.contains("y once"))
    }

    @Test(.enabled(if: required, reason))
    func aRefusedCallIsNotRunAndTheModelIsTold() async throws {
        let session = try await Self.cardUp()
        defer { session.close() }
        try session.type("n")
        try await session.waitFor("the answer") { $0.joined().contains("answered:") && Self.idle($0) }
        let done = try session.screen().joined(separator: "\n")
        #expect(done.contains("did not allow"))
        #expect(!done.contains("temperature_c"))
    }

    @Test(.enabled(if: required, reason))
    func editedArgumentsRunAndBadJSONIsRefused() async throws {
        let session = try await Self.cardUp()
        defer { session.close() }
        try session.type("e")
        try await session.waitFor("the arguments in the input") { $0.joined().contains("Edit the arguments as JSON") }
        try session.run(["send-keys", "-N", "80", "BSpace"])
        try session.type("{\"city\": 上海")
        try session.press("Enter")
        try await session.waitFor("the JSON error") { $0.joined().contains("Not valid JSON") }
        try session.run(["send-keys", "-N", "40", "BSpace"])
        try session.type("{\"city\": \"上海\"}")
        try session.press("Enter")
        try await session.waitFor("the answer") { $0.joined().contains("answered:") && Self.idle($0) }
        let done = try session.screen().joined(separator: "\n")
        #expect(done.contains("\"city\": \"上海\""))
        #expect(!done.contains("\"city\": \"Beijing\""))
    }

    @Test(.enabled(if: required, reason))
    func aResultTypedByHandReachesTheModel() async throws {
        let session = try await Self.cardUp()
        defer { session.close() }
        try session.type("m")
        try await session.waitFor("the result prompt") { $0.joined().contains("Type the result of get_weather") }
        try session.type("snowing, -3 °C")
        try session.press("Enter")
        try await session.waitFor("the answer") { $0.joined().contains("answered:") && Self.idle($0) }
        #expect(try session.screen().filter { $0.contains("snowing, -3 °C") }.count >= 2)   // result card and answer
    }

    @Test(.enabled(if: required, reason))
    func escapeStopsTheLoopAtTheCardAndKeepsTheCall() async throws {
        let session = try await Self.cardUp()
        defer { session.close() }
        try session.press("Escape")
        try await session.waitFor("idle") { Self.idle($0) && !$0.joined().contains("y once") }
        let done = try session.screen().joined(separator: "\n")
        #expect(done.contains("┌─ Call · get_weather"))
        #expect(!done.contains("Result · get_weather"))
        // the session goes on: a chat question is answered. The mode's switch is waited for before
        // the question is typed: a carriage return that reaches the app in one read with more text
        // after it is a pasted line break (KeyDecoder), so typing ahead made "/mode chat\nhello".
        try session.type("/mode chat")
        try session.press("Enter")
        try await session.waitFor("Chat mode") { $0.statusLine.hasPrefix(" Chat · ") }
        try session.type("hello")
        try session.press("Enter")
        try await session.waitFor("a plain answer") { $0.joined().contains("I am a demo model") && Self.idle($0) }
    }
}
