import Foundation
import GRDB

/// A short piece of text with the places that matched the query, for highlighting.
public struct Snippet: Sendable, Equatable {
    public var text: String
    /// Ranges in `text`, in order, not overlapping.
    public var matches: [Range<String.Index>]

    public init(text: String, matches: [Range<String.Index>]) {
        self.text = text
        self.matches = matches
    }

    /// The matches as (offset, length) in Characters, for callers that cannot keep String indices.
    public var characterOffsets: [(offset: Int, length: Int)] {
        matches.map { (text.distance(from: text.startIndex, to: $0.lowerBound), text.distance(from: $0.lowerBound, to: $0.upperBound)) }
    }

    public static func == (a: Snippet, b: Snippet) -> Bool {
        a.text == b.text && a.matches == b.matches
    }
}

/// One session that matched a search.
public struct SearchHit: Sendable, Equatable {
    public var session: Session
    /// Matches in `session.title` (empty when only a message matched).
    public var titleMatches: [Range<String.Index>]
    /// The first message, in conversation order, that holds every term (nil if only the title did).
    public var messageID: MessageID?
    public var role: Role?
    public var snippet: Snippet?
}

extension GLMStore {
    /// Sessions whose title or one of whose messages contains every whitespace-separated term of
    /// `query` (case-insensitively), most recently used first, archived ones included.
    /// Message text is searched through the FTS5 trigram index; terms shorter than three
    /// characters (which a trigram index cannot look up) are checked with LIKE.
    public func search(_ query: String, limit: Int = 50) throws -> [SearchHit] {
        let terms = SearchQuery.terms(query)
        guard !terms.isEmpty, limit > 0 else { return [] }
        return try read { db in
            var hits: [SessionID: SearchHit] = [:]
            for session in try titleMatches(terms, limit: limit, db) {
                hits[session.id] = SearchHit(session: session,
                                             titleMatches: SearchQuery.ranges(of: terms, in: session.title),
                                             messageID: nil, role: nil, snippet: nil)
            }
            for (session, message) in try messageMatches(terms, limit: limit, db) {
                var hit = hits[session.id] ?? SearchHit(session: session, titleMatches: [], messageID: nil,
                                                        role: nil, snippet: nil)
                hit.messageID = message.id
                hit.role = message.role
                hit.snippet = SearchQuery.snippet(of: SearchQuery.searchedText(of: message), terms: terms)
                hits[session.id] = hit
            }
            let ordered = hits.values.sorted {
                ($0.session.updatedAt, $0.session.id) > ($1.session.updatedAt, $1.session.id)
            }
            return Array(ordered.prefix(limit))
        }
    }

    private func titleMatches(_ terms: [String], limit: Int, _ db: Database) throws -> [Session] {
        let conditions = terms.map { _ in "title LIKE ? ESCAPE '\\'" }.joined(separator: " AND ")
        let sql = """
            SELECT \(RowMapping.sessionColumns) FROM session
            WHERE deletedAt IS NULL AND \(conditions)
            ORDER BY updatedAt DESC, id DESC LIMIT ?
            """
        var values: [(any DatabaseValueConvertible)?] = terms.map(SearchQuery.likePattern)
        values.append(limit)
        let arguments = StatementArguments(values)
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(RowMapping.session)
    }

    /// For each matching session (newest first, up to `limit`), its first matching message.
    /// Sessions are walked in recency order and stop at `limit`, so a common word costs no more
    /// than a rare one; the full-text matches are computed once, as a set of message rows.
    private func messageMatches(_ terms: [String], limit: Int, _ db: Database) throws -> [(Session, Message)] {
        let long = terms.filter { $0.unicodeScalars.count >= 3 }
        let short = terms.filter { $0.unicodeScalars.count < 3 }
        var conditions = short.map { _ in "(m.content LIKE ? ESCAPE '\\' OR m.metadata LIKE ? ESCAPE '\\')" }
        var arguments: [(any DatabaseValueConvertible)?] = []
        var prefix = ""
        if !long.isEmpty {
            // Typing a query passes through many that match nothing: answer those from the index alone.
            let any = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM message_fts WHERE message_fts MATCH ?)",
                                        arguments: [SearchQuery.ftsQuery(long)]) ?? false
            if !any { return [] }
            prefix = "WITH fts(pk) AS MATERIALIZED (SELECT rowid FROM message_fts WHERE message_fts MATCH ?) "
            conditions.insert("m.pk IN fts", at: 0)
            arguments.append(SearchQuery.ftsQuery(long))
        }
        arguments += short.flatMap { [SearchQuery.likePattern($0), SearchQuery.likePattern($0)] }
        arguments.append(limit)
        // The LIMIT inside keeps SQLite from flattening the walk into a join that would look up
        // every session twice.
        let sql = prefix + """
            SELECT \(RowMapping.sessionColumns(qualifiedBy: "s")), \(RowMapping.messageColumns(qualifiedBy: "hm")) FROM (
                SELECT * FROM (
                    SELECT s.id AS sid, s.updatedAt AS updatedAt, (
                        SELECT m.pk FROM message m
                        WHERE m.sessionId = s.id AND \(conditions.joined(separator: " AND "))
                        ORDER BY m.seq LIMIT 1
                    ) AS hitPk
                    FROM session s WHERE s.deletedAt IS NULL
                    ORDER BY s.updatedAt DESC, s.id DESC
                ) WHERE hitPk IS NOT NULL LIMIT ?
            ) hit
            JOIN session s ON s.id = hit.sid
            JOIN message hm ON hm.pk = hit.hitPk
            ORDER BY hit.updatedAt DESC, hit.sid DESC
            """
        // Both tables have `id`, `createdAt`...: read each row as its session and message parts.
        let sessionWidth = RowMapping.sessionColumnNames.count
        let messageWidth = RowMapping.messageColumnNames.count
        let adapter = ScopeAdapter([
            "session": RangeRowAdapter(0..<sessionWidth),
            "message": RangeRowAdapter(sessionWidth..<(sessionWidth + messageWidth)),
        ])
        let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments), adapter: adapter)
        return try rows.compactMap { row in
            guard let session = row.scopes["session"], let message = row.scopes["message"] else { return nil }
            return (try RowMapping.session(session), try RowMapping.message(message))
        }
    }
}

/// Turning what the user typed into SQL, and matches back into highlights.
enum SearchQuery {
    static func terms(_ query: String) -> [String] {
        // Terms are told apart by their bytes, as SQLite tells them apart (String's `==` would merge
        // canonically equivalent spellings, such as U+F98E and U+5E74, which SQLite finds separately).
        var seen = Set<[UInt8]>()
        return query.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            .filter { seen.insert(Array($0.lowercased().utf8)).inserted }
    }

    /// What search reads of a message: its content, after its metadata (a tool's name) when it has one.
    static func searchedText(of message: Message) -> String {
        message.metadata.isEmpty ? message.content : message.metadata + ": " + message.content
    }

    /// Case-insensitive, and otherwise exact: no canonical equivalence, so a highlight marks only
    /// what SQLite matched.
    private static let matching: String.CompareOptions = [.caseInsensitive, .literal]

    /// Each term as an FTS5 string (quotes doubled), so nothing the user types is FTS syntax.
    static func ftsQuery(_ terms: [String]) -> String {
        terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }

    static func likePattern(_ term: String) -> String {
        var escaped = ""
        for character in term {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }

    /// Every case-insensitive occurrence of any term in `text`, sorted, overlaps merged.
    static func ranges(of terms: [String], in text: String) -> [Range<String.Index>] {
        var found: [Range<String.Index>] = []
        for term in terms {
            var searchStart = text.startIndex
            while searchStart < text.endIndex,
                  let range = text.range(of: term, options: matching, range: searchStart..<text.endIndex) {
                found.append(range)
                searchStart = range.upperBound
            }
        }
        found.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<String.Index>] = []
        for range in found {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// About `width` characters of `content` on one line, starting a little before the first
    /// match, with "…" where text was left out.
    static func snippet(of content: String, terms: [String], lead: Int = 24, width: Int = 96) -> Snippet {
        let first = terms.compactMap { content.range(of: $0, options: matching)?.lowerBound }.min()
            ?? content.startIndex
        let start = content.index(first, offsetBy: -lead, limitedBy: content.startIndex) ?? content.startIndex
        let end = content.index(start, offsetBy: width, limitedBy: content.endIndex) ?? content.endIndex
        var text = start > content.startIndex ? "…" : ""
        for character in content[start..<end] {
            text.append(character.isNewline || character == "\t" ? " " : character)
        }
        if end < content.endIndex { text.append("…") }
        return Snippet(text: text, matches: ranges(of: terms, in: text))
    }
}
