import CKernels
import Foundation
import Testing
@testable import GLMEngine

/// The streaming attention pass (scores, online softmax and weighted values in one pass over an F16
/// cache) in its scalar twin and SIMD variants, against attention computed in Double, and the merge
/// of partial states over split position ranges against one pass over all of them.
///
/// Tolerance: every output is a convex combination of f16 values of magnitude <= 1. The f32 sums a
/// pass keeps (the softmax denominator and each weighted value) round at most N u relative for N
/// positions (u = 2^-24, about 6e-8; twice for the two sums), and the vectorized exp adds 2e-7
/// relative per weight, so |error| <= 1e-6 + N x 1.2e-7 bounds any correct pass; a wrong block, a
/// missed rescale or a lost position moves outputs by 1e-3 or more.
@Suite struct StreamingAttentionTests {
    private static let dim = 128

    /// The variants this CPU runs, the scalar twin first.
    static let variants: [StreamingAttention] = {
        var all: [StreamingAttention] = [.scalar]
        #if arch(x86_64)
        if KernelPath.avx2.isSupported { all.append(.avx2) }
        if KernelPath.avx512vnni.isSupported { all.append(.avx512) }
        #endif
        return all
    }()

    private struct Case {
        let keys: [UInt16], values: [UInt16]
        let keyFloats: [Float], valueFloats: [Float]
        let queries: [Float]
        let positions: Int, heads: Int
        let scale: Float

        init(positions: Int, heads: Int, queryScale: Float, seed: UInt64) {
            var rng = SeededRandom(seed: seed)
            let k = rng.floats(positions * StreamingAttentionTests.dim).map { Float16($0) }
            let v = rng.floats(positions * StreamingAttentionTests.dim).map { Float16($0) }
            keys = k.map(\.bitPattern)
            values = v.map(\.bitPattern)
            keyFloats = k.map { Float($0) }
            valueFloats = v.map { Float($0) }
            queries = rng.floats(heads * StreamingAttentionTests.dim, scale: queryScale)
            self.positions = positions
            self.heads = heads
            scale = 1 / Float(StreamingAttentionTests.dim).squareRoot()
        }

        /// Attention in Double: out[h * dim + d].
        func reference() -> [Double] {
            AttentionReference.attend(queries: queries, keys: keyFloats, values: valueFloats, heads: heads,
                                      dim: StreamingAttentionTests.dim, positions: positions, scale: scale)
        }

        /// The variant's passes over `cuts` (consecutive ranges covering 0..<positions), merged.
        func run(_ variant: StreamingAttention, cuts: [Range<Int>]) -> [Float] {
            let dim = StreamingAttentionTests.dim
            return keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    guard let k = k.baseAddress, let v = v.baseAddress else { return [] }
                    return AttentionReference.mergedPasses(dim: dim, heads: heads, cuts: cuts, queries: queries) { range, q, w, s in
                        variant.run(keys: k, values: v, dim: dim, range: range, queries: q, heads: heads,
                                    scale: scale, work: w, state: s)
                    }
                }
            }
        }

        var tolerance: Double { 1e-6 + Double(positions) * 1.2e-7 }
    }

    private func worstError(_ got: [Float], _ want: [Double]) -> Double {
        zip(got, want).map { abs(Double($0) - $1) }.max() ?? .infinity
    }

    @Test("every variant matches attention in Double", arguments: [(1, 1), (15, 16), (16, 16), (17, 7), (300, 16), (1000, 3)])
    func matchesDouble(_ positions: Int, _ heads: Int) {
        let c = Case(positions: positions, heads: heads, queryScale: 2, seed: UInt64(positions * 31 + heads))
        let want = c.reference()
        for variant in Self.variants {
            let got = c.run(variant, cuts: [0..<positions])
            #expect(got.allSatisfy { $0.isFinite }, "\(variant): non-finite output")
            let error = worstError(got, want)
            #expect(error <= c.tolerance, "\(variant), \(positions) positions, \(heads) heads: error \(error)")
        }
    }

    @Test("ranges merged equal one pass, empty ranges included", arguments: [100, 777])
    func splitRangesMerge(_ positions: Int) {
        let c = Case(positions: positions, heads: 16, queryScale: 2, seed: UInt64(positions))
        let want = c.reference()
        let a = positions / 3, b = 2 * positions / 3
        for variant in Self.variants {
            let split = c.run(variant, cuts: [0..<a, a..<a, a..<b, b..<positions])
            let error = worstError(split, want)
            #expect(error <= c.tolerance, "\(variant): split error \(error)")
        }
    }

    @Test("sharp scores: most weights underflow, nothing turns NaN")
    func sharpScores() {
        // queries of magnitude 40 put scores hundreds apart: e^(s - max) is 0 for most positions
        let c = Case(positions: 200, heads: 16, queryScale: 40, seed: 9)
        let want = c.reference()
        for variant in Self.variants {
            let got = c.run(variant, cuts: [0..<70, 70..<200])
            #expect(got.allSatisfy { $0.isFinite }, "\(variant): non-finite output")
            let error = worstError(got, want)
            #expect(error <= c.tolerance, "\(variant): error \(error)")
        }
    }

    @Test("a state over no positions is empty, and a head with only empty states gets zeros")
    func emptyState() {
        let c = Case(positions: 4, heads: 2, queryScale: 1, seed: 5)
        for variant in Self.variants {
            #expect(c.run(variant, cuts: [0..<0]).allSatisfy { $0 == 0 }, "\(variant)")
        }
    }

    @Test("the model picks the widest variant its kernel path runs, and none on the portable path")
    func choice() {
        #expect(StreamingAttention.choose(.portable, headDim: 128) == nil)
        #expect(StreamingAttention.choose(.best, headDim: 120) == nil)
        #if arch(x86_64)
        if KernelPath.avx2.isSupported { #expect(StreamingAttention.choose(.avx2, headDim: 128) == .avx2) }
        if KernelPath.avx512vnni.isSupported { #expect(StreamingAttention.choose(.avx512vnni, headDim: 64) == .avx512) }
        #endif
    }
}
