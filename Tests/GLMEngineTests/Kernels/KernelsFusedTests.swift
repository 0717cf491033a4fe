import CKernels
import Foundation
import Testing
@testable import GLMEngine

/// gate·up + SwiGLU in one job against the unfused steps (matVec / matMul, then the scalar SiLU).
@Suite struct KernelsFusedTests {
    @Test(arguments: [StorageType.q4_0, .q8_0, .f32])
    func fusedSwiGLUMatchesUnfused(_ type: StorageType) {
        let width = 96, cols = 64
        let w = randomMatrix(rows: 2 * width, cols: cols, type: type, seed: 5)
        var rng = SeededRandom(seed: 6)
        for rows in [1, 3] {
            let x = rng.floats(rows * cols, scale: 3)
            for path in KernelPath.supported {
                let ctx = ComputeContext(threads: 2, path: path)
                var gateUp = [Float](repeating: .nan, count: rows * 2 * width)
                var out = [Float](repeating: .nan, count: rows * width)
                gateUp.withUnsafeMutableBufferPointer { g in
                    out.withUnsafeMutableBufferPointer { o in
                        guard let g = g.baseAddress, let o = o.baseAddress else { return }
                        Kernels.matMulSwiGLU(w, x, rows: rows, width: width, gateUp: g, into: o, ctx)
                    }
                }
                for r in 0..<rows {
                    let product = fastMatVec(w, Array(x[r * cols..<(r + 1) * cols]), ctx)
                    for i in 0..<width {
                        let g = product[i], u = product[width + i]
                        let want = g / (1 + exp(-g)) * u
                        #expect(abs(out[r * width + i] - want) <= 1e-5 * max(1, abs(want)),
                                "\(type) \(path) row \(r) index \(i)")
                    }
                }
            }
        }
    }

    #if arch(x86_64)
    @Test(.enabled(if: KernelPath.avx2.isSupported, "the vectorized SiLU gate needs AVX2"), arguments: [1, 8, 13, 1000])
    func siluGateKernelMatchesScalar(_ count: Int) {
        var rng = SeededRandom(seed: UInt64(count))
        var a = rng.floats(count, scale: 30)
        if count > 2 { a[0] = -120; a[1] = 120 }
        let b = rng.floats(count)
        var out = [Float](repeating: .nan, count: count)
        ck_silu_gate_avx2(a, b, Int64(count), &out)
        for i in 0..<count {
            let want = a[i] / (1 + exp(-a[i])) * b[i]
            #expect(abs(out[i] - want) <= 1e-6 * max(1, abs(want)), "index \(i): \(out[i]) vs \(want)")
        }
    }
    #endif
}
