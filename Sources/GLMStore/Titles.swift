/// Session titles: made from the first user message, or given by the user.
public enum Titles {
    /// Automatic titles are cut to this many terminal cells; the sidebar cuts further if narrower.
    public static let maxCells = 40

    /// The first non-blank line of `text`, with control characters removed, cut to `maxCells`
    /// display cells ("…" marks a cut).
    public static func title(fromFirstMessage text: String, maxCells: Int = maxCells) -> String {
        let line = text.split(whereSeparator: \.isNewline)
            .map { clean(String($0)) }
            .first { !$0.isEmpty } ?? ""
        return DisplayWidth.truncate(line, toCells: maxCells)
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
