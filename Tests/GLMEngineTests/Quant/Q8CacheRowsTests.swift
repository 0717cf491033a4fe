import Foundation
import Testing
@testable import GLMEngine

/// The q8_0 KV cache's rows (`Q8CacheRows`): quantize / dequantize round trips, the byte layout
/// against the weights' q8_0 quantizer (ggml's block_q8_0), and a q8_0 `KVCache` storing and reading
/// back what it was given.
@Suite("Quant: q8_0 cache rows")
struct Q8CacheRowsTests {
    static func quantize(_ x: [Float], block: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0xAA, count: Q8CacheRows.bytes(count: x.count, block: block))
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { dst in
                guard let src = src.baseAddress, let dst = dst.baseAddress else { return }
                Q8CacheRows.quantize(src, count: x.count, block: block, into: dst)
            }
        }
        return out
    }

    static func dequantize(_ bytes: [UInt8], count: Int, block: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let src = src.baseAddress, let dst = dst.baseAddress else { return }
                Q8CacheRows.dequantize(src, count: count, block: block, into: dst)
            }
        }
        return out
    }

    @Test("block widths: 32 where it divides the head, else 16, else none")
    func blockWidths() {
        #expect(Q8CacheRows.block(headDim: 128) == 32)
        #expect(Q8CacheRows.block(headDim: 16) == 16)
        #expect(Q8CacheRows.block(headDim: 48) == 16)
        #expect(Q8CacheRows.block(headDim: 24) == nil)
        #expect(Q8CacheRows.bytes(count: 128, block: 32) == 136)
        #expect(throws: GLMError.self) { try KVCacheType.q8_0.check(headDim: 24) }
        #expect((try? KVCacheType.f16.check(headDim: 24)) != nil)
    }

    @Test("round trip: each value within 0.5 step of its block (plus the f16 scale's rounding)", arguments: [16, 32])
    func roundTrip(block: Int) {
        var rng = SeededRandom(seed: UInt64(block))
        // scales of f16 normals (a block below about 0.008 gets a subnormal scale and loses precision)
        for magnitude: Float in [0.05, 0.7, 40, 3000] {
            let x = rng.floats(8 * block, scale: magnitude)
            let back = Self.dequantize(Self.quantize(x, block: block), count: x.count, block: block)
            for b in 0..<8 {
                let values = x[(b * block)..<((b + 1) * block)]
                let step = (values.map(abs).max() ?? 0) / 127
                // |x - s16 q| <= |x - s q| + |s - s16| |q| <= s / 2 + s 2^-11 x 127
                let bound = step * (0.5 + 127 / 2048) * 1.0001
                for i in values.indices {
                    #expect(abs(back[i] - x[i]) <= bound, "block \(b), magnitude \(magnitude): \(x[i]) came back as \(back[i])")
                }
            }
        }
    }

    @Test("values on the grid come back exactly; a zero block stays zero; the largest maps to +-127")
    func exactCases() {
        // scale 0.5 is exact in f16: k x 0.5 for k in -127...127 round-trips exactly
        var x = (0..<32).map { Float($0 * 8 - 127) * 0.5 }
        x[31] = 63.5
        #expect(Self.dequantize(Self.quantize(x, block: 32), count: 32, block: 32) == x)
        let zeros = [Float](repeating: 0, count: 16)
        #expect(Self.dequantize(Self.quantize(zeros, block: 16), count: 16, block: 16) == zeros)
        let bytes = Self.quantize([-3] + [Float](repeating: 1, count: 15), block: 16)
        #expect(Int8(bitPattern: bytes[2]) == -127)
        #expect(Int8(bitPattern: bytes[3]) == 42) // 1 / (3 / 127) = 42.33
    }

    @Test("blocks of 32 are byte for byte the weights' q8_0 (ggml's block_q8_0)")
    func matchesWeightQuantizer() {
        var rng = SeededRandom(seed: 77)
        let x = rng.floats(256, scale: 3)
        var weights = [UInt8](repeating: 0, count: 256 / 32 * QuantBlock.q8_0Bytes)
        x.withUnsafeBufferPointer { src in
            weights.withUnsafeMutableBytes { dst in
                guard let src = src.baseAddress, let dst = dst.baseAddress else { return }
                QuantRow.quantizeQ8_0(src, count: 256, into: dst)
            }
        }
        #expect(Self.quantize(x, block: 32) == weights)
    }

    @Test("a q8_0 KVCache reads back its rows within the round-trip bound, in about half the bytes of F16")
    func cacheStoresRows() throws {
        let model = try OracleModelTests.load("tiny-chatglm3")
        let config = model.config
        let q8 = KVCache(config: config, maxPositions: 64, precision: .q8_0)
        let f16 = KVCache(config: config, maxPositions: 64, precision: .f16)
        q8.reserve(10)
        f16.reserve(10)
        var rng = SeededRandom(seed: 3)
        let rows = (0..<10).map { _ in (rng.floats(config.kvDim), rng.floats(config.kvDim)) }
        for (position, (key, value)) in rows.enumerated() {
            q8.store(layer: 1, position: position, key: key, value: value)
        }
        q8.advance(by: 10)
        for (position, (key, value)) in rows.enumerated() {
            for (got, want) in [(q8.row(key: true, layer: 1, position: position), key),
                                (q8.row(key: false, layer: 1, position: position), value)] {
                #expect(zip(got, want).allSatisfy { abs($0 - $1) <= 1.0 / 127 * 0.57 })
            }
        }
        // heads of 16: blocks of 16 values + a 2-byte scale, 18 bytes against F16's 32
        #expect(q8.bytes * 32 == f16.bytes * 18)
        #expect(KVCache.bytes(config: config, positions: 64, precision: .q8_0) == q8.fullWindowBytes)
    }
}
