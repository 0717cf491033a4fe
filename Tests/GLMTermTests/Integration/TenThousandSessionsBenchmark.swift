import Foundation
import Testing
@testable import GLMStore
@testable import GLMTerm

/// The sidebar with ten thousand sessions in a real store: how long reading the list, drawing it,
/// moving through it and searching take. Times are printed, not asserted (they depend on the
/// machine); what is asserted is that the list and the screen are right.
@MainActor
@Suite("Integration: the sidebar with 10,000 stored sessions",
       .enabled(if: ProcessInfo.processInfo.environment["GLMCHAT_BENCHMARK_TESTS"] == "1",
                    "a 10,000-session benchmark: scripts/test --benchmarks runs it"))
struct TenThousandSessionsBenchmark {
    nonisolated static let sessionCount = 10_000

    @Test func listAndDrawTenThousandSessions() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-10k-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try GLMStore(dataDirectory: directory)
        // Filling the store takes seconds: off the main actor, which every app test shares.
        try await Task.detached { try Self.populate(store) }.value

        var report: [(String, Double)] = []
        func measure<T>(_ name: String, runs: Int = 5, _ body: () throws -> T) rethrows -> T {
            var times: [Double] = []
            var result: T?
            for _ in 0..<runs {
                let start = ContinuousClock.now
                result = try body()
                times.append(Double((ContinuousClock.now - start) / .microseconds(1)) / 1000)
            }
            report.append((name, times.sorted()[runs / 2]))
            guard let result else { preconditionFailure("runs > 0") }
            return result
        }

        let listed = try measure("store: all 10,000 sessions") { try store.listSessions(.active, offset: 0, limit: Int.max) }
        #expect(listed.count == Self.sessionCount)
        #expect(listed.first?.title == "Session 9999 about lighthouses")
        let page = try measure("store: first page (\(ChatApp.sessionPage))") {
            try store.listSessions(.active, offset: 0, limit: ChatApp.sessionPage)
        }
        #expect(page == Array(listed.prefix(ChatApp.sessionPage)))

        let backend = MemoryBackend(size: Size(rows: 48, columns: 160))
        let app = ChatApp(provider: DemoModelProvider(), store: store, models: [], theme: Theme.plain)
        let runner = AppRunner(app: app, backend: backend)
        measure("app start (reads the list)", runs: 1) { app.start() }
        #expect(app.sessions.count == ChatApp.sessionPage)
        measure("reload the list (after a change)") { app.reloadSessions() }
        measure("draw a frame with the sidebar") { runner.drawIfDue(force: true) }
        #expect(backend.snapshot[1].contains("Session 9999"))
        app.handle(.tab)
        measure("PageDown in the list, then draw", runs: 15) {
            app.handle(.pageDown)
            runner.drawIfDue(force: true)
        }
        #expect(app.sessions.count > 15 * 40)               // pages were read as the selection went down
        #expect(app.sessions.map(\.id) == listed.prefix(app.sessions.count).map(\.id))
        measure("End (reads the rest), then draw", runs: 1) {
            app.handle(.end)
            runner.drawIfDue(force: true)
        }
        #expect(app.sessions.map(\.id) == listed.map(\.id))
        #expect(backend.snapshot.contains { $0.contains("Session 0 about") })
        measure("Up in the full list, then draw") {
            app.handle(.up)
            runner.drawIfDue(force: true)
        }
        measure("reload deep in the focused list") { app.reloadSessions() }
        #expect(app.sessions.count == Self.sessionCount)
        app.handle(.tab)
        #expect(!app.sidebarFocused)
        measure("reload with the input focused (an answer ended)") { app.reloadSessions() }
        #expect(app.sessions.count == ChatApp.sessionPage)
        let hits = try measure("store.search(\"zebra4242\")") { try store.search("zebra4242", limit: 200) }
        #expect(hits.map(\.session.title) == ["Session 4242 about lighthouses"])
        let common = try measure("store.search(\"lighthouse\") (200 hits)") { try store.search("lighthouse", limit: 200) }
        #expect(common.count == 200)

        var lines = ["Sidebar with \(Self.sessionCount) stored sessions (median ms):"]
        for (name, ms) in report {
            lines.append("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%8.2f ms", ms))
        }
        print(lines.joined(separator: "\n"))
    }

    /// One transaction through the store's own insert code: a session with one message each.
    nonisolated static func populate(_ store: GLMStore) throws {
        let base = Timestamp.milliseconds(Date()) - Int64(sessionCount) * 60_000
        try store.write { db in
            for i in 0..<sessionCount {
                let created = Timestamp.date(fromMilliseconds: base + Int64(i) * 60_000)
                let session = Session(id: .random(), title: "Session \(i) about lighthouses", titleIsCustom: false,
                                      modelKind: "chat", modelName: "tiny", systemPrompt: "", sampling: .default,
                                      createdAt: created, updatedAt: created, isArchived: false)
                try RowMapping.insert(session, db)
                let message = Message(sessionID: session.id, role: .user,
                                      content: "Tell me about zebra\(i) and the lighthouse keepers.", createdAt: created)
                try RowMapping.insert(message, seq: 1, ownerPid: nil, db)
            }
        }
    }
}
