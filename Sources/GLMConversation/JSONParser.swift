extension JSONValue {
    /// Parses JSON text (RFC 8259). Like Python's `json.loads`, a repeated key (the same bytes) keeps
    /// its first position and takes the last value. Errors are `badFormat`, naming `source` and the
    /// line and column.
    public static func parse(_ text: String, source: String? = nil) throws -> JSONValue {
        try parse(utf8: Array(text.utf8), source: source)
    }

    /// Parses the bytes of a JSON file, which must be UTF-8.
    public static func parse(bytes: some Collection<UInt8>, source: String? = nil) throws -> JSONValue {
        let utf8 = Array(bytes)
        guard String(validating: utf8, as: UTF8.self) != nil else {
            throw GLMError(.badFormat, path: source, "not JSON: the text is not valid UTF-8")
        }
        return try parse(utf8: utf8, source: source)
    }

    private static func parse(utf8: [UInt8], source: String?) throws -> JSONValue {
        var parser = JSONParser(bytes: utf8, source: source)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    let source: String?
    var index = 0
    private static let maximumDepth = 512

    init(bytes: [UInt8], source: String?) {
        self.bytes = bytes
        self.source = source
    }

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
        guard index < bytes.count else { throw failure("unexpected end of JSON") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected character")
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        var positions: [ExactText: Int] = [:]
        skipWhitespace()
        if consume("}") { return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard consume(":") else { throw failure("expected ':' after an object key") }
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            if let existing = positions[ExactText(key)] {
                members[existing].value = value
            } else {
                positions[ExactText(key)] = members.count
                members.append((key, value))
            }
            skipWhitespace()
            if consume("}") { return .object(members) }
            guard consume(",") else { throw failure("expected ',' or '}' in an object") }
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if consume("]") { return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            if consume("]") { return .array(items) }
            guard consume(",") else { throw failure("expected ',' or ']' in an array") }
        }
    }

    private mutating func parseString() throws -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun(_ end: Int) {
            scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flushRun(index)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw failure("control character inside a string") }
            if byte == UInt8(ascii: "\\") {
                flushRun(index)
                index += 1
                scalars.append(try parseEscape())
                runStart = index
            } else {
                index += 1
            }
        }
        throw failure("unterminated string")
    }

    private mutating func parseEscape() throws -> Unicode.Scalar {
        guard index < bytes.count else { throw failure("unterminated escape") }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            if (0xD800...0xDBFF).contains(unit) {
                guard consume("\\"), consume("u") else { throw failure("unpaired surrogate escape") }
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate escape") }
                let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                guard let scalar = Unicode.Scalar(value) else { throw failure("invalid \\u escape") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(unit) else { throw failure("unpaired surrogate escape") }
            return scalar
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("invalid \\u escape") }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { throw failure("invalid \\u escape") }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        var isInteger = true
        _ = consume("-")
        if !consume("0") {
            guard consumeDigits() else { throw failure("invalid number") }
        }
        if consume(".") {
            isInteger = false
            guard consumeDigits() else { throw failure("invalid number") }
        }
        if consume("e") || consume("E") {
            isInteger = false
            _ = consume("+") || consume("-")
            guard consumeDigits() else { throw failure("invalid number") }
        }
        let literal = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger {
            guard let value = Int(literal) else { throw failure("integer \(literal) is out of range") }
            return .int(value)
        }
        guard let value = Double(literal) else { throw failure("invalid number") }
        return .double(value)
    }

    private mutating func consumeDigits() -> Bool {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index > start
    }

    private mutating func consume(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    private mutating func expectWord(_ word: String) throws {
        let expected = Array(word.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected else {
            throw failure("unexpected character")
        }
        index += expected.count
    }

    /// An error naming the line and column (in characters) of the current position.
    func failure(_ problem: String) -> GLMError {
        let before = bytes[..<min(index, bytes.count)]
        let line = before.filter { $0 == 0x0A }.count + 1
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<before.endIndex], as: UTF8.self).count + 1
        return GLMError(.badFormat, path: source, "invalid JSON at line \(line), column \(column): \(problem)")
    }
}
