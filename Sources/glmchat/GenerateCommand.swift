import ArgumentParser
import Foundation
import GLMEngine

/// Token-level generation for checking the engine from outside; its flags and JSON are kept stable.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate from token ids or raw text and print ids, text and (optionally) logits as JSON.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Prompt token ids, comma separated (fed as they are).")
    var ids: String?

    @Option(help: "Prompt text, encoded as [gMASK] sop + text (plain completion).")
    var prompt: String?

    @Option(name: .customLong("max-tokens")) var maxTokens = 16
    @Option var temperature: Float = 0
    @Option(name: .customLong("top-p")) var topP: Float = 1
    @Option(name: .customLong("top-k")) var topK = 0
    @Option(name: .customLong("repeat-penalty")) var repeatPenalty: Float = 1
    @Option var seed: UInt64 = 0

    @Flag(name: .customLong("ignore-eos"), help: "Do not stop at stop tokens.")
    var ignoreEOS = false

    @Flag(help: "Print one JSON object: prompt_ids, ids, text (and logits).")
    var json = false

    @Flag(name: .customLong("dump-logits"), help: "With --json: the whole logit row that produced each id.")
    var dumpLogits = false

    @Flag(name: .customLong("dump-context"), help: "With --json: the token ids in the cache behind each id's logits.")
    var dumpContext = false

    func validate() throws {
        guard (ids == nil) != (prompt == nil) else { throw ValidationError("give exactly one of --ids and --prompt") }
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be >= 0") }
    }

    func run() async throws {
        do {
            let loaded = try ModelLoader.load(modelOptions.loadOptions(kind: nil))
            let engine = InferenceEngine(model: loaded.model, tokenizer: loaded.tokenizer, kind: loaded.kind,
                                         contextLimit: loaded.contextLimit, slidePolicy: modelOptions.slide,
                                         readAheadRows: modelOptions.readAhead,
                                         speculation: modelOptions.speculate.speculation())
            let promptIDs = try promptTokens(loaded.tokenizer)
            let sampling = SamplingSettings(temperature: temperature, topP: topP, topK: topK,
                                            repetitionPenalty: repeatPenalty)
            let request = GenerationRequest(prompt: promptIDs, sampling: sampling, seed: seed, maxTokens: maxTokens,
                                            stopTokens: ignoreEOS ? [] : engine.defaultStopTokens(),
                                            keepLogits: dumpLogits, keepContexts: dumpContext)
            var generated: [Int32] = []
            var text = ""
            var logits: [[Float]] = []
            var contexts: [[Int32]] = []
            for try await event in engine.generate(request) {
                switch event {
                case .token(let token):
                    generated.append(token.id)
                    text += token.text
                    if let row = token.logits { logits.append(row) }
                    if let context = token.context { contexts.append(context) }
                    if !json { FileHandle.standardOutput.write(Data(token.text.utf8)) }
                case .text(let piece):
                    text += piece
                    if !json { FileHandle.standardOutput.write(Data(piece.utf8)) }
                case .promptProgress, .finished, .contextSlid:
                    break
                }
            }
            if json {
                FileHandle.standardOutput.write(Data(GenerateJSON.render(
                    promptIDs: promptIDs, ids: generated, text: text, logits: dumpLogits ? logits : nil,
                    contexts: dumpContext ? contexts : nil).utf8))
            } else {
                print("")
            }
        } catch {
            exitWithError(error)
        }
    }

    private func promptTokens(_ tokenizer: Tokenizer) throws -> [Int32] {
        if let prompt { return tokenizer.encodePlain(prompt) }
        var result: [Int32] = []
        for part in (ids ?? "").split(separator: ",") {
            guard let id = Int32(part.trimmingCharacters(in: .whitespaces)), id >= 0 else {
                throw GLMError(.badValue, "--ids: \"\(part)\" is not a token id")
            }
            result.append(id)
        }
        guard !result.isEmpty else { throw GLMError(.badValue, "--ids is empty") }
        return result
    }
}

/// Writes the JSON by hand: logit rows are large, and floats must print in their shortest exact form.
enum GenerateJSON {
    static func render(promptIDs: [Int32], ids: [Int32], text: String, logits: [[Float]]?, contexts: [[Int32]]?) -> String {
        var out = "{\"prompt_ids\": [" + promptIDs.map(String.init).joined(separator: ", ") + "], "
        out += "\"ids\": [" + ids.map(String.init).joined(separator: ", ") + "], "
        out += "\"text\": " + quoted(text)
        if let logits {
            out += ", \"logits\": ["
            out += logits.map { row in "[" + row.map(number).joined(separator: ", ") + "]" }.joined(separator: ", ")
            out += "]"
        }
        if let contexts {
            out += ", \"contexts\": ["
            out += contexts.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: ", ")
            out += "]"
        }
        return out + "}\n"
    }

    static func number(_ value: Float) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return "\(value)"
    }

    static func quoted(_ text: String) -> String {
        JSONValue.string(text).pythonDumps()
    }
}
