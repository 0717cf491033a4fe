import Foundation
import Testing
@testable import GLMEngine

/// The tokenizer rebuilt from a GGUF file's `tokenizer.ggml.*` vocabulary (no tokenizer.model
/// inside, as llama.cpp's converter writes it) against the ids of the original Python tokenizer.
@Suite struct TokenizerFromGGUFTests {
    /// A GGUF file holding the real 65024-row vocabulary in metadata only, read back from disk.
    static func realVocabularyMetadata(in directory: String) throws -> GGUFMetadata {
        let real = try TokenizerFixtures.real()
        let spIds = 0..<Int32(real.spVocabSize)
        let vocabulary = try GGUFVocabulary.chatGLM3(
            pieces: try spIds.map { try #require(real.piece($0)) }, scores: spIds.map { real.score($0) },
            types: spIds.map { real.tokenType($0) }, specialTokens: SpecialToken.allCases.map { ExactText($0.text) },
            vocabRows: 65024, sentencePieceModel: [])
        var config = try ModelConfig.load(huggingFaceConfig: TokenizerFixtures.path("tiny-chatglm3/config.json"))
        config.vocabRows = 65024
        var metadata = try ChatGLMGGUF.metadata(config: config, name: "real-vocabulary", fileType: .f32,
                                                vocabulary: vocabulary, path: directory)
        metadata[ChatGLMGGUF.sentencePieceModelKey] = nil
        let path = directory + "/real-vocabulary.gguf"
        try GGUFWriter.write(to: path, metadata: metadata, tensors: [])
        return try GGUFReader.read(path: path).metadata
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-gguf-tokenizer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func realVocabularyInMetadataGivesTheFixtureIds() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let metadata = try Self.realVocabularyMetadata(in: directory)
        #expect(metadata[ChatGLMGGUF.sentencePieceModelKey] == nil)
        let rebuilt = try Tokenizer(ggufMetadata: metadata, source: "real-vocabulary.gguf")
        let expected = try TokenizerFixtures.realExpected()
        #expect(rebuilt.spVocabSize == 64789)
        #expect([rebuilt.bosId, rebuilt.eosId, rebuilt.unkId] == (try expected.field("bos_eos_unk").ids()))
        let plain = try #require(try expected.field("plain").arrayValue)
        #expect(plain.count == 25)
        for entry in plain {
            let text = try entry.field("text").string()
            #expect(rebuilt.encode(text) == (try entry.field("sp_ids").ids()), "\(text.debugDescription)")
            #expect(rebuilt.encodePlain(text) == (try entry.field("tokenizer_call_ids").ids()), "\(text.debugDescription)")
            #expect(ExactText(rebuilt.decode(try entry.field("sp_ids").ids()))
                    == ExactText(try entry.field("decode_roundtrip").string()), "\(text.debugDescription)")
        }
        let chats = try #require(try expected.field("chats").arrayValue)
        #expect(chats.count == 4)
        for chat in chats {
            let name = try chat.field("name").string()
            #expect(rebuilt.encodeChat(try chat.chatConversation()) == (try chat.field("build_chat_input_ids").ids()), "\(name)")
        }
    }

    @Test func rebuiltPiecesEqualTheRealModelByteForByte() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rebuilt = try Tokenizer(ggufMetadata: try Self.realVocabularyMetadata(in: directory), source: "real")
        let real = try TokenizerFixtures.real()
        #expect(rebuilt.realVocabSize == real.realVocabSize)
        var differences: [Int32] = []
        for id in 0..<Int32(real.realVocabSize + 2) where rebuilt.piece(id) != real.piece(id)
            || rebuilt.score(id) != real.score(id) || rebuilt.tokenType(id) != real.tokenType(id) {
            differences.append(id)
        }
        #expect(differences.isEmpty, "ids that differ: \(differences.prefix(20))")
        #expect(rebuilt.piece(1) == "<s>" && rebuilt.piece(2) == "</s>")
    }

    @Test func llamaCppFileOpensWithoutATokenizerFlag() throws {
        let opened = try ModelFiles.open(path: LoadingFixtures.llamaCppGGUF)
        #expect(opened.tokenizer == .ggufVocabulary)
        let tokenizer = try opened.makeTokenizer()
        let tiny = try TokenizerFixtures.tiny()
        #expect(tokenizer.spVocabSize == tiny.spVocabSize)
        let cases = try #require(try TokenizerFixtures.tinyExpected().field("cases").arrayValue)
        var checked = 0
        for entry in cases {
            let expected = try entry.field("input_ids").ids()
            switch try entry.field("kind").string() {
            case "plain": #expect(tokenizer.encodePlain(try entry.field("text").string()) == expected); checked += 1
            case "chat": #expect(tokenizer.encodeChat(try entry.chatConversation()) == expected); checked += 1
            default: break
            }
        }
        #expect(checked == 5)
        // An explicit tokenizer still wins over the file's vocabulary.
        let explicit = TokenizerFixtures.path("tiny-chatglm3/tokenizer.model")
        #expect(try opened.tokenizerSource(override: explicit) == .file(explicit))
    }

    @Test func anEmbeddedModelIsPreferredOverTheVocabulary() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try LoadingFixtures.writeTinyGGUF(to: directory + "/t.gguf")
        let opened = try ModelFiles.open(path: directory + "/t.gguf")
        #expect(opened.tokenizer == .embedded(try LoadingFixtures.read(LoadingFixtures.tiny + "/tokenizer.model")))
    }
}

/// Damaged or foreign vocabularies are refused with a clear tokenizer error.
@Suite struct TokenizerFromGGUFErrorTests {
    static func llamaCppMetadata() throws -> GGUFMetadata {
        try GGUFReader.read(path: LoadingFixtures.llamaCppGGUF).metadata
    }

    static func problem(_ edit: (inout GGUFMetadata) -> Void) throws -> String? {
        var metadata = try llamaCppMetadata()
        edit(&metadata)
        let error = LoadingFixtures.error { _ = try Tokenizer(ggufMetadata: metadata, source: "x.gguf") }
        #expect(error?.kind == .tokenizer)
        #expect(error?.path == "x.gguf")
        return error?.problem
    }

    @Test func missingOrMistypedArrays() throws {
        #expect(try Self.problem { $0["tokenizer.ggml.token_type"] = nil }?.contains("token_type is missing") == true)
        #expect(try Self.problem { $0["tokenizer.ggml.scores"] = .array(.float64([0])) }?.contains("float32 array") == true)
        #expect(try Self.problem { $0["tokenizer.ggml.scores"] = .array(.float32([0, 1])) }?.contains("1024 tokens, 2 scores") == true)
    }

    @Test func foreignTokenizersAreRefusedByName() throws {
        #expect(try Self.problem { $0["tokenizer.ggml.model"] = .string("gpt2") }?.contains("\"gpt2\"") == true)
        #expect(try Self.problem { $0["tokenizer.ggml.pre"] = .string("llama-bpe") }?.contains("\"llama-bpe\"") == true)
    }

    @Test func brokenVocabularies() throws {
        func editTokens(_ change: @escaping (inout [ExactText], inout [Int32]) -> Void) -> (inout GGUFMetadata) -> Void {
            { m in
                guard case .array(.string(var tokens))? = m["tokenizer.ggml.tokens"],
                      case .array(.int32(var types))? = m["tokenizer.ggml.token_type"] else { return }
                change(&tokens, &types)
                m["tokenizer.ggml.tokens"] = .array(.string(tokens))
                m["tokenizer.ggml.token_type"] = .array(.int32(types))
            }
        }
        let noSpecials = try Self.problem(editTokens { tokens, _ in tokens[1001] = "[gMASK2]" })
        #expect(noSpecials?.contains("nine special tokens") == true)
        #expect(try Self.problem(editTokens { _, types in types[10] = 9 })?.contains("token 10 has type 9") == true)
        #expect(try Self.problem(editTokens { _, types in types[0] = 1 })?.contains("has no unknown token") == true)
        #expect(try Self.problem(editTokens { tokens, _ in tokens[2] = "<bos>" })?.contains("two <s> tokens") == true)
        // A repeated piece text is libsentencepiece's complaint, passed on as a tokenizer error.
        #expect(try Self.problem(editTokens { tokens, _ in tokens[300] = tokens[301] }) != nil)
        #expect(try Self.problem { $0["tokenizer.ggml.eos_token_id"] = .uint32(5) }?.contains("<eos> is token 2") == true)
    }

    @Test func aFileWithNoVocabularyAsksForTheTokenizerFlag() throws {
        let directory = try TokenizerFromGGUFTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bare.gguf"
        try LoadingFixtures.writeTinyGGUF(to: path) { m in
            for key in [ChatGLMGGUF.sentencePieceModelKey, "tokenizer.ggml.tokens"] { m[key] = nil }
        }
        let opened = try ModelFiles.open(path: path)
        #expect(opened.tokenizer == .none)
        let error = LoadingFixtures.error { _ = try opened.makeTokenizer() }
        #expect(error?.problem.contains("--tokenizer PATH") == true)
    }
}
