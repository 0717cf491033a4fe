import Foundation
import GLMStore
import GLMTerm

/// How `glmchat sessions` prints: one line per session for people, JSON for scripts.
enum CLIOutput {
    /// Titles are stored whole; the table shows this many cells of one.
    static let titleCells = 60

    /// One session's row; `titleMatches` (ranges in its display title) are marked by `highlighter`.
    static func line(for session: Session, titleMatches: [Range<String.Index>] = [],
                     highlighter: Highlighter = Highlighter(enabled: false)) -> String {
        let shortID = String(session.id.rawValue.prefix(8))
        let when = localTime(session.updatedAt)
        let title = session.displayTitle
        let (kept, isCut) = Glyphs.fittingPrefix(of: title[...], cells: titleCells)
        let keptMatches = titleMatches.compactMap { match -> Range<String.Index>? in
            let upper = min(match.upperBound, kept.endIndex)
            return match.lowerBound < upper ? match.lowerBound..<upper : nil
        }
        let shown = highlighter.apply(kept, keptMatches) + (isCut ? "…" : "")
        return "\(shortID)  \(when)  \(shown)\(session.isArchived ? "  [archived]" : "")"
    }

    static func localTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        write(Data(JSONControlEscaping.escapingControls(Array(try encoder.encode(value)))))
        write(Data("\n".utf8))
    }

    static func write(_ data: Data) {
        FileHandle.standardOutput.write(data)
    }

    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("glmchat: warning: \(message)\n".utf8))
    }
}

/// Marks matches with reverse video on a terminal; plain text in a pipe or with NO_COLOR.
struct Highlighter {
    let enabled: Bool

    static func forStandardOutput() -> Highlighter {
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return Highlighter(enabled: isatty(STDOUT_FILENO) == 1 && !noColor)
    }

    /// `text` with the matches marked; each piece of the text itself goes through `shown` first (the
    /// marks are the only escape sequences printed).
    func apply(_ text: Substring, _ ranges: [Range<String.Index>],
               shown: (String) -> String = ControlPictures.visible) -> String {
        guard enabled, !ranges.isEmpty else { return shown(String(text)) }
        var result = ""
        var cursor = text.startIndex
        for range in ranges where range.lowerBound >= cursor {
            result += shown(String(text[cursor..<range.lowerBound])) + "\u{1B}[7m" + shown(String(text[range])) + "\u{1B}[27m"
            cursor = range.upperBound
        }
        return result + shown(String(text[cursor...]))
    }
}

struct SessionJSON: Encodable {
    var id, title, displayTitle, modelKind, modelName, systemPrompt, createdAt, updatedAt: String
    var titleIsCustom, archived: Bool

    init(_ s: Session) {
        id = s.id.rawValue
        title = s.title
        displayTitle = s.displayTitle
        titleIsCustom = s.titleIsCustom
        modelKind = s.modelKind
        modelName = s.modelName
        systemPrompt = s.systemPrompt
        createdAt = Timestamp.iso8601(s.createdAt)
        updatedAt = Timestamp.iso8601(s.updatedAt)
        archived = s.isArchived
    }
}

struct MatchJSON: Encodable {
    /// In Characters (grapheme clusters) from the start of the text.
    var offset, length: Int
}

struct SearchHitJSON: Encodable {
    var session: SessionJSON
    var titleMatches: [MatchJSON]
    var messageId: String?
    var role: String?
    var snippet: String?
    var matches: [MatchJSON]?

    init(_ hit: SearchHit) {
        session = SessionJSON(hit.session)
        let title = Snippet(text: hit.session.displayTitle, matches: hit.session.title.isEmpty ? [] : hit.titleMatches)
        titleMatches = title.characterOffsets.map { MatchJSON(offset: $0.offset, length: $0.length) }
        messageId = hit.messageID?.rawValue
        role = hit.role?.rawValue
        snippet = hit.snippet?.text
        matches = hit.snippet?.characterOffsets.map { MatchJSON(offset: $0.offset, length: $0.length) }
    }
}

struct ImportJSON: Encodable {
    var file, id, title: String
    var messages: Int
}
