import Foundation
import Testing
import GLMEngine

/// `glmchat convert` on a checkpoint with the real ChatGLM3 vocabulary (65024 rows, the real
/// tokenizer.model, random weights of the tiny shape), as the README tells every user to run it.
@Suite(.enabled(if: CLI.isBuilt, "needs the glmchat binary built next to the tests"))
struct RealVocabularyConvertTests {
    static let realTokenizer = CLI.fixtures.appendingPathComponent("real-tokenizer/tokenizer.model").path
    static let types = ["f32", "f16", "q8_0", "q4_0"]

    /// Converts a fresh checkpoint to every type, checks each file's vocabulary, and runs
    /// `generate --prompt` on the q4_0 file for every string of the real-tokenizer fixture.
    @Test func convertKeepsEveryPieceAndGenerateGivesTheRealIds() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let checkpoint = directory + "/chatglm3-real-vocab"
        try FileManager.default.createDirectory(atPath: checkpoint, withIntermediateDirectories: true)
        try RandomCheckpoint.write(to: checkpoint, vocabRows: 65024, tokenizer: Self.realTokenizer, seed: 14)
        let tokenizer = try Tokenizer(modelPath: Self.realTokenizer)
        for type in Self.types {
            let output = directory + "/real-vocab-\(type).gguf"
            let result = try CLI.run(["convert", "--model", checkpoint, "--type", type, "-o", output])
            try #require(result.status == 0, "convert --type \(type): \(result.stderr)")
            try expectVocabulary(of: output, equals: tokenizer)
        }
        try expectGeneratePromptIds(model: directory + "/real-vocab-q4_0.gguf")
    }

    private func expectVocabulary(of path: String, equals tokenizer: Tokenizer) throws {
        let metadata = try GGUFReader.read(path: path).metadata
        guard case .array(.string(let tokens))? = metadata["tokenizer.ggml.tokens"] else {
            Issue.record("no token list in \(path)")
            return
        }
        #expect(tokens.count == 65024)
        let renamed: [ExactText] = ["<unk>", "<bos>", "<eos>"]
        for id in 0..<tokenizer.realVocabSize {
            let expected = id < 3 ? renamed[id] : try #require(tokenizer.piece(Int32(id)))
            if tokens[id] != expected { Issue.record("\(path) token \(id): \(tokens[id].debugDescription) != \(expected.debugDescription)") }
        }
        #expect(tokens[tokenizer.realVocabSize...].allSatisfy { $0.string.hasPrefix("[PAD") })
        #expect(Set(tokens).count == tokens.count)
        // The pair from the bug report: distinct ids, distinct bytes, equal as Swift Strings.
        #expect(tokens[54540].utf8 == Array("\u{5E74}".utf8))
        #expect(tokens[60344].utf8 == Array("\u{F98E}".utf8))
    }

    private func expectGeneratePromptIds(model path: String) throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: CLI.fixtures
            .appendingPathComponent("real-tokenizer/expected_tokens.json"))) as? [String: Any]
        let cases = try #require(expected?["plain"] as? [[String: Any]])
        #expect(cases.count == 25)
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            let ids = try #require(entry["tokenizer_call_ids"] as? [Int])
            let result = try CLI.run(["generate", "--model", path, "--prompt", text, "--max-tokens", "1", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(try CLI.json(result) as? [String: Any])
            #expect(object["prompt_ids"] as? [Int] == ids, "\(text.debugDescription)")
        }
    }

    @Test func theRealVocabularyHoldsSixteenCanonicallyEquivalentPairs() throws {
        let tokenizer = try Tokenizer(modelPath: Self.realTokenizer)
        var byCanonicalText: [String: [Int32]] = [:]
        for id in 0..<Int32(tokenizer.spVocabSize) {
            byCanonicalText[try #require(tokenizer.piece(id)).string, default: []].append(id)
        }
        let merged = byCanonicalText.values.filter { $0.count > 1 }
        #expect(merged.count == 16, "\(merged)")
    }
}
