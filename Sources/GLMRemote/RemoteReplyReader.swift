import Foundation
import GLMEngine
import GLMOpenAI

/// Turns the stream chunks of a remote answer into chat events as the local engine sends them:
/// content as text, tool calls (collected by index across chunks) as a tool turn at the end
/// (metadata = the tool's name, content = the fenced `tool_call(...)` block; after text, behind an
/// `<|assistant|>` header), the finish reason, and the figures from `usage` (else counted here).
struct RemoteReplyReader: Sendable {
    private let onEvent: @Sendable (ChatEvent) -> Void
    private let contextWindow: Int
    /// The stop ids the request sent; the first stands for a plain "stop", the last for a tool call.
    private let stopIDs: [Int32]
    private let started = DispatchTime.now().uptimeNanoseconds
    private var firstDelta: UInt64?
    private var lastDelta: UInt64?
    private var calls: [Int: (name: String, arguments: String)] = [:]
    private var wroteText = false
    private(set) var finishReason: String?
    /// The token the server says it stopped at (vLLM's `stop_reason`), when it is one of `stopIDs`.
    private(set) var stoppedAt: Int32?
    private(set) var usage: JSONValue?
    private(set) var chunks = 0
    private(set) var serverError: String?

    init(contextWindow: Int, stopIDs: [Int32], onEvent: @escaping @Sendable (ChatEvent) -> Void) {
        self.contextWindow = contextWindow
        self.stopIDs = stopIDs
        self.onEvent = onEvent
    }

    /// One event's data (a JSON chunk); false once the stream is over (`[DONE]`).
    mutating func take(_ data: String) -> Bool {
        if data.isByteEqual(to: "[DONE]") { return false }
        guard let chunk = try? JSONValue.parse(data) else { return true }
        if let error = chunk["error"] {
            serverError = error["message"]?.stringValue ?? error.stringValue ?? data
            return false
        }
        // vLLM's error event is the error object itself: {"object": "error", "message": ...}
        if chunk["object"]?.stringValue?.isByteEqual(to: "error") == true {
            serverError = chunk["message"]?.stringValue ?? data
            return false
        }
        if let usage = chunk["usage"], usage != .null { self.usage = usage }
        guard let choice = chunk["choices"]?.arrayValue?.first else { return true }
        if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
        if case .int(let token)? = choice["stop_reason"], let id = Int32(exactly: token), stopIDs.contains(id) { stoppedAt = id }
        let text = choice["delta"]?["content"]?.stringValue ?? choice["text"]?.stringValue ?? ""
        if !text.isEmpty {
            mark()
            wroteText = true
            onEvent(.text(text))
            onEvent(.progress(progress()))
        }
        for (position, call) in (choice["delta"]?["tool_calls"]?.arrayValue ?? []).enumerated() {
            let index = call["index"].flatMap { if case .int(let value) = $0 { value } else { nil } } ?? position
            var entry = calls[index] ?? ("", "")
            entry.name += call["function"]?["name"]?.stringValue ?? ""
            entry.arguments += call["function"]?["arguments"]?.stringValue ?? ""
            calls[index] = entry
            mark()
        }
        if let function = choice["delta"]?["function_call"] {
            var entry = calls[0] ?? ("", "")
            entry.name += function["name"]?.stringValue ?? ""
            entry.arguments += function["arguments"]?.stringValue ?? ""
            calls[0] = entry
            mark()
        }
        return true
    }

    private mutating func mark() {
        let now = DispatchTime.now().uptimeNanoseconds
        firstDelta = firstDelta ?? now
        lastDelta = now
        chunks += 1
    }

    private func progress() -> GenerationProgress {
        let seconds = Double((lastDelta ?? 0) - (firstDelta ?? 0)) / 1e9
        return GenerationProgress(generatedTokens: chunks, generationSeconds: seconds, contextUsed: 0, contextWindow: contextWindow)
    }

    /// Sends the collected tool calls as tool turns.
    mutating func flushToolCalls() {
        for index in calls.keys.sorted() {
            guard let call = calls[index], !call.name.isEmpty else { continue }
            let arguments = (try? JSONValue.parse(call.arguments.isEmpty ? "{}" : call.arguments)) ?? .string(call.arguments)
            let block = ToolCallFormatter.content(arguments: arguments)
            if wroteText {
                onEvent(.text(ToolCallParser.segmentHeader + call.name + "\n" + block))
            } else {
                onEvent(.metadata(call.name))
                onEvent(.text(block))
            }
            wroteText = true
        }
        calls = [:]
    }

    /// How the answer ended, by the server's `finish_reason`; nil when it never said (the stream broke).
    var outcome: FinishReason? {
        if let serverError { return .failed("the server reported: \(serverError)") }
        guard let finishReason, let plainStop = stopIDs.first, let toolCallStop = stopIDs.last else { return nil }
        switch ExactText(finishReason) {
        case "stop": return .stopToken(stoppedAt ?? plainStop)
        case "tool_calls", "function_call": return .stopToken(toolCallStop)
        case "length": return .maxTokens
        default: return .failed("the server ended the answer (\(finishReason))")
        }
    }

    /// The figures: the server's `usage` where it sent one, else the chunks counted here; times on
    /// this side's clock (the request's start to the first delta, first to last delta).
    var stats: GenerationStats {
        var stats = GenerationStats()
        func int(_ value: JSONValue?) -> Int? { if case .int(let number)? = value { number } else { nil } }
        stats.promptTokens = int(usage?["prompt_tokens"]) ?? 0
        stats.reusedTokens = int(usage?["prompt_tokens_details"]?["cached_tokens"]) ?? 0
        stats.generatedTokens = int(usage?["completion_tokens"]) ?? chunks
        stats.promptSeconds = Double((firstDelta ?? started) - started) / 1e9
        stats.generationSeconds = Double((lastDelta ?? 0) - (firstDelta ?? 0)) / 1e9
        stats.contextUsed = stats.promptTokens + stats.generatedTokens
        stats.contextWindow = contextWindow
        return stats
    }
}
