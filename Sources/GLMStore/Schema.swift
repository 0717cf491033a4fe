import GRDB

/// The database schema, as the ordered list of migrations that built it. Version N is the state
/// after the first N migrations; `PRAGMA user_version` records it, so any earlier database is
/// brought forward one step at a time and a newer one is recognised and left alone.
enum Schema {
    /// Marks the file as glmchat's ("GLMC"), so a stranger's SQLite file is never migrated.
    static let applicationID: Int32 = 0x474C_4D43

    static var latestVersion: Int { migrations.count }

    static let migrations: [@Sendable (Database) throws -> Void] = [v1Sessions, v2Search, v3DeletionAndRecovery,
                                                                     v4SeedsAndSystemPrompts, v5Alternatives,
                                                                     v6ModesAndTools, v7ResultFiles]

    /// Sessions and their messages. Times are milliseconds since 1970.
    private static func v1Sessions(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE session (
                id TEXT PRIMARY KEY NOT NULL,
                title TEXT NOT NULL DEFAULT '',
                titleIsCustom INTEGER NOT NULL DEFAULT 0,
                modelKind TEXT NOT NULL,
                modelName TEXT NOT NULL,
                systemPrompt TEXT NOT NULL DEFAULT '',
                temperature REAL NOT NULL,
                topP REAL NOT NULL,
                topK INTEGER NOT NULL,
                repetitionPenalty REAL NOT NULL,
                maxNewTokens INTEGER,
                seed INTEGER,
                createdAt INTEGER NOT NULL,
                updatedAt INTEGER NOT NULL,
                archived INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE message (
                pk INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                sessionId TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                role TEXT NOT NULL,
                content TEXT NOT NULL,
                metadata TEXT NOT NULL DEFAULT '',
                model TEXT,
                promptTokens INTEGER,
                completionTokens INTEGER,
                tokensPerSecond REAL,
                createdAt INTEGER NOT NULL,
                finishedAt INTEGER,
                state TEXT NOT NULL,
                error TEXT,
                UNIQUE (sessionId, seq)
            );
            CREATE INDEX session_by_recency ON session(archived, updatedAt, id);
            """)
    }

    /// Full-text search over message text. The trigram tokenizer matches any substring of three or
    /// more characters, which works for Chinese (no word spaces) as well as for English.
    private static func v2Search(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIRTUAL TABLE message_fts USING fts5(
                content, content='message', content_rowid='pk', tokenize='trigram');
            CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN
                INSERT INTO message_fts(rowid, content) VALUES (new.pk, new.content);
            END;
            CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN
                INSERT INTO message_fts(message_fts, rowid, content) VALUES ('delete', old.pk, old.content);
            END;
            CREATE TRIGGER message_fts_update AFTER UPDATE OF content ON message BEGIN
                INSERT INTO message_fts(message_fts, rowid, content) VALUES ('delete', old.pk, old.content);
                INSERT INTO message_fts(rowid, content) VALUES (new.pk, new.content);
            END;
            INSERT INTO message_fts(message_fts) VALUES ('rebuild');
            """)
    }

    /// Soft deletion (the sidebar's undo) and the owner of a streaming answer, so that an answer
    /// whose process died can be told apart from one another window is still writing. Listing
    /// and search walk sessions newest first through the recency indexes (read backwards), so
    /// they stop after one page instead of sorting every session.
    private static func v3DeletionAndRecovery(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE session ADD COLUMN deletedAt INTEGER;
            ALTER TABLE message ADD COLUMN ownerPid INTEGER;
            DROP INDEX session_by_recency;
            CREATE INDEX session_by_recency ON session(deletedAt, archived, updatedAt, id);
            CREATE INDEX session_by_recency_all ON session(deletedAt, updatedAt, id);
            CREATE INDEX message_streaming ON message(state) WHERE state = 'streaming';
            """)
    }

    /// Each answer keeps the seed it was drawn with and why it ended. "/system" used to be stored as a
    /// system message; it is the session's system prompt now, so the latest such message of each
    /// session moves into the (empty) column, and all of them leave the messages.
    private static func v4SeedsAndSystemPrompts(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE message ADD COLUMN seed INTEGER;
            ALTER TABLE message ADD COLUMN finishReason TEXT;
            UPDATE session SET systemPrompt = (
                SELECT m.content FROM message m
                WHERE m.sessionId = session.id AND m.role = 'system' AND m.metadata = ''
                ORDER BY m.seq DESC LIMIT 1)
            WHERE systemPrompt = '' AND EXISTS (
                SELECT 1 FROM message m WHERE m.sessionId = session.id AND m.role = 'system' AND m.metadata = '');
            DELETE FROM message WHERE role = 'system' AND metadata = '';
            """)
    }

    /// Alternatives instead of loss: "/retry" and "/edit" keep the earlier answer or question beside
    /// the new one. Each message names the one it follows (`parentId`, NULL for the first of a
    /// session), so a session is a tree; of the messages that follow the same one, the `chosen` one
    /// is on the path that is shown and sent to the model. Existing sessions become one path.
    private static func v5Alternatives(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE message ADD COLUMN parentId TEXT;
            ALTER TABLE message ADD COLUMN chosen INTEGER NOT NULL DEFAULT 1;
            """)
        try linkMessagesInOrder(db)
        try db.execute(sql: "CREATE INDEX message_by_parent ON message(sessionId, parentId)")
    }

    /// Tool calling: each session keeps its mode (chat, tool, code) and the tool list its system
    /// message carries (JSON as Python's `json.dumps` writes it, so reopening sends the same bytes).
    /// Search reads a message's metadata too, so a tool's name finds its calls.
    private static func v6ModesAndTools(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE session ADD COLUMN mode TEXT NOT NULL DEFAULT 'chat';
            ALTER TABLE session ADD COLUMN tools TEXT;
            DROP TRIGGER message_fts_insert;
            DROP TRIGGER message_fts_delete;
            DROP TRIGGER message_fts_update;
            DROP TABLE message_fts;
            CREATE VIRTUAL TABLE message_fts USING fts5(
                content, metadata, content='message', content_rowid='pk', tokenize='trigram');
            CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN
                INSERT INTO message_fts(rowid, content, metadata) VALUES (new.pk, new.content, new.metadata);
            END;
            CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN
                INSERT INTO message_fts(message_fts, rowid, content, metadata)
                    VALUES ('delete', old.pk, old.content, old.metadata);
            END;
            CREATE TRIGGER message_fts_update AFTER UPDATE OF content, metadata ON message BEGIN
                INSERT INTO message_fts(message_fts, rowid, content, metadata)
                    VALUES ('delete', old.pk, old.content, old.metadata);
                INSERT INTO message_fts(rowid, content, metadata) VALUES (new.pk, new.content, new.metadata);
            END;
            INSERT INTO message_fts(message_fts) VALUES ('rebuild');
            """)
    }

    /// The files a code block wrote (figures) are kept with its result, as a JSON list of names
    /// relative to the session's folder, so a reopened transcript names them; NULL: none.
    private static func v7ResultFiles(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE message ADD COLUMN files TEXT")
    }

    /// Makes every message without a parent follow the one before it in its session (messages
    /// written before there were alternatives, or copied from an older damaged file).
    static func linkMessagesInOrder(_ db: Database, sessionCondition: String = "1") throws {
        try db.execute(sql: """
            UPDATE message SET parentId = (
                SELECT p.id FROM message p WHERE p.sessionId = message.sessionId AND p.seq < message.seq
                ORDER BY p.seq DESC LIMIT 1)
            WHERE parentId IS NULL AND (\(sessionCondition))
            """)
    }

    /// Brings the database to `target` (default: the latest version) in one immediate transaction,
    /// so that two processes opening the same new file cannot both migrate it.
    static func migrate(_ writer: some DatabaseWriter, upTo target: Int = latestVersion, path: String) throws {
        try writer.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let current = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                if current > latestVersion {
                    throw tooNew(current, path: path)
                }
                if current == 0 {
                    try db.execute(sql: "PRAGMA application_id = \(applicationID)")
                }
                if current < target {
                    for step in current..<target {
                        try migrations[step](db)
                    }
                    try db.execute(sql: "PRAGMA user_version = \(target)")
                }
                return .commit
            }
        }
    }

    static func tooNew(_ version: Int, path: String) -> GLMError {
        GLMError(.schemaTooNew, path: path,
                   "the database has schema version \(version), but this glmchat knows only up to "
                   + "version \(latestVersion); it was left untouched — use a newer glmchat")
    }
}
