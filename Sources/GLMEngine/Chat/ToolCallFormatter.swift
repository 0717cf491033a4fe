/// Writes a tool call the way ChatGLM3 writes one, so that a call made earlier (by this model, or
/// reported by an OpenAI client as `tool_calls`) goes back into the prompt in the model's own form:
/// the content "```python\ntool_call(key=value, ...)\n```" with Python literals, strings in double
/// quotes as in the original tool example (`tool_call(location="beijing", unit="celsius")`).
public enum ToolCallFormatter {
    /// The fenced block of an assistant message whose metadata is the tool's name.
    public static func content(arguments: JSONValue) -> String {
        "```python\n" + call(arguments: arguments) + "\n```"
    }

    /// `tool_call(key=value, ...)`; arguments that are not an object are passed as one `arguments=`.
    public static func call(arguments: JSONValue) -> String {
        guard case .object(let members) = arguments else {
            return "tool_call(arguments=" + literal(arguments) + ")"
        }
        return "tool_call(" + members.map { $0.key + "=" + literal($0.value) }.joined(separator: ", ") + ")"
    }

    /// The Python literal of a JSON value: `True`, `None`, `"text"`, `[1, 2]`, `{"k": v}`.
    public static func literal(_ value: JSONValue) -> String {
        switch value {
        case .null: "None"
        case .bool(let flag): flag ? "True" : "False"
        case .int(let number): String(number)
        case .double(let number):
            if number.isNaN { "float('nan')" } else if number.isInfinite { number < 0 ? "-1e999" : "1e999" } else { value.pythonDumps() }
        case .string(let text): literal(text)
        case .array(let items): "[" + items.map(literal).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.map { literal($0.key) + ": " + literal($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// A string literal in double quotes: backslash, the quote, tab, newline and carriage return
    /// escaped; other characters Python does not print as they are (controls, format characters,
    /// separators other than the space) written as `\x`, `\u` or `\U` escapes, as `repr` writes them.
    public static func literal(_ text: String) -> String {
        let quote: Unicode.Scalar = "\""
        var output = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case quote, "\\": output += "\\" + String(scalar)
            case "\t": output += "\\t"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            default:
                if isPrintable(scalar) {
                    output.unicodeScalars.append(scalar)
                } else {
                    let (letter, width) = scalar.value < 0x100 ? ("x", 2) : scalar.value < 0x10000 ? ("u", 4) : ("U", 8)
                    let hex = String(scalar.value, radix: 16)
                    output += "\\" + letter + String(repeating: "0", count: width - hex.count) + hex
                }
            }
        }
        return output + String(quote)
    }

    /// Python's `str.isprintable` for one character: not a control, format, surrogate, private-use,
    /// unassigned or separator character (the ASCII space excepted).
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
