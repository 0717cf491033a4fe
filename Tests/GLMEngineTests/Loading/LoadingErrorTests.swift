import Foundation
import Testing
@testable import GLMEngine

/// Bad input gives one clear GLMError naming the file and the problem, never a crash.
@Suite struct LoadingErrorTests {
    typealias F = LoadingFixtures

    /// A Hugging Face directory in a temp dir holding the tiny config.json and the given fixture files.
    private func huggingFaceDir(_ files: [String: String]) throws -> String {
        let dir = try F.temporaryDirectory()
        try FileManager.default.copyItem(atPath: F.tiny + "/config.json", toPath: dir + "/config.json")
        for (name, source) in files { try FileManager.default.copyItem(atPath: source, toPath: dir + "/" + name) }
        return dir
    }

    private func editConfig(_ dir: String, _ edit: (inout [String: Any]) -> Void) throws {
        let url = URL(fileURLWithPath: dir + "/config.json")
        guard var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw GLMError(.badFormat, path: url.path, "fixture config is not an object")
        }
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    @Test func missingPath() {
        let error = F.error { _ = try ModelFiles.open(path: "/nonexistent/model.gguf") }
        #expect(error?.kind == .fileNotFound)
        #expect(error?.description == "/nonexistent/model.gguf: no such file or directory")
    }

    @Test func directoryWithoutConfigOrWeights() throws {
        let empty = try F.temporaryDirectory()
        defer { F.remove(empty) }
        let noConfig = F.error { _ = try ModelFiles.open(path: empty) }
        #expect(noConfig?.kind == .fileNotFound)
        #expect(noConfig?.path == empty + "/config.json")
        let dir = try huggingFaceDir([:])
        defer { F.remove(dir) }
        let noWeights = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(noWeights?.path == dir)
        #expect(noWeights?.problem.contains("pytorch_model.bin") == true)
    }

    @Test(arguments: [4, 100, 2168 + 100, 774_536 - 1])
    func truncatedSafetensors(at cut: Int) throws {
        let dir = try huggingFaceDir([:])
        defer { F.remove(dir) }
        try F.truncate(F.tiny + "/model.safetensors", to: cut, into: dir + "/model.safetensors")
        let error = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(error?.kind == .truncated)
        #expect(error?.path == dir + "/model.safetensors")
    }

    /// Cuts inside the header (0..<24), the metadata (..<21453), the tensor infos (..<22419) and the data.
    @Test(arguments: [2, 10, 30, 5_000, 21_000, 21_460, 22_000, 22_418, 300_000, 794_784 - 1])
    func truncatedGGUF(at cut: Int) throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        let path = dir + "/cut.gguf"
        try F.truncate(F.llamaCppGGUF, to: cut, into: path)
        let error = F.error { _ = try ModelFiles.open(path: path) }
        #expect(error?.kind == .truncated, "\(error?.description ?? "")")
        #expect(error?.path == path)
    }

    @Test func truncatedInsideEmbeddedTokenizer() throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        try F.writeTinyGGUF(to: dir + "/full.gguf")
        let bytes = try F.read(dir + "/full.gguf")
        let key = Array(ChatGLMGGUF.sentencePieceModelKey.utf8)
        guard let keyAt = (0..<(bytes.count - key.count)).first(where: { Array(bytes[$0..<($0 + key.count)]) == key }) else {
            Issue.record("key not found")
            return
        }
        try F.write(Array(bytes.prefix(keyAt + key.count + 5_000)), to: dir + "/cut.gguf")
        let error = F.error { _ = try ModelFiles.open(path: dir + "/cut.gguf") }
        #expect(error?.kind == .truncated)
        #expect(error?.problem.contains(ChatGLMGGUF.sentencePieceModelKey.string) == true)
    }

    /// Cuts inside the first local header, the pickle, a storage, the central directory and the end record.
    @Test(arguments: [2, 20, 600, 200_000, 391_500, 393_149 - 10])
    func truncatedBin(at cut: Int) throws {
        let dir = try huggingFaceDir([:])
        defer { F.remove(dir) }
        let path = dir + "/pytorch_model.bin"
        try F.truncate(F.format("f16-bin") + "/pytorch_model.bin", to: cut, into: path)
        let error = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(error?.kind == .truncated, "\(error?.description ?? "")")
        #expect(error?.path == path)
    }

    @Test func wrongMagic() throws {
        let gguf = try F.copy(F.llamaCppGGUF, named: "bad.gguf")
        defer { F.remove((gguf as NSString).deletingLastPathComponent) }
        try F.patch(gguf, replacing: "GGUF", with: "GGUX")
        let ggufError = F.error { _ = try ModelFiles.open(path: gguf) }
        #expect(ggufError?.kind == .badMagic)
        #expect(ggufError?.path == gguf)

        let dir = try huggingFaceDir(["pytorch_model.bin": F.format("f16-bin") + "/pytorch_model.bin"])
        defer { F.remove(dir) }
        var bytes = try F.read(dir + "/pytorch_model.bin")
        bytes[0] = 0x00
        try F.write(bytes, to: dir + "/pytorch_model.bin")
        let binError = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(binError?.kind == .badMagic)
        #expect(binError?.path == dir + "/pytorch_model.bin")

        let notModel = F.error { _ = try ModelFiles.open(path: F.tiny + "/config.json") }
        #expect(notModel?.kind == .unsupported)
        #expect(notModel?.problem.contains(".gguf") == true)
    }

    @Test func wrongShapeNamesTensorAndBothShapes() throws {
        let dir = try huggingFaceDir(["model.safetensors": F.tiny + "/model.safetensors"])
        defer { F.remove(dir) }
        try editConfig(dir) { $0["ffn_hidden_size"] = 80 }
        let error = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(error?.kind == .wrongShape)
        #expect(error?.path == dir + "/model.safetensors")
        #expect(error?.problem == "tensor transformer.encoder.layers.0.mlp.dense_h_to_4h.weight has shape [192, 64], but \(dir)/config.json implies [160, 64]")
    }

    @Test func configLayerCountMismatch() throws {
        let dir = try huggingFaceDir(["model.safetensors": F.tiny + "/model.safetensors"])
        defer { F.remove(dir) }
        try editConfig(dir) { $0["num_layers"] = 28 }
        let error = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(error?.kind == .configMismatch)
        #expect(error?.problem == "\(dir)/config.json says the model has 28 layers, but the weights have 2")

        let gguf = dir + "/layers.gguf"
        try F.writeTinyGGUF(to: gguf) { $0["chatglm.block_count"] = .uint32(3) }
        let ggufError = F.error { _ = try ModelFiles.open(path: gguf) }
        #expect(ggufError?.kind == .configMismatch)
        #expect(ggufError?.path == gguf)
    }

    @Test func missingTensor() throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        let path = dir + "/missing.gguf"
        try F.writeTinyGGUF(to: path, skipping: ["blk.1.ffn_down.weight"])
        let error = F.error { _ = try ModelFiles.open(path: path) }
        #expect(error?.kind == .missingTensor)
        #expect(error?.path == path)
        #expect(error?.problem.contains("transformer.encoder.layers.1.mlp.dense_4h_to_h.weight") == true)
    }

    @Test func indexListsTensorItsShardLacks() throws {
        let dir = try F.copy(F.format("sharded-safetensors"), named: "sharded")
        defer { F.remove((dir as NSString).deletingLastPathComponent) }
        let index = dir + "/model.safetensors.index.json"
        try F.patch(index, replacing: "\"transformer.output_layer.weight\": \"model-00002",
                    with: "\"transformer.output_layer.weight\": \"model-00001")
        let error = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(error?.path == dir + "/model-00001-of-00002.safetensors")
        #expect(error?.problem.contains("transformer.output_layer.weight") == true)
        #expect(error?.problem.contains(index) == true)

        try FileManager.default.removeItem(atPath: dir + "/model-00002-of-00002.safetensors")
        let missingShard = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(missingShard?.kind == .fileNotFound)
        #expect(missingShard?.path == dir + "/model-00002-of-00002.safetensors")
    }

    @Test func unsupportedDTypes() throws {
        let dir = try huggingFaceDir(["model.safetensors": F.tiny + "/model.safetensors"])
        defer { F.remove(dir) }
        try F.patch(dir + "/model.safetensors", replacing: "\"F32\"", with: "\"I64\"")
        let stError = F.error { _ = try ModelFiles.open(path: dir) }
        #expect(stError?.kind == .unsupported)
        #expect(stError?.problem.contains("I64") == true)

        let binDir = try huggingFaceDir(["pytorch_model.bin": F.format("f16-bin") + "/pytorch_model.bin"])
        defer { F.remove(binDir) }
        try F.patch(binDir + "/pytorch_model.bin", replacing: "HalfStorage", with: "LongStorage")
        let binError = F.error { _ = try ModelFiles.open(path: binDir) }
        #expect(binError?.kind == .unsupported)
        #expect(binError?.path == binDir + "/pytorch_model.bin")
        #expect(binError?.problem.contains("torch.LongStorage") == true)

        // An IQ2_XXS tensor (ggml type 16: llama.cpp writes it, glmchat does not read it) in an
        // otherwise valid GGUF file.
        var encoder = GGUFEncoder()
        encoder.u32(GGUFReader.magic); encoder.u32(3); encoder.u64(1); encoder.u64(0)
        encoder.string("blk.0.ffn_down.weight"); encoder.u32(1); encoder.u64(256); encoder.u32(16); encoder.u64(0)
        let gguf = dir + "/k.gguf"
        try F.write(encoder.bytes + [UInt8](repeating: 0, count: 256), to: gguf)
        let ggufError = F.error { _ = try GGUFReader.read(path: gguf) }
        #expect(ggufError?.kind == .unsupported)
        #expect(ggufError?.description == "\(gguf): tensor blk.0.ffn_down.weight has type IQ2_XXS; glmchat reads \(GGUFTensorType.supportedNames)")
    }

    @Test func compressedArchiveEntryIsRefused() throws {
        let path = try F.copy(F.format("f16-bin") + "/pytorch_model.bin")
        defer { F.remove((path as NSString).deletingLastPathComponent) }
        var bytes = try F.read(path)
        // The central directory's first entry is data.pkl; its method field sits 10 bytes in.
        let signature: [UInt8] = [0x50, 0x4B, 0x01, 0x02]
        guard let start = (0..<(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == signature }) else {
            Issue.record("no central directory")
            return
        }
        bytes[start + 10] = 8
        try F.write(bytes, to: path)
        let error = F.error { try TorchCheckpointReader.read(path: path, into: Checkpoint()) }
        #expect(error?.kind == .unsupported)
        #expect(error?.problem.contains("compressed (deflate)") == true)
    }

    @Test func unknownPickleGlobalIsRefused() throws {
        let path = try F.copy(F.format("f16-bin") + "/pytorch_model.bin")
        defer { F.remove((path as NSString).deletingLastPathComponent) }
        try F.patch(path, replacing: "collections\nOrderedDict", with: "posix\nsystem\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}")
        let error = F.error { try TorchCheckpointReader.read(path: path, into: Checkpoint()) }
        #expect(error?.kind == .unsupported)
        #expect(error?.path == path)
        #expect(error?.problem.contains("posix.system") == true)
    }

    @Test func nonContiguousTensorIsRefused() {
        let path = F.format("pickle/noncontiguous.bin")
        let error = F.error { try TorchCheckpointReader.read(path: path, into: Checkpoint()) }
        #expect(error?.kind == .unsupported)
        #expect(error?.description == "\(path): tensor transposed.weight is not contiguous (shape [3, 2], strides [1, 3]); save it with .contiguous()")
    }
}
