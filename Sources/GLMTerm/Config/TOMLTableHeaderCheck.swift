/// Finds a table header whose name starts with a character no TOML key can start with (`[@user]`,
/// `[[&models]]`). toml++ (inside TOMLKit) asserts on those instead of reporting an error, which
/// aborts the program (found by the config-toml fuzz target, docs/FUZZING.md), so they are refused
/// before the text reaches it. Headers are found as toml++ finds them: a `[` that starts a line
/// outside strings, comments and multi-line array or inline-table values.
enum TOMLTableHeaderCheck {
    /// The 1-based line and the offending character of the first such header, or nil.
    static func firstBadHeader(in text: String) -> (line: Int, character: Unicode.Scalar)? {
        let scalars = Array(text.unicodeScalars)
        var index = 0, line = 1, depth = 0
        var atLineStart = true
        func starts(with token: String, at position: Int) -> Bool {
            let token = Array(token.unicodeScalars)
            return position + token.count <= scalars.count && Array(scalars[position..<(position + token.count)]) == token
        }
        /// Skips a string starting at `index` (its opening quote); counts the lines it spans.
        func skipString(quote: Unicode.Scalar) {
            let triple = String(repeating: String(quote), count: 3)
            let multiLine = starts(with: triple, at: index)
            index += multiLine ? 3 : 1
            while index < scalars.count {
                let c = scalars[index]
                if c == "\\" && quote == "\"" { index += 2; continue }
                if multiLine && starts(with: triple, at: index) { index += 3; return }
                if !multiLine && c == quote { index += 1; return }
                if c == "\n" {
                    line += 1
                    if !multiLine { return }
                }
                index += 1
            }
        }
        while index < scalars.count {
            let c = scalars[index]
            switch c {
            case "\n":
                line += 1
                atLineStart = depth == 0
                index += 1
            case " ", "\t", "\r":
                index += 1
            case "#":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            case "\"", "'":
                atLineStart = false
                skipString(quote: c)
            case "[" where atLineStart:
                atLineStart = false
                index += starts(with: "[[", at: index) ? 2 : 1
                while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
                if index < scalars.count, !startsKey(scalars[index]), scalars[index] != "]" {
                    return (line, scalars[index])
                }
            case "[", "{":
                atLineStart = false
                depth += 1
                index += 1
            case "]", "}":
                atLineStart = false
                depth = max(0, depth - 1)
                index += 1
            default:
                atLineStart = false
                index += 1
            }
        }
        return nil
    }

    /// A bare key character (A-Z a-z 0-9 _ -) or a string delimiter.
    private static func startsKey(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-", "\"", "'": true
        default: false
        }
    }
}
