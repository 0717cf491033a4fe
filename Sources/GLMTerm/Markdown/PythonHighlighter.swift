/// Simple Python colouring for the code interpreter's cards: keywords, strings, comments and
/// numbers, each in a theme role; everything else in the code style. One line at a time (a string
/// left open at the end of a line simply runs to its end), never executed, never parsed further.
enum PythonHighlighter {
    /// The theme role of each kind of token (themes have no roles of their own for code).
    enum Token: Equatable {
        case plain, keyword, string, comment, number
    }

    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "print",
    ]

    static func spans(_ line: String, theme: Theme) -> [Span] {
        tokens(line).map { Span($0.text, style: style($0.token, theme: theme)) }
    }

    static func style(_ token: Token, theme: Theme) -> Style {
        switch token {
        case .plain: theme[.code]
        case .keyword: theme[.assistant].adding(.bold)
        case .string: theme[.system]
        case .comment: theme[.dim]
        case .number: theme[.user]
        }
    }

    /// The line cut into runs of one kind; joined, they give the line back unchanged.
    static func tokens(_ line: String) -> [(text: String, token: Token)] {
        var result: [(text: String, token: Token)] = []
        var plain = ""
        var rest = Substring(line)
        func flush() {
            if !plain.isEmpty { result.append((plain, .plain)) }
            plain = ""
        }
        while let first = rest.first {
            if first == "#" {
                flush()
                result.append((String(rest), .comment))
                return result
            }
            if first == "\"" || first == "'" {
                flush()
                let string = stringLiteral(rest)
                result.append((String(string), .string))
                rest = rest.dropFirst(string.count)
                continue
            }
            if first.isLetter || first == "_" {
                let word = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                if keywords.contains(String(word)) {
                    flush()
                    result.append((String(word), .keyword))
                } else {
                    plain += word
                }
                rest = rest.dropFirst(word.count)
                continue
            }
            if first.isASCII, first.isNumber {
                flush()
                let number = rest.prefix { ($0.isASCII && ($0.isNumber || $0.isLetter)) || $0 == "." || $0 == "_" }
                result.append((String(number), .number))
                rest = rest.dropFirst(number.count)
                continue
            }
            plain.append(first)
            rest = rest.dropFirst()
        }
        flush()
        return result
    }

    /// A string literal from its opening quote to its closing one (a backslash escapes the next
    /// character; triple quotes are matched as such), or to the end of the line.
    private static func stringLiteral(_ text: Substring) -> Substring {
        guard let quote = text.first else { return text }
        let triple = String(repeating: quote, count: 3)
        let opener = text.hasPrefix(triple) ? triple : String(quote)
        var index = text.index(text.startIndex, offsetBy: opener.count)
        while index < text.endIndex {
            if text[index] == "\\" {
                index = text.index(after: index)
                if index < text.endIndex { index = text.index(after: index) }
                continue
            }
            if text[index...].hasPrefix(opener) { return text[..<text.index(index, offsetBy: opener.count)] }
            index = text.index(after: index)
        }
        return text
    }
}
