import Foundation
import GRDB

/// What could be copied out of a damaged database.
public struct SalvageReport: Sendable, Equatable {
    public var sessions = 0
    public var messages = 0
    /// Some rows (or the whole file) could not be read.
    public var somethingUnreadable = false
}

/// Copies every row that can still be read from a damaged database into a fresh one: each table is
/// read in one pass while it reads, and row by row past a damaged page, so one bad page costs only
/// the rows on it. Messages whose session row was lost keep their session under a stand-in row.
enum DatabaseSalvage {
    static func copyReadableRows(from sourcePath: String, into pool: DatabasePool) -> SalvageReport {
        var report = SalvageReport()
        var config = Configuration()
        config.readonly = true
        guard let source = try? DatabaseQueue(path: sourcePath, configuration: config) else {
            report.somethingUnreadable = true
            return report
        }
        defer { try? source.close() }
        let sourceVersion = (try? source.read { try Int.fetchOne($0, sql: "PRAGMA user_version") }) ?? 0
        let sessions = readableRows(of: "session", in: source, report: &report)
        let messages = readableRows(of: "message", in: source, report: &report)
        do {
            try pool.write { db in
                let sessionColumns = try columns(of: "session", in: db)
                var sessionIDs = Set<String>()
                for row in sessions {
                    guard let id = row["id"] as String?, valid(session: row), !sessionIDs.contains(id),
                          (try? insert(row, into: "session", columns: sessionColumns, db)) != nil else { continue }
                    sessionIDs.insert(id)
                    report.sessions += 1
                }
                let messageColumns = try columns(of: "message", in: db)
                var standIns: [String] = []
                for row in messages {
                    guard let sessionID = row["sessionId"] as String?, valid(message: row) else { continue }
                    if !sessionIDs.contains(sessionID) {
                        try insertStandIn(sessionID, createdAt: row["createdAt"] as Int64? ?? 0, db)
                        sessionIDs.insert(sessionID)
                        standIns.append(sessionID)
                    }
                    if (try? insert(row, into: "message", columns: messageColumns, db)) != nil { report.messages += 1 }
                }
                try nameStandIns(standIns, db)
                if sourceVersion < 5 { try Schema.linkMessagesInOrder(db) }
                // a message whose parent was lost follows the message before it
                try db.execute(sql: """
                    UPDATE message SET parentId = (
                        SELECT p.id FROM message p WHERE p.sessionId = message.sessionId AND p.seq < message.seq
                        ORDER BY p.seq DESC LIMIT 1)
                    WHERE parentId IS NOT NULL AND parentId NOT IN (SELECT id FROM message)
                    """)
            }
        } catch {
            report.somethingUnreadable = true
        }
        return report
    }

    /// The rows of `table`: a scan as far as it reads, then the rest probed by rowid.
    private static func readableRows(of table: String, in source: DatabaseQueue, report: inout SalvageReport) -> [Row] {
        var rows: [Row] = []
        var lastRowID: Int64 = 0
        do {
            try source.read { db in
                let cursor = try Row.fetchCursor(db, sql: "SELECT rowid AS glmchat_rowid, * FROM \(table) ORDER BY rowid")
                while let row = try cursor.next() {
                    rows.append(row.copy())
                    lastRowID = row["glmchat_rowid"] ?? lastRowID
                }
            }
            return rows
        } catch {
            report.somethingUnreadable = true
        }
        let highest = (try? source.read { try Int64.fetchOne($0, sql: "SELECT max(rowid) FROM \(table)") }) ?? nil
        var rowID = lastRowID + 1
        var misses = 0
        // Without a readable highest rowid, stop after a long run of rowids that are not there.
        while highest.map({ rowID <= $0 }) ?? (misses < 10_000), misses < 1_000_000 {
            let found: Row?? = try? source.read { db in
                try Row.fetchOne(db, sql: "SELECT rowid AS glmchat_rowid, * FROM \(table) WHERE rowid = ?", arguments: [rowID])
            }
            if let found, let row = found {
                rows.append(row)
                misses = 0
            } else {
                misses += 1
            }
            rowID += 1
        }
        return rows
    }

    private static func columns(of table: String, in db: Database) throws -> Set<String> {
        Set(try db.columns(in: table).map(\.name))
    }

    private static func insert(_ row: Row, into table: String, columns: Set<String>, _ db: Database) throws {
        let names = row.columnNames.filter { columns.contains($0) }
        let values: [DatabaseValue] = names.map { row[$0] }
        try db.execute(sql: "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                       arguments: StatementArguments(values))
    }

    private static func valid(session row: Row) -> Bool {
        (try? RowMapping.session(filled(row, RowMapping.sessionColumnNames))) != nil
    }

    private static func valid(message row: Row) -> Bool {
        (try? RowMapping.message(filled(row, RowMapping.messageColumnNames))) != nil
    }

    /// `row` with the columns an older schema lacked (NULL, or chosen) so that it can be checked
    /// the way the store reads rows.
    private static func filled(_ row: Row, _ names: [String]) -> Row {
        var values: [String: (any DatabaseValueConvertible)?] = [:]
        for name in names { values[name] = row.hasColumn(name) ? row[name] as DatabaseValue : nil }
        if !row.hasColumn("chosen"), names.contains("chosen") { values["chosen"] = 1 }
        return Row(values)
    }

    private static func insertStandIn(_ id: String, createdAt: Int64, _ db: Database) throws {
        let defaults = SamplingSettings.default
        try db.execute(sql: """
            INSERT INTO session (id, title, titleIsCustom, modelKind, modelName, systemPrompt, temperature, topP, topK,
                repetitionPenalty, maxNewTokens, seed, createdAt, updatedAt, archived)
            VALUES (?, '', 0, 'chat', '', '', ?, ?, ?, ?, NULL, NULL, ?, ?, 0)
            """, arguments: [id, Double(defaults.temperature), Double(defaults.topP), defaults.topK,
                             Double(defaults.repetitionPenalty), createdAt, createdAt])
    }

    /// Stand-in sessions are named after their first user message, as new ones are.
    private static func nameStandIns(_ ids: [String], _ db: Database) throws {
        for id in ids {
            let first = try String.fetchOne(db, sql: """
                SELECT content FROM message WHERE sessionId = ? AND role = 'user' ORDER BY seq LIMIT 1
                """, arguments: [id])
            let latest = try Int64.fetchOne(db, sql: "SELECT max(createdAt) FROM message WHERE sessionId = ?", arguments: [id])
            try db.execute(sql: "UPDATE session SET title = ?, updatedAt = coalesce(?, updatedAt) WHERE id = ?",
                           arguments: [first.map(Titles.title(fromFirstMessage:)) ?? "", latest, id])
        }
    }
}
