import COpenBLAS
import Foundation
import Testing
@testable import GLMEngine

/// OpenBLAS runs kernels as strong as the CPU's instructions once glmchat has asked for its first
/// sgemm, whatever its own CPU table knows (Debian's 0.3.21 picks SSE3 kernels on Emerald Rapids).
@Suite struct OpenBLASCoreTests {
    @Test func coresAreRankedByTheirInstructions() {
        #expect(OpenBLASCore.tier("Prescott") == 1)
        #expect(OpenBLASCore.tier("Sandybridge") == 1)
        #expect(OpenBLASCore.tier("Haswell") == 2)
        #expect(OpenBLASCore.tier("Zen") == 2)
        #expect(OpenBLASCore.tier("SkylakeX") == 3)
        #expect(OpenBLASCore.tier("SAPPHIRERAPIDS") == 3)
    }

    @Test func afterTheFirstSgemmTheKernelsMatchTheCPU() throws {
        // the path every f32/f16/bf16 prompt takes: a batch big enough for sgemm
        let w = randomMatrix(rows: 33, cols: 64, type: .f32, seed: 3)
        var rng = SeededRandom(seed: 4)
        let x = rng.floats(9 * 64)
        let y = fastMatMul(w, x, n: 9, ComputeContext(threads: 2), minBatchForBLAS: 1)
        for i in 0..<9 {
            let single = fastMatVec(w, Array(x[i * 64..<(i + 1) * 64]), ComputeContext(threads: 1))
            for r in 0..<33 { #expect(abs(y[i * 33 + r] - single[r]) <= 1e-4 * max(1, abs(single[r]))) }
        }
        if let chosen = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            #expect(OpenBLASCore.upgrade == nil, "the user's OPENBLAS_CORETYPE=\(chosen) is kept")
        } else {
            if let strongest = OpenBLASCore.strongestForThisCPU {
                #expect(OpenBLASCore.tier(OpenBLASCore.current) >= strongest.tier,
                        "OpenBLAS runs \(OpenBLASCore.current) on a CPU that runs \(strongest.name)")
            }
            #expect(getenv("OPENBLAS_CORETYPE") == nil, "the environment is left as it was")
        }
    }
}
