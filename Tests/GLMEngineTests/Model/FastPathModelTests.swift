import Foundation
import Testing
@testable import GLMEngine

/// The whole forward pass on the fast kernels (best SIMD path, two threads, grouped F16 attention,
/// fused SwiGLU, four-token prompt kernel) against the same weights on the portable reference path
/// (one thread): prompt logits for every position, then fed tokens one at a time.
/// F16 weights: with Q4_0 / Q8_0 weights every matrix input is rounded to Q8_0, and a last-bit
/// difference in a sum (the SIMD and portable paths add in different orders) can flip one rounding,
/// which these small random models amplify to about 0.1 (measured 0.12; see QuantizedModelTests,
/// which bounds that effect). The integer kernels themselves are pinned per path in the Kernels suites.
@Suite("Model: fast path against the reference path")
struct FastPathModelTests {
    @Test("logits agree within 1e-3",
          .enabled(if: KernelPath.best != .portable, "this CPU has no SIMD kernel path to compare with the portable one"),
          arguments: [StorageType.f16])
    func fastAgainstPortable(type: StorageType) throws {
        var worst: Float = 0
        for model in ["tiny-chatglm3", "oracle/deep"] {
            let fast = try OracleModelTests.load(model, as: type)
            let reference = GLMModel(weights: fast.weights, compute: ComputeContext(threads: 1, path: .portable),
                                     maxBatch: 64)
            for expected in OracleModelTests.expected[model] ?? [] {
                let cacheA = KVCache(config: fast.config, maxPositions: expected.inputIDs.count + 8, precision: .f16)
                let cacheB = KVCache(config: fast.config, maxPositions: expected.inputIDs.count + 8, precision: .f16)
                var a = fast.forward(expected.inputIDs, cache: cacheA, logits: .all)
                var b = reference.forward(expected.inputIDs, cache: cacheB, logits: .all)
                worst = max(worst, Fixtures.maxAbsDifference(a, b))
                for token in expected.greedyIDs.prefix(8) {
                    a = fast.forward([token], cache: cacheA, logits: .last)
                    b = reference.forward([token], cache: cacheB, logits: .last)
                    worst = max(worst, Fixtures.maxAbsDifference(a, b))
                }
            }
        }
        print("\(type): fast vs portable path, max abs logit difference \(worst)")
        #expect(worst < 1e-3, "\(type): fast vs portable max abs logit difference \(worst)")
    }
}
