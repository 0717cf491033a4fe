import Testing
@testable import GLMEngine

/// Decoding with the special tokens shown (`/detokenize`) as the original tokenizer does it: the
/// text between two special tokens is decoded on its own, so the "▁" right after a special token
/// is dropped like the dummy prefix at the start of a text.
@Suite struct TokenizerDecodeOracleTests {
    /// The tiny model's oracle: `tokenizer.decode(input_ids)` of the original Python tokenizer.
    @Test func promptIdsDecodeToTheOraclesText() throws {
        let tokenizer = try TokenizerFixtures.tiny()
        let cases = try #require(try TokenizerFixtures.tinyExpected().field("cases").arrayValue)
        var compared: [String] = []
        for entry in cases {
            let name = try entry.field("name").string()
            let ids = try entry.field("input_ids").ids()
            // The oracle writes padding ids as "<padding:ID>", which is its own notation.
            guard ids.allSatisfy({ Int($0) < tokenizer.realVocabSize }) else { continue }
            let expected = try entry.field("prompt_text_decoded").string()
            #expect(tokenizer.decode(ids, showSpecialTokens: true) == expected, "\(name)")
            #expect(streamChunks(tokenizer, ids, showSpecialTokens: true).joined() == expected, "\(name)")
            compared.append(name)
        }
        // the plain texts and both chats (a system prompt, an assistant turn with a tool call)
        #expect(Set(compared).isSuperset(of: ["english", "chinese", "mixed", "multi_turn_chat", "tool_observation_chat"]))
        let chat = try #require(cases.first { $0["name"] == .string("multi_turn_chat") })
        #expect(try chat.field("prompt_text_decoded").string().hasPrefix("[gMASK]sop<|system|>\n You are"))
    }

    /// The real tokenizer's chats: the special tokens' text, and each run between them as
    /// libsentencepiece decodes it alone.
    @Test func runsBetweenSpecialTokensDecodeAsLibSentencePieceDoes() throws {
        let tokenizer = try TokenizerFixtures.real()
        let chats = try #require(try TokenizerFixtures.realExpected().field("chats").arrayValue)
        for chat in chats {
            let name = try chat.field("name").string()
            let ids = try chat.field("build_chat_input_ids").ids()
            var expected = ""
            var run: [Int32] = []
            for id in ids {
                if let special = tokenizer.specialToken(id) {
                    expected += try tokenizer.sentencePieceDecode(run) + special.text
                    run = []
                } else {
                    run.append(id)
                }
            }
            expected += try tokenizer.sentencePieceDecode(run)
            #expect(tokenizer.decode(ids, showSpecialTokens: true) == expected, "\(name)")
            #expect(!expected.contains("<|assistant|> ") && !expected.contains("<|user|> "))
        }
    }
}
