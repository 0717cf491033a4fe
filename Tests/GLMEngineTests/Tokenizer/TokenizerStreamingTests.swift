import Testing
@testable import GLMEngine

/// Decoding: the batch decoder against libsentencepiece, the streaming detokenizer against both.
@Suite struct TokenizerStreamingTests {
    /// Deterministic SplitMix64, so random sequences are the same on every run.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Byte ids of `bytes` in a tokenizer whose byte pieces are ids 3...258.
    func byteIds(_ bytes: [UInt8]) -> [Int32] { bytes.map { Int32($0) + 3 } }

    @Test func streamingEqualsDecodeForEveryFixture() throws {
        let tokenizer = try TokenizerFixtures.real()
        let expected = try TokenizerFixtures.realExpected()
        var sequences = try #require(expected["plain"]?.arrayValue).map { try $0.field("tokenizer_call_ids").ids() }
        sequences += try #require(expected["chats"]?.arrayValue).map { try $0.field("build_chat_input_ids").ids() }
        for ids in sequences {
            for show in [false, true] {
                let streamed = streamChunks(tokenizer, ids, showSpecialTokens: show).joined()
                #expect(streamed == tokenizer.decode(ids, showSpecialTokens: show), "\(ids)")
            }
        }
    }

    @Test func emojiBytesWaitUntilTheCharacterIsComplete() throws {
        let tokenizer = try TokenizerFixtures.real()
        // "😀👋": "▁", "😀" as a piece, then 👋 as four byte-fallback pieces.
        let ids: [Int32] = [30910, 31385, 243, 162, 148, 142]
        #expect(streamChunks(tokenizer, ids) == ["", "😀", "", "", "", "👋", ""])
        // 龘 is three byte pieces.
        #expect(streamChunks(tokenizer, [30910, 236, 193, 155]) == ["", "", "", "龘", ""])
    }

    @Test func invalidBytesBecomeReplacementOnlyWhenTheyCannotComplete() throws {
        let tokenizer = try TokenizerFixtures.real()
        let letterS: Int32 = 30917  // the normal piece "s"
        #expect(tokenizer.decode([letterS]) == "s")
        // E4 B8 is the start of a three-byte character; a normal piece cuts it short.
        let cut = byteIds([0xE4, 0xB8]) + [letterS]
        #expect(streamChunks(tokenizer, cut) == ["", "", "\u{FFFD}\u{FFFD}s", ""])
        // E4 followed by 0x41 can never complete: both resolve when the 0x41 arrives.
        #expect(streamChunks(tokenizer, byteIds([0xE4, 0x41])) == ["", "\u{FFFD}A", ""])
        // C0 and F5 start no well-formed character at all; 0x80 is a stray continuation byte.
        #expect(streamChunks(tokenizer, byteIds([0xC0, 0xF5, 0x80])) == ["\u{FFFD}", "\u{FFFD}", "\u{FFFD}", ""])
        // ED A0 would be a surrogate, F4 90 beyond U+10FFFF, E0 80 overlong.
        #expect(streamChunks(tokenizer, byteIds([0xED, 0xA0])) == ["", "\u{FFFD}\u{FFFD}", ""])
        #expect(streamChunks(tokenizer, byteIds([0xF4, 0x90])) == ["", "\u{FFFD}\u{FFFD}", ""])
        #expect(streamChunks(tokenizer, byteIds([0xE0, 0x80])) == ["", "\u{FFFD}\u{FFFD}", ""])
        // An unfinished character at the end is flushed by finish().
        #expect(streamChunks(tokenizer, byteIds([0xF0, 0x9F, 0x98])) == ["", "", "", "\u{FFFD}\u{FFFD}\u{FFFD}"])
        for ids in [cut, byteIds([0xE4, 0x41]), byteIds([0xF0, 0x9F, 0x98]), byteIds([0xED, 0xA0])] {
            #expect(try tokenizer.decode(ids) == tokenizer.sentencePieceDecode(ids))
        }
    }

    @Test func specialAndPaddingIds() throws {
        let tokenizer = try TokenizerFixtures.real()
        let hello = tokenizer.encode("Hello")
        let ids = [tokenizer.id(.assistant)] + hello + [tokenizer.id(.observation), 64900, 65023] + hello
        // "Hello" is the piece "▁Hello": only the first one loses its space.
        #expect(streamChunks(tokenizer, ids).joined() == "Hello Hello")
        #expect(tokenizer.decode(ids) == "Hello Hello")
        // Shown, a special token starts a new text, as in the original tokenizer's decode (the
        // tiny model's oracle): the "▁" after it goes, like the dummy prefix at the start.
        #expect(streamChunks(tokenizer, ids, showSpecialTokens: true).joined()
                == "<|assistant|>Hello<|observation|>Hello")
        #expect(tokenizer.decode(ids, showSpecialTokens: true) == "<|assistant|>Hello<|observation|>Hello")
        // A hidden special token is invisible like a control piece: the dummy prefix is still dropped.
        let reply = [tokenizer.id(.assistant)] + tokenizer.encode("\n你好")
        #expect(tokenizer.decode(reply) == "\n你好")
        #expect(streamChunks(tokenizer, reply).joined() == "\n你好")
        // Continuing a message keeps its leading space.
        var continuing = StreamingDetokenizer(tokenizer: tokenizer, atMessageStart: false)
        #expect(continuing.append(993) == " world")
    }

    /// Byte pieces of one random non-ASCII character, a third of the time cut short.
    func characterBytes(using generator: inout SeededGenerator) -> [Int32] {
        let ranges: [ClosedRange<UInt32>] = [0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        let range = ranges[Int.random(in: 0..<ranges.count, using: &generator)]
        guard let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) else { return [] }
        var bytes = Array(String(scalar).utf8)
        if Int.random(in: 0..<3, using: &generator) == 0 { bytes.removeLast() }
        return byteIds(bytes)
    }

    @Test func randomSequencesMatchLibSentencePiece() throws {
        let tokenizer = try TokenizerFixtures.real()
        var generator = SeededGenerator(state: 20231207)
        let spaceIds: [Int32] = [30910, 265, 2951]  // "▁", "▁▁", "▁▁▁": dummy-prefix cases
        for _ in 0..<300 {
            let length = Int.random(in: 1...24, using: &generator)
            var ids: [Int32] = []
            for _ in 0..<length {
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<2: ids.append(Int32.random(in: 3...258, using: &generator))  // any byte
                case 2..<5: ids += characterBytes(using: &generator)
                case 5: ids.append(Int32.random(in: 0...2, using: &generator))  // unk, bos, eos
                case 6: ids.append(spaceIds[Int.random(in: 0..<spaceIds.count, using: &generator)])
                default: ids.append(Int32.random(in: 259..<Int32(tokenizer.spVocabSize), using: &generator))
                }
            }
            let reference = try tokenizer.sentencePieceDecode(ids)
            #expect(tokenizer.decode(ids) == reference, "\(ids)")
            #expect(streamChunks(tokenizer, ids).joined() == reference, "\(ids)")
            // Special tokens and padding, hidden, behave exactly like a control piece (</s>).
            let withExtras = ids.map { id -> Int32 in
                guard id == 2 else { return id }
                return [tokenizer.id(.user), 64798, 65023, 2][Int.random(in: 0..<4, using: &generator)]
            }
            #expect(tokenizer.decode(withExtras) == reference, "\(withExtras)")
            #expect(streamChunks(tokenizer, withExtras).joined() == reference, "\(withExtras)")
            let shown = tokenizer.decode(withExtras, showSpecialTokens: true)
            #expect(streamChunks(tokenizer, withExtras, showSpecialTokens: true).joined() == shown, "\(withExtras)")
        }
    }
}
