import Testing
@testable import GLMTerm

/// An app on the in-memory backend with the demo model, and helpers to drive it.
@MainActor
final class AppHarness {
    let backend: MemoryBackend
    let service: DemoChatService
    let repository = InMemorySessionRepository()
    let app: ChatApp
    let runner: AppRunner

    init(rows: Int = 24, columns: Int = 100, models: [ModelEntry] = AppHarness.models,
         replies: [String] = DemoChatService.defaultReplies, loadFailures: [String: String] = [:],
         pieceDelay: Duration = .milliseconds(1)) {
        backend = MemoryBackend(size: Size(rows: rows, columns: columns))
        service = DemoChatService(replies: replies, pieceDelay: pieceDelay, loadSteps: 2,
                                  loadStepDelay: .milliseconds(1), loadFailures: loadFailures)
        app = ChatApp(service: service, repository: repository, models: models, theme: Theme.plain)
        runner = AppRunner(app: app, backend: backend)
        app.start()
    }

    static let models = [
        ModelEntry(name: "glm3-chat", kind: .chat, path: "/models/chat.gguf"),
        ModelEntry(name: "glm3-base", kind: .base, path: "/models/base.gguf"),
        ModelEntry(name: "glm3-32k", kind: .chat32k, path: "/models/32k"),
    ]

    /// Runs the loop until `done` holds (or fails the test after a minute: the app tests
    /// share the main actor, so a busy machine slows them all).
    func pump(until done: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async {
        let deadline = ContinuousClock.now + .seconds(60)
        while !done() {
            if ContinuousClock.now > deadline {
                Issue.record("timed out waiting", sourceLocation: sourceLocation)
                return
            }
            await runner.step(timeoutMilliseconds: 0)
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    func waitForModel() async {
        await pump { app.model != nil || app.activity == .failed }
    }

    func type(_ text: String) async {
        backend.enqueue(text: text)
        await runner.step(timeoutMilliseconds: 0)
    }

    func press(_ keys: [RawInput]) async {
        backend.enqueue(keys)
        await runner.step(timeoutMilliseconds: 0)
    }

    var screen: [String] {
        runner.drawIfDue(force: true)
        return backend.snapshot
    }

    var cursor: Position? {
        runner.drawIfDue(force: true)
        return backend.cursor
    }

    func screenContains(_ text: String) -> Bool {
        screen.contains { $0.contains(text) }
    }
}
