/// A tool call a chat reply asks for: the tool's name and its keyword arguments.
public struct ToolCall: Sendable, Equatable {
    public var name: String
    /// The keyword arguments as a JSON object, in the order they were written.
    public var arguments: JSONValue

    public init(name: String, arguments: JSONValue) {
        self.name = name
        self.arguments = arguments
    }

    /// The arguments as JSON text, as OpenAI's `arguments` field carries them (and as the original
    /// API server writes them: `json.dumps(arguments, ensure_ascii=False)`).
    public var argumentsJSON: String { arguments.pythonDumps() }
}

/// One segment of a chat reply. A reply may hold several, each after an `<|assistant|>` header
/// (SPEC section 7): the first line is the metadata (empty for plain text, a tool name for a tool
/// call, `interpreter` for code), the rest the content.
public struct ReplySegment: Sendable, Equatable {
    /// The metadata line without surrounding whitespace.
    public var metadata: String
    /// The content; a plain-text segment's is trimmed, a tool segment's kept as written.
    public var content: String

    public init(metadata: String, content: String) {
        self.metadata = metadata
        self.content = content
    }

    /// A segment with a tool name (or `interpreter`) rather than plain text.
    public var hasMetadata: Bool { !metadata.isEmpty }
}

/// Reads the tool calls of ChatGLM3 replies without running them. The original code `eval`s the
/// fenced `tool_call(...)` block, which runs whatever the model wrote; this reads the literal grammar
/// only (keyword arguments whose values are Python literals) and refuses everything else with a message
/// naming what it found and where. Input size and nesting depth are bounded.
public enum ToolCallParser {
    /// The most bytes of code one call may hold.
    public static let maximumCodeBytes = 256 * 1024
    /// The deepest nesting of lists, tuples and dicts inside one argument.
    public static let maximumDepth = 64
    /// The text the `<|assistant|>` token stands for in a reply: a new segment starts after it.
    public static let segmentHeader = "<|assistant|>"

    // MARK: Segments

    /// The segments of a reply, given as a backend streams it: its metadata line and its content
    /// (where later segments follow `<|assistant|>` headers). Empty plain-text segments are dropped.
    public static func segments(metadata: String, content: String) -> [ReplySegment] {
        segments(ofRawReply: metadata + "\n" + content)
    }

    /// The segments of a reply's raw text (the metadata line, "\n", the content; later segments after
    /// `<|assistant|>` headers), split as the original `process_response` splits them. The header is
    /// found by its bytes.
    public static func segments(ofRawReply raw: String) -> [ReplySegment] {
        split(raw, at: segmentHeader).compactMap { part in
            let (metadataLine, rest) = splitFirstLine(part)
            let metadata = trimmed(metadataLine)
            if metadata.isEmpty {
                let text = trimmed(rest)
                return text.isEmpty ? nil : ReplySegment(metadata: "", content: text)
            }
            return ReplySegment(metadata: metadata, content: rest)
        }
    }

    // MARK: Calls

    /// The tool call of a segment whose metadata is the tool's name: its content is a fenced python
    /// block (text around it is allowed and ignored; without fences the whole content is the code)
    /// holding `tool_call(key=value, ...)`.
    public static func parseCall(name: String, content: String) throws -> ToolCall {
        ToolCall(name: name, arguments: try parseArguments(code: try code(in: content)))
    }

    /// The arguments of `tool_call(key=value, ...)` as a JSON object in the order written.
    public static func parseArguments(code: String) throws -> JSONValue {
        guard code.utf8.count <= maximumCodeBytes else {
            throw GLMError(.badFormat, "tool call: the code has \(code.utf8.count) bytes; at most \(maximumCodeBytes) are read")
        }
        var parser = PythonLiteralParser(code, maximumDepth: maximumDepth)
        parser.skipTrivia()
        guard !parser.atEnd else { throw GLMError(.badFormat, "tool call: the code block is empty") }
        guard parser.isIdentifierStart(at: parser.index) else {
            throw parser.failure("expected tool_call(…), found \(parser.describeHere())")
        }
        let calleeStart = parser.index
        let callee = parser.readIdentifier()
        guard callee.isByteEqual(to: "tool_call") else {
            throw parser.failure("expected tool_call(…), found `\(callee)`: only tool_call with literal arguments is read",
                                 at: calleeStart)
        }
        parser.skipTrivia()
        guard parser.consume("(") else { throw parser.failure("expected `(` after tool_call") }
        var arguments: [(key: String, value: JSONValue)] = []
        while true {
            parser.skipTrivia()
            if parser.consume(")") { break }
            arguments.append(try parseKeywordArgument(&parser, after: arguments))
            parser.skipTrivia()
            if parser.consume(")") { break }
            guard parser.consume(",") else { throw parser.unexpectedAfterValue(expecting: "`,` or `)`") }
        }
        parser.skipTrivia()
        guard parser.atEnd else {
            throw parser.failure("text after the call (\(parser.describeHere())): the block must hold one tool_call(…) and nothing else")
        }
        return .object(arguments)
    }

    private static let keywords: Set<ExactText> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    private static func parseKeywordArgument(_ parser: inout PythonLiteralParser,
                                             after earlier: [(key: String, value: JSONValue)]) throws -> (key: String, value: JSONValue) {
        let start = parser.index
        if parser.peek() == UInt8(ascii: "*") { throw parser.failure("unpacking (`*` or `**`) is not allowed: only literals are") }
        guard parser.isIdentifierStart(at: parser.index) else {
            throw parser.failure("positional arguments are not allowed: tool_call takes keyword arguments only (name=value)")
        }
        let name = parser.readIdentifier()
        parser.skipTrivia()
        guard parser.peek() == UInt8(ascii: "="), parser.peek(1) != UInt8(ascii: "=") else {
            parser.index = start
            throw parser.failure("positional arguments are not allowed: tool_call takes keyword arguments only (name=value)")
        }
        if keywords.contains(ExactText(name)) { throw parser.failure("`\(name)` is a Python keyword, not an argument name", at: start) }
        if earlier.contains(where: { $0.key.isByteEqual(to: name) }) {
            throw parser.failure("keyword argument `\(name)` is repeated", at: start)
        }
        parser.index += 1
        return (name, try parser.parseValue(depth: 1))
    }

    /// The code of the first fenced block in `content` (```python, ```py or a bare ```), or the whole
    /// content when it has no fence.
    static func code(in content: String) throws -> String {
        let lines = content.split(separator: "\n", omittingEmptySubsequences: false)
        guard let open = lines.firstIndex(where: { trimmed(String($0)).hasBytePrefix("```") }) else { return content }
        let language = trimmed(String(trimmed(String(lines[open])).dropFirst(3)))
        guard ["", "python", "py", "python3"].contains(where: { language.isByteEqual(to: $0) }) else {
            throw GLMError(.badFormat, "tool call: a ```\(language) block is not a python tool_call(…)")
        }
        guard let close = lines[(open + 1)...].firstIndex(where: { trimmed(String($0)).isByteEqual(to: "```") }) else {
            throw GLMError(.badFormat, "tool call: the ``` block is not closed (was the reply cut short?)")
        }
        return lines[(open + 1)..<close].joined(separator: "\n")
    }

    // MARK: Text by bytes

    /// `text` split at every occurrence of `separator`, by bytes.
    public static func split(_ text: String, at separator: String) -> [String] {
        let bytes = Array(text.utf8), mark = Array(separator.utf8)
        var parts: [String] = []
        var start = 0, index = 0
        while index + mark.count <= bytes.count {
            if bytes[index] == mark[0], bytes[index..<(index + mark.count)].elementsEqual(mark) {
                parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
                index += mark.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(String(decoding: bytes[start...], as: UTF8.self))
        return parts
    }

    private static func splitFirstLine(_ text: String) -> (String, String) {
        guard let newline = text.utf8.firstIndex(of: 0x0A) else { return ("", text) }
        return (String(text[..<newline]), String(text[text.utf8.index(after: newline)...]))
    }

    /// Without leading and trailing whitespace (Python's `str.strip()`).
    public static func trimmed(_ text: String) -> String { text.pythonStripped }
}
