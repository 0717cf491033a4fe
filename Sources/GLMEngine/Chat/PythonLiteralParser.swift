import Foundation

/// Reads the Python literal grammar that `ast.literal_eval` accepts, less what JSON cannot hold, and
/// never evaluates anything: strings (both quote styles, triple quotes, `r`/`u` prefixes, every escape,
/// adjacent strings joined), integers (decimal, hex, octal, binary, underscores), floats, `True`,
/// `False`, `None`, lists, tuples, dicts and nesting. A name, call, attribute, subscript, operator,
/// lambda, comprehension, f-string, bytes, set, complex number or `...` is refused with a message that
/// says what it found and where. Positions are counted in bytes of UTF-8 and reported as line and column.
struct PythonLiteralParser {
    let bytes: [UInt8]
    let maximumDepth: Int
    var index = 0

    init(_ text: String, maximumDepth: Int) {
        bytes = Array(text.utf8)
        self.maximumDepth = maximumDepth
    }

    var atEnd: Bool { index >= bytes.count }

    func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    // MARK: Trivia

    /// Skips spaces, tabs, form feeds, newlines (everything here is inside brackets), comments and
    /// backslash line continuations.
    mutating func skipTrivia() {
        while let byte = peek() {
            switch byte {
            case 0x20, 0x09, 0x0C, 0x0A, 0x0D:
                index += 1
            case UInt8(ascii: "#"):
                while let next = peek(), next != 0x0A, next != 0x0D { index += 1 }
            case UInt8(ascii: "\\") where peek(1) == 0x0A || peek(1) == 0x0D:
                index += 1
            default:
                return
            }
        }
    }

    mutating func consume(_ character: Unicode.Scalar) -> Bool {
        guard peek() == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    // MARK: Values

    /// One literal (after trivia), converted to JSON.
    mutating func parseValue(depth: Int) throws -> JSONValue {
        try parseLiteral(depth: depth).json(at: self)
    }

    mutating func parseLiteral(depth: Int) throws -> PythonLiteral {
        guard depth <= maximumDepth else { throw failure("nested deeper than \(maximumDepth) levels") }
        skipTrivia()
        guard let byte = peek() else { throw failure("a value is missing at the end of the text") }
        switch byte {
        case UInt8(ascii: "("): return try parseParenthesized(depth: depth)
        case UInt8(ascii: "["):
            index += 1
            return .list(try parseItems(closing: "]", depth: depth))
        case UInt8(ascii: "{"): return try parseBraces(depth: depth)
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseStrings())
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber(negative: false)
        case UInt8(ascii: "."):
            if peek(1) == UInt8(ascii: "."), peek(2) == UInt8(ascii: ".") {
                throw failure("`...` (Ellipsis) is not allowed: JSON has no such value")
            }
            guard let next = peek(1), isDigit(next) else { throw failure("unexpected `.`") }
            return try parseNumber(negative: false)
        case UInt8(ascii: "-"), UInt8(ascii: "+"):
            let negative = byte == UInt8(ascii: "-")
            index += 1
            skipTrivia()
            guard let next = peek(), isDigit(next) || (next == UInt8(ascii: ".") && peek(1).map(isDigit) == true) else {
                throw failure("a sign (`\(negative ? "-" : "+")`) is allowed only before a number: operators are not allowed")
            }
            return try parseNumber(negative: negative)
        case UInt8(ascii: "*"):
            throw failure("unpacking (`*` or `**`) is not allowed: only literals are")
        default:
            if isIdentifierStart(at: index) { return try parseWord() }
            throw failure("unexpected \(describeHere())")
        }
    }

    private mutating func parseParenthesized(depth: Int) throws -> PythonLiteral {
        index += 1
        skipTrivia()
        if consume(")") { return .tuple([]) }
        let first = try parseLiteral(depth: depth + 1)
        skipTrivia()
        if consume(")") { return first }
        guard consume(",") else { throw unexpectedAfterValue(expecting: "`,` or `)`") }
        return .tuple([first] + (try parseItems(closing: ")", depth: depth)))
    }

    /// Items up to `closing` (the opener already read), with an optional trailing comma.
    private mutating func parseItems(closing: Unicode.Scalar, depth: Int) throws -> [PythonLiteral] {
        var items: [PythonLiteral] = []
        while true {
            skipTrivia()
            if consume(closing) { return items }
            items.append(try parseLiteral(depth: depth + 1))
            skipTrivia()
            if consume(closing) { return items }
            guard consume(",") else { throw unexpectedAfterValue(expecting: "`,` or `\(closing)`") }
        }
    }

    private mutating func parseBraces(depth: Int) throws -> PythonLiteral {
        index += 1
        var members: [(PythonLiteral, PythonLiteral)] = []
        while true {
            skipTrivia()
            if consume("}") { return .dict(members) }
            if peek() == UInt8(ascii: "*") { throw failure("unpacking (`**`) is not allowed: only literals are") }
            let key = try parseLiteral(depth: depth + 1)
            skipTrivia()
            if members.isEmpty, peek() == UInt8(ascii: ",") || peek() == UInt8(ascii: "}") {
                throw failure("a set (`{a, b}`) is not allowed: JSON has no sets")
            }
            guard consume(":") else { throw unexpectedAfterValue(expecting: "`:` after a dict key") }
            let value = try parseLiteral(depth: depth + 1)
            members.append((key, value))
            skipTrivia()
            if consume("}") { return .dict(members) }
            guard consume(",") else { throw unexpectedAfterValue(expecting: "`,` or `}`") }
        }
    }

    /// `True`, `False`, `None`, or a string with a prefix; any other word is refused.
    private mutating func parseWord() throws -> PythonLiteral {
        let start = index
        let word = readIdentifier()
        if StringPrefix(word) != nil, let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") {
            index = start
            return .string(try parseStrings())
        }
        switch ExactText(word) {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default: break
        }
        skipTrivia()
        let follower = peek()
        index = start
        switch ExactText(word) {
        case "lambda": throw failure("a lambda is not allowed: only literals are")
        case "not", "await", "yield": throw failure("an expression (`\(word)`) is not allowed: only literals are")
        default: break
        }
        if follower == UInt8(ascii: "(") { throw failure("a call (`\(word)(`) is not allowed: only literals are") }
        if follower == UInt8(ascii: ".") { throw failure("an attribute (`\(word).`) is not allowed: only literals are") }
        if follower == UInt8(ascii: "[") { throw failure("a subscript (`\(word)[`) is not allowed: only literals are") }
        throw failure("a name (`\(word)`) is not allowed: only literals are (strings, numbers, True, False, None, lists, tuples, dicts)")
    }

    // MARK: Errors

    /// What stands at the current position where a `,`, a closer or `:` was expected after a value.
    func unexpectedAfterValue(expecting: String) -> GLMError {
        guard let byte = peek() else { return failure("the text ends where \(expecting) was expected") }
        switch byte {
        case UInt8(ascii: "("): return failure("a call is not allowed: only literals are")
        case UInt8(ascii: "["): return failure("a subscript is not allowed: only literals are")
        case UInt8(ascii: "."): return failure("an attribute is not allowed: only literals are")
        case UInt8(ascii: "="):
            return failure(peek(1) == UInt8(ascii: "=") ? "an operator (`==`) is not allowed: only literals are"
                                                         : "an assignment is not allowed here")
        default:
            if let op = Self.operators.first(where: { bytes[index...].starts(with: $0.utf8) }) {
                return failure("an operator (`\(op)`) is not allowed: only literals are")
            }
            if isIdentifierStart(at: index) {
                var copy = self
                let word = copy.readIdentifier()
                if (["for", "if", "else", "and", "or", "in", "is", "not", "async"] as [ExactText]).contains(ExactText(word)) {
                    return failure("an expression (`\(word)`) is not allowed: only literals are")
                }
            }
            return failure("expected \(expecting), found \(describeHere())")
        }
    }

    private static let operators = ["**", "//", "<<", ">>", "<=", ">=", "!=", ":=", "->", "+", "-", "*", "/", "%",
                                    "@", "&", "|", "^", "~", "<", ">", "!"]

    func describeHere() -> String {
        guard !atEnd else { return "the end of the text" }
        let end = min(bytes.count, index + 12)
        let snippet = String(decoding: bytes[index..<end], as: UTF8.self).prefix { $0 != "\n" }
        return "`\(snippet)`"
    }

    /// An error naming the line and column (in characters) of the current position.
    func failure(_ problem: String) -> GLMError {
        failure(problem, at: index)
    }

    func failure(_ problem: String, at position: Int) -> GLMError {
        let before = bytes[..<min(position, bytes.count)]
        let line = before.filter { $0 == 0x0A }.count + 1
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<before.endIndex], as: UTF8.self).count + 1
        return GLMError(.badFormat, "tool call, line \(line), column \(column): \(problem)")
    }

    // MARK: Characters

    func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// The Unicode scalar starting at `position` and its length in bytes (the text is valid UTF-8).
    func scalar(at position: Int) -> (Unicode.Scalar, Int)? {
        guard position < bytes.count else { return nil }
        let lead = bytes[position]
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        guard position + length <= bytes.count else { return nil }
        let text = String(decoding: bytes[position..<(position + length)], as: UTF8.self)
        return text.unicodeScalars.first.map { ($0, length) }
    }

    func isIdentifierStart(at position: Int) -> Bool {
        guard let (scalar, _) = scalar(at: position) else { return false }
        return scalar == "_" || scalar.properties.isXIDStart
    }

    /// An identifier (the caller checked its first character), normalized to NFKC as Python does.
    mutating func readIdentifier() -> String {
        let start = index
        while let (scalar, length) = scalar(at: index), scalar == "_" || scalar.properties.isXIDContinue {
            index += length
        }
        let word = String(decoding: bytes[start..<index], as: UTF8.self)
        return word.allSatisfy(\.isASCII) ? word : word.precomposedStringWithCompatibilityMapping
    }
}

/// A string literal's prefix letters (any case, any order): `r` raw, `u` (no effect), `b` bytes and
/// `f`/`t` formatted (both refused).
struct StringPrefix {
    var raw = false
    var bytes = false
    var formatted = false

    init?(_ word: String) {
        guard !word.isEmpty, word.count <= 2 else { return nil }
        for letter in word.lowercased() {
            switch letter {
            case "r": raw = true
            case "u": break
            case "b": bytes = true
            case "f", "t": formatted = true
            default: return nil
            }
        }
        if word.lowercased().contains("u"), word.count > 1 { return nil }
    }
}
