extension JSONValue {
    /// The text Python's `json.dumps(value, indent=indent, ensure_ascii=False)` produces:
    /// with an indent, items on their own lines separated by "," and keys by ": "; without one,
    /// everything on one line separated by ", " and ": ". Non-ASCII stays as it is; floats are
    /// written as Python's `repr` writes them.
    public func pythonDumps(indent: Int? = nil) -> String {
        var output = ""
        write(to: &output, indent: indent, level: 0)
        return output
    }

    private func write(to output: inout String, indent: Int?, level: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value): output += Self.pythonFloatRepr(value)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let items):
            writeContainer(open: "[", close: "]", count: items.count, to: &output, indent: indent, level: level) {
                items[$0].write(to: &$1, indent: indent, level: level + 1)
            }
        case .object(let members):
            writeContainer(open: "{", close: "}", count: members.count, to: &output, indent: indent, level: level) {
                Self.writeString(members[$0].key, to: &$1)
                $1 += ": "
                members[$0].value.write(to: &$1, indent: indent, level: level + 1)
            }
        }
    }

    private func writeContainer(open: String, close: String, count: Int, to output: inout String,
                                indent: Int?, level: Int, item: (Int, inout String) -> Void) {
        output += open
        guard count > 0 else {
            output += close
            return
        }
        let separator: String
        if let indent {
            separator = ",\n" + String(repeating: " ", count: indent * (level + 1))
            output += "\n" + String(repeating: " ", count: indent * (level + 1))
        } else {
            separator = ", "
        }
        for index in 0..<count {
            if index > 0 { output += separator }
            item(index, &output)
        }
        if let indent { output += "\n" + String(repeating: " ", count: indent * level) }
        output += close
    }

    /// Python's string escaping with `ensure_ascii=False`: only '"', '\\' and control
    /// characters below U+0020 are escaped.
    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    /// Python's `repr(float)` (and so `json.dumps`): the shortest digits that round-trip,
    /// positional notation for decimal exponents -4 ..< 16, scientific (`1e-05`, `1e+16`)
    /// otherwise; non-finite values as `NaN` / `Infinity` / `-Infinity`.
    static func pythonFloatRepr(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        let sign = value.sign == .minus ? "-" : ""
        // Swift's description also prints the shortest round-trip digits; only the layout differs.
        let (digits, pointPosition) = shortestDigits(abs(value))
        if digits.isEmpty { return sign + "0.0" }
        if pointPosition <= -4 || pointPosition > 16 {
            let exponent = pointPosition - 1
            let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
            let exponentDigits = String(abs(exponent))
            let paddedExponent = exponentDigits.count < 2 ? "0" + exponentDigits : exponentDigits
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + paddedExponent
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
        }
        if pointPosition >= digits.count {
            return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
        }
        return sign + String(digits.prefix(pointPosition)) + "." + String(digits.dropFirst(pointPosition))
    }

    /// The significant digits of a finite, non-negative value (no leading or trailing zeros;
    /// empty for zero) and where the decimal point goes: value = 0.DIGITS × 10^pointPosition.
    private static func shortestDigits(_ value: Double) -> (String, Int) {
        let text = value.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0]
        let integerLength = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) }
            ?? mantissa.count
        var digits = Substring(mantissa.filter { $0 != "." })
        var pointPosition = integerLength + exponent
        while digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (String(digits), pointPosition)
    }
}
