import Foundation
import Testing
@testable import GLMEngine

/// The AMX batch kernel must give, for every row and token, the very float (bit for bit) the
/// single-token vector kernel gives: speculative decoding and batched serving rely on it.
@Suite(.enabled(if: KernelPath.amxInt8Available,
                "needs AMX-INT8 tiles granted by the OS (Sapphire Rapids or later on Linux); this CPU or kernel has none"))
struct KernelsAMXTests {
    private let amx = ComputeContext(threads: 2, path: .avx512vbmi, amx: true)
    private let vector = ComputeContext(threads: 2, path: .avx512vbmi, amx: false)

    /// The kernel itself, any token count (1 included), on `tileBytes` tiles of rows.
    private func amxProducts(_ w: WeightMatrix, _ x: [Float], n: Int, tileBytes: Int = Kernels.batchTileBytes) -> [Float] {
        let acts = (0..<n).map { _ in QuantizedActivation() }
        x.withUnsafeBufferPointer { xp in
            for t in 0..<n {
                acts[t].quantize(xp.baseAddress.unsafelyUnwrapped + t * w.cols, count: w.cols, vectorized: true)
            }
        }
        var y = [Float](repeating: .nan, count: n * w.rows)
        withExtendedLifetime(acts) {
            let views = acts.map(\.cView)
            views.withUnsafeBufferPointer { v in
                y.withUnsafeMutableBufferPointer { yp in
                    Kernels.amxBatch(w, v.baseAddress.unsafelyUnwrapped, n: n, yp.baseAddress.unsafelyUnwrapped, amx,
                                     tileBytes: tileBytes)
                }
            }
        }
        return y
    }

    /// The single-token kernel's bits for each token, token-major like the batch.
    private func singleTokenBits(_ w: WeightMatrix, _ x: [Float], n: Int) -> [UInt32] {
        (0..<n).flatMap { t in fastMatVec(w, Array(x[t * w.cols..<(t + 1) * w.cols]), vector).map(\.bitPattern) }
    }

    private func expectBitEqual(_ w: WeightMatrix, n: Int, seed: UInt64, tileBytes: Int = Kernels.batchTileBytes) {
        var rng = SeededRandom(seed: seed)
        let x = rng.floats(n * w.cols, scale: 3)
        let got = amxProducts(w, x, n: n, tileBytes: tileBytes).map(\.bitPattern)
        let want = singleTokenBits(w, x, n: n)
        let differing = zip(got, want).filter { $0 != $1 }.count
        #expect(differing == 0, "[\(w.rows)x\(w.cols)] n=\(n): \(differing) of \(want.count) results differ")
    }

    @Test func shortRowsEveryTokenCount() {
        // 1, 3, 5, 17 and 33 blocks: odd last pairs, partial last quads; rows around the 16 of a tile
        for (rows, cols) in [(1, 32), (17, 96), (15, 160), (33, 544), (16, 1056)] {
            let w = randomMatrix(rows: rows, cols: cols, type: .q4_0, seed: UInt64(rows * cols))
            for n in 1...17 { expectBitEqual(w, n: n, seed: UInt64(cols + n)) }
        }
    }

    @Test(arguments: [4096, 4128, 13696])
    func modelRows(_ cols: Int) {
        // the 6B model's row lengths (128 and 428 blocks) and one quad plus a pair past 4096
        let w = randomMatrix(rows: 37, cols: cols, type: .q4_0, seed: UInt64(cols))
        for n in [1, 2, 7, 8, 9, 16, 17] { expectBitEqual(w, n: n, seed: UInt64(cols * n)) }
    }

    @Test func smallTilesCoverEveryRow() {
        // tiles of 16 rows: 50 rows take three whole tiles and a partial one
        let w = randomMatrix(rows: 50, cols: 288, type: .q4_0, seed: 5)
        expectBitEqual(w, n: 9, seed: 6, tileBytes: 1)
    }

    @Test func nearScalarReference() {
        // the scalar definition sums the blocks in another order: equal within rounding
        let w = randomMatrix(rows: 19, cols: 4128, type: .q4_0, seed: 11)
        var rng = SeededRandom(seed: 12)
        let n = 9
        let x = rng.floats(n * w.cols)
        let got = amxProducts(w, x, n: n)
        for t in 0..<n {
            let xt = Array(x[t * w.cols..<(t + 1) * w.cols])
            let want = referenceMatVec(w, xt)
            let scale = magnitudes(w, xt)
            for r in 0..<w.rows {
                #expect(abs(got[t * w.rows + r] - want[r]) <= 1e-5 * scale[r] + 1e-5, "token \(t) row \(r)")
            }
        }
    }

    @Test func infiniteScalesGiveTheSameNaNsAndInfinities() {
        // a block scale of +inf in row 0 and -inf in row 1: the results are inf, -inf or NaN, and must
        // still be the single-token kernel's bits
        let w = randomMatrix(rows: 18, cols: 160, type: .q4_0, seed: 21)
        let bytes = UnsafeMutableRawPointer(mutating: w.data)
        bytes.storeBytes(of: UInt16(0x7C00), toByteOffset: 3 * 18, as: UInt16.self)
        bytes.storeBytes(of: UInt16(0xFC00), toByteOffset: w.rowBytes + 18, as: UInt16.self)
        expectBitEqual(w, n: 9, seed: 22)
    }

    @Test func matMulTakesTheTilesAndAgrees() {
        // through Kernels.matMul (the model's call) with AMX on and off
        #expect(amx.usesAMX && !vector.usesAMX)
        let w = randomMatrix(rows: 40, cols: 4096, type: .q4_0, seed: 31)
        var rng = SeededRandom(seed: 32)
        let n = Kernels.amxMinTokens + 1
        let x = rng.floats(n * w.cols)
        func product(_ ctx: ComputeContext) -> [UInt32] {
            var y = [Float](repeating: .nan, count: n * w.rows)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    Kernels.matMul(w, xp.baseAddress.unsafelyUnwrapped, n: n, yp.baseAddress.unsafelyUnwrapped, ctx)
                }
            }
            return y.map(\.bitPattern)
        }
        let tiles = product(amx), vectors = product(vector), single = singleTokenBits(w, x, n: n)
        #expect(zip(tiles, vectors).filter { $0 != $1 }.isEmpty, "AMX on and off differ")
        #expect(zip(tiles, single).filter { $0 != $1 }.isEmpty, "the batch differs from single tokens")
    }

    @Test func onlyTheVBMIPathUsesTiles() {
        #expect(!ComputeContext(threads: 1, path: .avx2, amx: true).usesAMX)
        #expect(!ComputeContext(threads: 1, path: .avx512vbmi, amx: false).usesAMX)
        #expect(ComputeContext(threads: 1, path: .avx512vbmi).usesAMX)
    }
}
