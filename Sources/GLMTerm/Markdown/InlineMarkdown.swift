/// Inline styling: `**bold**`, `__bold__`, `*italic*` and `` `code` ``. A delimiter without its
/// closing partner on the same line stays as typed.
enum InlineMarkdown {
    static func spans(_ text: String, base: Style, code: Style) -> [Span] {
        var spans: [Span] = []
        var plain = ""
        var rest = Substring(text)

        func flushPlain() {
            if !plain.isEmpty { spans.append(Span(plain, style: base)) }
            plain = ""
        }

        while let first = rest.first {
            if let (delimiter, style) = opening(rest, base: base, code: code),
               let close = rest.dropFirst(delimiter.count).range(of: delimiter) {
                let inner = rest[rest.index(rest.startIndex, offsetBy: delimiter.count)..<close.lowerBound]
                if !inner.isEmpty, delimiter == "`" || inner.first != " " {
                    flushPlain()
                    if delimiter == "`" {
                        spans.append(Span(String(inner), style: style))
                    } else {
                        spans += Self.spans(String(inner), base: style, code: code)
                    }
                    rest = rest[close.upperBound...]
                    continue
                }
            }
            plain.append(first)
            rest = rest.dropFirst()
        }
        flushPlain()
        return spans
    }

    private static func opening(_ text: Substring, base: Style, code: Style) -> (String, Style)? {
        if text.hasPrefix("`") { return ("`", code) }
        if text.hasPrefix("**") { return ("**", base.adding(.bold)) }
        if text.hasPrefix("__") { return ("__", base.adding(.bold)) }
        if text.hasPrefix("*") { return ("*", base.adding(.italic)) }
        return nil
    }
}

extension Substring {
    /// The first occurrence of `needle`, by characters.
    func range(of needle: String) -> Range<Substring.Index>? {
        guard !needle.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) {
                return index..<self.index(index, offsetBy: needle.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
