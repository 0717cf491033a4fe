import Foundation
import Testing
@testable import GLMEngine

/// Texts that must match byte for byte stay apart when Swift's `String ==` would merge them.
@Suite struct ExactTextTests {
    /// U+5E74 and the CJK compatibility ideograph U+F98E; U+212A KELVIN SIGN and "K".
    static let year = "\u{5E74}", compatibilityYear = "\u{F98E}"

    /// The memcmp path: lengths first, shared storage, substrings, small (inline) strings, empty text.
    @Test func isByteEqualComparesEveryByteWhateverTheStorage() {
        let long = String(repeating: "年 K é 😀 ", count: 2000)
        let copy = long
        var changed = long
        changed.append("x")
        changed.removeLast()
        #expect(long.isByteEqual(to: copy))
        #expect(long.isByteEqual(to: changed))                       // equal bytes, another buffer
        var lastByte = Array(long.utf8)
        lastByte[lastByte.count - 2] ^= 1                               // the last emoji becomes 😁: same length
        #expect(!long.isByteEqual(to: String(decoding: lastByte, as: UTF8.self)))
        #expect(!long.isByteEqual(to: long.dropLast()))
        #expect(String(long.dropLast(3)).isByteEqual(to: long.dropLast(3)))
        #expect(!"\u{F98E}".isByteEqual(to: "\u{5E74}"))                  // canonically equal, other bytes
        #expect("".isByteEqual(to: ""))
        #expect(!"".isByteEqual(to: "a"))
        #expect("short".isByteEqual(to: "short"[...]))
    }

    @Test func canonicallyEquivalentTextsStayDistinct() {
        #expect(Self.year == Self.compatibilityYear)  // why this type exists
        #expect(ExactText(Self.year) != ExactText(Self.compatibilityYear))
        #expect(Set([ExactText(Self.year), ExactText(Self.compatibilityYear)]).count == 2)
        #expect(!Self.year.isByteEqual(to: Self.compatibilityYear))
        #expect(!"\u{212A}elvin".hasBytePrefix("K"))
        #expect(ExactText("e\u{301}") != ExactText("\u{E9}"))
        #expect(ExactText("blk.0") < ExactText("blk.1"))
        #expect(ExactText(validatingUTF8: [0xFF]) == nil)
    }

    @Test func ggufMetadataKeepsKeysThatDifferOnlyInBytes() {
        var metadata = GGUFMetadata()
        metadata[ExactText(Self.year)] = .uint32(1)
        metadata[ExactText(Self.compatibilityYear)] = .uint32(2)
        #expect(metadata.keys.count == 2)
        #expect(metadata[ExactText(Self.year)] == .uint32(1))
        #expect(metadata[ExactText(Self.compatibilityYear)] == .uint32(2))
        #expect(GGUFValue.string(ExactText(Self.year)) != .string(ExactText(Self.compatibilityYear)))
    }

    @Test func ggufVocabularyFindsRepeatsByBytesOnly() {
        let distinct = GGUFVocabulary(tokens: ["a", ExactText(Self.year), ExactText(Self.compatibilityYear)],
                                      scores: [0, 0, 0], types: [1, 1, 1], sentencePieceModel: [])
        #expect(distinct.firstRepeatedToken() == nil)
        let repeated = GGUFVocabulary(tokens: ["a", "b", "a"], scores: [0, 0, 0], types: [1, 1, 1], sentencePieceModel: [])
        #expect(repeated.firstRepeatedToken()?.id == 2)
    }

    @Test func jsonKeysAndStringsCompareByBytes() throws {
        let json = try JSONValue.parse("{\"\(Self.year)\": 1, \"\(Self.compatibilityYear)\": 2, \"\(Self.year)\": 3}")
        guard case .object(let members) = json else {
            Issue.record("not an object")
            return
        }
        // Python's json keeps both keys; the repeated one keeps its first place and takes the last value.
        #expect(members.count == 2)
        #expect(json[Self.year] == .int(3))
        #expect(json[Self.compatibilityYear] == .int(2))
        #expect(JSONValue.string(Self.year) != .string(Self.compatibilityYear))
        #expect(throws: GLMError.self) { try JSONValue.parse(bytes: [0x22, 0xFF, 0x22]) }
    }

    @Test func tensorNamesMatchOnlyTheirExactSpelling() {
        #expect(TensorNames.huggingFaceName(forGGUF: "blk.5.attn_norm.weight") == TensorNames.layer(5, .inputNorm))
        for damaged in ["blk.+5.attn_norm.weight", "blk.05.attn_norm.weight", "blk.5.attn_norm.weight\u{301}",
                        "blk..attn_norm.weight", "blk.99999999999999999999.attn_norm.weight", "bl\u{212A}.5.attn_norm.weight"] {
            #expect(TensorNames.huggingFaceName(forGGUF: damaged) == nil, "\(damaged.debugDescription)")
        }
        #expect(TensorNames.ggufName(forHuggingFace: "transformer.encoder.layers.1.mlp.dense_4h_to_h.weight") == "blk.1.ffn_down.weight")
        #expect(TensorNames.ggufName(forHuggingFace: "transformer.encoder.layers.1.mlp.dense_4h_to_h.weight\u{301}") == nil)
        #expect(TensorNames.layerIndex("transformer.encoder.layers.9223372036854775807.x", prefix: "transformer.encoder.layers.") == nil)
    }
}
