import Foundation
import GRDB
import Testing
@testable import GLMStore

/// Ten thousand sessions: how long listing and searching take. The times are printed, not
/// asserted (they depend on the machine); what is asserted is that the answers are right.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["GLMCHAT_BENCHMARK_TESTS"] == "1",
                    "a 10,000-session benchmark: scripts/test --benchmarks runs it"))
struct ListingBenchmark {
    static let sessionCount = 10_000
    static let messagesPerSession = 4

    @Test func tenThousandSessions() throws {
        let dir = try TempDir()
        let setupStart = monotonicSeconds()
        try Self.populate(dir)
        let setup = monotonicSeconds() - setupStart
        let size = (try FileManager.default.attributesOfItem(atPath: dir.databaseURL.path)[.size] as? Int) ?? 0

        var store = try dir.open()
        var report: [(String, Double)] = []
        /// Runs `body` several times and records the median; returns the last result.
        func measure<T>(_ name: String, runs: Int = 7, _ body: () throws -> T) throws -> T {
            var times: [Double] = []
            var result: T?
            for _ in 0..<runs {
                let start = monotonicSeconds()
                result = try body()
                times.append(monotonicSeconds() - start)
            }
            report.append((name, times.sorted()[runs / 2]))
            return try #require(result)
        }
        store = try measure("open (with quick_check)", runs: 5) { try dir.open() }
        let count = try measure("count sessions") { try store.countSessions() }
        #expect(count == Self.sessionCount - Self.sessionCount / 10)
        let first = try measure("list first 100") { try store.listSessions(limit: 100) }
        #expect(first.count == 100)
        #expect(first.first?.title == "Session 9999 about lighthouse keepers")
        let deep = try measure("list 100 at offset 8,900") { try store.listSessions(offset: 8_900, limit: 100) }
        #expect(deep.count == 100 && deep.last?.title == "Session 1 about lighthouse keepers")
        let archived = try measure("list archived") { try store.listSessions(.archived, limit: 100) }
        #expect(archived.count == 100 && archived.allSatisfy(\.isArchived))
        let rare = try measure("search rare word (1 session)") { try store.search("zebra4242") }
        #expect(rare.map(\.session.title) == ["Session 4242 about lighthouse keepers"])
        let common = try measure("search common word (limit 50)") { try store.search("wicks") }
        #expect(common.count == 50 && common.allSatisfy { $0.snippet != nil })
        let chinese = try measure("search Chinese, 3 chars") { try store.search("灯塔看") }
        #expect(chinese.count == 50)
        let short = try measure("search 2 chars (LIKE scan)") { try store.search("灯塔") }
        #expect(short.count == 50)
        let shortNone = try measure("search 2 chars, no match (full scan)") { try store.search("qz") }
        #expect(shortNone.isEmpty)
        let none = try measure("search no match") { try store.search("nowhere-to-be-found") }
        #expect(none.isEmpty)
        var lines = ["10,000-session benchmark (median of runs; database \(size / 1_048_576) MiB, "
                     + "\(Self.sessionCount * Self.messagesPerSession) messages, built in \(String(format: "%.1f", setup)) s):"]
        for (name, seconds) in report {
            lines.append("  " + name.padding(toLength: 40, withPad: " ", startingAt: 0)
                         + String(format: "%8.2f ms", seconds * 1000))
        }
        print(lines.joined(separator: "\n"))
    }

    /// Writes the sessions in one transaction through the store's own insert code.
    static func populate(_ dir: TempDir) throws {
        let store = try dir.open()
        let base = Timestamp.milliseconds(Date()) - Int64(sessionCount) * 60_000
        try store.pool.write { db in
            for i in 0..<sessionCount {
                let created = Timestamp.date(fromMilliseconds: base + Int64(i) * 60_000)
                let session = Session(id: .random(), title: "Session \(i) about lighthouse keepers", titleIsCustom: false,
                                      modelKind: "chat", modelName: "chatglm3-6b-q4_0", systemPrompt: "",
                                      sampling: .default, createdAt: created, updatedAt: created,
                                      isArchived: i % 10 == 0)
                try RowMapping.insert(session, db)
                for j in 0..<messagesPerSession {
                    let role: Role = j % 2 == 0 ? .user : .assistant
                    let text = j % 2 == 0
                        ? "Question \(j) of session \(i): tell me about zebra\(i) and the keepers of lighthouses."
                        : "关于灯塔看守人的回答 \(i)-\(j)。" + String(repeating: "The keepers trimmed the wicks every night. ", count: 4)
                    let message = Message(id: .random(), sessionID: session.id, role: role, content: text, metadata: "",
                                          model: role == .assistant ? "chatglm3-6b" : nil, promptTokens: nil,
                                          completionTokens: nil, tokensPerSecond: nil, createdAt: created,
                                          finishedAt: nil, state: .complete, error: nil)
                    try RowMapping.insert(message, seq: j + 1, ownerPid: nil, db)
                }
            }
        }
        try store.close()
    }
}
