import Foundation
import GLMEngine
import GLMInterpreter
import GLMStore
import GLMTerm
import GLMTools

/// Every reader of bytes from outside (files people download, write or edit), as a fuzz target.
/// Each takes any bytes and must either accept them or throw the reader's own error
/// (`GLMError`, or `ConfigError` for TOML): a trap, a sanitizer report, a hang or an allocation
/// far beyond the input is a finding.
enum FuzzTarget: String, CaseIterable, Sendable {
    case gguf, safetensors, torchZip = "torch-zip", pickle, configJSON = "config-json"
    case tokenizerModel = "tokenizer-model", configTOML = "config-toml", theme, sessionImport = "session-import"
    case interpreterFrames = "interpreter-frames"
    case toolCall = "tool-call"
    case terminalInput = "terminal-input"
    case memoryLimit = "memory-limit"

    /// What the target reads, for `glmfuzz list`.
    var summary: String {
        switch self {
        case .gguf: "a GGUF model file: header, metadata, tensors, shape, and the tokenizer it carries"
        case .safetensors: "a model.safetensors file"
        case .torchZip: "a PyTorch pytorch_model.bin (torch.save ZIP archive with its pickle)"
        case .pickle: "the data.pkl pickle inside a PyTorch checkpoint (wrapped in a stored ZIP here)"
        case .configJSON: "a Hugging Face config.json"
        case .tokenizerModel: "a SentencePiece tokenizer.model, then encoding and decoding a text with it"
        case .configTOML: "glmchat's config.toml"
        case .theme: "a theme file (themes/NAME.toml)"
        case .sessionImport: "a session export read by `glmchat sessions import`"
        case .interpreterFrames: "the code interpreter's answer frames and output streams from inside the sandbox"
        case .toolCall: "a model's reply read as the agent loop reads it (segments, tool_call literals, code), or a --tools file"
        case .terminalInput: "the bytes a terminal sends: keys, and bracketed pastes read in blocks"
        case .memoryLimit: "a cgroup memory limit file (memory.max, memory.limit_in_bytes), or /proc/self/cgroup's lines"
        }
    }

    /// Runs one input. Returns how the reader answered (for `glmfuzz run`); traps on an error of
    /// a kind the reader does not promise.
    func run(_ input: [UInt8], in workspace: FuzzWorkspace) -> String {
        do {
            try read(input, in: workspace)
            return "accepted"
        } catch let error as GLMError {
            return "refused: \(error)"
        } catch let error as ConfigError {
            return "refused: \(error)"
        } catch {
            fatalError("\(rawValue): the reader threw \(type(of: error)), not its own error type: \(error)")
        }
    }

    private func read(_ input: [UInt8], in workspace: FuzzWorkspace) throws {
        switch self {
        case .gguf:
            let model = try ModelFiles.open(path: try workspace.write(input, named: "model.gguf"))
            if model.tokenizer != .none { try exercise(try model.makeTokenizer()) }
        case .safetensors:
            try SafetensorsReader.read(path: try workspace.write(input, named: "model.safetensors"), into: Checkpoint())
        case .torchZip:
            try TorchCheckpointReader.read(path: try workspace.write(input, named: "pytorch_model.bin"), into: Checkpoint())
        case .pickle:
            let archive = StoredZip.torchCheckpoint(pickle: input)
            try TorchCheckpointReader.read(path: try workspace.write(archive, named: "pytorch_model.bin"), into: Checkpoint())
        case .configJSON:
            _ = try ModelConfig.load(huggingFaceConfig: try workspace.write(input, named: "config.json"))
        case .tokenizerModel:
            try exercise(try Tokenizer(modelBytes: input, source: "tokenizer.model"))
        case .configTOML:
            // config.toml is read as UTF-8 (ChatConfiguration.load refuses other bytes before parsing).
            guard let text = String(validating: input, as: UTF8.self) else { return }
            _ = try ChatConfiguration.parse(text, path: "config.toml", home: "/home/fuzz")
        case .theme:
            guard let text = String(validating: input, as: UTF8.self) else { return }
            _ = try ThemeLoader.parse(text, path: "theme.toml")
        case .sessionImport:
            try workspace.store().importSession(from: Data(input), path: "session.json", assignNewIDs: true)
        case .interpreterFrames:
            try InterpreterFuzzing.read(input)
        case .toolCall:
            // Replies are decoded text (the engine never hands on invalid UTF-8); a file starting
            // with "[" is a tool list for `run --tools`.
            let text = String(decoding: input, as: UTF8.self)
            if text.hasBytePrefix("[") {
                _ = try ToolListFile.parse(text, source: "tools.json")
                return
            }
            // the interpreter's code as the app's card shows it (the loop reads it through the report)
            _ = InterpreterCode.lastPythonBlock(in: text)
            let report = ReplyReport.read(text)
            for call in report.calls {
                do {
                    try ArgumentValidator.validate(call.arguments, against: Self.fuzzSchema, tool: call.name)
                } catch {
                    _ = error.reason
                }
            }
            if let error = report.error { throw GLMError(.badFormat, error) }
        case .terminalInput:
            TerminalInputFuzzing.read(input)
        case .memoryLimit:
            // a limit file holds a number or "max"; /proc/self/cgroup's lines hold colons
            if input.contains(UInt8(ascii: ":")) {
                _ = SystemMemory.limitFiles(cgroups: String(decoding: input, as: UTF8.self))
                return
            }
            _ = try SystemMemory.cgroupLimit(input)
        }
    }

    /// A schema with every kind of check, for the calls a fuzzed reply holds.
    private static let fuzzSchema = JSONValue.object([
        ("type", .string("object")),
        ("properties", .object([
            ("a", .object([("type", .string("string")), ("enum", .array([.string("x"), .string("y")]))])),
            ("b", .object([("type", .string("array")), ("items", .object([("type", .array([.string("integer"), .string("null")]))])),
                           ("maxItems", .int(3))])),
            ("c", .object([("type", .string("object")), ("required", .array([.string("d")])), ("additionalProperties", .bool(false)),
                           ("properties", .object([("d", .object([("type", .string("number")), ("minimum", .int(0))]))]))])),
        ])),
        ("required", .array([.string("a")])),
    ])

    /// Encodes and decodes a text that reaches byte fallback, digits, spaces and special tokens.
    private func exercise(_ tokenizer: Tokenizer) throws {
        let ids = tokenizer.encodeChat(Conversation(messages: [
            Message(sessionID: .unsaved, role: .user, content: "Hi  12 ½ 你好 \u{1F600}\n<|user|>")]))
        var stream = StreamingDetokenizer(tokenizer: tokenizer, showSpecialTokens: true)
        let streamed = ids.map { stream.append($0) }.joined() + stream.finish()
        guard streamed.utf8.elementsEqual(tokenizer.decode(ids, showSpecialTokens: true).utf8) else {
            fatalError("streaming and batch decoding differ for a tokenizer read from fuzzed bytes")
        }
    }
}
