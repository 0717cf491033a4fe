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
            expectSameRows(packed, w)
        }
    }

    @Test(arguments: KernelPath.supported)
    func everyPathMatchesThePortableKernelBitForBit(_ path: KernelPath) {
        let ctx = ComputeContext(threads: 2, path: path, amx: false)
        for (rows, cols, n) in Self.shapes {
            let w = randomMatrix(rows: rows, cols: cols, type: .q4_0, seed: UInt64(rows + cols)).inGroupsOfEight(ComputeContext(threads: 1))
            expectPackedProducts(w, n: n, seed: UInt64(n * 7 + cols), ctx)
        }
    }

    @Test func batchesInTilesCoverEveryRow() {
        // one-byte tiles: every tile is one group of eight; 23 rows end in a group of seven
        let w = randomMatrix(rows: 23, cols: 64, type: .q4_0, seed: 31).inGroupsOfEight(ComputeContext(threads: 1))
        expectSmallestTilesCoverEveryRow(w, n: 6, seed: 32)
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
        #expect(fused == siluGated(plain, width: width, ctx))
    }

    @Test func theAVX2PathLoadsQ4_0MatricesInGroups() {
        let square = randomMatrix(rows: 32, cols: 64, type: .q4_0, seed: 5)
        #expect(GLMWeights.packsInGroupsOfEight(square, path: .avx2))
        #expect(!GLMWeights.packsInGroupsOfEight(square, path: .portable))
        #expect(!GLMWeights.packsInGroupsOfEight(randomMatrix(rows: 24, cols: 64, type: .q4_0, seed: 6), path: .avx2))
        #expect(!GLMWeights.packsInGroupsOfEight(randomMatrix(rows: 32, cols: 64, type: .q8_0, seed: 7), path: .avx2))
    }
}
