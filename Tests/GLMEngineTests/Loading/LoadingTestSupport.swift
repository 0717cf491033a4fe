import Foundation
import Testing
@testable import GLMEngine

/// Paths and helpers shared by the `Loading...` suites.
enum LoadingFixtures {
    static var root: URL {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("the test bundle has no Fixtures directory")
        }
        return url
    }

    static var tiny: String { root.appendingPathComponent("tiny-chatglm3").path }
    static var llamaCppGGUF: String { root.appendingPathComponent("tiny-chatglm3/llamacpp-f32.gguf").path }
    static func format(_ name: String) -> String { root.appendingPathComponent("formats/\(name)").path }

    /// A fresh empty directory under the system temp directory.
    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("glmchat-loading-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// A copy of a fixture directory (or file) in a fresh temp directory; returns the copy's path.
    static func copy(_ source: String, named name: String? = nil) throws -> String {
        let dir = try temporaryDirectory()
        let target = (dir as NSString).appendingPathComponent(name ?? (source as NSString).lastPathComponent)
        try FileManager.default.copyItem(atPath: source, toPath: target)
        return target
    }

    static func read(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Writes the first `count` bytes of `source` to `target`.
    static func truncate(_ source: String, to count: Int, into target: String) throws {
        try write(Array(try read(source).prefix(count)), to: target)
    }

    /// Replaces every occurrence of `old` with `new` (same length, so offsets stay valid).
    static func patch(_ path: String, replacing old: String, with new: String) throws {
        let from = Array(old.utf8), to = Array(new.utf8)
        precondition(from.count == to.count)
        var bytes = try read(path)
        var i = 0
        var found = false
        while i + from.count <= bytes.count {
            if Array(bytes[i..<(i + from.count)]) == from {
                bytes.replaceSubrange(i..<(i + from.count), with: to)
                found = true
                i += from.count
            } else {
                i += 1
            }
        }
        #expect(found, "\(old) not found in \(path)")
        try write(bytes, to: path)
    }

    static func bytes(_ t: TensorRef) -> [UInt8] { Array(t.bytes) }

    /// The GLMError `body` throws (recording a failure if it throws something else or nothing).
    static func error(_ body: () throws -> Void) -> GLMError? {
        do {
            try body()
            Issue.record("expected an error, got none")
        } catch let error as GLMError {
            return error
        } catch {
            Issue.record("expected a GLMError, got \(error)")
        }
        return nil
    }

    /// The vocabulary of llama.cpp's tiny GGUF (its token arrays) with the tiny tokenizer.model bytes.
    static func tinyVocabulary() throws -> GGUFVocabulary {
        let m = try GGUFReader.read(path: llamaCppGGUF).metadata
        guard case .array(.string(let tokens)) = m["tokenizer.ggml.tokens"],
              case .array(.float32(let scores)) = m["tokenizer.ggml.scores"],
              case .array(.int32(let types)) = m["tokenizer.ggml.token_type"] else {
            throw GLMError(.badFormat, path: llamaCppGGUF, "fixture lacks token arrays")
        }
        let spm = try read(root.appendingPathComponent("tiny-chatglm3/tokenizer.model").path)
        return GGUFVocabulary(tokens: tokens, scores: scores, types: types, sentencePieceModel: spm)
    }

    /// The tiny model's tensors as GGUF sources, in llama.cpp's file order, from the fp32 safetensors.
    static func tinyTensorSources(skipping skipped: Set<String> = []) throws -> [GGUFTensorSource] {
        let order = try GGUFReader.read(path: llamaCppGGUF).tensors.map(\.name)
        let model = try ModelFiles.open(path: tiny)
        return try order.filter { !skipped.contains($0) }.map { ggufName in
            guard let hf = TensorNames.huggingFaceName(forGGUF: ggufName), let t = model.checkpoint[hf] else {
                throw GLMError(.missingTensor, path: tiny, "no tensor for \(ggufName)")
            }
            return GGUFTensorSource(name: ggufName, shape: t.shape, type: t.type) { [model] in
                _ = model  // keeps the mapping alive until the writer asks for the bytes
                return Array(t.bytes)
            }
        }
    }

    /// Writes the tiny model as a glmchat GGUF file at `path`.
    static func writeTinyGGUF(to path: String, metadata edit: (inout GGUFMetadata) -> Void = { _ in },
                              skipping: Set<String> = []) throws {
        let config = try ModelConfig.load(huggingFaceConfig: tiny + "/config.json")
        var metadata = try ChatGLMGGUF.metadata(config: config, name: "tiny-chatglm3", fileType: .f32,
                                                vocabulary: try tinyVocabulary(), path: path)
        edit(&metadata)
        try GGUFWriter.write(to: path, metadata: metadata, tensors: try tinyTensorSources(skipping: skipping))
    }
}
