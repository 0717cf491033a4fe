extension PythonLiteralParser {
    /// A number literal as Python's tokenizer reads it: `0x1F`, `0o17`, `0b101`, `1_000`, `007.5`,
    /// `.5`, `5.`, `1e-3`. Integers must fit in 64 bits and floats be finite (JSON holds nothing else);
    /// complex numbers (`1j`) are refused.
    mutating func parseNumber(negative: Bool) throws -> PythonLiteral {
        let start = index
        if peek() == UInt8(ascii: "0"), let letter = peek(1).map({ $0 | 0x20 }),
           let radix = [UInt8(ascii: "x"): 16, UInt8(ascii: "o"): 8, UInt8(ascii: "b"): 2][letter] {
            index += 2
            let digits = try readDigits(radix: radix, allowLeadingUnderscore: true, start: start)
            guard !digits.isEmpty else { throw failure("invalid number: no digits after its base prefix", at: start) }
            try checkEnd(start: start)
            return try integer(digits, radix: radix, negative: negative, start: start)
        }
        let whole = try readDigits(radix: 10, allowLeadingUnderscore: false, start: start)
        var isFloat = false
        var fraction = ""
        var exponent = ""
        if peek() == UInt8(ascii: "."), peek(1) != UInt8(ascii: ".") {
            isFloat = true
            index += 1
            if let next = peek(), isDigit(next) {
                fraction = try readDigits(radix: 10, allowLeadingUnderscore: false, start: start)
            }
        }
        if let letter = peek(), letter | 0x20 == UInt8(ascii: "e") {
            let save = index
            index += 1
            var sign = ""
            if let byte = peek(), byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                sign = byte == UInt8(ascii: "-") ? "-" : "+"
                index += 1
            }
            if let next = peek(), isDigit(next) {
                exponent = sign + (try readDigits(radix: 10, allowLeadingUnderscore: false, start: start))
                isFloat = true
            } else {
                index = save
            }
        }
        if let letter = peek(), letter | 0x20 == UInt8(ascii: "j") {
            throw failure("a complex number is not allowed: JSON has none", at: start)
        }
        try checkEnd(start: start)
        guard isFloat else {
            if whole.count > 1, whole.first == "0", whole.contains(where: { $0 != "0" }) {
                throw failure("leading zeros in a decimal integer are not allowed (Python refuses them; write 0o for octal)", at: start)
            }
            return try integer(whole, radix: 10, negative: negative, start: start)
        }
        let text = (negative ? "-" : "") + (whole.isEmpty ? "0" : whole) + "." + (fraction.isEmpty ? "0" : fraction)
            + (exponent.isEmpty ? "" : "e" + exponent)
        guard let value = Double(text), value.isFinite else {
            throw failure("the float \(text) is out of range: JSON holds only finite numbers", at: start)
        }
        return .float(value)
    }

    /// Digits of `radix` with single underscores between them (and, after a base prefix, before the
    /// first); returns them without the underscores.
    private mutating func readDigits(radix: Int, allowLeadingUnderscore: Bool, start: Int) throws -> String {
        var digits = ""
        var lastWasUnderscore = false
        while let byte = peek() {
            if byte == UInt8(ascii: "_") {
                guard !lastWasUnderscore, !digits.isEmpty || allowLeadingUnderscore else {
                    throw failure("invalid number: misplaced `_`", at: start)
                }
                lastWasUnderscore = true
                index += 1
                continue
            }
            guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue, digit < radix else { break }
            digits.append(Character(Unicode.Scalar(byte)))
            lastWasUnderscore = false
            index += 1
        }
        if lastWasUnderscore { throw failure("invalid number: it ends in `_`", at: start) }
        return digits
    }

    /// A number must not run into a name or more digits (`1abc`, `0b102`).
    private func checkEnd(start: Int) throws {
        guard let byte = peek() else { return }
        if isDigit(byte) || isIdentifierStart(at: index) {
            throw failure("invalid number literal \(describe(from: start))", at: start)
        }
    }

    private func describe(from start: Int) -> String {
        var end = index
        while end < bytes.count, isDigit(bytes[end]) || isIdentifierStart(at: end) { end += 1 }
        return "`" + String(decoding: bytes[start..<end], as: UTF8.self) + "`"
    }

    private func integer(_ digits: String, radix: Int, negative: Bool, start: Int) throws -> PythonLiteral {
        guard let value = Int((negative ? "-" : "") + digits, radix: radix) else {
            throw failure("the integer is too large: JSON here holds 64-bit integers", at: start)
        }
        return .int(value)
    }
}
