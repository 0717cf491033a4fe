import Testing
@testable import GLMEngine

/// Blocks worked out by hand from ggml's reference quantizers.
@Suite struct QuantBlockTests {
    private func q4(_ x: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 18)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBytes { QuantRow.quantizeQ4_0(xp.baseAddress.unsafelyUnwrapped, count: 32, into: $0.baseAddress.unsafelyUnwrapped) }
        }
        return out
    }

    private func q8(_ x: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 34)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBytes { QuantRow.quantizeQ8_0(xp.baseAddress.unsafelyUnwrapped, count: 32, into: $0.baseAddress.unsafelyUnwrapped) }
        }
        return out
    }

    private func dequantized(_ bytes: [UInt8], _ type: StorageType) -> [Float] {
        bytes.withUnsafeBytes { Quant.dequantize($0.baseAddress.unsafelyUnwrapped, type: type, rows: 1, cols: 32) }
    }

    @Test func blockLayoutsAreGGMLs() {
        #expect(MemoryLayout<BlockQ4_0>.size == 18)
        #expect(MemoryLayout<BlockQ8_0>.size == 34)
        #expect(QuantBlock.layoutsMatchGGML)
        #expect(StorageType.q4_0.byteCount(elements: 64) == 36)
        #expect(StorageType.q8_0.byteCount(elements: 64) == 68)
    }

    @Test func q4_0OfZeroToThirtyOne() {
        // max = 31 (positive) so d = 31 / -8 = -3.875 = -1.9375 * 2^1: fp16 sign 1, exponent 16, mantissa 960 -> 0xC3C0.
        // q_j = trunc(j / -3.875 + 8.5) = floor(8.5 - 8j/31): 8,8,7,7,7,7,6,6,6,6,5,5,5,5,4,4 for j = 0..15
        // and 4,4,3,3,3,3,2,2,2,2,1,1,1,1,0,0 for j = 16..31; byte j = q_j | q_(j+16) << 4.
        let bytes = q4((0..<32).map(Float.init))
        #expect(bytes[0] == 0xC0 && bytes[1] == 0xC3)
        #expect(Array(bytes[2...]) == [0x48, 0x48, 0x37, 0x37, 0x37, 0x37, 0x26, 0x26,
                                       0x26, 0x26, 0x15, 0x15, 0x15, 0x15, 0x04, 0x04])
        let back = dequantized(bytes, .q4_0)
        #expect(back[0] == 0 && back[31] == 31)  // (8-8)*d and (0-8)*-3.875
        #expect(back[1] == 0 && back[2] == 3.875)
    }

    @Test func q4_0WithNegativeMax() {
        // max = -16 so d = 2 (0x4000), 1/d = 0.5: -16 -> 0.5 -> 0; 8 -> 12.5 -> 12; 0 -> 8; 4 -> 10; -2 -> 7.5 -> 7.
        var x = [Float](repeating: 0, count: 32)
        x[0] = -16; x[1] = 8; x[16] = 4; x[17] = -2
        let bytes = q4(x)
        #expect(bytes[0] == 0x00 && bytes[1] == 0x40)
        #expect(bytes[2] == 0xA0 && bytes[3] == 0x7C)
        #expect(bytes[4...].allSatisfy { $0 == 0x88 })
        #expect(dequantized(bytes, .q4_0) == x)
    }

    @Test func q4_0ClipsTheOppositeExtreme() {
        // Equal magnitudes: the first (16) wins, d = -2; -16 maps to 8 + 8.5 = 16.5 -> 16, clipped to 15 -> -14.
        var x = [Float](repeating: 0, count: 32)
        x[0] = 16; x[1] = -16
        let bytes = q4(x)
        #expect(bytes[0] == 0x00 && bytes[1] == 0xC0)  // fp16(-2)
        #expect(bytes[2] == 0x80 && bytes[3] == 0x8F)
        let back = dequantized(bytes, .q4_0)
        #expect(back[0] == 16 && back[1] == -14)
    }

    @Test func allZeroBlocks() {
        let zeros = [Float](repeating: 0, count: 32)
        // d = 0 / -8 is -0.0 (fp16 0x8000), as ggml writes it; every q is trunc(0 + 8.5) = 8.
        #expect(q4(zeros) == [0x00, 0x80] + [UInt8](repeating: 0x88, count: 16))
        #expect(q8(zeros) == [UInt8](repeating: 0, count: 34))
        #expect(dequantized(q4(zeros), .q4_0) == zeros)
    }

    @Test func q8_0OfZeroToThirtyOne() {
        // d = 31/127 = 0.244094..., fp16 0x33D0 (0.2441); q_j = round(j * 127/31) = round(4.0968 j).
        let bytes = q8((0..<32).map(Float.init))
        #expect(bytes[0] == 0xD0 && bytes[1] == 0x33)
        let expected: [Int8] = [0, 4, 8, 12, 16, 20, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61,
                                66, 70, 74, 78, 82, 86, 90, 94, 98, 102, 107, 111, 115, 119, 123, 127]
        #expect(bytes[2...].map { Int8(bitPattern: $0) } == expected)
    }

    @Test func q8_0RoundsHalvesAwayFromZero() {
        // amax 127 -> d = 1 (0x3C00): 63.5 -> 64, -63.5 -> -64, 2.5 -> 3 (not banker's 2), -0.5 -> -1.
        var x = [Float](repeating: 0, count: 32)
        x[0] = -127; x[1] = 63.5; x[2] = -63.5; x[3] = 2.5; x[4] = -0.5
        let bytes = q8(x)
        #expect(bytes[0] == 0x00 && bytes[1] == 0x3C)
        #expect(bytes[2...6].map { Int8(bitPattern: $0) } == [-127, 64, -64, 3, -1])
    }

    @Test func halfPrecisionRoundsToNearestEven() {
        #expect(HalfFloat.f16Bits(1) == 0x3C00)
        #expect(HalfFloat.f16Bits(1 + 0x1p-11) == 0x3C00)        // tie -> even mantissa 0
        #expect(HalfFloat.f16Bits(1 + 3 * 0x1p-11) == 0x3C02)    // tie -> even mantissa 2
        #expect(HalfFloat.f16Bits(65520) == 0x7C00)              // rounds up to infinity
        #expect(HalfFloat.f16Bits(-0x1p-24) == 0x8001)           // smallest subnormal
        #expect(HalfFloat.float(f16Bits: 0xC3C0) == -3.875)
    }

    @Test func bfloat16RoundsToNearestEven() {
        #expect(HalfFloat.bf16Bits(1) == 0x3F80)
        #expect(HalfFloat.bf16Bits(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie -> even
        #expect(HalfFloat.bf16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie -> even
        #expect(HalfFloat.bf16Bits(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(HalfFloat.float(bf16Bits: HalfFloat.bf16Bits(.nan)).isNaN)
        #expect(HalfFloat.float(bf16Bits: 0xC040) == -3)
    }
}
