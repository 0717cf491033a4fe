import Foundation
import Testing
@testable import GLMEngine

/// `convert` with a GGUF input: a file mixed as llama.cpp's Q4_K_M written again as q4_0 or f32.
@Suite("Loading: requantizing a GGUF file")
struct GGUFRequantizationTests {
    typealias F = LoadingFixtures

    /// A mixed Q4_K_M-style model file in a fresh directory (the caller removes the directory).
    static func mixedFile() throws -> (dir: String, path: String) {
        let dir = try F.temporaryDirectory()
        let path = dir + "/mixed.gguf"
        let config = KQuantModelFiles.mixedConfig
        try KQuantModelFiles.write(config, to: path) { name, shape in
            KQuantModelFiles.q4KMType(ggufName: name, shape: shape, layers: config.numLayers)
        }
        return (dir, path)
    }

    static func requantize(_ input: String, to type: StorageType, output: String,
                           sentencePieceModel: [UInt8]? = nil) throws -> [Int64] {
        var reports: [Int64] = []
        try GGUFConversion.requantize(try ModelFiles.open(path: input), to: type, sentencePieceModel: sentencePieceModel,
                                      output: output, threads: ComputeContext(threads: 2)) { done, total in
            reports.append(done)
            #expect(done <= total)
        }
        return reports
    }

    @Test("as q4_0: every matrix is the q4_0 of its decoded values; the vocabulary metadata is the input's")
    func toQ4_0() throws {
        let (dir, input) = try Self.mixedFile()
        defer { F.remove(dir) }
        let output = dir + "/q4_0.gguf"
        let reports = try Self.requantize(input, to: .q4_0, output: output)
        #expect(reports == reports.sorted() && reports.count > 2)
        #expect(Int64(try F.read(output).count) == reports.last)

        let before = try GGUFReader.read(path: input), after = try GGUFReader.read(path: output)
        for (key, value) in before.metadata.entries where key.hasPrefix("tokenizer.") {
            #expect(after.metadata[key] == value, "\(key) changed")
        }
        #expect(after.metadata["general.file_type"] == .uint32(2))
        #expect(after.metadata.keys == before.metadata.keys)

        let source = Dictionary(uniqueKeysWithValues: before.tensors.map { ($0.name, $0) })
        for tensor in after.tensors {
            let original = try #require(source[tensor.name])
            #expect(tensor.shape == original.shape)
            guard tensor.shape.count == 2 else {
                #expect(tensor.type == .f32)
                continue
            }
            #expect(tensor.type == .q4_0)
            let rows = tensor.shape[0], cols = tensor.shape[1]
            let decoded = Quant.dequantize(original.bytes.baseAddress.unsafelyUnwrapped, type: original.type, rows: rows, cols: cols)
            let expected = decoded.withUnsafeBufferPointer {
                Quant.quantize($0.baseAddress.unsafelyUnwrapped, rows: rows, cols: cols, to: .q4_0)
            }
            #expect(memcmp(expected.pointer, tensor.bytes.baseAddress.unsafelyUnwrapped, tensor.bytes.count) == 0, "\(tensor.name)")
        }
        withExtendedLifetime((before, after)) {}
    }

    @Test("as f32: every matrix holds exactly the values the engine decodes; the model computes the same")
    func toF32() throws {
        let (dir, input) = try Self.mixedFile()
        defer { F.remove(dir) }
        let output = dir + "/f32.gguf"
        _ = try Self.requantize(input, to: .f32, output: output)
        let mixed = try KQuantModelFiles.load(input), inspected = try KQuantModelFiles.load(output)
        #expect(inspected.weights.matrixType == .f32)
        let decoded = QuantizedModelTests.dequantized(mixed.weights)
        for (a, b) in [(decoded.output, inspected.weights.output), (decoded.layers[2].down, inspected.weights.layers[2].down),
                       (decoded.layers[0].qkv, inspected.weights.layers[0].qkv)] {
            #expect(memcmp(a.data, b.data, a.byteCount) == 0)
        }
        let reference = GLMModel(weights: decoded, compute: mixed.compute)
        let prompt: [Int32] = [3, 1, 4, 1, 5]
        let a = reference.forward(prompt, cache: KVCache(config: reference.config, maxPositions: 16), logits: .all)
        let b = inspected.forward(prompt, cache: KVCache(config: inspected.config, maxPositions: 16), logits: .all)
        #expect(a == b)
    }

    @Test("the same input gives the same bytes; a tokenizer.model given is embedded")
    func deterministicAndTokenizer() throws {
        let (dir, input) = try Self.mixedFile()
        defer { F.remove(dir) }
        _ = try Self.requantize(input, to: .q8_0, output: dir + "/a.gguf")
        _ = try Self.requantize(input, to: .q8_0, output: dir + "/b.gguf")
        #expect(try F.read(dir + "/a.gguf") == F.read(dir + "/b.gguf"))
        let model = try F.read(F.tiny + "/tokenizer.model")
        _ = try Self.requantize(input, to: .q8_0, output: dir + "/c.gguf", sentencePieceModel: model)
        let opened = try ModelFiles.open(path: dir + "/c.gguf")
        #expect(opened.tokenizer == .embedded(model))
    }

    @Test("a tensor that cannot be decoded stops the conversion and leaves no file behind")
    func failureLeavesNothing() throws {
        let (dir, input) = try Self.mixedFile()
        defer { F.remove(dir) }
        // Poison the fp16 d of the output matrix's last block (q6_K: d at byte 208 of 210).
        var bytes = try F.read(input)
        let end = try {
            let contents = try GGUFReader.read(path: input)
            let tensor = try #require(contents.tensors.first { $0.name == "output.weight" })
            let base = try #require(contents.file.base)
            return tensor.bytes.baseAddress.unsafelyUnwrapped - base + tensor.bytes.count
        }()
        bytes[end - 2] = 0x00
        bytes[end - 1] = 0x7C  // +inf
        try F.write(bytes, to: input)
        let output = dir + "/out.gguf"
        let error = F.error { _ = try Self.requantize(input, to: .q4_0, output: output) }
        #expect(error?.kind == .badValue)
        #expect(error?.problem.contains("output") == true, "\(error?.description ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["mixed.gguf"])
    }

    @Test("types glmchat does not write are refused before anything is written")
    func refusesReadOnlyTypes() throws {
        let (dir, input) = try Self.mixedFile()
        defer { F.remove(dir) }
        let error = F.error { _ = try Self.requantize(input, to: .q4_K, output: dir + "/out.gguf") }
        #expect(error?.problem == "GGUF conversion writes f32, f16, q8_0 or q4_0, not q4_K")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["mixed.gguf"])
    }
}
