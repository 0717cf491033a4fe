import GLMEngine
import GLMOpenAI

/// What a client is sent of an answer as it is written.
enum ReplyDelta: Equatable {
    case content(String)
    case toolCall(ToolCall)
}

/// Turns a backend's chat events into what an OpenAI client sees: content as it streams, cut before
/// a stop string (found by its bytes; a tail that may begin one waits for the next piece), and tool
/// calls. A reply's later segments follow `<|assistant|>` headers (SPEC section 7); a segment whose
/// metadata names an offered tool is held until it ends and then read by `ToolCallParser` (a call
/// that does not parse goes out as its content). Other metadata (`interpreter`, a tool not offered)
/// is dropped and the segment's content streams as text.
struct ReplyStreamer {
    private let stops: [[UInt8]]
    private let header: [UInt8]?
    private let offer: ToolOffer?
    private enum State {
        /// A chat reply before its first event.
        case start
        /// After an `<|assistant|>` header, before the end of its metadata line.
        case awaitingMetadata
        /// Text; `atStart`: the segment's leading whitespace is still to drop.
        case text(atStart: Bool)
        case tool(name: String, code: [UInt8])
        case done
    }
    private var state: State
    private var pending: [UInt8] = []
    private(set) var stoppedByString = false
    private(set) var toolCalls: [ToolCall] = []
    /// Why tool segments could not be read as calls (for the server's log).
    private(set) var unreadableCalls: [String] = []

    /// `segmented`: a chat reply (metadata line, `<|assistant|>` segments); otherwise plain text.
    init(stops: [ExactText], toolOffer: ToolOffer?, segmented: Bool) {
        self.stops = stops.map(\.utf8).filter { !$0.isEmpty }
        header = segmented ? Array(ToolCallParser.segmentHeader.utf8) : nil
        offer = toolOffer
        state = segmented ? .start : .text(atStart: false)
    }

    mutating func take(_ event: ChatEvent) -> [ReplyDelta] {
        guard !stoppedByString else { return [] }
        switch event {
        case .metadata(let metadata):
            if case .start = state { state = segmentState(metadata: metadata) }
            return []
        case .text(let text):
            // The first segment's leading whitespace is gone already (the backend split its metadata line).
            if case .start = state { state = .text(atStart: false) }
            pending += text.utf8
            return process(final: false)
        case .promptProgress, .progress, .contextSlid, .finished:
            return []
        }
    }

    /// What is still held when the answer has ended.
    mutating func finish() -> [ReplyDelta] {
        guard !stoppedByString else { return [] }
        return process(final: true)
    }

    private func segmentState(metadata: String) -> State {
        let name = ToolCallParser.trimmed(metadata)
        if let offer, !name.isEmpty, offer.offers(name) { return .tool(name: name, code: []) }
        return .text(atStart: true)
    }

    private mutating func process(final: Bool) -> [ReplyDelta] {
        var out: [ReplyDelta] = []
        while true {
            switch state {
            case .start, .done:
                return out
            case .awaitingMetadata:
                if let newline = pending.firstIndex(of: 0x0A) {
                    let metadata = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeFirst(newline + 1)
                    state = segmentState(metadata: metadata)
                } else if final || pending.count > ReplySplitter.maxMetadataLength {
                    state = .text(atStart: true)
                } else {
                    return out
                }
            case .text(let atStart):
                if atStart {
                    let text = String(decoding: pending, as: UTF8.self)
                    let rest = text.drop(while: \.isWhitespace)
                    pending = Array(rest.utf8)
                    if rest.isEmpty, !final { return out }
                    state = .text(atStart: false)
                }
                var markers = stops
                if let header { markers.append(header) }
                if let (position, marker) = Self.earliest(of: markers, in: pending) {
                    if position > 0 { out.append(.content(String(decoding: pending[..<position], as: UTF8.self))) }
                    if let header, marker == header {
                        pending.removeFirst(position + marker.count)
                        state = .awaitingMetadata
                        continue
                    }
                    stoppedByString = true
                    pending = []
                    state = .done
                    return out
                }
                let keep = final ? 0 : Self.heldTail(of: pending, markers: markers)
                if pending.count > keep {
                    out.append(.content(String(decoding: pending[..<(pending.count - keep)], as: UTF8.self)))
                    pending.removeFirst(pending.count - keep)
                }
                if final { state = .done }
                return out
            case .tool(let name, var code):
                if let header, let (position, _) = Self.earliest(of: [header], in: pending) {
                    code += pending[..<position]
                    pending.removeFirst(position + header.count)
                    out += closeTool(name: name, code: code)
                    state = .awaitingMetadata
                    continue
                }
                if final {
                    out += closeTool(name: name, code: code + pending)
                    pending = []
                    state = .done
                    return out
                }
                let keep = header.map { Self.heldTail(of: pending, markers: [$0]) } ?? 0
                code += pending[..<(pending.count - keep)]
                pending.removeFirst(pending.count - keep)
                state = .tool(name: name, code: code)
                return out
            }
        }
    }

    private mutating func closeTool(name: String, code: [UInt8]) -> [ReplyDelta] {
        let content = String(decoding: code, as: UTF8.self)
        do {
            let call = try ToolCallParser.parseCall(name: name, content: content)
            toolCalls.append(call)
            return [.toolCall(call)]
        } catch {
            unreadableCalls.append("\(name): \(error)")
            return content.isEmpty ? [] : [.content(content)]
        }
    }

    /// The first place any marker occurs (a stop string before the header at the same place).
    static func earliest(of markers: [[UInt8]], in bytes: [UInt8]) -> (Int, [UInt8])? {
        guard !bytes.isEmpty else { return nil }
        var best: (Int, [UInt8])?
        for marker in markers where !marker.isEmpty && marker.count <= bytes.count {
            var index = 0
            let limit = best.map { min($0.0, bytes.count - marker.count) } ?? bytes.count - marker.count
            while index <= limit {
                if bytes[index] == marker[0], bytes[index..<(index + marker.count)].elementsEqual(marker) {
                    if best.map({ index < $0.0 }) ?? true { best = (index, marker) }
                    break
                }
                index += 1
            }
        }
        return best
    }

    /// How many bytes at the end could be the start of a marker (kept until the next piece decides).
    static func heldTail(of bytes: [UInt8], markers: [[UInt8]]) -> Int {
        let longest = markers.map(\.count).max() ?? 0
        var length = min(bytes.count, longest - 1)
        while length > 0 {
            let tail = bytes[(bytes.count - length)...]
            if markers.contains(where: { $0.count > length && $0.starts(with: tail) }) { return length }
            length -= 1
        }
        return 0
    }
}
