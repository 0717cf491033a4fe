import CKernels
import Testing
@testable import GLMEngine

/// The kernels of ckernels_kquants.h against their Swift scalar twins (`KQuantReference`), bit for
/// bit, on every path this CPU runs; batches against single tokens; and the products against float
/// maths on the dequantized weights (so the contract itself computes the right thing).
@Suite struct KQuantKernelTests {
    /// Shapes: one block, odd block counts (a pair with its second block missing), the model's 4096
    /// and 13696, and an odd number of super-blocks.
    static func shapes(_ type: StorageType) -> [(rows: Int, cols: Int)] {
        type.usesSuperBlockActivation ? [(1, 256), (7, 768), (3, 4096)] : [(1, 32), (7, 96), (5, 256), (3, 4096), (2, 13696)]
    }

    @Test(arguments: KernelPath.supported, RandomBlocks.kquantTypes)
    func kernelMatchesScalarTwin(_ path: KernelPath, _ type: StorageType) {
        let ctx = ComputeContext(threads: 1, path: path)
        for (i, (rows, cols)) in Self.shapes(type).enumerated() {
            let w = RandomBlocks.matrix(rows: rows, cols: cols, type: type, seed: UInt64(17 * i + 3))
            var rng = SeededRandom(seed: UInt64(100 + i))
            let x = rng.floats(cols, scale: 2)
            let expected = referenceMatVec(w, x)
            let got = fastMatVec(w, x, ctx)
            #expect(got.bits == expected.bits, "\(path) \(type) [\(rows) x \(cols)]: \(got.prefix(3)) vs \(expected.prefix(3))")
        }
    }

    @Test(arguments: RandomBlocks.kquantTypes)
    func everyBuildMatchesEveryOther(_ type: StorageType) throws {
        // The portable build runs everywhere; each SIMD build this CPU has must give its bits.
        let w = RandomBlocks.matrix(rows: 9, cols: 1024, type: type, seed: 5)
        var rng = SeededRandom(seed: 6)
        let x = rng.floats(1024)
        let portable = fastMatVec(w, x, ComputeContext(threads: 1, path: .portable))
        for path in KernelPath.supported {
            #expect(fastMatVec(w, x, ComputeContext(threads: 1, path: path)).bits == portable.bits, "\(path) \(type)")
        }
    }

    /// How a batch's rows reach the kernels: tiles of 3 rows take the row kernels only; tiles of 20
    /// rows also the eight-row panels of batches of KQ_PANEL_MIN_TOKENS (8) or more, with rows left
    /// over; rows wide enough that one panel fills a KQ_PANEL_CHUNK_BYTES chunk, several chunks a tile.
    enum Tiling: CaseIterable, Sendable { case rowKernels, panels, chunkedPanels }

    @Test(arguments: RandomBlocks.kquantTypes, Tiling.allCases)
    func batchesMatchSingleTokens(_ type: StorageType, _ tiling: Tiling) {
        let tileRows = tiling == .rowKernels ? 3 : 20
        let cols = switch (tiling, type.usesSuperBlockActivation) {
        case (.chunkedPanels, true): 9216    // 36 super-blocks: a 104 KB panel
        case (.chunkedPanels, false): 20480  // 320 pairs of blocks: a 205 KB panel
        case (_, true): 512
        case (_, false): 160
        }
        for path in KernelPath.supported {
            let ctx = ComputeContext(threads: 2, path: path)
            // 9 tokens: two groups of four and one left over; 37 rows: several tiles, the last partial.
            let rows = 37, n = 9
            let w = RandomBlocks.matrix(rows: rows, cols: cols, type: type, seed: 11)
            var rng = SeededRandom(seed: 12)
            let x = rng.floats(n * cols)
            var y = [Float](repeating: .nan, count: n * rows)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    Kernels.matMul(w, xp.baseAddress.unsafelyUnwrapped, n: n, yp.baseAddress.unsafelyUnwrapped, ctx,
                                   minBatchForBLAS: 1, tileFloats: Kernels.tileFloatBudget, batchTileBytes: tileRows * w.rowBytes)
                }
            }
            for t in 0..<n {
                let single = fastMatVec(w, Array(x[t * cols..<(t + 1) * cols]), ctx)
                #expect(Array(y[t * rows..<(t + 1) * rows]).bits == single.bits, "\(path) \(type) token \(t)")
            }
        }
    }

    @Test(arguments: RandomBlocks.kquantTypes)
    func threadCountDoesNotChangeResults(_ type: StorageType) {
        let w = RandomBlocks.matrix(rows: 41, cols: type.usesSuperBlockActivation ? 2048 : 1024, type: type, seed: 21)
        var rng = SeededRandom(seed: 22)
        let x = rng.floats(w.cols)
        let one = fastMatVec(w, x, ComputeContext(threads: 1))
        #expect(fastMatVec(w, x, ComputeContext(threads: 2)).bits == one.bits)
        #expect(fastMatVec(w, x, ComputeContext(threads: 3)).bits == one.bits)
    }

    /// Quantizing the activation to 8 bits is the products' only rounding: each element's share of
    /// it is at most half a step of its block (Q8_0: max |x| / 254 per 32; Q8_K: per 256), times |w|.
    @Test(arguments: RandomBlocks.kquantTypes)
    func productsStayCloseToFloatMaths(_ type: StorageType) {
        let cols = 4096, rows = 4
        let w = RandomBlocks.matrix(rows: rows, cols: cols, type: type, seed: 31)
        var rng = SeededRandom(seed: 32)
        let x = rng.floats(cols, scale: 3)
        let y = fastMatVec(w, x, ComputeContext(threads: 1))
        let block = type.usesSuperBlockActivation ? 256 : 32
        let blockMax = stride(from: 0, to: cols, by: block).map { x[$0..<$0 + block].reduce(0) { max($0, abs($1)) } }
        for r in 0..<rows {
            let row = RandomBlocks.dequantizedRow(w, r)
            var exact: Double = 0, bound: Double = 0
            for c in 0..<cols {
                exact += Double(row[c]) * Double(x[c])
                bound += Double(abs(row[c])) * Double(blockMax[c / block]) / 254
            }
            #expect(abs(Double(y[r]) - exact) <= bound * 1.01 + 1e-4, "\(type) row \(r): \(y[r]) vs \(exact), bound \(bound)")
        }
    }

    @Test func q8KQuantizerMatchesScalarTwin() {
        var rng = SeededRandom(seed: 41)
        var x = rng.floats(1024, scale: 4)
        for i in 256..<512 { x[i] = 0 }                   // an all-zero super-block
        x[600] = -127                                      // scale 1: halves land exactly between quants
        for i in 601..<620 { x[i] = Float(i - 610) + 0.5 }
        x[900] = 5; x[901] = -5                           // the first of two equal magnitudes sets the sign
        let act = SuperBlockActivation()
        x.withUnsafeBufferPointer { act.quantize($0.baseAddress.unsafelyUnwrapped, count: 1024) }
        let expected = x.withUnsafeBufferPointer { KQuantReference.quantizeQ8K($0.baseAddress.unsafelyUnwrapped, count: 1024) }
        #expect((0..<1024).map { act.q[$0] } == expected.q)
        #expect((0..<4).map { act.d[$0].bitPattern } == expected.d.map(\.bitPattern))
        #expect((0..<64).map { act.bsums[$0] } == expected.bsums)
        #expect(expected.d[1] == 0 && expected.q[256..<512].allSatisfy { $0 == 0 })
        #expect(expected.q[610] == 0 && expected.q[611] == 2 && expected.q[612] == 2, "half to even: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2")
    }

    @Test func everyTypeHasEveryBuild() {
        for type in RandomBlocks.kquantTypes {
            let family = type.kquantKernelType.unsafelyUnwrapped
            for path in KernelPath.supported {
                #expect(ck_kq_matmul_kernel(family, path.kquantISA) != nil, "\(type) on \(path)")
            }
        }
    }
}
