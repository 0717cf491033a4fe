import Foundation
import GLMStore
import Testing
@testable import GLMTerm

/// An app on the in-memory terminal backend with the demo model and a session store in a fresh
/// temporary folder, and helpers to drive it.
@MainActor
final class AppHarness {
    let backend: MemoryBackend
    let provider: DemoModelProvider
    let directory: URL
    let store: GLMStore
    let app: ChatApp
    let runner: AppRunner

    init(rows: Int = 24, columns: Int = 100, models: [ModelEntry] = AppHarness.models,
         replies: [String] = DemoScript.defaultReplies, loadFailures: [String: String] = [:],
         loadWarnings: [String: String] = [:],
         pieceDelay: Duration = .milliseconds(1), loadStepDelay: Duration = .milliseconds(1),
         store existing: GLMStore? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        backend = MemoryBackend(size: Size(rows: rows, columns: columns))
        provider = DemoModelProvider(replies: replies, pieceDelay: pieceDelay, loadSteps: 2,
                                     loadStepDelay: loadStepDelay, loadFailures: loadFailures, loadWarnings: loadWarnings)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-app-\(UUID().uuidString)")
        do {
            store = try existing ?? GLMStore(dataDirectory: directory)
        } catch {
            fatalError("cannot open a session store in \(directory.path): \(error)")
        }
        app = ChatApp(provider: provider, store: store, models: models, theme: Theme.plain, environment: environment)
        runner = AppRunner(app: app, backend: backend)
        app.start()
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// What the demo model was asked, and what it answers.
    var script: DemoScript { provider.script }

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

    /// Sends "go", waits until the streamed answer holds more than `characters` characters, and presses
    /// Esc. The reply must be far longer than the wait (the tests share the main actor with others, so
    /// the pump may run late): a reply that ends first leaves nothing to stop.
    func pressEscapeWhileStreaming(after characters: Int) async {
        await type("go\r")
        await pump { (app.messages.last?.content.count ?? 0) > characters }
        await press([.scalar("\u{1B}")])
        await runner.step(timeoutMilliseconds: 0)      // the lone Esc is known once no more input follows
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
