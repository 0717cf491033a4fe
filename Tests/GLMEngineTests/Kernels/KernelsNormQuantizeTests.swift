import CKernels
import Foundation
import Testing
@testable import GLMEngine

/// The norm fused into the quantizing of a matrix-vector product's input, the SwiGLU output
/// quantized by the gate-up job's threads, and the bias and residual adds done by a product's
/// threads, against the separate steps.
@Suite struct KernelsNormQuantizeTests {
    /// The group layout of `act` (whole quads), as bytes, scales and biases.
    private func groups(_ act: QuantizedActivation) -> ([Int8], [Float], [Int32]) {
        let view = act.cView
        let count = Int(ck_act_groups_padded(view.nblocks))
        return (Array(UnsafeBufferPointer(start: view.gq, count: count * 128)),
                Array(UnsafeBufferPointer(start: view.gd, count: count * 4)),
                Array(UnsafeBufferPointer(start: view.gbias4, count: count * 4)))
    }

    @Test(.enabled(if: KernelPath.avx2.isSupported, "the fused norm-quantizer needs AVX2"),
          arguments: [1, 5, 16, 17, 128, 428])
    func normalizedGroupsEqualNormThenQuantize(_ blocks: Int) {
        let count = blocks * 32
        var rng = SeededRandom(seed: UInt64(blocks))
        var x = rng.floats(count, scale: 4)
        for i in 0..<min(32, count) { x[i] = 0 }  // an all-zero block
        let weight = rng.floats(count, scale: 2)
        var normed = [Float](repeating: 0, count: count)
        Kernels.rmsnorm(x, weight: weight, eps: 1e-5, count: count, into: &normed)
        let separate = QuantizedActivation()
        separate.quantize(normed, count: count, vectorized: false)  // the scalar reference quantizer

        // a scratch last used for a longer vector: its padding must be cleared, not left over
        let fused = QuantizedActivation()
        fused.quantize(rng.floats(count + 96 * 32, scale: 9), count: count + 96 * 32)
        fused.prepareGroups(count: count)
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                guard let x = xp.baseAddress, let w = wp.baseAddress else { return }
                let scale = Kernels.rmsScale(x, eps: 1e-5, count: count)
                // two threads' worth of blocks, filled in either order
                let middle = blocks / 2
                fused.fillGroups(x, blocks: middle..<blocks, norm: (w, scale))
                fused.fillGroups(x, blocks: 0..<middle, norm: (w, scale))
            }
        }
        #expect(fused.groupsOnly && !separate.groupsOnly)
        let (fq, fd, fb) = groups(fused), (sq, sd, sb) = groups(separate)
        #expect(fq == sq)
        #expect(fd == sd)
        #expect(fb == sb)
    }

    @Test(arguments: [StorageType.q4_0, .q8_0, .f32])
    func normalizedMatVecEqualsNormThenMatVec(_ type: StorageType) {
        for cols in [64, 544] {
            let w = randomMatrix(rows: 37, cols: cols, type: type, seed: UInt64(cols))
            var rng = SeededRandom(seed: 9)
            let x = rng.floats(cols, scale: 3)
            let weight = rng.floats(cols, scale: 1.5)
            var normed = [Float](repeating: 0, count: cols)
            Kernels.rmsnorm(x, weight: weight, eps: 1e-5, count: cols, into: &normed)
            for path in KernelPath.supported {
                let ctx = ComputeContext(threads: 2, path: path)
                let want = fastMatVec(w, normed, ctx)
                var got = [Float](repeating: .nan, count: w.rows)
                var scratch = [Float](repeating: 0, count: cols)
                x.withUnsafeBufferPointer { xp in
                    weight.withUnsafeBufferPointer { wp in
                        scratch.withUnsafeMutableBufferPointer { sp in
                            guard let x = xp.baseAddress, let wt = wp.baseAddress, let s = sp.baseAddress else { return }
                            Kernels.matVec(w, .rmsNormalized(x, weight: wt, eps: 1e-5, normed: s), &got, ctx)
                        }
                    }
                }
                #expect(got == want, "\(type) \(path) cols \(cols)")
            }
        }
    }

    @Test(arguments: [(96, true), (100, false)])
    func swiGLUQuantizedByItsThreadsFeedsTheNextProduct(_ width: Int, _ blockWidth: Bool) {
        let cols = 64
        let gateUpW = randomMatrix(rows: 2 * width, cols: cols, type: .q4_0, seed: 3)
        // the next product's rows hold whole blocks only when width does
        let downCols = blockWidth ? width : 128
        let down = randomMatrix(rows: 48, cols: downCols, type: .q4_0, seed: 4)
        var rng = SeededRandom(seed: 8)
        let x = rng.floats(cols, scale: 2)
        for path in KernelPath.supported {
            let ctx = ComputeContext(threads: 2, path: path)
            var gateUp = [Float](repeating: .nan, count: 2 * width)
            var out = [Float](repeating: .nan, count: width)
            var y = [Float](repeating: .nan, count: down.rows)
            var returned = false
            x.withUnsafeBufferPointer { xp in
                gateUp.withUnsafeMutableBufferPointer { g in
                    out.withUnsafeMutableBufferPointer { o in
                        guard let x = xp.baseAddress, let g = g.baseAddress, let o = o.baseAddress else { return }
                        if let act = Kernels.matVecSwiGLU(gateUpW, .plain(x), width: width, gateUp: g, into: o, ctx,
                                                          quantizedFor: down) {
                            returned = true
                            y.withUnsafeMutableBufferPointer { yp in
                                guard let yp = yp.baseAddress else { return }
                                Kernels.quantizedMatVec(down, act, yp, ctx)
                            }
                        }
                    }
                }
            }
            // only the 512-bit Q4_0 kernel reads the layout the threads fill, and only for whole blocks
            #expect(returned == (blockWidth && path == .avx512vbmi), "\(path)")
            let product = fastMatVec(gateUpW, x, ctx)
            let silu = (0..<width).map { i in product[i] / (1 + exp(-product[i])) * product[width + i] }
            for i in 0..<width {
                #expect(abs(out[i] - silu[i]) <= 1e-5 * max(1, abs(silu[i])), "\(path) index \(i)")
            }
            if returned { #expect(y == fastMatVec(down, out, ctx), "\(path)") }
        }
    }

    @Test(arguments: [StorageType.q4_0, .q8_0, .f32, .bf16])
    func epiloguesEqualTheSeparateAdds(_ type: StorageType) {
        let w = randomMatrix(rows: 301, cols: 96, type: type, seed: 12)
        var rng = SeededRandom(seed: 13)
        let x = rng.floats(96, scale: 2)
        let bias = rng.floats(301)
        let residual = rng.floats(301, scale: 3)
        for path in KernelPath.supported {
            let ctx = ComputeContext(threads: 2, path: path)
            let plain = fastMatVec(w, x, ctx)
            var withBias = [Float](repeating: .nan, count: 301)
            var summed = residual
            var y = [Float](repeating: .nan, count: 301)
            x.withUnsafeBufferPointer { xp in
                bias.withUnsafeBufferPointer { bp in
                    guard let xb = xp.baseAddress, let bb = bp.baseAddress else { return }
                    Kernels.matVec(w, .plain(xb), &withBias, ctx, then: .addBias(bb))
                    summed.withUnsafeMutableBufferPointer { sp in
                        guard let sb = sp.baseAddress else { return }
                        Kernels.matVec(w, .plain(xb), &y, ctx, then: .addInto(sb))
                    }
                }
            }
            let wantBias = zip(plain, bias).map { $0 + $1 }
            let wantSum = zip(residual, plain).map { $0 + $1 }
            #expect(withBias == wantBias, "\(type) \(path)")
            #expect(y == plain && summed == wantSum, "\(type) \(path)")
        }
    }
}
