import Foundation
import GRDB
import Testing
@testable import GLMStore

@Suite struct MigrationTests {
    @Test func emptyDatabaseIsMigratedToTheLatestVersion() throws {
        let dir = try TempDir()
        // An empty file is what `touch` or an aborted first start leaves behind.
        #expect(FileManager.default.createFile(atPath: dir.databaseURL.path, contents: Data()))
        let store = try dir.open()
        #expect(store.notice == nil)
        let (version, appID, journal) = try store.pool.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"),
             try Int32.fetchOne(db, sql: "PRAGMA application_id"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"))
        }
        #expect(version == Schema.latestVersion)
        #expect(appID == Schema.applicationID)
        #expect(journal == "wal")
        #expect(try store.integrityProblems().isEmpty)
    }

    /// A database left at every earlier version, with data in it, opens with nothing lost and
    /// every later feature (search, soft delete, recovery) working on the old rows.
    @Test(arguments: 1..<Schema.latestVersion)
    func earlierVersionIsMigratedWithItsData(version: Int) throws {
        let dir = try TempDir()
        let queue = try DatabaseQueue(path: dir.databaseURL.path)
        try Schema.migrate(queue, upTo: version, path: dir.databaseURL.path)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO session (id, title, titleIsCustom, modelKind, modelName, systemPrompt, temperature,
                    topP, topK, repetitionPenalty, maxNewTokens, seed, createdAt, updatedAt, archived)
                VALUES ('6f1c7a52-0000-4000-8000-000000000001', 'old chat', 0, 'chat', 'glm', 'sys',
                    0.5, 0.7, 0, 1.0, NULL, 7, 1000, 2000, 0);
                INSERT INTO message (id, sessionId, seq, role, content, metadata, createdAt, finishedAt, state)
                VALUES ('6f1c7a52-0000-4000-8000-0000000000a1', '6f1c7a52-0000-4000-8000-000000000001', 1,
                    'user', 'remember the lighthouse keeper', '', 1500, NULL, 'complete');
                """)
        }
        try queue.close()
        #expect(try DatabaseQueue(path: dir.databaseURL.path).read { try Int.fetchOne($0, sql: "PRAGMA user_version") } == version)

        let store = try dir.open()
        let id = SessionID("6f1c7a52-0000-4000-8000-000000000001")
        let session = try #require(try store.session(id))
        #expect(session.title == "old chat")
        #expect(session.sampling.seed == 7)
        #expect(session.createdAt == Timestamp.date(fromMilliseconds: 1000))
        #expect(try store.messages(in: id).map(\.content) == ["remember the lighthouse keeper"])
        #expect(try store.search("lighthouse").map(\.session.id) == [id])
        try store.deleteSession(id)
        try store.restoreSession(id)
        try store.appendMessage(NewMessage(role: .user, content: "and now?"), to: id)
        #expect(try store.messages(in: id).count == 2)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test func newerSchemaIsRefusedAndLeftUntouched() throws {
        let dir = try TempDir()
        try dir.open().close()
        let queue = try DatabaseQueue(path: dir.databaseURL.path)
        try queue.write { db in try db.execute(sql: "PRAGMA user_version = \(Schema.latestVersion + 1)") }
        try queue.close()
        let before = try Data(contentsOf: dir.databaseURL)
        let error = #expect(throws: GLMError.self) { try dir.open() }
        #expect(error?.kind == .schemaTooNew)
        #expect(error?.description.contains(dir.databaseURL.path) == true)
        #expect(try Data(contentsOf: dir.databaseURL) == before)
    }

    @Test func anotherProgramsDatabaseIsRefusedAndLeftUntouched() throws {
        let dir = try TempDir()
        let queue = try DatabaseQueue(path: dir.databaseURL.path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x')") }
        try queue.close()
        let before = try Data(contentsOf: dir.databaseURL)
        let error = #expect(throws: GLMError.self) { try dir.open() }
        #expect(error?.kind == .notGLMChatDatabase)
        #expect(try Data(contentsOf: dir.databaseURL) == before)
    }

    @Test func garbageFileIsMovedAsideAndNamedInTheNotice() throws {
        let dir = try TempDir()
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        try garbage.write(to: dir.databaseURL)
        let store = try dir.open()
        let notice = try #require(store.notice)
        #expect(notice.originalPath == dir.databaseURL.path)
        #expect(notice.movedTo.hasPrefix(dir.databaseURL.path + ".corrupt-"))
        #expect(notice.description.contains(notice.movedTo))
        #expect(try Data(contentsOf: URL(fileURLWithPath: notice.movedTo)) == garbage)
        // The fresh database works.
        let session = try store.makeSession()
        try store.appendMessage(NewMessage(role: .user, content: "hello again"), to: session.id)
        #expect(try store.countSessions() == 1)
    }

    @Test func damagedPagesAreDetectedTheFileIsKeptAndReadableRowsAreCopiedOut() throws {
        let dir = try TempDir()
        do {
            let store = try dir.open()
            for i in 0..<200 {
                let s = try store.makeSession()
                try store.appendMessage(NewMessage(role: .user, content: "message \(i) " + String(repeating: "lorem ipsum ", count: 40)), to: s.id)
            }
            try store.close()
        }
        var bytes = try Data(contentsOf: dir.databaseURL)
        #expect(bytes.count > 16 * 4096)
        // Scribble over a run of pages in the middle of the file (the header stays valid).
        for i in (6 * 4096)..<(12 * 4096) { bytes[i] = UInt8(truncatingIfNeeded: i &* 131) }
        try bytes.write(to: dir.databaseURL)
        let store = try dir.open()
        let notice = try #require(store.notice)
        #expect(try Data(contentsOf: URL(fileURLWithPath: notice.movedTo)) == bytes)
        // Six damaged pages out of many cost at most the rows on them, not the history (sqlite3
        // itself still reads the tables); every row copied out is the row that was written.
        let kept = try store.countSessions()
        #expect(kept == notice.recovered.sessions)
        #expect(kept > 100)
        #expect(notice.description.contains("\(kept) sessions"))
        for session in try store.listSessions(limit: 500) {
            let texts = try store.messages(in: session.id).map(\.content)
            #expect(texts.count == 1)
            #expect(texts.allSatisfy { $0.hasPrefix("message ") && $0.hasSuffix(String(repeating: "lorem ipsum ", count: 40)) })
        }
    }

    @Test func unopenableDatabaseIsAnErrorNotAReplacement() throws {
        let dir = try TempDir()
        // A directory where the file should be: SQLite cannot open it, and it is not corrupt data.
        try FileManager.default.createDirectory(at: dir.databaseURL, withIntermediateDirectories: true)
        let error = #expect(throws: GLMError.self) { try dir.open() }
        #expect(error?.kind == .unreadable)
        #expect(error?.description.contains(dir.databaseURL.path) == true)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: dir.databaseURL.path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    @Test func companionsOfADamagedFileMoveWithIt() throws {
        let dir = try TempDir()
        try Data(repeating: 0x5A, count: 4096).write(to: dir.databaseURL)
        let wal = Data(repeating: 0x17, count: 100)
        try wal.write(to: URL(fileURLWithPath: dir.databaseURL.path + "-wal"))
        let store = try dir.open()
        let notice = try #require(store.notice)
        #expect(try Data(contentsOf: URL(fileURLWithPath: notice.movedTo + "-wal")) == wal)
        #expect(try store.integrityProblems().isEmpty)
    }

    /// A database damaged while its write-ahead log still held the latest rows (a crash, then a bad
    /// disk block): the log and its index are kept beside the damaged file, byte for byte, and what
    /// SQLite said is one line of the notice.
    @Test func aDamagedFileKeepsItsLogBesideItAndTheReasonIsOneLine() throws {
        let written = try TempDir()
        let store = try written.open()
        for i in 0..<200 {
            let s = try store.makeSession()
            try store.appendMessage(NewMessage(role: .user, content: "message \(i) " + String(repeating: "lorem ipsum ", count: 40)), to: s.id)
        }
        try store.close()
        let open = try written.open()
        for i in 0..<5 { _ = try open.makeSession("late \(i)") }
        // the files as a crash leaves them: the latest rows only in the -wal file
        let dir = try TempDir()
        let wal = try Data(contentsOf: URL(fileURLWithPath: written.databaseURL.path + "-wal"))
        let shm = try Data(contentsOf: URL(fileURLWithPath: written.databaseURL.path + "-shm"))
        #expect(!wal.isEmpty)
        try wal.write(to: URL(fileURLWithPath: dir.databaseURL.path + "-wal"))
        try shm.write(to: URL(fileURLWithPath: dir.databaseURL.path + "-shm"))
        var bytes = try Data(contentsOf: written.databaseURL)
        try open.close()
        for i in (6 * 4096)..<(12 * 4096) { bytes[i] = UInt8(truncatingIfNeeded: i &* 131) }
        try bytes.write(to: dir.databaseURL)

        let repaired = try dir.open()
        let notice = try #require(repaired.notice)
        #expect(try Data(contentsOf: URL(fileURLWithPath: notice.movedTo)) == bytes)
        #expect(try Data(contentsOf: URL(fileURLWithPath: notice.movedTo + "-wal")) == wal)
        #expect(FileManager.default.fileExists(atPath: notice.movedTo + "-shm"))
        #expect(!notice.reason.isEmpty)
        let breaks = (notice.reason + notice.description).filter(\.isNewline)
        #expect(breaks.isEmpty, "\(notice.reason)")
        #expect(notice.recovered.sessions > 100)
        #expect(try repaired.integrityProblems().isEmpty)
    }

    @Test func sqliteReportsBecomeOneLine() {
        #expect(DatabaseOpener.oneLine("*** in database main ***\nOn tree page 7 cell 2: invalid page number 9\n") ==
                "*** in database main *** On tree page 7 cell 2: invalid page number 9")
    }

    /// Two windows started at the same moment on a machine with no database yet: one creates
    /// the schema, the other waits for it and finds it done.
    @Test func simultaneousFirstOpensMigrateOnce() async throws {
        let dir = try TempDir()
        let url = dir.databaseURL
        let stores = try await withThrowingTaskGroup(of: GLMStore.self) { group in
            for _ in 0..<4 { group.addTask { try GLMStore(databaseURL: url) } }
            return try await group.reduce(into: [GLMStore]()) { $0.append($1) }
        }
        for store in stores { _ = try store.makeSession() }
        #expect(try stores[0].countSessions() == 4)
        #expect(stores.allSatisfy { $0.notice == nil })
    }
}
