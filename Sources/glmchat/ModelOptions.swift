import ArgumentParser
import Foundation
import GLMEngine

extension StorageType: ExpressibleByArgument {}
extension KernelPath: ExpressibleByArgument {}
extension SlidePolicy: ExpressibleByArgument {}
extension SpeculationMode: ExpressibleByArgument {}
extension KVCacheType: ExpressibleByArgument {}

/// The options every command that loads a model shares.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A GGUF file or a Hugging Face ChatGLM3 directory.")
    var model: String?

    @Option(name: .long, help: "tokenizer.model to use when the model file does not embed one.")
    var tokenizer: String?

    @Option(name: .long, help: "Weight precision when loading: f32, f16, q8_0, q4_0 (default: q4_0 for a checkpoint directory, the file's own for GGUF).")
    var type: StorageType?

    @Option(name: .long, help: "Threads for the matrix kernels (default: physical cores).")
    var threads: Int?

    @Option(name: .customLong("ctx-size"), help: "Limit the context window to N tokens.")
    var contextSize: Int?

    @Option(help: "How a full window slides: exact (equals a fresh run over the kept text; the kept part is read ahead while the window fills) or shift (moves the cache and turns its keys back; drifts).")
    var slide: SlidePolicy = .exact

    @Option(name: .customLong("read-ahead"), help: "Rows of the next exact slide's kept part read alongside each generated token while the window fills (0-16; default 1, the smoothest; 0 reads it all at the slide, a pause).")
    var readAhead: Int = CachedSequence.defaultReadAheadRows

    @Option(help: "Speculative decoding: ngram (guesses from the conversation, checked several at a time in one pass; the same answer, faster where text repeats) or off.")
    var speculate: SpeculationMode = .standard

    @Option(name: .customLong("cache-type"), help: "How the KV cache stores keys and values: f16 (exact) or q8_0 (int8 blocks: half the memory, a small drift; see the README).")
    var cacheType: KVCacheType = .f16

    func validate() throws {
        guard (0...16).contains(readAhead) else {
            throw ValidationError("--read-ahead must be between 0 and 16 rows per token, not \(readAhead)")
        }
    }

    func loadOptions(kind: ModelKind?) throws -> ModelLoadOptions {
        guard let model else { throw ValidationError("--model PATH is required") }
        return ModelLoadOptions(path: model, tokenizerPath: tokenizer, matrixType: type, threads: threads,
                                contextLimit: contextSize, kind: kind, cacheType: cacheType)
    }
}

/// Prints an engine error as one line on stderr and exits non-zero (no stack trace for bad input).
func exitWithError(_ error: Error) -> Never {
    var stderr = StandardError()
    print("glmchat: \(error)", to: &stderr)
    exit(1)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
