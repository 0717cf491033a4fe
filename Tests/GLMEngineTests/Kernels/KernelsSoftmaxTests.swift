import CKernels
import Foundation
import Testing
@testable import GLMEngine

/// The vectorized softmax against the plain Swift one (the attention kernels: StreamingAttentionTests).
#if arch(x86_64)
@Suite struct KernelsSoftmaxTests {
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
