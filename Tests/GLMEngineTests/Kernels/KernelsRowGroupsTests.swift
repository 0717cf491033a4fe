import CKernels
import Testing
@testable import GLMEngine

/// Q4_0 in groups of eight rows (`RowLayout.groupsOfEight`, ckernels_rows8.h): the same values as the
/// row layout, every path bit-identical to the portable C kernel, batches bit-identical to single
/// tokens, and results within rounding of the reference.
@Suite struct KernelsRowGroupsTests {
    /// Row counts around the group of eight (a last group of seven, of one), block counts 1, 3, 128 and
    /// 257 (odd last blocks), token counts around the AVX2 kernel's passes of four.
    static let shapes: [(rows: Int, cols: Int, tokens: Int)] = [
        (8, 32, 1), (23, 96, 5), (17, 4096, 9), (40, 8224, 4), (9, 256, 3),
    ]

    @Test func packingKeepsEveryRow() {
        for (rows, cols, _) in Self.shapes {
            let w = randomMatrix(rows: rows, cols: cols, type: .q4_0, seed: UInt64(rows * cols))
            let packed = w.inGroupsOfEight(ComputeContext(threads: 2))
            #expect(packed.layout == .groupsOfEight)
            #expect(packed.byteCount == (rows + 7) / 8 * 8 * w.rowBytes)
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: w.rowBytes, alignment: 16)
            defer { scratch.deallocate() }
            for r in 0..<rows {
                let original = UnsafeRawBufferPointer(start: w.rowPointer(r), count: w.rowBytes)
                let unpacked = UnsafeRawBufferPointer(start: packed.ggmlRow(r, scratch: scratch), count: w.rowBytes)
                #expect(original.elementsEqual(unpacked), "\(rows) x \(cols) row \(r)")
            }
        }
    }

    @Test(arguments: KernelPath.supported)
    func everyPathMatchesThePortableKernelBitForBit(_ path: KernelPath) {
        for (rows, cols, n) in Self.shapes {
            let w = randomMatrix(rows: rows, cols: cols, type: .q4_0, seed: UInt64(rows + cols)).inGroupsOfEight(ComputeContext(threads: 1))
            var rng = SeededRandom(seed: UInt64(n * 7 + cols))
            let x = rng.floats(n * cols)
            let ctx = ComputeContext(threads: 2, path: path, amx: false)
            let portable = ComputeContext(threads: 1, path: .portable)
            let batch = fastMatMul(w, x, n: n, ctx, minBatchForBLAS: 1)
            for i in 0..<n {
                let xi = Array(x[i * cols..<(i + 1) * cols])
                let single = fastMatVec(w, xi, ctx)
                #expect(Array(batch[i * rows..<(i + 1) * rows]) == single, "\(path) \(rows) x \(cols) token \(i) of \(n)")
                #expect(single == fastMatVec(w, xi, portable), "\(path) \(rows) x \(cols) token \(i)")
                let reference = referenceMatVec(w, xi), scale = magnitudes(w, xi)
                for r in 0..<rows {
                    #expect(abs(single[r] - reference[r]) <= 1e-5 * scale[r] + 1e-6, "\(path) \(rows) x \(cols) row \(r)")
                }
            }
        }
    }

    @Test func batchesInTilesCoverEveryRow() {
        // one-byte tiles: every tile is one group of eight; 23 rows end in a group of seven
        let rows = 23, cols = 64, n = 6
        let w = randomMatrix(rows: rows, cols: cols, type: .q4_0, seed: 31).inGroupsOfEight(ComputeContext(threads: 1))
        var rng = SeededRandom(seed: 32)
        let x = rng.floats(n * cols)
        let ctx = ComputeContext(threads: 2)
        var y = [Float](repeating: .nan, count: n * rows)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                Kernels.matMul(w, xp.baseAddress.unsafelyUnwrapped, n: n, yp.baseAddress.unsafelyUnwrapped, ctx,
                               minBatchForBLAS: 1, tileFloats: 5 * cols, batchTileBytes: 1)
            }
        }
        #expect(y == fastMatMul(w, x, n: n, ctx, minBatchForBLAS: 1))
    }

    @Test func gateAndUpHalvesStartOnGroups() {
        // the fused SwiGLU splits 2 x 24 rows in slices of whole groups, and matches the plain product
        let width = 24, cols = 128
        let w = randomMatrix(rows: 2 * width, cols: cols, type: .q4_0, seed: 41)
        let packed = w.inGroupsOfEight(ComputeContext(threads: 1))
        var rng = SeededRandom(seed: 42)
        let x = rng.floats(cols)
        let ctx = ComputeContext(threads: 2)
        var gateUp = [Float](repeating: 0, count: 2 * width), fused = [Float](repeating: .nan, count: width)
        x.withUnsafeBufferPointer { xp in
            gateUp.withUnsafeMutableBufferPointer { g in
                fused.withUnsafeMutableBufferPointer { f in
                    Kernels.matMulSwiGLU(packed, xp.baseAddress.unsafelyUnwrapped, rows: 1, width: width,
                                         gateUp: g.baseAddress.unsafelyUnwrapped, into: f.baseAddress.unsafelyUnwrapped, ctx)
                }
            }
        }
        let plain = fastMatVec(packed, x, ctx)
        #expect(Array(gateUp) == plain)
        var expected = [Float](repeating: 0, count: width)
        plain.withUnsafeBufferPointer { p in
            expected.withUnsafeMutableBufferPointer { e in
                Kernels.siluGate(p.baseAddress.unsafelyUnwrapped, p.baseAddress.unsafelyUnwrapped + width, count: width,
                                 into: e.baseAddress.unsafelyUnwrapped, path: ctx.path)
            }
        }
        #expect(fused == expected)
    }

    @Test func theAVX2PathLoadsQ4_0MatricesInGroups() {
        let square = randomMatrix(rows: 32, cols: 64, type: .q4_0, seed: 5)
        #expect(GLMWeights.packsInGroupsOfEight(square, path: .avx2))
        #expect(!GLMWeights.packsInGroupsOfEight(square, path: .portable))
        #expect(!GLMWeights.packsInGroupsOfEight(randomMatrix(rows: 24, cols: 64, type: .q4_0, seed: 6), path: .avx2))
        #expect(!GLMWeights.packsInGroupsOfEight(randomMatrix(rows: 32, cols: 64, type: .q8_0, seed: 7), path: .avx2))
    }
}
