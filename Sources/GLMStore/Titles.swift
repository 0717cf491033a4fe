/// Session titles: made from the first user message, or given by the user. Titles are kept
/// whole; each screen cuts them to the room it has.
public enum Titles {
    /// The first non-blank line of `text`, with control characters removed.
    public static func title(fromFirstMessage text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { clean(String($0)) }
            .first { !$0.isEmpty } ?? ""
    }

    /// A name the user typed: one line, trimmed, control characters removed, never cut.
    static func cleanCustomTitle(_ text: String) -> String {
        clean(text.split(whereSeparator: \.isNewline).joined(separator: " "))
    }

    private static func clean(_ text: String) -> String {
        let visible = text.map { character -> Character in
            let isControl = character.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control }
            return isControl ? " " : character
        }
        return String(visible).split(separator: " ", omittingEmptySubsequences: true)
            .joined(separator: " ")
    }
}
