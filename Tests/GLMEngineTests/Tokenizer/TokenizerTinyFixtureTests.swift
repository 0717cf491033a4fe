import Testing
@testable import GLMEngine

/// The tiny model's 1000-piece tokenizer against the prompts of its oracle cases.
@Suite struct TokenizerTinyFixtureTests {
    @Test func specialTokensFollowTheSmallVocabulary() throws {
        let tokenizer = try TokenizerFixtures.tiny()
        let info = try TokenizerFixtures.tinyExpected().field("tokenizer")
        #expect(try info.field("sp_vocab_size") == .int(tokenizer.spVocabSize))
        #expect(try info.field("n_words_with_specials") == .int(tokenizer.realVocabSize))
        #expect(try info.field("prefix_tokens").ids() == tokenizer.promptPrefix)
        #expect(try info.field("bos_id") == .int(Int(tokenizer.bosId)))
        #expect(try info.field("eos_id") == .int(Int(tokenizer.eosId)))
        #expect(try info.field("pad_id") == .int(Int(tokenizer.padId)))
        #expect(try TokenizerFixtures.tinyExpected().field("stop_token_ids_used_by_chat").ids() == tokenizer.chatStopIds)
        #expect(tokenizer.id(.observation) == 1008)
    }

    @Test func everyCasePromptIsReproduced() throws {
        let tokenizer = try TokenizerFixtures.tiny()
        let cases = try #require(try TokenizerFixtures.tinyExpected().field("cases").arrayValue)
        var checked = 0
        for entry in cases {
            let name = try entry.field("name").string()
            let expected = try entry.field("input_ids").ids()
            switch try entry.field("kind").string() {
            case "plain":
                #expect(tokenizer.encodePlain(try entry.field("text").string()) == expected, "\(name)")
                checked += 1
            case "chat":
                #expect(tokenizer.encodeChat(try entry.chatConversation()) == expected, "\(name)")
                checked += 1
            default:
                // Random ids, not built from text: decoding them must still stream consistently.
                for show in [false, true] {
                    #expect(streamChunks(tokenizer, expected, showSpecialTokens: show).joined()
                            == tokenizer.decode(expected, showSpecialTokens: show), "\(name)")
                }
            }
            // Greedy replies of random weights include byte pieces and padding ids.
            let reply = try entry.field("greedy").field("new_token_ids").ids()
            #expect(streamChunks(tokenizer, reply).joined() == tokenizer.decode(reply), "\(name)")
        }
        #expect(checked == 5)
    }

    @Test func byteFallbackChineseRoundTrips() throws {
        let tokenizer = try TokenizerFixtures.tiny()
        let text = "晚上睡不着应该怎么办 👋"
        let ids = tokenizer.encode(text)
        #expect(ids.contains { tokenizer.tokenType($0) == .byte })
        #expect(tokenizer.decode(ids) == text)
        #expect(streamChunks(tokenizer, ids).joined() == text)
        #expect(try tokenizer.sentencePieceDecode(ids) == text)
    }
}
