import Foundation
import Testing
@testable import GLMEngine

@Suite("Generation: model loader (what run, generate and the app load through)")
struct ModelLoaderTests {
    @Test("a checkpoint directory loads as q4_0 by default, as a chat model with its own window")
    func directoryDefaults() throws {
        let loaded = try ModelLoader.load(ModelLoadOptions(path: Fixtures.tinyModel))
        #expect(loaded.model.weights.matrixType == .q4_0)
        #expect(loaded.kind == .chat)
        #expect(loaded.contextLimit == 512)
        #expect(loaded.tokenizer.realVocabSize == 1009)
    }

    @Test("--ctx-size limits the window; the model's own window is the ceiling")
    func contextLimit() throws {
        #expect(try ModelLoader.load(ModelLoadOptions(path: Fixtures.tinyModel, contextLimit: 100)).contextLimit == 100)
        #expect(try ModelLoader.load(ModelLoadOptions(path: Fixtures.tinyModel, contextLimit: 100_000)).contextLimit == 512)
        #expect(throws: GLMError.self) { try ModelLoader.load(ModelLoadOptions(path: Fixtures.tinyModel, contextLimit: 1)) }
    }

    @Test("a converted GGUF carries its tokenizer and computes exactly what the directory does")
    func convertedGGUF() throws {
        let dir = try LoadingFixtures.temporaryDirectory()
        defer { LoadingFixtures.remove(dir) }
        let output = dir + "/tiny-q8.gguf"
        let opened = try ModelFiles.open(path: Fixtures.tinyModel)
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        var reports: [Int64] = []
        try GGUFConversion.convert(opened, tokenizer: tokenizer, to: .q8_0, name: "tiny", output: output,
                                   threads: ComputeContext(threads: 2)) { done, _ in reports.append(done) }
        #expect(reports == reports.sorted())
        let fromFile = try ModelLoader.load(ModelLoadOptions(path: output))
        let fromDirectory = try ModelLoader.load(ModelLoadOptions(path: Fixtures.tinyModel, matrixType: .q8_0))
        #expect(fromFile.model.weights.matrixType == .q8_0)
        #expect(fromFile.tokenizer.serializedModel == tokenizer.serializedModel)
        let prompt = tokenizer.encodePlain("Hello world, 你好")
        let a = fromFile.model.forward(prompt, cache: KVCache(config: fromFile.model.config, maxPositions: 64), logits: .all)
        let b = fromDirectory.model.forward(prompt, cache: KVCache(config: fromDirectory.model.config, maxPositions: 64), logits: .all)
        #expect(a == b)
    }

    @Test("llama.cpp's GGUF has no tokenizer inside: it loads with the tokenizer rebuilt from its vocabulary, or with the one named")
    func llamaCppLoadsWithItsVocabulary() throws {
        let path = Fixtures.tinyModel + "/llamacpp-f32.gguf"
        let tokenizerPath = Fixtures.tinyModel + "/tokenizer.model"
        let rebuilt = try ModelLoader.load(ModelLoadOptions(path: path))
        let named = try ModelLoader.load(ModelLoadOptions(path: path, tokenizerPath: tokenizerPath))
        #expect(named.tokenizer.serializedModel == (try LoadingFixtures.read(tokenizerPath)))
        let text = "Hello world, 你好 12345"
        #expect(rebuilt.tokenizer.encodePlain(text) == named.tokenizer.encodePlain(text))
        #expect(rebuilt.model.weights.matrixType == .f32)
    }

    /// Overwrites element `index` of tensor `name` in a safetensors file with `value`.
    static func poison(_ file: String, tensor name: String, index: Int, with value: Float) throws {
        var bytes = try LoadingFixtures.read(file)
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any]
        let entry = try #require(header?[name] as? [String: Any])
        let offsets = try #require(entry["data_offsets"] as? [Int])
        let at = 8 + headerLength + offsets[0] + 4 * index
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) }
        try LoadingFixtures.write(bytes, to: file)
    }

    @Test("NaN or Inf in a weight matrix or a norm is refused, naming the file and the tensor",
          arguments: [("transformer.encoder.layers.1.mlp.dense_4h_to_h.weight", Float.nan),
                      ("transformer.output_layer.weight", Float.infinity),
                      ("transformer.encoder.layers.0.input_layernorm.weight", -Float.infinity)])
    func nonFiniteWeights(tensor: String, value: Float) throws {
        let dir = try LoadingFixtures.copy(Fixtures.tinyModel)
        defer { LoadingFixtures.remove((dir as NSString).deletingLastPathComponent) }
        try Self.poison(dir + "/model.safetensors", tensor: tensor, index: 37, with: value)
        for type in [StorageType.f32, .q4_0] {
            let error = LoadingFixtures.error { _ = try ModelLoader.load(ModelLoadOptions(path: dir, matrixType: type)) }
            #expect(error?.kind == .badValue, "\(type)")
            #expect(error?.description.contains(tensor) == true, "\(error?.description ?? "no error")")
            #expect(error?.description.contains("model.safetensors") == true)
        }
    }

    @Test("rope_ratio 50 survives conversion: the GGUF says freq_base 500000 and computes the oracle's logits")
    func ropeRatioThroughGGUF() throws {
        let dir = try LoadingFixtures.temporaryDirectory()
        defer { LoadingFixtures.remove(dir) }
        let source = Fixtures.root.appendingPathComponent("oracle/rope50").path
        let output = dir + "/rope50.gguf"
        let tokenizer = try Tokenizer(modelPath: source + "/tokenizer.model")
        try GGUFConversion.convert(try ModelFiles.open(path: source), tokenizer: tokenizer, to: .f32, name: "rope50",
                                   output: output, threads: ComputeContext(threads: 2)) { _, _ in }
        let opened = try ModelFiles.open(path: output)
        #expect(opened.gguf?["chatglm.rope.freq_base"] == .float32(500_000))
        #expect(opened.config.ropeRatio == 50)
        #expect(opened.config.ropeBase == 500_000)
        let loaded = try ModelLoader.load(ModelLoadOptions(path: output))
        let expected = try #require(OracleModelTests.expected["oracle/rope50"]?.first)
        let logits = loaded.model.forward(expected.inputIDs, cache: KVCache(config: loaded.model.config, maxPositions: 256), logits: .last)
        #expect(Fixtures.maxAbsDifference(logits, expected.lastLogits) < 1e-4)
    }

    @Test("the 32K model's shape: window 32768, RoPE base 500000")
    func thirtyTwoK() {
        #expect(ModelConfig.chatglm3_6b_32k.ropeBase == 500_000)
        #expect(ModelConfig.chatglm3_6b_32k.contextLength == 32768)
        #expect(ModelConfig.chatglm3_6b.ropeBase == 10_000)
    }
}
