import ArgumentParser
import Foundation
import GLMEngine

/// Converts a checkpoint (a Hugging Face directory or a GGUF file) to one GGUF file that holds the
/// model and its tokenizer, quantized to int4 by default. A GGUF input (any type glmchat reads, mixed
/// as llama.cpp mixes them) is requantized and keeps its vocabulary metadata; `--tokenizer` then
/// embeds that tokenizer.model in the output too.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a ChatGLM3 checkpoint to a self-contained GGUF file (q4_0 by default).")

    @Option(help: "A Hugging Face ChatGLM3 directory (or a GGUF file).") var model: String
    @Option(help: "tokenizer.model, when the model has none beside it.") var tokenizer: String?
    @Option(help: "Matrix precision: q4_0, q8_0, f16 or f32.") var type: StorageType = .q4_0
    @Option(name: .shortAndLong, help: "The GGUF file to write.") var output: String
    @Option(help: "The model name stored in the file (default: the checkpoint's folder name).") var name: String?
    @Option(help: "Threads for quantization (default: physical cores).") var threads: Int?

    func run() throws {
        do {
            let opened = try ModelFiles.open(path: model)
            let compute = ComputeContext(threads: threads ?? ComputeContext.physicalCores)
            var bar: ProgressBar?
            let progress = { (done: Int64, total: Int64) in
                if bar == nil { bar = ProgressBar(label: "writing", total: total) }
                bar?.update(done)
            }
            if opened.format == .gguf {
                let embedded = try tokenizer.map { try Tokenizer(modelPath: $0).serializedModel }
                try GGUFConversion.requantize(opened, to: type, name: name, sentencePieceModel: embedded, output: output,
                                              threads: compute, progress: progress)
            } else {
                let tokenizerModel = try opened.makeTokenizer(override: tokenizer)
                let modelName = name ?? URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
                try GGUFConversion.convert(opened, tokenizer: tokenizerModel, to: type, name: modelName, output: output,
                                           threads: compute, progress: progress)
            }
            FileHandle.standardError.write(Data("wrote \(output)\n".utf8))
        } catch {
            exitWithError(error)
        }
    }
}
