import Foundation
import Testing
@testable import GLMEngine

/// The GGUF vocabulary and tensor list we build match what llama.cpp's converter wrote for the tiny model.
@Suite struct LoadingVocabularyTests {
    typealias F = LoadingFixtures

    static let specialTokens: [ExactText] = ["[MASK]", "[gMASK]", "[sMASK]", "sop", "eop",
                                "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"]

    @Test func vocabularyBuilderMatchesLlamaCppConverter() throws {
        let url = F.root.appendingPathComponent("formats/tiny-pieces.json")
        struct Pieces: Decodable { let pieces: [String]; let scores: [Float]; let kinds: [String] }
        let p = try JSONDecoder().decode(Pieces.self, from: Data(contentsOf: url))
        let kinds: [String: TokenType] = ["normal": .normal, "unknown": .unknown, "control": .control,
                                          "unused": .unused, "byte": .byte]
        let types = try p.kinds.map {
            guard let type = kinds[$0] else { throw GLMError(.badFormat, path: url.path, "kind \($0)") }
            return type
        }
        let built = try GGUFVocabulary.chatGLM3(pieces: p.pieces.map { ExactText($0) }, scores: p.scores, types: types,
                                                specialTokens: Self.specialTokens, vocabRows: 1024, sentencePieceModel: [1])
        let llamaCpp = try F.tinyVocabulary()
        #expect(built.tokens == llamaCpp.tokens)
        #expect(built.scores == llamaCpp.scores)
        #expect(built.types == llamaCpp.types)
        #expect(built.eosID == 2 && built.padID == 0)
    }

    @Test func vocabularyBuilderRefusesTooManyTokens() {
        let error = F.error {
            _ = try GGUFVocabulary.chatGLM3(pieces: ["a", "b", "c"], scores: [0, 0, 0], types: [.normal, .normal, .normal],
                                            specialTokens: ["x", "y"], vocabRows: 4, sentencePieceModel: [])
        }
        #expect(error?.problem.contains("do not fit 4 embedding rows") == true)
    }

    @Test func tensorSourcesWriteAModelThatReadsBack() throws {
        let dir = try F.temporaryDirectory()
        defer { F.remove(dir) }
        let source = try ModelFiles.open(path: F.format("sharded-bin"))
        var converted: [String] = []
        let sources = try ChatGLMGGUF.tensorSources(
            checkpoint: source.checkpoint, config: source.config, path: source.path,
            type: { _, t in t.type },
            bytes: { t, _ in converted.append(t.name); return Array(t.bytes) })
        #expect(sources.first?.name == "token_embd.weight")
        #expect(sources.last?.name == "output.weight")
        #expect(sources.count == 17)
        #expect(converted.isEmpty)  // nothing converted before the writer asks
        let metadata = try ChatGLMGGUF.metadata(config: source.config, name: "tiny", fileType: .f32,
                                                vocabulary: try F.tinyVocabulary(), path: dir)
        try GGUFWriter.write(to: dir + "/t.gguf", metadata: metadata, tensors: sources)
        #expect(converted.count == 17)
        let back = try ModelFiles.open(path: dir + "/t.gguf")
        for (name, t) in back.checkpoint.tensors {
            #expect(F.bytes(t) == F.bytes(try source.checkpoint.tensor(name.string, in: source.path)), "\(name)")
        }
    }
}
