import Foundation
import Testing
import GLMEngine

/// A GGUF file written by llama.cpp's converter (no tokenizer.model inside) runs with no
/// `--tokenizer`: glmchat rebuilds the tokenizer from the file's vocabulary.
@Suite(.enabled(if: CLI.isBuilt, "needs the glmchat binary built next to the tests"))
struct LlamaCppVocabularyTests {
    @Test func generateOnTheLlamaCppFileGivesTheOriginalPromptIds() throws {
        let model = CLI.fixtures.appendingPathComponent("tiny-chatglm3/llamacpp-f32.gguf").path
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: CLI.fixtures
            .appendingPathComponent("tiny-chatglm3/expected.json"))) as? [String: Any]
        let cases = try #require(expected?["cases"] as? [[String: Any]]).filter { $0["kind"] as? String == "plain" }
        #expect(!cases.isEmpty)
        for entry in cases {
            let text = try #require(entry["text"] as? String)
            let result = try CLI.run(["generate", "--model", model, "--prompt", text, "--max-tokens", "1", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(try CLI.json(result) as? [String: Any])
            #expect(object["prompt_ids"] as? [Int] == entry["input_ids"] as? [Int], "\(text.debugDescription)")
        }
    }
}
