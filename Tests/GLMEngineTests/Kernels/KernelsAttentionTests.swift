import CKernels
import Foundation
import Testing
@testable import GLMEngine

/// The grouped F16-cache attention kernels and the vectorized softmax against plain Swift loops.
#if arch(x86_64)
@Suite struct KernelsAttentionTests {
    /// f16 bits of random values, and the same values as floats (what the kernels must see).
    private func f16Rows(_ count: Int, seed: UInt64) -> (bits: [UInt16], floats: [Float]) {
        var rng = SeededRandom(seed: seed)
        let halves = rng.floats(count).map { Float16($0) }
        return (halves.map(\.bitPattern), halves.map { Float($0) })
    }

    @Test(.enabled(if: KernelPath.avx2.isSupported, "the grouped F16 attention kernels need AVX2 and F16C"),
          arguments: [1, 8, 13, 40])
    func scoresAndValuesMatchScalarLoops(_ positions: Int) {
        // two groups of 64 per cached row; three heads read group 1; positions cover full and partial blocks
        let dim = 64, stride = 128, heads = 3, group = 1, sstride = 48
        let keys = f16Rows(positions * stride, seed: 1), values = f16Rows(positions * stride, seed: 2)
        var rng = SeededRandom(seed: 3)
        let queries = rng.floats(heads * dim)
        let scale: Float = 0.125
        var scores = [Float](repeating: .nan, count: heads * sstride)
        keys.bits.withUnsafeBufferPointer { k in
            guard let k = k.baseAddress else { return }
            ck_attn_scores_f16_avx2(k + group * dim, Int64(stride), Int64(positions), queries, Int64(dim),
                                    Int64(heads), Int64(dim), scale, &scores, Int64(sstride))
        }
        for h in 0..<heads {
            for j in 0..<positions {
                var want: Float = 0
                for c in 0..<dim { want += queries[h * dim + c] * keys.floats[j * stride + group * dim + c] }
                #expect(abs(scores[h * sstride + j] - want * scale) <= 1e-5, "head \(h) position \(j)")
            }
        }
        let weights = rng.floats(heads * sstride)
        var out = [Float](repeating: .nan, count: heads * dim)
        values.bits.withUnsafeBufferPointer { v in
            guard let v = v.baseAddress else { return }
            ck_attn_values_f16_avx2(v + group * dim, Int64(stride), Int64(positions), weights, Int64(sstride),
                                    Int64(heads), Int64(dim), &out, Int64(dim))
        }
        for h in 0..<heads {
            for c in 0..<dim {
                var want: Float = 0
                for j in 0..<positions { want += weights[h * sstride + j] * values.floats[j * stride + group * dim + c] }
                #expect(abs(out[h * dim + c] - want) <= 1e-5, "head \(h) column \(c)")
            }
        }
    }

    @Test(.enabled(if: KernelPath.avx512vnni.isSupported, "the heads-in-lanes attention kernel needs AVX-512"),
          arguments: [(1, 3), (5, 16), (37, 16), (300, 7)])
    func wideGroupAttentionMatchesScalarLoops(_ positions: Int, _ heads: Int) {
        // two groups of 128 per cached row, the heads read group 1; positions cover partial steps and blocks
        let dim = 128, stride = 256, group = 1
        let keys = f16Rows(positions * stride, seed: 11), values = f16Rows(positions * stride, seed: 12)
        var rng = SeededRandom(seed: 13)
        let queries = rng.floats(heads * dim, scale: 2)
        let scale: Float = 1 / Float(dim).squareRoot()
        var work = [Float](repeating: .nan, count: Int(ck_attn_group_work_floats(Int64(positions), Int64(dim))))
        var out = [Float](repeating: .nan, count: heads * dim)
        keys.bits.withUnsafeBufferPointer { k in
            values.bits.withUnsafeBufferPointer { v in
                guard let k = k.baseAddress, let v = v.baseAddress else { return }
                ck_attn_group_f16_avx512(k + group * dim, v + group * dim, Int64(stride), Int64(positions), queries,
                                         Int64(dim), Int64(heads), Int64(dim), scale, &work, &out, Int64(dim))
            }
        }
        for h in 0..<heads {
            var scores = (0..<positions).map { j -> Float in
                var dot: Float = 0
                for c in 0..<dim { dot += queries[h * dim + c] * keys.floats[j * stride + group * dim + c] }
                return dot * scale
            }
            scores.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                Kernels.softmax(base, count: positions)
            }
            for c in 0..<dim {
                var want: Float = 0
                for j in 0..<positions { want += scores[j] * values.floats[j * stride + group * dim + c] }
                #expect(abs(out[h * dim + c] - want) <= 1e-5, "head \(h) column \(c): \(out[h * dim + c]) vs \(want)")
            }
        }
    }

    @Test(.enabled(if: KernelPath.avx2.isSupported, "the vectorized softmax needs AVX2"), arguments: [1, 7, 8, 29, 1000])
    func vectorSoftmaxMatchesScalar(_ count: Int) {
        var rng = SeededRandom(seed: UInt64(count))
        // wide range: differences far below -87 must come out as (near) zero, not NaN
        var x = rng.floats(count, scale: 60)
        if count > 3 { x[2] = -200 }
        var want = x
        want.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            Kernels.softmax(base, count: count)
        }
        ck_softmax_avx2(&x, Int64(count))
        for i in 0..<count {
            #expect(x[i].isFinite)
            #expect(abs(x[i] - want[i]) <= 1e-6 * max(1, want[i]) + 1e-30, "index \(i): \(x[i]) vs \(want[i])")
        }
        #expect(abs(x.reduce(0, +) - 1) <= 1e-5)
    }
}
#endif
