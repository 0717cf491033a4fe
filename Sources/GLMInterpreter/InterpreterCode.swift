import GLMConversation

/// The code of an interpreter call: the one rule the agent loop, the app's code card, `tools parse`
/// and `run --interpreter` share for "the last python block" of a reply.
///
/// It reads fences as ChatGLM3's demo does (`re.findall(r'```([^\n]*)\n(.*?)```', text, re.DOTALL)`,
/// then the last match): a fence opens wherever three backticks stand, its language is the rest of
/// that line, and the block ends at the next three backticks, on its own line or not. Unlike the
/// demo, only a block labelled as Python (`python`, `py`, `python3`, in any case, or no label) is
/// code: a ```` ```text ```` or ```` ```result ```` block the model writes after its code is not run.
/// The block's last line break (and the indentation of a closing fence) is left out, and role
/// tokens written into the code (`<|observation|>`, …) are removed, as the demo does.
public enum InterpreterCode {
    public struct Block: Sendable, Equatable {
        /// The fence's label as written (trimmed), empty when there is none.
        public var language: String
        /// The code to run.
        public var code: String
        /// The reply's text before the block's fence, trimmed (a card shows it above the code).
        public var textBefore: String
    }

    /// The labels of a Python block (compared after ASCII lower-casing, by bytes).
    static let pythonLabels = ["", "python", "py", "python3"]
    /// Role tokens the demo removes from the code.
    static let roleTokens = ["<|observation|>", "<|assistant|>interpreter", "<|assistant|>", "<|user|>", "<|system|>"]

    /// The last Python block of `content`; nil when it has none (an unterminated block is none).
    public static func lastPythonBlock(in content: String) -> Block? {
        let bytes = Array(content.utf8)
        let fence: [UInt8] = Array("```".utf8)
        var found: Block?
        var from = 0
        while let open = firstIndex(of: fence, in: bytes, from: from) {
            let labelStart = open + fence.count
            guard let lineEnd = bytes[labelStart...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            let bodyStart = lineEnd + 1
            guard let close = firstIndex(of: fence, in: bytes, from: bodyStart) else { break }
            let label = String(decoding: bytes[labelStart..<lineEnd], as: UTF8.self).pythonStripped
            if pythonLabels.contains(where: { asciiLowercased(label).isByteEqual(to: $0) }) {
                found = Block(language: label, code: cleaned(Array(bytes[bodyStart..<close])),
                              textBefore: String(decoding: bytes[..<open], as: UTF8.self).pythonStripped)
            }
            from = close + fence.count
        }
        return found
    }

    /// The code of the last Python block of `content`, nil when it has none.
    public static func lastBlock(in content: String) -> String? {
        lastPythonBlock(in: content)?.code
    }

    /// The body without role tokens and without its last line break (plus a closing fence's indent).
    private static func cleaned(_ body: [UInt8]) -> String {
        var bytes = body
        for token in roleTokens { bytes = removing(Array(token.utf8), from: bytes) }
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        if end > 0, bytes[end - 1] == UInt8(ascii: "\n") {
            end -= 1
            if end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            bytes.removeSubrange(end...)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func removing(_ needle: [UInt8], from bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == needle[0], index + needle.count <= bytes.count,
               bytes[index..<(index + needle.count)].elementsEqual(needle) {
                index += needle.count
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    private static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
