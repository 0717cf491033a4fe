extension PythonLiteralParser {
    /// One or more adjacent string literals, joined (`'a' "b"` is `"ab"`, as in Python).
    mutating func parseStrings() throws -> String {
        var text: [UInt8] = []
        repeat {
            text += try parseString()
            skipTrivia()
        } while startsString()
        return String(decoding: text, as: UTF8.self)
    }

    /// A string literal starts here: a quote, or prefix letters and a quote.
    private func startsString() -> Bool {
        guard let byte = peek() else { return false }
        if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") { return true }
        var copy = self
        guard copy.isIdentifierStart(at: copy.index) else { return false }
        let word = copy.readIdentifier()
        guard StringPrefix(word) != nil, let quote = copy.peek() else { return false }
        return quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"")
    }

    /// One string literal, as UTF-8 bytes.
    private mutating func parseString() throws -> [UInt8] {
        let start = index
        var prefix = StringPrefix("u")!
        if let byte = peek(), byte != UInt8(ascii: "'"), byte != UInt8(ascii: "\"") {
            let word = readIdentifier()
            guard let letters = StringPrefix(word) else { throw failure("unexpected `\(word)`", at: start) }
            prefix = letters
        }
        if prefix.formatted { throw failure("an f-string is not allowed: it runs code", at: start) }
        if prefix.bytes { throw failure("a bytes literal (b'…') is not allowed: JSON has no bytes", at: start) }
        guard let quote = peek() else { throw failure("unterminated string", at: start) }
        let triple = peek(1) == quote && peek(2) == quote
        index += triple ? 3 : 1
        var output: [UInt8] = []
        while true {
            guard let byte = peek() else { throw failure("unterminated string", at: start) }
            if byte == quote {
                if !triple {
                    index += 1
                    return output
                }
                if peek(1) == quote, peek(2) == quote {
                    index += 3
                    return output
                }
            }
            if !triple, byte == 0x0A || byte == 0x0D { throw failure("unterminated string (a line ends inside it)", at: start) }
            if byte == UInt8(ascii: "\\") {
                if prefix.raw {
                    // A raw string keeps the backslash and the character after it (which cannot end it).
                    guard peek(1) != nil else { throw failure("unterminated string", at: start) }
                    let length = scalar(at: index + 1)?.1 ?? 1
                    output += bytes[index..<(index + 1 + length)]
                    index += 1 + length
                } else {
                    index += 1
                    try readEscape(into: &output, stringStart: start)
                }
                continue
            }
            output.append(byte)
            index += 1
        }
    }

    /// The escape after a backslash (Python's rules): unknown escapes keep their backslash.
    private mutating func readEscape(into output: inout [UInt8], stringStart: Int) throws {
        guard let letter = peek() else { throw failure("unterminated string", at: stringStart) }
        let escapeStart = index - 1
        index += 1
        switch letter {
        case 0x0A: return
        case 0x0D:
            _ = consume("\n")
            return
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): output.append(letter)
        case UInt8(ascii: "a"): output.append(0x07)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "v"): output.append(0x0B)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = UInt32(letter - UInt8(ascii: "0"))
            for _ in 0..<2 {
                guard let digit = peek(), (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit) else { break }
                value = value * 8 + UInt32(digit - UInt8(ascii: "0"))
                index += 1
            }
            try append(value, to: &output, escapeStart: escapeStart)
        case UInt8(ascii: "x"): try append(try hexDigits(2, escape: "\\x", escapeStart: escapeStart), to: &output, escapeStart: escapeStart)
        case UInt8(ascii: "u"): try appendUnicode(try hexDigits(4, escape: "\\u", escapeStart: escapeStart), to: &output, escapeStart: escapeStart)
        case UInt8(ascii: "U"): try appendUnicode(try hexDigits(8, escape: "\\U", escapeStart: escapeStart), to: &output, escapeStart: escapeStart)
        case UInt8(ascii: "N"):
            guard consume("{"), let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) else {
                throw failure("malformed \\N{…} escape", at: escapeStart)
            }
            let name = String(decoding: bytes[index..<close], as: UTF8.self)
            guard let scalar = UnicodeNames.scalar(named: name) else {
                throw failure("unknown Unicode character name in \\N{\(name)}", at: escapeStart)
            }
            index = close + 1
            output += Array(String(scalar).utf8)
        default:
            // Python keeps an unknown escape as it is: the backslash and the character.
            index -= 1
            let length = scalar(at: index)?.1 ?? 1
            output.append(UInt8(ascii: "\\"))
            output += bytes[index..<(index + length)]
            index += length
        }
    }

    private mutating func hexDigits(_ count: Int, escape: String, escapeStart: Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let byte = peek(), let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                throw failure("truncated \(escape) escape: it needs \(count) hex digits", at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// A `\u`/`\U` escape: a high surrogate followed by a low one is one character (as JSON would read
    /// Python's output); a lone surrogate is not text.
    private mutating func appendUnicode(_ value: UInt32, to output: inout [UInt8], escapeStart: Int) throws {
        if (0xD800...0xDBFF).contains(value), peek() == UInt8(ascii: "\\"), peek(1) == UInt8(ascii: "u") {
            let save = index
            index += 2
            let low = try hexDigits(4, escape: "\\u", escapeStart: save)
            if (0xDC00...0xDFFF).contains(low) {
                return try append(0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00), to: &output, escapeStart: escapeStart)
            }
            index = save
        }
        try append(value, to: &output, escapeStart: escapeStart)
    }

    private func append(_ value: UInt32, to output: inout [UInt8], escapeStart: Int) throws {
        if (0xD800...0xDFFF).contains(value) {
            throw failure("a lone surrogate (U+\(String(value, radix: 16, uppercase: true))) is not text", at: escapeStart)
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw failure("U+\(String(value, radix: 16, uppercase: true)) is beyond Unicode", at: escapeStart)
        }
        output += Array(String(scalar).utf8)
    }
}

/// Unicode character names for `\N{…}`, looked up without regard to case (as Python does), including
/// the formal aliases. The table is built on first use; names made of a prefix and the code point in
/// hex (CJK ideographs and the like) are checked without it.
enum UnicodeNames {
    static func scalar(named name: String) -> Unicode.Scalar? {
        let key = name.uppercased()
        if let dash = key.lastIndex(of: "-"), let value = UInt32(key[key.index(after: dash)...], radix: 16),
           let scalar = Unicode.Scalar(value), scalar.properties.name == key {
            return scalar
        }
        return table[key]
    }

    private static let table: [String: Unicode.Scalar] = {
        var table: [String: Unicode.Scalar] = [:]
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let properties = scalar.properties
            if let alias = properties.nameAlias { table[alias] = scalar }
            guard let name = properties.name else { continue }
            let hex = String(value, radix: 16, uppercase: true)
            if name.hasSuffix("-" + hex) { continue }
            table[name] = scalar
        }
        return table
    }()
}
