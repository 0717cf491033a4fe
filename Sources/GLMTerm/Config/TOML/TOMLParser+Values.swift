/// The values of a TOML document: strings, arrays, inline tables, and (TOMLScalar.swift) numbers,
/// booleans and dates.
extension TOMLParser {
    /// The value starting here; `depth` counts the tables and arrays it sits in.
    mutating func parseValue(depth: Int) throws(TOMLError) -> TOMLValue {
        switch peek() {
        case TOMLByte.quote:
            return .string(starts(with: TOMLByte.quote, count: 3) ? try parseMultiLineString(literal: false) : try parseBasicString())
        case TOMLByte.apostrophe:
            return .string(starts(with: TOMLByte.apostrophe, count: 3) ? try parseMultiLineString(literal: true) : try parseLiteralString())
        case TOMLByte.openBracket:
            return try parseArray(depth: depth + 1)
        case TOMLByte.openBrace:
            return try parseInlineTable(depth: depth + 1)
        default:
            return try parseScalar()
        }
    }

    private mutating func parseArray(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth <= Self.maximumDepth else { throw error("arrays and tables nest more than \(Self.maximumDepth) deep") }
        index += 1
        var items: [TOMLValue] = []
        while true {
            try skipBlanksAndComments()
            if consume(TOMLByte.closeBracket) { return .array(items) }
            items.append(try parseValue(depth: depth))
            try skipBlanksAndComments()
            if consume(TOMLByte.closeBracket) { return .array(items) }
            guard consume(TOMLByte.comma) else { throw error("expected ',' or ']' after a value in an array") }
        }
    }

    /// `{ key = value, … }`, on one line and without a trailing comma (TOML 1.0).
    private mutating func parseInlineTable(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth <= Self.maximumDepth else { throw error("arrays and tables nest more than \(Self.maximumDepth) deep") }
        index += 1
        let table = TOMLTableBuilder()
        skipWhitespace()
        if consume(TOMLByte.closeBrace) { return .table(table.build()) }
        while true {
            try parseKeyValue(into: table, depth: depth)
            skipWhitespace()
            if consume(TOMLByte.closeBrace) { return .table(table.build()) }
            guard consume(TOMLByte.comma) else {
                throw error("expected ',' or '}' after a value in an inline table (it stays on one line)")
            }
            skipWhitespace()
        }
    }

    /// `"…"`: one line, with escapes.
    mutating func parseBasicString() throws(TOMLError) -> String {
        index += 1
        var text: [UInt8] = []
        while let byte = peek() {
            switch byte {
            case TOMLByte.quote:
                index += 1
                return String(decoding: text, as: UTF8.self)
            case TOMLByte.backslash:
                try parseEscape(into: &text)
            case TOMLByte.newline:
                throw error("a string is not closed before the end of its line")
            default:
                guard TOMLByte.isAllowedInText(byte) else { throw error("a control character in a string (escape it)") }
                text.append(byte)
                index += 1
            }
        }
        throw error("a string is not closed")
    }

    /// `'…'`: one line, as written.
    mutating func parseLiteralString() throws(TOMLError) -> String {
        index += 1
        let start = index
        while let byte = peek() {
            if byte == TOMLByte.apostrophe {
                index += 1
                return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
            }
            guard byte != TOMLByte.newline else { throw error("a string is not closed before the end of its line") }
            guard TOMLByte.isAllowedInText(byte) else { throw error("a control character in a string") }
            index += 1
        }
        throw error("a string is not closed")
    }

    /// `"""…"""` (with escapes) or `'''…'''` (as written). A line end right after the opening
    /// quotes is not part of the text; one or two quotes right before the closing three are.
    private mutating func parseMultiLineString(literal: Bool) throws(TOMLError) -> String {
        let quote = literal ? TOMLByte.apostrophe : TOMLByte.quote
        index += 3
        _ = consume(TOMLByte.newline)
        var text: [UInt8] = []
        while let byte = peek() {
            if byte == quote && starts(with: quote, count: 3) {
                var extra = 0
                while extra < 2 && self.byte(at: index + 3 + extra) == quote { extra += 1 }
                text.append(contentsOf: repeatElement(quote, count: extra))
                index += 3 + extra
                return String(decoding: text, as: UTF8.self)
            }
            if byte == TOMLByte.backslash && !literal {
                if !skipLineEndingBackslash() { try parseEscape(into: &text) }
                continue
            }
            guard byte == TOMLByte.newline || TOMLByte.isAllowedInText(byte) else { throw error("a control character in a string") }
            text.append(byte)
            index += 1
        }
        throw error("a multi-line string is not closed")
    }

    /// A backslash that ends its line (spaces may follow it) removes the line end and the spaces
    /// and line ends after it. False, moving nothing, when this backslash is not one.
    private mutating func skipLineEndingBackslash() -> Bool {
        var position = index + 1
        while let byte = byte(at: position), byte == TOMLByte.space || byte == TOMLByte.tab { position += 1 }
        guard byte(at: position) == TOMLByte.newline else { return false }
        index = position
        while let byte = peek(), byte == TOMLByte.space || byte == TOMLByte.tab || byte == TOMLByte.newline { index += 1 }
        return true
    }

    /// `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`.
    private mutating func parseEscape(into text: inout [UInt8]) throws(TOMLError) {
        index += 1
        guard let letter = peek() else { throw error("a string is not closed") }
        index += 1
        let simple: UInt8? = switch letter {
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "r"): 0x0D
        case TOMLByte.quote, TOMLByte.backslash: letter
        default: nil
        }
        if let simple {
            text.append(simple)
            return
        }
        let digits = letter == UInt8(ascii: "u") ? 4 : letter == UInt8(ascii: "U") ? 8 : 0
        guard digits > 0 else { throw error("an unknown escape in a string (\\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)") }
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = peek(), let digit = TOMLByte.hexValue(byte) else {
                throw error("\\\(digits == 4 ? "u" : "U") needs \(digits) hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        guard let scalar = Unicode.Scalar(value) else { throw error("\\\(digits == 4 ? "u" : "U") names no Unicode scalar value") }
        text.append(contentsOf: String(Character(scalar)).utf8)
    }
}

/// The bytes TOML's grammar names.
enum TOMLByte {
    static let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), hash = UInt8(ascii: "#")
    static let quote = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'"), backslash = UInt8(ascii: "\\")
    static let openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")
    static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")
    static let equals = UInt8(ascii: "="), comma = UInt8(ascii: ","), dot = UInt8(ascii: ".")

    /// A–Z a–z 0–9 _ -
    static func isBareKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    /// Any byte of text but the control characters (tab is allowed).
    static func isAllowedInText(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
