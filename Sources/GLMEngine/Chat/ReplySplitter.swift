import Foundation

/// Splits a streaming chat reply into its metadata line and its content, as the reference's
/// `process_response` does: everything up to the first "\n" is metadata (usually empty, a tool name
/// for a tool call, `interpreter` for code); the content that follows has its leading whitespace removed.
///
/// One departure, for streaming: a first line longer than any metadata (`maxMetadataLength`) is taken
/// as content at once, so a model that skips the metadata line is not held back until the end.
public struct ReplySplitter: Sendable {
    public static let maxMetadataLength = 64
    public private(set) var metadata = ""
    public private(set) var metadataComplete = false
    private var sawContent = false

    public init() {}

    /// Feeds decoded text; returns the part of it that is content (safe to show as it streams).
    public mutating func feed(_ text: String) -> String {
        var rest = Substring(text)
        if !metadataComplete {
            guard let newline = rest.firstIndex(of: "\n") else {
                metadata += rest
                guard metadata.count > Self.maxMetadataLength else { return "" }
                return finish()
            }
            metadata += rest[..<newline]
            metadataComplete = true
            rest = rest[rest.index(after: newline)...]
        }
        if !sawContent {
            rest = rest.drop(while: { $0.isWhitespace })
            if rest.isEmpty { return "" }
            sawContent = true
        }
        return String(rest)
    }

    /// Text that never reached a newline is content after all when the reply had no metadata line.
    public mutating func finish() -> String {
        guard !metadataComplete else { return "" }
        metadataComplete = true
        let pending = metadata
        metadata = ""
        let trimmed = pending.drop(while: { $0.isWhitespace })
        sawContent = sawContent || !trimmed.isEmpty
        return String(trimmed)
    }
}
