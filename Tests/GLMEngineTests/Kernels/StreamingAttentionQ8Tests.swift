import CKernels
import Foundation
import Testing
@testable import GLMEngine

/// The streaming attention pass over a q8_0 cache (`ck_attn_stream_q8_0_*`): the scalar twin against
/// attention in Double over the dequantized rows, and every SIMD variant against the scalar twin, for
/// blocks of 32 (heads of 128, 64) and of 16 (the tiny models' heads of 16).
///
/// Tolerance: as in StreamingAttentionTests, outputs are convex combinations of values of magnitude
/// <= 1 (a dequantized value is at most max|x| of its block, up to the f16 rounding of the scale), so
/// a correct pass is within 1e-6 + N x 1.2e-7 of the Double result; a wrong block scale, a misread
/// int8 or a lost position moves outputs by 1e-3 or more.
@Suite struct StreamingAttentionQ8Tests {
    private struct Case {
        let keys: [UInt8], values: [UInt8]
        let keyFloats: [Float], valueFloats: [Float]
        let queries: [Float]
        let positions: Int, heads: Int, dim: Int, block: Int
        var rowBytes: Int { Q8CacheRows.bytes(count: dim, block: block) }
        var scale: Float { 1 / Float(dim).squareRoot() }

        init(positions: Int, heads: Int, dim: Int, queryScale: Float, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            let block = Q8CacheRows.block(headDim: dim) ?? 32
            let rowBytes = Q8CacheRows.bytes(count: dim, block: block)
            func quantized(_ floats: [Float]) -> (bytes: [UInt8], floats: [Float]) {
                var bytes = [UInt8](repeating: 0, count: positions * rowBytes)
                var back = [Float](repeating: 0, count: floats.count)
                floats.withUnsafeBufferPointer { x in
                    bytes.withUnsafeMutableBytes { out in
                        back.withUnsafeMutableBufferPointer { b in
                            guard let x = x.baseAddress, let out = out.baseAddress, let b = b.baseAddress else { return }
                            for j in 0..<positions {
                                Q8CacheRows.quantize(x + j * dim, count: dim, block: block, into: out + j * rowBytes)
                                Q8CacheRows.dequantize(out + j * rowBytes, count: dim, block: block, into: b + j * dim)
                            }
                        }
                    }
                }
                return (bytes, back)
            }
            // rows of mixed magnitude: blocks get scales from 0.02 to 1
            let k = (0..<positions).flatMap { j in rng.floats(dim, scale: j % 3 == 0 ? 0.02 : 1) }
            let v = (0..<positions).flatMap { j in rng.floats(dim, scale: j % 5 == 0 ? 0.1 : 1) }
            (keys, keyFloats) = quantized(k)
            (values, valueFloats) = quantized(v)
            queries = rng.floats(heads * dim, scale: queryScale)
            self.positions = positions
            self.heads = heads
            self.dim = dim
            self.block = block
        }

        /// Attention in Double over the dequantized rows: out[h * dim + d].
        func reference() -> [Double] {
            AttentionReference.attend(queries: queries, keys: keyFloats, values: valueFloats, heads: heads,
                                      dim: dim, positions: positions, scale: scale)
        }

        /// The variant's passes over `cuts`, merged.
        func run(_ variant: StreamingAttention, cuts: [Range<Int>]) -> [Float] {
            keys.withUnsafeBytes { k in
                values.withUnsafeBytes { v in
                    guard let k = k.baseAddress, let v = v.baseAddress else { return [] }
                    return AttentionReference.mergedPasses(dim: dim, heads: heads, cuts: cuts, queries: queries) { range, q, w, s in
                        variant.runQ8(keys: k, values: v, rowBytes: rowBytes, block: block, dim: dim, range: range,
                                      queries: q, heads: heads, scale: scale, work: w, state: s)
                    }
                }
            }
        }

        var tolerance: Double { 1e-6 + Double(positions) * 1.2e-7 }
    }

    private func worstError(_ got: [Float], _ want: [Double]) -> Double {
        zip(got, want).map { abs(Double($0) - $1) }.max() ?? .infinity
    }

    @Test("the scalar twin matches attention in Double over the dequantized cache",
          arguments: [(1, 1, 128), (17, 16, 128), (300, 16, 128), (100, 4, 64), (77, 2, 16), (33, 16, 16)])
    func scalarMatchesDouble(_ positions: Int, _ heads: Int, _ dim: Int) {
        let c = Case(positions: positions, heads: heads, dim: dim, queryScale: 2, seed: UInt64(positions * 7 + dim))
        let got = c.run(.scalar, cuts: [0..<positions])
        let error = worstError(got, c.reference())
        #expect(error <= c.tolerance, "\(positions) positions, \(heads) heads, dim \(dim): error \(error)")
    }

    @Test("every SIMD variant matches the scalar twin, whole and split into ranges",
          arguments: [(16, 16, 128), (301, 16, 128), (1000, 3, 128), (129, 7, 64), (200, 16, 16), (5, 2, 16)])
    func variantsMatchScalar(_ positions: Int, _ heads: Int, _ dim: Int) {
        let c = Case(positions: positions, heads: heads, dim: dim, queryScale: 2, seed: UInt64(positions * 13 + heads))
        let scalar = c.run(.scalar, cuts: [0..<positions])
        let want = c.reference()
        let a = positions / 3, b = 2 * positions / 3
        #expect(StreamingAttentionTests.variants.count >= 1)
        for variant in StreamingAttentionTests.variants where variant != .scalar {
            for cuts in [[0..<positions], [0..<a, a..<a, a..<b, b..<positions]] {
                let got = c.run(variant, cuts: cuts)
                #expect(got.allSatisfy { $0.isFinite }, "\(variant): non-finite output")
                let error = zip(got, scalar).map { abs($0 - $1) }.max() ?? .infinity
                #expect(Double(error) <= 2 * c.tolerance, "\(variant) vs scalar, \(cuts.count) ranges: \(error)")
                #expect(worstError(got, want) <= c.tolerance, "\(variant) vs Double")
            }
        }
    }

    @Test("sharp scores over a q8_0 cache: most weights underflow, nothing turns NaN")
    func sharpScores() {
        let c = Case(positions: 200, heads: 16, dim: 128, queryScale: 40, seed: 11)
        let want = c.reference()
        for variant in StreamingAttentionTests.variants {
            let got = c.run(variant, cuts: [0..<70, 70..<200])
            #expect(got.allSatisfy { $0.isFinite }, "\(variant): non-finite output")
            #expect(worstError(got, want) <= c.tolerance, "\(variant)")
        }
    }

    @Test("a q8_0 pass over no positions is empty")
    func emptyState() {
        let c = Case(positions: 4, heads: 2, dim: 32, queryScale: 1, seed: 5)
        for variant in StreamingAttentionTests.variants {
            #expect(c.run(variant, cuts: [0..<0]).allSatisfy { $0 == 0 }, "\(variant)")
        }
    }
}
