import GLMConversation
import GLMEngine
import GLMInterpreter

/// A reply read as the agent loop reads it, for `glmchat tools parse`: its segments, the calls they
/// hold, and the first problem (the text the model would get back as the observation).
public struct ReplyReport: Sendable, Equatable {
    public var segments: [ReplySegment]
    public var calls: [ToolCall]
    public var error: String?

    /// Reads the raw text of a reply: the metadata line, then the content, further segments after
    /// `<|assistant|>`. A segment with metadata `interpreter` gives a call named `interpreter` with
    /// `{"code": …}` (its last python block); any other metadata a `tool_call(...)`.
    public static func read(_ raw: String) -> ReplyReport {
        let segments = ToolCallParser.segments(ofRawReply: raw)
        var calls: [ToolCall] = []
        var problem: String?
        for segment in segments where segment.hasMetadata {
            if segment.metadata.isByteEqual(to: AgentLoop.interpreterMetadata) {
                if let code = InterpreterCode.lastBlock(in: segment.content) {
                    calls.append(ToolCall(name: segment.metadata, arguments: .object([("code", .string(code))])))
                } else if problem == nil {
                    problem = "interpreter: no fenced ```python block"
                }
                continue
            }
            do {
                calls.append(try ToolCallParser.parseCall(name: segment.metadata, content: segment.content))
            } catch {
                if problem == nil { problem = "\(segment.metadata): \(error)" }
            }
        }
        return ReplyReport(segments: segments, calls: calls, error: problem)
    }

    /// `{"segments": [{"metadata", "content"}], "tool_calls": [{"name", "arguments"}], "error": …}`.
    public var json: JSONValue {
        .object([
            ("segments", .array(segments.map { .object([("metadata", .string($0.metadata)), ("content", .string($0.content))]) })),
            ("tool_calls", .array(calls.map { .object([("name", .string($0.name)), ("arguments", $0.arguments)]) })),
            ("error", error.map(JSONValue.string) ?? .null),
        ])
    }
}
