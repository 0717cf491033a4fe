extension StringProtocol {
    /// Without leading and trailing whitespace, as Python's `str.strip()` does it (Unicode
    /// whitespace, not only ASCII): ChatGLM3's own code strips the texts glmchat reads this way.
    public var pythonStripped: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
