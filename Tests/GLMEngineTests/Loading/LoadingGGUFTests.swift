import Foundation
import Testing
@testable import GLMEngine

/// GGUF writing: what we write reads back exactly, mirrors llama.cpp's ChatGLM3 keys, and is deterministic.
@Suite struct LoadingGGUFTests {
    typealias F = LoadingFixtures

    /// Keys llama.cpp's converter derives from the model directory's name, not from the model.
    static let namingKeys: Set<ExactText> = ["general.organization", "general.finetune", "general.basename", "general.size_label"]

    @Test func roundTripKeepsMetadataTensorsAndTokenizer() throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        let path = dir + "/tiny.gguf"
        try F.writeTinyGGUF(to: path)

        let written = try ModelFiles.open(path: path)
        let source = try ModelFiles.open(path: F.tiny)
        #expect(written.config == source.config)
        #expect(written.tokenizer == .embedded(try F.read(F.tiny + "/tokenizer.model")))
        for (name, t) in written.checkpoint.tensors {
            let s = try source.checkpoint.tensor(name.string, in: F.tiny)
            #expect(t.shape == s.shape && t.type == s.type && F.bytes(t) == F.bytes(s), "\(name)")
        }
        #expect(written.checkpoint.tensors.count == source.checkpoint.tensors.count - 1)  // no inv_freq

        let config = source.config
        let expected = try ChatGLMGGUF.metadata(config: config, name: "tiny-chatglm3", fileType: .f32,
                                                vocabulary: try F.tinyVocabulary(), path: path)
        #expect(written.gguf == expected)
    }

    @Test func metadataMirrorsLlamaCppConverter() throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        let path = dir + "/tiny.gguf"
        try F.writeTinyGGUF(to: path)
        let ours = try GGUFReader.read(path: path)
        let theirs = try GGUFReader.read(path: F.llamaCppGGUF)

        let theirKeys = theirs.metadata.keys.filter { !Self.namingKeys.contains($0) }
        // Beyond llama.cpp's keys: ChatGLM3's turn ends and chat template (for llama-server), and the
        // tokenizer.model bytes.
        let added: [ExactText] = ["tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id", "tokenizer.chat_template",
                                  ChatGLMGGUF.sentencePieceModelKey]
        #expect(ours.metadata.keys == theirKeys + added)
        for key in theirKeys {
            #expect(ours.metadata[key] == theirs.metadata[key], "\(key)")
            #expect(ours.metadata[key]?.type == theirs.metadata[key]?.type, "\(key)")
        }
        #expect(ours.tensors.map(\.name) == theirs.tensors.map(\.name))
        for (a, b) in zip(ours.tensors, theirs.tensors) {
            #expect(a.shape == b.shape && a.type == b.type && F.bytes(a) == F.bytes(b), "\(a.name)")
        }
        // With the same alignment and tensor order, the data sections are byte-identical.
        let ourData = try F.read(path).dropFirst(try Self.dataStart(ours))
        let theirData = try F.read(F.llamaCppGGUF).dropFirst(try Self.dataStart(theirs))
        #expect(Array(ourData) == Array(theirData))
    }

    /// Where the first tensor's bytes start in the file.
    static func dataStart(_ contents: GGUFContents) throws -> Int {
        guard let first = contents.tensors.first?.bytes.baseAddress, let base = contents.file.base else {
            throw GLMError(.badFormat, path: contents.path, "no tensor data")
        }
        return first - base
    }

    @Test func writesAreDeterministicAndReportProgress() throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        try F.writeTinyGGUF(to: dir + "/a.gguf")
        try F.writeTinyGGUF(to: dir + "/b.gguf")
        #expect(try F.read(dir + "/a.gguf") == F.read(dir + "/b.gguf"))

        var reports: [(Int64, Int64)] = []
        let config = try ModelConfig.load(huggingFaceConfig: F.tiny + "/config.json")
        let metadata = try ChatGLMGGUF.metadata(config: config, name: "tiny-chatglm3", fileType: .f32,
                                                vocabulary: try F.tinyVocabulary(), path: dir)
        let sources = try F.tinyTensorSources()
        try GGUFWriter.write(to: dir + "/c.gguf", metadata: metadata, tensors: sources) { reports.append(($0, $1)) }
        let size = Int64(try F.read(dir + "/c.gguf").count)
        #expect(reports.count == sources.count + 1)
        #expect(reports.allSatisfy { $0.1 == size })
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.0 < $1.0 })
        #expect(reports.last?.0 == size)
    }

    @Test func failedWriteLeavesNoFile() throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        let path = dir + "/broken.gguf"
        var sources = try F.tinyTensorSources()
        let last = sources.removeLast()
        sources.append(GGUFTensorSource(name: last.name, shape: last.shape, type: last.type) {
            throw GLMError(.io, path: nil, "producer failed")
        })
        let config = try ModelConfig.load(huggingFaceConfig: F.tiny + "/config.json")
        let metadata = try ChatGLMGGUF.metadata(config: config, name: "x", fileType: .f32,
                                                vocabulary: try F.tinyVocabulary(), path: path)
        let error = F.error { try GGUFWriter.write(to: path, metadata: metadata, tensors: sources) }
        #expect(error?.problem == "producer failed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)

        let short = [GGUFTensorSource(name: "t", shape: [4], type: .f32) { [0, 0, 0] }]
        let sizeError = F.error { try GGUFWriter.write(to: path, metadata: GGUFMetadata(), tensors: short) }
        #expect(sizeError?.problem.contains("needs 16 bytes, got 3") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func everyValueTypeAndTensorTypeRoundTrips() throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        let path = dir + "/types.gguf"
        let metadata = GGUFMetadata([
            ("u8", .uint8(200)), ("i8", .int8(-5)), ("u16", .uint16(60000)), ("i16", .int16(-30000)),
            ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("f32", .float32(1.5)),
            ("bool", .bool(true)), ("string", .string("中文 text")), ("u64", .uint64(1 << 60)),
            ("i64", .int64(-(1 << 60))), ("f64", .float64(-0.125)),
            ("a.u8", .array(.uint8([1, 2, 3]))), ("a.i8", .array(.int8([-1]))), ("a.u16", .array(.uint16([7]))),
            ("a.i16", .array(.int16([-7]))), ("a.u32", .array(.uint32([9]))), ("a.i32", .array(.int32([-9, 3]))),
            ("a.f32", .array(.float32([0.5, -2]))), ("a.bool", .array(.bool([true, false]))),
            ("a.string", .array(.string(["x", "", "ü"]))), ("a.u64", .array(.uint64([5]))),
            ("a.i64", .array(.int64([-5]))), ("a.f64", .array(.float64([3.25]))),
            ("a.nested", .array(.array([.int32([1, 2]), .string(["a"])]))), ("a.empty", .array(.float32([]))),
        ])
        let shapes: [(String, StorageType, [Int])] = [
            ("f32", .f32, [3]), ("f16", .f16, [2, 5]), ("bf16", .bf16, [7]), ("q8", .q8_0, [2, 64]), ("q4", .q4_0, [3, 32]),
        ]
        let tensors = shapes.enumerated().map { i, s in
            GGUFTensorSource(name: s.0, shape: s.2, type: s.1) {
                (0..<s.1.byteCount(elements: s.2.reduce(1, *))).map { UInt8(truncatingIfNeeded: $0 * 7 + i) }
            }
        }
        try GGUFWriter.write(to: path, metadata: metadata, tensors: tensors)
        let read = try GGUFReader.read(path: path)
        #expect(read.metadata == metadata)
        #expect(read.version == 3)
        #expect(read.tensors.count == shapes.count)
        for (t, s) in zip(read.tensors, shapes) {
            #expect(t.name == s.0 && t.type == s.1 && t.shape == s.2)
            #expect(Int(bitPattern: t.bytes.baseAddress) % 32 == Int(bitPattern: read.file.base) % 32)
        }
        for (t, source) in zip(read.tensors, tensors) { #expect(F.bytes(t) == (try source.bytes())) }
    }

    @Test func vocabularyMustCoverEveryRowWithUniqueTexts() throws {
        let config = try ModelConfig.load(huggingFaceConfig: F.tiny + "/config.json")
        var vocab = try F.tinyVocabulary()
        vocab.tokens.removeLast()
        let short = F.error { _ = try ChatGLMGGUF.metadata(config: config, name: "x", fileType: .q4_0, vocabulary: vocab, path: "/out.gguf") }
        #expect(short?.problem.contains("1024 embedding rows") == true)
        #expect(short?.path == "/out.gguf")
        vocab = try F.tinyVocabulary()
        vocab.tokens[1023] = vocab.tokens[1022]
        let duplicate = F.error { _ = try ChatGLMGGUF.metadata(config: config, name: "x", fileType: .q4_0, vocabulary: vocab, path: "/out.gguf") }
        #expect(duplicate?.problem.contains("token 1023 repeats") == true)
    }

    @Test func fileTypeAndRopeBaseFollowTheModel() throws {
        let vocab = try F.tinyVocabulary()
        var config = try ModelConfig.load(huggingFaceConfig: F.tiny + "/config.json")
        config.ropeRatio = 50
        let m = try ChatGLMGGUF.metadata(config: config, name: "x", fileType: .q4_0, vocabulary: vocab, path: "/o")
        #expect(m["general.file_type"] == .uint32(2))
        #expect(m["chatglm.rope.freq_base"] == .float32(500_000))
        #expect(try ChatGLMGGUF.metadata(config: config, name: "x", fileType: .q8_0, vocabulary: vocab, path: "/o")["general.file_type"] == .uint32(7))
    }
}
