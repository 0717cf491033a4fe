extension TOMLParser {
    /// A number, a boolean or a date/time: a run of letters, digits and `_ + - . :`, where a date and
    /// a time may also be parted by one space.
    mutating func parseScalar() throws(TOMLError) -> TOMLValue {
        let start = index
        skipScalarRun()
        if index - start == 10, peek() == TOMLByte.space, TOMLScalar.isDate(bytes[start..<index]),
           let hour = byte(at: index + 1), TOMLScalar.isDigit(hour), byte(at: index + 3) == UInt8(ascii: ":") {
            index += 1
            skipScalarRun()
        }
        let token = Array(bytes[start..<index])
        guard !token.isEmpty else { throw error("expected a value (a string, a number, true or false, a date, an array or a table)") }
        do {
            return try TOMLScalar.value(of: token)
        } catch {
            let text = String(decoding: token, as: UTF8.self)
            index = start
            switch error {
            case .invalid: throw self.error("'\(text)' is not a TOML value (strings need quotes)")
            case .beyond64Bits: throw self.error("\(text) does not fit in a 64-bit integer")
            }
        }
    }

    private mutating func skipScalarRun() {
        while let byte = peek(), TOMLByte.isBareKey(byte) || byte == UInt8(ascii: "+") || byte == TOMLByte.dot
                || byte == UInt8(ascii: ":") {
            index += 1
        }
    }
}

/// Integers (decimal, `0x`, `0o`, `0b`, underscores between digits), floats (`inf` and `nan`
/// too), booleans and RFC 3339 dates and times, as TOML 1.0 writes them.
enum TOMLScalar {
    enum Problem: Error { case invalid, beyond64Bits }

    static func value(of token: [UInt8]) throws(Problem) -> TOMLValue {
        switch String(decoding: token, as: UTF8.self) {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if isDateTime(token[...]) { return .dateTime(String(decoding: token, as: UTF8.self)) }
        if token.count > 2, token[0] == UInt8(ascii: "0"), let radix = prefixRadix(token[1]) {
            guard digitRun(token, from: 2, radix: radix) == token.count else { throw .invalid }
            guard let value = Int(digits(token.dropFirst(2)), radix: radix) else { throw .beyond64Bits }
            return .integer(value)
        }
        return try decimal(token)
    }

    /// `[+-]` then `0` or digits not starting with 0, then an optional fraction and exponent.
    private static func decimal(_ token: [UInt8]) throws(Problem) -> TOMLValue {
        var position = token.first == UInt8(ascii: "+") || token.first == UInt8(ascii: "-") ? 1 : 0
        guard position < token.count else { throw .invalid }
        if token[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            guard let end = digitRun(token, from: position, radix: 10) else { throw .invalid }
            position = end
        }
        var isFloat = false
        if position < token.count, token[position] == TOMLByte.dot {
            guard let end = digitRun(token, from: position + 1, radix: 10) else { throw .invalid }
            position = end
            isFloat = true
        }
        if position < token.count, token[position] == UInt8(ascii: "e") || token[position] == UInt8(ascii: "E") {
            position += 1
            if position < token.count, token[position] == UInt8(ascii: "+") || token[position] == UInt8(ascii: "-") { position += 1 }
            guard let end = digitRun(token, from: position, radix: 10) else { throw .invalid }
            position = end
            isFloat = true
        }
        guard position == token.count else { throw .invalid }
        let text = digits(token[...])
        if isFloat {
            guard let value = Double(text) else { throw .invalid }
            return .float(value)
        }
        guard let value = Int(text) else { throw .beyond64Bits }
        return .integer(value)
    }

    private static func prefixRadix(_ letter: UInt8) -> Int? {
        switch letter {
        case UInt8(ascii: "x"): 16
        case UInt8(ascii: "o"): 8
        case UInt8(ascii: "b"): 2
        default: nil
        }
    }

    /// Where a run of digits of `radix` starting at `start`, with single underscores between
    /// digits, ends; nil when no digit starts there.
    private static func digitRun(_ token: [UInt8], from start: Int, radix: Int) -> Int? {
        func isDigit(_ byte: UInt8) -> Bool { TOMLByte.hexValue(byte).map { Int($0) < radix } ?? false }
        guard start < token.count, isDigit(token[start]) else { return nil }
        var position = start + 1
        while position < token.count {
            if isDigit(token[position]) {
                position += 1
            } else if token[position] == UInt8(ascii: "_"), position + 1 < token.count, isDigit(token[position + 1]) {
                position += 2
            } else {
                break
            }
        }
        return position
    }

    private static func digits(_ token: ArraySlice<UInt8>) -> String {
        String(decoding: token.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// A local date (`1979-05-27`), a local time (`07:32:00.5`), or a date and a time parted by
    /// `T`, `t` or a space, with an optional offset (`Z`, `-07:00`).
    static func isDateTime(_ token: ArraySlice<UInt8>) -> Bool {
        var rest = token
        var hasDate = false
        if rest.count >= 10, isDate(rest.prefix(10)) {
            rest = rest.dropFirst(10)
            if rest.isEmpty { return true }
            guard let separator = rest.first, [UInt8(ascii: "T"), UInt8(ascii: "t"), TOMLByte.space].contains(separator) else { return false }
            rest = rest.dropFirst()
            hasDate = true
        }
        guard rest.count >= 8, let hour = number(rest, at: 0, digits: 2), hour <= 23, rest[rest.startIndex + 2] == UInt8(ascii: ":"),
              let minute = number(rest, at: 3, digits: 2), minute <= 59, rest[rest.startIndex + 5] == UInt8(ascii: ":"),
              let second = number(rest, at: 6, digits: 2), second <= 59 else { return false }
        rest = rest.dropFirst(8)
        if rest.first == TOMLByte.dot {
            rest = rest.dropFirst()
            let fraction = rest.prefix(while: isDigit)
            guard !fraction.isEmpty else { return false }
            rest = rest.dropFirst(fraction.count)
        }
        guard hasDate, let marker = rest.first else { return rest.isEmpty }
        if marker == UInt8(ascii: "Z") || marker == UInt8(ascii: "z") { return rest.count == 1 }
        guard marker == UInt8(ascii: "+") || marker == UInt8(ascii: "-"), rest.count == 6,
              let hours = number(rest, at: 1, digits: 2), hours <= 23, rest[rest.startIndex + 3] == UInt8(ascii: ":"),
              let minutes = number(rest, at: 4, digits: 2), minutes <= 59 else { return false }
        return true
    }

    /// `YYYY-MM-DD` from year 1, a day the month has.
    static func isDate(_ token: ArraySlice<UInt8>) -> Bool {
        guard token.count == 10, let year = number(token, at: 0, digits: 4), token[token.startIndex + 4] == UInt8(ascii: "-"),
              let month = number(token, at: 5, digits: 2), (1...12).contains(month), token[token.startIndex + 7] == UInt8(ascii: "-"),
              let day = number(token, at: 8, digits: 2), year >= 1, day >= 1 else { return false }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// The decimal number of `digits` digits at `offset` in `token`, or nil.
    private static func number(_ token: ArraySlice<UInt8>, at offset: Int, digits: Int) -> Int? {
        guard offset + digits <= token.count else { return nil }
        var value = 0
        for byte in token.dropFirst(offset).prefix(digits) {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
